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

// parseRaw parses a stream without kyaml's unwrapping of a lone List, so
// that Compare's own expansion is what is tested.
func parseRaw(t *testing.T, s string) []*yaml.RNode {
	t.Helper()
	items, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true, DisableUnwrapping: true}).Read()
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
		{"names read as written, not as YAML 1.1 booleans", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y, namespace: n}\n", "",
			"- ConfigMap n/y\n"},
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
		{"several documents in a string: a change after --- shows", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  m: |\n    a: 1\n    ---\n    b: 1\n",
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  m: |\n    a: 1\n    ---\n    b: 2\n",
			"~ ConfigMap c\n    data.m:\n      - |\n          a: 1\n          ---\n          b: 1\n      + |\n          a: 1\n          ---\n          b: 2\n"},
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

// TestSecretsNeverShown: no Secret value and no URL credential reaches
// the diff, whatever the shape of the change.
func TestSecretsNeverShown(t *testing.T) {
	const sec = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\n"
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"key with a dot", sec + "data: {tls.key: b2xk}\n", sec + "data: {tls.key: bmV3}\n",
			"~ Secret n/s\n    data[tls.key]: (redacted) -> (redacted)\n"},
		{"whole stringData added", sec, sec + "stringData: {password: hunter2, tls.crt: x}\n",
			"~ Secret n/s\n    stringData: (none) -> (redacted)\n"},
		{"whole data removed", sec + "data: {password: aHVudGVyMg==}\n", sec,
			"~ Secret n/s\n    data: (redacted) -> (none)\n"},
		{"stringData holding YAML", sec + "stringData:\n  config.yaml: |\n    password: a\n    user: u\n", sec + "stringData:\n  config.yaml: |\n    password: b\n    user: u\n",
			"~ Secret n/s\n    stringData[config.yaml]: (redacted) -> (redacted)\n"},
		{"key with brackets", sec + "data: {'a[b]': b2xk}\n", sec + "data: {'a[b]': bmV3}\n",
			"~ Secret n/s\n    data[a[b]]: (redacted) -> (redacted)\n"},
		{"unknown field", sec + "extra: {k: hunter2}\n", sec + "extra: {k: hunter3}\n",
			"~ Secret n/s\n    extra.k: (redacted) -> (redacted)\n"},
		{"last applied configuration", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: n\n  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"p\":\"aGk=\"}}'}\n", sec,
			"~ Secret n/s\n    metadata.annotations: kubectl.kubernetes.io/last-applied-configuration: (redacted) -> (none)\n"},
		{"last applied configuration changed", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"p\":\"aGk=\"}}'}\n",
			"apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"p\":\"aGkh\"}}'}\n",
			"~ Secret s\n    metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]: (redacted) -> (redacted)\n"},
		{"list of named items redacted whole, names included", sec + "extra: [{name: hunter1, v: 1}]\n", sec + "extra: [{name: hunter2, v: 1}]\n",
			"~ Secret n/s\n    extra: (redacted) -> (redacted)\n"},
		{"type still shown", sec + "type: Opaque\n", sec + "type: kubernetes.io/tls\n",
			"~ Secret n/s\n    type: Opaque -> kubernetes.io/tls\n"},
		{"credentials in a URL", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {repo: 'https://user:hunter2@charts.example.com/x'}\n",
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {repo: 'oci://robot:t0ken@registry.example.com/x'}\n",
			"~ ConfigMap c\n    data.repo: https://(redacted)@charts.example.com/x -> oci://(redacted)@registry.example.com/x\n"},
		{"credentials in a URL inside embedded YAML", "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: c}\nspec:\n  valuesContent: |\n    a: 1\n    url: https://u:p1@h/\n",
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: c}\nspec:\n  valuesContent: |\n    a: 1\n    url: https://u:p2@h/\n",
			"~ HelmChart.helm.cattle.io c\n    spec.valuesContent(yaml).url: https://(redacted)@h/ -> https://(redacted)@h/\n"},
		{"tokens in a URL query", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {u: 'https://h/x?a=1&token=hunter2'}\n",
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {u: 'https://h/x?X-Amz-Signature=hunter3&a=2'}\n",
			"~ ConfigMap c\n    data.u: https://h/x?a=1&token=(redacted) -> https://h/x?X-Amz-Signature=(redacted)&a=2\n"},
		{"credentials in a whole map", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {repo: 'https://user:hunter2@h/x'}\n",
			"~ ConfigMap c\n    data: (none) -> repo: https://(redacted)@h/x\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := diff.Compare(parse(t, c.old), parse(t, c.new))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.want, r.String()); d != "" {
				t.Error(d)
			}
			for _, leak := range []string{"hunter", "b2xk", "bmV3", "aGk", "t0ken", "p1@", "p2@", "password: a"} {
				if strings.Contains(r.String(), leak) {
					t.Errorf("diff shows %q", leak)
				}
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

// secretIn is a Secret apps/db whose password is the base64 of hunter1 or
// hunter2, for the tests of Secrets in wrappers.
func secretIn(n int) string {
	return "{apiVersion: v1, kind: Secret, metadata: {name: db, namespace: apps}, data: {password: aHVudGVyM" + []string{"Q", "g"}[n-1] + "==}}"
}

// TestCompareExpandsLists: a List (any object with a top-level items
// sequence) is compared as the objects the cluster gets, its items, on
// either side, nested or in a stream; a Secret among them is redacted as
// any Secret is.
func TestCompareExpandsLists(t *testing.T) {
	cm := func(v string) string {
		return "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, namespace: apps}, data: {k: " + v + "}}"
	}
	const changed = "~ Secret apps/db\n    data.password: (redacted) -> (redacted)\n"
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"SecretList", "apiVersion: v1\nkind: SecretList\nitems: [" + secretIn(1) + "]\n",
			"apiVersion: v1\nkind: SecretList\nitems: [" + secretIn(2) + "]\n", changed},
		{"v1 List in a stream", cm("a") + "\n---\napiVersion: v1\nkind: List\nitems: [" + secretIn(1) + "]\n",
			cm("a") + "\n---\napiVersion: v1\nkind: List\nitems: [" + secretIn(2) + "]\n", changed},
		{"nested Lists", "apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [" + secretIn(1) + "]}]\n",
			"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [" + secretIn(2) + "]}]\n", changed},
		{"any kind with items", "apiVersion: example.com/v1\nkind: Bundle\nmetadata: {name: b}\nitems: [" + secretIn(1) + "]\n",
			"apiVersion: example.com/v1\nkind: Bundle\nmetadata: {name: b}\nitems: [" + secretIn(2) + "]\n", changed},
		{"a List against its items", "apiVersion: v1\nkind: List\nitems: [" + cm("a") + ", " + secretIn(1) + "]\n",
			cm("a") + "\n---\n" + secretIn(1) + "\n", ""},
		{"items of a List, changed", "apiVersion: v1\nkind: ConfigMapList\nitems: [" + cm("a") + "]\n",
			"apiVersion: v1\nkind: ConfigMapList\nitems: [" + cm("b") + "]\n", "~ ConfigMap apps/c\n    data.k: a -> b\n"},
		{"a Secret added to a List", "apiVersion: v1\nkind: List\nitems: [" + cm("a") + "]\n",
			"apiVersion: v1\nkind: List\nitems: [" + cm("a") + ", " + secretIn(2) + "]\n", "+ Secret apps/db\n"},
		{"items not a sequence stays an object", "apiVersion: example.com/v1\nkind: Shelf\nmetadata: {name: s}\nitems: {a: 1}\n",
			"apiVersion: example.com/v1\nkind: Shelf\nmetadata: {name: s}\nitems: {a: 2}\n", "~ Shelf.example.com s\n    items.a: 1 -> 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := diff.Compare(parseRaw(t, tt.old), parseRaw(t, tt.new))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, r.String()); d != "" {
				t.Error(d)
			}
			if strings.Contains(r.String(), "aHVudGVy") {
				t.Errorf("diff shows the Secret's value:\n%s", r)
			}
		})
	}
}

