package cli_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/charttest"
)

// secretKey names a value that must never be written in plain text: chart
// values and environment variables may only name a Secret that holds it.
var secretKey = regexp.MustCompile(`(?i)(password|passwd|token|secret|apikey|api_key|privatekey|private_key)$`)

// references are keys whose values name a Secret or a key of one.
var references = regexp.MustCompile(`(?i)^(existingSecret|secretName|name|key)$`)

// checksum is a checksum annotation such as checksum/secret: a hash of other
// rendered objects. Inline charts never render Secret data nor anything
// generated at render time (internal/charts refuses both), so what it hashes
// is in Git already.
var checksum = regexp.MustCompile(`^checksum/`)

// switchValue is an on/off setting, not a secret.
var switchValue = regexp.MustCompile(`(?i)^(yes|no|true|false)$`)

// scan walks an object (and YAML held in its strings) and reports plain-text
// secret material.
func scan(path string, v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			p := path + "." + k
			if s, ok := x.(string); ok && s != "" && secretKey.MatchString(k) && !references.MatchString(k) && !strings.Contains(path, "secretKeys") && !checksum.MatchString(k) {
				*out = append(*out, fmt.Sprintf("%s = %q", p, s))
			}
			scan(p, x, out)
		}
		// env: [{name: DB_PASSWORD, value: ...}] must use valueFrom; a
		// switch such as Bitnami's ALLOW_EMPTY_PASSWORD=no holds no secret.
		if name, ok := v["name"].(string); ok && secretKey.MatchString(strings.ReplaceAll(name, "_", "")) {
			if val, ok := v["value"].(string); ok && val != "" && !switchValue.MatchString(val) {
				*out = append(*out, fmt.Sprintf("%s: env %s has a literal value", path, name))
			}
		}
	case []any:
		for i, x := range v {
			scan(fmt.Sprintf("%s[%d]", path, i), x, out)
		}
	case string:
		if strings.Contains(v, "\n") {
			var m map[string]any
			if sigsyaml.Unmarshal([]byte(v), &m) == nil && m != nil {
				scan(path+"(yaml)", m, out)
			}
		}
	}
}

// TestNoSecretsRendered renders every example and the inline-chart package
// and scans all output for secret material: no Secret objects, no password
// or token values in chart values or environments, only references.
func TestNoSecretsRendered(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*/platform.yaml")
	inline := charttest.LockedPackage(t, "../..")
	pkgs := []string{inline}
	for _, d := range dirs {
		pkgs = append(pkgs, filepath.Dir(d))
	}
	scanned := 0
	for _, pkg := range pkgs {
		stdout, stderr, err := execute(t, nil, "build", pkg)
		if err != nil {
			t.Fatalf("%s: %v\n%s", pkg, err, stderr)
		}
		for _, doc := range strings.Split(stdout, "\n---\n") {
			var obj map[string]any
			if err := sigsyaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
				continue
			}
			scanned++
			if obj["kind"] == "Secret" {
				t.Errorf("%s renders a Secret", pkg)
			}
			var found []string
			scan(fmt.Sprint(obj["kind"], "/", obj["metadata"].(map[string]any)["name"]), obj, &found)
			for _, f := range found {
				t.Errorf("%s: secret material: %s", pkg, f)
			}
		}
	}
	if scanned < 100 {
		t.Errorf("scanned only %d objects", scanned)
	}
	// The scanner itself must see a plain secret.
	var found []string
	scan("probe", map[string]any{"spec": map[string]any{"valuesContent": "auth:\n  postgresPassword: hunter2\n"}}, &found)
	if len(found) != 1 {
		t.Errorf("the scanner missed a plain password: %v", found)
	}
	found = nil
	scan("probe", map[string]any{"env": []any{map[string]any{"name": "REDIS_PASSWORD", "value": "no"}, map[string]any{"name": "DB_PASSWORD", "value": "hunter2"}}}, &found)
	if len(found) != 1 || !strings.Contains(found[0], "DB_PASSWORD") {
		t.Errorf("the scanner's env check: %v", found)
	}
}
