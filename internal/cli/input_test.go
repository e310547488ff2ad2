//go:build unix

package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vdirender/vdirender/internal/charttest"
)

// token is what a hostile package tries to leak: it must never appear in
// anything a command prints or returns.
const token = "vdirender-cli-test-token-9d41e7"

// kubeconfig writes a fake kubeconfig outside every package. It is a valid
// KRM object, so a reader that followed a link to it would render it.
func kubeconfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	body := "apiVersion: v1\nkind: Config\nmetadata:\n  name: ci\nusers:\n- name: ci\n  user:\n    token: " + token + "\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// billionLaughs is a few hundred bytes that expand to 10^9 nodes.
func billionLaughs() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	for i, c := range "bcdefghi" {
		prev := string("abcdefgh"[i])
		b.WriteString(string(c) + ": &" + string(c) + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+", ", 10), ", ") + "]\n")
	}
	return b.String()
}

// runWithin runs a command and fails the test if it has not returned in
// time: a FIFO must never make a command wait.
func runWithin(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type result struct {
		stdout, stderr string
		err            error
	}
	done := make(chan result, 1)
	go func() {
		o, e, err := execute(t, nil, args...)
		done <- result{o, e, err}
	}()
	select {
	case r := <-done:
		return r.stdout, r.stderr, r.err
	case <-ctx.Done():
		t.Fatalf("%v hung", args)
		return "", "", nil
	}
}

// TestHostilePackages runs every command that reads a package on packages
// that try to leak a file outside themselves, block, or exhaust memory:
// each must fail, print nothing on stdout (and write nothing) for build,
// and never show the secret anywhere.
func TestHostilePackages(t *testing.T) {
	platform, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	must(t, err)
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		// discoverable: discover still finds platform.yaml (it skips what
		// the gate refuses; build names the problem).
		discoverable bool
		want         string // in stderr or the error
	}{
		{"link to a kubeconfig outside the package", func(t *testing.T, dir string) {
			must(t, os.Symlink(kubeconfig(t), filepath.Join(dir, "token.yaml")))
		}, true, "token.yaml: is a symbolic link"},
		{"link named as no reader reads", func(t *testing.T, dir string) {
			must(t, os.Symlink(kubeconfig(t), filepath.Join(dir, "kubeconfig")))
		}, true, "kubeconfig: is a symbolic link"},
		{"linked directory holding a kubeconfig", func(t *testing.T, dir string) {
			outside := t.TempDir()
			must(t, os.Symlink(kubeconfig(t), filepath.Join(outside, "config.yaml")))
			must(t, os.WriteFile(filepath.Join(outside, "copy.yaml"), []byte("apiVersion: v1\nkind: Config\nmetadata: {name: x}\ntoken: "+token+"\n"), 0o644))
			must(t, os.Symlink(outside, filepath.Join(dir, "base")))
		}, true, "base: is a symbolic link"},
		{"link loop", func(t *testing.T, dir string) {
			must(t, os.Symlink("loop-b.yaml", filepath.Join(dir, "loop-a.yaml")))
			must(t, os.Symlink("loop-a.yaml", filepath.Join(dir, "loop-b.yaml")))
		}, true, "loop-a.yaml: is a symbolic link"},
		{"link to /dev/zero", func(t *testing.T, dir string) {
			must(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
		}, true, "zero.yaml: is a symbolic link"},
		{"FIFO", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
				t.Skip(err)
			}
		}, true, "pipe.yaml: is a named pipe (FIFO), not a regular file"},
		{"oversized YAML", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "big.yaml"), []byte("a: "+strings.Repeat("x", 4<<20)+"\n"), 0o644))
		}, true, "big.yaml: file is 4194308 bytes, more than the 4194304 allowed"},
		{"oversized JSON", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "big.json"), []byte(`{"a": "`+strings.Repeat("x", 4<<20)+`"}`), 0o644))
		}, true, "big.json: file is 4194313 bytes, more than the 4194304 allowed"},
		{"billion laughs in JSON", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "lol.json"), []byte(billionLaughs()), 0o644))
		}, true, "lol.json: invalid YAML: a document would expand its YAML aliases"},
		{"billion laughs in YAML", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "lol.yaml"), []byte(billionLaughs()), 0o644))
		}, true, "lol.yaml: invalid YAML: a document would expand its YAML aliases"},
		{"non-UTF-8 JSON", func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, "latin1.json"), []byte("{\"a\": \"caf\xe9\"}"), 0o644))
		}, true, "latin1.json: invalid YAML: input is not valid UTF-8"},
		{"platform file that is a link", func(t *testing.T, dir string) {
			must(t, os.Rename(filepath.Join(dir, "platform.yaml"), filepath.Join(dir, "real.txt")))
			must(t, os.Symlink("real.txt", filepath.Join(dir, "platform.yaml")))
		}, false, "platform.yaml: is a symbolic link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			must(t, os.WriteFile(filepath.Join(dir, "platform.yaml"), platform, 0o644))
			tt.setup(t, dir)
			out := t.TempDir()
			for _, args := range [][]string{
				{"build", dir},
				{"build", dir, "-o", out},
				{"validate", dir},
				{"diff", "../../examples/k3s-single-node", dir},
				{"lock", dir},
				{"chart", dir, "-o", filepath.Join(out, "chart")},
				{"discover", dir},
			} {
				stdout, stderr, err := runWithin(t, args...)
				all := stdout + stderr
				if err != nil {
					all += err.Error()
				}
				if strings.Contains(all, token) {
					t.Errorf("%v leaks the token:\n%s", args, all)
				}
				if args[0] == "discover" {
					if tt.discoverable != (err == nil) {
						t.Errorf("discover: err %v, want discoverable %v", err, tt.discoverable)
					}
					continue
				}
				if err == nil {
					t.Errorf("%v succeeded", args)
				}
				if args[0] != "diff" && stdout != "" {
					t.Errorf("%v printed %d bytes on stdout", args, len(stdout))
				}
				if args[0] != "diff" && !strings.Contains(all, tt.want) {
					t.Errorf("%v: %q lacks %q", args, all, tt.want)
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("%d entries written under the output directory", len(entries))
			}
			if _, err := os.Lstat(filepath.Join(dir, "vdirender.lock.yaml")); err == nil {
				t.Error("lock wrote a lock file for a refused package")
			}
		})
	}
}

