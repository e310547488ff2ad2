//go:build unix

package charts

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResolveURL: archive URLs of an index resolve as Helm resolves them.
func TestResolveURL(t *testing.T) {
	tests := []struct{ repo, ref, want string }{
		{"https://charts.example.com", "redis-1.0.0.tgz", "https://charts.example.com/redis-1.0.0.tgz"},
		{"https://charts.example.com/", "redis-1.0.0.tgz", "https://charts.example.com/redis-1.0.0.tgz"},
		{"https://example.com/charts/stable", "redis-1.0.0.tgz", "https://example.com/charts/stable/redis-1.0.0.tgz"},
		{"https://example.com/charts/stable/", "pkg/redis-1.0.0.tgz", "https://example.com/charts/stable/pkg/redis-1.0.0.tgz"},
		{"https://example.com/charts/stable", "/abs/redis-1.0.0.tgz", "https://example.com/abs/redis-1.0.0.tgz"},
		{"https://example.com/charts/stable", "../other/redis-1.0.0.tgz", "https://example.com/charts/other/redis-1.0.0.tgz"},
		{"https://example.com/charts", "index.yaml", "https://example.com/charts/index.yaml"},
		// The repo's query (a token some repositories take) is kept on
		// relative URLs, not on absolute ones.
		{"https://example.com/charts?token=x", "redis-1.0.0.tgz", "https://example.com/charts/redis-1.0.0.tgz?token=x"},
		{"https://example.com/charts?token=x", "https://cdn.example.com/redis-1.0.0.tgz", "https://cdn.example.com/redis-1.0.0.tgz"},
		{"https://example.com/charts", "https://github.com/o/r/releases/download/redis-1.0.0/redis-1.0.0.tgz", "https://github.com/o/r/releases/download/redis-1.0.0/redis-1.0.0.tgz"},
		{"https://example.com/my%2Fcharts", "redis-1.0.0.tgz", "https://example.com/my%2Fcharts/redis-1.0.0.tgz"},
	}
	for _, tt := range tests {
		t.Run(tt.repo+" "+tt.ref, func(t *testing.T) {
			repo, err := url.Parse(tt.repo)
			if err != nil {
				t.Fatal(err)
			}
			got, err := resolveURL(repo, tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// TestCheckRedirect: within the host of the first request, an http to
// https upgrade on the default ports, or an allowed host; never down to
// http, never another scheme, at most ten times.
func TestCheckRedirect(t *testing.T) {
	tests := []struct {
		name    string
		via     []string // the requests so far, the first one first
		to      string
		allow   []string
		wantErr string // "" follows
	}{
		{"same host", []string{"https://charts.example.com/a.tgz"}, "https://charts.example.com/b/a.tgz", nil, ""},
		{"same host, other case", []string{"https://charts.example.com/a.tgz"}, "https://CHARTS.example.com/a.tgz", nil, ""},
		{"http to https on the default ports", []string{"http://charts.example.com/a.tgz"}, "https://charts.example.com/a.tgz", nil, ""},
		{"another host", []string{"https://charts.example.com/a.tgz"}, "https://cdn.example.net/a.tgz", nil, "pass --allow-redirect cdn.example.net"},
		{"a subdomain is another host", []string{"https://example.com/a.tgz"}, "https://evil.example.com/a.tgz", nil, "within the host example.com only"},
		{"another port", []string{"http://127.0.0.1:8080/a.tgz"}, "http://127.0.0.1:9090/a.tgz", nil, "within the host 127.0.0.1:8080 only"},
		{"https to http on the same host", []string{"https://charts.example.com/a.tgz"}, "http://charts.example.com/a.tgz", nil, "from https to http is never followed"},
		{"another scheme", []string{"https://charts.example.com/a.tgz"}, "file:///etc/passwd", nil, "from https to file is never followed"},
		{"an allowed host", []string{"https://github.com/o/r/releases/download/a.tgz"}, "https://objects.githubusercontent.com/x", []string{"objects.githubusercontent.com"}, ""},
		{"an allowed host and port", []string{"http://127.0.0.1:8080/a.tgz"}, "http://127.0.0.1:9090/a.tgz", []string{"127.0.0.1:9090"}, ""},
		{"an allowed host, another port", []string{"http://127.0.0.1:8080/a.tgz"}, "http://127.0.0.1:9091/a.tgz", []string{"127.0.0.1:9090"}, "within the host"},
		{"back to the first host after an allowed one", []string{"https://a.example/x", "https://cdn.example/y"}, "https://a.example/z", []string{"cdn.example"}, ""},
		{"ten redirects", strings.Split(strings.Repeat("https://a.example/x ", 10), " ")[:10], "https://a.example/x", nil, "stopped after 10 redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &Fetcher{AllowRedirectHosts: tt.allow}
			var via []*http.Request
			for _, v := range tt.via {
				via = append(via, request(t, v))
			}
			err := f.checkRedirect(request(t, tt.to), via)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func request(t *testing.T, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestWriteFiles: links on the way or in place are refused, and a refusal
// leaves nothing behind, not even a directory made for an earlier file.
func TestWriteFiles(t *testing.T) {
	outside := t.TempDir()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		files []fileWrite
		want  string // "" writes
	}{
		{"new directories", nil, []fileWrite{{"charts/a/b.tgz", []byte("b")}, {"lock.yaml", []byte("l")}}, ""},
		{"a file replaced", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "lock.yaml"), "old")
		}, []fileWrite{{"lock.yaml", []byte("new")}}, ""},
		{"a directory that is a link", func(t *testing.T, dir string) {
			if err := os.Symlink(outside, filepath.Join(dir, "charts")); err != nil {
				t.Fatal(err)
			}
		}, []fileWrite{{"charts/a.tgz", []byte("a")}}, "charts: is a symbolic link"},
		{"a file that is a link", func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(outside, "victim"), filepath.Join(dir, "lock.yaml")); err != nil {
				t.Fatal(err)
			}
		}, []fileWrite{{"lock.yaml", []byte("l")}}, "lock.yaml: is a symbolic link"},
		{"a directory that is a file, after a good one", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "vendor"), "a file")
		}, []fileWrite{{"charts/a.tgz", []byte("a")}, {"vendor/b.tgz", []byte("b")}}, "vendor: is not a directory"},
		{"a path out of the package", nil, []fileWrite{{"../x.tgz", []byte("x")}}, "not a path inside the package"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			before := listDir(t, dir)
			err := writeFiles(dir, tt.files)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range tt.files {
					if b, err := os.ReadFile(filepath.Join(dir, f.Path)); err != nil || string(b) != string(f.Data) {
						t.Errorf("%s: %q, %v", f.Path, b, err)
					}
				}
				for _, name := range listDir(t, dir) {
					if strings.Contains(name, ".tmp-") {
						t.Errorf("left %s behind", name)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if after := listDir(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("the package changed: %v -> %v", before, after)
			}
			if names := listDir(t, outside); len(names) != 1 {
				t.Errorf("wrote outside the package: %v", names)
			}
		})
	}
}

func mustWrite(t *testing.T, p, body string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listDir lists every path under dir, links not followed.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
