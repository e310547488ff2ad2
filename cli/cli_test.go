package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/cli"
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
		{"package", []string{"build", "../examples/k3s-single-node"}, false, "kind: CustomResourceDefinition", ""},
		{"values file", []string{"build", "../testdata/values/k3s-single-node.yaml"}, false, "name: time-slicing-config", ""},
		{"bad values print nothing on stdout", []string{"build", "../testdata/errors/unknown-key.yaml"}, true, "", "unknown-key.yaml:4: gpu.timeslicing: unknown field"},
		{"missing file", []string{"build", "../testdata/nope.yaml"}, true, "", ""},
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
	if _, _, err := execute(t, nil, "build", "../examples/k3s-single-node", "-o", dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"namespace_kasm.yaml", "kube-system/helmchart_gpu-operator.yaml", "gpu-operator/configmap_time-slicing-config.yaml"} {
		if _, err := os.Stat(dir + "/" + f); err != nil {
			t.Error(err)
		}
	}
}

func TestFunctionMode(t *testing.T) {
	in, err := os.ReadFile("../testdata/krm/platform/input.yaml")
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

	bad, err := os.ReadFile("../testdata/krm/error/input.yaml")
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
	stdout, _, err := execute(t, nil, "schema")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s["additionalProperties"] != false {
		t.Error("schema must reject unknown top-level keys")
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
	if _, _, err := execute(t, nil, "build", "../examples/gpu-pool", "-o", rendered); err != nil {
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
		{"foreign objects fail", []string{"validate", "../testdata/rules/package.yaml"}, "", true, `HelmChart kube-system/grafana: spec.version: chart "grafana" version "^1.2" is not exact`},
		{"KRM validator", []string{"validate"}, "../testdata/krm/platform/input.yaml", true, "Deployment tools/user-app"},
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
