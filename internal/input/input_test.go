//go:build unix

package input

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// secretToken is what a hostile package tries to reach; no error may hold it.
const secretToken = "vdirender-test-token-5f0c2b9e"

const platform = "apiVersion: config.vdirender.dev/v1alpha1\nkind: VDIPlatform\nmetadata:\n  name: p\nspec:\n  global: {hostname: kasm.example.com}\n"

// bomb is a billion-laughs document: a few hundred bytes, 10^9 nodes.
func bomb() string {
	var b strings.Builder
	b.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, c := range "bcdefghi" {
		b.WriteString(string(c) + ": &" + string(c) + " [")
		for i := 0; i < 10; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = string(c)
	}
	return b.String()
}

// secret writes a fake kubeconfig outside any package and returns its path.
func secret(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	body := "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: " + secretToken + "\n"
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func write(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

// within runs f and fails the test if it does not return in time: a FIFO
// or an endless file must never make the gate wait.
func within(t *testing.T, f func() error) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		t.Fatal("the gate hung")
		return nil
	}
}

// TestWalkPackageRefuses is the gate as a class: every way a package can
// reach outside itself, block, or exhaust memory is refused with an error
// that names the file and holds nothing of any content.
func TestWalkPackageRefuses(t *testing.T) {
	small := limits{file: 1 << 10, total: 4 << 10, files: 5, entries: 20}
	tests := []struct {
		name   string
		setup  func(t *testing.T, dir string)
		lim    limits
		want   error
		naming string // the error names this file (relative to the package)
	}{
		{"link to a file outside the package", func(t *testing.T, dir string) {
			symlink(t, secret(t), filepath.Join(dir, "secretToken.yaml"))
		}, packageLimits, ErrLink, "secretToken.yaml"},
		{"link with a name no reader reads", func(t *testing.T, dir string) {
			symlink(t, secret(t), filepath.Join(dir, "README"))
		}, packageLimits, ErrLink, "README"},
		{"link inside the package", func(t *testing.T, dir string) {
			symlink(t, "platform.yaml", filepath.Join(dir, "again.yaml"))
		}, packageLimits, ErrLink, "again.yaml"},
		{"link loop", func(t *testing.T, dir string) {
			symlink(t, "b.yaml", filepath.Join(dir, "a.yaml"))
			symlink(t, "a.yaml", filepath.Join(dir, "b.yaml"))
		}, packageLimits, ErrLink, "a.yaml"},
		{"link to /dev/zero", func(t *testing.T, dir string) {
			symlink(t, "/dev/zero", filepath.Join(dir, "zero.yaml"))
		}, packageLimits, ErrLink, "zero.yaml"},
		{"dangling link", func(t *testing.T, dir string) {
			symlink(t, "/nonexistent/x.yaml", filepath.Join(dir, "x.yaml"))
		}, packageLimits, ErrLink, "x.yaml"},
		{"directory that is a link", func(t *testing.T, dir string) {
			outside := filepath.Dir(secret(t))
			symlink(t, outside, filepath.Join(dir, "base"))
		}, packageLimits, ErrLink, "base"},
		{"link deep in a subdirectory", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "sub", "ok.yaml"), "a: 1\n")
			write(t, filepath.Join(dir, "sub", "deeper", "ok.yaml"), "a: 1\n")
			symlink(t, secret(t), filepath.Join(dir, "sub", "deeper", "secretToken.json"))
		}, packageLimits, ErrLink, filepath.Join("sub", "deeper", "secretToken.json")},
		{"FIFO", func(t *testing.T, dir string) {
			mkfifo(t, filepath.Join(dir, "pipe.yaml"))
		}, packageLimits, ErrNotRegular, "pipe.yaml"},
		{"FIFO with a name no reader reads", func(t *testing.T, dir string) {
			mkfifo(t, filepath.Join(dir, "pipe"))
		}, packageLimits, ErrNotRegular, "pipe"},
		{"oversized YAML file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "big.yaml"), "a: "+strings.Repeat("x", MaxFileBytes)+"\n")
		}, packageLimits, ErrTooLarge, "big.yaml"},
		{"oversized JSON file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "big.json"), `{"a": "`+strings.Repeat("x", MaxFileBytes)+`"}`)
		}, packageLimits, ErrTooLarge, "big.json"},
		{"billion laughs in YAML", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "lol.yaml"), bomb())
		}, packageLimits, ErrInvalid, "lol.yaml"},
		{"billion laughs in a .json file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "lol.json"), bomb())
		}, packageLimits, ErrInvalid, "lol.json"},
		{"deep nesting in JSON", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "deep.json"), strings.Repeat("[", 300)+strings.Repeat("]", 300))
		}, packageLimits, ErrInvalid, "deep.json"},
		{"non-UTF-8 JSON", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "latin1.json"), "{\"name\": \"caf\xe9\"}")
		}, packageLimits, ErrInvalid, "latin1.json"},
		{"non-UTF-8 .krmignore", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, ".krmignore"), "caf\xe9/\n")
		}, packageLimits, ErrInvalid, ".krmignore"},
		{"too many files", func(t *testing.T, dir string) {
			for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
				write(t, filepath.Join(dir, n+".yaml"), "a: 1\n")
			}
		}, small, ErrTooMany, ""},
		{"too many entries", func(t *testing.T, dir string) {
			for i := 0; i < 30; i++ {
				write(t, filepath.Join(dir, "docs", strings.Repeat("x", i+1)+".md"), "")
			}
		}, small, ErrTooMany, ""},
		{"files too large together", func(t *testing.T, dir string) {
			for _, n := range []string{"a", "b", "c", "d", "e"} {
				write(t, filepath.Join(dir, n+".yaml"), "a: "+strings.Repeat("x", 1000)+"\n")
			}
		}, small, ErrTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "platform.yaml"), platform)
			tt.setup(t, dir)
			err := within(t, func() error {
				_, err := walkPackage(dir, readAllYAML, tt.lim)
				return err
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ie *Error
			if !errors.As(err, &ie) {
				t.Fatalf("%T is not an *input.Error", err)
			}
			if want := filepath.Join(dir, tt.naming); ie.Path != filepath.Clean(want) {
				t.Errorf("the error names %q, want %q", ie.Path, want)
			}
			if strings.Contains(err.Error(), secretToken) || strings.Contains(err.Error(), "xxxxxxxx") {
				t.Errorf("the error quotes content: %.200s", err)
			}
		})
	}
}

