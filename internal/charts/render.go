// Rendering is in-process with the Helm 4 SDK and mirrors `helm template`
// (action.Install in client-only mode) call for call: the chart must be an
// application chart with every dependency vendored; its dependencies'
// conditions, tags and import-values are processed (ProcessDependencies);
// values are coalesced and checked against every values.schema.json
// (ToRenderValuesWithSchemaValidation); the chart's kubeVersion constraint
// is checked; NOTES.txt and partials are rendered but dropped, as Helm drops
// them; and the output is split into hooks and manifests in Helm's install
// order (SortManifests). A fixed release name and namespace, and the
// Kubernetes version and API versions given explicitly, never the SDK's
// defaults (which differ between tests and binaries). No helm binary runs.
//
// Where a GitOps rendering must differ from `helm template` it does so
// loudly: hooks are dropped or refused (see hooks.go), anything the chart
// generates at random is refused (see determinism.go), and so is any Secret
// holding data.

package charts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/manifest"
)

// Options fix everything a render depends on besides the chart.
type Options struct {
	Release, Namespace string
	// Values are typed chart values; they are marshalled as YAML first.
	Values any
	// KubeVersion such as v1.35.4 and the API versions the cluster serves.
	KubeVersion string
	APIVersions []string
	// AsInstalled renders what `helm install` creates in a cluster, as K3s's
	// helm-controller runs it, for review (see installed.go), instead of
	// what an apply from Git may hold.
	AsInstalled bool
}

// Chart is what an archive holds.
type Chart struct {
	Name, Version string
}

// Rendering is what a chart renders to.
type Rendering struct {
	// Objects are the chart's CRDs, then its manifests in Helm's install
	// order, each in the release namespace unless cluster-scoped.
	Objects []*yaml.RNode
	// Dropped are the hooks left out: Helm runs them only on uninstall or
	// on `helm test`, which an apply from Git never does.
	Dropped []Hook
}

// Inspect checks an archive and reads its name and version.
func Inspect(archiveData []byte) (Chart, error) {
	if err := checkArchive(archiveData); err != nil {
		return Chart{}, err
	}
	c, err := loader.LoadArchive(bytes.NewReader(archiveData))
	if err != nil {
		return Chart{}, err
	}
	return Chart{Name: c.Metadata.Name, Version: c.Metadata.Version}, nil
}

// notesFile is the template Helm renders for people, never as a manifest
// (action.notesFileSuffix).
const notesFile = "NOTES.txt"

// Render renders the chart as `helm template --include-crds` does, then
// applies the GitOps differences: hooks dropped or refused, a second render
// that must give the same bytes, no Secret holding data.
func Render(archiveData []byte, opts Options) (*Rendering, error) {
	if err := checkArchive(archiveData); err != nil {
		return nil, err
	}
	c, err := loader.LoadArchive(bytes.NewReader(archiveData))
	if err != nil {
		return nil, err
	}
	if err := checkSchemas(c); err != nil {
		return nil, err
	}
	// pkg/cmd runInstall: only application charts install, and every
	// dependency Chart.yaml names must be in charts/.
	if t := c.Metadata.Type; t != "" && t != "application" {
		return nil, fmt.Errorf("chart %s is a %s chart, which Helm does not install", c.Name(), t)
	}
	if err := checkDependencies(c); err != nil {
		return nil, err
	}
	raw, err := sigsyaml.Marshal(opts.Values)
	if err != nil {
		return nil, err
	}
	vals, err := chartcommon.ReadValues(raw)
	if err != nil {
		return nil, err
	}
	// action.Install: conditions, tags and import-values first; this
	// removes disabled dependencies (and their CRDs) from the chart.
	if err := chartv2util.ProcessDependencies(c, vals); err != nil {
		return nil, fmt.Errorf("chart %s: dependencies: %w", c.Name(), err)
	}
	caps, err := capabilities(opts)
	if err != nil {
		return nil, err
	}
	if kv := c.Metadata.KubeVersion; kv != "" && !chartv2util.IsCompatibleRange(kv, caps.KubeVersion.String()) {
		return nil, fmt.Errorf("chart %s requires kubeVersion %s, which Kubernetes %s (charts.kubeVersion) does not meet", c.Name(), kv, caps.KubeVersion.Version)
	}
	release := chartcommon.ReleaseOptions{Name: opts.Release, Namespace: opts.Namespace, Revision: 1, IsInstall: true}
	renderVals, err := chartutil.ToRenderValuesWithSchemaValidation(c, vals, release, caps, false)
	if err != nil {
		return nil, fmt.Errorf("the values vdirender sends to chart %s are refused by its values.schema.json: %w", c.Name(), trimSchemaError(err))
	}

	if opts.AsInstalled {
		return renderInstalled(c, renderVals, opts)
	}
	first, err := renderPass(c, renderVals, passes[0])
	if err != nil {
		return nil, err
	}
	second, err := renderPass(c, renderVals, passes[1])
	if err != nil {
		return nil, err
	}
	if err := checkHooks(c.Name(), first.hooks); err != nil {
		return nil, err
	}
	if err := compare(c.Name(), first.manifests, second.manifests); err != nil {
		return nil, err
	}

	out := &Rendering{Dropped: droppedHooks(first.hooks)}
	var err2 error
	out.Objects, err2 = assemble(c, opts.Namespace, first.manifests, func(file string, it *yaml.RNode) error {
		return checkSecret(c.Name(), file, it)
	})
	if err2 != nil {
		return nil, err2
	}
	return out, nil
}

