package fn_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/golden"
	"github.com/vdirender/vdirender/internal/manifest"
)

// expandPackage copies testdata/packages/expand into a temporary package
// with the fixture charts archived into charts/ and locked, as `vdirender
// pull --all` leaves it.
func expandPackage(t *testing.T, withKasm bool) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile("../testdata/packages/expand/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := charttest.Vendor("../testdata/charts", dir); err != nil {
		t.Fatal(err)
	}
	if withKasm {
		data, err := charttest.Archive("../testdata/charts-helmchart/kasm", "kasm")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "charts", "kasm-1.1181.1.tgz"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	charttest.Lock(t, dir)
	return dir
}

func expand(t *testing.T, dir string) ([]byte, framework.Results) {
	t.Helper()
	items, results, err := fn.ExpandPath(dir, fn.ExpandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := manifest.Write(&out, items); err != nil {
		t.Fatal(err)
	}
	return out.Bytes(), results
}

// TestExpandPath expands every HelmChart of a package whose sub-charts are
// all in helmchart mode, from fixture charts that do what the real ones do
// at install: generated passwords and certificates, a post-install hook, a
// test hook, containers no value gives resources. The objects and the
// findings are golden files; the properties that matter are also checked
// one by one.
func TestExpandPath(t *testing.T) {
	dir := expandPackage(t, true)
	out, results := expand(t, dir)
	golden.Check(t, "../testdata/packages/expand.expected.yaml", out)
	golden.Check(t, "../testdata/packages/expand.results.txt", formatResults(results))

	again, _ := expand(t, dir)
	if !bytes.Equal(out, again) {
		t.Error("two expansions differ")
	}
	objects, err := (&kio.ByteReader{Reader: bytes.NewReader(out)}).Read()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]*yaml.RNode{}
	for _, o := range objects {
		found[o.GetKind()+"/"+o.GetName()] = o
		if o.GetAnnotations()[charts.SourceAnnotation] == "" {
			t.Errorf("%s/%s does not name its HelmChart", o.GetKind(), o.GetName())
		}
	}
	// Hooks helm-controller runs are shown; test hooks are not.
	if found["Job/kasm-db-init"] == nil {
		t.Error("the post-install hook Job is missing")
	}
	if found["Pod/kasm-test-connection"] != nil {
		t.Error("the test hook is shown")
	}
	// No secret material: Secrets are emptied and say so.
	for key, o := range found {
		if o.GetKind() != "Secret" {
			continue
		}
		data := o.GetDataMap()
		for k, v := range data {
			if v != "" {
				t.Errorf("%s: data.%s is shown", key, k)
			}
		}
		if len(data) > 0 && o.GetAnnotations()[charts.RedactedAnnotation] == "" {
			t.Errorf("%s: emptied without saying so", key)
		}
	}
	if bytes.Contains(out, []byte("BEGIN RSA PRIVATE KEY-----\nMII")) || !bytes.Contains(out, []byte("checksum/token")) {
		t.Error("generated material in the view, or the checksum is gone")
	}
	// Findings: coturn's init container is a known gap of coturn 9.4.0;
	// the fixture Kasm's wait container is not a known one.
	gaps := map[string]string{}
	for _, r := range results {
		if r.Severity != framework.Warning {
			continue
		}
		gaps[r.ResourceRef.Name+" "+r.Tags["rule"]] = r.Tags["gap"]
	}
	for key, want := range map[string]string{
		"coturn-coturn resources":  "known",
		"coturn-coturn pullPolicy": "known",
		"kasm-proxy resources":     "new",
		"kasm-proxy pinning":       "new",
	} {
		if gaps[key] != want {
			t.Errorf("%s: gap %q, want %q", key, gaps[key], want)
		}
	}
}

// TestExpandNeedsArchives: a HelmChart whose archive is not locked in the
// package is an error saying how to get it, and nothing is expanded.
func TestExpandNeedsArchives(t *testing.T) {
	dir := expandPackage(t, false)
	items, _, err := fn.ExpandPath(dir, fn.ExpandOptions{})
	var failed *fn.Failed
	if !errors.As(err, &failed) || len(items) != 0 {
		t.Fatalf("want a failure and no objects, got %d objects, %v", len(items), err)
	}
	msg := failed.Results[0].Message
	for _, want := range []string{"HelmChart kube-system/kasm", "kasm 1.1181.1", "vdirender pull --all"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	// Told to, it expands the others and warns about the one it cannot.
	items, results, err := fn.ExpandPath(dir, fn.ExpandOptions{AllowMissing: true})
	if err != nil || len(items) == 0 {
		t.Fatalf("%d objects, %v", len(items), err)
	}
	if r := results[0]; r.Severity != framework.Warning || !strings.Contains(r.Message, "HelmChart kube-system/kasm not expanded") {
		t.Errorf("first result %s: %s", r.Severity, r.Message)
	}
	for _, it := range items {
		if it.GetAnnotations()[charts.SourceAnnotation] == "kube-system/kasm" {
			t.Errorf("%s/%s expanded from the missing archive", it.GetKind(), it.GetName())
		}
	}
}

// formatResults writes results one per line, as the golden files hold them.
func formatResults(results framework.Results) []byte {
	var res bytes.Buffer
	for _, r := range results {
		where := ""
		if r.ResourceRef != nil {
			where = r.ResourceRef.Kind + "/" + r.ResourceRef.Name + " "
		}
		if r.Field != nil {
			where += r.Field.Path + " "
		}
		fmt.Fprintf(&res, "%s: %s%s", r.Severity, where, r.Message)
		if r.Field != nil && (r.Field.CurrentValue != nil || r.Field.ProposedValue != nil) {
			fmt.Fprintf(&res, " (is %v, want %v)", r.Field.CurrentValue, r.Field.ProposedValue)
		}
		res.WriteString("\n")
	}
	return res.Bytes()
}
