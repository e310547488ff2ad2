package fn

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/platform"
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
	// The rules see what the cluster gets: aliases and merge keys resolved,
	// in the package's objects and in what inline charts render.
	if err := manifest.ResolveAnchors(append(slices.Clip(items), subCharts...)); err != nil {
		return nil, framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "anchors"}}}, nil
	}
	// A List is applied as its items: the rules see each of them, whether
	// the package holds it or an inline chart renders it.
	for _, objs := range []*[]*yaml.RNode{&items, &subCharts} {
		if *objs, err = manifest.ExpandLists(*objs); err != nil {
			return nil, framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "lists"}}}, nil
		}
	}
	// The VDIPlatform is local config, annotated or not: whatever applies
	// the function's output must not apply it.
	if err := manifest.MarkPlatformLocal(items); err != nil {
		return nil, nil, err
	}
	out := make([]*yaml.RNode, 0, len(items)+len(platform)+len(subCharts))
	rendered := map[objectID]bool{}
	for _, it := range append(slices.Clip(platform), subCharts...) {
		rendered[idOf(it)] = true
	}
	// Earlier output: under vdirender/ it is replaced; elsewhere (a build
	// written into the package) it is set aside, and must be exactly what
	// this run renders.
	var earlier []*yaml.RNode
	for _, it := range items {
		switch {
		case generatedIn(it, opts.PackageDir):
		case it.GetLabels()[generators.ManagedByLabel] == generators.ManagedBy && rendered[idOf(it)]:
			earlier = append(earlier, it)
		default:
			out = append(out, it)
		}
	}
	out = append(append(out, platform...), subCharts...)
	if bad := append(badNames(out), duplicates(out)...); len(bad) > 0 {
		return nil, bad, nil
	}
	results, err := transformers.Run(out, &transformers.Env{Values: v}, false)
	if err != nil {
		return nil, nil, err
	}
	pointAtValues(results, v, append(slices.Clip(platform), subCharts...))
	if bad, err := notRendered(earlier, out); err != nil || len(bad) > 0 {
		return nil, bad, err
	}
	for _, n := range notes {
		results = append(results, &framework.Result{Severity: framework.Info, Message: n, Tags: map[string]string{"check": "charts"}})
	}
	if !*v.Ingress.Traefik.ManageHelmChartConfig {
		results = append(results, &framework.Result{Severity: framework.Warning, Tags: map[string]string{"check": "traefik"},
			Message: "ingress.traefik.manageHelmChartConfig is false: HelmChartConfig kube-system/traefik is yours. Merge these Traefik chart values into its valuesContent " +
				"(without them K3s's Traefik cuts every desktop stream after 60 s and has no TURN entrypoint):\n" + generators.TraefikValues(v)})
	}
	manifest.Sort(out)
	return out, results, nil
}

type objectID struct{ group, kind, ns, name string }

func idOf(it *yaml.RNode) objectID {
	return objectID{platform.Group(it.GetApiVersion()), it.GetKind(), it.GetNamespace(), it.GetName()}
}

// notRendered refuses each labelled object set aside as earlier output
// that differs from the object this run renders: it is a user's object,
// and dropping it would lose it silently.
func notRendered(earlier, out []*yaml.RNode) (framework.Results, error) {
	if len(earlier) == 0 {
		return nil, nil
	}
	now := map[objectID]*yaml.RNode{}
	for _, it := range out {
		now[idOf(it)] = it
	}
	var bad framework.Results
	for _, it := range earlier {
		same, err := sameObject(it, now[idOf(it)])
		if err != nil {
			return nil, err
		}
		if same {
			continue
		}
		p, _, _ := kioutil.GetFileAnnotations(it)
		bad = append(bad, &framework.Result{Severity: framework.Error,
			ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: it.GetApiVersion(), Kind: it.GetKind()}, NameMeta: yaml.NameMeta{Name: it.GetName(), Namespace: it.GetNamespace()}},
			File:        &framework.File{Path: p},
			Message: fmt.Sprintf("%s %s/%s is labelled %s: %s but is not what vdirender renders for it; remove the label or the object (it is not replaced silently)",
				it.GetKind(), it.GetNamespace(), it.GetName(), generators.ManagedByLabel, generators.ManagedBy)})
	}
	return bad, nil
}

// sameObject compares two objects without their internal annotations.
func sameObject(a, b *yaml.RNode) (bool, error) {
	if b == nil {
		return false, nil
	}
	cleaned, err := manifest.Clean([]*yaml.RNode{a.Copy(), b.Copy()})
	if err != nil || len(cleaned) != 2 {
		return false, err
	}
	sa, err := cleaned[0].String()
	if err != nil {
		return false, err
	}
	sb, err := cleaned[1].String()
	return sa == sb, err
}

// duplicates reports objects given twice: one would silently replace the
// other when applied. An object that clashes with one vdirender renders is
// reported the same way. A namespaced object without a namespace is taken
// to land in default (where kubectl puts it with the default context).
func duplicates(items []*yaml.RNode) framework.Results {
	seen := map[objectID]*yaml.RNode{}
	scopes := manifest.ScopesOf(items)
	var out framework.Results
	for _, it := range items {
		// Where the object lands: a namespaced object without a namespace
		// goes to default, a cluster-scoped one has none whatever it says.
		k := idOf(it)
		k.ns = scopes.EffectiveNamespace(it)
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

// badNames reports objects whose kind, namespace or name the API server
// would refuse; they would also name files outside build -o's directory.
func badNames(items []*yaml.RNode) framework.Results {
	var out framework.Results
	for _, it := range items {
		// Local config never reaches a cluster nor a file under -o.
		if _, local := it.GetAnnotations()[filters.LocalConfigAnnotation]; local || manifest.IsToolConfig(it) {
			continue
		}
		if err := manifest.CheckName(it.GetKind(), it.GetNamespace(), it.GetName()); err != nil {
			p, _, _ := kioutil.GetFileAnnotations(it)
			out = append(out, &framework.Result{Severity: framework.Error,
				ResourceRef: &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: it.GetApiVersion(), Kind: it.GetKind()}, NameMeta: yaml.NameMeta{Name: it.GetName(), Namespace: it.GetNamespace()}},
				File:        &framework.File{Path: p},
				Message:     err.Error()})
		}
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
// so that rendering the output again changes nothing. Both marks are
// needed: vdirender's managed-by label and a file under the package's
// vdirender/ directory, where a run writes what it renders (kpt keeps the
// path annotation). A user's object that merely carries the label is kept,
// and refused if it clashes with a rendered one; it is never dropped.
//
// Paths are relative to the package, as kpt gives them; generatedIn takes
// the package directory where paths include it (vdirender build).
func IsGenerated(n *yaml.RNode) bool { return generatedIn(n, "") }

func generatedIn(n *yaml.RNode, pkgDir string) bool {
	if n.GetLabels()[generators.ManagedByLabel] != generators.ManagedBy {
		return false
	}
	p, _, _ := kioutil.GetFileAnnotations(n)
	if pkgDir != "" {
		if filepath.IsAbs(p) != filepath.IsAbs(pkgDir) {
			pkgDir, _ = filepath.Abs(pkgDir)
			p, _ = filepath.Abs(p)
		}
		rel, err := filepath.Rel(pkgDir, p)
		if err != nil {
			return false
		}
		p = rel
	}
	p = path.Clean(filepath.ToSlash(p))
	return strings.HasPrefix(p, manifest.Dir+"/") && filepath.IsLocal(p)
}
