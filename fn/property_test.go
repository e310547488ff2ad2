package fn_test

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/benchpkg"
)

// leaves flattens an object into path -> value.
func leaves(prefix string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			leaves(prefix+"."+k, x, out)
		}
	case []any:
		for i, x := range v {
			leaves(fmt.Sprintf("%s[%d]", prefix, i), x, out)
		}
	default:
		out[strings.TrimPrefix(prefix, ".")] = fmt.Sprint(v)
	}
}

func flatten(t *testing.T, n *yaml.RNode) map[string]string {
	t.Helper()
	var m map[string]any
	if err := sigsyaml.Unmarshal([]byte(n.MustString()), &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	leaves("", m, out)
	return out
}

func identity(n *yaml.RNode) string {
	return n.GetApiVersion() + "/" + n.GetKind() + "/" + n.GetNamespace() + "/" + n.GetName()
}

// TestNothingLost is a property test over generated packages: every object
// vdirender does not own comes out, its comments kept, and it differs from
// its input only at field paths that a result reports as enforced.
func TestNothingLost(t *testing.T) {
	for _, n := range []int{7, 70, 350} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			input := benchpkg.ResourceList(n)
			in, err := (&kio.ByteReader{Reader: bytes.NewReader(input)}).Read()
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := fn.Execute(fn.Processor{}, bytes.NewReader(input), &out, fn.DefaultMaxInput); err != nil {
				t.Fatal(err)
			}
			reader := &kio.ByteReader{Reader: &out}
			items, err := reader.Read()
			if err != nil {
				t.Fatal(err)
			}
			var results framework.Results
			if reader.Results != nil {
				if err := reader.Results.YNode().Decode(&results); err != nil {
					t.Fatal(err)
				}
			}
			enforced := map[string][]string{}
			for _, r := range results {
				if r.ResourceRef != nil && r.Field != nil {
					id := r.ResourceRef.APIVersion + "/" + r.ResourceRef.Kind + "/" + r.ResourceRef.Namespace + "/" + r.ResourceRef.Name
					enforced[id] = append(enforced[id], r.Field.Path)
				}
			}
			byID := map[string]*yaml.RNode{}
			for _, it := range items {
				byID[identity(it)] = it
			}
			comments := 0
			for _, orig := range in {
				if orig.GetKind() == "VDIPlatform" {
					continue
				}
				id := identity(orig)
				got, ok := byID[id]
				if !ok {
					t.Errorf("%s is lost", id)
					continue
				}
				for _, line := range strings.Split(orig.MustString(), "\n") {
					if c := strings.TrimSpace(line); strings.HasPrefix(c, "#") {
						comments++
						if !strings.Contains(got.MustString(), c) {
							t.Errorf("%s lost its comment %q", id, c)
						}
					}
				}
				a, b := flatten(t, orig), flatten(t, got)
				var changed []string
				for p := range a {
					if b[p] != a[p] {
						changed = append(changed, p)
					}
				}
				for p := range b {
					if _, ok := a[p]; !ok {
						changed = append(changed, p)
					}
				}
				sort.Strings(changed)
				for _, p := range changed {
					if strings.HasPrefix(p, "metadata.annotations.") && strings.Contains(p, "config.kubernetes.io/") {
						continue // orchestrator annotations
					}
					if !covered(p, enforced[id]) {
						t.Errorf("%s changed at %s (%q -> %q) with no result reporting it", id, p, a[p], b[p])
					}
				}
			}
			if comments == 0 {
				t.Error("no input object carried a comment: the property was not checked")
			}
		})
	}
}

// covered reports whether a changed leaf lies under an enforced field path.
func covered(leaf string, paths []string) bool {
	for _, p := range paths {
		if leaf == p || strings.HasPrefix(leaf, p+".") || strings.HasPrefix(leaf, p+"[") {
			return true
		}
	}
	return false
}
