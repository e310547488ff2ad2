package generators

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/apis/nvidia"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// DefaultConfigKey is the ConfigMap key used by GPU nodes that carry no
// nvidia.com/device-plugin.config label.
const DefaultConfigKey = "default"

// K3s runs its own containerd; the toolkit must edit that config and socket.
var k3sToolkitEnv = []envVar{
	{Name: "CONTAINERD_CONFIG", Value: "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"},
	{Name: "CONTAINERD_SOCKET", Value: "/run/k3s/containerd/containerd.sock"},
	{Name: "CONTAINERD_RUNTIME_CLASS", Value: "nvidia"},
}

// GPU renders the time-slicing ConfigMap and either gpu-operator as a pinned
// K3s HelmChart or, when the operator is already installed, a ClusterPolicy
// patch that points it at the ConfigMap.
func GPU(v *values.Values) []any {
	ts := v.GPU.TimeSlicing
	cm := &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: meta(ts.ConfigMapName, v.GPU.Operator.Namespace, "gpu"),
		Data:       map[string]string{DefaultConfigKey: deviceConfig(ts.Replicas, *ts.FailRequestsGreaterThanOne)},
	}
	for _, p := range v.GPU.NodePools {
		cm.Data[p.Name] = deviceConfig(p.Replicas, *ts.FailRequestsGreaterThanOne)
	}
	pluginConfig := nvidia.DevicePluginConfig{Name: ts.ConfigMapName, Default: DefaultConfigKey}

	if v.GPU.Operator.Mode == values.OperatorExisting {
		m := meta(nvidia.ClusterPolicyName, "", "gpu")
		// Applied server-side, this object sets only the fields below.
		m.Annotations = map[string]string{"argocd.argoproj.io/sync-options": "ServerSideApply=true"}
		return []any{cm, &nvidia.ClusterPolicy{
			TypeMeta:   typeMeta(nvidia.ClusterPolicyAPIVersion, "ClusterPolicy"),
			ObjectMeta: m,
			Spec:       nvidia.ClusterPolicySpec{DevicePlugin: nvidia.DevicePluginSpec{Config: pluginConfig}},
		}}
	}

	// gpu-operator itself is a sub-chart (see SubCharts).
	return []any{cm}
}

// DevicePluginVersion pins NVIDIA's k8s-device-plugin image, which runs the
// device plugin and GPU feature discovery with their config-manager
// sidecars. gpu-operator v25.10.1 ships v0.18.1, whose config-manager can
// block on a node without the nvidia.com/device-plugin.config label: the
// very path the "default" key relies on. v0.18.2 fixes it.
const DevicePluginVersion = "v0.18.2"

// gpuOperator is what the gpu-operator chart is given: the time-slicing
// ConfigMap and its default key, the device plugin version, the K3s
// containerd settings, and CPU and memory for every operand it runs and
// for node-feature-discovery, whose chart leaves out the CPU limits.
func gpuOperator(v *values.Values) gpuOperatorValues {
	ds := v.ContainerResources("DaemonSet")
	operand := &ds
	cpuLimit := func(kind string) nfdResources {
		return nfdResources{Limits: corev1.ResourceList{corev1.ResourceCPU: v.ContainerResources(kind).Limits[corev1.ResourceCPU]}}
	}
	out := gpuOperatorValues{
		Driver:    enabled{Enabled: *v.GPU.Operator.Driver},
		Validator: resourcesOnly{Resources: operand},
		Toolkit:   toolkitValues{Enabled: true, Env: k3sToolkitEnv, Resources: operand},
		DevicePlugin: devicePluginValues{
			Version:   DevicePluginVersion,
			Resources: operand,
			Config:    devicePluginConfigValues{Name: v.GPU.TimeSlicing.ConfigMapName, Default: DefaultConfigKey},
		},
		GFD:          versionedOperand{Version: DevicePluginVersion, Resources: operand},
		DCGMExporter: resourcesOnly{Resources: operand},
		MIGManager:   resourcesOnly{Resources: operand},
		NFD: nfdValues{
			Master: nfdComponent{Resources: cpuLimit("Deployment")},
			Worker: nfdComponent{Resources: cpuLimit("DaemonSet")},
			GC:     nfdComponent{Resources: cpuLimit("Deployment")},
		},
	}
	if v.Charts.GPUOperator.Mode == values.ChartInline {
		out.Operator = &gpuOperatorOperator{UpgradeCRD: false}
	}
	return out
}

