package fn

import (
	"fmt"
	"maps"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/source"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// ExpandOptions are the options of ExpandPath.
type ExpandOptions struct {
	// AllowMissing expands what it can: a HelmChart whose archive the
	// package does not lock is a warning instead of an error.
	AllowMissing bool
}

// ExpandPath renders path, then expands every HelmChart of the rendering
// into the objects helm-controller will install (charts.Expand) and runs
// the platform rules over them in audit: nothing is fixed, since
// helm-controller renders them in the cluster. Each finding is a warning;
// one that is a known gap of the pinned chart (charts.KnownGaps) says why
// no value fixes it and what to do instead. It returns the expanded
// objects, without internal annotations, and the results.
func ExpandPath(path string, opts ExpandOptions) ([]*yaml.RNode, framework.Results, error) {
	rendered, _, v, err := build(path)
	if err != nil {
		return nil, nil, err
	}
	expansions, notes, err := charts.Expand(rendered, charts.ExpandOptions{
		PackageDir: source.PackageDir(path), KubeVersion: v.Charts.KubeVersion, APIVersions: v.Charts.APIVersions,
		AllowMissing: opts.AllowMissing,
	})
	if err != nil {
		return nil, nil, &Failed{Results: framework.Results{{Severity: framework.Error, Message: err.Error(), Tags: map[string]string{"check": "expand"}}}}
	}
	audit := *v
	audit.Rules = values.Rules{Storage: values.ModeAudit, PullPolicy: values.ModeAudit, Resources: values.ModeAudit, GPU: values.ModeAudit, Pinning: values.ModeAudit}
	// The chart key of each sub-chart's HelmChart, for the advice.
	keys := map[string]string{}
	for _, c := range generators.SubCharts(v) {
		keys[k3s.Namespace+"/"+c.Release] = c.Key
	}
	var objects []*yaml.RNode
	var results framework.Results
	for _, n := range notes {
		results = append(results, &framework.Result{Severity: framework.Warning, Message: n, Tags: map[string]string{"check": "expand"}})
	}
	for _, e := range expansions {
		rs, err := transformers.Run(e.Objects, &transformers.Env{Values: &audit}, false)
		if err != nil {
			return nil, nil, err
		}
		key := keys[e.HelmChart]
		for _, r := range rs {
			// Package rules (GPU capacity) judge the whole rendering, which
			// the expanded charts only add GPU-free objects to.
			if r.Tags["check"] == "capacity" {
				continue
			}
			explainGap(r, e, key)
			results = append(results, r)
		}
		for _, h := range e.Dropped {
			results = append(results, &framework.Result{Severity: framework.Info, Tags: map[string]string{"check": "expand"},
				Message: fmt.Sprintf("HelmChart %s: test hook %s left out: helm-controller never runs `helm test`", e.HelmChart, h)})
		}
		objects = append(objects, e.Objects...)
	}
	objects, err = manifest.Clean(objects)
	return objects, results, err
}

// explainGap says, on a finding in an expanded chart, whether it is one of
// the chart's known gaps and why no value fixes it.
func explainGap(r *framework.Result, e charts.Expansion, key string) {
	r.Severity = framework.Warning
	// A rule's results on one object share their tags.
	r.Tags = maps.Clone(r.Tags)
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	r.Tags["helmchart"] = e.HelmChart
	r.Tags["chart"] = e.Chart.Name + " " + e.Chart.Version
	where := fmt.Sprintf("(chart %s %s of HelmChart %s: helm-controller installs it, out of the rules' reach)", e.Chart.Name, e.Chart.Version, e.HelmChart)
	if r.ResourceRef == nil || r.Field == nil {
		r.Message += " " + where
		return
	}
	object := r.ResourceRef.Kind + "/" + r.ResourceRef.Name
	container := containerAt(e.Objects, r.ResourceRef, r.Field.Path)
	if container != "" {
		r.Tags["container"] = container
	}
	if g, ok := charts.FindGap(e.Chart, object, container, r.Tags["rule"]); ok {
		r.Tags["gap"] = "known"
		r.Message = fmt.Sprintf("%s %s; no value of the chart changes it: %s; %s", r.Message, where, g.Why, g.Advice(key))
		return
	}
	r.Tags["gap"] = "new"
	r.Message = fmt.Sprintf("%s %s; not a known gap of the chart: a value may fix it", r.Message, where)
}

var containerIndex = regexp.MustCompile(`^(.*\.(?:initContainers|containers))\[(\d+)\]`)

// containerAt names the container a finding's field path points into.
func containerAt(objects []*yaml.RNode, ref *yaml.ResourceIdentifier, fieldPath string) string {
	m := containerIndex.FindStringSubmatch(fieldPath)
	if m == nil {
		return ""
	}
	for _, o := range objects {
		if o.GetKind() != ref.Kind || o.GetName() != ref.Name || o.GetNamespace() != ref.Namespace {
			continue
		}
		parts := append(strings.Split(m[1], "."), m[2], "name")
		n, err := o.Pipe(yaml.Lookup(parts...))
		if err != nil || n == nil {
			return ""
		}
		return yaml.GetValue(n)
	}
	return ""
}
