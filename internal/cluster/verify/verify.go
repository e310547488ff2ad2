// Package verify checks a rendering against a live cluster without changing
// it: every object is server-side dry-run, and the GPU demand is compared
// with the nvidia.com/gpu the cluster's nodes really advertise.
package verify

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/platform"
)

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
	Capacity          platform.Capacity
}

// OK reports whether the rendering can be applied and fits the GPUs.
func (r Report) OK() bool {
	return len(r.Capacity.Short()) == 0 && len(r.Rejected) == 0
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

	nodes, err := cl.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return r, err
	}
	demands, _, errs := platform.Demands(items)
	for _, e := range errs {
		r.Rejected = append(r.Rejected, Finding{e.Object.GetKind() + " " + e.Object.GetName(), e.Error()})
	}
	r.Capacity = platform.Place(platform.ClusterPools(nodes.Items), demands)
	return r, nil
}
