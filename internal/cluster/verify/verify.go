// Package verify checks a rendering against a live cluster without changing
// it: every object is server-side dry-run, and the GPU demand is compared
// with the nvidia.com/gpu the cluster's nodes really advertise.
package verify

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/apis/nvidia"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// DefaultPool names GPU nodes that carry no nvidia.com/device-plugin.config
// label: gpu-operator gives them the default config.
const DefaultPool = "default"

// Finding is what happened to one object.
type Finding struct {
	Object  string
	Message string
}

// Report is the outcome of a verification.
type Report struct {
	Accepted int
	// Rejected objects would fail to apply; Skipped ones cannot be checked
	// until objects of the same rendering exist (their namespace or CRD).
	Rejected, Skipped []Finding
	Capacity          values.Capacity
	// Nodes counts the GPU nodes per pool.
	Nodes map[string]int
}

// OK reports whether the rendering can be applied and fits the GPUs.
func (r Report) OK() bool {
	for _, p := range r.Pools() {
		if p.Fit < p.Replicas {
			return false
		}
	}
	return len(r.Rejected) == 0
}

// Run verifies items against the cluster behind cl.
func Run(ctx context.Context, cl *kubeclient.Client, items []*yaml.RNode) (Report, error) {
	var r Report
	objs := make([]*unstructured.Unstructured, 0, len(items))
	rendered := map[string]bool{} // namespaces and CRD kinds this rendering creates
	for _, it := range items {
		var m map[string]any
		if err := sigsyaml.Unmarshal([]byte(it.MustString()), &m); err != nil {
			return r, err
		}
		o := &unstructured.Unstructured{Object: m}
		objs = append(objs, o)
		switch o.GetKind() {
		case "Namespace":
			rendered["ns/"+o.GetName()] = true
		case "CustomResourceDefinition":
			group, _, _ := unstructured.NestedString(m, "spec", "group")
			kind, _, _ := unstructured.NestedString(m, "spec", "names", "kind")
			rendered["kind/"+kind+"."+group] = true
		}
	}
	existing := map[string]bool{}
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if _, err := cl.Mapping(gvk); meta.IsNoMatchError(err) {
			if rendered["kind/"+gvk.Kind+"."+gvk.Group] {
				r.Skipped = append(r.Skipped, Finding{kubeclient.Describe(o), "its CRD is in this rendering and not yet installed"})
			} else {
				r.Rejected = append(r.Rejected, Finding{kubeclient.Describe(o), fmt.Sprintf("the cluster does not serve %s: its CRD is missing", gvk.GroupVersion().WithKind(gvk.Kind))})
			}
			continue
		} else if err != nil {
			return r, err
		}
		if ns := o.GetNamespace(); ns != "" {
			if _, seen := existing[ns]; !seen {
				_, err := cl.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
				if err != nil && !apierrors.IsNotFound(err) {
					return r, err
				}
				existing[ns] = err == nil
			}
			if !existing[ns] {
				if rendered["ns/"+ns] {
					r.Skipped = append(r.Skipped, Finding{kubeclient.Describe(o), fmt.Sprintf("namespace %s does not exist yet; this rendering creates it", ns)})
				} else {
					r.Rejected = append(r.Rejected, Finding{kubeclient.Describe(o), fmt.Sprintf("namespace %s does not exist and nothing creates it", ns)})
				}
				continue
			}
		}
		if err := cl.Apply(ctx, kubeclient.FieldManager, o, true); err != nil {
			r.Rejected = append(r.Rejected, Finding{kubeclient.Describe(o), err.Error()})
			continue
		}
		r.Accepted++
	}

	pools, nodes, err := gpuPools(ctx, cl)
	if err != nil {
		return r, err
	}
	demands, _, err := transformers.Demands(items)
	if err != nil {
		return r, err
	}
	r.Capacity = values.Place(pools, demands)
	r.Nodes = nodes
	return r, nil
}

// gpuPools reads each GPU node's allocatable nvidia.com/gpu and groups the
// nodes by their device-plugin config label. Each node is a pool entry of
// its own (one node, its slices as one GPU of one replica), so nodes of
// different sizes in one pool are counted exactly.
func gpuPools(ctx context.Context, cl *kubeclient.Client) ([]values.NodePool, map[string]int, error) {
	list, err := cl.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	var pools []values.NodePool
	nodes := map[string]int{}
	for _, n := range list.Items {
		q, ok := n.Status.Allocatable[values.GPUResource]
		if !ok || q.Value() == 0 || n.Spec.Unschedulable {
			continue
		}
		pool := n.Labels[nvidia.ConfigLabel]
		if pool == "" {
			pool = DefaultPool
		}
		nodes[pool]++
		pools = append(pools, values.NodePool{Name: pool, Nodes: 1, GPUsPerNode: int(q.Value()), Replicas: 1})
	}
	return pools, nodes, nil
}

// Pools sums the capacity of the per-node entries by pool name.
func (r Report) Pools() []values.PoolCapacity {
	byName := map[string]*values.PoolCapacity{}
	var names []string
	for _, p := range r.Capacity.Pools {
		agg, ok := byName[p.Pool.Name]
		if !ok {
			agg = &values.PoolCapacity{Pool: values.NodePool{Name: p.Pool.Name}}
			byName[p.Pool.Name] = agg
			names = append(names, p.Pool.Name)
		}
		if p.Slices > 0 {
			agg.Pool.Nodes++
		}
		agg.Slices += p.Slices
		agg.Demand += p.Demand
		agg.Replicas += p.Replicas
		agg.Fit += p.Fit
	}
	var out []values.PoolCapacity
	for _, n := range names {
		out = append(out, *byName[n])
	}
	return out
}
