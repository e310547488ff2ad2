package input

import (
	"fmt"
	"io"
	"net/http"
)

// Limits of what vdirender reads from the network (vdirender pull).
const (
	// MaxIndexBytes bounds a chart repository's index.yaml. Public
	// repositories list every version they ever published; the largest
	// are tens of MiB. Check bounds it too: MaxExpandedNodes YAML nodes
	// are about 40 MB of a typical index.
	MaxIndexBytes = 64 << 20
	// MaxManifestBytes bounds an OCI manifest, as oras bounds the
	// metadata it reads.
	MaxManifestBytes = 4 << 20
)

// ReadResponse reads the body of an HTTP response, at most limit bytes: a
// Content-Length above limit is refused before any byte is read, and a body
// without one (chunked, or lying) is cut at limit+1 bytes and refused. kind
// is checked as for files; name (a URL without its credentials) names the
// response in errors. The caller closes the body.
func ReadResponse(resp *http.Response, name string, kind Kind, limit int64) ([]byte, error) {
	if resp.ContentLength > limit {
		return nil, &Error{Path: name, Kind: ErrTooLarge, Reason: fmt.Sprintf("response is %d bytes, more than the %d allowed", resp.ContentLength, limit)}
	}
	return ReadBody(resp.Body, name, kind, max(resp.ContentLength, 0), limit)
}

// ReadBody reads a stream from the network (an OCI manifest or blob) to
// its end, at most limit bytes; size is the size expected, 0 if unknown.
func ReadBody(r io.Reader, name string, kind Kind, size, limit int64) ([]byte, error) {
	data, over, err := readAll(r, limit, min(size, limit))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if over {
		return nil, &Error{Path: name, Kind: ErrTooLarge, Reason: fmt.Sprintf("response is larger than the %d bytes allowed", limit)}
	}
	return data, checkContent(name, kind, data)
}
