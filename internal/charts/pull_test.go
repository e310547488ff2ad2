//go:build unix

package charts_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/input"
)

const fixtures = "../../testdata/charts"

// inlinePackage writes the inline test package with every inline chart
// pinned to repo.
func inlinePackage(t *testing.T, repo string) string {
	t.Helper()
	src, err := os.ReadFile("../../testdata/packages/inline/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := strings.ReplaceAll(string(src), "{mode: inline}", fmt.Sprintf("{mode: inline, repo: %q}", repo))
	if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(p), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func pull(t *testing.T, dir string, opts charts.PullOptions) (*charts.PullReport, error) {
	t.Helper()
	v, err := fn.PackageValues(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return charts.Pull(ctx, dir, v, opts)
}

// tree is what a directory holds: each entry's kind and content digest.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "link to " + target
		case d.IsDir():
			out[rel] = "dir"
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = charts.Digest(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hexDigest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestPull: a good pull writes the archives and the lock; a second pull
// fetches and writes nothing; --update fetches again and still writes
// nothing; the package builds; and `lock` writes the same lock.
func TestPull(t *testing.T) {
	repo := charttest.FixtureRepo(t, fixtures)
	dir := inlinePackage(t, repo.URL)
	report, err := pull(t, dir, charts.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"charts/coturn-9.4.0.tgz", "charts/postgresql-15.3.1.tgz", "charts/redis-21.2.13.tgz", charts.LockFileName}
	if diff := cmp.Diff(want, sortedCopy(report.Written)); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	archives := charttest.FixtureArchives(t, fixtures)
	lock, err := charts.ReadLock(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range report.Charts {
		if c.State != charts.Pulled || c.Source != repo.URL+"/"+filepath.Base(c.Archive) {
			t.Errorf("%s: %s from %q", c.Key, c.State, c.Source)
		}
		got, err := os.ReadFile(filepath.Join(dir, c.Archive))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, archives[filepath.Base(c.Archive)]) {
			t.Errorf("%s: the archive written is not the one served", c.Archive)
		}
		e, ok := lock.Entry(c.Key)
		if !ok || e.Digest != charts.Digest(got) || e.Repo != repo.URL || e.Version != c.Version {
			t.Errorf("%s: lock entry %+v", c.Key, e)
		}
	}
	before, requests := tree(t, dir), repo.Requests()

	// Second pull: everything in place, nothing fetched or written.
	report, err = pull(t, dir, charts.PullOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Written) != 0 || repo.Requests() != requests {
		t.Errorf("second pull wrote %v and made %d requests", report.Written, repo.Requests()-requests)
	}
	for _, c := range report.Charts {
		if c.State != charts.Current {
			t.Errorf("%s: %s on the second pull", c.Key, c.State)
		}
	}
	if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
		t.Errorf("second pull changed the package:\n%s", diff)
	}

	// --update fetches again; the same bytes change nothing.
	report, err = pull(t, dir, charts.PullOptions{Update: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Written) != 0 || repo.Requests() == requests {
		t.Errorf("--update wrote %v after %d requests", report.Written, repo.Requests()-requests)
	}
	for _, c := range report.Charts {
		if c.State != charts.Same {
			t.Errorf("%s: %s on --update", c.Key, c.State)
		}
	}
	if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
		t.Errorf("--update changed the package:\n%s", diff)
	}

	// `lock` on the pulled archives writes the same lock.
	v, err := fn.PackageValues(dir)
	if err != nil {
		t.Fatal(err)
	}
	relock, err := charts.LockForPackage(dir, v)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := relock.Bytes()
	if onDisk, _ := os.ReadFile(filepath.Join(dir, charts.LockFileName)); !bytes.Equal(b, onDisk) {
		t.Errorf("lock and pull disagree:\n%s\n%s", b, onDisk)
	}
	// And the package renders from what was pulled.
	if _, _, err := fn.Build(dir); err != nil {
		t.Fatalf("build after pull: %v", err)
	}
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestPullRepoLayouts: archive URLs relative to a repo with a path, and
// absolute ones, resolve as Helm resolves them; a same-host redirect is
// followed; another host is followed when allowed.
func TestPullRepoLayouts(t *testing.T) {
	archives := charttest.FixtureArchives(t, fixtures)
	other := charttest.NewRepo(t)
	tests := []struct {
		name   string
		repo   func(r *charttest.Repo) string // sets the repo up, returns its URL
		allow  func() []string
		source string // want the redis archive fetched from here, after the repo URL
	}{
		{"repo with a path, relative URLs", func(r *charttest.Repo) string {
			var idx charttest.Index
			for name, version := range charttest.Fixtures {
				f := name + "-" + version + ".tgz"
				idx.Add(name, version, "archives/"+f, archives[f])
				r.Put("/stable/archives/"+f, archives[f])
			}
			r.Put("/stable/index.yaml", idx.YAML())
			return r.URL + "/stable"
		}, nil, "/stable/archives/redis-21.2.13.tgz"},
		{"absolute URLs", func(r *charttest.Repo) string {
			var idx charttest.Index
			for name, version := range charttest.Fixtures {
				f := name + "-" + version + ".tgz"
				idx.Add(name, version, r.URL+"/abs/"+f, archives[f])
				r.Put("/abs/"+f, archives[f])
			}
			r.Put("/repo/index.yaml", idx.YAML())
			return r.URL + "/repo/"
		}, nil, "/abs/redis-21.2.13.tgz"},
		{"redirect within the host", func(r *charttest.Repo) string {
			var idx charttest.Index
			for name, version := range charttest.Fixtures {
				f := name + "-" + version + ".tgz"
				idx.Add(name, version, f, archives[f])
				r.Put("/moved/"+f, archives[f])
				r.Handle("/"+f, func(w http.ResponseWriter, req *http.Request) {
					http.Redirect(w, req, "/moved/"+f, http.StatusFound)
				})
			}
			r.Put("/index.yaml", idx.YAML())
			return r.URL
		}, nil, "/redis-21.2.13.tgz"},
		{"redirect to an allowed host", func(r *charttest.Repo) string {
			var idx charttest.Index
			for name, version := range charttest.Fixtures {
				f := name + "-" + version + ".tgz"
				idx.Add(name, version, f, archives[f])
				other.Put("/cdn/"+f, archives[f])
				r.Handle("/"+f, func(w http.ResponseWriter, req *http.Request) {
					http.Redirect(w, req, other.URL+"/cdn/"+f, http.StatusTemporaryRedirect)
				})
			}
			r.Put("/index.yaml", idx.YAML())
			return r.URL
		}, func() []string { return []string{strings.TrimPrefix(other.URL, "http://")} }, "/redis-21.2.13.tgz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := charttest.NewRepo(t)
			url := tt.repo(r)
			dir := inlinePackage(t, url)
			var opts charts.PullOptions
			if tt.allow != nil {
				opts.Fetcher.AllowRedirectHosts = tt.allow()
			}
			report, err := pull(t, dir, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range report.Charts {
				if c.Key == "redis" && c.Source != r.URL+tt.source {
					t.Errorf("redis from %s, want %s", c.Source, r.URL+tt.source)
				}
				got, _ := os.ReadFile(filepath.Join(dir, c.Archive))
				if !bytes.Equal(got, archives[filepath.Base(c.Archive)]) {
					t.Errorf("%s: not the archive served", c.Archive)
				}
			}
		})
	}
}

// TestPullRefuses: every refusal names its cause and leaves the package as
// it was.
func TestPullRefuses(t *testing.T) {
	archives := charttest.FixtureArchives(t, fixtures)
	redis := "/redis-21.2.13.tgz"
	// reindex serves an index in which redis is listed as e says.
	reindex := func(r *charttest.Repo, e charttest.IndexEntry) {
		var idx charttest.Index
		for name, version := range charttest.Fixtures {
			f := name + "-" + version + ".tgz"
			idx.Add(name, version, f, archives[f])
		}
		idx.Entries["redis"] = []charttest.IndexEntry{e}
		r.Put("/index.yaml", idx.YAML())
	}
	redisEntry := func() charttest.IndexEntry {
		return charttest.IndexEntry{Name: "redis", Version: "21.2.13", URLs: []string{"redis-21.2.13.tgz"}, Digest: hexDigest(archives["redis-21.2.13.tgz"])}
	}
	// serveArchive serves a redis archive and lists its digest.
	serveArchive := func(r *charttest.Repo, data []byte) {
		r.Put(redis, data)
		e := redisEntry()
		e.Digest = hexDigest(data)
		reindex(r, e)
	}
	other := charttest.NewRepo(t)
	other.Put(redis, archives["redis-21.2.13.tgz"])
	outside := t.TempDir()

	tests := []struct {
		name   string
		setup  func(t *testing.T, r *charttest.Repo, dir string)
		opts   charts.PullOptions
		want   string
		errIs  error
		mutate bool // the setup changed the package; compare with after setup
	}{
		{name: "bad digest in index", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			e := redisEntry()
			e.Digest = hexDigest([]byte("something else"))
			reindex(r, e)
		}, want: "but " + "http://"},
		{name: "digest in index not a sha256", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			e := redisEntry()
			e.Digest = "md5:1234"
			reindex(r, e)
		}, want: `digest "md5:1234" is not a sha256`},
		{name: "wrong version in archive", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			data, err := charttest.ArchiveReplacing(fixtures+"/redis", "redis", map[string]string{"Chart.yaml": "apiVersion: v2\nname: redis\nversion: 21.2.12\n"})
			if err != nil {
				t.Fatal(err)
			}
			serveArchive(r, data)
		}, want: "redis-21.2.13.tgz holds redis 21.2.12, not redis 21.2.13"},
		{name: "wrong name in archive", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			data, err := charttest.ArchiveReplacing(fixtures+"/redis", "redis", map[string]string{"Chart.yaml": "apiVersion: v2\nname: valkey\nversion: 21.2.13\n"})
			if err != nil {
				t.Fatal(err)
			}
			serveArchive(r, data)
		}, want: "holds valkey 21.2.13, not redis 21.2.13"},
		{name: "wrong name in index entry", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			e := redisEntry()
			e.Name = "valkey"
			reindex(r, e)
		}, want: `the entry of redis 21.2.13 names the chart "valkey"`},
		{name: "version not in index", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			e := redisEntry()
			e.Version = "21.2.12"
			reindex(r, e)
		}, want: "no version 21.2.13 of redis (1 other versions listed)"},
		{name: "index lists a file URL", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			e := redisEntry()
			e.URLs = []string{"file:///etc/passwd"}
			reindex(r, e)
		}, want: "is at file:///etc/passwd: archives are fetched over http(s) only"},
		{name: "index without apiVersion", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Put("/index.yaml", []byte("entries: {}\n"))
		}, want: "not a chart repository index: no apiVersion"},
		{name: "index that is a YAML bomb", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Put("/index.yaml", []byte(bomb()))
		}, want: "index.yaml: invalid YAML", errIs: input.ErrInvalid},
		{name: "index announced too large", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle("/index.yaml", func(w http.ResponseWriter, req *http.Request) {
				w.Header().Set("Content-Length", fmt.Sprint(input.MaxIndexBytes+1))
				w.WriteHeader(http.StatusOK)
			})
		}, want: fmt.Sprintf("index.yaml: response is %d bytes, more than the %d allowed", input.MaxIndexBytes+1, input.MaxIndexBytes), errIs: input.ErrTooLarge},
		{name: "oversized archive", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			serveArchive(r, make([]byte, input.MaxArchiveBytes+1))
		}, want: "more than the 16777216 allowed", errIs: input.ErrTooLarge},
		{name: "oversized archive without a length", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle(redis, func(w http.ResponseWriter, req *http.Request) {
				chunk := make([]byte, 1<<20)
				for i := 0; i <= input.MaxArchiveBytes>>20; i++ {
					if _, err := w.Write(chunk); err != nil {
						return
					}
					w.(http.Flusher).Flush()
				}
			})
		}, want: "response is larger than the 16777216 bytes allowed", errIs: input.ErrTooLarge},
		{name: "archive with a path out of the chart", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			data, err := charttest.Archive(fixtures+"/redis", "redis", charttest.Entry{Name: "redis/../../evil.yaml", Body: "x: 1"})
			if err != nil {
				t.Fatal(err)
			}
			serveArchive(r, data)
		}, want: "redis/../../evil.yaml leaves the chart directory"},
		{name: "archive with a link", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			data, err := charttest.Archive(fixtures+"/redis", "redis", charttest.Entry{Name: "redis/templates/x.yaml", Typeflag: '2', Linkname: "/etc/passwd"})
			if err != nil {
				t.Fatal(err)
			}
			serveArchive(r, data)
		}, want: "is a link"},
		{name: "not a gzip archive", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			serveArchive(r, []byte("<html>login</html>"))
		}, want: "not a gzip archive"},
		{name: "archive 404", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle(redis, http.NotFound)
		}, want: "redis-21.2.13.tgz: 404 Not Found"},
		{name: "index 404", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle("/index.yaml", http.NotFound)
		}, want: "index.yaml: 404 Not Found"},
		{name: "redirect to another host", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle(redis, func(w http.ResponseWriter, req *http.Request) {
				http.Redirect(w, req, other.URL+redis, http.StatusFound)
			})
		}, want: "vdirender follows redirects within the host " + "127.0.0.1:"},
		{name: "redirect to another scheme", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle(redis, func(w http.ResponseWriter, req *http.Request) {
				http.Redirect(w, req, "ftp://127.0.0.1/redis.tgz", http.StatusFound)
			})
		}, want: "only http and https are followed"},
		{name: "redirect loop", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle(redis, func(w http.ResponseWriter, req *http.Request) {
				http.Redirect(w, req, redis, http.StatusFound)
			})
		}, want: "stopped after 10 redirects"},
		{name: "timeout", setup: func(t *testing.T, r *charttest.Repo, dir string) {
			r.Handle(redis, func(w http.ResponseWriter, req *http.Request) {
				<-req.Context().Done()
			})
		}, want: "context deadline exceeded", errIs: context.DeadlineExceeded},
		{name: "lock pins another digest", mutate: true, setup: func(t *testing.T, r *charttest.Repo, dir string) {
			writeLock(t, dir, r.URL, "sha256:"+strings.Repeat("0", 64))
		}, want: "but vdirender.lock.yaml pins sha256:0000"},
		{name: "another archive in place", mutate: true, setup: func(t *testing.T, r *charttest.Repo, dir string) {
			must(t, os.MkdirAll(filepath.Join(dir, "charts"), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, "charts", "redis-21.2.13.tgz"), archives["postgresql-15.3.1.tgz"], 0o644))
		}, want: "charts/redis-21.2.13.tgz is already there with digest"},
		{name: "archive in place is a link", mutate: true, setup: func(t *testing.T, r *charttest.Repo, dir string) {
			must(t, os.MkdirAll(filepath.Join(dir, "charts"), 0o755))
			must(t, os.Symlink(filepath.Join(outside, "x.tgz"), filepath.Join(dir, "charts", "redis-21.2.13.tgz")))
		}, want: "redis-21.2.13.tgz: is a symbolic link", errIs: input.ErrLink},
		{name: "lock is a link", mutate: true, setup: func(t *testing.T, r *charttest.Repo, dir string) {
			must(t, os.WriteFile(filepath.Join(outside, "lock"), []byte("apiVersion: x\n"), 0o644))
			must(t, os.Symlink(filepath.Join(outside, "lock"), filepath.Join(dir, charts.LockFileName)))
		}, want: "is a symbolic link", errIs: input.ErrLink},
		{name: "charts directory is a link out", mutate: true, setup: func(t *testing.T, r *charttest.Repo, dir string) {
			must(t, os.Symlink(outside, filepath.Join(dir, "charts")))
		}, want: "charts: is a symbolic link", errIs: input.ErrLink},
		{name: "charts directory is a link inside", mutate: true, setup: func(t *testing.T, r *charttest.Repo, dir string) {
			must(t, os.Mkdir(filepath.Join(dir, "vendor"), 0o755))
			must(t, os.Symlink("vendor", filepath.Join(dir, "charts")))
		}, want: "charts: is a symbolic link", errIs: input.ErrLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := charttest.FixtureRepo(t, fixtures)
			dir := inlinePackage(t, r.URL)
			// The values are read first: the package walk would refuse
			// the links some cases make before Pull sees them.
			v, err := fn.PackageValues(dir)
			if err != nil {
				t.Fatal(err)
			}
			before := tree(t, dir)
			tt.setup(t, r, dir)
			if tt.mutate {
				before = tree(t, dir)
			}
			outsideBefore := tree(t, outside)
			opts := tt.opts
			timeout := 30 * time.Second
			if tt.name == "timeout" {
				timeout = 300 * time.Millisecond
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			_, err = charts.Pull(ctx, dir, v, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("want an error containing %q, got %v", tt.want, err)
			}
			t.Logf("refused: %v", err)
			if tt.errIs != nil && !errors.Is(err, tt.errIs) {
				t.Errorf("error %v is not %v", err, tt.errIs)
			}
			if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
				t.Errorf("the package changed:\n%s", diff)
			}
			if diff := cmp.Diff(outsideBefore, tree(t, outside)); diff != "" {
				t.Errorf("a directory outside the package changed:\n%s", diff)
			}
		})
	}
	if n := other.Hits(redis); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}
}

