package charts

import (
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/values"
)

// Inline renders the sub-charts in inline mode from the archives
// vendored in dir, each checked against the lock first. Their objects are
// marked as generated and written under vdirender/charts/<release>/.
//
// Notes tell what was left out: the hooks Helm would run only on uninstall
// or `helm test`, one line each, prefixed with the chart's key.
func Inline(v *values.Values, dir string) (objects []*yaml.RNode, notes []string, err error) {
	inline := generators.InlineSubCharts(v)
	if len(inline) == 0 {
		return nil, nil, nil
	}
	if dir == "" {
		return nil, nil, fmt.Errorf("inline charts are read from the package directory: render with `vdirender build DIR`")
	}
	lock, err := ReadLock(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, c := range inline {
		data, err := ReadArchive(dir, c)
		if err != nil {
			return nil, nil, err
		}
		if err := lock.Verify(c.Key, c.Chart, data); err != nil {
			return nil, nil, err
		}
		r, err := Render(data, Options{
			Release: c.Release, Namespace: c.Namespace, Values: c.Values,
			KubeVersion: v.Charts.KubeVersion, APIVersions: v.Charts.APIVersions,
		})
		if err != nil {
			return nil, nil, fmt.Errorf("charts.%s: %w", c.Key, err)
		}
		for _, it := range r.Objects {
			if err := mark(it, path.Join(manifest.Dir, "charts", c.Release)); err != nil {
				return nil, nil, err
			}
		}
		objects = append(objects, r.Objects...)
		for _, h := range r.Dropped {
			notes = append(notes, fmt.Sprintf("charts.%s: hook %s left out: %s", c.Key, h, h.DropReason()))
		}
	}
	return objects, notes, nil
}

// mark labels an object as generated and gives it its own file.
func mark(n *yaml.RNode, dir string) error {
	labels := n.GetLabels()
	labels[generators.ManagedByLabel] = generators.ManagedBy
	if err := n.SetLabels(labels); err != nil {
		return err
	}
	return manifest.SetPath(n, dir)
}
