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

// gpuOperator is what the gpu-operator chart is given: the time-slicing
// ConfigMap and its default key, and the K3s containerd settings.
func gpuOperator(v *values.Values) gpuOperatorValues {
	out := gpuOperatorValues{
		Driver:  enabled{Enabled: *v.GPU.Operator.Driver},
		Toolkit: toolkitValues{Enabled: true, Env: k3sToolkitEnv},
		DevicePlugin: devicePluginValues{Config: devicePluginConfigValues{
			Create: false, Name: v.GPU.TimeSlicing.ConfigMapName, Default: DefaultConfigKey,
		}},
	}
	if v.Charts.GPUOperator.Mode == values.ChartInline {
		// Inline, the chart's CRDs are rendered from its crds/ and applied
		// with everything else; its pre-upgrade hook Job that applies them
		// would be refused (internal/charts/hooks.go).
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

// gpu-operator chart values that vdirender sets.
type gpuOperatorValues struct {
	Operator     *gpuOperatorOperator `json:"operator,omitempty"`
	Driver       enabled              `json:"driver"`
	Toolkit      toolkitValues        `json:"toolkit"`
	DevicePlugin devicePluginValues   `json:"devicePlugin"`
}

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
	Enabled bool     `json:"enabled"`
	Env     []envVar `json:"env"`
}

type devicePluginValues struct {
	Config devicePluginConfigValues `json:"config"`
}

type devicePluginConfigValues struct {
	Create  bool   `json:"create"`
	Name    string `json:"name"`
	Default string `json:"default"`
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
