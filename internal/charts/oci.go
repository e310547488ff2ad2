package charts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// The media types of a Helm chart in an OCI registry, as Helm pushes it.
const (
	helmConfigMediaType = "application/vnd.cncf.helm.config.v1+json"
	helmChartMediaType  = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
	// helmLegacyChartMediaType is what Helm 3.0-3.7 pushed; Helm still
	// pulls it.
	helmLegacyChartMediaType = "application/tar+gzip"
)

// fromRegistry fetches chart c from the OCI registry at repo
// (oci://host[:port]/path): the manifest tagged with the version (a + in
// it written as _, as Helm tags), then its one chart layer. Pulls are
// anonymous, with the registry's bearer-token challenge answered as
// Docker and Helm answer it; no credential store is read.
func (f *Fetcher) fromRegistry(ctx context.Context, repo *url.URL, c values.Chart) (*Fetched, error) {
	if repo.User != nil || repo.RawQuery != "" || repo.Fragment != "" {
		return nil, fmt.Errorf("repo %s: an oci:// repo is a host and a path, nothing else", repo.Redacted())
	}
	tag := strings.ReplaceAll(c.Version, "+", "_")
	ref := strings.TrimSuffix(repo.Host+repo.Path, "/") + "/" + c.Name
	r, err := remote.NewRepository(ref)
	if err != nil {
		return nil, fmt.Errorf("repo %s: %w", repo.Redacted(), err)
	}
	r.PlainHTTP = f.PlainHTTP
	r.MaxMetadataBytes = input.MaxManifestBytes
	hc := f.client()
	defer hc.CloseIdleConnections()
	client := &auth.Client{Client: hc, Cache: auth.NewCache(), ClientID: "vdirender"}
	if f.UserAgent != "" {
		client.SetUserAgent(f.UserAgent)
	}
	r.Client = client
	source := "oci://" + ref + ":" + tag

	desc, rc, err := r.FetchReference(ctx, tag)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if desc.Size > input.MaxManifestBytes {
		rc.Close()
		return nil, fmt.Errorf("%s: manifest of %d bytes, more than the %d allowed", source, desc.Size, input.MaxManifestBytes)
	}
	raw, err := input.ReadBody(rc, source+" (manifest)", input.Opaque, desc.Size, input.MaxManifestBytes)
	rc.Close()
	if err != nil {
		return nil, err
	}
	if err := verifyBlob(raw, desc); err != nil {
		return nil, fmt.Errorf("%s: manifest: %w", source, err)
	}
	layer, err := chartLayer(desc.MediaType, raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if layer.Size > input.MaxArchiveBytes {
		return nil, fmt.Errorf("%s: the chart layer is %d bytes, more than the %d allowed", source, layer.Size, input.MaxArchiveBytes)
	}
	blob, err := r.Blobs().Fetch(ctx, layer)
	if err != nil {
		return nil, fmt.Errorf("%s: chart layer %s: %w", source, layer.Digest, err)
	}
	data, err := input.ReadBody(blob, source+" (chart layer)", input.Opaque, layer.Size, input.MaxArchiveBytes)
	blob.Close()
	if err != nil {
		return nil, err
	}
	if err := verifyBlob(data, layer); err != nil {
		return nil, fmt.Errorf("%s: chart layer: %w", source, err)
	}
	return &Fetched{Data: data, Source: source, Listed: string(layer.Digest)}, nil
}

// chartLayer reads a Helm chart's manifest: a Helm config and exactly one
// chart layer.
func chartLayer(mediaType string, raw []byte) (ocispec.Descriptor, error) {
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("manifest: %w", err)
	}
	if m.MediaType == "" {
		m.MediaType = mediaType
	}
	if m.MediaType != ocispec.MediaTypeImageManifest {
		return ocispec.Descriptor{}, fmt.Errorf("is a %s, not the OCI image manifest of a Helm chart", m.MediaType)
	}
	if m.Config.MediaType != helmConfigMediaType {
		return ocispec.Descriptor{}, fmt.Errorf("config has media type %q, not a Helm chart's %s", m.Config.MediaType, helmConfigMediaType)
	}
	var layers []ocispec.Descriptor
	for _, l := range m.Layers {
		if l.MediaType == helmChartMediaType || l.MediaType == helmLegacyChartMediaType {
			layers = append(layers, l)
		}
	}
	if len(layers) != 1 {
		return ocispec.Descriptor{}, fmt.Errorf("manifest has %d chart layers (%s), not one", len(layers), helmChartMediaType)
	}
	if err := layers[0].Digest.Validate(); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("chart layer: %w", err)
	}
	if layers[0].Digest.Algorithm() != digest.SHA256 {
		return ocispec.Descriptor{}, fmt.Errorf("chart layer digest %s is not a sha256", layers[0].Digest)
	}
	return layers[0], nil
}

// verifyBlob checks data against the size and digest its descriptor lists.
func verifyBlob(data []byte, d ocispec.Descriptor) error {
	if int64(len(data)) != d.Size {
		return fmt.Errorf("%d bytes, but %d are listed", len(data), d.Size)
	}
	if err := d.Digest.Validate(); err != nil {
		return err
	}
	if got := d.Digest.Algorithm().FromBytes(data); got != d.Digest {
		return fmt.Errorf("digest %s, but %s is listed", got, d.Digest)
	}
	return nil
}