// TestHostileFiles names the hostile file itself on the command line.
func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	must(t, os.Symlink(kubeconfig(t), filepath.Join(dir, "values.yaml")))
	must(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
		t.Skip(err)
	}
	for _, f := range []string{"values.yaml", "zero.yaml", "pipe.yaml"} {
		p := filepath.Join(dir, f)
		for _, args := range [][]string{{"build", p}, {"validate", p}, {"diff", p, p}, {"chart", p, "-o", t.TempDir()}} {
			stdout, stderr, err := runWithin(t, args...)
			if err == nil || stdout != "" {
				t.Errorf("%v: err %v, %d bytes on stdout", args, err, len(stdout))
			}
			if all := stderr + err.Error(); strings.Contains(all, token) || !strings.Contains(all, p+": ") {
				t.Errorf("%v: %q must name the file and hold no content", args, all)
			}
		}
	}
	for _, p := range []string{"/dev/zero", "/dev/null"} {
		if stdout, stderr, err := runWithin(t, "build", p); err == nil || stdout != "" || !strings.Contains(stderr, p+": is a device") {
			t.Errorf("build %s: %v", p, err)
		}
	}
}

// TestHostileCharts covers what a package names: its lock file and its
// vendored archives.
func TestHostileCharts(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"lock file linked to a kubeconfig", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, "vdirender.lock.yaml")))
			must(t, os.Symlink(kubeconfig(t), filepath.Join(dir, "vdirender.lock.yaml")))
		}, "is a symbolic link"},
		{"archive linked to a kubeconfig", func(t *testing.T, dir string) {
			a := filepath.Join(dir, "charts", "redis-21.2.13.tgz")
			must(t, os.Remove(a))
			must(t, os.Symlink(kubeconfig(t), a))
		}, "redis-21.2.13.tgz: is a symbolic link"},
		{"archive that is a FIFO", func(t *testing.T, dir string) {
			a := filepath.Join(dir, "charts", "redis-21.2.13.tgz")
			must(t, os.Remove(a))
			if err := syscall.Mkfifo(a, 0o644); err != nil {
				t.Skip(err)
			}
		}, "redis-21.2.13.tgz: is a named pipe"},
		{"oversized archive", func(t *testing.T, dir string) {
			a := filepath.Join(dir, "charts", "redis-21.2.13.tgz")
			f, err := os.Create(a)
			must(t, err)
			must(t, f.Truncate(16<<20+1))
			must(t, f.Close())
		}, "redis-21.2.13.tgz: file is 16777217 bytes, more than the 16777216 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := charttest.LockedPackage(t, "../..")
			tt.setup(t, dir)
			// The package walk refuses links and FIFOs anywhere in the
			// package; a values file next to the charts has no walk, so
			// the lock and the archives are read on their own.
			values := filepath.Join(dir, "platform.yaml")
			// pull is refused by the gate before it would fetch anything
			// (the package's repos are the real ones).
			for _, args := range [][]string{{"build", dir}, {"build", values}, {"lock", dir}, {"pull", dir}, {"chart", dir, "-o", t.TempDir()}, {"chart", values, "-o", t.TempDir()}} {
				stdout, stderr, err := runWithin(t, args...)
				if err == nil && args[0] == "chart" && args[1] == values && strings.HasPrefix(tt.name, "lock") {
					continue // the operator chart reads the archives, not the lock
				}
				if err == nil || stdout != "" {
					t.Fatalf("%v: err %v, stdout %d bytes", args, err, len(stdout))
				}
				all := stderr + err.Error()
				if strings.Contains(all, token) {
					t.Errorf("%v leaks the token: %s", args, all)
				}
				if args[0] != "lock" && !strings.Contains(all, tt.want) {
					t.Errorf("%v: %q lacks %q", args, all, tt.want)
				}
			}
		})
	}
	// lock writes inside the package only: a lock file linked out of it is
	// not written through.
	dir := charttest.LockedPackage(t, "../..")
	victim := filepath.Join(t.TempDir(), "victim")
	must(t, os.WriteFile(victim, []byte("untouched\n"), 0o644))
	must(t, os.Remove(filepath.Join(dir, "vdirender.lock.yaml")))
	must(t, os.Symlink(victim, filepath.Join(dir, "vdirender.lock.yaml")))
	if _, _, err := runWithin(t, "lock", dir); err == nil {
		t.Error("lock wrote through a link")
	}
	if b, _ := os.ReadFile(victim); string(b) != "untouched\n" {
		t.Errorf("lock overwrote the file a link pointed at: %q", b)
	}
}

