package scaffold_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/scaffold"
)

func rendered(t *testing.T, path string) []byte {
	t.Helper()
	items, _, err := fn.Build(path)
	if err != nil {
		t.Fatalf("build %s: %v", path, err)
	}
	var b bytes.Buffer
	if err := manifest.Write(&b, items); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWrite: for each tool, the package renders exactly what its values
// file renders, keeps the values' comments, and has the tool's file.
func TestWrite(t *testing.T) {
	const from = "../../testdata/values/k3s-single-node.yaml"
	want := rendered(t, from)
	for _, tt := range []struct {
		tool, file, has string
	}{
		{scaffold.Plain, "", ""},
		{scaffold.Kpt, "Kptfile", "exec: vdirender"},
		{scaffold.Kustomize, "kustomization.yaml", "generators:\n- platform.yaml"},
		{scaffold.ArgoCD, "application.yaml", "name: vdirender-v1.0"},
	} {
		t.Run("tool "+tt.tool, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "vdi")
			files, err := scaffold.Write(dir, scaffold.Options{Tool: tt.tool, From: from})
			if err != nil {
				t.Fatal(err)
			}
			if got := rendered(t, dir); !bytes.Equal(got, want) {
				t.Error("the package renders differently from its values file")
			}
			platform, err := os.ReadFile(filepath.Join(dir, scaffold.PlatformFile))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(platform), "# the cluster's own Traefik routes Kasm") || !strings.Contains(string(platform), "name: vdi\n") {
				t.Errorf("the VDIPlatform lost the values' comments or its name:\n%s", platform)
			}
			if tt.file == "" {
				if len(files) != 1 {
					t.Errorf("files %v, want only %s", files, scaffold.PlatformFile)
				}
				return
			}
			b, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil || !strings.Contains(string(b), tt.has) {
				t.Errorf("%s: %v\n%s", tt.file, err, b)
			}
		})
	}
}

// TestWriteRefuses: a directory with files, values the renderer refuses
// (with their line) and a name Kubernetes refuses make no package.
func TestWriteRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "keep.yaml"), []byte("x: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("global:\n  hostname: kasm.example.com\n  hostnme: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(elsewhere, link); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, dir string
		o         scaffold.Options
		want      string
	}{
		{"a directory with files", full, scaffold.Options{}, "is not empty"},
		{"a link to a directory", link, scaffold.Options{}, "symbolic link"},
		{"values with a typo", filepath.Join(t.TempDir(), "p"), scaffold.Options{From: bad}, `bad.yaml:3: global.hostnme: unknown field "hostnme": did you mean "hostname"?`},
		{"a name Kubernetes refuses", filepath.Join(t.TempDir(), "p"), scaffold.Options{Name: "My Platform"}, "package name"},
		{"two tools", filepath.Join(t.TempDir(), "p"), scaffold.Options{Tool: "helm"}, "unknown tool"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scaffold.Write(tt.dir, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.dir != full && tt.dir != link {
				if _, err := os.Stat(tt.dir); err == nil {
					t.Error("a refused init left a directory")
				}
			}
			if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
				t.Error("init wrote through a link")
			}
		})
	}
}

// TestStarter: the starter values render.
func TestStarter(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "starter")
	if _, err := scaffold.Write(dir, scaffold.Options{Tool: scaffold.Kpt}); err != nil {
		t.Fatal(err)
	}
	if out := rendered(t, dir); !bytes.Contains(out, []byte("name: vdi-login")) {
		t.Error("the starter package renders no login")
	}
}
