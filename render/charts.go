package render

import (
	"fmt"
	"path"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/chartlock"
	"github.com/vdirender/vdirender/chartrender"
	"github.com/vdirender/vdirender/generate"
	"github.com/vdirender/vdirender/values"
)

// InlineCharts renders the sub-charts in inline mode from the archives
// vendored in dir, each checked against the lock first. Their objects are
// marked as generated and written under vdirender/charts/<release>/.
func InlineCharts(v *values.Values, dir string) ([]*yaml.RNode, error) {
	inline := generate.InlineSubCharts(v)
	if len(inline) == 0 {
		return nil, nil
	}
	if dir == "" {
		return nil, fmt.Errorf("inline charts are read from the package directory: render with `vdirender build DIR`")
	}
	lock, err := chartlock.Read(dir)
	if err != nil {
		return nil, err
	}
	var out []*yaml.RNode
	for _, c := range inline {
		data, err := chartlock.ReadArchive(dir, c)
		if err != nil {
			return nil, err
		}
		if err := lock.Verify(c.Key, c.Chart, data); err != nil {
			return nil, err
		}
		items, err := chartrender.Render(data, chartrender.Options{
			Release: c.Release, Namespace: c.Namespace, Values: c.Values,
			KubeVersion: v.Charts.KubeVersion, APIVersions: v.Charts.APIVersions,
		})
		if err != nil {
			return nil, fmt.Errorf("charts.%s: %w", c.Key, err)
		}
		for _, it := range items {
			if err := mark(it, path.Join(Dir, "charts", c.Release)); err != nil {
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
	labels[generate.ManagedByLabel] = generate.ManagedBy
	if err := n.SetLabels(labels); err != nil {
		return err
	}
	return setPath(n, dir)
}

// setPath gives an object its own file under dir, the way kpt writes it:
// dir/[namespace/]kind_name.yaml.
func setPath(n *yaml.RNode, dir string) error {
	m, err := n.GetMeta()
	if err != nil {
		return err
	}
	if err := n.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, kioutil.CreatePathAnnotationValue(dir, m))); err != nil {
		return err
	}
	return n.PipeE(yaml.SetAnnotation(kioutil.IndexAnnotation, "0"))
}
