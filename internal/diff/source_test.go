package diff_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/diff"
	"github.com/vdirender/vdirender/internal/input"
)

// TestReadExpandsLists: a rendering is read as the objects the cluster
// gets, from a stream, a directory or a git revision alike: each List its
// items, without the reader's annotations; an item that is not an object
// is an error naming its file.
func TestReadExpandsLists(t *testing.T) {
	const (
		secretList = "apiVersion: v1\nkind: SecretList\nitems: [" +
			"{apiVersion: v1, kind: Secret, metadata: {name: db, namespace: apps}, data: {password: aHVudGVyMQ==}}]\n"
		stream = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: v1\nkind: List\nitems: [" +
			"{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: s}}]}]\n"
		lone = "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: l}}]\n"
		bad  = "apiVersion: v1\nkind: List\nitems: [x]\n"
	)
	tests := []struct {
		name  string
		files map[string]string
		want  string // kind/name of the objects read, in order
		err   string
	}{
		{"SecretList", map[string]string{"a.yaml": secretList}, "Secret/db", ""},
		{"List in a stream, nested", map[string]string{"a.yaml": stream}, "ConfigMap/c Secret/s", ""},
		{"a lone List", map[string]string{"a.yaml": lone}, "ConfigMap/l", ""},
		{"files of a directory", map[string]string{"a.yaml": secretList, "sub/b.yaml": stream}, "Secret/db ConfigMap/c Secret/s", ""},
		{"an item not an object", map[string]string{"a.yaml": lone, "sub/bad.yaml": bad}, "", "bad.yaml: List: items[0] is not an object with apiVersion and kind"},
		{"a Secret without a kind", map[string]string{"sub/bad.yaml": "apiVersion: v1\nkind: SecretList\nitems: [{apiVersion: v1, data: {password: aHVudGVyMQ==}}]\n"}, "", "bad.yaml: SecretList: items[0] is not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var files []input.File
			for _, name := range []string{"a.yaml", "sub/b.yaml", "sub/bad.yaml"} {
				content, ok := tt.files[name]
				if !ok {
					continue
				}
				p := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, input.File{Path: "r/" + name, Data: []byte(content)})
			}
			ways := map[string]func() ([]*yaml.RNode, error){
				"directory": func() ([]*yaml.RNode, error) { return diff.Read(dir) },
				"git":       func() ([]*yaml.RNode, error) { return diff.ParseGit(files) },
			}
			if len(files) == 1 {
				ways["stream"] = func() ([]*yaml.RNode, error) {
					return diff.Read(filepath.Join(dir, strings.TrimPrefix(files[0].Path, "r/")))
				}
			}
			for way, read := range ways {
				items, err := read()
				if tt.err != "" {
					if err == nil || !strings.Contains(err.Error(), tt.err) {
						t.Errorf("%s: err = %v, want %q", way, err, tt.err)
					}
					if err != nil && strings.Contains(err.Error(), "aHVudGVy") {
						t.Errorf("%s: the error shows the Secret's value: %v", way, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", way, err)
				}
				var got []string
				for _, it := range items {
					got = append(got, it.GetKind()+"/"+it.GetName())
					if a := it.GetAnnotations(); len(a) > 0 {
						t.Errorf("%s: %s/%s has annotations %v", way, it.GetKind(), it.GetName(), a)
					}
				}
				if strings.Join(got, " ") != tt.want {
					t.Errorf("%s: read %s, want %s", way, got, tt.want)
				}
			}
		})
	}
}
