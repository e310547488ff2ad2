package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/cli"
)

// TestDiffExpandsLists: diff compares what the cluster gets, each List as
// its items, whatever the input (files, directories, streams, packages
// rendered, a git revision), and no Secret value shows whatever wraps it;
// an item that is not an object cannot be compared and names its file.
func TestDiffExpandsLists(t *testing.T) {
	src, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secret := func(n string) string {
		return "{apiVersion: v1, kind: Secret, metadata: {name: db, namespace: apps}, data: {password: aHVudGVyM" + n + "==}}"
	}
	secretList := func(n string) string { return "apiVersion: v1\nkind: SecretList\nitems: [" + secret(n) + "]\n" }
	stream := func(n string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: apps}\n---\napiVersion: v1\nkind: List\nitems: [" + secret(n) + "]\n"
	}
	nested := func(n string) string {
		return "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [" + secret(n) + "]}]\n"
	}
	repo := t.TempDir()
	git := gitIn(t, repo)
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(repo, filepath.FromSlash(name))
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(content), 0o644))
	}
	write("list-1.yaml", secretList("Q"))
	write("list-2.yaml", secretList("g"))
	write("stream-1.yaml", stream("Q"))
	write("stream-2.yaml", stream("g"))
	write("nested-1.yaml", nested("Q"))
	write("nested-2.yaml", nested("g"))
	write("dir-1/a.yaml", stream("Q"))
	write("dir-2/sub/a.yaml", nested("g"))
	write("items.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: apps}\n---\n"+secret("Q")+"\n")
	write("pkg-1/platform.yaml", string(src))
	write("pkg-1/secrets.yaml", strings.ReplaceAll(secretList("Q"), "apps", "kasm"))
	write("pkg-2/platform.yaml", string(src))
	write("pkg-2/secrets.yaml", strings.ReplaceAll(nested("g"), "apps", "kasm"))
	write("rev/a.yaml", secretList("Q"))
	write("rev-pkg/platform.yaml", string(src))
	write("rev-pkg/secrets.yaml", strings.ReplaceAll(secretList("Q"), "apps", "kasm"))
	git("init", "-q")
	git("add", ".")
	git("commit", "-qm", "render")
	write("rev/a.yaml", stream("g"))
	write("rev-pkg/secrets.yaml", strings.ReplaceAll(stream("g"), "apps", "kasm"))
	write("bad.yaml", "apiVersion: v1\nkind: SecretList\nitems: [{apiVersion: v1, data: {password: aHVudGVyMQ==}}]\n")
	t.Chdir(repo)

	changed := "~ Secret apps/db\n    data.password: (redacted) -> (redacted)\n"
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"SecretList", []string{"list-1.yaml", "list-2.yaml"}, 1, changed},
		{"v1 List in a stream", []string{"stream-1.yaml", "stream-2.yaml"}, 1, changed},
		{"nested Lists", []string{"nested-1.yaml", "nested-2.yaml"}, 1, changed},
		{"SecretList against nested Lists", []string{"list-1.yaml", "nested-2.yaml"}, 1, changed},
		{"directories", []string{"dir-1", "dir-2"}, 1, "- ConfigMap apps/c\n" + changed},
		{"a List against its items", []string{"stream-1.yaml", "items.yaml"}, 0, "no differences\n"},
		{"packages rendered", []string{"pkg-1", "pkg-2"}, 1, strings.ReplaceAll(changed, "apps", "kasm")},
		{"a rendering at a revision", []string{"--rev", "HEAD", "rev"}, 1, "+ ConfigMap apps/c\n" + changed},
		{"a package at a revision", []string{"--rev", "HEAD", "rev-pkg"}, 1, "+ ConfigMap kasm/c\n" + strings.ReplaceAll(changed, "apps", "kasm")},
		{"an item not an object", []string{"list-1.yaml", "bad.yaml"}, 2, "bad.yaml: SecretList: items[0] is not an object with apiVersion and kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := execute(t, nil, append([]string{"diff"}, tt.args...)...)
			if got := cli.ExitCode(err); got != tt.code {
				t.Fatalf("exit status %d (%v), want %d\n%s%s", got, err, tt.code, stdout, stderr)
			}
			said := stdout
			if tt.code == 2 {
				said = err.Error()
			}
			if tt.code == 2 && !strings.Contains(said, tt.want) || tt.code != 2 && said != tt.want {
				t.Errorf("said\n%s\nwant\n%s", said, tt.want)
			}
			if all := stdout + stderr + said; strings.Contains(all, "aHVudGVy") {
				t.Errorf("the Secret's value shows:\n%s", all)
			}
		})
	}
}
