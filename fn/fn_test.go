package fn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/golden"
)

// run executes the function on a ResourceList the way kpt and kustomize do.
func run(t *testing.T, input []byte) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	err := fn.Execute(fn.Processor{}, bytes.NewReader(input), &out, fn.DefaultMaxInput)
	return out.Bytes(), err
}

// TestResourceLists runs each testdata/krm case and compares the whole
// output ResourceList, results included, with expected.yaml.
func TestResourceLists(t *testing.T) {
	tests := []struct {
		name    string
		wantErr bool
	}{
		{"platform", false},
		{"configmap", false},
		{"error", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "krm", tt.name)
			input, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := run(t, input)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			golden.Check(t, filepath.Join(dir, "expected.yaml"), out)
		})
	}
}

// TestRerenderChangesNothing feeds the function its own output: the items
// stay byte for byte the same and no rule reports a finding.
func TestRerenderChangesNothing(t *testing.T) {
	input, err := os.ReadFile("../testdata/krm/platform/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first, err := run(t, input)
	if err != nil {
		t.Fatal(err)
	}
	// kpt hands a function no earlier results; drop them as it would.
	rl := yaml.MustParse(string(first))
	if err := rl.PipeE(yaml.Clear("results")); err != nil {
		t.Fatal(err)
	}
	second, err := run(t, []byte(rl.MustString()))
	if err != nil {
		t.Fatal(err)
	}
	items := func(b []byte) string {
		n, err := yaml.MustParse(string(b)).Pipe(yaml.Lookup("items"))
		if err != nil {
			t.Fatal(err)
		}
		return n.MustString()
	}
	if items(first) != items(second) {
		t.Error("second run changed the items")
	}
	results, err := yaml.MustParse(string(second)).Pipe(yaml.Lookup("results"))
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := results.Elements()
	for _, r := range rs {
		if check, _ := r.Pipe(yaml.Lookup("tags", "check")); check == nil {
			t.Errorf("second run reported a finding:\n%s", r.MustString())
		}
	}
}

// TestConfigMapAndPlatformAgree checks that both functionConfig forms reach
// the same values and so the same objects.
func TestConfigMapAndPlatformAgree(t *testing.T) {
	generated := func(path string) string {
		input, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		out, err := run(t, input)
		if err != nil {
			t.Fatal(err)
		}
		rl, err := yaml.Parse(string(out))
		if err != nil {
			t.Fatal(err)
		}
		items, err := rl.Pipe(yaml.Lookup("items"))
		if err != nil {
			t.Fatal(err)
		}
		elems, _ := items.Elements()
		var b strings.Builder
		for _, e := range elems {
			if fn.IsGenerated(e) {
				// The legacy path annotations depend on what the input carried.
				for _, a := range []string{kioutil.LegacyPathAnnotation, kioutil.LegacyIndexAnnotation} {
					if err := e.PipeE(yaml.ClearAnnotation(a)); err != nil {
						t.Fatal(err)
					}
				}
				b.WriteString(e.MustString())
			}
		}
		return b.String()
	}
	a := generated("../testdata/krm/platform/input.yaml")
	b := generated("../testdata/krm/configmap/input.yaml")
	if a == "" || a != b {
		t.Error("VDIPlatform and ConfigMap functionConfigs render differently")
	}
}

// TestErrorLeavesItemsUnchanged: a failed run must not add or drop items.
func TestErrorLeavesItemsUnchanged(t *testing.T) {
	input, err := os.ReadFile("../testdata/krm/error/input.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(t, input)
	if err == nil {
		t.Fatal("want an error")
	}
	rl, err := yaml.Parse(string(out))
	if err != nil {
		t.Fatal(err)
	}
	items, _ := rl.Pipe(yaml.Lookup("items"))
	elems, _ := items.Elements()
	if len(elems) != 1 || elems[0].GetName() != "untouched" {
		t.Errorf("items changed on error: %d items", len(elems))
	}
	results, _ := rl.Pipe(yaml.Lookup("results"))
	rs, _ := results.Elements()
	if len(rs) != 2 {
		t.Errorf("want 2 error results, got %d", len(rs))
	}
}
