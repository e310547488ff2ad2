package fn_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/golden"
	"github.com/vdirender/vdirender/internal/manifest"
)

func render(t *testing.T, path string) []byte {
	t.Helper()
	items, _, err := fn.Build(path)
	if err != nil {
		t.Fatalf("build %s: %v", path, err)
	}
	var buf bytes.Buffer
	if err := manifest.Write(&buf, items); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExamples renders every example package, compares it with its golden
// file, and checks that rendering is deterministic and idempotent: the
// package plus its own rendered output renders to the same bytes.
func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob("../examples/*/platform.yaml")
	if err != nil || len(dirs) < 2 {
		t.Fatalf("examples: %v %v", dirs, err)
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			out := render(t, dir)
			golden.Check(t, filepath.Join("..", "testdata", "examples", name+".yaml"), out)

			if again := render(t, dir); !bytes.Equal(out, again) {
				t.Error("second render differs from the first")
			}

			// Render the package with its output inside it: nothing may change.
			pkg := t.TempDir()
			copyFile(t, p, filepath.Join(pkg, "platform.yaml"))
			if err := os.WriteFile(filepath.Join(pkg, "rendered.yaml"), out, 0o644); err != nil {
				t.Fatal(err)
			}
			if again := render(t, pkg); !bytes.Equal(out, again) {
				t.Error("rendering the output again changed it")
			}
		})
	}
}

// TestValuesFileEqualsPackage checks that a plain values file and a package
// holding the same values as a VDIPlatform render the same objects.
func TestValuesFileEqualsPackage(t *testing.T) {
	fromPkg := render(t, "../examples/k3s-single-node")
	fromValues := render(t, "../testdata/values/k3s-single-node.yaml")
	if !bytes.Equal(fromPkg, fromValues) {
		t.Error("values file and VDIPlatform package render differently")
	}
}

// TestErrors renders each bad values file and compares every reported
// problem (file, line, field, message) with its golden file.
func TestErrors(t *testing.T) {
	files, _ := filepath.Glob("../testdata/errors/*.yaml")
	if len(files) == 0 {
		t.Fatal("no error cases")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			items, _, err := fn.Build(f)
			if len(items) != 0 {
				t.Errorf("failed build returned %d objects", len(items))
			}
			var failed *fn.Failed
			if !errors.As(err, &failed) {
				t.Fatalf("want *fn.Failed, got %v", err)
			}
			var buf bytes.Buffer
			for _, r := range failed.Results {
				// A rule's failure comes with the rules' notes (capacity).
				if r.Severity == "info" && r.Tags["rule"] != "" {
					continue
				}
				if r.Severity != "error" {
					t.Errorf("severity %q, want error", r.Severity)
				}
				line := ""
				if r.File != nil {
					line = filepath.Base(r.File.Path) + ":" + r.Tags["line"] + ": "
				}
				if r.Field != nil {
					line += r.Field.Path + ": "
				}
				buf.WriteString(line + r.Message + "\n")
			}
			golden.Check(t, strings.TrimSuffix(f, ".yaml")+".txt", buf.Bytes())
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPackageErrorLines checks that an error inside the second document of a
// package file points at the line of the file, not of the document.
func TestPackageErrorLines(t *testing.T) {
	_, _, err := fn.Build("../testdata/packages/bad-multidoc")
	var failed *fn.Failed
	if !errors.As(err, &failed) || len(failed.Results) != 1 {
		t.Fatalf("want one error, got %v", err)
	}
	r := failed.Results[0]
	if got := filepath.Base(r.File.Path) + ":" + r.Tags["line"]; got != "platform.yaml:14" {
		t.Errorf("error at %s, want platform.yaml:14", got)
	}
	if r.Field.Path != "spec.gpu.timeSlicing.replicas" {
		t.Errorf("field %s", r.Field.Path)
	}
}

// TestPackages renders packages that hold hand-written objects beside the
// VDIPlatform: in enforce mode the rules fix them, in audit mode they pass
// unchanged with warnings. Objects and results are golden files.
func TestPackages(t *testing.T) {
	for _, name := range []string{"foreign-enforce", "foreign-audit", "anchors"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", "packages", name)
			items, results, err := fn.Build(dir)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := manifest.Write(&out, items); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, dir+".expected.yaml", out.Bytes())
			golden.Check(t, dir+".results.txt", formatResults(results))
		})
	}
	// Audit changes nothing: the hand-written objects come out as they went in.
	audit := render(t, "../testdata/packages/foreign-audit")
	for _, want := range []string{"imagePullPolicy: Always", "storageClassName: standard", "storageClassName: nfs-client"} {
		if !bytes.Contains(audit, []byte(want)) {
			t.Errorf("audit output lost %q", want)
		}
	}
}
