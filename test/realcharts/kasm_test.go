package realcharts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/vdirender/vdirender/internal/values"
)

// kasmExtraDir holds the values.yaml, values.schema.json and Chart.yaml of
// the kasm chart vdirender pins, whose archive is not available offline;
// hack/kasm-chart-extra.sh extracts them from a kasm-helm clone. Nothing
// of them is committed.
func kasmExtraDir(t *testing.T) string {
	t.Helper()
	pin := values.Defaults().Charts.Kasm
	base := os.Getenv("VDIRENDER_REAL_CHARTS_EXTRA")
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skipf("kasm %s schema: no home directory: %v", pin.Version, err)
		}
		base = filepath.Join(home, ".cache", "vdirender", "real-charts-extra")
	}
	dir := filepath.Join(base, pin.Name+"-"+pin.Version)
	if _, err := os.Stat(filepath.Join(dir, "values.schema.json")); err != nil {
		t.Skipf("kasm %s values and schema not found in %s: run hack/kasm-chart-extra.sh (%v)", pin.Version, dir, err)
	}
	var chart struct{ Name, Version string }
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &chart); err != nil {
		t.Fatal(err)
	}
	if chart.Name != pin.Name || chart.Version != pin.Version {
		t.Fatalf("%s holds %s %s, not the pinned %s %s", dir, chart.Name, chart.Version, pin.Name, pin.Version)
	}
	return dir
}

// coalesce merges user values over chart defaults as Helm does: maps merge
// key by key, anything else replaces, and null deletes.
func coalesce(defaults, user map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range user {
		if v == nil {
			delete(out, k)
			continue
		}
		um, uok := v.(map[string]any)
		dm, dok := out[k].(map[string]any)
		if uok && dok {
			out[k] = coalesce(dm, um)
			continue
		}
		out[k] = v
	}
	return out
}

// undeclared returns the keys of vals that the schema does not declare: a
// key must be one of its object's properties, unless the object is a free
// map (no properties; additionalProperties true or absent) such as
// resources or annotations. A top-level additionalProperties: true does not
// make a misspelt key right.
func undeclared(schema map[string]any, vals any, path string) []string {
	var out []string
	switch x := vals.(type) {
	case map[string]any:
		props, hasProps := schema["properties"].(map[string]any)
		for _, k := range sortedKeys(x) {
			p := strings.TrimPrefix(path+"."+k, ".")
			if s, ok := props[k].(map[string]any); ok {
				out = append(out, undeclared(s, x[k], p)...)
				continue
			}
			if s, ok := schema["additionalProperties"].(map[string]any); ok {
				out = append(out, undeclared(s, x[k], p)...)
				continue
			}
			if hasProps || schema["additionalProperties"] == false {
				out = append(out, p)
			}
		}
	case []any:
		if s, ok := schema["items"].(map[string]any); ok {
			for i, c := range x {
				out = append(out, undeclared(s, c, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

// TestKasm118Schema proves every key vdirender sends to the kasm chart it
// pins (1.1181.1, whose templates are not available offline) against the
// chart's own values.schema.json: each key is declared there, and the
// values Helm would validate (the chart's values.yaml with ours merged over
// it) pass the schema. Both examples are checked, and each with the chart's
// own Ingress turned on (with a TLS Secret, and with a certificate resolver).
func TestKasm118Schema(t *testing.T) {
	dir := kasmExtraDir(t)
	schemaDoc, err := os.ReadFile(filepath.Join(dir, "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(schemaDoc, &schema); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaDoc))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{})
	if err := c.AddResource("file:///kasm/values.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	compiled, err := c.Compile("file:///kasm/values.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var defaults map[string]any
	raw, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &defaults); err != nil {
		t.Fatal(err)
	}

	ingressOn := func(spec map[string]any) { child(child(spec, "global"), "ingress")["enabled"] = true }
	cases := []variant{
		{"k3s-single-node", "k3s-single-node", nil},
		{"gpu-pool", "gpu-pool", nil},
		{"k3s-single-node+chart ingress (TLS Secret)", "k3s-single-node", ingressOn},
		{"gpu-pool+chart ingress (certificate resolver)", "gpu-pool", ingressOn},
	}
	for _, v := range cases {
		rels, _ := render(t, v)
		found := false
		for _, r := range rels {
			if r.Chart != values.KasmChart {
				continue
			}
			found = true
			for _, k := range undeclared(schema, r.Values, "") {
				t.Errorf("%s: kasm key %s is not in the chart's values.schema.json", r, k)
			}
			merged, err := json.Marshal(coalesce(defaults, r.Values))
			if err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(merged))
			if err != nil {
				t.Fatal(err)
			}
			if err := compiled.Validate(inst); err != nil {
				t.Errorf("%s: the kasm chart's schema refuses the values: %v", r, err)
			}
			if n := len(leaves(r.Values, nil)); n == 0 {
				t.Errorf("%s: no values", r)
			} else {
				t.Logf("%s: %d keys, each declared in the schema; values pass it", r, n)
			}
		}
		if !found {
			t.Errorf("%s: no kasm HelmChart", v.name)
		}
	}

	// The checks themselves catch what they must.
	bad, _ := json.Marshal(coalesce(defaults, map[string]any{"proxyService": map[string]any{"type": "NodePort"}}))
	if inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(bad)); err != nil || compiled.Validate(inst) == nil {
		t.Errorf("the schema accepted proxyService.type NodePort (%v)", err)
	}
	if got := undeclared(schema, map[string]any{"certificate": map[string]any{"secretname": "x"}, "publicAdr": "x", "components": map[string]any{"api": map[string]any{"resources": map[string]any{"limits": map[string]any{"cpu": "1"}}}}}, ""); strings.Join(got, " ") != "certificate.secretname publicAdr" {
		t.Errorf("undeclared found %v", got)
	}
}
