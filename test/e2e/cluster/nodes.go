package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// KwokAnnotation marks the nodes kwok plays the kubelet of in a twin.
const (
	KwokAnnotation      = "kwok.x-k8s.io/node"
	KwokAnnotationValue = "fake"
)

// DefaultGPUProduct is the product GPUNodes advertise when none is given.
const DefaultGPUProduct = "NVIDIA-RTX-A4000"

// GPUNodes returns the nodes of a pool as NVIDIA's GPU feature discovery
// and device plugin v0.18.2 publish them under the rendered time-slicing
// config: capacity and allocatable nvidia.com/gpu = GPUs x replicas, the
// replicas, count, -SHARED product and sharing-strategy labels, the pool's
// device-plugin config label, and the nvidia.com/gpu NoSchedule taint GPU
// nodes usually carry. p.Replicas must be resolved (values.Default does).
// product "" is DefaultGPUProduct.
func GPUNodes(p values.NodePool, product string) []*corev1.Node {
	if product == "" {
		product = DefaultGPUProduct
	}
	var out []*corev1.Node
	for n := range p.Nodes {
		node := baseNode(fmt.Sprintf("%s-node-%d", p.Name, n))
		for k, v := range map[string]string{
			platform.PoolLabel:     p.Name,
			platform.ReplicasLabel: strconv.Itoa(p.Replicas),
			platform.CountLabel:    strconv.Itoa(p.GPUsPerNode),
			platform.ProductLabel:  product + platform.SharedSuffix,
			platform.SharingLabel:  platform.SharingTimeSlicing,
		} {
			node.Labels[k] = v
		}
		node.Spec.Taints = []corev1.Taint{{Key: string(platform.GPUResource), Effect: corev1.TaintEffectNoSchedule}}
		slices := resource.MustParse(strconv.Itoa(p.GPUsPerNode * p.Replicas))
		node.Status.Capacity[platform.GPUResource] = slices
		node.Status.Allocatable[platform.GPUResource] = slices.DeepCopy()
		out = append(out, node)
	}
	return out
}

// CPUNode returns a node without GPUs, for everything that is not a
// desktop (Kasm, databases, operators).
func CPUNode(name string) *corev1.Node { return baseNode(name) }

func baseNode(name string) *corev1.Node {
	list := func() corev1.ResourceList {
		return corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("64"),
			corev1.ResourceMemory:           resource.MustParse("512Gi"),
			corev1.ResourceEphemeralStorage: resource.MustParse("2Ti"),
			corev1.ResourcePods:             resource.MustParse("250"),
		}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:   name,
				corev1.LabelOSStable:   "linux",
				corev1.LabelArchStable: "amd64",
			},
			Annotations: map[string]string{KwokAnnotation: KwokAnnotationValue},
		},
		Status: corev1.NodeStatus{Capacity: list(), Allocatable: list()},
	}
}

// CreateNodes creates nodes and sets their status (capacity, allocatable
// and Ready, which kwok completes in a twin), then restores their taints:
// admission taints a new node not-ready, which only a node lifecycle
// controller would lift.
func CreateNodes(ctx context.Context, tb testing.TB, kube kubernetes.Interface, nodes ...*corev1.Node) {
	tb.Helper()
	for _, node := range nodes {
		created, err := kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if err != nil {
			tb.Fatalf("create node %s: %v", node.Name, err)
		}
		err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := kube.CoreV1().Nodes().Get(ctx, created.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			cur.Status.Capacity = node.Status.Capacity
			cur.Status.Allocatable = node.Status.Allocatable
			if !ready(cur) {
				cur.Status.Conditions = append(cur.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
					LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()})
			}
			_, err = kube.CoreV1().Nodes().UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			tb.Fatalf("node %s status: %v", node.Name, err)
		}
		taints := node.Spec.Taints
		if taints == nil {
			taints = []corev1.Taint{}
		}
		patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"taints": taints}})
		if _, err := kube.CoreV1().Nodes().Patch(ctx, node.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil && !apierrors.IsNotFound(err) {
			tb.Fatalf("node %s taints: %v", node.Name, err)
		}
	}
}

func ready(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
