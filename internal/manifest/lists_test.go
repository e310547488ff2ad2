package manifest

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestExpandLists: every object with a top-level items sequence is applied
// as its items by kubectl and Argo CD, so it becomes its items, nested
// Lists too, each keeping the file of its List.
func TestExpandLists(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string // kind/name of the expanded objects
		err       string
	}{
		{"v1 List", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: b}}\n", []string{"ConfigMap/a", "Deployment/b"}, ""},
		{"typed list", "apiVersion: v1\nkind: PersistentVolumeClaimList\nitems:\n- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: c}}\n", []string{"PersistentVolumeClaim/c"}, ""},
		{"any kind with items", "apiVersion: example.com/v1\nkind: Bundle\nmetadata: {name: x}\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}}\n", []string{"Pod/p"}, ""},
		{"nested", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: Pod, metadata: {name: deep}}\n", []string{"Pod/deep"}, ""},
		{"empty", "apiVersion: v1\nkind: List\nitems: []\n", nil, ""},
		{"items not a sequence stays an object", "apiVersion: example.com/v1\nkind: Shelf\nmetadata: {name: s}\nitems: {a: 1}\n", []string{"Shelf/s"}, ""},
		{"plain object", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", []string{"ConfigMap/c"}, ""},
		{"item without kind", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, metadata: {name: a}}\n", nil, "List in l.yaml: items[0] is not an object with apiVersion and kind"},
		{"scalar item", "apiVersion: v1\nkind: List\nitems: [x]\n", nil, "items[0] is not an object"},
		{"item with metadata a list", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: [x]}\n", nil, "items[0]: metadata is not a mapping"},
		{"item with annotations a list", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {annotations: [x]}}\n", nil, "items[0]: metadata.annotations is not a mapping"},
		{"item with a list for a name", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: [x]}}\n", nil, "List in l.yaml: items[0]: metadata.name is not a string"},
		{"too deep", strings.Repeat("apiVersion: v1\nkind: List\nitems:\n- ", 1) + nestedList(12), nil, "Lists nest deeper than 10 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := yaml.MustParse(tt.doc)
			if err := n.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, "l.yaml")); err != nil {
				t.Fatal(err)
			}
			out, err := ExpandLists([]*yaml.RNode{n})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range out {
				got = append(got, o.GetKind()+"/"+o.GetName())
				if p, _, _ := kioutil.GetFileAnnotations(o); p != "l.yaml" {
					t.Errorf("%s/%s: file %q", o.GetKind(), o.GetName(), p)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// nestedList is depth Lists inside each other, in flow style.
func nestedList(depth int) string {
	s := "{apiVersion: v1, kind: Pod, metadata: {name: p}}"
	for range depth {
		s = "{apiVersion: v1, kind: List, items: [" + s + "]}"
	}
	return s + "\n"
}
