// Package doctor explains why a rollout hangs. It reads a namespace's events
// in time order, its pending pods and its unbound claims, and names the
// usual causes in plain words: GPU scheduling (with the capacity numbers),
// volume binding on local-path, and image pulls.
package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"

	"github.com/vdirender/vdirender/internal/platform"
)

// Causes of a problem.
const (
	CauseGPU      = "gpu"
	CauseVolume   = "volume"
	CauseImage    = "image"
	CauseSchedule = "scheduling"
)

// Problem is one stuck object and what is wrong with it.
type Problem struct {
	Object, Cause, Explanation string
}

// Event is one event, flattened for printing.
type Event struct {
	Time                          time.Time
	Type, Reason, Object, Message string
}

// Diagnosis is what doctor found in a namespace.
type Diagnosis struct {
	Events   []Event
	Problems []Problem
}

// selectedNode is set by the scheduler on a WaitForFirstConsumer claim once
// it picked a node for the pod that uses it.
const selectedNode = "volume.kubernetes.io/selected-node"

// Run diagnoses a namespace.
func Run(ctx context.Context, kube kubernetes.Interface, ns string) (Diagnosis, error) {
	var d Diagnosis
	events, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return d, err
	}
	for _, e := range events.Items {
		t := e.LastTimestamp.Time
		if t.IsZero() {
			t = e.EventTime.Time
		}
		if t.IsZero() {
			t = e.CreationTimestamp.Time
		}
		d.Events = append(d.Events, Event{Time: t, Type: e.Type, Reason: e.Reason, Object: e.InvolvedObject.Kind + "/" + e.InvolvedObject.Name, Message: e.Message})
	}
	sort.SliceStable(d.Events, func(i, j int) bool { return d.Events[i].Time.Before(d.Events[j].Time) })

	pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return d, err
	}
	nodes, err := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return d, err
	}
	allPods, err := kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return d, err
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Status.Phase != corev1.PodPending {
			continue
		}
		d.Problems = append(d.Problems, podProblems(p, nodes.Items, allPods.Items)...)
	}

	claims, err := kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return d, err
	}
	for i := range claims.Items {
		c := &claims.Items[i]
		if c.Status.Phase != corev1.ClaimPending {
			continue
		}
		p, err := claimProblem(ctx, kube, c, pods.Items)
		if err != nil {
			return d, err
		}
		d.Problems = append(d.Problems, p)
	}
	return d, nil
}

func podProblems(p *corev1.Pod, nodes []corev1.Node, all []corev1.Pod) []Problem {
	obj := "Pod/" + p.Name
	var out []Problem
	for _, s := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if w := s.State.Waiting; w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff" || w.Reason == "InvalidImageName") {
			out = append(out, Problem{obj, CauseImage, fmt.Sprintf(
				"container %s cannot pull image %s (%s: %s). Check that the tag exists, that the node can reach the registry and that imagePullSecrets hold valid credentials; with imagePullPolicy IfNotPresent a node pulls only once, so pre-pulling the image makes later starts fast.",
				s.Name, s.Image, w.Reason, w.Message)})
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse {
			continue
		}
		msg := c.Message
		switch {
		case strings.Contains(msg, "Insufficient "+string(platform.GPUResource)):
			out = append(out, Problem{obj, CauseGPU, platform.Shortage(p, nodes, all)})
		case strings.Contains(msg, "persistentvolumeclaim") || strings.Contains(msg, "PersistentVolumeClaim"):
			out = append(out, Problem{obj, CauseVolume, "the pod waits for its volume: " + msg})
		case strings.Contains(msg, "node affinity/selector"):
			out = append(out, Problem{obj, CauseSchedule, fmt.Sprintf("no node carries the labels the pod selects (%s); GPU nodes join a pool with the label %s=<pool>. Scheduler: %s",
				labels.SelectorFromSet(p.Spec.NodeSelector), "nvidia.com/device-plugin.config", msg)})
		case strings.Contains(msg, "untolerated taint"):
			out = append(out, Problem{obj, CauseSchedule, "every node that fits carries a taint the pod does not tolerate; GPU pods need the nvidia.com/gpu toleration. Scheduler: " + msg})
		default:
			out = append(out, Problem{obj, CauseSchedule, "the scheduler cannot place the pod: " + msg})
		}
	}
	return out
}

func claimProblem(ctx context.Context, kube kubernetes.Interface, c *corev1.PersistentVolumeClaim, pods []corev1.Pod) (Problem, error) {
	obj := "PersistentVolumeClaim/" + c.Name
	for _, m := range c.Spec.AccessModes {
		if m == corev1.ReadWriteMany || m == corev1.ReadOnlyMany {
			return Problem{obj, CauseVolume, fmt.Sprintf("the claim asks for %s, which node-local storage such as local-path cannot provide", m)}, nil
		}
	}
	name := ""
	if c.Spec.StorageClassName != nil {
		name = *c.Spec.StorageClassName
	}
	if name == "" {
		return Problem{obj, CauseVolume, "the claim names no storage class and no default class bound it; set storageClassName: local-path"}, nil
	}
	sc, err := kube.StorageV1().StorageClasses().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return Problem{obj, CauseVolume, fmt.Sprintf("StorageClass %s does not exist; on K3s use local-path", name)}, nil
	}
	if err != nil {
		return Problem{}, err
	}
	consumer := ""
	for _, p := range pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == c.Name {
				consumer = p.Name
			}
		}
	}
	wffc := sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer
	if wffc && c.Annotations[selectedNode] == "" {
		if consumer == "" {
			return Problem{obj, CauseVolume, fmt.Sprintf("StorageClass %s binds volumes only when a pod that uses the claim is scheduled (WaitForFirstConsumer), and no pod uses this claim yet; this is normal until one does", name)}, nil
		}
		return Problem{obj, CauseVolume, fmt.Sprintf("StorageClass %s waits for its first consumer, pod %s, which is not scheduled yet: see that pod's problem", name, consumer)}, nil
	}
	running, err := provisionerRunning(ctx, kube, sc.Provisioner)
	if err != nil {
		return Problem{}, err
	}
	if !running {
		return Problem{obj, CauseVolume, fmt.Sprintf("node %s was chosen but no volume appears: no running pod of the %s provisioner was found in kube-system (K3s deploys local-path-provisioner unless started with --disable=local-storage)", c.Annotations[selectedNode], sc.Provisioner)}, nil
	}
	return Problem{obj, CauseVolume, fmt.Sprintf("the %s provisioner runs but has not provisioned the claim yet; read its logs and the claim's events", sc.Provisioner)}, nil
}

// provisionerRunning looks for a running local-path-provisioner, the one
// K3s ships; other provisioners are assumed present.
func provisionerRunning(ctx context.Context, kube kubernetes.Interface, provisioner string) (bool, error) {
	if provisioner != "rancher.io/local-path" {
		return true, nil
	}
	pods, err := kube.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "app=local-path-provisioner"})
	if err != nil {
		return false, err
	}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning {
			return true, nil
		}
	}
	return false, nil
}
