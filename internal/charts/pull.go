// Pull fetches the archives of a package's inline sub-charts from their
// pinned repositories into the package and pins their digests in the lock,
// so that `vdirender lock` is needed only for archives placed by hand.

package charts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

// PullOptions are the options of Pull.
type PullOptions struct {
	Fetcher Fetcher
	// Update fetches every chart again, and accepts an archive whose digest
	// differs from the one the lock pins for the same chart and version, or
	// from an archive already in its place.
	Update bool
	// All pulls the charts in helmchart mode too, for `vdirender expand`.
	All bool
}

// PullState is what a pull did with one chart.
type PullState string

const (
	// Pulled: fetched and written (or rewritten).
	Pulled PullState = "pulled"
	// Current: the archive in the package matches its lock entry; nothing
	// was fetched.
	Current PullState = "up to date"
	// Same: fetched (--update), and identical to the archive in place.
	Same PullState = "unchanged"
)

// PulledChart is the outcome for one chart.
type PulledChart struct {
	Key, Name, Version, Archive, Digest string
	// Source is where the archive was fetched from; "" when it was not.
	Source string
	State  PullState
}

// PullReport says what Pull did.
type PullReport struct {
	Charts []PulledChart
	// Written are the files written, relative to the package.
	Written []string
}

// Pull brings the archive of every enabled sub-chart in inline mode into
// dir, at its archive path (charts/<name>-<version>.tgz unless the values
// say otherwise), and writes the lock with their digests. Charts in
// helmchart mode are pulled only with All (K3s's helm-controller fetches
// them in the cluster; `vdirender expand` reads them to show what it will
// install), and stay pulled while the lock pins them as the values do.
//
// A chart whose archive is in place and matches its lock entry is not
// fetched (unless Update). A fetched archive must hold the pinned chart and
// version, match the digest its index or manifest lists, and pass the
// archive checks. It must also match the digest the lock already pins for
// that chart and version, and any archive already at its path: a published
// version that changed is refused unless Update.
//
// Every chart is fetched and checked before anything is written; then the
// archives and the lock are staged and renamed into place, so an error
// leaves the package as it was.
func Pull(ctx context.Context, dir string, v *values.Values, opts PullOptions) (*PullReport, error) {
	report := &PullReport{}
	old, err := readLockIfAny(dir)
	if err != nil {
		return nil, err
	}
	var subs []generators.SubChart
	for _, c := range generators.SubCharts(v) {
		if c.Chart.Mode == values.ChartInline || opts.All || old.pins(c) {
			subs = append(subs, c)
		}
	}
	if len(subs) == 0 {
		return report, nil
	}
	lock := NewLock()
	var writes []fileWrite
	paths := map[string]string{}
	for _, c := range subs {
		if other, ok := paths[path.Clean(c.Chart.Archive)]; ok {
			return nil, fmt.Errorf("charts.%s: archive %s is also the archive of charts.%s", c.Key, c.Chart.Archive, other)
		}
		paths[path.Clean(c.Chart.Archive)] = c.Key
		pc, data, err := pullOne(ctx, dir, c, old, opts)
		if err != nil {
			return nil, fmt.Errorf("charts.%s: %w", c.Key, err)
		}
		if data != nil {
			writes = append(writes, fileWrite{Path: c.Chart.Archive, Data: data})
		}
		report.Charts = append(report.Charts, pc)
		lock.Charts = append(lock.Charts, LockEntry{Key: c.Key, Name: c.Chart.Name, Repo: c.Chart.Repo, Version: c.Chart.Version, Archive: c.Chart.Archive, Digest: pc.Digest})
	}
	b, err := lock.Bytes()
	if err != nil {
		return nil, err
	}
	current, err := input.ReadInPackage(dir, LockFileName, input.YAML, input.MaxFileBytes)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if !bytes.Equal(current, b) {
		writes = append(writes, fileWrite{Path: LockFileName, Data: b})
	}
	if len(writes) == 0 {
		return report, nil
	}
	if err := writeFiles(dir, writes); err != nil {
		return nil, err
	}
	for _, w := range writes {
		report.Written = append(report.Written, w.Path)
	}
	return report, nil
}

// pullOne decides for one chart: what the report says, and the archive to
// write (nil when the one in place stays).
func pullOne(ctx context.Context, dir string, c generators.SubChart, old *Lock, opts PullOptions) (PulledChart, []byte, error) {
	pin := c.Chart
	pc := PulledChart{Key: c.Key, Name: pin.Name, Version: pin.Version, Archive: pin.Archive}
	var entry LockEntry
	var locked bool
	if old != nil {
		entry, locked = old.Entry(c.Key)
		locked = locked && entry.Name == pin.Name && entry.Version == pin.Version
	}
	onDisk, err := input.ReadInPackage(dir, filepath.FromSlash(pin.Archive), input.Opaque, input.MaxArchiveBytes)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return pc, nil, err
	}
	diskDigest := ""
	if onDisk != nil {
		diskDigest = Digest(onDisk)
	}

	if !opts.Update && locked && entry.Repo == pin.Repo && entry.Archive == pin.Archive && diskDigest == entry.Digest {
		// In place and locked: check it as build would, fetch nothing.
		meta, err := Inspect(onDisk)
		if err != nil {
			return pc, nil, fmt.Errorf("%s: %w", pin.Archive, err)
		}
		if meta.Name != pin.Name || meta.Version != pin.Version {
			return pc, nil, fmt.Errorf("%s holds %s %s, not %s %s", pin.Archive, meta.Name, meta.Version, pin.Name, pin.Version)
		}
		pc.Digest, pc.State = entry.Digest, Current
		return pc, nil, nil
	}

	got, err := opts.Fetcher.Fetch(ctx, pin)
	if err != nil {
		return pc, nil, err
	}
	pc.Digest, pc.Source = got.Digest, got.Source
	if locked && entry.Digest != got.Digest && !opts.Update {
		return pc, nil, fmt.Errorf("%s serves %s %s with digest %s, but %s pins %s: a published version changed; "+
			"check why upstream, then run `vdirender pull --update` to accept it", got.Source, pin.Name, pin.Version, got.Digest, LockFileName, entry.Digest)
	}
	if onDisk != nil && diskDigest != got.Digest && !opts.Update {
		return pc, nil, fmt.Errorf("%s is already there with digest %s and differs from %s (%s): remove it, or run `vdirender pull --update` to replace it",
			pin.Archive, diskDigest, got.Source, got.Digest)
	}
	if diskDigest == got.Digest {
		pc.State = Same
		return pc, nil, nil
	}
	pc.State = Pulled
	return pc, got.Data, nil
}
