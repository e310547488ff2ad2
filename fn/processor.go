// Package fn is the KRM function: a ResourceList in, a ResourceList out. It
// reads the values from the functionConfig, renders the platform and puts it
// beside the items it was given, replacing what an earlier run generated.
package fn

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// ErrFailed is returned when any result has severity error; the items are
// then left exactly as they came in.
var ErrFailed = errors.New("failed; see the results")

// Processor renders the platform described by the functionConfig.
type Processor struct{}

// Process implements framework.ResourceListProcessor. On any error result
// the items are returned exactly as they came in.
func (Processor) Process(rl *framework.ResourceList) error {
	v, results := LoadValues(rl.FunctionConfig)
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
	return nil
}

// Options is what rendering needs besides the values.
type Options struct {
	// PackageDir holds the vendored chart archives and their lock; empty
	// where no files can be read (a KRM function in a container).
	PackageDir string
}

// Render is the pipeline, in order: generate the platform from v, render
// the inline sub-charts from their locked archives, put both beside items
// (replacing what an earlier run generated), apply the platform rules to
// everything, and sort. Rules change items in place: a caller that must
// return its input untouched on failure keeps it (Execute re-reads it).
func Render(items []*yaml.RNode, v *values.Values, opts Options) ([]*yaml.RNode, framework.Results, error) {
	generated, err := manifest.Objects(v)
	if err != nil {
		return nil, nil, err
	}
	charts, err := charts.Inline(v, opts.PackageDir)
	if err != nil {
		return nil, framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "charts"}}}, nil
	}
	generated = append(generated, charts...)
	out := make([]*yaml.RNode, 0, len(items)+len(generated))
	for _, it := range items {
		if !IsGenerated(it) {
			out = append(out, it)
		}
	}
	out = append(out, generated...)
	if dups := duplicates(out); len(dups) > 0 {
		return nil, dups, nil
	}
	results, err := transformers.Run(out, &transformers.Env{Values: v}, false)
	if err != nil {
		return nil, nil, err
	}
	manifest.Sort(out)
	return out, results, nil
}

// duplicates reports objects given twice: one would silently replace the
// other when applied. An object that clashes with one vdirender renders is
// reported the same way.
func duplicates(items []*yaml.RNode) framework.Results {
	type id struct{ group, kind, ns, name string }
	seen := map[id]*yaml.RNode{}
	var out framework.Results
	for _, it := range items {
		group, _, found := strings.Cut(it.GetApiVersion(), "/")
		if !found {
			group = ""
		}
		k := id{group, it.GetKind(), it.GetNamespace(), it.GetName()}
		first, dup := seen[k]
		if !dup {
			seen[k] = it
			continue
		}
		p1, _, _ := kioutil.GetFileAnnotations(first)
		p2, _, _ := kioutil.GetFileAnnotations(it)
		out = append(out, &framework.Result{Severity: framework.Error,
			ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: it.GetApiVersion(), Kind: it.GetKind()}, NameMeta: yaml.NameMeta{Name: it.GetName(), Namespace: it.GetNamespace()}},
			Message:     fmt.Sprintf("%s %s/%s is given twice (%s and %s); applying both would keep only one", it.GetKind(), it.GetNamespace(), it.GetName(), orGenerated(p1), orGenerated(p2))})
	}
	return out
}

func orGenerated(path string) string {
	if path == "" || strings.HasPrefix(path, manifest.Dir+"/") {
		return "rendered by vdirender"
	}
	return path
}

// HasErrors reports whether any result is an error.
func HasErrors(results framework.Results) bool {
	for _, r := range results {
		if r.Severity == framework.Error {
			return true
		}
	}
	return false
}

// IsGenerated tells the objects an earlier run rendered: they are replaced,
// so that rendering the output again changes nothing.
func IsGenerated(n *yaml.RNode) bool {
	return n.GetLabels()[generators.ManagedByLabel] == generators.ManagedBy
}

// LoadValues reads typed values from a functionConfig. On failure it returns
// nil and one error result per problem.
func LoadValues(cfg *yaml.RNode) (*values.Values, framework.Results) {
	if cfg == nil || cfg.IsNilOrEmpty() {
		return nil, framework.Results{{Severity: framework.Error,
			Message: fmt.Sprintf("no functionConfig: give a %s %s whose spec is the values, or a ConfigMap with data[%q]", values.PlatformAPIVersion, values.PlatformKind, values.ConfigMapKey)}}
	}
	file, _, _ := kioutil.GetFileAnnotations(cfg)
	doc, err := values.FromObject(file, cfg)
	if err == nil {
		var v *values.Values
		if v, err = values.Load(doc); err == nil {
			return v, nil
		}
	}
	// Lines inside a ResourceList are not lines of the user's file.
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
