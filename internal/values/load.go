package values

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
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
	if errs := doc.credentials(doc.Node, nil); len(errs) > 0 {
		return nil, errs
	}
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
		if errs := doc.schemaErrors(ve); len(errs) > 0 {
			return nil, errs
		}
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
	v.Source = &doc
	return &v, nil
}

// urlCredentials finds the user information of a URL: scheme://user[:password]@.
var urlCredentials = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^/?#@\s]*@`)

// credentials refuses every URL in the values that holds credentials
// (a chart repository https://user:pass@host, a database URL in a
// template's env): values are rendered in clear into the manifests and
// the diffs reviewers read. The value itself is never quoted.
func (d Document) credentials(n *yaml.Node, tokens []string) Errors {
	var errs Errors
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, d.credentials(n.Content[i+1], append(slices.Clone(tokens), n.Content[i].Value))...)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			errs = append(errs, d.credentials(c, append(slices.Clone(tokens), strconv.Itoa(i)))...)
		}
	case yaml.ScalarNode:
		if urlCredentials.MatchString(n.Value) {
			errs = append(errs, FieldError{File: d.File, Line: d.line(n), Path: d.fieldPath(tokens),
				Message: "holds a URL with credentials (user:password@): values are rendered in clear; keep credentials in a Secret (for a template's env, valueFrom.secretKeyRef)"})
		}
	}
	return errs
}

// schemaErrors flattens a schema failure into one FieldError per leaf cause.
func (d Document) schemaErrors(ve *jsonschema.ValidationError) Errors {
	var errs Errors
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if ruleBranch(e.SchemaURL) {
			return
		}
		if _, isMin := e.ErrorKind.(*kind.Minimum); isMin {
			_, frag, _ := strings.Cut(e.SchemaURL, "#")
			if hint, ok := minimumHints[frag]; ok {
				errs = append(errs, d.errorAt(e.InstanceLocation, "%s", hint))
				return
			}
		}
		if hint, ok := schemaHint(e.SchemaURL); ok {
			errs = append(errs, d.errorAt(e.InstanceLocation, "%s", hint))
			return
		}
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
				errs = append(errs, d.errorAt(tokens, "%s", unknownField(e.InstanceLocation, p, d.keyAbove(tokens))))
			}
		case *kind.Required:
			// Point at the key of the object that lacks the field.
			for _, p := range k.Missing {
				fe := d.errorAt(append(slices.Clone(e.InstanceLocation), p), "required field is missing")
				fe.Line = d.keyLine(e.InstanceLocation)
				errs = append(errs, fe)
			}
		case *kind.MaxItems:
			errs = append(errs, d.errorAt(e.InstanceLocation, "has %d items, more than the %d allowed", k.Got, k.Want))
		case *kind.MaxProperties:
			errs = append(errs, d.errorAt(e.InstanceLocation, "has %d entries, more than the %d allowed", k.Got, k.Want))
		default:
			errs = append(errs, d.errorAt(e.InstanceLocation, "%s", e.ErrorKind.LocalizedString(printer)))
		}
	}
	walk(ve)
	sortErrors(errs)
	return dedupe(errs)
}

// hints replace the schema library's wording for the shared definitions whose
// failures would otherwise read as regular expressions or oneOf branches.
var hints = map[string]string{
	"/$defs/chartVersion": "is not an exact version: pin one release such as 1.2.3, never a range or latest",
	"/$defs/quantity":     "must be a Kubernetes quantity such as 500m, 1Gi or 2",
	"/$defs/duration":     "must be a duration such as 90s, 30m or 8h",
	"/$defs/name":         "must be a lowercase DNS label: a-z, 0-9 and '-', at most 63 characters",
	"/$defs/dnsName":      "must be a lowercase DNS name such as kasm.example.com, each label at most 63 characters: it ends up in Traefik Host() rules, so nothing else is allowed",
	"/$defs/token":        "may hold only letters, digits, '-' and '_'",
	"/$defs/text":         "must be 1 to 253 characters without control characters such as newlines",
	"/$defs/image":        "must be an image reference without whitespace",
	"/$defs/envName":      "must be an environment variable name: letters, digits and '_', not starting with a digit",
	"/$defs/repo":         "must be an https://, http:// or oci:// chart repository",
}

// minimumHints explain a value below its minimum.
var minimumHints = map[string]string{
	"/properties/gpu/properties/timeSlicing/properties/replicas":     "must be at least 2: the device plugin refuses fewer time-slices per GPU",
	"/properties/gpu/properties/nodePools/items/properties/replicas": "must be at least 2: the device plugin refuses fewer time-slices per GPU",
}

// ruleBranches are the schema's if/then rules that tell editors what a rule
// in enforce mode accepts (global.image.pullPolicy IfNotPresent, storage
// classes local-path). Their failures are left to checkRuleContradictions,
// whose message names the rule and how to switch it to audit.
var ruleBranches = []string{"/$defs/pullPolicyRule", "/$defs/storageRule"}

func ruleBranch(schemaURL string) bool {
	_, frag, _ := strings.Cut(schemaURL, "#")
	for _, b := range ruleBranches {
		if frag == b || strings.HasPrefix(frag, b+"/") {
			return true
		}
	}
	return false
}

func schemaHint(schemaURL string) (string, bool) {
	_, frag, _ := strings.Cut(schemaURL, "#")
	for prefix, hint := range hints {
		if rest, ok := strings.CutPrefix(frag, prefix); ok && (rest == "" || !strings.HasPrefix(rest, "/properties")) {
			return hint, true
		}
	}
	return "", false
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
