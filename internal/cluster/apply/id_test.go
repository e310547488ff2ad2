package apply_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubectlapply "k8s.io/kubectl/pkg/cmd/apply"

	"github.com/vdirender/vdirender/internal/cluster/apply"
)

// TestIDAsKubectl: the ApplySet id is the one kubectl computes for the same
// parent, so both find the same members.
func TestIDAsKubectl(t *testing.T) {
	for _, p := range []struct{ ns, name string }{{"kube-system", "vdirender-k3s-single-node"}, {"default", "x"}, {"kube-system", "vdirender"}} {
		ref := &kubectlapply.ApplySetParentRef{Name: p.name, Namespace: p.ns, RESTMapping: &meta.RESTMapping{
			Resource:         schema.GroupVersionResource{Version: "v1", Resource: "secrets"},
			GroupVersionKind: schema.GroupVersionKind{Version: "v1", Kind: "Secret"},
			Scope:            meta.RESTScopeNamespace,
		}}
		want := kubectlapply.NewApplySet(ref, kubectlapply.ApplySetTooling{Name: "vdirender", Version: "v0"}, nil, nil).ID()
		if got := apply.ID(p.ns, p.name); got != want {
			t.Errorf("%s/%s: id %s, kubectl computes %s", p.ns, p.name, got, want)
		}
	}
}