// readAllYAML is the match of a kpt package: YAML and JSON files, .krmignore.
func readAllYAML(rel string) (Kind, bool) {
	switch filepath.Ext(rel) {
	case ".yaml", ".yml", ".json":
		return YAML, true
	}
	if filepath.Base(rel) == ".krmignore" {
		return Text, true
	}
	return 0, false
}

// TestReadFileRefuses covers the single files named on the command line.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := secret(t)
	symlink(t, kubeconfig, filepath.Join(dir, "values.yaml"))
	symlink(t, "/dev/zero", filepath.Join(dir, "zero.yaml"))
	symlink(t, "loop.yaml", filepath.Join(dir, "loop.yaml"))
	mkfifo(t, filepath.Join(dir, "pipe.yaml"))
	write(t, filepath.Join(dir, "big.yaml"), strings.Repeat("#", MaxFileBytes+1))
	write(t, filepath.Join(dir, "lol.json"), bomb())
	write(t, filepath.Join(dir, "bad.yaml"), "a: \xff\n")
	if err := os.Mkdir(filepath.Join(dir, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, "pkg", filepath.Join(dir, "pkglink"))
	tests := []struct {
		path string
		want error
	}{
		{filepath.Join(dir, "values.yaml"), ErrLink},
		{filepath.Join(dir, "zero.yaml"), ErrLink},
		{filepath.Join(dir, "loop.yaml"), ErrLink},
		{filepath.Join(dir, "pipe.yaml"), ErrNotRegular},
		{"/dev/zero", ErrNotRegular},
		{"/dev/null", ErrNotRegular},
		{filepath.Join(dir, "pkg"), ErrNotRegular},
		{filepath.Join(dir, "big.yaml"), ErrTooLarge},
		{filepath.Join(dir, "lol.json"), ErrInvalid},
		{filepath.Join(dir, "bad.yaml"), ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			err := within(t, func() error {
				_, err := ReadFile(tt.path, MaxFileBytes)
				return err
			})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.path+":") || strings.Contains(err.Error(), secretToken) {
				t.Errorf("error %q must name %s and nothing of its content", err, tt.path)
			}
		})
	}
	// The package root itself may not be a link, nor a file, nor a FIFO.
	for _, p := range []string{filepath.Join(dir, "pkglink"), filepath.Join(dir, "pkglink") + "/", filepath.Join(dir, "pipe.yaml"), filepath.Join(dir, "bad.yaml")} {
		if _, err := within2(t, p); err == nil {
			t.Errorf("WalkPackage(%s) succeeded", p)
		}
	}
}

func within2(t *testing.T, dir string) ([]File, error) {
	var files []File
	err := within(t, func() error {
		var err error
		files, err = WalkPackage(dir, readAllYAML)
		return err
	})
	return files, err
}

// endless is a reader that never ends, like /dev/zero on stdin.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '#'
	}
	return len(p), nil
}

