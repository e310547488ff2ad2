package charts

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"helm.sh/helm/v4/pkg/chart/loader/archive"
)

// checkArchive treats a chart archive as untrusted input before Helm's
// loader sees it: only regular files and directories, no absolute paths or
// parent references, and nothing beyond Helm's own size limits. Helm's
// loader repeats some of this; links it would read as empty files.
func checkArchive(data []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a gzip archive: %w", err)
	}
	tr := tar.NewReader(zr)
	remaining := archive.MaxDecompressedChartSize
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading archive: %w", err)
		}
		switch hd.Typeflag {
		case tar.TypeReg, tar.TypeDir, tar.TypeXGlobalHeader, tar.TypeXHeader:
		case tar.TypeSymlink, tar.TypeLink:
			return fmt.Errorf("%s is a link: chart archives may hold only files and directories", hd.Name)
		default:
			return fmt.Errorf("%s has tar type %q: chart archives may hold only files and directories", hd.Name, hd.Typeflag)
		}
		name := strings.ReplaceAll(hd.Name, "\\", "/")
		if path.IsAbs(name) || strings.HasPrefix(name, "../") || strings.Contains(name, "/../") || name == ".." {
			return fmt.Errorf("%s leaves the chart directory", hd.Name)
		}
		if hd.Size > archive.MaxDecompressedFileSize {
			return fmt.Errorf("%s is %d bytes, more than Helm's limit of %d per file", hd.Name, hd.Size, archive.MaxDecompressedFileSize)
		}
		remaining -= hd.Size
		if remaining < 0 {
			return fmt.Errorf("archive holds more than Helm's limit of %d bytes", archive.MaxDecompressedChartSize)
		}
		// Count what is really there, not what the header claims.
		n, err := io.Copy(io.Discard, io.LimitReader(tr, hd.Size+1))
		if err != nil {
			return fmt.Errorf("reading %s: %w", hd.Name, err)
		}
		if n > hd.Size {
			return fmt.Errorf("%s is larger than its header says", hd.Name)
		}
	}
}

// checkSchemaRefs refuses a values schema whose $ref points outside the
// schema itself: Helm would load files or URLs while validating values.
func checkSchemaRefs(schema []byte) error {
	var doc any
	if len(bytes.TrimSpace(schema)) == 0 {
		return nil
	}
	if err := jsonUnmarshal(schema, &doc); err != nil {
		return fmt.Errorf("values.schema.json: %w", err)
	}
	var walk func(v any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if ref, ok := x.(string); ok && (k == "$ref" || k == "$dynamicRef") && !strings.HasPrefix(ref, "#") {
					return fmt.Errorf("values.schema.json: %s %q would load a file or URL", k, ref)
				}
				if k == "$id" {
					continue
				}
				if err := walk(x); err != nil {
					return err
				}
			}
		case []any:
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(doc)
}
