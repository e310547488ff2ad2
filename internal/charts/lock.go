// The lock records, for each vendored chart, its name, repo, exact version,
// archive path and the sha256 of the archive; archives are checked against
// it before they are rendered.

package charts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// LockFileName is the lock file in the package directory.
const LockFileName = "vdirender.lock.yaml"

// Lock is the lock file. It is a local-config object so that kpt, kustomize
// and build never apply it.
type Lock struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Charts            []LockEntry `json:"charts"`
}

// LockEntry pins one vendored chart.
type LockEntry struct {
	// Key is the chart's key under charts: in the values.
	Key     string `json:"key"`
	Name    string `json:"name"`
	Repo    string `json:"repo"`
	Version string `json:"version"`
	Archive string `json:"archive"`
	Digest  string `json:"digest"`
}

// NewLock returns an empty lock.
func NewLock() *Lock {
	return &Lock{
		TypeMeta: metav1.TypeMeta{APIVersion: values.PlatformAPIVersion, Kind: "ChartLock"},
		ObjectMeta: metav1.ObjectMeta{Name: "charts", Annotations: map[string]string{
			"config.kubernetes.io/local-config": "true",
		}},
	}
}

// Digest is the sha256 of an archive, as written in the lock.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ReadLock reads the lock of a package; a missing lock is an error that says how
// to write one.
func ReadLock(dir string) (*Lock, error) {
	l, err := readLockIfAny(dir)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, fmt.Errorf("%s: no lock file: run `vdirender lock %s` to pin the vendored charts, or `vdirender pull %s` to fetch and pin them", filepath.Join(dir, LockFileName), dir, dir)
	}
	return l, nil
}

// readLockIfAny reads the lock of a package, nil when there is none.
func readLockIfAny(dir string) (*Lock, error) {
	data, err := input.ReadInPackage(dir, LockFileName, input.YAML, input.MaxFileBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	l := &Lock{}
	if err := sigsyaml.UnmarshalStrict(data, l); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, LockFileName), err)
	}
	return l, nil
}

// lockHeader heads every lock file.
const lockHeader = "# Written by `vdirender lock` or `vdirender pull`: the vendored charts and the sha256 of each archive.\n"

// Bytes is the lock file as written.
func (l *Lock) Bytes() ([]byte, error) {
	b, err := sigsyaml.Marshal(l)
	if err != nil {
		return nil, err
	}
	return append([]byte(lockHeader), b...), nil
}

// Write writes the lock into a package, atomically. It writes inside dir
// only: a lock file that is a link is refused, not followed.
func (l *Lock) Write(dir string) error {
	b, err := l.Bytes()
	if err != nil {
		return err
	}
	return writeFiles(dir, []fileWrite{{Path: LockFileName, Data: b}})
}

// Entry finds the lock entry of a chart key.
func (l *Lock) Entry(key string) (LockEntry, bool) {
	for _, e := range l.Charts {
		if e.Key == key {
			return e, true
		}
	}
	return LockEntry{}, false
}

// pins reports whether the lock (which may be nil) pins chart c exactly as
// the values do.
func (l *Lock) pins(c generators.SubChart) bool {
	if l == nil {
		return false
	}
	e, ok := l.Entry(c.Key)
	return ok && e.Name == c.Chart.Name && e.Version == c.Chart.Version && e.Repo == c.Chart.Repo && e.Archive == c.Chart.Archive
}

// Verify checks that an archive read for chart c under key matches the lock.
func (l *Lock) Verify(key string, c values.Chart, data []byte) error {
	e, ok := l.Entry(key)
	if !ok {
		return fmt.Errorf("charts.%s: not in %s: run `vdirender lock`", key, LockFileName)
	}
	if !values.IsExactVersion(c.Version) {
		return fmt.Errorf("charts.%s: version %q is not exact", key, c.Version)
	}
	want := LockEntry{Key: key, Name: c.Name, Repo: c.Repo, Version: c.Version, Archive: c.Archive, Digest: e.Digest}
	if e != want {
		return fmt.Errorf("charts.%s: the values pin %s %s from %s at %s but %s records %s %s from %s at %s: run `vdirender lock`",
			key, c.Name, c.Version, c.Repo, c.Archive, LockFileName, e.Name, e.Version, e.Repo, e.Archive)
	}
	if got := Digest(data); got != e.Digest {
		return fmt.Errorf("charts.%s: %s has digest %s but %s records %s: the archive changed", key, c.Archive, got, LockFileName, e.Digest)
	}
	return nil
}

// LockForPackage writes a lock entry for every inline sub-chart of v from the
// archives vendored in dir, after checking that each archive holds the chart
// and version the values pin, and for every sub-chart in helmchart mode
// whose archive is there too (`vdirender expand` reads those). It reads no
// network.
func LockForPackage(dir string, v *values.Values) (*Lock, error) {
	l := NewLock()
	for _, c := range generators.SubCharts(v) {
		data, err := ReadArchive(dir, c)
		if c.Chart.Mode != values.ChartInline && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		meta, err := Inspect(data)
		if err != nil {
			return nil, fmt.Errorf("charts.%s: %s: %w", c.Key, c.Chart.Archive, err)
		}
		if meta.Name != c.Chart.Name || meta.Version != c.Chart.Version {
			return nil, fmt.Errorf("charts.%s: %s holds %s %s, not %s %s", c.Key, c.Chart.Archive, meta.Name, meta.Version, c.Chart.Name, c.Chart.Version)
		}
		l.Charts = append(l.Charts, LockEntry{Key: c.Key, Name: c.Chart.Name, Repo: c.Chart.Repo, Version: c.Chart.Version, Archive: c.Chart.Archive, Digest: Digest(data)})
	}
	return l, nil
}

// ReadArchive reads the vendored archive of a sub-chart from the package,
// through the input gate: a regular file inside the package, no link, at
// most input.MaxArchiveBytes. checkArchive judges what it holds.
func ReadArchive(dir string, c generators.SubChart) ([]byte, error) {
	data, err := input.ReadInPackage(dir, filepath.FromSlash(c.Chart.Archive), input.Opaque, input.MaxArchiveBytes)
	if err != nil {
		return nil, fmt.Errorf("charts.%s: %w", c.Key, err)
	}
	return data, nil
}
