package charts_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/generators"
)

// TestSameAsHelmTemplate renders every inline chart of a package in-process
// and with `helm template --include-crds` (the CLI, v4.2.4) with the same
// values, release, namespace, Kubernetes version and API versions, and
// requires the same objects in the same order. The documented differences
// are normalized: vdirender writes the release namespace into namespaced
// objects that have none (Helm leaves it to the client), and leaves out the
// test and uninstall hooks that helm template prints after the manifests
// (they must be exactly the ones Render reports as dropped). Runs on the
// fixture charts, and on the real archives of the examples when present.
func TestSameAsHelmTemplate(t *testing.T) {
	helm := charttest.Helm(t)
	t.Run("fixtures", func(t *testing.T) {
		compareWithHelm(t, helm, charttest.LockedPackage(t, "../.."))
	})
	for _, example := range []string{"k3s-single-node", "gpu-pool"} {
		t.Run(example, func(t *testing.T) {
			realDir := charttest.RealCharts(t)
			compareWithHelm(t, helm, charttest.RealInlinePackage(t, "../..", example, realDir))
		})
	}
}

func compareWithHelm(t *testing.T, helm, pkg string) {
	v, err := fn.PackageValues(pkg)
	if err != nil {
		t.Fatal(err)
	}
	subCharts := generators.InlineSubCharts(v)
	if len(subCharts) == 0 {
		t.Fatal("no inline chart")
	}
	for _, c := range subCharts {
		t.Run(c.Key, func(t *testing.T) {
			archive := filepath.Join(pkg, c.Chart.Archive)
			data, err := os.ReadFile(archive)
			if err != nil {
				t.Fatal(err)
			}
			ours, err := charts.Render(data, charts.Options{Release: c.Release, Namespace: c.Namespace, Values: c.Values,
				KubeVersion: v.Charts.KubeVersion, APIVersions: v.Charts.APIVersions})
			if err != nil {
				t.Fatal(err)
			}
			valuesFile := filepath.Join(t.TempDir(), "values.yaml")
			raw, err := sigsyaml.Marshal(c.Values)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(valuesFile, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"template", c.Release, archive, "--namespace", c.Namespace, "--kube-version", v.Charts.KubeVersion, "--include-crds", "-f", valuesFile}
			for _, a := range v.Charts.APIVersions {
				args = append(args, "--api-versions", a)
			}
			cmd := exec.Command(helm, args...)
			home := t.TempDir()
			cmd.Env = append(os.Environ(), "HOME="+home, "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
			}

			var want []map[string]any
			var hooks []string
			dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
			for {
				var obj map[string]any
				if err := dec.Decode(&obj); err != nil {
					if err.Error() == "EOF" {
						break
					}
					t.Fatal(err)
				}
				if len(obj) == 0 {
					continue
				}
				if h := annotation(obj, "helm.sh/hook"); h != "" {
					hooks = append(hooks, obj["kind"].(string)+" "+name(obj))
					continue
				}
				want = append(want, normalize(obj, c.Namespace))
			}
			var dropped []string
			for _, h := range ours.Dropped {
				dropped = append(dropped, h.Kind+" "+h.Name)
			}
			if !sameSet(hooks, dropped) {
				t.Errorf("helm template prints hooks %v; vdirender left out %v", hooks, dropped)
			}
			var got []map[string]any
			for _, it := range ours.Objects {
				var obj map[string]any
				if err := sigsyaml.Unmarshal([]byte(it.MustString()), &obj); err != nil {
					t.Fatal(err)
				}
				got = append(got, normalize(obj, c.Namespace))
			}
			if len(got) != len(want) {
				t.Errorf("%d objects, helm template renders %d:\nours: %v\nhelm: %v", len(got), len(want), ids(got), ids(want))
				return
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], want[i]) {
					a, _ := sigsyaml.Marshal(got[i])
					b, _ := sigsyaml.Marshal(want[i])
					t.Errorf("object %d differs from helm template's:\nours:\n%s\nhelm:\n%s", i, a, b)
				}
			}
			t.Logf("%d objects as helm template renders them; %d hooks left out", len(got), len(dropped))
		})
	}
}

func annotation(obj map[string]any, key string) string {
	meta, _ := obj["metadata"].(map[string]any)
	a, _ := meta["annotations"].(map[string]any)
	s, _ := a[key].(string)
	return s
}

func name(obj map[string]any) string {
	meta, _ := obj["metadata"].(map[string]any)
	s, _ := meta["name"].(string)
	return s
}

// normalize drops the release namespace, which vdirender writes and Helm
// leaves to the client.
func normalize(obj map[string]any, ns string) map[string]any {
	if meta, ok := obj["metadata"].(map[string]any); ok && meta["namespace"] == ns {
		delete(meta, "namespace")
	}
	return obj
}

func ids(objs []map[string]any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o["kind"].(string)+"/"+name(o))
	}
	return out
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
