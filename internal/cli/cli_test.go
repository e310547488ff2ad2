package cli_test

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/cli"
	"github.com/vdirender/vdirender/internal/golden"
	"github.com/vdirender/vdirender/internal/testdir"
	"github.com/vdirender/vdirender/schemas"
)

func execute(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := cli.NewRoot()
	var out, errOut bytes.Buffer
	cmd.SetIn(bytes.NewReader(stdin))
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err = cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantErr    bool
		wantStdout string // substring; "" means stdout must be empty
		wantStderr string
	}{
		{"package", []string{"build", "../../examples/k3s-single-node"}, false, "kind: CustomResourceDefinition", ""},
		{"values file", []string{"build", "../../testdata/values/k3s-single-node.yaml"}, false, "name: time-slicing-config", ""},
		{"bad values print nothing on stdout", []string{"build", "../../testdata/errors/unknown-key.yaml"}, true, "", "unknown-key.yaml:4: gpu.timeslicing: unknown field"},
		{"missing file", []string{"build", "../../testdata/nope.yaml"}, true, "", ""},
		{"no argument", []string{"build"}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := execute(t, nil, tt.args...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantStdout == "" && stdout != "" {
				t.Errorf("stdout must be empty, got %d bytes", len(stdout))
			}
			if !strings.Contains(stdout, tt.wantStdout) {
				t.Errorf("stdout lacks %q", tt.wantStdout)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantStderr)
			}
			if !tt.wantErr && strings.Contains(stdout, "config.kubernetes.io/") {
				t.Error("build output keeps internal or local-config annotations")
			}
		})
	}
}

func TestBuildOutputDir(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := execute(t, nil, "build", "../../examples/k3s-single-node", "-o", dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"namespace_kasm.yaml", "kube-system/helmchart_gpu-operator.yaml", "gpu-operator/configmap_time-slicing-config.yaml"} {
		if _, err := os.Stat(dir + "/" + f); err != nil {
			t.Error(err)
		}
	}
	// Again into the same directory: it owns it.
	if _, _, err := execute(t, nil, "build", "../../examples/k3s-single-node", "-o", dir); err != nil {
		t.Fatal(err)
	}
	// Never over files it did not write.
	mine := filepath.Join(t.TempDir(), "mine")
	if err := os.MkdirAll(mine, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mine, "namespace_kasm.yaml"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := execute(t, nil, "build", "../../examples/k3s-single-node", "-o", mine)
	if err == nil || !strings.Contains(err.Error(), "namespace_kasm.yaml") {
		t.Errorf("build -o into a directory it did not write: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(mine, "namespace_kasm.yaml")); string(b) != "mine" {
		t.Errorf("build -o overwrote a file it did not write: %q", b)
	}
}

// TestChartOutputDir: chart -o writes only into a directory it owns, as
// build -o does: links and files it did not write fail the command, naming
// them, with nothing written; a directory it wrote is written again.
func TestChartOutputDir(t *testing.T) {
	const pkg = "../../examples/k3s-single-node"
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, out, victim string)
		want  []string // parts of the error; none for success
	}{
		{"links to a file and a directory outside", func(t *testing.T, out, victim string) {
			os.Symlink(filepath.Join(victim, "target"), filepath.Join(out, "values.yaml"))
			os.Symlink(victim, filepath.Join(out, "templates"))
		}, []string{"values.yaml", "templates", "did not write"}},
		{"link to a directory outside", func(t *testing.T, out, victim string) {
			os.Symlink(victim, filepath.Join(out, "crds"))
		}, []string{"crds", "did not write"}},
		{"file it did not write", func(t *testing.T, out, victim string) {
			os.WriteFile(filepath.Join(out, "Chart.yaml"), []byte("mine"), 0o644)
		}, []string{"Chart.yaml", "did not write"}},
		{"directory it wrote", func(t *testing.T, out, victim string) {
			if _, _, err := execute(t, nil, "chart", pkg, "-o", out); err != nil {
				t.Fatal(err)
			}
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			tmp := t.TempDir()
			out, victim := filepath.Join(tmp, "out"), filepath.Join(tmp, "victim")
			os.Mkdir(out, 0o755)
			os.Mkdir(victim, 0o755)
			if err := os.WriteFile(filepath.Join(victim, "target"), []byte("keep"), 0o644); err != nil {
				t.Fatal(err)
			}
			c.setup(t, out, victim)
			before := testdir.Files(t, out)
			_, _, err := execute(t, nil, "chart", pkg, "-o", out)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(filepath.Join(out, "templates", "deployment_vdi-operator.yaml")); err != nil {
					t.Error(err)
				}
			} else {
				if err == nil {
					t.Fatal("chart -o succeeded")
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if after := testdir.Files(t, out); strings.Join(after, " ") != strings.Join(before, " ") {
					t.Errorf("a refused chart -o wrote: %v, was %v", after, before)
				}
			}
			if got := testdir.Files(t, victim); strings.Join(got, " ") != "target" {
				t.Errorf("chart -o wrote outside its directory: %v", got)
			}
			if b, _ := os.ReadFile(filepath.Join(victim, "target")); string(b) != "keep" {
				t.Errorf("chart -o wrote through a link: %q", b)
			}
		})
	}
}