// assemble parses the chart's CRDs, then the given manifests in order,
// giving each namespaced object without a namespace the release's. each is
// called on every manifest object first.
func assemble(c *chart.Chart, namespace string, manifests []releaseutil.Manifest, each func(file string, it *yaml.RNode) error) ([]*yaml.RNode, error) {
	var objects []*yaml.RNode
	for _, crd := range c.CRDObjects() {
		items, err := parse(crd.Filename, crd.File.Data)
		if err != nil {
			return nil, err
		}
		objects = append(objects, items...)
	}
	// Built-in cluster-scoped kinds, and those the chart's own CRDs declare.
	scopes := manifest.ScopesOf(objects)
	for _, m := range manifests {
		items, err := parse(m.Name, []byte(m.Content))
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if err := each(m.Name, it); err != nil {
				return nil, err
			}
			if it.GetNamespace() == "" && !scopes.ClusterScoped(it) {
				if err := it.SetNamespace(namespace); err != nil {
					return nil, err
				}
			}
		}
		objects = append(objects, items...)
	}
	return objects, nil
}

// pass is one render: the manifests and hooks Helm would install.
type pass struct {
	manifests []releaseutil.Manifest
	hooks     []*hook
}

func renderPass(c *chart.Chart, vals chartcommon.Values, funcs passFuncs) (*pass, error) {
	return renderWith(c, vals, newEngine(funcs))
}

func renderWith(c *chart.Chart, vals chartcommon.Values, e engine.Engine) (*pass, error) {
	files, err := renderWithin(c.Name(), func() (map[string]string, error) { return e.Render(c, vals) })
	if err != nil {
		return nil, err
	}
	// action.renderResources: every NOTES.txt (the chart's and its
	// dependencies') is text for people, never a manifest.
	for name := range files {
		if strings.HasSuffix(name, notesFile) {
			delete(files, name)
		}
	}
	// Partials (_*.tpl) and empty files are skipped here, as in Helm.
	hs, manifests, err := releaseutil.SortManifests(files, nil, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	p := &pass{manifests: manifests}
	for _, h := range hs {
		p.hooks = append(p.hooks, newHook(h.Kind, h.Name, h.Path, h.Manifest, h.Events))
	}
	return p, nil
}

// capabilities are what the chart sees as .Capabilities: the given
// Kubernetes version and API versions, and Helm's version as the SDK reports
// it, without the Go and client-go versions of the binary that renders
// (they would make the output depend on how vdirender was built).
func capabilities(opts Options) (*chartcommon.Capabilities, error) {
	kv, err := chartcommon.ParseKubeVersion(opts.KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", opts.KubeVersion, err)
	}
	caps := chartcommon.DefaultCapabilities.Copy()
	caps.KubeVersion = *kv
	caps.APIVersions = chartcommon.VersionSet(opts.APIVersions)
	caps.HelmVersion.GitCommit, caps.HelmVersion.GitTreeState = "", ""
	caps.HelmVersion.GoVersion, caps.HelmVersion.KubeClientVersion = "", ""
	return caps, nil
}

// checkDependencies refuses a chart whose Chart.yaml names a dependency
// that is not vendored in its charts/ directory, as `helm template` does
// (action.CheckDependencies matches by name).
func checkDependencies(c *chart.Chart) error {
	have := map[string]bool{}
	for _, d := range c.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, d := range c.Metadata.Dependencies {
		if d != nil && !have[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("chart %s: found in Chart.yaml, but missing in charts/ directory: %s", c.Name(), strings.Join(missing, ", "))
	}
	return nil
}

// trimSchemaError keeps the SDK's per-chart list of violations (each names
// the chart and the value's path) without its generic preamble.
func trimSchemaError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "values don't meet the specifications of the schema(s) in the following chart(s):\n")
	return errors.New(strings.TrimSpace(msg))
}

// checkSchemas refuses, in the chart and every dependency, a values schema
// that would load a file or URL.
func checkSchemas(c *chart.Chart) error {
	if err := checkSchemaRefs(c.Schema); err != nil {
		if c.IsRoot() {
			return err
		}
		return fmt.Errorf("sub-chart %s: %w", c.ChartFullPath(), err)
	}
	for _, dep := range c.Dependencies() {
		if err := checkSchemas(dep); err != nil {
			return err
		}
	}
	return nil
}

// checkSecret refuses a Secret that holds data: secrets are never rendered,
// a chart must be pointed at one that exists.
func checkSecret(chartName, file string, n *yaml.RNode) error {
	if n.GetKind() != "Secret" || n.GetApiVersion() != "v1" {
		return nil
	}
	var keys []string
	for _, field := range []string{"data", "stringData"} {
		if m := n.Field(field); m != nil && m.Value.YNode().Kind == yaml.MappingNode {
			fs, _ := m.Value.Fields()
			for _, k := range fs {
				keys = append(keys, field+"."+k)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	sort.Strings(keys)
	return fmt.Errorf("chart %s renders Secret %s (%s) holding %s; secrets are never rendered: %s",
		chartName, n.GetName(), file, strings.Join(keys, ", "), secretHint(chartName, file))
}

func parse(name string, data []byte) ([]*yaml.RNode, error) {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return items, nil
}

// templateChart is the chart a rendered template belongs to, from its path
// (postgresql/charts/common/templates/x.yaml is common's), and the path of
// its values inside the top chart's (common.).
func templateChart(file string) (name, valuesPrefix string) {
	parts := strings.Split(path.Clean(file), "/")
	name = parts[0]
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] == "charts" {
			name = parts[i+1]
			valuesPrefix += name + "."
			i++
		} else if parts[i] == "templates" {
			break
		}
	}
	return name, valuesPrefix
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
