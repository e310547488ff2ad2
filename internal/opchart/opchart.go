// Package opchart writes the VDI operator as a Helm chart, for teams that
// install with Helm: CRDs under crds/, the operator's objects and its
// admission policies as templates, values.yaml and values.schema.json, and
// Chart.yaml with the platform's vendored sub-charts as pinned dependencies
// and their Chart.lock. With its default values the chart renders exactly
// what vdirender renders.
package opchart

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/crds"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/schemas"
)

// Name and version of the chart.
const (
	Name    = "vdi-operator"
	Version = "0.1.0"
)

// Template expressions the objects carry in place of values.
const (
	releaseNamespace = "{{ .Release.Namespace }}"
	sessionNamespace = "{{ .Values.sessionNamespace }}"
	sessionHost      = "{{ .Values.sessionHost }}"
	operatorImage    = "{{ .Values.operator.image }}"
	pullPolicy       = "{{ .Values.operator.imagePullPolicy }}"
	// replicasSentinel stands for the replicas field, which typed objects
	// cannot hold as a template expression.
	replicasSentinel = 918273645
	replicasTemplate = "{{ .Values.operator.replicas }}"
)

// Values is the chart's values.yaml.
type Values struct {
	Operator         OperatorValues `json:"operator"`
	SessionNamespace string         `json:"sessionNamespace"`
	SessionHost      string         `json:"sessionHost"`
	// The vendored sub-charts, off unless enabled.
	Kasm        *Toggle `json:"kasm,omitempty"`
	PostgreSQL  *Toggle `json:"postgresql,omitempty"`
	Redis       *Toggle `json:"redis,omitempty"`
	Coturn      *Toggle `json:"coturn,omitempty"`
	GPUOperator *Toggle `json:"gpuOperator,omitempty"`
}

// toggle returns the field of a dependency key.
func (cv *Values) toggle(key string) **Toggle {
	return map[string]**Toggle{"kasm": &cv.Kasm, "postgresql": &cv.PostgreSQL, "redis": &cv.Redis, "coturn": &cv.Coturn, "gpuOperator": &cv.GPUOperator}[key]
}

// OperatorValues configure the operator Deployment.
type OperatorValues struct {
	Image           string            `json:"image"`
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy"`
	Replicas        int32             `json:"replicas"`
}

// Toggle enables a dependency.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// owner owns the directories of chart -o: the chart's files only, listed
// in dir/.vdirender-files.
var owner = manifest.Owner{
	Command: "chart -o",
	Header:  "# Files vdirender chart -o wrote here; the next chart -o replaces or removes them.\n",
	Path:    regexp.MustCompile(`^(Chart\.yaml|Chart\.lock|values\.yaml|values\.schema\.json|crds/[a-z0-9][-a-z0-9.]*\.yaml|templates/[a-z][a-z0-9]*_[A-Za-z0-9]([-A-Za-z0-9._:@]*[A-Za-z0-9])?\.yaml|charts/[A-Za-z0-9][-A-Za-z0-9._+]*)$`),
}

