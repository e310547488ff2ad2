// Package realcharts proves the values vdirender hands to sub-charts on the
// real upstream charts at the pinned versions: each HelmChart's (and the
// Traefik HelmChartConfig's) exact valuesContent goes through the real
// `helm template`, and the rendering is checked (every key read, no empty
// required name, resources and pull policies where a value can set them,
// routes to Services that exist). The archives are built outside git by
// the project's real-charts script into VDIRENDER_REAL_CHARTS (default
// ~/.cache/vdirender/real-charts); the helm binary is VDIRENDER_HELM
// (make test builds it). Without them the tests skip and say why.
package realcharts

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/vdirender/vdirender/internal/charttest"
)

// variant is an example package, as committed or with one change.
type variant struct {
	name, example string
	edit          func(spec map[string]any)
}

var (
	singleZone = charttest.SingleZone
	child      = charttest.Child
)

// variants are both examples as committed (Kasm 1.18) and with
// kasm-single-zone pinned.
var variants = []variant{
	{"k3s-single-node", "k3s-single-node", nil},
	{"gpu-pool", "gpu-pool", nil},
	{"k3s-single-node+kasm-single-zone", "k3s-single-node", singleZone},
	{"gpu-pool+kasm-single-zone", "gpu-pool", singleZone},
}

// render builds the variant's package with vdirender and returns the chart
// releases it asks for, and every rendered object.
func render(t *testing.T, v variant) ([]charttest.Release, []map[string]any) {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", v.example)
	if v.edit != nil {
		dir = charttest.Variant(t, dir, v.edit)
	}
	return charttest.Releases(t, v.name, dir)
}

var str = charttest.Str

// id names an object by kind, namespace and name.
func id(o map[string]any) string {
	meta, _ := o["metadata"].(map[string]any)
	return fmt.Sprintf("%s/%s/%s", str(o["kind"]), str(meta["namespace"]), str(meta["name"]))
}

// flatten maps every scalar of every object to its path.
func flatten(objs []map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 {
				out[prefix] = "{}"
			}
			for k, c := range x {
				walk(prefix+"."+k, c)
			}
		case []any:
			if len(x) == 0 {
				out[prefix] = "[]"
			}
			for i, c := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), c)
			}
		default:
			out[prefix] = fmt.Sprint(x)
		}
	}
	for _, o := range objs {
		walk(id(o), o)
	}
	return out
}

// number is a JSON number as an integer.
func number(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), n == float64(int64(n))
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// renderCache renders each release's own values once per test binary.
var renderCache sync.Map

type rendering struct {
	objs []map[string]any
	err  error
}

func renderRelease(helm, dir string, r charttest.Release) ([]map[string]any, error) {
	key := r.Archive(dir) + "\x00" + r.Name + "\x00" + r.Namespace + "\x00" + r.Content
	if c, ok := renderCache.Load(key); ok {
		return c.(rendering).objs, c.(rendering).err
	}
	objs, err := charttest.Template(helm, dir, r, nil)
	renderCache.Store(key, rendering{objs, err})
	return objs, err
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
