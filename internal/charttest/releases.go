package charttest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/values"
)

// K3sTraefikArchive is the upstream chart that K3s v1.35 repackages for its
// bundled Traefik v3.6.12 (traefik-39.0.701+up39.0.7); the HelmChartConfig's
// values are merged into it.
const K3sTraefikArchive = "traefik-39.0.7.tgz"

// RealChartsDir is where the real upstream archives at the pinned versions
// are (VDIRENDER_REAL_CHARTS, default ~/.cache/vdirender/real-charts; built
// outside git by the project's real-charts script), or the test skips.
func RealChartsDir(t testing.TB) string {
	t.Helper()
	dir := realChartsPath(t)
	if _, err := os.Stat(filepath.Join(dir, K3sTraefikArchive)); err != nil {
		t.Skipf("real charts not found in %s (set VDIRENDER_REAL_CHARTS to the directory the real-charts script writes): %v", dir, err)
	}
	return dir
}

// Release is one chart install that a rendering asks K3s's helm-controller
// for: a HelmChart, or the HelmChartConfig of the bundled Traefik.
type Release struct {
	Package   string         // what was rendered
	Name      string         // the release: the HelmChart's name
	Chart     string         // chart name
	Version   string         // empty for the bundled Traefik
	Namespace string         // target namespace
	Content   string         // valuesContent, byte for byte
	Values    map[string]any // valuesContent decoded
}

func (r Release) String() string { return r.Package + ": " + r.Name }

// Archive is where the real archive of the release is in dir.
func (r Release) Archive(dir string) string {
	if r.Chart == "traefik" && r.Version == "" {
		return filepath.Join(dir, K3sTraefikArchive)
	}
	return filepath.Join(dir, r.Chart+"-"+r.Version+".tgz")
}

// HasArchive reports whether the real archive of the release is in dir.
func (r Release) HasArchive(dir string) bool {
	_, err := os.Stat(r.Archive(dir))
	return err == nil
}

// Variant writes a copy of the package's platform.yaml (a VDIPlatform)
// with its spec edited into a new package directory, and returns it.
func Variant(t testing.TB, pkg string, edit func(spec map[string]any)) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(pkg, "platform.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := sigsyaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	edit(Child(doc, "spec"))
	out, err := sigsyaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// SingleZone pins kasm-single-zone 1.16.0, served (as it must be) from a
// repository of the user's; a database volume other than the 8Gi it fixes
// cannot be given to it.
func SingleZone(spec map[string]any) {
	Child(spec, "charts")["kasm"] = map[string]any{"name": values.KasmSingleZoneChart, "version": "1.16.0", "repo": "https://charts.example.com/kasm/"}
	pers := Child(Child(Child(spec, "postgres"), "primary"), "persistence")
	if _, ok := pers["size"]; ok {
		pers["size"] = values.KasmSingleZoneDBSize
	}
}

// Child is m[key] as a map, made when missing.
func Child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// Releases builds a package with vdirender and returns the chart releases it
// asks for and every rendered object.
func Releases(t testing.TB, name, pkg string) ([]Release, []map[string]any) {
	t.Helper()
	nodes, _, err := fn.Build(pkg)
	if err != nil {
		t.Fatalf("%s: build: %v", name, err)
	}
	var rels []Release
	var objs []map[string]any
	for _, n := range nodes {
		var obj map[string]any
		if err := sigsyaml.Unmarshal([]byte(n.MustString()), &obj); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, obj)
		if n.GetApiVersion() != "helm.cattle.io/v1" {
			continue
		}
		spec, _ := obj["spec"].(map[string]any)
		r := Release{Package: name, Name: n.GetName(), Content: Str(spec["valuesContent"])}
		switch n.GetKind() {
		case "HelmChart":
			r.Chart, r.Version, r.Namespace = Str(spec["chart"]), Str(spec["version"]), Str(spec["targetNamespace"])
		case "HelmChartConfig":
			r.Chart, r.Namespace = n.GetName(), n.GetNamespace()
		default:
			continue
		}
		if err := yaml.Unmarshal([]byte(r.Content), &r.Values); err != nil {
			t.Fatalf("%s: valuesContent: %v", r, err)
		}
		rels = append(rels, r)
	}
	return rels, objs
}

// Template renders the release's real archive in dir with the given values
// (its valuesContent when vals is nil) as `helm install` would, hooks
// included, against the pinned Kubernetes version; args go to helm after
// the others (--include-crds, for one).
func Template(helm, dir string, r Release, vals []byte, args ...string) ([]map[string]any, error) {
	if vals == nil {
		vals = []byte(r.Content)
	}
	tmp, err := os.MkdirTemp("", "realcharts")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	file := filepath.Join(tmp, "values.yaml")
	if err := os.WriteFile(file, vals, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(helm, append([]string{"template", r.Name, r.Archive(dir), "--namespace", r.Namespace,
		"--kube-version", values.DefaultKubeVersion, "--values", file}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+tmp, "HELM_CACHE_HOME="+tmp, "HELM_CONFIG_HOME="+tmp, "HELM_DATA_HOME="+tmp)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template %s: %v\n%s", r.Name, err, stderr.String())
	}
	return Documents(out)
}

// Documents decodes a rendering into its objects the way Helm's Kubernetes
// client reads a manifest: YAML to JSON, the last of duplicate keys kept
// (kasm-single-zone's certificate Secrets give type twice).
func Documents(data []byte) ([]map[string]any, error) {
	dec := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		if len(m) > 0 {
			out = append(out, m)
		}
	}
}

// Str is v as a string, or empty.
func Str(v any) string {
	s, _ := v.(string)
	return s
}