// TestCompareListItemNotAnObject: an item that is not an object is an
// error, as build makes it, on either side.
func TestCompareListItemNotAnObject(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: v1\nkind: List\nitems: [x]\n",
		"apiVersion: v1\nkind: SecretList\nitems: [{kind: Secret, data: {password: aHVudGVyMQ==}}]\n",
		"apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Secret, metadata: [x], data: {password: aHVudGVyMQ==}}]\n",
	} {
		for _, sides := range [][2][]*yaml.RNode{{parseRaw(t, doc), nil}, {nil, parseRaw(t, doc)}} {
			_, err := diff.Compare(sides[0], sides[1])
			if err == nil || !strings.Contains(err.Error(), "items[0]") {
				t.Errorf("%q: err = %v, want one naming items[0]", doc, err)
			}
			if err != nil && strings.Contains(err.Error(), "aHVudGVy") {
				t.Errorf("the error shows the Secret's value: %v", err)
			}
		}
	}
}

// TestSecretsInAnyWrapperNeverShown: defence in depth beside the List
// expansion: a Secret held anywhere inside another object (a custom
// resource's field, a list of them, YAML in a string) has its values
// redacted too, walked into or shown whole.
func TestSecretsInAnyWrapperNeverShown(t *testing.T) {
	wrap := func(v string) string {
		return "apiVersion: example.com/v1\nkind: Wrapper\nmetadata: {name: w}\nspec:\n  " + v + "\n"
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"in a field", wrap("secret: " + secretIn(1)), wrap("secret: " + secretIn(2)),
			"~ Wrapper.example.com w\n    spec.secret.data.password: (redacted) -> (redacted)\n"},
		{"in a list", wrap("secrets: [" + secretIn(1) + "]"), wrap("secrets: [" + secretIn(2) + "]"),
			"~ Wrapper.example.com w\n    spec.secrets[0].data.password: (redacted) -> (redacted)\n"},
		{"its metadata still shown", wrap("secret: " + secretIn(1)), wrap("secret: " + strings.Replace(secretIn(1), "name: db", "name: db2", 1)),
			"~ Wrapper.example.com w\n    spec.secret.metadata.name: db -> db2\n"},
		{"added whole", wrap("secrets: []"), wrap("secrets: [" + secretIn(2) + "]"),
			"~ Wrapper.example.com w\n    spec.secrets[0]:\n      - (none)\n      + apiVersion: v1\n        data: (redacted)\n        kind: Secret\n        metadata:\n          name: db\n          namespace: apps\n"},
		{"replaced by a string", wrap("secret: " + secretIn(1)), wrap("secret: none"),
			"~ Wrapper.example.com w\n    spec.secret:\n      - apiVersion: v1\n        data: (redacted)\n        kind: Secret\n        metadata:\n          name: db\n          namespace: apps\n      + none\n"},
		{"a whole List of them added", wrap("a: 1"), wrap("a: 1\n  list: {apiVersion: v1, kind: List, items: [" + secretIn(2) + "]}"),
			"~ Wrapper.example.com w\n    spec.list:\n      - (none)\n      + apiVersion: v1\n        items:\n        - apiVersion: v1\n          data: (redacted)\n          kind: Secret\n          metadata:\n            name: db\n            namespace: apps\n        kind: List\n"},
		{"YAML in a string", wrap("manifest: |\n    apiVersion: v1\n    kind: Secret\n    stringData: {password: hunter1}\n"),
			wrap("manifest: |\n    apiVersion: v1\n    kind: Secret\n    stringData: {password: hunter2}\n"),
			"~ Wrapper.example.com w\n    spec.manifest(yaml).stringData.password: (redacted) -> (redacted)\n"},
		{"last applied configuration", wrap("secret: {apiVersion: v1, kind: Secret, metadata: {name: s, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"p\":\"aGk=\"}}'}}}"),
			wrap("secret: {apiVersion: v1, kind: Secret, metadata: {name: s, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{\"data\":{\"p\":\"aGkh\"}}'}}}"),
			"~ Wrapper.example.com w\n    spec.secret.metadata.annotations[kubectl.kubernetes.io/last-applied-configuration]: (redacted) -> (redacted)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := diff.Compare(parse(t, tt.old), parse(t, tt.new))
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, r.String()); d != "" {
				t.Error(d)
			}
			for _, leak := range []string{"aHVudGVy", "hunter", "aGk"} {
				if strings.Contains(r.String(), leak) {
					t.Errorf("diff shows %q:\n%s", leak, r)
				}
			}
		})
	}
}