// TestHostileGitRevisions covers diff --rev: links and oversized files at
// the revision, and revisions that try to be options.
func TestHostileGitRevisions(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	git := gitIn(t, repo)
	git("init", "-q")
	for _, d := range []string{"linked", "big", "many", "lol"} {
		must(t, os.MkdirAll(filepath.Join(repo, d), 0o755))
		must(t, os.WriteFile(filepath.Join(repo, d, "ok.yaml"), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n"), 0o644))
	}
	must(t, os.Symlink(kubeconfig(t), filepath.Join(repo, "linked", "token.yaml")))
	must(t, os.WriteFile(filepath.Join(repo, "big", "big.yaml"), []byte("a: "+strings.Repeat("x", 4<<20)+"\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(repo, "lol", "lol.yaml"), []byte(billionLaughs()), 0o644))
	git("add", ".")
	git("commit", "-qm", "hostile")
	// The working tree is harmless now: only the revision is hostile.
	must(t, os.Remove(filepath.Join(repo, "linked", "token.yaml")))
	must(t, os.Remove(filepath.Join(repo, "big", "big.yaml")))
	must(t, os.Remove(filepath.Join(repo, "lol", "lol.yaml")))
	t.Chdir(repo)

	tests := []struct {
		rev, path, want string
	}{
		{"HEAD", "linked", "linked/token.yaml at HEAD: is a symbolic link"},
		{"HEAD", "big", "big/big.yaml at HEAD: file is 4194308 bytes, more than the 4194304 allowed"},
		{"HEAD", "lol", "lol/lol.yaml at HEAD: invalid YAML: a document would expand its YAML aliases"},
		{"--output=" + filepath.Join(repo, "pwned"), "many", "may not start with '-'"},
		{"-h", "many", "may not start with '-'"},
		{"HEAD --output=x", "many", "may not hold spaces"},
		{"nosuchrev", "many", "is not a commit"},
	}
	for _, tt := range tests {
		t.Run(tt.rev+" "+tt.path, func(t *testing.T) {
			stdout, stderr, err := runWithin(t, "diff", "--rev", tt.rev, tt.path)
			if err == nil {
				t.Fatalf("succeeded: %s", stdout)
			}
			all := stdout + stderr + err.Error()
			if strings.Contains(all, token) || strings.Contains(all, "xxxxxxxx") {
				t.Errorf("leaks content: %.300s", all)
			}
			if !strings.Contains(all, tt.want) {
				t.Errorf("%q lacks %q", all, tt.want)
			}
		})
	}
	if _, err := os.Lstat(filepath.Join(repo, "pwned")); err == nil {
		t.Error("a revision was taken as an option")
	}
	if stdout, _, err := runWithin(t, "diff", "--rev", "HEAD", "many"); err != nil || !strings.Contains(stdout, "no differences") {
		t.Errorf("a good revision: %v %s", err, stdout)
	}
}

// TestTooManyFiles: a package with more files to read than the walk allows
// is refused before any of them is parsed.
func TestTooManyFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 10,001 files")
	}
	dir := t.TempDir()
	platform, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "platform.yaml"), platform, 0o644))
	must(t, os.Mkdir(filepath.Join(dir, "many"), 0o755))
	for i := range 10_000 {
		must(t, os.WriteFile(filepath.Join(dir, "many", strconv.Itoa(i)+".yaml"), []byte("a: 1\n"), 0o644))
	}
	stdout, stderr, err := runWithin(t, "build", dir)
	if err == nil || stdout != "" || !strings.Contains(stderr, dir+": the package has more than the 10000 files allowed") {
		t.Errorf("err %v, stdout %d bytes, stderr %s", err, len(stdout), stderr)
	}
}