// TestPullUpdate: --update accepts what plain pull refuses: a digest the
// lock pins differently, an archive in place that differs.
func TestPullUpdate(t *testing.T) {
	archives := charttest.FixtureArchives(t, fixtures)
	tests := []struct {
		name  string
		setup func(t *testing.T, r *charttest.Repo, dir string)
	}{
		{"lock pins another digest", func(t *testing.T, r *charttest.Repo, dir string) {
			writeLock(t, dir, r.URL, "sha256:"+strings.Repeat("0", 64))
		}},
		{"another archive in place", func(t *testing.T, r *charttest.Repo, dir string) {
			must(t, os.MkdirAll(filepath.Join(dir, "charts"), 0o755))
			must(t, os.WriteFile(filepath.Join(dir, "charts", "redis-21.2.13.tgz"), []byte("by hand"), 0o644))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := charttest.FixtureRepo(t, fixtures)
			dir := inlinePackage(t, r.URL)
			tt.setup(t, r, dir)
			if _, err := pull(t, dir, charts.PullOptions{}); err == nil {
				t.Fatal("pull without --update accepted it")
			}
			if _, err := pull(t, dir, charts.PullOptions{Update: true}); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(filepath.Join(dir, "charts", "redis-21.2.13.tgz"))
			if !bytes.Equal(got, archives["redis-21.2.13.tgz"]) {
				t.Error("--update did not write the archive served")
			}
			lock, err := charts.ReadLock(dir)
			if err != nil {
				t.Fatal(err)
			}
			if e, _ := lock.Entry("redis"); e.Digest != charts.Digest(got) {
				t.Errorf("lock pins %s", e.Digest)
			}
		})
	}
}

// TestPullNothingInline: a package without inline charts pulls nothing and
// writes no lock.
func TestPullNothingInline(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "platform.yaml"), src, 0o644))
	report, err := pull(t, dir, charts.PullOptions{})
	if err != nil || len(report.Charts) != 0 || len(report.Written) != 0 {
		t.Fatalf("report %+v, err %v", report, err)
	}
	if _, err := os.Stat(filepath.Join(dir, charts.LockFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a lock was written: %v", err)
	}
}

// writeLock writes a lock pinning redis 21.2.13 from repo at digest.
func writeLock(t *testing.T, dir, repo, digest string) {
	t.Helper()
	l := charts.NewLock()
	l.Charts = []charts.LockEntry{{Key: "redis", Name: "redis", Repo: repo, Version: "21.2.13", Archive: "charts/redis-21.2.13.tgz", Digest: digest}}
	must(t, l.Write(dir))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// bomb is a billion-laughs document.
func bomb() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\na: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		b.WriteString(string(c) + ": &" + string(c) + " [")
		for i := range 10 {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = string(c)
	}
	return b.String()
}