func TestReadStream(t *testing.T) {
	if _, err := ReadStream(endless{}, "stdin", 1<<20); !errors.Is(err, ErrTooLarge) || err.Error() != "stdin: larger than the 1048576 bytes allowed" {
		t.Errorf("endless stdin: %v", err)
	}
	if _, err := ReadStream(strings.NewReader(bomb()), "stdin", 1<<20); !errors.Is(err, ErrInvalid) {
		t.Errorf("billion laughs on stdin: %v", err)
	}
	data, err := ReadStream(strings.NewReader(platform), "stdin", int64(len(platform)))
	if err != nil || string(data) != platform {
		t.Errorf("a stream of exactly the limit: %v", err)
	}
	if _, err := ReadStream(strings.NewReader(platform), "stdin", int64(len(platform))-1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a stream one byte over the limit: %v", err)
	}
}

func TestReadInPackage(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "charts", "a.tgz"), "\x1f\x8b not checked here")
	symlink(t, secret(t), filepath.Join(dir, "charts", "b.tgz"))
	symlink(t, "/etc", filepath.Join(dir, "etc"))
	symlink(t, "charts", filepath.Join(dir, "vendor"))
	tests := []struct {
		rel  string
		want error // nil: read
	}{
		{"charts/a.tgz", nil},
		{"charts/b.tgz", ErrLink},
		{"../outside.tgz", errors.New("escapes")},
		{"charts/../../outside.tgz", errors.New("escapes")},
		{"etc/passwd", ErrLink},
		{"vendor/a.tgz", ErrLink}, // a link that stays inside is not followed either
		{"charts/none.tgz", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.rel, func(t *testing.T) {
			_, err := ReadInPackage(dir, filepath.FromSlash(tt.rel), Opaque, MaxArchiveBytes)
			switch {
			case tt.want == nil && err != nil:
				t.Fatal(err)
			case tt.want == nil:
			case errors.Is(err, tt.want):
			case err != nil && strings.Contains(err.Error(), tt.want.Error()):
			default:
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), secretToken) {
				t.Errorf("error quotes content: %v", err)
			}
		})
	}
}

