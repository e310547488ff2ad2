// Package charttest archives chart fixtures at test time, so that no chart
// archive is ever committed. Archives are deterministic: sorted entries, a
// fixed modification time and modes.
package charttest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
)

// Entry is one extra tar entry, for archives that must be malformed.
type Entry struct {
	Name     string
	Body     string
	Typeflag byte
	Linkname string
}

// Archive packs the chart directory dir as <name>/... plus any extra entries.
func Archive(dir, name string, extra ...Entry) ([]byte, error) {
	return ArchiveReplacing(dir, name, nil, extra...)
}

// ArchiveReplacing is Archive with the files named in replace (paths
// relative to dir, such as Chart.yaml) holding other content.
func ArchiveReplacing(dir, name string, replace map[string]string, extra ...Entry) ([]byte, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	epoch := time.Unix(0, 0)
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(dir, f)
		if r, ok := replace[filepath.ToSlash(rel)]; ok {
			body = []byte(r)
		}
		if err := tw.WriteHeader(&tar.Header{Name: name + "/" + filepath.ToSlash(rel), Mode: 0o644, Size: int64(len(body)), ModTime: epoch, Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(body); err != nil {
			return nil, err
		}
	}
	for _, e := range extra {
		tf := e.Typeflag
		if tf == 0 {
			tf = tar.TypeReg
		}
		h := &tar.Header{Name: e.Name, Mode: 0o644, ModTime: epoch, Typeflag: tf, Linkname: e.Linkname}
		if tf == tar.TypeReg {
			h.Size = int64(len(e.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if tf == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Body)); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Fixtures are the test charts under testdata/charts, at the versions the
// values pin by default.
var Fixtures = map[string]string{"postgresql": "15.3.1", "redis": "21.2.13", "coturn": "9.4.0"}

// Vendor archives every fixture chart from chartsDir into pkg/charts as
// <name>-<version>.tgz, the default archive paths.
func Vendor(chartsDir, pkg string) error {
	if err := os.MkdirAll(filepath.Join(pkg, "charts"), 0o755); err != nil {
		return err
	}
	for name, version := range Fixtures {
		data, err := Archive(filepath.Join(chartsDir, name), name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(pkg, "charts", name+"-"+version+".tgz"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Lock writes the lock of the package in dir the way `vdirender lock`
// does: every inline chart's archive, and those of helmchart-mode charts
// that are in place.
func Lock(tb testing.TB, dir string) {
	tb.Helper()
	v, err := fn.PackageValues(dir)
	if err != nil {
		tb.Fatal(err)
	}
	lock, err := charts.LockForPackage(dir, v)
	if err != nil {
		tb.Fatal(err)
	}
	if err := lock.Write(dir); err != nil {
		tb.Fatal(err)
	}
}

// LockedPackage makes a package from testdata/packages/inline under root
// (the repository): the VDIPlatform, the fixture charts vendored as
// archives, and the lock written the way `vdirender lock` writes it.
func LockedPackage(tb testing.TB, root string) string {
	tb.Helper()
	dir := tb.TempDir()
	src, err := os.ReadFile(filepath.Join(root, "testdata", "packages", "inline", "platform.yaml"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), src, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := Vendor(filepath.Join(root, "testdata", "charts"), dir); err != nil {
		tb.Fatal(err)
	}
	Lock(tb, dir)
	return dir
}
