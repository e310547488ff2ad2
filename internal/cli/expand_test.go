//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
)

// expandRepo serves the fixture charts and the fixture Kasm chart.
func expandRepo(t *testing.T) *charttest.Repo {
	t.Helper()
	repo := charttest.NewRepo(t)
	var idx charttest.Index
	archives := charttest.FixtureArchives(t, "../../testdata/charts")
	kasm, err := charttest.Archive("../../testdata/charts-helmchart/kasm", "kasm")
	must(t, err)
	archives["kasm-1.1181.1.tgz"] = kasm
	for file, data := range archives {
		repo.Put("/"+file, data)
		name, version, _ := strings.Cut(strings.TrimSuffix(file, ".tgz"), "-")
		idx.Add(name, version, file, data)
	}
	repo.Put("/index.yaml", idx.YAML())
	return repo
}

// TestPullAllThenExpand is the README's review workflow for helmchart mode:
// `pull --all` fetches the charts helm-controller installs, `expand` shows
// what it will install with the rules' findings, `validate --expand-charts`
// reports them; a later plain pull keeps them, and `lock` agrees.
func TestPullAllThenExpand(t *testing.T) {
	repo := expandRepo(t)
	src, err := os.ReadFile("../../testdata/packages/expand/platform.yaml")
	must(t, err)
	dir := t.TempDir()
	pinned := strings.Replace(string(src), "  gpu:\n", "  charts:\n"+
		"    kasm: {repo: \""+repo.URL+"\"}\n    postgresql: {repo: \""+repo.URL+"\"}\n"+
		"    redis: {repo: \""+repo.URL+"\"}\n    coturn: {repo: \""+repo.URL+"\"}\n  gpu:\n", 1)
	must(t, os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(pinned), 0o644))

	out, _, err := execute(t, nil, "pull", dir)
	if err != nil || !strings.Contains(out, "nothing to pull (--all") {
		t.Fatalf("plain pull: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, charts.LockFileName)); err == nil {
		t.Error("a pull with nothing to pull wrote a lock")
	}
	out, _, err = execute(t, nil, "pull", "--all", dir)
	if err != nil {
		t.Fatalf("pull --all: %v", err)
	}
	for _, want := range []string{"charts.kasm: kasm 1.1181.1 pulled", "charts.coturn: coturn 9.4.0 pulled", "wrote 5 file(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("pull --all output lacks %q:\n%s", want, out)
		}
	}
	lock, err := os.ReadFile(filepath.Join(dir, charts.LockFileName))
	must(t, err)

	stdout, stderr, err := execute(t, nil, "expand", dir)
	if err != nil {
		t.Fatalf("expand: %v\n%s", err, stderr)
	}
	for _, want := range []string{"name: kasm-proxy-default", "name: kasm-db-init", charts.SourceAnnotation + ": kube-system/coturn"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("expand output lacks %q", want)
		}
	}
	if !strings.Contains(stderr, "known gaps no value fixes") || !strings.Contains(stderr, "charts.coturn.mode: inline") {
		t.Errorf("expand stderr:\n%s", stderr)
	}

	out, stderr, err = execute(t, nil, "validate", "--expand-charts", dir)
	if err != nil || !strings.Contains(out, "inside the charts helm-controller installs") || !strings.Contains(stderr, "Deployment kasm/kasm-proxy") {
		t.Errorf("validate --expand-charts: %v\n%s\n%s", err, out, stderr)
	}

	// A plain pull keeps what --all pulled, and fetches nothing.
	before := repo.Requests()
	out, _, err = execute(t, nil, "pull", dir)
	if err != nil || !strings.Contains(out, "charts.kasm: kasm 1.1181.1 up to date") || !strings.Contains(out, "nothing changed") {
		t.Errorf("plain pull after --all: %v\n%s", err, out)
	}
	if repo.Requests() != before {
		t.Errorf("a pull of locked archives made %d requests", repo.Requests()-before)
	}
	if _, _, err := execute(t, nil, "lock", dir); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(dir, charts.LockFileName))
	must(t, err)
	if string(again) != string(lock) {
		t.Errorf("lock rewrote the lock pull --all wrote:\n%s\nwas:\n%s", again, lock)
	}
}
