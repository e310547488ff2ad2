package manifest

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestResolveAnchors: objects come out as the cluster decodes them, and
// an anchor that cannot be resolved is an error naming the object.
func TestResolveAnchors(t *testing.T) {
	for _, tc := range []struct{ name, in, want, err string }{
		{"merge key", "kind: Pod\nmetadata: {name: p}\nspec: {<<: {containers: [{name: c}]}}\n", "kind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n", ""},
		{"written keys win over merged ones", "kind: Pod\nmetadata: {name: p}\nspec: {<<: {a: 1, b: 1}, b: 2}\n", "kind: Pod\nmetadata: {name: p}\nspec: {b: 2, a: 1}\n", ""},
		{"alias", "kind: PersistentVolumeClaim\nmetadata: {name: c, labels: {x: &local-path nfs}}\nspec: {storageClassName: *local-path}\n", "kind: PersistentVolumeClaim\nmetadata: {name: c, labels: {x: nfs}}\nspec: {storageClassName: nfs}\n", ""},
		{"no anchors: untouched", "kind: Pod # a comment\nmetadata: {name: p}\n", "kind: Pod # a comment\nmetadata: {name: p}\n", ""},
		{"merge of a scalar", "kind: Pod\nmetadata: {name: p}\nx: &s 1\nspec: {<<: *s}\n", "", "Pod p: its YAML anchors cannot be resolved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := yaml.Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			err = ResolveAnchors([]*yaml.RNode{n})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.MustString(); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}
