package fn

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// tricky strings: each is written by the encoder in its own way.
var tricky = []string{
	"", "a", "y", "yes", "No", "on", "OFF", "true", "False", "null", "NULL", "~", "<<", ".inf", "-.Inf", ".nan",
	"1", "0x1F", "1e3", "1_000", "01:30", "190:20:30", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "+1", "-1", ".5",
	"fixed: every container requests cpu", "a: b", "a #b", "#a", "a#b", "- a", "-a", "a-", "? a", "!a", "&a", "*a", "|a", ">a", "%a", "@a", "`a",
	"'a'", `"a"`, "a'b", `a"b`, " a", "a ", "a\tb", "a\\b", "a,b", "[a]", "{a}", "a[0].b", "spec.template.spec.containers[0].image",
	"nvidia.com/gpu", "apps/v1", "vdi.vdirender.dev/v1alpha1", "ghcr.io/example/web:1.2.3", "image \"x:latest\" is tagged latest",
	"é", "日本", "a\u0085b", "a\u2028b", "a\x7fb", "\ufeffa", "a\x00b", "---", "...", "--- a", "a:", "a:b", "http://x.y/z?q=1&r=2",
	"{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}", "50Gi", "500m", "1Gi", "0", "0.5", "IfNotPresent", "Always",
}

func encoderResults(t *testing.T, rs framework.Results) []byte {
	t.Helper()
	b, err := yaml.Marshal(rs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ours(t *testing.T, rs framework.Results) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	if err := writeResults(w, rs); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return buf.Bytes()
}

// TestWriteResults holds writeResults to kyaml's encoder, byte for byte.
func TestWriteResults(t *testing.T) {
	pick := func(r *rand.Rand) string {
		if r.IntN(3) == 0 {
			return ""
		}
		return tricky[r.IntN(len(tricky))]
	}
	r := rand.New(rand.NewPCG(1, 2))
	var rs framework.Results
	rs = append(rs, nil, &framework.Result{}, &framework.Result{ResourceRef: &yaml.ResourceIdentifier{}}, &framework.Result{Field: &framework.Field{}},
		&framework.Result{File: &framework.File{}}, &framework.Result{File: &framework.File{Index: 3}}, &framework.Result{Message: "m\nn"},
		&framework.Result{Field: &framework.Field{Path: "a", CurrentValue: 3, ProposedValue: true}},
		&framework.Result{Field: &framework.Field{Path: "a", CurrentValue: ""}},
		&framework.Result{Tags: map[string]string{"a1": "x", "a10": "y", "a2": "z", "b": ""}})
	for range 3000 {
		res := &framework.Result{Message: pick(r), Severity: framework.Severity(pick(r))}
		if r.IntN(2) == 0 {
			res.ResourceRef = &yaml.ResourceIdentifier{TypeMeta: yaml.TypeMeta{APIVersion: pick(r), Kind: pick(r)}, NameMeta: yaml.NameMeta{Name: pick(r), Namespace: pick(r)}}
		}
		if r.IntN(2) == 0 {
			res.Field = &framework.Field{Path: pick(r)}
			if v := pick(r); v != "" || r.IntN(2) == 0 {
				res.Field.CurrentValue = v
			}
			if v := pick(r); v != "" {
				res.Field.ProposedValue = v
			}
		}
		if r.IntN(2) == 0 {
			res.File = &framework.File{Path: pick(r), Index: r.IntN(3)}
		}
		if r.IntN(2) == 0 {
			res.Tags = map[string]string{}
			for range r.IntN(4) {
				res.Tags[[]string{"rule", "check", "line", "yes", "Rule"}[r.IntN(5)]] = pick(r)
			}
		}
		rs = append(rs, res)
	}
	for i := range rs {
		want, got := encoderResults(t, rs[i:i+1]), ours(t, rs[i:i+1])
		if !bytes.Equal(want, got) {
			t.Fatalf("result %d:\nencoder:\n%q\nwriteResults:\n%q", i, want, got)
		}
	}
	if want, got := encoderResults(t, rs), ours(t, rs); !bytes.Equal(want, got) {
		t.Fatal("the whole list differs")
	}
}

// TestPlainSafe checks that every string plainSafe lets through is one the
// encoder writes plain.
func TestPlainSafe(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "abyYnNoOtTfFeEsSuUlLrR0123456789-._/[]:# '\"!&*,?{}|>%@`~+"
	check := func(s string) {
		if !plainSafe(s) {
			return
		}
		b, err := yaml.Marshal(map[string]string{"k": s})
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != "k: "+s+"\n" {
			t.Fatalf("plainSafe(%q), but the encoder writes %s", s, b)
		}
	}
	for _, s := range tricky {
		check(s)
	}
	for range 200000 {
		n := 1 + r.IntN(6)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}
