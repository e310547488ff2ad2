package charts

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// repoIndex is the part of a chart repository's index.yaml a pull reads.
type repoIndex struct {
	APIVersion string                  `json:"apiVersion"`
	Entries    map[string][]indexEntry `json:"entries"`
}

// indexEntry is one version of one chart in an index.
type indexEntry struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	URLs    []string `json:"urls"`
	// Digest is the hex sha256 of the archive, when the index lists it.
	Digest string `json:"digest"`
}

// fromIndex fetches chart c from the HTTP(S) chart repository at repo: its
// index.yaml, then the archive the entry of the pinned version names.
func (f *Fetcher) fromIndex(ctx context.Context, repo *url.URL, c values.Chart) (*Fetched, error) {
	hc := f.client()
	defer hc.CloseIdleConnections()
	indexURL, err := resolveURL(repo, "index.yaml")
	if err != nil {
		return nil, err
	}
	raw, err := f.get(ctx, hc, indexURL, input.YAML, input.MaxIndexBytes)
	if err != nil {
		return nil, err
	}
	var idx repoIndex
	if err := sigsyaml.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("%s: not a chart repository index: %w", indexURL.Redacted(), err)
	}
	if idx.APIVersion == "" {
		return nil, fmt.Errorf("%s: not a chart repository index: no apiVersion", indexURL.Redacted())
	}
	e, err := idx.find(c.Name, c.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", indexURL.Redacted(), err)
	}
	archiveURL, err := resolveURL(repo, e.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", indexURL.Redacted(), c.Name, c.Version, err)
	}
	if archiveURL.Scheme != "http" && archiveURL.Scheme != "https" {
		return nil, fmt.Errorf("%s: %s %s is at %s: archives are fetched over http(s) only", indexURL.Redacted(), c.Name, c.Version, archiveURL.Redacted())
	}
	listed, err := indexDigest(e.Digest)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", indexURL.Redacted(), c.Name, c.Version, err)
	}
	data, err := f.get(ctx, hc, archiveURL, input.Opaque, input.MaxArchiveBytes)
	if err != nil {
		return nil, err
	}
	if listed != "" && Digest(data) != listed {
		return nil, fmt.Errorf("%s has digest %s, but %s lists %s: refusing an archive that is not the one the repository indexed", archiveURL.Redacted(), Digest(data), indexURL.Redacted(), listed)
	}
	return &Fetched{Data: data, Source: archiveURL.Redacted(), Listed: listed}, nil
}

// find is the entry of name at exactly version. Entries are listed under
// the chart's name and must carry it; the first entry of the version
// counts, as in Helm.
func (idx *repoIndex) find(name, version string) (indexEntry, error) {
	entries, ok := idx.Entries[name]
	if !ok {
		return indexEntry{}, fmt.Errorf("no chart %s", name)
	}
	for _, e := range entries {
		if e.Version != version {
			continue
		}
		if e.Name != name {
			return indexEntry{}, fmt.Errorf("the entry of %s %s names the chart %q", name, version, e.Name)
		}
		if len(e.URLs) == 0 || e.URLs[0] == "" {
			return indexEntry{}, fmt.Errorf("%s %s lists no URL", name, version)
		}
		return e, nil
	}
	return indexEntry{}, fmt.Errorf("no version %s of %s (%d other versions listed)", version, name, len(entries))
}

// indexDigest turns an index's digest (hex sha256, sometimes with a sha256:
// prefix) into the lock's form; "" when there is none.
func indexDigest(d string) (string, error) {
	if d == "" {
		return "", nil
	}
	hexPart := strings.TrimPrefix(d, "sha256:")
	if b, err := hex.DecodeString(hexPart); err != nil || len(b) != 32 {
		return "", fmt.Errorf("digest %q is not a sha256", d)
	}
	return "sha256:" + strings.ToLower(hexPart), nil
}

// resolveURL resolves ref against a repository URL as Helm resolves the
// URLs of an index: an absolute ref stands as it is; a relative one is
// resolved against the repository URL taken as a directory (a trailing
// slash added), and keeps the repository URL's query.
func resolveURL(repo *url.URL, ref string) (*url.URL, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return nil, fmt.Errorf("URL %q: %w", ref, err)
	}
	if r.IsAbs() {
		return r, nil
	}
	base := *repo
	base.Path = strings.TrimSuffix(base.Path, "/") + "/"
	if base.RawPath != "" {
		base.RawPath = strings.TrimSuffix(base.RawPath, "/") + "/"
	}
	out := base.ResolveReference(r)
	out.RawQuery = repo.RawQuery
	return out, nil
}
