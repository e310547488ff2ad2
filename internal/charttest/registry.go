package charttest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// OCI media types a Helm chart is pushed with.
const (
	ManifestMediaType = "application/vnd.oci.image.manifest.v1+json"
	ConfigMediaType   = "application/vnd.cncf.helm.config.v1+json"
	ChartMediaType    = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
)

// Registry speaks the part of the OCI distribution API a pull uses, on
// 127.0.0.1: manifests by tag, blobs by digest, and an anonymous bearer
// token challenge as Docker Hub and GHCR answer.
type Registry struct {
	*httptest.Server
	mu        sync.Mutex
	manifests map[string][]byte // repository:tag
	blobs     map[string][]byte // digest
	blobHooks map[string]http.HandlerFunc
	hits      map[string]int
}

// token is what /token hands out and every other request must carry.
const token = "charttest-token"

// NewRegistry starts an empty registry, stopped when the test ends.
func NewRegistry(tb testing.TB) *Registry {
	r := &Registry{manifests: map[string][]byte{}, blobs: map[string][]byte{}, blobHooks: map[string]http.HandlerFunc{}, hits: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Close)
	return r
}

// Host is the registry's host:port, as an oci:// repo names it.
func (r *Registry) Host() string { return strings.TrimPrefix(r.URL, "http://") }

// Descriptor is an OCI content descriptor.
type Descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

// Manifest is an OCI image manifest.
type Manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        Descriptor   `json:"config"`
	Layers        []Descriptor `json:"layers"`
}

// Blob stores data and returns its descriptor.
func (r *Registry) Blob(mediaType string, data []byte) Descriptor {
	d := digestOf(data)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobs[d] = data
	return Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// PushChart stores a Helm chart as Helm pushes it: a config naming the
// chart and one chart layer, tagged in repository.
func (r *Registry) PushChart(repository, tag, name, version string, archive []byte) Manifest {
	cfg, _ := json.Marshal(map[string]string{"apiVersion": "v2", "name": name, "version": version})
	m := Manifest{SchemaVersion: 2, MediaType: ManifestMediaType,
		Config: r.Blob(ConfigMediaType, cfg), Layers: []Descriptor{r.Blob(ChartMediaType, archive)}}
	r.PutManifest(repository, tag, m)
	return m
}

// PutManifest tags a manifest in repository.
func (r *Registry) PutManifest(repository, tag string, m Manifest) {
	b, _ := json.Marshal(m)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.manifests[repository+":"+tag] = b
}

// HandleBlob serves the blob with digest through h.
func (r *Registry) HandleBlob(digest string, h http.HandlerFunc) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blobHooks[digest] = h
}

// Hits counts requests for a path.
func (r *Registry) Hits(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[path]
}

func (r *Registry) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits[req.URL.Path]++
	r.mu.Unlock()
	if req.URL.Path == "/token" {
		if req.URL.Query().Get("service") != "charttest" {
			http.Error(w, "no service", http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"token": token})
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/v2/")
	if !ok {
		http.NotFound(w, req)
		return
	}
	var repository, kind, ref string
	for _, k := range []string{"/manifests/", "/blobs/"} {
		if i := strings.LastIndex(rest, k); i > 0 {
			repository, kind, ref = rest[:i], strings.Trim(k, "/"), rest[i+len(k):]
			break
		}
	}
	if repository == "" {
		http.NotFound(w, req)
		return
	}
	if req.Header.Get("Authorization") != "Bearer "+token {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="charttest",scope="repository:%s:pull"`, r.URL, repository))
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	var body []byte
	var found bool
	hook := r.blobHooks[ref]
	if kind == "manifests" {
		body, found = r.manifests[repository+":"+ref]
	} else {
		body, found = r.blobs[ref]
	}
	r.mu.Unlock()
	if kind == "blobs" && hook != nil {
		hook(w, req)
		return
	}
	if !found {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"not found"}]}`))
		return
	}
	if kind == "manifests" {
		w.Header().Set("Content-Type", ManifestMediaType)
		w.Header().Set("Docker-Content-Digest", digestOf(body))
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if req.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
