// Package verify checks a rendering against a live cluster without changing
// it: every object is server-side dry-run, the GPU demand is compared with
// the nvidia.com/gpu the cluster's nodes really advertise, and the Secrets
// the rendering reads but nobody renders are looked for.
package verify

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/ynode"
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
	// Secrets are the Secrets the rendering reads that are missing or
	// incomplete; SecretsPresent counts those in order.
	Secrets        []Finding
	SecretsPresent int
	// Prerequisites are the other expectations: the node labels of the
	// GPU pools and cert-manager's issuer. Missing ones fail.
	Prerequisites []Check
	// Notes are the expectations nothing checks beforehand, passed on.
	Notes []platform.Prerequisite
}

// Check is one expectation looked up on the cluster.
type Check struct {
	What, Found string
	OK          bool
}

// OK reports whether the rendering can be applied, fits the GPUs and finds
// the Secrets it reads.
func (r Report) OK() bool {
	for _, c := range r.Prerequisites {
		if !c.OK {
			return false
		}
	}
	return len(r.Capacity.Short()) == 0 && len(r.Rejected) == 0 && len(r.Secrets) == 0
}

// Run verifies items against the cluster behind cl, and that what the
// rendering expects is there: each Secret with its type and keys, nodes
// in each GPU pool, cert-manager's issuer.
func Run(ctx context.Context, cl *kubeclient.Client, items []*yaml.RNode, expect platform.Expectations) (Report, error) {
	var r Report
	objs := make([]*unstructured.Unstructured, 0, len(items))
	rendered := map[string]bool{} // namespaces and CRD kinds this rendering creates
	for _, it := range items {
		m, err := ynode.Object([]byte(it.MustString()))
		if err != nil {
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
	r.Notes = expect.Notes
	r.Prerequisites = append(r.Prerequisites, checkPools(nodes.Items, expect.Pools)...)
	if expect.Issuer != nil {
		checks, err := checkIssuer(ctx, cl, *expect.Issuer)
		if err != nil {
			return r, err
		}
		r.Prerequisites = append(r.Prerequisites, checks...)
	}
	for _, need := range expect.Secrets {
		problem, err := checkSecret(ctx, cl, need, rendered["ns/"+need.Namespace])
		if err != nil {
			return r, err
		}
		if problem == "" {
			r.SecretsPresent++
			continue
		}
		r.Secrets = append(r.Secrets, Finding{need.String(), problem + "; read by " + need.ReadBy})
	}
	return r, nil
}

// checkSecret says what is wrong with the Secret a rendering needs, or "".
// Values are never read beyond whether they are empty.
func checkSecret(ctx context.Context, cl *kubeclient.Client, need platform.SecretNeed, nsRendered bool) (string, error) {
	create := "create it"
	if need.Type != "" {
		create += " (type " + need.Type + ")"
	}
	create += " with keys " + strings.Join(need.Keys, ", ")
	s, err := cl.Kube.CoreV1().Secrets(need.Namespace).Get(ctx, need.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, nsErr := cl.Kube.CoreV1().Namespaces().Get(ctx, need.Namespace, metav1.GetOptions{})
		if nsErr != nil && !apierrors.IsNotFound(nsErr) {
			return "", nsErr
		}
		if apierrors.IsNotFound(nsErr) && nsRendered {
			return fmt.Sprintf("missing: namespace %s comes with this rendering; %s once it exists, before the pods that read it start", need.Namespace, create), nil
		}
		return "missing: " + create, nil
	}
	if err != nil {
		return "", err
	}
	var problems []string
	if need.Type != "" && string(s.Type) != need.Type {
		problems = append(problems, fmt.Sprintf("its type is %q, not %s", s.Type, need.Type))
	}
	var missing []string
	for _, k := range need.Keys {
		if len(s.Data[k]) == 0 {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "key(s) missing or empty: "+strings.Join(missing, ", "))
	}
	for _, k := range need.Keys {
		if check := need.Check[k]; check != nil && len(s.Data[k]) > 0 {
			if p := check(s.Data[k]); p != "" {
				problems = append(problems, "key "+k+" "+p)
			}
		}
	}
	return strings.Join(problems, "; "), nil
}
