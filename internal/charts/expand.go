package charts

import (
	"errors"
	"fmt"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/ynode"
)

// Expanding HelmCharts. In helmchart mode the rendering holds a K3s
// HelmChart per sub-chart, and the objects the chart creates are made in
// the cluster by helm-controller, out of the rules' reach. Expand renders
// each HelmChart the way helm-controller installs it: the archive pinned
// in the package's lock for the HelmChart's chart, repo and version, the
// release named after the HelmChart, in its targetNamespace, with its
// valuesContent and then that of a HelmChartConfig of the same name and
// namespace, as helm-controller layers them. The result is a view
// (installed.go): for review and for the rules in audit, never applied.

// SourceAnnotation on an expanded object names the HelmChart it comes from.
const SourceAnnotation = "vdirender.dev/helmchart"

// Expansion is what one HelmChart installs.
type Expansion struct {
	// HelmChart is namespace/name of the HelmChart.
	HelmChart string
	Chart     Chart
	Objects   []*yaml.RNode
	// Dropped are the test hooks, which helm-controller never runs.
	Dropped []Hook
}

// ExpandOptions are what every expansion shares.
type ExpandOptions struct {
	// PackageDir holds the lock and the archives.
	PackageDir  string
	KubeVersion string
	APIVersions []string
	// AllowMissing skips a HelmChart whose archive is not locked, saying
	// so in the returned notes, instead of failing.
	AllowMissing bool
}

// Expand renders every HelmChart among items. A HelmChart whose archive is
// not in the package's lock is an error that says how to get it, or with
// AllowMissing a note.
func Expand(items []*yaml.RNode, opts ExpandOptions) (expansions []Expansion, notes []string, err error) {
	var helmCharts []*yaml.RNode
	configs := map[string]string{}
	for _, it := range items {
		if it.GetApiVersion() != k3s.APIVersion {
			continue
		}
		switch it.GetKind() {
		case "HelmChart":
			helmCharts = append(helmCharts, it)
		case "HelmChartConfig":
			content, err := it.Pipe(yaml.Lookup("spec", "valuesContent"))
			if err != nil {
				return nil, nil, err
			}
			if content != nil {
				configs[it.GetNamespace()+"/"+it.GetName()] = yaml.GetValue(content)
			}
		}
	}
	if len(helmCharts) == 0 {
		return nil, nil, nil
	}
	if opts.PackageDir == "" {
		return nil, nil, fmt.Errorf("expanding HelmCharts reads their archives from the package directory: expand a package or a values file in it")
	}
	lock, err := readLockIfAny(opts.PackageDir)
	if err != nil {
		return nil, nil, err
	}
	for _, hc := range helmCharts {
		e, err := expandOne(hc, configs, lock, opts)
		var notLocked *notLockedError
		if errors.As(err, &notLocked) && opts.AllowMissing {
			notes = append(notes, fmt.Sprintf("HelmChart %s/%s not expanded: %v", hc.GetNamespace(), hc.GetName(), err))
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("HelmChart %s/%s: %w", hc.GetNamespace(), hc.GetName(), err)
		}
		expansions = append(expansions, *e)
	}
	return expansions, notes, nil
}

// notLockedError: the package's lock pins no archive for a HelmChart.
type notLockedError struct{ chart, version, repo string }

func (e *notLockedError) Error() string {
	return fmt.Sprintf("no archive of chart %s %s from %s is locked in the package: run `vdirender pull --all` to fetch the charts helm-controller installs",
		e.chart, e.version, orNone(e.repo))
}

// unsupported are HelmChart fields helm-controller reads that the view
// does not apply; a HelmChart using one is refused, not shown wrong.
var unsupported = []string{"set", "values", "chartContent", "valuesSecrets", "helmVersion"}

func expandOne(hc *yaml.RNode, configs map[string]string, lock *Lock, opts ExpandOptions) (*Expansion, error) {
	for _, f := range unsupported {
		if n, _ := hc.Pipe(yaml.Lookup("spec", f)); n != nil {
			return nil, fmt.Errorf("spec.%s is not applied by the expanded view; expand a HelmChart without it", f)
		}
	}
	var h k3s.HelmChart
	if err := ynode.Decode([]byte(hc.MustString()), &h); err != nil {
		return nil, err
	}
	entry, err := lockedArchive(lock, h.Spec)
	if err != nil {
		return nil, err
	}
	data, err := input.ReadInPackage(opts.PackageDir, filepath.FromSlash(entry.Archive), input.Opaque, input.MaxArchiveBytes)
	if err != nil {
		return nil, err
	}
	if got := Digest(data); got != entry.Digest {
		return nil, fmt.Errorf("%s has digest %s but %s records %s: the archive changed", entry.Archive, got, LockFileName, entry.Digest)
	}
	vals, err := layeredValues(h.Spec.ValuesContent, configs[hc.GetNamespace()+"/"+hc.GetName()])
	if err != nil {
		return nil, err
	}
	namespace := h.Spec.TargetNamespace
	if namespace == "" {
		namespace = hc.GetNamespace()
	}
	r, err := Render(data, Options{
		Release: hc.GetName(), Namespace: namespace, Values: vals,
		KubeVersion: opts.KubeVersion, APIVersions: opts.APIVersions, AsInstalled: true,
	})
	if err != nil {
		return nil, err
	}
	// As helm-controller's install applies them: anchors resolved, a List
	// as its items.
	if err := manifest.ResolveAnchors(r.Objects); err != nil {
		return nil, err
	}
	objects, err := manifest.ExpandLists(r.Objects)
	if err != nil {
		return nil, err
	}
	source := hc.GetNamespace() + "/" + hc.GetName()
	for _, it := range objects {
		a := it.GetAnnotations()
		a[SourceAnnotation] = source
		if err := it.SetAnnotations(a); err != nil {
			return nil, err
		}
	}
	return &Expansion{HelmChart: source, Chart: Chart{Name: h.Spec.Chart, Version: h.Spec.Version}, Objects: objects, Dropped: r.Dropped}, nil
}

// lockedArchive finds the lock entry of the chart a HelmChart installs.
func lockedArchive(lock *Lock, spec k3s.HelmChartSpec) (LockEntry, error) {
	if lock != nil {
		for _, e := range lock.Charts {
			if e.Name == spec.Chart && e.Version == spec.Version && e.Repo == spec.Repo {
				return e, nil
			}
		}
	}
	return LockEntry{}, &notLockedError{spec.Chart, spec.Version, spec.Repo}
}

func orNone(repo string) string {
	if repo == "" {
		return "(no repo)"
	}
	return repo
}

// layeredValues reads the HelmChart's values, then the HelmChartConfig's
// over them, merged as Helm merges values files (maps deeply, anything
// else replaced).
func layeredValues(contents ...string) (map[string]any, error) {
	out := map[string]any{}
	for i, c := range contents {
		var m map[string]any
		if err := ynode.Decode([]byte(c), &m); err != nil {
			which := "valuesContent"
			if i > 0 {
				which = "the HelmChartConfig's valuesContent"
			}
			return nil, fmt.Errorf("%s: %w", which, err)
		}
		out = mergeValues(out, m)
	}
	return out, nil
}

func mergeValues(base, over map[string]any) map[string]any {
	for k, v := range over {
		if vm, ok := v.(map[string]any); ok {
			if bm, ok := base[k].(map[string]any); ok {
				base[k] = mergeValues(bm, vm)
				continue
			}
		}
		base[k] = v
	}
	return base
}