func TestFunctionMode(t *testing.T) {
	in, err := os.ReadFile("../../testdata/krm/platform/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stdout, _, err := execute(t, in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stdout, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList") || !strings.Contains(stdout, "kind: HelmChart") {
		t.Errorf("unexpected output:\n%.300s", stdout)
	}

	bad, err := os.ReadFile("../../testdata/krm/error/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err := execute(t, bad)
	if err == nil {
		t.Fatal("want a non-zero exit for bad values")
	}
	if !strings.Contains(stdout, "results:") || !strings.Contains(stderr, "gpu.timeSlicing.replicas") {
		t.Errorf("want results on stdout and the problem on stderr; stderr: %s", stderr)
	}
}

func TestSchemaIsJSON(t *testing.T) {
	for _, tt := range []struct {
		args []string
		id   string
	}{
		{[]string{"schema"}, schemas.ValuesURL},
		{[]string{"schema", "--kind", "values"}, schemas.ValuesURL},
		{[]string{"schema", "--kind", "VDIPlatform"}, schemas.PlatformURL},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			stdout, _, err := execute(t, nil, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			var s map[string]any
			if err := json.Unmarshal([]byte(stdout), &s); err != nil {
				t.Fatal(err)
			}
			if s["$id"] != tt.id {
				t.Errorf("$id %v, want %s", s["$id"], tt.id)
			}
			if s["additionalProperties"] != false {
				t.Error("schema must reject unknown top-level keys")
			}
		})
	}
	// The default prints the embedded file byte for byte, as before --kind.
	if stdout, _, _ := execute(t, nil, "schema"); stdout != string(schemas.Values) {
		t.Error("schema does not print schemas/values.schema.json as it is")
	}
	_, _, err := execute(t, nil, "schema", "--kind", "vdiplatform")
	if err == nil || !strings.Contains(err.Error(), "values, VDIPlatform") {
		t.Errorf("an unknown kind must be an error listing the kinds, got %v", err)
	}
}

func TestHelpShowsExamples(t *testing.T) {
	for _, c := range cli.NewRoot().Commands() {
		if c.Name() != "help" && c.Name() != "completion" && c.Example == "" {
			t.Errorf("%s --help has no example", c.Name())
		}
	}
}

func TestValidate(t *testing.T) {
	rendered := t.TempDir()
	if _, _, err := execute(t, nil, "build", "../../examples/gpu-pool", "-o", rendered); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantErr    bool
		wantStderr string
	}{
		{"rendered output passes", []string{"validate", rendered}, "", false, ""},
		{"foreign objects fail", []string{"validate", "../../testdata/rules/package.yaml"}, "", true, `HelmChart kube-system/grafana: spec.version: chart "grafana" version "^1.2" is not exact`},
		{"KRM validator", []string{"validate"}, "../../testdata/krm/platform/input.yaml", true, "Deployment tools/user-app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdin []byte
			if tt.stdin != "" {
				var err error
				if stdin, err = os.ReadFile(tt.stdin); err != nil {
					t.Fatal(err)
				}
			}
			stdout, stderr, err := execute(t, stdin, tt.args...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v; stderr:\n%s", err, tt.wantErr, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr)
			}
			if tt.stdin != "" && items(t, stdout) != items(t, string(stdin)) {
				t.Error("the validator changed the items")
			}
		})
	}
}

