//go:build unix

package cli_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/charttest"
)

// pullPackage writes the inline test package with its inline charts
// pinned to repo and no archive.
func pullPackage(t *testing.T, repo string) string {
	t.Helper()
	src, err := os.ReadFile("../../testdata/packages/inline/platform.yaml")
	must(t, err)
	dir := t.TempDir()
	p := strings.ReplaceAll(string(src), "{mode: inline}", "{mode: inline, repo: \""+repo+"\"}")
	must(t, os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(p), 0o644))
	return dir
}

// entries lists what a directory holds.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	must(t, filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return err
	}))
	return out
}

// TestPullThenBuild is the README's workflow: pull, then build; a second
// pull changes nothing.
func TestPullThenBuild(t *testing.T) {
	for _, src := range []struct {
		name  string
		repo  func(t *testing.T) string
		flags []string
	}{
		{"chart repository", func(t *testing.T) string { return charttest.FixtureRepo(t, "../../testdata/charts").URL }, nil},
		{"OCI registry", func(t *testing.T) string {
			reg := charttest.NewRegistry(t)
			archives := charttest.FixtureArchives(t, "../../testdata/charts")
			for name, version := range charttest.Fixtures {
				reg.PushChart("vdi/"+name, version, name, version, archives[name+"-"+version+".tgz"])
			}
			return "oci://" + reg.Host() + "/vdi"
		}, []string{"--plain-http"}},
	} {
		t.Run(src.name, func(t *testing.T) {
			dir := pullPackage(t, src.repo(t))
			out, stderr, err := execute(t, nil, append([]string{"pull", dir}, src.flags...)...)
			if err != nil {
				t.Fatalf("pull: %v\n%s", err, stderr)
			}
			for _, want := range []string{"charts.redis: redis 21.2.13 pulled from ", "-> charts/redis-21.2.13.tgz (sha256:", "wrote 4 file(s)"} {
				if !strings.Contains(out, want) {
					t.Errorf("pull output lacks %q:\n%s", want, out)
				}
			}
			stdout, stderr, err := execute(t, nil, "build", dir)
			if err != nil {
				t.Fatalf("build after pull: %v\n%s", err, stderr)
			}
			if !strings.Contains(stdout, "kind: StatefulSet") || !strings.Contains(stdout, "name: redis-master") {
				t.Error("build did not render the pulled charts")
			}
			out, _, err = execute(t, nil, append([]string{"pull", dir}, src.flags...)...)
			if err != nil || !strings.Contains(out, "redis 21.2.13 up to date") || !strings.Contains(out, "nothing changed") {
				t.Errorf("second pull: %v\n%s", err, out)
			}
			// A values file pulls into its directory, as build reads it.
			out, _, err = execute(t, nil, append([]string{"pull", filepath.Join(dir, "platform.yaml")}, src.flags...)...)
			if err != nil || !strings.Contains(out, "nothing changed") {
				t.Errorf("pull of the values file: %v\n%s", err, out)
			}
		})
	}
}

// TestPullRefusals: the command's own refusals, each with nothing on
// stdout and nothing written.
func TestPullRefusals(t *testing.T) {
	repo := charttest.FixtureRepo(t, "../../testdata/charts")
	repo.Handle("/redis-21.2.13.tgz", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	tests := []struct {
		name string
		repo string
		args []string
		want string
	}{
		{"timeout", repo.URL, []string{"--timeout", "200ms"}, "the pull took longer than --timeout 200ms"},
		{"no timeout", repo.URL, []string{"--timeout", "0s"}, "--timeout must be positive"},
		{"a repo that is no URL vdirender pulls from", "ftp://127.0.0.1/charts", nil, "charts.postgresql.repo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := pullPackage(t, tt.repo)
			before := entries(t, dir)
			stdout, stderr, err := runWithin(t, append([]string{"pull", dir}, tt.args...)...)
			if err == nil || stdout != "" {
				t.Fatalf("err %v, stdout %q", err, stdout)
			}
			if all := stderr + err.Error(); !strings.Contains(all, tt.want) {
				t.Errorf("%q lacks %q", all, tt.want)
			}
			if after := entries(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("pull wrote %v", after)
			}
		})
	}
}
