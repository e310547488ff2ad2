package platform

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/ynode"
)

func valueNode(t *testing.T, text string) *yaml.RNode {
	t.Helper()
	n, err := yaml.Parse("v: " + text)
	if err != nil {
		t.Fatal(err)
	}
	return n.Field("v").Value
}

func sameList(a, b corev1.ResourceList) bool {
	if len(a) != len(b) || (a == nil) != (b == nil) {
		return false
	}
	for k, q := range a {
		p, ok := b[k]
		if !ok || q.Cmp(p) != 0 || q.Value() != p.Value() {
			return false
		}
	}
	return true
}

// TestFastDecode holds each fast path to decode: where it answers, it
// answers what decode does.
func TestFastDecode(t *testing.T) {
	quantities := []string{"1", "0", "2", "500m", "1Gi", "0.5", "1.50", "010", "0x10", "1e3", "'1'", `"2"`, "1.5Gi", "123456789012345", "1234567890123456789", "-1", "+1", ".5", "1_000", "null", "~", "yes", "abc", "1Ki", "2.000001", "[1]", "{a: 1}"}
	for _, q := range quantities {
		for _, text := range []string{
			fmt.Sprintf("{limits: {nvidia.com/gpu: %s}}", q),
			fmt.Sprintf("{requests: {cpu: %s, memory: 1Gi}, limits: {cpu: %s}}", q, q),
			fmt.Sprintf("{limits: {cpu: %s, cpu: 2}}", q),
			fmt.Sprintf("{claims: [], limits: {cpu: %s}}", q),
		} {
			n := valueNode(t, text)
			got, ok := fastResources(n.YNode())
			if !ok {
				continue
			}
			var c corev1.Container
			if ferr := decode(n, "resources", &c, "x"); ferr != nil {
				t.Errorf("%s: fast path reads it, decode says %v", text, ferr)
				continue
			}
			if !sameList(got.Limits, c.Resources.Limits) || !sameList(got.Requests, c.Resources.Requests) {
				t.Errorf("%s: fast %v, decode %v", text, got, c.Resources)
			}
		}
	}
	// Fixed objects: keys kyaml adds are untagged, values set as strings.
	for _, v := range []string{"1", "128Mi", "yes", "0.5", "2"} {
		n := valueNode(t, "{limits: {cpu: 1}}")
		lim, _ := ynode.Lookup(n, "limits")
		for _, name := range []string{"memory", "nvidia.com/gpu", "on"} {
			if err := ynode.SetString(lim, name, v); err != nil {
				t.Fatal(err)
			}
		}
		req, _ := ynode.LookupCreateMap(n, "requests")
		if err := ynode.SetString(req, "cpu", v); err != nil {
			t.Fatal(err)
		}
		got, ok := fastResources(n.YNode())
		var c corev1.Container
		ferr := decode(n, "resources", &c, "x")
		if ok && (ferr != nil || !sameList(got.Limits, c.Resources.Limits) || !sameList(got.Requests, c.Resources.Requests)) {
			t.Errorf("%s: fast %v, decode %v %v", n.MustString(), got, c.Resources, ferr)
		}
	}
	for _, text := range []string{"null", "{}", "{limits: null}", "{limits: {}}", "[]", "3"} {
		n := valueNode(t, text)
		got, ok := fastResources(n.YNode())
		if !ok {
			continue
		}
		var c corev1.Container
		if ferr := decode(n, "resources", &c, "x"); ferr != nil || !sameList(got.Limits, c.Resources.Limits) || !sameList(got.Requests, c.Resources.Requests) {
			t.Errorf("%s: fast %v, decode %v %v", text, got, c.Resources, ferr)
		}
	}
	for _, text := range []string{"2", "0", "-3", "'2'", "02", "0x2", "2147483647", "2147483648", "-2147483648", "null", "2.0", "true", "1_0", "+2"} {
		n := valueNode(t, text)
		got, ok := fastInt32(n.YNode())
		if !ok {
			continue
		}
		var v struct {
			V *int32 `json:"v"`
		}
		if ferr := decode(n, "v", &v, "x"); ferr != nil || fmt.Sprint(deref(got)) != fmt.Sprint(deref(v.V)) {
			t.Errorf("%s: fast %v, decode %v %v", text, deref(got), deref(v.V), ferr)
		}
	}
	for _, text := range []string{"true", "false", "True", "FALSE", "yes", "on", "'true'", "null", "1", "tRue"} {
		n := valueNode(t, text)
		got, ok := fastBool(n.YNode())
		if !ok {
			continue
		}
		var v struct {
			V *bool `json:"v"`
		}
		if ferr := decode(n, "v", &v, "x"); ferr != nil || got != (v.V != nil && *v.V) {
			t.Errorf("%s: fast %v, decode %v %v", text, got, v.V, ferr)
		}
	}
	for _, text := range []string{"{a: b}", "{a: 1}", "{a: 'yes'}", "{a: yes}", "{yes: a}", "{on: a}", "{a: on}", "{a: 1.5}", "{a: \"on\"}", "null", "{}", "{a: b, a: c}", "[a]", "{a: null}"} {
		n := valueNode(t, text)
		got, ok := fastStringMap(n.YNode())
		if !ok {
			continue
		}
		var v struct {
			V map[string]string `json:"v"`
		}
		if ferr := decode(n, "v", &v, "x"); ferr != nil || fmt.Sprint(got) != fmt.Sprint(v.V) || (got == nil) != (v.V == nil) {
			t.Errorf("%s: fast %v, decode %v %v", text, got, v.V, ferr)
		}
	}
	for _, text := range []string{"Always", "'Always'", "1", "null", "yes", "'yes'", "y", "Never", "~"} {
		n := valueNode(t, text)
		got, ok := fastString(n.YNode())
		if !ok {
			continue
		}
		var c corev1.Container
		if ferr := decode(n, "restartPolicy", &c, "x"); ferr != nil || c.RestartPolicy == nil || string(*c.RestartPolicy) != got {
			t.Errorf("%s: fast %v, decode %v %v", text, got, c.RestartPolicy, ferr)
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
