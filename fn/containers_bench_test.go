package fn_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/manifest"
)

// BenchmarkManyContainers builds and prints a package holding one Pod of
// 10,000 bare containers, each of which the rules fill (pull policy, CPU
// and memory requests and limits: five results a container). What it
// allocates a container is the regression to watch: 4 MiB of such
// containers once took 4 GB (the YAML emitter's queue, the writer's copy of
// the rendering, per-result copies).
func BenchmarkManyContainers(b *testing.B) {
	const n = 10000
	dir := b.TempDir()
	pkg := "apiVersion: config.vdirender.dev/v1alpha1\nkind: VDIPlatform\nmetadata: {name: p}\nspec:\n  global: {hostname: kasm.example.com}\n"
	var pod strings.Builder
	pod.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: default}\nspec:\n  containers:\n")
	for i := range n {
		fmt.Fprintf(&pod, "  - {name: c%d, image: a:1}\n", i)
	}
	for name, content := range map[string]string{"platform.yaml": pkg, "pod.yaml": pod.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(pod.Len()))
	b.ReportAllocs()
	for b.Loop() {
		items, _, err := fn.Build(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := manifest.Write(io.Discard, items); err != nil {
			b.Fatal(err)
		}
	}
}
