// Package testdir shows tests what a directory holds, links not followed:
// the tests of the commands that write output directories (build -o,
// chart -o) check that nothing is written through a link or outside.
package testdir

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Tree maps every entry under dir that is not a directory to its content,
// or to "-> target" for a link, by slash-separated path.
func Tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.Type()&os.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			out[filepath.ToSlash(rel)] = "-> " + target
			return err
		}
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Files lists the entries Tree maps, sorted.
func Files(t *testing.T, dir string) []string {
	t.Helper()
	tree := Tree(t, dir)
	out := make([]string, 0, len(tree))
	for p := range tree {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
