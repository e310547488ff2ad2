package fn_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
)

// TestPlatformAmongItems: `kpt fn source DIR | vdirender` gives no
// functionConfig; the package's one VDIPlatform among the items is used.
// With two, which one is meant is not guessed.
func TestPlatformAmongItems(t *testing.T) {
	platform, err := os.ReadFile("../examples/k3s-single-node/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	item := "- " + strings.ReplaceAll(strings.TrimSpace(string(platform)), "\n", "\n  ") + "\n"
	list := func(items ...string) []byte {
		return []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + strings.Join(items, ""))
	}
	var out bytes.Buffer
	if err := fn.Execute(fn.Processor{}, bytes.NewReader(list(item)), &out, fn.DefaultMaxInput); err != nil {
		t.Fatalf("one VDIPlatform among the items: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "name: time-slicing-config") {
		t.Error("nothing rendered from the VDIPlatform among the items")
	}
	out.Reset()
	second := strings.Replace(item, "name: k3s-single-node", "name: another", 1)
	err = fn.Execute(fn.Processor{}, bytes.NewReader(list(item, second)), &out, fn.DefaultMaxInput)
	if err == nil || !strings.Contains(out.String(), "not exactly one config.vdirender.dev/v1alpha1 VDIPlatform among the items") {
		t.Errorf("two VDIPlatforms: %v\n%s", err, out.String())
	}
}

// TestKRMFindingsNameNoListLine: in a ResourceList a rule's finding on a
// rendered object points at the VDIPlatform's file and values field, with
// no line: lines inside the list are not lines of the user's file.
func TestKRMFindingsNameNoListLine(t *testing.T) {
	rl := `apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: config.vdirender.dev/v1alpha1
  kind: VDIPlatform
  metadata:
    name: p
    annotations: {config.kubernetes.io/path: platform.yaml, internal.config.kubernetes.io/path: platform.yaml}
  spec:
    global: {hostname: kasm.example.com}
    vdi:
      templates: [{name: desk, image: desk}]
`
	var out bytes.Buffer
	if err := fn.Execute(fn.Processor{}, strings.NewReader(rl), &out, fn.DefaultMaxInput); err == nil {
		t.Fatal("an untagged image passed")
	}
	res := out.String()
	for _, want := range []string{"it comes from spec.vdi.templates[0].image in the values", "path: platform.yaml"} {
		if !strings.Contains(res, want) {
			t.Errorf("results lack %q:\n%s", want, res)
		}
	}
	if strings.Contains(res, "line:") {
		t.Errorf("a finding names a line of the ResourceList:\n%s", res)
	}
}

// TestPullPolicyFindingsPointAtGlobal: in audit mode, each rendered pull
// policy the rule would change points at global.image.pullPolicy, where
// every one of them comes from.
func TestPullPolicyFindingsPointAtGlobal(t *testing.T) {
	f := filepath.Join(t.TempDir(), "values.yaml")
	if err := os.WriteFile(f, []byte("global:\n  hostname: kasm.example.com\n  image:\n    pullPolicy: Always\nrules: {pullPolicy: audit}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, results, err := fn.Build(f)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range results {
		if r.Tags["rule"] != "pullPolicy" || r.Severity != "warning" {
			continue
		}
		n++
		if r.File == nil || r.File.Path != f || r.Tags["line"] != "4" || !strings.Contains(r.Message, "it comes from global.image.pullPolicy") {
			t.Errorf("%s %s: %v line %s: %s", r.ResourceRef.Kind, r.ResourceRef.Name, r.File, r.Tags["line"], r.Message)
		}
	}
	if n < 3 {
		t.Errorf("%d pull policy warnings", n)
	}
}
