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
func Inline(v *values.Values, dir string) ([]*yaml.RNode, error) {
	inline := generators.InlineSubCharts(v)
	if len(inline) == 0 {
		return nil, nil
	}
	if dir == "" {
		return nil, fmt.Errorf("inline charts are read from the package directory: render with `vdirender build DIR`")
	}
	lock, err := ReadLock(dir)
	if err != nil {
		return nil, err
	}
	var out []*yaml.RNode
	for _, c := range inline {
		data, err := ReadArchive(dir, c)
		if err != nil {
			return nil, err
		}
		if err := lock.Verify(c.Key, c.Chart, data); err != nil {
			return nil, err
		}
		items, err := Render(data, Options{
			Release: c.Release, Namespace: c.Namespace, Values: c.Values,
			KubeVersion: v.Charts.KubeVersion, APIVersions: v.Charts.APIVersions,
		})
		if err != nil {
			return nil, fmt.Errorf("charts.%s: %w", c.Key, err)
		}
		for _, it := range items {
			if err := mark(it, path.Join(manifest.Dir, "charts", c.Release)); err != nil {
				return nil, err
			}
		}
		out = append(out, items...)
	}
	return out, nil
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
