package diff_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/diff"
)

func parse(t *testing.T, s string) []*yaml.RNode {
	t.Helper()
	items, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"same", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n", ""},
		{"added and removed, sorted", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone, namespace: x}\n",
			"apiVersion: v1\nkind: Service\nmetadata: {name: new, namespace: x}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: added, namespace: x}\n",
			"+ ConfigMap x/added\n- ConfigMap x/gone\n+ Service x/new\n"},
		{"containers matched by name", `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - {name: app, image: app:1}
`, `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers:
      - {name: sidecar, image: proxy:2}
      - {name: app, image: app:2}
`, "~ Deployment.apps d\n    spec.template.spec.containers[name=app].image: app:1 -> app:2\n    spec.template.spec.containers[name=sidecar]:\n      - (none)\n      + image: proxy:2\n        name: sidecar\n"},
		{"secret data redacted", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: b2xk}\n",
			"apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {password: bmV3, token: dA==}\n",
			"~ Secret s\n    data.password: (redacted) -> (redacted)\n    data.token: (none) -> (redacted)\n"},
		{"version bump is a change", "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: {name: r}\n",
			"apiVersion: traefik.io/v1beta1\nkind: IngressRoute\nmetadata: {name: r}\n",
			"~ IngressRoute.traefik.io r\n    apiVersion: traefik.io/v1alpha1 -> traefik.io/v1beta1\n"},
		{"embedded values", "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: c}\nspec:\n  valuesContent: |\n    image:\n      pullPolicy: Always\n",
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: c}\nspec:\n  valuesContent: |\n    image:\n      pullPolicy: IfNotPresent\n",
			"~ HelmChart.helm.cattle.io c\n    spec.valuesContent(yaml).image.pullPolicy: Always -> IfNotPresent\n"},
		{"keys with dots", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeSelector: {nvidia.com/device-plugin.config: a}}\n",
			"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeSelector: {nvidia.com/device-plugin.config: b}}\n",
			"~ Pod p\n    spec.nodeSelector[nvidia.com/device-plugin.config]: a -> b\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := diff.Compare(parse(t, tt.old), parse(t, tt.new))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.String()); diff != "" {
				t.Error(diff)
			}
			if r.Empty() != (tt.want == "") {
				t.Errorf("Empty() = %v", r.Empty())
			}
		})
	}
}

func TestDuplicateObjectIsAnError(t *testing.T) {
	dup := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
	if _, err := diff.Compare(parse(t, dup), nil); err == nil {
		t.Error("want an error for an object given twice")
	}
}
