package diff_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/diff"
)

// FuzzCompare diffs arbitrary renderings: it must never panic, a rendering
// never differs from itself, and a Secret added beside them reads the same
// whatever its value holds: no value of it ever reaches the output.
func FuzzCompare(f *testing.F) {
	const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n"
	f.Add(cm+"data: {a: b}\n", cm+"data: {a: c}\n", "hunter2", "tls.key")
	f.Add(cm, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {p: aGk=}\n", "https://u:p@h/", "a[b]")
	f.Add("apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    a: 1\n", cm, "password: x\nuser: y", "config.yaml")
	f.Fuzz(func(t *testing.T, oldDoc, newDoc, value, key string) {
		read := func(s string) []*yaml.RNode {
			items, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true}).Read()
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
		if key == "" {
			return
		}
		withSecret := func(v string) string {
			s, err := yaml.Parse("apiVersion: v1\nkind: Secret\nmetadata: {name: fuzz-secret, namespace: fuzz}\n")
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PipeE(yaml.LookupCreate(yaml.MappingNode, "stringData"), yaml.SetField(key, yaml.NewStringRNode(v))); err != nil {
				t.Fatal(err)
			}
			r, err := diff.Compare(old, append(read(oldDoc), s))
			if err != nil {
				return "error: " + err.Error()
			}
			return r.String()
		}
		if a, b := withSecret(value), withSecret("x"); a != b {
			t.Errorf("the Secret's value shows in the diff:\n%s\nagainst\n%s", a, b)
		}
	})
}
