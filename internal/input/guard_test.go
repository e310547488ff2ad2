package input

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbidden are the calls that read files, walk directories, read stdin or
// run git: outside this package, product code may not make them, so that a
// new command cannot read input the gate has not let in.
var forbidden = map[string][]string{
	"os":            {"ReadFile", "Open", "OpenFile", "ReadDir", "OpenRoot", "OpenInRoot", "DirFS", "Stdin"},
	"io":            {"ReadAll"},
	"io/ioutil":     {"ReadFile", "ReadAll", "ReadDir"},
	"io/fs":         {"ReadFile", "ReadDir", "WalkDir"},
	"path/filepath": {"Walk", "WalkDir"},
	"os/exec":       {"Command", "CommandContext"},
	// The package-level HTTP helpers use http.DefaultClient: no timeout,
	// any redirect. Fetches build their own client and read bodies with
	// ReadResponse.
	"net/http": {"Get", "Head", "Post", "PostForm", "DefaultClient"},
	// Whole blobs are read through ReadBody, bounded first.
	"oras.land/oras-go/v2/content": {"ReadAll", "FetchAll"},
	"sigs.k8s.io/kustomize/kyaml/kio": {
		"LocalPackageReader", "LocalPackageReadWriter",
	},
}

// allowed are the exceptions, each with its reason.
var allowed = map[string]string{
	// Writes the lock and pulled archives inside their package only,
	// atomically; reads nothing.
	"internal/charts/write.go os.OpenRoot": "write",
	// Writes build -o's and chart -o's files inside their output directory
	// only; what the directory holds is read through input.OutputDir.
	"internal/manifest/write.go os.OpenRoot": "write",
	// Writes a new package's files inside its (empty) directory only, never
	// replacing one; what the directory holds is read through input.OutputDir.
	"internal/scaffold/scaffold.go os.OpenRoot": "write",
}

// skipped holds no product code: test helpers and tests.
var skipped = []string{"internal/input/", "internal/golden/", "internal/charttest/", "internal/testdir/", "test/", "tools/", "hack/"}

func TestOnlyTheGateReads(t *testing.T) {
	root := "../.."
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		for _, s := range skipped {
			if strings.HasPrefix(rel, s) {
				return nil
			}
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		n++
		names := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			name := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			names[name] = path
		}
		ast.Inspect(f, func(node ast.Node) bool {
			sel, ok := node.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			path, ok := names[x.Name]
			if !ok {
				return true
			}
			for _, fn := range forbidden[path] {
				if sel.Sel.Name == fn {
					call := x.Name + "." + fn
					if _, ok := allowed[rel+" "+call]; !ok {
						t.Errorf("%s: %s reads input around the gate: use internal/input", fset.Position(sel.Pos()), call)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 50 {
		t.Fatalf("checked only %d files", n)
	}
}
