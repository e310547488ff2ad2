// Rendering is in-process with the Helm 4 SDK: a fixed release name and
// namespace, and the Kubernetes version and API versions given explicitly,
// never the SDK's defaults (which differ between tests and binaries). No
// helm binary runs.

package charts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	chartcommon "helm.sh/helm/v4/pkg/chart/common"
	chartutil "helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Options fix everything a render depends on besides the chart.
type Options struct {
	Release, Namespace string
	// Values are typed chart values; they are marshalled as YAML first.
	Values any
	// KubeVersion such as v1.35.4 and the API versions the cluster serves.
	KubeVersion string
	APIVersions []string
}

// Chart is what an archive holds.
type Chart struct {
	Name, Version string
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

// Render renders the chart: its CRDs first, then its templates in Helm's
// install order. Hooks are refused: they would run once at install time,
// which a GitOps apply cannot reproduce.
func Render(archiveData []byte, opts Options) ([]*yaml.RNode, error) {
	if err := checkArchive(archiveData); err != nil {
		return nil, err
	}
	c, err := loader.LoadArchive(bytes.NewReader(archiveData))
	if err != nil {
		return nil, err
	}
	if err := checkSchemaRefs(c.Schema); err != nil {
		return nil, err
	}
	for _, dep := range c.Dependencies() {
		if err := checkSchemaRefs(dep.Schema); err != nil {
			return nil, fmt.Errorf("sub-chart %s: %w", dep.Name(), err)
		}
	}
	raw, err := sigsyaml.Marshal(opts.Values)
	if err != nil {
		return nil, err
	}
	vals, err := chartcommon.ReadValues(raw)
	if err != nil {
		return nil, err
	}
	kv, err := chartcommon.ParseKubeVersion(opts.KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kube version %q: %w", opts.KubeVersion, err)
	}
	caps := &chartcommon.Capabilities{KubeVersion: *kv, APIVersions: chartcommon.VersionSet(opts.APIVersions)}
	release := chartcommon.ReleaseOptions{Name: opts.Release, Namespace: opts.Namespace, Revision: 1, IsInstall: true}
	renderVals, err := chartutil.ToRenderValuesWithSchemaValidation(c, vals, release, caps, false)
	if err != nil {
		return nil, err
	}
	files, err := engine.Render(c, renderVals)
	if err != nil {
		return nil, err
	}
	hooks, manifests, err := releaseutil.SortManifests(files, caps.APIVersions, releaseutil.InstallOrder)
	if err != nil {
		return nil, err
	}
	if len(hooks) > 0 {
		names := make([]string, len(hooks))
		for i, h := range hooks {
			names[i] = h.Kind + "/" + h.Name + " (" + h.Path + ")"
		}
		sort.Strings(names)
		return nil, fmt.Errorf("chart %s has hooks, which run once at install time and cannot be applied from Git: %s", c.Name(), strings.Join(names, ", "))
	}
	var out []*yaml.RNode
	for _, crd := range c.CRDObjects() {
		items, err := parse(crd.Filename, crd.File.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
	}
	for _, m := range manifests {
		items, err := parse(m.Name, []byte(m.Content))
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if it.GetNamespace() == "" && !clusterScoped[it.GetKind()] {
				if err := it.SetNamespace(opts.Namespace); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, items...)
	}
	return out, nil
}

func parse(name string, data []byte) ([]*yaml.RNode, error) {
	items, err := (&kio.ByteReader{Reader: bytes.NewReader(data), OmitReaderAnnotations: true}).Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return items, nil
}

// clusterScoped are the built-in kinds without a namespace. Helm leaves the
// namespace to the client at install; a GitOps rendering must write it.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "CustomResourceDefinition": true,
	"ClusterRole": true, "ClusterRoleBinding": true, "StorageClass": true, "PriorityClass": true,
	"IngressClass": true, "RuntimeClass": true, "CSIDriver": true, "VolumeAttachment": true,
	"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true, "APIService": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
