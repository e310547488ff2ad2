// Package nvidia holds the NVIDIA device-plugin configuration file and the
// part of gpu-operator's ClusterPolicy that vdirender sets. The upstream
// config types marshal unset flags as null and pin a newer toolchain, so the
// subset is restated with the upstream JSON names and rules.
package nvidia

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConfigVersion is the only device-plugin config version.
const ConfigVersion = "v1"

// Config is one device-plugin configuration (one key of the ConfigMap).
type Config struct {
	Version string  `json:"version"`
	Flags   Flags   `json:"flags"`
	Sharing Sharing `json:"sharing"`
}

// Flags are the plugin flags that matter for sharing.
type Flags struct {
	MigStrategy string `json:"migStrategy"`
}

// Sharing selects time-slicing.
type Sharing struct {
	TimeSlicing ReplicatedResources `json:"timeSlicing"`
}

// ReplicatedResources says how many slices each GPU advertises.
type ReplicatedResources struct {
	// RenameByDefault must stay false: true advertises nvidia.com/gpu.shared
	// and pods asking for nvidia.com/gpu never schedule.
	RenameByDefault            bool                 `json:"renameByDefault"`
	FailRequestsGreaterThanOne bool                 `json:"failRequestsGreaterThanOne"`
	Resources                  []ReplicatedResource `json:"resources"`
}

// ReplicatedResource is one shared resource.
type ReplicatedResource struct {
	Name     string `json:"name"`
	Replicas int    `json:"replicas"`
}

// ClusterPolicyAPIVersion and name of the policy the operator's chart creates.
const (
	ClusterPolicyAPIVersion = "nvidia.com/v1"
	ClusterPolicyName       = "cluster-policy"
)

// ClusterPolicy carries only spec.devicePlugin.config: applied server-side it
// patches the operator's policy without owning the rest of it.
type ClusterPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ClusterPolicySpec `json:"spec"`
}

// ClusterPolicySpec is the patched subset.
type ClusterPolicySpec struct {
	DevicePlugin DevicePluginSpec `json:"devicePlugin"`
}

// DevicePluginSpec points the plugin at the time-slicing ConfigMap.
type DevicePluginSpec struct {
	Config DevicePluginConfig `json:"config"`
}

// DevicePluginConfig names the ConfigMap and its default key. Without a
// default, nodes without the config label run with no sharing at all.
type DevicePluginConfig struct {
	Name    string `json:"name"`
	Default string `json:"default"`
}