// Write writes the chart for v into dir. Sub-charts in inline mode whose
// archives are in pkgDir become pinned dependencies. It owns dir as
// build -o does (manifest.WriteOwned): it writes inside dir only, follows
// no link there, replaces and removes only the files it wrote before, and
// refuses a dir holding anything else, naming it, before writing.
func Write(dir string, v *values.Values, pkgDir string) error {
	files := map[string][]byte{}
	meta := &chartv2.Metadata{
		APIVersion: chartv2.APIVersionV2, Name: Name, Version: Version, Type: "application",
		AppVersion:  imageTag(v.VDI.Operator.Image),
		KubeVersion: ">=1.30.0-0",
		Description: "The VDI operator (VDITemplate and VDISession) for GPU desktops on K3s, rendered by vdirender.",
	}
	var lockDeps []*chartv2.Dependency
	vals := &Values{
		Operator:         OperatorValues{Image: v.VDI.Operator.Image, ImagePullPolicy: v.Global.Image.PullPolicy, Replicas: *v.VDI.Operator.Replicas},
		SessionNamespace: v.VDI.SessionNamespace,
		SessionHost:      v.Ingress.SessionHost,
	}
	for _, c := range generators.InlineSubCharts(v) {
		data, err := charts.ReadArchive(pkgDir, c)
		if err != nil {
			return err
		}
		files["charts/"+path.Base(c.Chart.Archive)] = data
		meta.Dependencies = append(meta.Dependencies, &chartv2.Dependency{Name: c.Chart.Name, Version: c.Chart.Version, Repository: c.Chart.Repo, Condition: c.Key + ".enabled"})
		lockDeps = append(lockDeps, &chartv2.Dependency{Name: c.Chart.Name, Version: c.Chart.Version, Repository: c.Chart.Repo})
		*vals.toggle(c.Key) = &Toggle{Enabled: false}
	}
	if err := putYAML(files, "Chart.yaml", meta); err != nil {
		return err
	}
	if len(lockDeps) > 0 {
		digest, err := hashReq(meta.Dependencies, lockDeps)
		if err != nil {
			return err
		}
		// A fixed time keeps the chart byte-identical between runs.
		lock := &chartv2.Lock{Generated: time.Unix(0, 0).UTC(), Digest: digest, Dependencies: lockDeps}
		if err := putYAML(files, "Chart.lock", lock); err != nil {
			return err
		}
	}

	if err := putYAML(files, "values.yaml", vals); err != nil {
		return err
	}
	files["values.schema.json"] = schemas.OperatorChart

	for _, crd := range crds.All() {
		crd.Labels = map[string]string{generators.PartOfLabel: generators.PartOf, generators.ManagedByLabel: generators.ManagedBy, generators.ComponentLabel: "api"}
		if err := putObject(files, "crds/"+crd.Name+".yaml", crd); err != nil {
			return err
		}
	}
	for _, obj := range templateObjects(v) {
		n, err := manifest.ToNode(obj)
		if err != nil {
			return err
		}
		m, err := n.GetMeta()
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(n.MustString(), fmt.Sprint(replicasSentinel), replicasTemplate)
		name := m.Name
		if strings.Contains(name, "{{") {
			name = "session-namespace"
		}
		files["templates/"+strings.ToLower(m.Kind)+"_"+name+".yaml"] = []byte(text)
	}

	return manifest.WriteOwned(dir, owner, files)
}

// templateObjects are the operator's objects, its admission policies and
// the session namespace, rendered from v with template expressions where
// Helm supplies the value.
func templateObjects(v *values.Values) []any {
	tv := *v
	tv.VDI.Namespace = releaseNamespace
	tv.VDI.SessionNamespace = sessionNamespace
	tv.Ingress.SessionHost = sessionHost
	tv.VDI.Operator.Image = operatorImage
	tv.Global.Image.PullPolicy = pullPolicy
	replicas := int32(replicasSentinel)
	tv.VDI.Operator.Replicas = &replicas
	// The admission policies go with the operator: without them a tenant
	// could create sessions for others or ask for more home than allowed.
	out := append(generators.Operator(&tv), generators.Admission(&tv)...)
	for _, ns := range generators.Namespaces(v) {
		if n, ok := ns.(*corev1.Namespace); ok && n.Name == v.VDI.SessionNamespace {
			n.Name = sessionNamespace
			n.Labels[generators.NameLabel] = sessionNamespace
			out = append(out, n)
		}
	}
	return out
}

func imageTag(image string) string {
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[i+1:]
	}
	return ""
}

func putYAML(files map[string][]byte, name string, v any) error {
	b, err := sigsyaml.Marshal(v)
	if err != nil {
		return err
	}
	files[name] = b
	return nil
}

func putObject(files map[string][]byte, name string, obj any) error {
	n, err := manifest.ToNode(obj)
	if err != nil {
		return err
	}
	files[name] = []byte(n.MustString())
	return nil
}

// hashReq is the digest Helm writes in Chart.lock: the sha256 of the JSON
// of the requirements and the locked dependencies.
func hashReq(req, lock []*chartv2.Dependency) (string, error) {
	data, err := json.Marshal([2][]*chartv2.Dependency{req, lock})
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
