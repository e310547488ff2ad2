package diff_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/diff"
)

// FuzzCompare diffs arbitrary renderings: it must never panic, a rendering
// never differs from itself, and a Secret added beside them, or changed,
// reads the same whatever its value holds, whatever wraps it (nothing, a
// SecretList, a v1 List in the stream, Lists in Lists, another object's
// field): no value of it ever reaches the output.
func FuzzCompare(f *testing.F) {
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"
	const secretList = "apiVersion: v1\nkind: SecretList\nitems: [{apiVersion: v1, kind: Secret, metadata: {name: db, namespace: apps}, data: {password: %s}}]\n"
	f.Add(cm+"data: {a: b}\n", cm+"data: {a: c}\n", "hunter2", "tls.key")
	f.Add(cm, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {p: aGk=}\n", "https://u:p@h/", "a[b]")
	f.Add("apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    a: 1\n", cm, "password: x\nuser: y", "config.yaml")
	f.Add(strings.Replace(secretList, "%s", "aHVudGVyMQ==", 1), strings.Replace(secretList, "%s", "aHVudGVyMg==", 1), "aHVudGVyMg==", "password")
	f.Add(cm+"---\napiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: Secret, metadata: {name: s}, data: {p: aGk=}}]\n", cm, "hunter2", "p")
	f.Add("apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: Secret, metadata: {name: s}, stringData: {p: a}}]}]\n", cm, "a\nb: c", "p")
	f.Fuzz(func(t *testing.T, oldDoc, newDoc, value, key string) {
		read := func(s string) []*yaml.RNode {
			items, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true, DisableUnwrapping: true}).Read()
			if err != nil {
				return nil
			}
			return items
		}
		old, changed := read(oldDoc), read(newDoc)
		if old == nil || changed == nil {
			return
		}
		if r, err := diff.Compare(old, old); err == nil && !r.Empty() {
			t.Errorf("a rendering differs from itself:\n%s", r)
		}
		if r, err := diff.Compare(old, changed); err == nil {
			_ = r.String()
		}
		const base = "fuzz-base"
		if key == "" || value == base {
			return
		}
		secret := func(v string) *yaml.RNode {
			s, err := yaml.Parse("apiVersion: v1\nkind: Secret\nmetadata: {name: fuzz-secret, namespace: fuzz}\n")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PipeE(yaml.LookupCreate(yaml.MappingNode, "stringData"), yaml.SetField(key, yaml.NewStringRNode(v))); err != nil {
				t.Fatal(err)
			}
			return s
		}
		list := func(kind string) func(*yaml.RNode) *yaml.RNode {
			return func(s *yaml.RNode) *yaml.RNode {
				l := yaml.MustParse("apiVersion: v1\nkind: " + kind + "\nitems: []\n")
				if err := l.PipeE(yaml.Lookup("items"), yaml.Append(s.YNode())); err != nil {
					t.Fatal(err)
				}
				return l
			}
		}
		for _, w := range []struct {
			name string
			wrap func(*yaml.RNode) *yaml.RNode
		}{
			{"none", func(s *yaml.RNode) *yaml.RNode { return s }},
			{"SecretList", list("SecretList")},
			{"List", list("List")},
			{"List in a List", func(s *yaml.RNode) *yaml.RNode { return list("List")(list("List")(s)) }},
			{"field of another object", func(s *yaml.RNode) *yaml.RNode {
				o := yaml.MustParse("apiVersion: example.com/v1\nkind: Wrapper\nmetadata: {name: fuzz-wrapper, namespace: fuzz}\nspec: {}\n")
				if err := o.PipeE(yaml.Lookup("spec"), yaml.SetField("secret", s)); err != nil {
					t.Fatal(err)
				}
				return o
			}},
		} {
			// The same diff, whatever the value: against the rendering
			// without the Secret, and against the Secret holding another.
			show := func(from []*yaml.RNode, v string) string {
				r, err := diff.Compare(from, append(read(oldDoc), w.wrap(secret(v))))
				if err != nil {
					return "error: " + err.Error()
				}
				return r.String()
			}
			for _, from := range []func() []*yaml.RNode{
				func() []*yaml.RNode { return read(oldDoc) },
				func() []*yaml.RNode { return append(read(oldDoc), w.wrap(secret(base))) },
			} {
				if a, b := show(from(), value), show(from(), value+"!"); a != b {
					t.Errorf("%s: the Secret's value shows in the diff:\n%s\nagainst\n%s", w.name, a, b)
				}
			}
		}
	})
}
