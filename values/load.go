package values

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	sigsyaml "sigs.k8s.io/yaml"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/schemas"
)

var (
	compileOnce sync.Once
	schema      *jsonschema.Schema
	compileErr  error
	printer     = message.NewPrinter(language.English)
)

// Schema returns the compiled values schema.
func Schema() (*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.Values))
		if err != nil {
			compileErr = err
			return
		}
		c := jsonschema.NewCompiler()
		// The schema is self-contained: refuse to load anything else.
		c.UseLoader(jsonschema.SchemeURLLoader{})
		if err := c.AddResource(schemas.ValuesURL, doc); err != nil {
			compileErr = err
			return
		}
		schema, compileErr = c.Compile(schemas.ValuesURL)
	})
	return schema, compileErr
}

// Load validates a values document against the schema, decodes it into typed
// Values, fills the defaults and checks the rules that span fields. Every
// problem is returned at once, each with its file, line and field path.
func Load(doc Document) (*Values, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(doc.Node); err != nil {
		return nil, FieldError{File: doc.File, Message: err.Error()}
	}
	js, err := sigsyaml.YAMLToJSON(buf.Bytes())
	if err != nil {
		return nil, FieldError{File: doc.File, Message: "values: " + err.Error()}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return nil, FieldError{File: doc.File, Message: "values: " + err.Error()}
	}
	sch, err := Schema()
	if err != nil {
		return nil, fmt.Errorf("values schema: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		ve, ok := err.(*jsonschema.ValidationError)
		if !ok {
			return nil, err
		}
		return nil, doc.schemaErrors(ve)
	}

	var v Values
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, FieldError{File: doc.File, Line: doc.line(doc.Node), Path: doc.Prefix, Message: err.Error()}
	}
	v.Default()
	if errs := v.validate(doc); len(errs) > 0 {
		return nil, errs
	}
	return &v, nil
}

// schemaErrors flattens a schema failure into one FieldError per leaf cause.
func (d Document) schemaErrors(ve *jsonschema.ValidationError) Errors {
	var errs Errors
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		switch k := e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				tokens := append(slices.Clone(e.InstanceLocation), p)
				errs = append(errs, d.errorAt(tokens, "unknown field %q (a typo here would silently switch a feature off)", p))
			}
		case *kind.Required:
			for _, p := range k.Missing {
				errs = append(errs, d.errorAt(append(slices.Clone(e.InstanceLocation), p), "required field is missing"))
			}
		default:
			errs = append(errs, d.errorAt(e.InstanceLocation, "%s", e.ErrorKind.LocalizedString(printer)))
		}
	}
	walk(ve)
	sortErrors(errs)
	return dedupe(errs)
}

func sortErrors(errs Errors) {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Path < errs[j].Path
	})
}

func dedupe(errs Errors) Errors {
	out := errs[:0]
	for i, e := range errs {
		if i > 0 && e == errs[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// HasPrefix reports whether a field path lies under prefix.
func HasPrefix(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+".") || strings.HasPrefix(path, prefix+"[")
}
