//go:build unix

package input

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"
)

// FuzzReadPackage writes a package of a VDIPlatform and one arbitrary file
// (any name, one directory deep at most, any content) and reads it through
// the gate. It must not panic; a refusal must be an *Error naming a file
// of the package; and what the gate lets in, kyaml must read from memory
// exactly as it reads it from the disk.
func FuzzReadPackage(f *testing.F) {
	f.Add("objects.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"))
	f.Add("objects.json", []byte(`{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}`))
	f.Add("sub/anchors.yml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: &d {a: b}\nx: *d\n"))
	f.Add(".krmignore", []byte("platform.yaml\n"))
	f.Add("lol.json", []byte(bomb()))
	f.Add("deep.yaml", []byte(strings.Repeat("[", 250)))
	f.Add("bad.yaml", []byte("a: \xff\n"))
	f.Add("README", []byte("\x00\x01 not read"))
	opts := PackageOptions{MatchFilesGlob: kio.MatchAll, PreserveSeqIndent: true}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		if len(data) > 64<<10 || !fuzzName(name) {
			return
		}
		dir := t.TempDir()
		write(t, filepath.Join(dir, "platform.yaml"), platform)
		write(t, filepath.Join(dir, filepath.FromSlash(name)), string(data))
		got, err := ReadPackage(dir, opts)
		var refused *Error
		if errors.As(err, &refused) {
			if !strings.HasPrefix(refused.Path, dir) {
				t.Errorf("the refusal names %q, not a file of %s", refused.Path, dir)
			}
			return
		}
		want, diskErr := kio.LocalPackageReader{PackagePath: dir, MatchFilesGlob: opts.MatchFilesGlob, PreserveSeqIndent: true}.Read()
		if (err == nil) != (diskErr == nil) {
			t.Fatalf("from memory: %v; from the disk: %v", err, diskErr)
		}
		if err == nil && dump(t, got) != dump(t, want) {
			t.Errorf("from memory\n%s\nfrom the disk\n%s", dump(t, got), dump(t, want))
		}
	})
}

// fuzzName keeps names a file can have, one directory deep at most.
func fuzzName(name string) bool {
	parts := strings.Split(name, "/")
	if len(name) > 100 || len(parts) > 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || p == "." || p == ".." || p == ".git" || strings.ContainsRune(p, 0) {
			return false
		}
	}
	return !(len(parts) == 2 && parts[0] == "platform.yaml") && os.PathSeparator == '/'
}
