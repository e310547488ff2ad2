package fn_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
)

// TestManagedByNeverDropsUserObjects: only vdirender's earlier output is
// replaced; an object that merely carries its label is kept, or refused
// when it clashes with a rendered one, never silently dropped.
func TestManagedByNeverDropsUserObjects(t *testing.T) {
	const label = "labels: {app.kubernetes.io/managed-by: vdirender}"
	cm := func(name, labels string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: kasm\n  " + labels + "\ndata: {a: '1'}\n"
	}
	for _, c := range []struct {
		name  string
		files map[string]string
		want  string // in the output, or "!" and part of the error
		not   string // never in the output
	}{
		{"labelled user object is kept", map[string]string{"mine.yaml": cm("mine", label)}, "name: mine", ""},
		{"labelled user object in a subdirectory is kept", map[string]string{"apps/mine.yaml": cm("mine", label)}, "name: mine", ""},
		{"unlabelled object under vdirender/ is kept", map[string]string{"vdirender/mine.yaml": cm("mine", "labels: {}")}, "name: mine", ""},
		{"earlier output under vdirender/ is replaced", map[string]string{"vdirender/stale.yaml": cm("stale", label)}, "kind: Namespace", "name: stale"},
		{"labelled user object clashing with a rendered one is refused", map[string]string{"ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kasm\n  " + label + "\n"}, "!is not what vdirender renders", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pkg := t.TempDir()
			src, err := os.ReadFile("../examples/k3s-single-node/platform.yaml")
			if err != nil {
				t.Fatal(err)
			}
			files := map[string]string{"platform.yaml": string(src)}
			for k, v := range c.files {
				files[filepath.Clean(k)] = v
			}
			for name, data := range files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(pkg, name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(pkg, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			items, _, err := fn.Build(pkg)
			if want, bad := strings.CutPrefix(c.want, "!"); bad {
				var f *fn.Failed
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				if errors.As(err, &f) {
					for _, r := range f.Results {
						msg += "\n" + r.Message
					}
				}
				if !strings.Contains(msg, want) {
					t.Fatalf("got %s, want %q", msg, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, it := range items {
				b.WriteString(it.MustString())
			}
			if !strings.Contains(b.String(), c.want) {
				t.Errorf("output lacks %q", c.want)
			}
			if c.not != "" && strings.Contains(b.String(), c.not) {
				t.Errorf("output holds %q", c.not)
			}
		})
	}
}
