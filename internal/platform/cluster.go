package platform

import (
	"fmt"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// PoolOfNode is the pool a node belongs to: its device-plugin config
// label, or the default pool.
func PoolOfNode(n *corev1.Node) string {
	if p := n.Labels[PoolLabel]; p != "" {
		return p
	}
	return DefaultPool
}

// ClusterPools reads the pools from the nodes themselves: every schedulable
// node that advertises nvidia.com/gpu, grouped by pool, with the physical
// GPUs and replicas that GPU feature discovery publishes when present.
// Pools come in name order, nodes in name order within a pool.
func ClusterPools(nodes []corev1.Node) []Pool {
	sorted := make([]*corev1.Node, 0, len(nodes))
	for i := range nodes {
		sorted = append(sorted, &nodes[i])
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	byName := map[string]*Pool{}
	var names []string
	for _, n := range sorted {
		q, ok := n.Status.Allocatable[GPUResource]
		if !ok || q.Value() == 0 || n.Spec.Unschedulable {
			continue
		}
		name := PoolOfNode(n)
		p, seen := byName[name]
		if !seen {
			p = &Pool{Name: name}
			byName[name] = p
			names = append(names, name)
		}
		g := NodeGroup{Nodes: 1, Slices: q.Value(), GPUs: labelInt(n, CountLabel), Replicas: labelInt(n, ReplicasLabel)}
		if last := len(p.Groups) - 1; last >= 0 && p.Groups[last].Slices == g.Slices && p.Groups[last].GPUs == g.GPUs && p.Groups[last].Replicas == g.Replicas {
			p.Groups[last].Nodes++
			continue
		}
		p.Groups = append(p.Groups, g)
	}
	sort.Strings(names)
	out := make([]Pool, 0, len(names))
	for _, n := range names {
		out = append(out, *byName[n])
	}
	return out
}

func labelInt(n *corev1.Node, label string) int64 {
	v, err := strconv.ParseInt(n.Labels[label], 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// Shortage explains, with the numbers, why a pod asking for nvidia.com/gpu
// finds no free time-slice on the nodes it may use: what they advertise
// and what the pods running there hold, counted the scheduler's way.
func Shortage(p *corev1.Pod, nodes []corev1.Node, pods []corev1.Pod) string {
	want := PodGPUs(&p.Spec)
	sel := labels.SelectorFromSet(p.Spec.NodeSelector)
	var matched int
	var allocatable, used int64
	onMatched := map[string]bool{}
	for i := range nodes {
		n := &nodes[i]
		if !sel.Matches(labels.Set(n.Labels)) {
			continue
		}
		q, ok := n.Status.Allocatable[GPUResource]
		if !ok {
			continue
		}
		matched++
		onMatched[n.Name] = true
		allocatable += q.Value()
	}
	var warm int64
	for i := range pods {
		o := &pods[i]
		if onMatched[o.Spec.NodeName] && o.Status.Phase != corev1.PodSucceeded && o.Status.Phase != corev1.PodFailed {
			g := PodGPUs(&o.Spec)
			used += g
			if o.Labels[WarmLabel] == "true" {
				warm += g
			}
		}
	}
	if matched == 0 {
		return fmt.Sprintf("the pod asks for %d nvidia.com/gpu but no node it may use (%s) advertises nvidia.com/gpu: is gpu-operator's device plugin running there?", want, sel)
	}
	held := ""
	if warm > 0 {
		held = fmt.Sprintf(" (%d of them by warm desktops no session has taken: smaller warm pools free them)", warm)
	}
	return fmt.Sprintf("GPU time-slices are exhausted: the pod asks for %d nvidia.com/gpu; the %d node(s) it may use (%s) advertise %d and running pods hold %d%s, so %d are free. Add GPU nodes, raise gpu.timeSlicing.replicas, or end idle sessions.",
		want, matched, sel, allocatable, used, held, allocatable-used)
}
