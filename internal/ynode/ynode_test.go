package ynode

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// docs are objects with every shape the paths below can meet: missing
// fields, nulls, scalars and lists where mappings are expected, duplicate
// keys, flow and block styles, comments, aliases.
var docs = []string{
	"a: {b: {c: 1}}",
	"a: {b: null}",
	"a: null",
	"a: {b: {c: null}}",
	"a: {b: 3}",
	"a: [1, 2]",
	"a: {b: [x]}",
	"a: {b: {c: 1}, b: {c: 2}}",
	"a:\n  b: # comment\n    c: 'x' # line\n",
	"x: &x {c: 5}\na: {b: *x}",
	"a: {b: {}}",
	"a: {}",
	"{}",
	"a: ~",
	"a: {b: {c: \"quoted\", d: on}}",
	"a: !!null x",
	"a: {b: {c: [1, {d: 2}]}}",
	"a:\n  b:\n    c: |\n      text\n",
}

var paths = [][]string{{"a"}, {"a", "b"}, {"a", "+1"}, {"a", "-2"}, {"a", "1a"}, {"a", "+"}, {"a", "b", "c"}, {"a", "b", "c", "d"}, {"x"}, {"a", "0"}, {"a", "[b=c]"}, {"a", " b"}, {"a", "b", "d"}}

func mustParse(t *testing.T, s string) *yaml.RNode {
	t.Helper()
	n, err := yaml.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func str(n *yaml.RNode, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	if n == nil {
		return "<nil>"
	}
	s, err := n.String()
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%s (kind %d, tag %s, style %d)", s, n.YNode().Kind, n.YNode().Tag, n.YNode().Style)
}

func whole(t *testing.T, n *yaml.RNode) string {
	t.Helper()
	s, err := n.String()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLookup(t *testing.T) {
	for _, d := range docs {
		for _, p := range paths {
			got := str(Lookup(mustParse(t, d), p...))
			want := str(mustParse(t, d).Pipe(yaml.Lookup(p...)))
			if got != want {
				t.Errorf("%q %q: Lookup %s, kyaml %s", d, p, got, want)
			}
		}
	}
}

func TestLookupCreateMap(t *testing.T) {
	for _, d := range docs {
		for _, p := range paths {
			a, b := mustParse(t, d), mustParse(t, d)
			got := str(LookupCreateMap(a, p...))
			want := str(b.Pipe(yaml.LookupCreate(yaml.MappingNode, p...)))
			if got != want || whole(t, a) != whole(t, b) {
				t.Errorf("%q %q: LookupCreateMap %s, kyaml %s; object\n%s\nkyaml\n%s", d, p, got, want, whole(t, a), whole(t, b))
			}
		}
	}
}

func TestSetString(t *testing.T) {
	values := []string{"x", "", "1", "0.5", "true", "yes", "on", "null", "~", "500m", "IfNotPresent", "a: b", "line\nbreak", "\xff", "2001-01-01", "0x1F"}
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range docs {
		for _, p := range paths {
			for range 4 {
				v := values[r.IntN(len(values))]
				name := []string{"c", "d", "b", ""}[r.IntN(4)]
				a, b := mustParse(t, d), mustParse(t, d)
				ma, ea := a.Pipe(yaml.Lookup(p...))
				mb, _ := b.Pipe(yaml.Lookup(p...))
				if ea != nil || ma == nil {
					continue
				}
				errA := SetString(ma, name, v)
				errB := mb.PipeE(yaml.SetField(name, yaml.NewStringRNode(v)))
				if fmt.Sprint(errA) != fmt.Sprint(errB) || whole(t, a) != whole(t, b) {
					t.Errorf("%q %q set %q=%q: %v\n%s\nkyaml: %v\n%s", d, p, name, v, errA, whole(t, a), errB, whole(t, b))
				}
			}
		}
	}
}