// items returns the items of a ResourceList, re-encoded for comparison.
func items(t *testing.T, rl string) string {
	t.Helper()
	n, err := yaml.MustParse(rl).Pipe(yaml.Lookup("items"))
	if err != nil || n == nil {
		t.Fatalf("no items: %v", err)
	}
	return n.MustString()
}

func TestDiff(t *testing.T) {
	src, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	repo := t.TempDir()
	git := gitIn(t, repo)
	write := func(platform string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(repo, "platform", "platform.yaml"), []byte(platform), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := execute(t, nil, "build", filepath.Join(repo, "platform"), "-o", filepath.Join(repo, "rendered")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(repo, "platform"), 0o755); err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	write(string(src))
	git("add", ".")
	git("commit", "-qm", "render")
	t.Chdir(repo)

	stdout, _, err := execute(t, nil, "diff", "--rev", "HEAD", "rendered")
	if err != nil || !strings.Contains(stdout, "no differences") {
		t.Fatalf("unchanged rendering: err %v\n%s", err, stdout)
	}
	write(strings.Replace(string(src), "replicas: 8", "replicas: 4", 1))
	stdout, _, err = execute(t, nil, "diff", "--rev", "HEAD", "rendered")
	if err == nil {
		t.Error("a changed rendering must exit non-zero")
	}
	want := "~ ConfigMap gpu-operator/time-slicing-config\n    data.default(yaml).sharing.timeSlicing.resources[name=nvidia.com/gpu].replicas: 8 -> 4\n"
	if !strings.Contains(stdout, want) {
		t.Errorf("diff output lacks %q:\n%s", want, stdout)
	}
	// Two directories.
	old := t.TempDir()
	if _, _, err := execute(t, nil, "build", "platform", "-o", old); err != nil {
		t.Fatal(err)
	}
	if stdout, _, err := execute(t, nil, "diff", old, "rendered"); err != nil || !strings.Contains(stdout, "no differences") {
		t.Errorf("same renderings differ: %v\n%s", err, stdout)
	}
}

// TestDiffRendersSources: diff takes values files and packages as they
// are (each side rendered as build does), at a git revision too; a
// rendering whose objects went away shows each as removed, as do its files.
func TestDiffRendersSources(t *testing.T) {
	src, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	values := "global: {hostname: kasm.example.com}\ngpu: {timeSlicing: {replicas: 8}}\n"
	repo := t.TempDir()
	git := gitIn(t, repo)
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(repo, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("platform/platform.yaml", string(src))
	write("values.yaml", values)
	t.Chdir(repo)
	if _, _, err := execute(t, nil, "build", "platform", "-o", "rendered"); err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "render")

	replicas := "data.default(yaml).sharing.timeSlicing.resources[name=nvidia.com/gpu].replicas: 8 -> 4"
	write("values-4.yaml", strings.Replace(values, "replicas: 8", "replicas: 4", 1))
	write("bad.yaml", "global: {hostnme: kasm.example.com}\n")
	// TURN off (the example leaves turn to its defaults; spec ends the file).
	write("platform/platform.yaml", string(src)+"  turn:\n    enabled: false\n")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"two values files", []string{"values.yaml", "values-4.yaml"}, 1, []string{replicas}},
		{"a package and its committed rendering", []string{"rendered", "platform"}, 1, []string{"- HelmChart.helm.cattle.io kube-system/coturn", "- IngressRouteUDP.traefik.io kasm/coturn"}},
		{"a values file against itself at HEAD", []string{"--rev", "HEAD", "values.yaml"}, 0, []string{"no differences"}},
		{"a package against itself at HEAD", []string{"--rev", "HEAD", "platform"}, 1, []string{"- HelmChart.helm.cattle.io kube-system/coturn"}},
		{"a file not committed at HEAD cannot be compared", []string{"--rev", "HEAD", "values-4.yaml"}, 2, []string{"values-4.yaml does not exist at HEAD"}},
		{"bad values cannot be compared, and say where", []string{"values.yaml", "bad.yaml"}, 2, []string{"bad.yaml:1: global.hostnme: unknown field"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := execute(t, nil, append([]string{"diff"}, tt.args...)...)
			if got := cli.ExitCode(err); got != tt.code {
				t.Fatalf("exit status %d (%v), want %d\n%s%s", got, err, tt.code, stdout, stderr)
			}
			said := stdout + stderr
			if err != nil {
				said += err.Error()
			}
			for _, w := range tt.want {
				if !strings.Contains(said, w) {
					t.Errorf("lacks %q:\n%s", w, said)
				}
			}
			if tt.code == 2 && stdout != "" {
				t.Errorf("output on stdout for a diff that could not be made: %s", stdout)
			}
		})
	}

	// The committed rendering, rebuilt without TURN: its files go, and
	// diff --rev shows the objects removed.
	if _, _, err := execute(t, nil, "build", "platform", "-o", "rendered"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("rendered/kube-system/helmchart_coturn.yaml"); !os.IsNotExist(err) {
		t.Errorf("coturn's HelmChart is still in rendered/: %v", err)
	}
	stdout, _, err := execute(t, nil, "diff", "--rev", "HEAD", "rendered")
	if cli.ExitCode(err) != 1 || !strings.Contains(stdout, "- HelmChart.helm.cattle.io kube-system/coturn") || !strings.Contains(stdout, "- IngressRouteUDP.traefik.io kasm/coturn") {
		t.Errorf("diff --rev does not show the removals (%v):\n%s", err, stdout)
	}
}

