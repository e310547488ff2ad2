package realcharts

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/manifest"
)

// TestRealExpand runs `vdirender expand` on every variant with the real
// archives vendored and locked as `pull --all` leaves them: each HelmChart
// with an archive expands to the objects the real `helm template` renders
// for its exact valuesContent (test hooks aside), every finding of the
// rules inside is a known gap (charts.KnownGaps, the README's table), every
// known gap of an expanded chart is found, two runs give the same bytes and
// no Secret shows a value. Kasm 1.1181.1 has no archive: it is the one
// HelmChart left unexpanded, with a warning.
func TestRealExpand(t *testing.T) {
	realDir := charttest.RealChartsDir(t)
	helm := charttest.Helm(t)
	seen := map[string]bool{}
	expanded := map[string]bool{}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			edit := v.edit
			if edit == nil {
				edit = func(map[string]any) {}
			}
			dir := charttest.Variant(t, filepath.Join("..", "..", "examples", v.example), edit)
			rels, _ := render(t, v)
			must(t, os.MkdirAll(filepath.Join(dir, "charts"), 0o755))
			for _, r := range rels {
				if r.Version == "" || !r.HasArchive(realDir) {
					continue
				}
				data, err := os.ReadFile(r.Archive(realDir))
				must(t, err)
				must(t, os.WriteFile(filepath.Join(dir, "charts", r.Chart+"-"+r.Version+".tgz"), data, 0o644))
			}
			charttest.Lock(t, dir)

			items, results, err := fn.ExpandPath(dir, fn.ExpandOptions{AllowMissing: true})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			must(t, manifest.Write(&out, items))
			again, _, err := fn.ExpandPath(dir, fn.ExpandOptions{AllowMissing: true})
			must(t, err)
			var out2 bytes.Buffer
			must(t, manifest.Write(&out2, again))
			if !bytes.Equal(out.Bytes(), out2.Bytes()) {
				t.Error("two expansions differ")
			}

			for _, r := range results {
				if r.Severity != framework.Warning {
					continue
				}
				if r.Tags["check"] == "expand" {
					if !strings.Contains(r.Message, "HelmChart kube-system/kasm not expanded: no archive of chart kasm 1.1181.1") {
						t.Errorf("unexpected warning: %s", r.Message)
					}
					continue
				}
				key := r.Tags["chart"] + " " + r.ResourceRef.Kind + "/" + r.ResourceRef.Name + " " + r.Tags["container"] + " " + r.Tags["rule"]
				if r.Tags["gap"] != "known" {
					t.Errorf("finding that is no known gap: %s: %s", key, r.Message)
				}
				seen[key] = true
			}

			bySource := map[string]map[string]bool{}
			for _, it := range items {
				src := it.GetAnnotations()[charts.SourceAnnotation]
				if bySource[src] == nil {
					bySource[src] = map[string]bool{}
				}
				bySource[src][it.GetKind()+"/"+it.GetName()] = true
				if it.GetKind() == "Secret" {
					for k, val := range it.GetDataMap() {
						if val != "" {
							t.Errorf("Secret %s shows data.%s", it.GetName(), k)
						}
					}
				}
			}
			for _, r := range rels {
				if r.Version == "" || !r.HasArchive(realDir) {
					continue
				}
				expanded[r.Chart+" "+r.Version] = true
				// helm install applies the chart's crds/ too.
				objs, err := charttest.Template(helm, realDir, r, nil, "--include-crds")
				if err != nil {
					t.Fatalf("%s: %v", r, err)
				}
				want := map[string]bool{}
				for _, o := range objs {
					meta, _ := o["metadata"].(map[string]any)
					ann, _ := meta["annotations"].(map[string]any)
					if strings.Contains(str(ann["helm.sh/hook"]), "test") {
						continue
					}
					want[str(o["kind"])+"/"+str(meta["name"])] = true
				}
				got := bySource["kube-system/"+r.Name]
				for k := range want {
					if !got[k] {
						t.Errorf("%s: helm template renders %s, the expansion does not", r, k)
					}
				}
				for k := range got {
					if !want[k] {
						t.Errorf("%s: the expansion holds %s, helm template does not", r, k)
					}
				}
			}
		})
	}
	for _, g := range charts.KnownGaps() {
		if !expanded[g.Chart+" "+g.Version] {
			continue
		}
		key := g.Chart + " " + g.Version + " " + g.Object + " " + g.Container + " " + g.Rule
		if !seen[key] {
			t.Errorf("known gap %q is not found by expand: remove it from charts.KnownGaps and the README", key)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
