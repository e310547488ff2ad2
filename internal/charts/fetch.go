// Fetching pins from their repositories: HTTP(S) chart repositories through
// their index.yaml, as Helm reads them, and OCI registries through oras, as
// Helm's registry client does. What comes back is untrusted like any
// vendored archive: bounded on read (internal/input), checked by
// checkArchive, and it must hold exactly the chart and version pinned.

package charts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// maxRedirects is how many redirects one request may follow, as Go's
// default client allows.
const maxRedirects = 10

// Fetcher fetches chart archives. Its zero value fetches over HTTPS with
// Go's default transport and follows redirects within one host only.
type Fetcher struct {
	// AllowRedirectHosts are hosts (host names, or host:port) a request
	// may be redirected to besides its own host, such as the storage host
	// of GitHub release assets or a registry's blob CDN.
	AllowRedirectHosts []string
	// PlainHTTP talks to oci:// registries over HTTP instead of HTTPS, for
	// local registries.
	PlainHTTP bool
	// Transport carries the requests; nil is a clone of Go's default
	// transport (proxies from the environment, system roots).
	Transport http.RoundTripper
	// UserAgent is sent with every request.
	UserAgent string
}

// Fetched is an archive fetched and checked: it holds the chart and version
// pinned, it passed checkArchive, and its digest matched the one its
// source listed.
type Fetched struct {
	Data []byte
	// Digest is the sha256 of Data, as the lock writes it.
	Digest string
	// Source is where it came from: the archive's URL or the OCI
	// reference, without credentials.
	Source string
	// Listed is the digest the source listed for it ("" when an index
	// lists none); OCI manifests always list one.
	Listed string
}

// Fetch fetches the archive of chart c from c.Repo.
func (f *Fetcher) Fetch(ctx context.Context, c values.Chart) (*Fetched, error) {
	if !values.IsExactVersion(c.Version) {
		return nil, fmt.Errorf("version %q is not exact: only one release can be pulled and locked", c.Version)
	}
	u, err := url.Parse(c.Repo)
	if err != nil {
		return nil, fmt.Errorf("repo %q: %w", c.Repo, err)
	}
	var got *Fetched
	switch u.Scheme {
	case "http", "https":
		got, err = f.fromIndex(ctx, u, c)
	case "oci":
		got, err = f.fromRegistry(ctx, u, c)
	default:
		return nil, fmt.Errorf("repo %s: scheme %q: vdirender pulls from http(s) chart repositories and oci:// registries only", u.Redacted(), u.Scheme)
	}
	if err != nil {
		return nil, err
	}
	meta, err := Inspect(got.Data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", got.Source, err)
	}
	if meta.Name != c.Name || meta.Version != c.Version {
		return nil, fmt.Errorf("%s holds %s %s, not %s %s", got.Source, meta.Name, meta.Version, c.Name, c.Version)
	}
	got.Digest = Digest(got.Data)
	return got, nil
}

// client is the HTTP client of one pull: no timeout of its own (the
// context of the pull bounds it) and the redirect policy below.
func (f *Fetcher) client() *http.Client {
	t := f.Transport
	if t == nil {
		t = http.DefaultTransport.(*http.Transport).Clone()
	}
	return &http.Client{Transport: t, CheckRedirect: f.checkRedirect}
}

// RedirectError is a redirect that was not followed.
type RedirectError struct {
	From, To *url.URL
	Reason   string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirected from %s to %s: %s", e.From.Redacted(), e.To.Redacted(), e.Reason)
}

// checkRedirect follows a redirect only within the host of the first
// request (same host name and port, or an upgrade from http on port 80 to
// https on port 443), or to a host named in AllowRedirectHosts; never from
// https to http, and at most maxRedirects times.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	first, prev := via[0].URL, via[len(via)-1].URL
	if len(via) >= maxRedirects {
		return &RedirectError{From: prev, To: req.URL, Reason: fmt.Sprintf("stopped after %d redirects", maxRedirects)}
	}
	if prev.Scheme == "https" && req.URL.Scheme != "https" {
		return &RedirectError{From: prev, To: req.URL, Reason: "a redirect from https to " + req.URL.Scheme + " is never followed"}
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return &RedirectError{From: prev, To: req.URL, Reason: "only http and https are followed"}
	}
	if sameHost(first, req.URL) || f.allowed(req.URL) {
		return nil
	}
	return &RedirectError{From: prev, To: req.URL, Reason: fmt.Sprintf(
		"vdirender follows redirects within the host %s only; pass --allow-redirect %s to trust that host", first.Host, req.URL.Hostname())}
}

// sameHost: the same host name and port, or http on 80 upgraded to https
// on 443 of the same host name.
func sameHost(a, b *url.URL) bool {
	if !strings.EqualFold(a.Hostname(), b.Hostname()) {
		return false
	}
	pa, pb := port(a), port(b)
	return pa == pb || a.Scheme == "http" && b.Scheme == "https" && pa == "80" && pb == "443"
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "http" {
		return "80"
	}
	return "443"
}

func (f *Fetcher) allowed(u *url.URL) bool {
	return slices.ContainsFunc(f.AllowRedirectHosts, func(h string) bool {
		if _, _, err := net.SplitHostPort(h); err == nil {
			return strings.EqualFold(h, net.JoinHostPort(u.Hostname(), port(u)))
		}
		return strings.EqualFold(h, u.Hostname())
	})
}

// get fetches u and reads its body through the gate, at most limit bytes.
func (f *Fetcher) get(ctx context.Context, hc *http.Client, u *url.URL, kind input.Kind, limit int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if f.UserAgent != "" {
		req.Header.Set("User-Agent", f.UserAgent)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Error quotes the URL with its credentials.
			return nil, fmt.Errorf("GET %s: %w", u.Redacted(), ue.Err)
		}
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	return input.ReadResponse(resp, u.Redacted(), kind, limit)
}
