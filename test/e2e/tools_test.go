package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/golden"
	"github.com/vdirender/vdirender/internal/opchart"
)

// tool finds an installed command, or skips (fails under VDIRENDER_E2E=required).
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("VDIRENDER_E2E") == "required" {
			t.Fatalf("%s not installed", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// binary builds vdirender once per test binary into a directory that can
// go first on PATH.
func binary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "vdirender"), ".")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// copyDir copies a package tree.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		target := filepath.Join(to, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// files reads every file under dir, keyed by slash path.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestKptRender runs the installed kpt on a copy of examples/kpt, compares
// the rendered package with its golden copy, and renders again to prove
// that nothing changes the second time.
func TestKptRender(t *testing.T) {
	kpt := tool(t, "kpt")
	bin := binary(t)
	pkg := filepath.Join(t.TempDir(), "vdi-platform")
	copyDir(t, "../../examples/kpt", pkg)
	render := func() {
		cmd := exec.Command(kpt, "fn", "render", "--allow-exec", pkg)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kpt fn render: %v\n%s", err, out)
		} else if !strings.Contains(string(out), "Successfully executed 2 function(s)") {
			t.Fatalf("kpt fn render:\n%s", out)
		}
	}
	render()
	first := files(t, pkg)
	for name, content := range first {
		golden.Check(t, filepath.Join("..", "..", "testdata", "kpt", name), []byte(content))
	}
	if !golden.Update() {
		want := files(t, "../../testdata/kpt")
		for name := range want {
			if _, ok := first[name]; !ok {
				t.Errorf("rendered package lacks %s", name)
			}
		}
	}
	render()
	for name, content := range files(t, pkg) {
		if first[name] != content {
			t.Errorf("second render changed %s", name)
		}
	}
}

// kustomizeBinary is the kustomize hack/kustomize.sh built (make test
// exports it), or the test skips (fails when e2e tests are required).
func kustomizeBinary(t *testing.T) string {
	t.Helper()
	kustomize := os.Getenv("VDIRENDER_KUSTOMIZE")
	if _, err := os.Stat(kustomize); kustomize == "" || err != nil {
		if os.Getenv("VDIRENDER_E2E") == "required" {
			t.Fatal("VDIRENDER_KUSTOMIZE does not name a kustomize binary; run make test")
		}
		t.Skip("kustomize not built: run make test")
	}
	return kustomize
}

// TestKustomize builds examples/kustomize with the real kustomize v5 (built
// from its pinned module by hack/kustomize.sh) using vdirender as a KRM
// generator and transformer, and compares the output with a golden file.
func TestKustomize(t *testing.T) {
	kustomize := kustomizeBinary(t)
	bin := binary(t)
	build := func() string {
		cmd := exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", "../../examples/kustomize")
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("kustomize build: %v\n%s", err, exitStderr(err))
		}
		return string(out)
	}
	out := build()
	golden.Check(t, "../../testdata/kustomize/build.yaml", []byte(out))
	for _, want := range []string{"name: time-slicing-config", "kind: VDITemplate", "name: wiki"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// The transformer fixed the hand-written Deployment.
	if strings.Contains(out, "imagePullPolicy: Always") {
		t.Error("the transformer left imagePullPolicy: Always")
	}
	if strings.Contains(out, "config.kubernetes.io/local-config") || strings.Contains(out, "kind: VDIPlatform") {
		t.Error("the VDIPlatform reached the output")
	}
	if again := build(); again != out {
		t.Error("second build differs")
	}
}

func exitStderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// TestArgoCDPlugin runs the plugin's discover and generate commands the way
// argocd-cmp-server does: in a checkout whose files lost their execute bit
// and must not be written, with Argo CD's build environment.
func TestArgoCDPlugin(t *testing.T) {
	bin := filepath.Join(binary(t), "vdirender")
	var plugin struct {
		Spec struct {
			Discover struct {
				Find struct{ Command []string } `json:"find"`
			} `json:"discover"`
			Generate struct{ Command []string } `json:"generate"`
		} `json:"spec"`
	}
	raw, err := os.ReadFile("../../examples/argocd/plugin.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := sigsyaml.Unmarshal(raw, &plugin); err != nil {
		t.Fatal(err)
	}
	// The ConfigMap the sidecar mounts must hold the same plugin.
	var cm struct{ Data map[string]string }
	cmRaw, err := os.ReadFile("../../examples/argocd/plugin-configmap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := sigsyaml.Unmarshal(cmRaw, &cm); err != nil {
		t.Fatal(err)
	}
	var a, b any
	_ = sigsyaml.Unmarshal(raw, &a)
	_ = sigsyaml.Unmarshal([]byte(cm.Data["plugin.yaml"]), &b)
	if !reflect.DeepEqual(a, b) {
		t.Error("plugin-configmap.yaml differs from plugin.yaml")
	}

	checkout := func(src string) string {
		dir := filepath.Join(t.TempDir(), "app")
		copyDir(t, src, dir)
		// Argo CD resets file modes unless preserveFileMode is set.
		_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				err = os.Chmod(p, 0o444)
			}
			return err
		})
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		return dir
	}
	runIn := func(dir string, command []string) (string, error, time.Duration) {
		args := append([]string{}, command[1:]...)
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = []string{
			"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(),
			"ARGOCD_APP_NAME=vdi-platform", "ARGOCD_APP_NAMESPACE=vdi-system", "ARGOCD_APP_PROJECT_NAME=default",
			"ARGOCD_APP_REVISION=0123456789abcdef", "ARGOCD_APP_SOURCE_PATH=examples/k3s-single-node",
			"ARGOCD_ENV_CLUSTER=edge-1", "KUBE_VERSION=1.35.4",
			"KUBE_API_VERSIONS=v1,apps/v1,rbac.authorization.k8s.io/v1,apiextensions.k8s.io/v1,traefik.io/v1alpha1,helm.cattle.io/v1",
		}
		var stdout strings.Builder
		cmd.Stdout = &stdout
		start := time.Now()
		err := cmd.Run()
		return stdout.String(), err, time.Since(start)
	}

	good := checkout("../../examples/k3s-single-node")
	before := files(t, good)
	if out, err, _ := runIn(good, plugin.Spec.Discover.Find.Command); err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("discover: %v, %q", err, out)
	}
	out, err, took := runIn(good, plugin.Spec.Generate.Command)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	objs := decodeObjects(t, []byte(out))
	if len(objs) < 20 {
		t.Errorf("generate printed %d objects", len(objs))
	}
	for _, o := range objs {
		if o.GetAPIVersion() == "" || o.GetKind() == "" || o.GetKind() == "VDIPlatform" {
			t.Errorf("generate printed %s %s", o.GetAPIVersion(), o.GetKind())
		}
	}
	if diffFiles(before, files(t, good)) {
		t.Error("generate changed the checkout")
	}
	// Argo CD gives up after 60 seconds; this is a sanity bound, far below it.
	if took > 20*time.Second {
		t.Errorf("generate took %s", took)
	}
	t.Logf("generate: %d objects in %s", len(objs), took.Round(time.Millisecond))

	bad := checkout("../../testdata/packages/bad-multidoc")
	if out, err, _ := runIn(bad, plugin.Spec.Generate.Command); err == nil || out != "" {
		t.Errorf("bad values: err %v, %d bytes on stdout; want an error and nothing printed", err, len(out))
	}
	none := checkout("../../testdata/values")
	if out, err, _ := runIn(none, plugin.Spec.Discover.Find.Command); err == nil || out != "" {
		t.Errorf("discover matched a directory without a VDIPlatform: %q", out)
	}
}

func diffFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return true
	}
	for k, v := range a {
		if b[k] != v {
			return true
		}
	}
	return false
}

