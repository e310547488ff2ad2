package opchart_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/opchart"
	"github.com/vdirender/vdirender/internal/testdir"
	"github.com/vdirender/vdirender/internal/values"
)

// TestChartCarriesOperatorConfig checks that the chart holds the operator's
// config with the platform's rules, as the rendered ConfigMap does, in the
// release namespace the chart's Deployment mounts it from.
func TestChartCarriesOperatorConfig(t *testing.T) {
	v, err := values.LoadFile("values.yaml", []byte(`
global: {hostname: kasm.example.com}
rules: {pinning: audit}
gpu:
  nodePools: [{name: fast, nodes: 2, gpusPerNode: 1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := opchart.Write(dir, v, dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "templates", "configmap_"+generators.OperatorConfigName+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := sigsyaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != "{{ .Release.Namespace }}" {
		t.Errorf("namespace %q, want the release's", cm.Namespace)
	}
	if d := cmp.Diff(generators.OperatorConfig(v).Data, cm.Data); d != "" {
		t.Errorf("config (-rendered +chart):\n%s", d)
	}
	loaded, err := values.LoadFile("config.yaml", []byte(cm.Data[values.ConfigMapKey]))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Rules.Mode("pinning") != values.ModeAudit || loaded.GPU.NodePools[0].Name != "fast" {
		t.Errorf("config lost the platform: %+v", loaded.OperatorConfig())
	}
}

// must fails the test on a setup step that did not happen: a case whose
// setup failed would test nothing.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestWriteOwnsDir: chart -o owns its directory as build -o does. It never
// writes through a link, refuses a directory holding files it did not
// write (naming them, writing nothing), and on a second run replaces its
// own files and removes those it no longer writes.
func TestWriteOwnsDir(t *testing.T) {
	v, err := values.LoadFile("values.yaml", []byte("global: {hostname: kasm.example.com}\n"))
	if err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	if err := opchart.Write(fresh, v, fresh); err != nil {
		t.Fatal(err)
	}
	want := testdir.Tree(t, fresh)
	list := want[".vdirender-files"]
	if _, ok := want["values.yaml"]; !ok || !strings.Contains(list, "\nvalues.yaml\n") || !strings.Contains(list, "\ntemplates/deployment_vdi-operator.yaml\n") {
		t.Errorf("chart -o lists %q", list)
	}
	stale := "templates/configmap_stale.yaml"
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, dir, outside string)
		want  string // a part of the error; "" for success, leaving the fresh chart
	}{
		{"link at values.yaml", func(t *testing.T, dir, outside string) {
			must(t, os.Symlink(filepath.Join(outside, "target"), filepath.Join(dir, "values.yaml")))
		}, "values.yaml"},
		{"link as templates", func(t *testing.T, dir, outside string) {
			must(t, os.Symlink(outside, filepath.Join(dir, "templates")))
		}, "templates"},
		{"link as templates of a chart it wrote", func(t *testing.T, dir, outside string) {
			must(t, os.Remove(dir))
			must(t, opchart.Write(dir, v, dir))
			must(t, os.RemoveAll(filepath.Join(dir, "templates")))
			must(t, os.Symlink(outside, filepath.Join(dir, "templates")))
		}, "templates"},
		{"link at a file it wrote", func(t *testing.T, dir, outside string) {
			must(t, os.Remove(dir))
			must(t, opchart.Write(dir, v, dir))
			must(t, os.Remove(filepath.Join(dir, "values.yaml")))
			must(t, os.Symlink(filepath.Join(outside, "target"), filepath.Join(dir, "values.yaml")))
		}, ""},
		{"foreign file", func(t *testing.T, dir, outside string) {
			must(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("mine"), 0o644))
		}, "README.md"},
		{"foreign file beside a chart it wrote", func(t *testing.T, dir, outside string) {
			must(t, os.Remove(dir))
			must(t, opchart.Write(dir, v, dir))
			must(t, os.WriteFile(filepath.Join(dir, "templates", "mine.yaml"), []byte("mine"), 0o644))
		}, "templates/mine.yaml"},
		{"list naming a file outside", func(t *testing.T, dir, outside string) {
			must(t, os.WriteFile(filepath.Join(dir, ".vdirender-files"), []byte("../outside/target\n"), 0o644))
		}, "not a file vdirender writes"},
		{"list of build -o", func(t *testing.T, dir, outside string) {
			must(t, os.WriteFile(filepath.Join(dir, ".vdirender-files"), []byte("kasm/configmap_a.yaml\n"), 0o644))
			must(t, os.Mkdir(filepath.Join(dir, "kasm"), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, "kasm", "configmap_a.yaml"), []byte("a"), 0o644))
		}, "not a file vdirender writes"},
		{"re-run", func(t *testing.T, dir, outside string) {
			must(t, os.Remove(dir))
			must(t, opchart.Write(dir, v, dir))
			must(t, os.WriteFile(filepath.Join(dir, "values.yaml"), []byte("edited"), 0o644))
		}, ""},
		{"re-run removes a file it wrote before", func(t *testing.T, dir, outside string) {
			must(t, os.Remove(dir))
			must(t, opchart.Write(dir, v, dir))
			must(t, os.WriteFile(filepath.Join(dir, ".vdirender-files"), []byte(list+stale+"\n"), 0o644))
			must(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(stale)), []byte("old"), 0o644))
		}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			outside := filepath.Join(tmp, "outside")
			os.Mkdir(outside, 0o755)
			if err := os.WriteFile(filepath.Join(outside, "target"), []byte("untouched"), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(tmp, "out")
			os.Mkdir(dir, 0o755)
			c.setup(t, dir, outside)
			before := testdir.Tree(t, dir)
			err := opchart.Write(dir, v, dir)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(want, testdir.Tree(t, dir)); d != "" {
					t.Errorf("chart (-fresh +written):\n%s", d)
				}
			} else {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an error with %q", err, c.want)
				}
				if d := cmp.Diff(before, testdir.Tree(t, dir)); d != "" {
					t.Errorf("a refused chart -o changed its directory (-before +after):\n%s", d)
				}
			}
			if d := cmp.Diff(map[string]string{"target": "untouched"}, testdir.Tree(t, outside)); d != "" {
				t.Errorf("chart -o wrote outside its directory (-want +got):\n%s", d)
			}
		})
	}
}
