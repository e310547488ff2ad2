package transformers_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/golden"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// readPackage reads the foreign objects every rule case runs over.
func readPackage(t *testing.T) []*yaml.RNode {
	t.Helper()
	data, err := os.ReadFile("../testdata/rules/package.yaml")
	if err != nil {
		t.Fatal(err)
	}
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), SetAnnotations: map[string]string{kioutil.PathAnnotation: "package.yaml"}}).Read()
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// only returns values where every rule but the named ones is off.
func only(mode string, rules ...string) *values.Values {
	v := values.Defaults()
	v.GPU.NodePools = []values.NodePool{{Name: "default", Nodes: 1, GPUsPerNode: 1, Replicas: 2}}
	set := func(name string) string {
		for _, r := range rules {
			if r == name {
				return mode
			}
		}
		return values.ModeOff
	}
	v.Rules = values.Rules{Storage: set("storage"), PullPolicy: set("pullPolicy"), Resources: set("resources"), GPU: set("gpu"), Pinning: set("pinning")}
	return v
}

func encode(t *testing.T, items []*yaml.RNode, results framework.Results) ([]byte, []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := (kio.ByteWriter{Writer: &out, ClearAnnotations: []string{kioutil.PathAnnotation, kioutil.LegacyPathAnnotation}}).Write(items); err != nil {
		t.Fatal(err)
	}
	res, err := yaml.Marshal(results)
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), res
}

// TestRules runs each rule alone in enforce mode, all rules in audit mode,
// and all rules as a validator over the same package, and compares the
// objects and the results with testdata/rules/<case>/.
func TestRules(t *testing.T) {
	all := []string{"storage", "pullPolicy", "resources", "gpu", "pinning"}
	tests := []struct {
		name     string
		values   *values.Values
		validate bool
	}{
		{"storage", only(values.ModeEnforce, "storage"), false},
		{"pullPolicy", only(values.ModeEnforce, "pullPolicy"), false},
		{"resources", only(values.ModeEnforce, "resources"), false},
		{"gpu", only(values.ModeEnforce, "gpu"), false},
		{"pinning", only(values.ModeEnforce, "pinning"), false},
		{"all-enforce", only(values.ModeEnforce, all...), false},
		{"all-audit", only(values.ModeAudit, all...), false},
		{"validate", only(values.ModeEnforce, all...), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := readPackage(t)
			results, err := transformers.Run(items, &transformers.Env{Values: tt.values}, tt.validate)
			if err != nil {
				t.Fatal(err)
			}
			out, res := encode(t, items, results)
			dir := filepath.Join("..", "testdata", "rules", tt.name)
			golden.Check(t, filepath.Join(dir, "output.yaml"), out)
			golden.Check(t, filepath.Join(dir, "results.yaml"), res)
		})
	}
}

// TestAuditAndValidateChangeNothing: audit and validate leave every byte.
func TestAuditAndValidateChangeNothing(t *testing.T) {
	before, _ := encode(t, readPackage(t), nil)
	for _, validate := range []bool{false, true} {
		items := readPackage(t)
		results, err := transformers.Run(items, &transformers.Env{Values: only(values.ModeAudit, "storage", "pullPolicy", "resources", "gpu", "pinning")}, validate)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := encode(t, items, nil)
		if !bytes.Equal(before, after) {
			t.Errorf("validate=%v changed the objects", validate)
		}
		for _, r := range results {
			want := framework.Warning
			if validate {
				want = framework.Error
			}
			if r.Severity != want && r.Tags["check"] == "" {
				t.Errorf("validate=%v: %s result %q", validate, r.Severity, r.Message)
			}
		}
	}
}

// TestRulesAreIdempotent applies the rules to their own output: nothing is
// fixed the second time and no byte changes; only what no rule can fix is
// reported again.
func TestRulesAreIdempotent(t *testing.T) {
	env := &transformers.Env{Values: only(values.ModeEnforce, "storage", "pullPolicy", "resources", "gpu", "pinning")}
	items := readPackage(t)
	first, err := transformers.Run(items, env, false)
	if err != nil {
		t.Fatal(err)
	}
	once, _ := encode(t, items, nil)
	second, err := transformers.Run(items, env, false)
	if err != nil {
		t.Fatal(err)
	}
	twice, _ := encode(t, items, nil)
	if !bytes.Equal(once, twice) {
		t.Error("second run changed the objects")
	}
	errorsOf := func(rs framework.Results) []string {
		var out []string
		for _, r := range rs {
			if strings.HasPrefix(r.Message, "fixed:") {
				continue
			}
			if r.Severity == framework.Error {
				out = append(out, r.Message)
			}
		}
		return out
	}
	for _, r := range second {
		if strings.HasPrefix(r.Message, "fixed:") {
			t.Errorf("second run fixed again: %s %s", r.Field.Path, r.Message)
		}
	}
	if a, b := strings.Join(errorsOf(first), "\n"), strings.Join(errorsOf(second), "\n"); a != b {
		t.Errorf("errors differ between runs:\n%s\n---\n%s", a, b)
	}
}