// deviceConfig is one device-plugin config file: time-slicing of
// nvidia.com/gpu, never renamed, so pods keep asking for nvidia.com/gpu.
func deviceConfig(replicas int, failGreaterThanOne bool) string {
	c := nvidia.Config{
		Version: nvidia.ConfigVersion,
		Flags:   nvidia.Flags{MigStrategy: "none"},
		Sharing: nvidia.Sharing{TimeSlicing: nvidia.ReplicatedResources{
			RenameByDefault:            false,
			FailRequestsGreaterThanOne: failGreaterThanOne,
			Resources:                  []nvidia.ReplicatedResource{{Name: string(platform.GPUResource), Replicas: replicas}},
		}},
	}
	return mustYAML(c)
}

// gpu-operator chart values that vdirender sets. The operands' resources
// reach the ClusterPolicy, from which the operator sets them on each operand
// DaemonSet's containers.
type gpuOperatorValues struct {
	Operator     *gpuOperatorOperator `json:"operator,omitempty"`
	Driver       enabled              `json:"driver"`
	Validator    resourcesOnly        `json:"validator"`
	Toolkit      toolkitValues        `json:"toolkit"`
	DevicePlugin devicePluginValues   `json:"devicePlugin"`
	GFD          versionedOperand     `json:"gfd"`
	DCGMExporter resourcesOnly        `json:"dcgmExporter"`
	MIGManager   resourcesOnly        `json:"migManager"`
	NFD          nfdValues            `json:"node-feature-discovery"`
}

// gpuOperatorOperator: inline, the chart's CRDs are rendered from its crds/
// and applied with everything else; its pre-upgrade hook Job that applies
// them would be refused (internal/charts/hooks.go).
type gpuOperatorOperator struct {
	UpgradeCRD bool `json:"upgradeCRD"`
}

type enabled struct {
	Enabled bool `json:"enabled"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type toolkitValues struct {
	Enabled   bool                         `json:"enabled"`
	Env       []envVar                     `json:"env"`
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

type devicePluginValues struct {
	Version   string                       `json:"version"`
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
	Config    devicePluginConfigValues     `json:"config"`
}

// devicePluginConfigValues point the device plugin at the time-slicing
// ConfigMap that vdirender renders (the chart's create is left false).
type devicePluginConfigValues struct {
	Name    string `json:"name"`
	Default string `json:"default"`
}

type versionedOperand struct {
	Version   string                       `json:"version"`
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

// node-feature-discovery sub-chart values: only the CPU limit each
// component lacks; Helm merges it into the chart's own requests and
// memory limit.
type nfdValues struct {
	Master nfdComponent `json:"master"`
	Worker nfdComponent `json:"worker"`
	GC     nfdComponent `json:"gc"`
}

type nfdComponent struct {
	Resources nfdResources `json:"resources"`
}

type nfdResources struct {
	Limits corev1.ResourceList `json:"limits"`
}

// helmChart renders a K3s HelmChart in kube-system that installs chart c at
// its exact version into targetNS with the given typed values.
func helmChart(name, targetNS string, c values.Chart, vals any) *k3s.HelmChart {
	m := meta(name, k3s.Namespace, "chart")
	return &k3s.HelmChart{
		TypeMeta:   typeMeta(k3s.APIVersion, "HelmChart"),
		ObjectMeta: m,
		Spec: k3s.HelmChartSpec{
			TargetNamespace: targetNS,
			Chart:           c.Name,
			Repo:            c.Repo,
			Version:         c.Version,
			ValuesContent:   mustYAML(vals),
			Timeout:         &metav1.Duration{Duration: 10 * time.Minute},
		},
	}
}

// mustYAML marshals typed values; they are plain structs, so it cannot fail
// short of a programming error.
func mustYAML(v any) string {
	b, err := sigsyaml.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal %T: %v", v, err))
	}
	return string(b)
}
