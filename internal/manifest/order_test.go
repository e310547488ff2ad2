package manifest_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/manifest"
)

func TestSort(t *testing.T) {
	in := []string{
		"apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: {name: b, namespace: x}",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a, namespace: x}",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: z}",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}",
		"apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: c}",
		"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: a, namespace: kube-system}",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x}",
	}
	var nodes []*yaml.RNode
	for _, s := range in {
		nodes = append(nodes, yaml.MustParse(s))
	}
	manifest.Sort(nodes)
	var got []string
	for _, n := range nodes {
		got = append(got, n.GetKind()+"/"+n.GetName())
	}
	want := []string{"CustomResourceDefinition/c", "Namespace/a", "Namespace/z", "ConfigMap/a", "Deployment/a", "HelmChart/a", "IngressRoute/b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Error(diff)
	}
}

func TestToNodeDropsEmptyFields(t *testing.T) {
	type obj struct {
		APIVersion string         `json:"apiVersion"`
		Kind       string         `json:"kind"`
		Metadata   map[string]any `json:"metadata"`
		Spec       map[string]any `json:"spec"`
		Status     map[string]any `json:"status"`
	}
	n, err := manifest.ToNode(obj{APIVersion: "v1", Kind: "Namespace", Metadata: map[string]any{"name": "a", "creationTimestamp": nil}, Spec: map[string]any{}, Status: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.MustString(), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
