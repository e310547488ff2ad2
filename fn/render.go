package fn

import (
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

// Options is what rendering needs besides the values.
type Options struct {
	// PackageDir holds the vendored chart archives and their lock; empty
	// where no files can be read (a KRM function in a container).
	PackageDir string
}

// Render is the whole pipeline, in order:
//
//  1. generators: the platform's objects from the typed values;
//  2. charts: the inline sub-charts, rendered from their locked archives;
//  3. both beside the user's items (Lists expanded into their items), replacing what an earlier run generated,
//     and no object given twice;
//  4. transformers: the platform rules over everything, each in its mode;
//  5. manifest: a stable order.
//
// Rules change items in place: a caller that must return its input
// untouched on failure keeps it (Execute re-reads it).
func Render(items []*yaml.RNode, v *values.Values, opts Options) ([]*yaml.RNode, framework.Results, error) {
	platform, err := manifest.Nodes(generators.Platform(v))
	if err != nil {
		return nil, nil, err
	}
	subCharts, notes, err := charts.Inline(v, opts.PackageDir)
	if err != nil {
		return nil, framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "charts"}}}, nil
	}
	// A List is applied as its items: the rules see each of them.
	items, err = manifest.ExpandLists(items)
	if err != nil {
		return nil, framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "lists"}}}, nil
	}
	// The VDIPlatform is local config, annotated or not: whatever applies
	// the function's output must not apply it.
	if err := manifest.MarkPlatformLocal(items); err != nil {
		return nil, nil, err
	}
	out := make([]*yaml.RNode, 0, len(items)+len(platform)+len(subCharts))
	for _, it := range items {
		if !IsGenerated(it) {
			out = append(out, it)
		}
	}
	out = append(append(out, platform...), subCharts...)
	if dups := duplicates(out); len(dups) > 0 {
		return nil, dups, nil
	}
	results, err := transformers.Run(out, &transformers.Env{Values: v}, false)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range notes {
		results = append(results, &framework.Result{Severity: framework.Info, Message: n, Tags: map[string]string{"check": "charts"}})
	}
	manifest.Sort(out)
	return out, results, nil
}

// duplicates reports objects given twice: one would silently replace the
// other when applied. An object that clashes with one vdirender renders is
// reported the same way. A namespaced object without a namespace is taken
// to land in default (where kubectl puts it with the default context).
func duplicates(items []*yaml.RNode) framework.Results {
	type id struct{ group, kind, ns, name string }
	seen := map[id]*yaml.RNode{}
	scopes := manifest.ScopesOf(items)
	var out framework.Results
	for _, it := range items {
		group, _, found := strings.Cut(it.GetApiVersion(), "/")
		if !found {
			group = ""
		}
		// Where the object lands: a namespaced object without a namespace
		// goes to default, a cluster-scoped one has none whatever it says.
		k := id{group, it.GetKind(), scopes.EffectiveNamespace(it), it.GetName()}
		first, dup := seen[k]
		if !dup {
			seen[k] = it
			continue
		}
		p1, _, _ := kioutil.GetFileAnnotations(first)
		p2, _, _ := kioutil.GetFileAnnotations(it)
		out = append(out, &framework.Result{Severity: framework.Error,
			ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: it.GetApiVersion(), Kind: it.GetKind()}, NameMeta: yaml.NameMeta{Name: it.GetName(), Namespace: it.GetNamespace()}},
			Message:     fmt.Sprintf("%s %s/%s is given twice (%s and %s); applying both would keep only one", it.GetKind(), k.ns, it.GetName(), orGenerated(p1), orGenerated(p2))})
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
