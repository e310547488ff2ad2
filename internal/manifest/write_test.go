package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/testdir"
)

func obj(t *testing.T, apiVersion, kind, ns, name string) *yaml.RNode {
	t.Helper()
	n := yaml.NewMapRNode(nil)
	n.SetDataMap(nil)
	n.SetApiVersion(apiVersion)
	n.SetKind(kind)
	if err := n.SetName(name); err != nil {
		t.Fatal(err)
	}
	if ns != "" {
		if err := n.SetNamespace(ns); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestFileName(t *testing.T) {
	for _, c := range []struct {
		kind, ns, name string
		want           string // the path, or a part of the error after "!"
	}{
		{"ConfigMap", "tools", "app", "tools/configmap_app.yaml"},
		{"Namespace", "", "tools", "namespace_tools.yaml"},
		{"Service", "a", "x.y-z", "a/service_x.y-z.yaml"},
		{"ClusterRole", "", "system:node-proxier", "clusterrole_system:node-proxier.yaml"},
		{"ConfigMap", "tools", "../../../../tmp/pwned", "!not a DNS-1123 subdomain"},
		{"ConfigMap", "tools", "a/b", "!not a DNS-1123 subdomain"},
		{"ConfigMap", "tools", "..", "!not a DNS-1123 subdomain"},
		{"ConfigMap", "tools", "App", "!not a DNS-1123 subdomain"},
		{"ConfigMap", "tools", "", "!no name"},
		{"ConfigMap", "tools", strings.Repeat("a", 254), "!longer than 253"},
		{"ConfigMap", "../..", "app", "!namespace is not a DNS-1123 label"},
		{"ConfigMap", "/etc", "app", "!namespace is not a DNS-1123 label"},
		{"ConfigMap", "a.b", "app", "!namespace is not a DNS-1123 label"},
		{"../../x", "tools", "app", "!kind is not an identifier"},
		{"Config/Map", "", "app", "!kind is not an identifier"},
		{"", "", "app", "!kind is not an identifier"},
		{"ClusterRole", "", "../x", "!not a valid ClusterRole name"},
		{"Role", "a", "x..y", "!not a valid Role name"},
		{"Role", "a", "x/y", "!not a valid Role name"},
		{"ConfigMap", "tools", "a\x00b", "!not a DNS-1123 subdomain"},
	} {
		t.Run(c.kind+"/"+c.ns+"/"+c.name, func(t *testing.T) {
			got, err := FileName(obj(t, "v1", c.kind, c.ns, c.name))
			if want, bad := strings.CutPrefix(c.want, "!"); bad {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("got %q, %v; want an error with %q", got, err, want)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestFilesClash(t *testing.T) {
	for _, c := range [][2]*yaml.RNode{
		{obj(t, "apps/v1", "Deployment", "a", "x"), obj(t, "extensions/v1beta1", "Deployment", "a", "x")},
		{obj(t, "example.com/v1", "Widget", "a", "x"), obj(t, "example.com/v1", "WIDGET", "a", "x")},
		{obj(t, "rbac.authorization.k8s.io/v1", "Role", "a", "Admin"), obj(t, "rbac.authorization.k8s.io/v1", "Role", "a", "admin")},
	} {
		_, err := Files(c[:])
		if err == nil || !strings.Contains(err.Error(), "would both be written to a/") {
			t.Errorf("%s and %s: %v", c[0].GetKind(), c[1].GetKind(), err)
		}
	}
}

func TestWriteDirOwnsDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	a, b, c := obj(t, "v1", "ConfigMap", "ns1", "a"), obj(t, "v1", "ConfigMap", "ns2", "b"), obj(t, "v1", "Namespace", "", "ns1")
	if err := WriteDir(dir, []*yaml.RNode{a, b, c}); err != nil {
		t.Fatal(err)
	}
	want := ".vdirender-files namespace_ns1.yaml ns1/configmap_a.yaml ns2/configmap_b.yaml"
	if got := strings.Join(testdir.Files(t, dir), " "); got != want {
		t.Fatalf("wrote %s, want %s", got, want)
	}
	list1, _ := os.ReadFile(filepath.Join(dir, OwnedList))
	// Again, without b: its file and its empty directory go.
	if err := WriteDir(dir, []*yaml.RNode{a, c}); err != nil {
		t.Fatal(err)
	}
	want = ".vdirender-files namespace_ns1.yaml ns1/configmap_a.yaml"
	if got := strings.Join(testdir.Files(t, dir), " "); got != want {
		t.Fatalf("wrote %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "ns2")); !os.IsNotExist(err) {
		t.Errorf("ns2 is left: %v", err)
	}
	// Deterministic: the same rendering gives the same list.
	if err := WriteDir(dir, []*yaml.RNode{a, b, c}); err != nil {
		t.Fatal(err)
	}
	if list2, _ := os.ReadFile(filepath.Join(dir, OwnedList)); string(list2) != string(list1) {
		t.Errorf("list changed:\n%s\n%s", list1, list2)
	}
}

func TestWriteDirRefuses(t *testing.T) {
	a := obj(t, "v1", "ConfigMap", "ns1", "a")
	outside := filepath.Join(t.TempDir(), "secret")
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		items []*yaml.RNode
		want  string
	}{
		{"file without list", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "README.md"), []byte("x"), 0o644)
		}, []*yaml.RNode{a}, "README.md"},
		{"file not in list", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, OwnedList), []byte("ns1/configmap_a.yaml\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "keep.yaml"), []byte("x"), 0o644)
		}, []*yaml.RNode{a}, "keep.yaml"},
		{"link at an owned path", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, OwnedList), []byte("ns1/configmap_a.yaml\n"), 0o644)
			os.Mkdir(filepath.Join(dir, "ns1"), 0o755)
			os.Symlink(outside, filepath.Join(dir, "ns1/configmap_a.yaml"))
		}, []*yaml.RNode{a}, ""},
		{"link as a namespace directory", func(t *testing.T, dir string) {
			os.Symlink(filepath.Dir(outside), filepath.Join(dir, "ns1"))
		}, []*yaml.RNode{a}, "ns1"},
		{"list naming a file outside", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, OwnedList), []byte("../secret\n"), 0o644)
		}, []*yaml.RNode{a}, "not a file vdirender writes"},
		{"list naming a hidden file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, OwnedList), []byte(".git/config\n"), 0o644)
		}, []*yaml.RNode{a}, "not a file vdirender writes"},
		{"list is a link", func(t *testing.T, dir string) {
			os.Symlink(outside, filepath.Join(dir, OwnedList))
		}, []*yaml.RNode{a}, "link"},
		{"output is a file", func(t *testing.T, dir string) {
			os.Remove(dir)
			os.WriteFile(dir, nil, 0o644)
		}, []*yaml.RNode{a}, "not a directory"},
		{"output is a link", func(t *testing.T, dir string) {
			os.Remove(dir)
			os.Symlink(filepath.Dir(outside), dir)
		}, []*yaml.RNode{obj(t, "v1", "ConfigMap", "", "secret")}, "link"},
		{"object named outside", nil, []*yaml.RNode{obj(t, "v1", "ConfigMap", "ns1", "../../secret")}, "not a DNS-1123 subdomain"},
		{"namespace outside", nil, []*yaml.RNode{obj(t, "v1", "ConfigMap", "..", "secret")}, "namespace is not"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(outside, []byte("untouched"), 0o600); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "out")
			os.Mkdir(dir, 0o755)
			if c.setup != nil {
				c.setup(t, dir)
			}
			err := WriteDir(dir, c.items)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
			if got, _ := os.ReadFile(outside); string(got) != "untouched" {
				t.Fatalf("a file outside the directory was written: %q", got)
			}
		})
	}
}

// FuzzFileName: whatever an object is called, the file it gets is a local
// path of at most two parts, one a plain name, that the list of owned files
// accepts; or it is refused.
func FuzzFileName(f *testing.F) {
	f.Add("ConfigMap", "tools", "app")
	f.Add("ClusterRole", "", "system:x")
	f.Add("ConfigMap", "..", "../../etc/passwd")
	f.Add("A/B", "", ".")
	f.Fuzz(func(t *testing.T, kind, ns, name string) {
		p, err := FileName(obj(t, "v1", kind, ns, name))
		if err != nil {
			return
		}
		if !filepath.IsLocal(p) || strings.Contains(p, "..") || strings.Count(p, "/") > 1 || strings.HasPrefix(p, ".") {
			t.Fatalf("%q %q %q: unsafe path %q", kind, ns, name, p)
		}
		if _, err := Build.parseOwned("list", []byte(p+"\n")); err != nil {
			t.Fatalf("%q: not accepted back: %v", p, err)
		}
	})
}
