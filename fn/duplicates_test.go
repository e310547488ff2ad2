package fn

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestDuplicatesByEffectiveNamespace: two objects are the same object when
// they land in the same place: a namespaced object without a namespace is
// in default, a cluster-scoped one has no namespace whatever it says.
func TestDuplicatesByEffectiveNamespace(t *testing.T) {
	widgetCRD := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.com}\nspec: {group: example.com, scope: Cluster, names: {kind: Widget}}\n"
	tests := []struct {
		name string
		objs []string
		dup  bool
	}{
		{"no namespace and default", []string{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n"}, true},
		{"both without a namespace", []string{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"}, true},
		{"no namespace and another", []string{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: kasm}\n"}, false},
		{"namespaced custom kind", []string{"apiVersion: apps.example.com/v1\nkind: Gadget\nmetadata: {name: g}\n", "apiVersion: apps.example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: default}\n"}, true},
		{"cluster-scoped with a stray namespace", []string{"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: kasm}\n"}, true},
		{"cluster-scoped by a CRD in the package", []string{widgetCRD, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: a}\n", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: b}\n"}, true},
		{"same kind in another group", []string{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: d}\n"}, false},
		{"core kind name in another group is namespaced", []string{"apiVersion: example.com/v1\nkind: Namespace\nmetadata: {name: n, namespace: a}\n", "apiVersion: example.com/v1\nkind: Namespace\nmetadata: {name: n, namespace: b}\n"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []*yaml.RNode
			for _, o := range tt.objs {
				items = append(items, yaml.MustParse(o))
			}
			if got := len(duplicates(items)) > 0; got != tt.dup {
				t.Fatalf("duplicate = %v, want %v", got, tt.dup)
			}
		})
	}
}
