package manifest_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/source"
)

// sameNode compares everything of two node trees but their positions.
func sameNode(a, b *yaml.Node, path string) error {
	if a.Kind != b.Kind || a.Style != b.Style || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment || len(a.Content) != len(b.Content) {
		return fmt.Errorf("%s: kind %d/%d style %d/%d tag %q/%q value %q/%q, %d/%d children", path,
			a.Kind, b.Kind, a.Style, b.Style, a.Tag, b.Tag, a.Value, b.Value, len(a.Content), len(b.Content))
	}
	for i := range a.Content {
		if err := sameNode(a.Content[i], b.Content[i], fmt.Sprintf("%s/%d", path, i)); err != nil {
			return err
		}
	}
	return nil
}

func checkSame(t *testing.T, obj any) {
	t.Helper()
	got, err := manifest.ToRNode(obj)
	want, werr := manifest.ViaYAML(obj)
	if werr != nil {
		// Both refuse what YAML cannot hold (control characters).
		if err == nil {
			t.Fatalf("%T: the round trip fails (%v), the conversion does not", obj, werr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := sameNode(got.Document(), want.Document(), ""); err != nil {
		w, _ := want.String()
		t.Fatalf("%T: %v\nround trip:\n%s", obj, err, w)
	}
	if g, w := got.MustString(), want.MustString(); g != w {
		t.Fatalf("%T: written\n%s\nround trip writes\n%s", obj, g, w)
	}
}

// TestFromJSON holds the direct conversion to the round trip through YAML
// text on every object the generators render for the examples and
// packages, with every optional part switched on.
func TestFromJSON(t *testing.T) {
	paths := []string{"../../examples/k3s-single-node", "../../examples/gpu-pool", "../../examples/kpt", "../../examples/kustomize",
		"../../testdata/packages/inline", "../../testdata/packages/foreign-audit", "../../testdata/packages/foreign-enforce"}
	n := 0
	for _, p := range paths {
		_, v, _, err := source.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, all := range []bool{false, true} {
			if all {
				v.VDI.Monitoring.Enabled = true
				v.VDI.Prepull.Enabled = true
				on := true
				v.Global.Ingress.Enabled = &on
			}
			for _, obj := range generators.Platform(v) {
				checkSame(t, obj)
				n++
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d objects", n)
	}
}

// awkward are strings each of which the YAML 1.1 writer treats in its own
// way: quoted, literal, folded when long, keys that sort by number.
var awkward = []string{
	"", " ", "a", "y", "yes", "No", "on", "OFF", "true", "null", "~", "<<", ".inf", "1", "-1", "0x1F", "1e3", "1_000", "1:30", "2001-12-14",
	"a: b", "a:b", "a:", "a #b", "a#b", "#a", "- a", "-a", "a-", "? a", "!a", "&a", "*a", "|a", ">a", "%a", "@a", "`a", "'a'", `"a"`,
	"a'b", `a"b`, " a", "a ", "a\tb", "a\\b", "a,b", "[a]", "{a}", "a[0].b", "line\nbreak", "trailing\n", "two\n\n", "\nlead", " indented\nx",
	"é", "日本", "a\u0085b", "a\u2028b", "a\x7fb", "\ufeffa", "a\x00b", "---", "...", "--- a", "<b>&amp;</b>",
	"GPU pods run with the nvidia container runtime; see https://example.com/docs#runtime for the details of the class",
	strings.Repeat("word ", 40), strings.Repeat("long-token-", 20) + " end", strings.Repeat("x", 200),
	"v1", "v10", "v2", "a10", "a9", "a09", "a0", "a00", "1a", "10a", "k8s-app", "x_y", "x-y", "x.y", "x/y", "X", "_x", "~x", "x~", "Ä",
	"500m", "1Gi", "0.5m", "1E", "1Ei", "1e3", "21.2.13", "1.2", "1.2.3", "01.2.3", "1.2.3.4.5.6.7", "0", "007", "18446744073709551616",
	"--leader-elect", "--bind=:8081", "-", "--", "---x", "-x", "- x", "-.5", "-1.5", ".5", ".status.url", "..x", ".x.", ".inf", ".NaN",
	"?x", "? x", ":x", ": x", "x :y", "x: ", "x:y:", "/healthz", "^[a-z]+$", "a$b", "a=b", "(a)", "a\n b", "a \nb", "a\n", " a\nb",
	"a\nb ", "a\n\n\nb", "a\n#b", "a\n- b", "a\n---\nb", "key: value\nlist:\n- a\n", "'quoted'\nnext", "x\n  indented\n",
	"30m0s", "8h0m0s", "1h", "10s", "5ms", "1m1", "1h2", "0s", "00s",
}

// TestFromJSONAwkward converts objects made of awkward strings, as keys and
// values, with numbers, booleans, nulls and empty collections among them.
func TestFromJSONAwkward(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	// Random keys have no digits: the YAML 1.1 writer compares digit runs
	// in keys as numbers, and mixed with punctuation that comparison is not
	// an order (which sort it ends in depends on Go's map order, in the
	// round trip as here); the keys vdirender renders never meet it.
	random := func(alphabet string) string {
		b := make([]byte, 1+r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return string(b)
	}
	var keys []string
	for _, k := range awkward {
		if !strings.ContainsAny(k, "0123456789") {
			keys = append(keys, k)
		}
	}
	pickKey := func() string {
		if r.IntN(4) == 0 {
			return random("aZy :#-_./'\"\n\t[]{}!&*,?|>%@`~^+<=()$\\")
		}
		return keys[r.IntN(len(keys))]
	}
	pick := func() string {
		if r.IntN(4) == 0 {
			return random("aZy0 9:#-_./'\"\n\t[]{}!&*,?|>%@`~^+<=()$\\1.ie")
		}
		return awkward[r.IntN(len(awkward))]
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := r.IntN(10); {
		case k < 5 || depth > 3:
			return pick()
		case k == 5:
			return []any{int64(r.IntN(100) - 50), true, false, nil, []any{}, map[string]any{}}
		case k < 8:
			m := map[string]any{}
			for range 1 + r.IntN(6) {
				m[pickKey()] = value(depth + 1)
			}
			return m
		default:
			l := []any{}
			for range 1 + r.IntN(4) {
				l = append(l, value(depth+1))
			}
			return l
		}
	}
	for range 300 {
		obj := map[string]any{}
		for range 1 + r.IntN(8) {
			obj[pickKey()] = value(0)
		}
		checkSame(t, obj)
	}
	for _, s := range awkward {
		checkSame(t, corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x", Labels: map[string]string{s: s}}, Data: map[string]string{s: s, "k": s}})
	}
	// Numbers the conversion leaves to the round trip.
	for _, j := range []string{`{"a": 1.5}`, `{"a": 1e21}`, `{"a": 12345678901234567890}`, `{"a": -0.0}`} {
		var v any
		if err := json.Unmarshal([]byte(j), &v); err != nil {
			t.Fatal(err)
		}
		checkSame(t, v)
		if _, err := manifest.FromJSON([]byte(j)); err == nil {
			t.Errorf("%s: fromJSON converted it", j)
		}
	}
}
