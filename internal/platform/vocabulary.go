// Package platform is the one model of the GPU platform that every part of
// vdirender shares: its vocabulary (the GPU resource, the pool label, the
// runtime class, the storage class), how much GPU a pod-producing object
// asks for, and how much of it the node pools can hold. The renderer's
// capacity rule, validate, verify, doctor and the operator all call it, so
// that they cannot count differently.
package platform

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// The GPU vocabulary, as NVIDIA's device plugin, GPU feature discovery and
// K3s name things.
const (
	// GPUResource is the extended resource the device plugin advertises;
	// time-slicing multiplies it by the replicas of the node's config.
	GPUResource corev1.ResourceName = v1alpha1.GPUResourceName
	// RuntimeClass is the RuntimeClass K3s creates for the NVIDIA runtime.
	RuntimeClass = "nvidia"
	// PoolLabel joins a node to a pool: gpu-operator gives the node the
	// device-plugin config of that name.
	PoolLabel = "nvidia.com/device-plugin.config"
	// DefaultPool names GPU nodes without PoolLabel: they get the config's
	// default key.
	DefaultPool = "default"
	// StorageClass is the storage class of every volume: K3s's
	// local-path-provisioner.
	StorageClass = v1alpha1.LocalPath
)

// Labels GPU feature discovery publishes for a time-sliced GPU node (seen
// on a real H100 with the device plugin v0.18.2): nvidia.com/gpu is GPUs x
// replicas, the product name gains -SHARED.
const (
	ReplicasLabel      = "nvidia.com/gpu.replicas"
	CountLabel         = "nvidia.com/gpu.count"
	ProductLabel       = "nvidia.com/gpu.product"
	SharingLabel       = "nvidia.com/gpu.sharing-strategy"
	SharingTimeSlicing = "time-slicing"
	SharedSuffix       = "-SHARED"
)

// GPUToleration is the toleration GPU pods need for the taint gpu-operator
// setups put on GPU nodes.
func GPUToleration() corev1.Toleration {
	return corev1.Toleration{Key: string(GPUResource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
}

// LoginCookie is the login's (oauth2-proxy's) session cookie on the session
// host; oauth2-proxy splits a large one into LoginCookie_0, _1, ... The
// gateway never forwards any of them to a desktop.
const LoginCookie = "_vdi_login"

// WarmLabel marks a desktop of a template's warm pool that no session has
// taken (the operator's session package uses the same name).
const WarmLabel = "vdi.vdirender.dev/warm"