// TestReadPackageLikeKyaml checks that kyaml reading the gated bytes from
// memory gives what it gives reading the disk: the same objects, the same
// annotations, .krmignore and subdirectories included.
func TestReadPackageLikeKyaml(t *testing.T) {
	// Names any file system allows: spaces, '#', '+', non-ASCII.
	custom := filepath.Join(t.TempDir(), "my package #1+é")
	write(t, filepath.Join(custom, "platform.yaml"), platform)
	write(t, filepath.Join(custom, "sub dir", "café #2.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n")
	write(t, filepath.Join(custom, "b", "objs.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
	write(t, filepath.Join(custom, "a.json"), `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}`)
	write(t, filepath.Join(custom, "ignored", "x.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}\n")
	write(t, filepath.Join(custom, ".krmignore"), "ignored/\n")
	write(t, filepath.Join(custom, "README.md"), "not read\n")
	readers := []PackageOptions{
		{MatchFilesGlob: kio.MatchAll, PreserveSeqIndent: true},
		{MatchFilesGlob: kio.MatchAll, OmitReaderAnnotations: true},
	}
	for _, dir := range []string{"../../examples/k3s-single-node", "../../examples/kpt", "../../testdata/kpt", custom} {
		for i, opt := range readers {
			want, err := kio.LocalPackageReader{PackagePath: dir, MatchFilesGlob: opt.MatchFilesGlob, PreserveSeqIndent: opt.PreserveSeqIndent, OmitReaderAnnotations: opt.OmitReaderAnnotations}.Read()
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadPackage(dir, opt)
			if err != nil {
				t.Fatalf("%s: %v", dir, err)
			}
			if w, g := dump(t, want), dump(t, got); w != g {
				t.Errorf("%s, reader %d: from memory\n%s\nfrom disk\n%s", dir, i, g, w)
			}
		}
	}
	if items, _ := ReadPackage(custom, PackageOptions{MatchFilesGlob: kio.MatchAll}); len(items) != 5 {
		t.Errorf("%d objects, want 5 (.krmignore honoured)", len(items))
	}
}

func dump(t *testing.T, items []*yaml.RNode) string {
	t.Helper()
	var b bytes.Buffer
	if err := (kio.ByteWriter{Writer: &b, KeepReaderAnnotations: true}).Write(items); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestReadAllBounded checks that a reader is never read beyond limit+1.
func TestReadAllBounded(t *testing.T) {
	var r countingReader
	if _, over, err := readAll(&r, 1000, 0); err != nil || !over || r.n > 1001 {
		t.Errorf("over %v, err %v, read %d bytes", over, err, r.n)
	}
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	c.n += len(p)
	return len(p), nil
}

var _ io.Reader = endless{}

// TestReadMounted follows the kubelet's links of a ConfigMap volume to the
// current file, and still refuses what they lead to when it is no regular
// file or too large.
func TestReadMounted(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// The layout a ConfigMap volume has: key -> ..data/key, ..data -> ..<ts>.
	must(os.Mkdir(filepath.Join(dir, "..2026_11_27"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "..2026_11_27", "values.yaml"), []byte("rules: {}\n"), 0o644))
	must(os.Symlink("..2026_11_27", filepath.Join(dir, "..data")))
	must(os.Symlink("..data/values.yaml", filepath.Join(dir, "values.yaml")))
	got, err := ReadMounted(filepath.Join(dir, "values.yaml"), 1<<10)
	if err != nil || string(got) != "rules: {}\n" {
		t.Fatalf("ReadMounted = %q, %v", got, err)
	}
	if _, err := ReadMounted(filepath.Join(dir, "values.yaml"), 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v, want ErrTooLarge", err)
	}
	must(os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
	if _, err := ReadMounted(filepath.Join(dir, "zero.yaml"), 1<<10); !errors.Is(err, ErrNotRegular) {
		t.Errorf("a link to /dev/zero: %v, want ErrNotRegular", err)
	}
}

// TestReadResponse: an HTTP body is read like a file: a Content-Length
// over the limit is refused unread, a body without one is cut at limit+1,
// and YAML is checked.
func TestReadResponse(t *testing.T) {
	resp := func(body string, length int64) *http.Response {
		return &http.Response{Body: io.NopCloser(strings.NewReader(body)), ContentLength: length}
	}
	tests := []struct {
		name string
		resp *http.Response
		kind Kind
		want error // nil: read
	}{
		{"within the limit", resp(platform, int64(len(platform))), YAML, nil},
		{"at the limit, no length", resp(strings.Repeat("x", 64), -1), Opaque, nil},
		{"announced over the limit", resp("", 65), Opaque, ErrTooLarge},
		{"over the limit, no length", resp(strings.Repeat("x", 65), -1), Opaque, ErrTooLarge},
		{"longer than announced", resp(strings.Repeat("x", 65), 10), Opaque, ErrTooLarge},
		{"a YAML bomb", resp(bomb(), -1), YAML, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := int64(64)
			if tt.kind == YAML {
				limit = MaxIndexBytes
			}
			data, err := ReadResponse(tt.resp, "http://127.0.0.1/index.yaml", tt.kind, limit)
			if tt.want == nil {
				if err != nil || int64(len(data)) > limit {
					t.Fatalf("%d bytes, %v", len(data), err)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.HasPrefix(err.Error(), "http://127.0.0.1/index.yaml") {
				t.Fatalf("err = %v, want %v naming the URL", err, tt.want)
			}
		})
	}
}

// TestMisIndented: the line whose indentation breaks the block it is in.
func TestMisIndented(t *testing.T) {
	for _, tt := range []struct {
		name, doc string
		want      int
	}{
		{"all fit", "a:\n  b: 1\n  c:\n  - d: 1\n    e: 2\n  - f\nx: |\n  text\n    more\ny: 2\n", 0},
		{"list item one column deeper", "vdi:\n  templates:\n  - name: a\n    image: x\n   - name: b\n", 5},
		{"a key deeper than its sibling", "global:\n  hostname: x\n   storageClass: y\n", 3},
		{"back to no enclosing column", "a:\n    b: 1\n  c: 2\n", 3},
		{"before from is not reported", "a:\n    b: 1\n  c: 2\n", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from := 1
			if tt.name == "before from is not reported" {
				from = 4
			}
			if got := MisIndented([]byte(tt.doc), from); got != tt.want {
				t.Errorf("line %d, want %d", got, tt.want)
			}
		})
	}
}

// TestYAMLProblemTab: a tab on any line of a block is named on its own
// line, though the parser may name the line before it.
func TestYAMLProblemTab(t *testing.T) {
	for _, doc := range []string{
		"global:\n\thostname: x\n",
		"global:\n  hostname: x\n  namespace: kasm\n\tstorageClass: local-path\n",
	} {
		err := Check([]byte(doc))
		if err == nil {
			t.Fatalf("%q parsed", doc)
		}
		want := strings.Count(doc, "\n") - strings.Count(doc[strings.Index(doc, "\t"):], "\n") + 1
		if line, msg := YAMLProblem([]byte(doc), err); line != want || msg != TabMessage {
			t.Errorf("%q: line %d %q, want line %d", doc, line, msg, want)
		}
	}
}