// TestCIWorkflowCommands checks that every vdirender command the example
// workflow runs exists with the flags it uses.
func TestCIWorkflowCommands(t *testing.T) {
	raw, err := os.ReadFile("../../examples/ci/render.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "run:"))
		if !strings.HasPrefix(line, "vdirender ") {
			continue
		}
		n++
		fields := strings.Fields(strings.ReplaceAll(line, `"`, ""))
		cmd, rest, err := cli.NewRoot().Find(fields[1:])
		if err != nil || cmd.Name() == "vdirender" {
			t.Errorf("%q: no such command", line)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%q: %v", line, err)
		}
	}
	if n < 3 {
		t.Errorf("found %d vdirender commands in the workflow", n)
	}
}

// inlinePackage copies testdata/packages/inline and vendors the fixture
// charts into it as archives made at test time.
func inlinePackage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile("../../testdata/packages/inline/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := charttest.Vendor("../../testdata/charts", dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestInlineCharts(t *testing.T) {
	pkg := inlinePackage(t)
	// Without a lock nothing renders.
	if stdout, stderr, err := execute(t, nil, "build", pkg); err == nil || stdout != "" || !strings.Contains(stderr, "no lock file") {
		t.Fatalf("build without lock: err %v, stdout %d bytes, stderr %s", err, len(stdout), stderr)
	}
	if out, _, err := execute(t, nil, "lock", pkg); err != nil || !strings.Contains(out, "locked 3 chart(s)") {
		t.Fatalf("lock: %v %s", err, out)
	}
	lock, err := os.ReadFile(filepath.Join(pkg, "vdirender.lock.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "../../testdata/packages/inline.lock.yaml", lock)
	stdout, stderr, err := execute(t, nil, "build", pkg)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	golden.Check(t, "../../testdata/packages/inline.expected.yaml", []byte(stdout))
	for _, want := range []string{"kind: StatefulSet", "name: coturn-turn-udp", `storageClassName: "local-path"`, "name: redis-master"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(stdout, "name: postgresql\n  namespace: kube-system") || strings.Contains(stdout, "chart: postgresql") {
		t.Error("an inline chart was also rendered as a HelmChart")
	}

	// A changed archive no longer matches its lock.
	arch := filepath.Join(pkg, "charts", "redis-21.2.13.tgz")
	data, _ := os.ReadFile(arch)
	if err := os.WriteFile(arch, append(data, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, err := execute(t, nil, "build", pkg); err == nil || stdout != "" || !strings.Contains(stderr, "the archive changed") {
		t.Errorf("tampered archive: err %v, stderr %s", err, stderr)
	}
	// An archive holding another version than the values pin.
	if err := os.WriteFile(arch, data, 0o644); err != nil {
		t.Fatal(err)
	}
	platform := filepath.Join(pkg, "platform.yaml")
	src, _ := os.ReadFile(platform)
	if err := os.WriteFile(platform, []byte(strings.Replace(string(src), "redis: {mode: inline}", "redis: {mode: inline, version: 21.3.0, archive: charts/redis-21.2.13.tgz}", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := execute(t, nil, "lock", pkg); err == nil || !strings.Contains(stderr+err.Error(), "holds redis 21.2.13, not redis 21.3.0") {
		t.Errorf("lock with a wrong version: %v %s", err, stderr)
	}
}

// TestBadInputCorpus runs every case of testdata/bad: each must give its
// documented error (the .txt beside it), a non-zero exit and an empty stdout.
// A case is a values or objects file (NN-name.yaml, built), a ResourceList
// (NN-name.rl.yaml, on stdin) or a package directory (NN-name.pkg, built).
// Links and FIFOs cannot be committed: TestHostilePackages makes them.
func TestBadInputCorpus(t *testing.T) {
	cases, _ := filepath.Glob("../../testdata/bad/*.yaml")
	pkgs, _ := filepath.Glob("../../testdata/bad/*.pkg")
	if len(cases) < 40 || len(pkgs) < 5 {
		t.Fatalf("only %d bad-input files and %d packages", len(cases), len(pkgs))
	}
	for _, c := range append(cases, pkgs...) {
		name := strings.TrimSuffix(filepath.Base(c), ".yaml")
		t.Run(name, func(t *testing.T) {
			var stdout, stderr string
			var err error
			if strings.HasSuffix(name, ".rl") {
				in, rerr := os.ReadFile(c)
				if rerr != nil {
					t.Fatal(rerr)
				}
				stdout, stderr, err = execute(t, in)
			} else {
				stdout, stderr, err = execute(t, nil, "build", c)
			}
			if err == nil {
				t.Fatal("exit status 0")
			}
			if stdout != "" {
				t.Errorf("stdout is not empty: %.200s", stdout)
			}
			report := strings.ReplaceAll(stderr+"vdirender: "+err.Error()+"\n", "../../testdata/bad/", "")
			golden.Check(t, strings.TrimSuffix(c, ".yaml")+".txt", []byte(report))
		})
	}
}

// TestDiffExitStatus: as diff(1), 0 when the renderings are the same, 1 when
// they differ, 2 when they cannot be compared.
func TestDiffExitStatus(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	cm := func(v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\ndata: {k: " + v + "}\n"
	}
	if err := os.WriteFile(a, []byte(cm("one")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte(cm("two")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name     string
		old, new string
		code     int
	}{
		{"same", a, a, 0},
		{"differ", a, b, 1},
		{"a path that does not read", a, filepath.Join(dir, "missing.yaml"), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := execute(t, nil, "diff", tt.old, tt.new)
			if got := cli.ExitCode(err); got != tt.code {
				t.Errorf("exit status %d (%v), want %d", got, err, tt.code)
			}
		})
	}
}

// TestVersionNamesTheImage: version prints the release and the operator
// image a rendering names, which is that release's.
func TestVersionNamesTheImage(t *testing.T) {
	stdout, _, err := execute(t, nil, "version")
	if err != nil {
		t.Fatal(err)
	}
	rendered, _, err := execute(t, nil, "build", "../../examples/k3s-single-node")
	if err != nil {
		t.Fatal(err)
	}
	image := regexp.MustCompile(`image: (ghcr.io/vdirender/vdirender:\S+)`).FindStringSubmatch(rendered)
	if image == nil {
		t.Fatal("the rendering names no operator image")
	}
	tag := strings.SplitN(image[1], ":", 2)[1]
	if !strings.HasPrefix(stdout, "vdirender "+tag) || !strings.Contains(stdout, "operator image: "+image[1]) {
		t.Errorf("version says %q; the rendering's operator image is %s", stdout, image[1])
	}
}

// TestNoKubeconfig: without any kubeconfig, the commands that talk to a
// cluster say where one is looked for (client-go's own words name an
// environment variable kubectl does not read).
func TestNoKubeconfig(t *testing.T) {
	// A KUBECONFIG naming no file: client-go then reads no other file
	// (not the home one, which may exist where the test runs).
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	for _, args := range [][]string{
		{"verify", "../../testdata/packages/foreign-enforce", "--quiet"},
		{"doctor"},
		{"history", "vdirender"},
	} {
		t.Run(args[0], func(t *testing.T) {
			if args[0] == "verify" {
				args = args[:2]
			}
			_, _, err := execute(t, nil, args...)
			want := "no kubeconfig found: give --kubeconfig FILE, set KUBECONFIG, or write " + clientcmd.RecommendedHomeFile
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err %v; want %q", err, want)
			}
		})
	}
}

// TestClusterUnreachable: a command that talks to a cluster says which API
// server and fails with one clear sentence, without client-go's noise.
func TestClusterUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: x, cluster: {server: "https://`+addr+`", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: x, user: u}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"verify", "../../testdata/packages/foreign-enforce", "--kubeconfig", kubeconfig, "--timeout", "10s"},
		{"doctor", "--kubeconfig", kubeconfig},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, stderr, err := execute(t, nil, args...)
			want := "cannot reach the Kubernetes API server at https://" + addr + ": connect: connection refused"
			if err == nil || err.Error() != want {
				t.Errorf("error %v, want %q", err, want)
			}
			if strings.Contains(stderr, "Unhandled Error") || strings.Contains(stderr, "memcache") {
				t.Errorf("client-go's noise on stderr: %s", stderr)
			}
			if args[0] == "verify" && !strings.Contains(stderr, "API server https://"+addr) {
				t.Errorf("no progress line naming the API server: %q", stderr)
			}
			// What the rules changed is shown by every command that renders.
			if args[0] == "verify" && !strings.Contains(stderr, "the rules changed the rendering") {
				t.Errorf("verify did not say what the rules changed: %q", stderr)
			}
		})
	}
}

// TestTraefikUnmanaged: with ingress.traefik.manageHelmChartConfig false the
// rendering leaves K3s's Traefik settings alone and build prints, on
// stderr, the values to merge into them by hand.
func TestTraefikUnmanaged(t *testing.T) {
	stdout, stderr, err := execute(t, nil, "build", "../../testdata/cli/traefik-unmanaged.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stdout, "kind: HelmChartConfig") {
		t.Error("a HelmChartConfig was rendered")
	}
	golden.Check(t, "../../testdata/cli/traefik-unmanaged.stderr", []byte(stderr))
}

// TestBuildListsPrerequisites: build says on stderr what the cluster must
// hold (golden): here cert-manager's issuer instead of a TLS Secret, and the
// label of the pool a template runs on. The Certificates are on stdout.
func TestBuildListsPrerequisites(t *testing.T) {
	stdout, stderr, err := execute(t, nil, "build", "../../testdata/cli/cert-manager.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(stdout, "kind: Certificate\n"); n != 2 {
		t.Errorf("%d Certificates rendered, want 2", n)
	}
	golden.Check(t, "../../testdata/cli/cert-manager.stderr", []byte(stderr))
}

// TestBuildListsRuleChanges: what the rules in enforce mode changed is on
// stderr (golden), and --quiet leaves it out; stdout is the same.
func TestBuildListsRuleChanges(t *testing.T) {
	stdout, stderr, err := execute(t, nil, "build", "../../testdata/packages/foreign-enforce")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "../../testdata/cli/foreign-enforce.stderr", []byte(stderr))
	quiet, quietErr, err := execute(t, nil, "build", "--quiet", "../../testdata/packages/foreign-enforce")
	if err != nil || quietErr != "" || quiet != stdout {
		t.Errorf("--quiet: %v, stderr %q, same stdout %v", err, quietErr, quiet == stdout)
	}
}

// TestInitArgoCDNeedsRepo: an Argo CD Application reading a placeholder
// repository would sync nothing; init asks for the real one and writes
// nothing without it.
func TestInitArgoCDNeedsRepo(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vdi")
	_, _, err := execute(t, nil, "init", dir, "--argocd", "--from", "../../testdata/values/k3s-single-node.yaml")
	if err == nil || !strings.Contains(err.Error(), "--argocd: give --repo-url") {
		t.Errorf("err %v", err)
	}
	if _, serr := os.Stat(dir); !os.IsNotExist(serr) {
		t.Errorf("init wrote %s: %v", dir, serr)
	}
	stdout, _, err := execute(t, nil, "init", dir, "--argocd", "--repo-url", "https://git.example.org/vdi.git", "--from", "../../testdata/values/k3s-single-node.yaml")
	if err != nil || !strings.Contains(stdout, "application.yaml") {
		t.Errorf("with --repo-url: %v\n%s", err, stdout)
	}
}

// gitIn returns a function that runs git in repo as a test user (no
// signing), failing the test on an error.
func gitIn(t *testing.T, repo string) func(args ...string) {
	return func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.email=ci@example.org", "-c", "user.name=ci", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}
