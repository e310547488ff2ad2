package charttest

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"
)

// Repo is an HTTP chart repository served by the test on 127.0.0.1: files
// by path, handlers for the paths a case makes misbehave, and a count of
// requests per path.
type Repo struct {
	*httptest.Server
	mu       sync.Mutex
	files    map[string][]byte
	handlers map[string]http.HandlerFunc
	hits     map[string]int
}

// NewRepo starts an empty repository, stopped when the test ends.
func NewRepo(tb testing.TB) *Repo {
	r := &Repo{files: map[string][]byte{}, handlers: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Close)
	return r
}

func (r *Repo) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits[req.URL.Path]++
	h, hok := r.handlers[req.URL.Path]
	data, fok := r.files[req.URL.Path]
	r.mu.Unlock()
	switch {
	case hok:
		h(w, req)
	case fok:
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		_, _ = w.Write(data)
	default:
		http.NotFound(w, req)
	}
}

// Put serves data at path.
func (r *Repo) Put(path string, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.files[path] = data
}

// Handle serves path with h, before any file.
func (r *Repo) Handle(path string, h http.HandlerFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[path] = h
}

// Hits is how many requests asked for path.
func (r *Repo) Hits(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[path]
}

// Requests is how many requests the repository answered in all.
func (r *Repo) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, h := range r.hits {
		n += h
	}
	return n
}

// Index is a chart repository's index.yaml, the fields a pull reads.
type Index struct {
	APIVersion string                  `json:"apiVersion"`
	Entries    map[string][]IndexEntry `json:"entries"`
}

// IndexEntry is one chart version of an Index.
type IndexEntry struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	Digest  string   `json:"digest,omitempty"`
}

// Add lists an archive: name, version, its URL and the hex sha256 of data.
func (i *Index) Add(name, version, url string, data []byte) {
	if i.Entries == nil {
		i.Entries = map[string][]IndexEntry{}
	}
	sum := sha256.Sum256(data)
	i.Entries[name] = append(i.Entries[name], IndexEntry{Name: name, Version: version, URLs: []string{url}, Digest: hex.EncodeToString(sum[:])})
}

// YAML is the index as a repository serves it.
func (i *Index) YAML() []byte {
	if i.APIVersion == "" {
		i.APIVersion = "v1"
	}
	b, err := sigsyaml.Marshal(i)
	if err != nil {
		panic(err)
	}
	return b
}

// FixtureArchives archives the fixture charts under chartsDir: file name
// (<name>-<version>.tgz) to bytes.
func FixtureArchives(tb testing.TB, chartsDir string) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for name, version := range Fixtures {
		data, err := Archive(filepath.Join(chartsDir, name), name)
		if err != nil {
			tb.Fatal(err)
		}
		out[name+"-"+version+".tgz"] = data
	}
	return out
}

// FixtureRepo serves the fixture charts under chartsDir at the root of a
// new repository, with an index listing them by relative URLs and digests.
func FixtureRepo(tb testing.TB, chartsDir string) *Repo {
	tb.Helper()
	r := NewRepo(tb)
	var idx Index
	archives := FixtureArchives(tb, chartsDir)
	for name, version := range Fixtures {
		file := name + "-" + version + ".tgz"
		data := archives[file]
		r.Put("/"+file, data)
		idx.Add(name, version, file, data)
	}
	r.Put("/index.yaml", idx.YAML())
	return r
}

// RealRepoDir is the folder of real upstream chart archives
// (VDIRENDER_REAL_CHARTS, default ~/.cache/vdirender/real-charts), or ""
// when it holds no index.yaml. Real archives are never committed.
func RealRepoDir() string {
	dir := os.Getenv("VDIRENDER_REAL_CHARTS")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".cache", "vdirender", "real-charts")
	}
	if st, err := os.Stat(filepath.Join(dir, "index.yaml")); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return dir
}

// RealArchive is one archive of the real-charts folder, by its SHA256SUMS.
type RealArchive struct {
	File, Name, Version string
	// Digest is in the lock's form, sha256:<hex>.
	Digest string
}

// RealArchives lists the archives in SHA256SUMS of the real-charts folder
// dir, sorted by file; name and version are split at the file name's last
// dash.
func RealArchives(tb testing.TB, dir string) []RealArchive {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []RealArchive
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || !strings.HasSuffix(f[1], ".tgz") {
			tb.Fatalf("SHA256SUMS: unexpected line %q", line)
		}
		base := strings.TrimSuffix(f[1], ".tgz")
		i := strings.LastIndex(base, "-")
		out = append(out, RealArchive{File: f[1], Name: base[:i], Version: base[i+1:], Digest: "sha256:" + f[0]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out
}

// RealRepo serves the real-charts folder dir as it is: its index.yaml (with
// relative URLs) and every archive in SHA256SUMS.
func RealRepo(tb testing.TB, dir string) *Repo {
	tb.Helper()
	r := NewRepo(tb)
	files := []string{"index.yaml"}
	for _, a := range RealArchives(tb, dir) {
		files = append(files, a.File)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			tb.Fatal(err)
		}
		r.Put("/"+f, b)
	}
	return r
}