// TestOperatorChart writes the operator chart of a package that vendors
// inline charts, runs the real helm (built from its pinned module by
// hack/helm.sh) `lint --strict` and `template` on it, and checks that helm
// renders exactly the objects vdirender renders for the operator.
func TestOperatorChart(t *testing.T) {
	helm := os.Getenv("VDIRENDER_HELM")
	if _, err := os.Stat(helm); helm == "" || err != nil {
		if os.Getenv("VDIRENDER_E2E") == "required" {
			t.Fatal("VDIRENDER_HELM does not name a helm binary; run make test")
		}
		t.Skip("helm not built: run make test")
	}
	pkg := charttest.LockedPackage(t, "../..")
	v, err := fn.PackageValues(pkg)
	if err != nil {
		t.Fatal(err)
	}
	chartDir := filepath.Join(t.TempDir(), "vdi-operator")
	if err := opchart.Write(chartDir, v, pkg); err != nil {
		t.Fatal(err)
	}
	helmCmd := func(args ...string) string {
		cmd := exec.Command(helm, args...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	lint := helmCmd("lint", "--strict", chartDir)
	if !strings.Contains(lint, "0 chart(s) failed") {
		t.Errorf("helm lint:\n%s", lint)
	}
	deps := helmCmd("dependency", "list", chartDir)
	if strings.Count(deps, "\tok") != 3 {
		t.Errorf("helm dependency list:\n%s", deps)
	}
	out := helmCmd("template", "vdi", chartDir, "--namespace", v.VDI.Namespace, "--include-crds", "--kube-version", "1.35.4")
	fromHelm := decodeObjects(t, []byte(out))

	ours := map[string]map[string]any{}
	for _, o := range rendered(t, pkg) {
		ours[kubeclient.Describe(o)] = o.Object
	}
	if len(fromHelm) < 10 {
		t.Fatalf("helm template rendered %d objects", len(fromHelm))
	}
	// What the operator needs beside its Deployment: its config, and the
	// admission policies that keep tenants to their own sessions.
	required := map[string]bool{
		"ConfigMap/" + generators.OperatorConfigName:                  false,
		"ValidatingAdmissionPolicy/" + generators.TenantPolicy:        false,
		"ValidatingAdmissionPolicy/" + generators.HomeSizePolicy:      false,
		"ValidatingAdmissionPolicyBinding/" + generators.TenantPolicy: false,
		"Role/" + generators.SessionUserRole:                          false,
	}
	for _, o := range fromHelm {
		if _, ok := required[o.GetKind()+"/"+o.GetName()]; ok {
			required[o.GetKind()+"/"+o.GetName()] = true
		}
	}
	for what, found := range required {
		if !found {
			t.Errorf("helm does not render %s", what)
		}
	}
	for _, o := range fromHelm {
		want, ok := ours[kubeclient.Describe(o)]
		if !ok {
			t.Errorf("helm renders %s, vdirender does not", kubeclient.Describe(o))
			continue
		}
		if !reflect.DeepEqual(want, o.Object) {
			t.Errorf("%s differs between helm and vdirender:\nhelm: %v\nvdirender: %v", kubeclient.Describe(o), o.Object, want)
		}
	}
	t.Logf("helm lint --strict passed; helm template rendered %d objects, each equal to vdirender's", len(fromHelm))
}

// TestKptSourcePipe: the README's `kpt fn source DIR | vdirender` works as
// written, without --fn-config: the package's VDIPlatform is found among
// the items, and the output is what build renders.
func TestKptSourcePipe(t *testing.T) {
	kpt := tool(t, "kpt")
	bin := filepath.Join(binary(t), "vdirender")
	source := exec.Command(kpt, "fn", "source", "../../examples/k3s-single-node")
	list, err := source.Output()
	if err != nil {
		t.Fatalf("kpt fn source: %v", err)
	}
	fn := exec.Command(bin)
	fn.Stdin = bytes.NewReader(list)
	out, err := fn.Output()
	if err != nil {
		t.Fatalf("kpt fn source | vdirender: %v\n%s", err, out)
	}
	built, err := exec.Command(bin, "build", "../../examples/k3s-single-node").Output()
	if err != nil {
		t.Fatal(err)
	}
	// Every object build renders is in the function's output.
	for _, kind := range []string{"kind: ValidatingAdmissionPolicy", "name: time-slicing-config", "name: vdi-login"} {
		if !bytes.Contains(built, []byte(kind)) || !bytes.Contains(out, []byte(kind)) {
			t.Errorf("%q: in build %v, in the function's output %v", kind, bytes.Contains(built, []byte(kind)), bytes.Contains(out, []byte(kind)))
		}
	}
}

// TestInitPackagesRun: packages `vdirender init` makes run in the real
// tools as made: kpt fn render on --kpt, kustomize build on --kustomize,
// each rendering the platform.
func TestInitPackagesRun(t *testing.T) {
	kpt := tool(t, "kpt")
	kustomize := kustomizeBinary(t)
	bin := binary(t)
	path := "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")
	dir := t.TempDir()
	for _, tt := range []struct {
		flag string
		run  func(pkg string) *exec.Cmd
	}{
		{"--kpt", func(pkg string) *exec.Cmd {
			return exec.Command(kpt, "fn", "render", "--allow-exec", "--output", "unwrap", pkg)
		}},
		{"--kustomize", func(pkg string) *exec.Cmd {
			return exec.Command(kustomize, "build", "--enable-alpha-plugins", "--enable-exec", pkg)
		}},
	} {
		t.Run(tt.flag, func(t *testing.T) {
			pkg := filepath.Join(dir, strings.TrimPrefix(tt.flag, "--"))
			if out, err := exec.Command(filepath.Join(bin, "vdirender"), "init", pkg, tt.flag, "--from", "../../testdata/values/k3s-single-node.yaml").CombinedOutput(); err != nil {
				t.Fatalf("init: %v\n%s", err, out)
			}
			cmd := tt.run(pkg)
			cmd.Env = append(os.Environ(), path)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%v: %v\n%s", cmd.Args, err, exitStderr(err))
			}
			for _, want := range []string{"name: time-slicing-config", "kind: ValidatingAdmissionPolicy", "name: vdi-login"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}
