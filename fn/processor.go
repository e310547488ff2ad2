// Package fn is the KRM function: a ResourceList in, a ResourceList out. It
// reads the values from the functionConfig, renders the platform and puts it
// beside the items it was given, replacing what an earlier run generated.
package fn

import (
	"errors"
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/values"
)

// ErrFailed is returned when any result has severity error; the items are
// then left exactly as they came in.
var ErrFailed = errors.New("failed; see the results")

// Processor renders the platform described by the functionConfig.
type Processor struct{}

// Process implements framework.ResourceListProcessor. On any error result
// the items are returned exactly as they came in.
func (Processor) Process(rl *framework.ResourceList) error {
	cfg := rl.FunctionConfig
	if cfg == nil || cfg.IsNilOrEmpty() {
		// `kpt fn source DIR | vdirender`: the package's own VDIPlatform
		// is among the items, and no functionConfig was given.
		cfg = onlyPlatform(rl.Items)
	}
	v, results := LoadValues(cfg)
	rl.Results = append(rl.Results, results...)
	if v == nil {
		return ErrFailed
	}
	items, results, err := Render(rl.Items, v, Options{})
	if err != nil {
		return err
	}
	rl.Results = append(rl.Results, results...)
	if HasErrors(results) {
		return ErrFailed
	}
	rl.Items = items
	rl.Results = append(rl.Results, prerequisiteResults(v)...)
	return nil
}

// prerequisiteResults are what the cluster must hold and nothing renders,
// as info results: kpt shows them where `vdirender build` prints its list.
func prerequisiteResults(v *values.Values) framework.Results {
	var out framework.Results
	for _, p := range generators.Expectations(v).List() {
		out = append(out, &framework.Result{Severity: framework.Info, Tags: map[string]string{"check": "prerequisites"},
			Message: "the cluster must hold " + p.What + ": " + p.Why + " (" + p.How + ")"})
	}
	return out
}

// onlyPlatform is the one VDIPlatform among items, or nil when there is
// none or more than one (which one would be a guess).
func onlyPlatform(items []*yaml.RNode) *yaml.RNode {
	var found *yaml.RNode
	for _, it := range items {
		if it.GetKind() == values.PlatformKind && it.GetApiVersion() == values.PlatformAPIVersion {
			if found != nil {
				return nil
			}
			found = it
		}
	}
	return found
}

// LoadValues reads typed values from a functionConfig. On failure it returns
// nil and one error result per problem.
func LoadValues(cfg *yaml.RNode) (*values.Values, framework.Results) {
	if cfg == nil || cfg.IsNilOrEmpty() {
		return nil, framework.Results{{Severity: framework.Error,
			Message: fmt.Sprintf("no functionConfig, and not exactly one %[1]s %[2]s among the items: give a %[1]s %[2]s whose spec is the values (kpt fn eval --fn-config), or a ConfigMap with data[%[3]q]", values.PlatformAPIVersion, values.PlatformKind, values.ConfigMapKey)}}
	}
	file, _, _ := kioutil.GetFileAnnotations(cfg)
	doc, err := values.FromObject(file, cfg)
	// Lines inside a ResourceList are not lines of the user's file.
	doc.LinesUnknown = true
	if err == nil {
		var v *values.Values
		if v, err = values.Load(doc); err == nil {
			return v, nil
		}
	}
	return nil, ErrorResults(cfg, withoutLines(err))
}

func withoutLines(err error) error {
	var fes values.Errors
	var fe values.FieldError
	switch {
	case errors.As(err, &fes):
		out := make(values.Errors, len(fes))
		for i, e := range fes {
			e.Line = 0
			out[i] = e
		}
		return out
	case errors.As(err, &fe):
		fe.Line = 0
		return fe
	}
	return err
}

// ErrorResults turns values errors into KRM results that name the
// functionConfig, the field path and the file.
func ErrorResults(cfg *yaml.RNode, err error) framework.Results {
	var ref *yaml.ResourceIdentifier
	var index int
	if cfg != nil {
		if m, merr := cfg.GetMeta(); merr == nil {
			ref = &yaml.ResourceIdentifier{TypeMeta: m.TypeMeta, NameMeta: m.ObjectMeta.NameMeta}
		}
		_, idx, _ := kioutil.GetFileAnnotations(cfg)
		fmt.Sscan(idx, &index)
	}
	var fes values.Errors
	var fe values.FieldError
	switch {
	case errors.As(err, &fes):
	case errors.As(err, &fe):
		fes = values.Errors{fe}
	default:
		return framework.Results{{Severity: framework.Error, Message: err.Error(), ResourceRef: ref}}
	}
	out := make(framework.Results, 0, len(fes))
	for _, e := range fes {
		r := &framework.Result{Severity: framework.Error, Message: e.Message, ResourceRef: ref}
		if e.Path != "" {
			r.Field = &framework.Field{Path: e.Path}
		}
		if e.File != "" {
			r.File = &framework.File{Path: e.File, Index: index}
		}
		if e.Line > 0 {
			r.Tags = map[string]string{"line": fmt.Sprint(e.Line)}
		}
		out = append(out, r)
	}
	return out
}
