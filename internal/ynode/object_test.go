package ynode

import (
	"strings"
	"testing"
)

// TestObjectNeverQuotesContent: what the converter cannot take is named by
// the object it is in, never by its key or value, which may be a secret's.
func TestObjectNeverQuotesContent(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"null key in a Secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\nstringData: {~: hunter2}\n", "Secret n/s cannot be read as JSON"},
		{"mapping key", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {? {hunter2: 1} : x}\n", "ConfigMap c cannot be read as JSON"},
		{"no kind", "{~: hunter2}\n", "this YAML cannot be read as JSON"},
		{"a list, not an object", "- {~: hunter2}\n", "this YAML cannot be read as JSON"},
		{"a bare dash", "-\n", "this YAML cannot be read as JSON"},
		{"metadata a list", "kind: Secret\nmetadata: [-]\nstringData: {~: hunter2}\n", "cannot be read as JSON"},
		{"metadata a scalar", "kind: Secret\nmetadata: x\nstringData: {~: hunter2}\n", "cannot be read as JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Object([]byte(tc.doc))
			if err == nil {
				t.Fatal("decoded")
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q: want %q and no content", err, tc.want)
			}
		})
	}
	m, err := Object([]byte("kind: ConfigMap\ndata: {a: b}\n"))
	if err != nil || m["data"].(map[string]any)["a"] != "b" {
		t.Errorf("a plain object: %v, %v", m, err)
	}
}

// TestDecodeNamesTheFieldNotTheValue: a typed decode names the field
// whose value has the wrong type, not the value (encoding/json would quote
// a number).
func TestDecodeNamesTheFieldNotTheValue(t *testing.T) {
	var into struct {
		Spec struct {
			Pin bool `json:"pin"`
		} `json:"spec"`
	}
	err := Decode([]byte("kind: Secret\nmetadata: {name: s}\nspec: {pin: 918273}\n"), &into)
	if err == nil || !strings.Contains(err.Error(), "Secret s: field spec.pin must be a bool") || strings.Contains(err.Error(), "918273") {
		t.Errorf("error %v: want the field named and no value", err)
	}
}
