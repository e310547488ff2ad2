package verify

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vdirender/vdirender/internal/apis/certmanager"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/platform"
)

// checkPools counts the nodes that carry each pool's label. A pool no node
// joins fails when its label is required: its templates' desktops would
// never be scheduled. The default pool without templates also counts the
// unlabelled nodes that advertise GPUs, and fails on nothing. Fewer nodes
// than the values count is said, not failed (nodes come and go; the GPU
// capacity check judges what fits).
func checkPools(nodes []corev1.Node, pools []platform.PoolNeed) []Check {
	var out []Check
	for _, p := range pools {
		n := 0
		for _, node := range nodes {
			label, labelled := node.Labels[platform.PoolLabel]
			gpus := node.Status.Allocatable[platform.GPUResource]
			if label == p.Name || !p.LabelRequired() && !labelled && !gpus.IsZero() {
				n++
			}
		}
		c := Check{What: "pool " + p.Name, OK: n > 0 || !p.LabelRequired()}
		switch {
		case n == 0 && !p.LabelRequired():
			c.Found = "no GPU node advertises nvidia.com/gpu yet; unlabelled GPU nodes join this pool once the device plugin runs"
		case !p.LabelRequired():
			c.Found = fmt.Sprintf("%d GPU node(s), labelled %s or unlabelled", n, p.Label())
		case n == 0:
			c.Found = fmt.Sprintf("no node is labelled %s (the values count %d): kubectl label node NODE %s", p.Label(), p.Nodes, p.Label())
		case n < p.Nodes:
			c.Found = fmt.Sprintf("%d node(s) labelled %s, fewer than the %d the values count", n, p.Label(), p.Nodes)
		default:
			c.Found = fmt.Sprintf("%d node(s) labelled %s", n, p.Label())
		}
		out = append(out, c)
	}
	return out
}

// checkIssuer looks for cert-manager's issuer (in each namespace, for an
// Issuer). Without cert-manager's CRDs the check fails on that first.
func checkIssuer(ctx context.Context, cl *kubeclient.Client, need platform.IssuerNeed) ([]Check, error) {
	gk := schema.GroupKind{Group: certmanager.Group, Kind: need.Kind}
	mapping, err := cl.MappingFor(gk)
	if meta.IsNoMatchError(err) {
		return []Check{{What: need.String(), Found: "cert-manager is not installed: the cluster does not serve " + gk.String()}}, nil
	}
	if err != nil {
		return nil, err
	}
	namespaces := need.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	var out []Check
	for _, ns := range namespaces {
		what := fmt.Sprintf("%s %s", need.Kind, need.Name)
		if ns != "" {
			what += " in namespace " + ns
		}
		_, err := cl.Dynamic.Resource(mapping.Resource).Namespace(ns).Get(ctx, need.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			out = append(out, Check{What: what, Found: "missing: the Certificates name it, and cert-manager issues nothing without it"})
		case err != nil:
			return nil, err
		default:
			out = append(out, Check{What: what, Found: "present", OK: true})
		}
	}
	return out, nil
}
