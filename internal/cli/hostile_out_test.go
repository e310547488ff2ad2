//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiffRevOddNames: a deleted file is reported whatever its name, and
// a directory name is never taken as a pattern.
func TestDiffRevOddNames(t *testing.T) {
	cm := func(name string) []byte {
		return []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", namespace: x}\ndata: {k: v}\n")
	}
	for _, c := range []struct{ dir, file string }{
		{"r", "é.yaml"},
		{"r", "名前.yaml"},
		{"r", "a b.yaml"},
		{"r", "tab\t.yaml"},
		{"r", "quote\".yaml"},
		{"r", "new\nline.yaml"},
		{"r", "back\\slash.yaml"},
		{"dé", "b.yaml"},
		{"d[1]*", "b.yaml"},
	} {
		t.Run(c.dir+"/"+c.file, func(t *testing.T) {
			repo := t.TempDir()
			git := gitIn(t, repo)
			dir := filepath.Join(repo, c.dir)
			must(t, os.MkdirAll(dir, 0o755))
			must(t, os.WriteFile(filepath.Join(dir, "a.yaml"), cm("a"), 0o644))
			must(t, os.WriteFile(filepath.Join(dir, c.file), cm("b"), 0o644))
			// A sibling a pattern would match: never read.
			must(t, os.MkdirAll(filepath.Join(repo, "d1x"), 0o755))
			must(t, os.WriteFile(filepath.Join(repo, "d1x", "c.yaml"), cm("c"), 0o644))
			git("init", "-q")
			git("add", ".")
			git("commit", "-qm", "render")
			must(t, os.Remove(filepath.Join(dir, c.file)))
			t.Chdir(repo)
			stdout, _, err := execute(t, nil, "diff", "--rev", "HEAD", c.dir)
			if err == nil || !strings.Contains(stdout, "- ConfigMap x/b") || strings.Contains(stdout, "x/c") {
				t.Errorf("deleting %q: err %v\n%s", c.file, err, stdout)
			}
		})
	}
}
