package build_test

import (
	"testing"

	"github.com/vdirender/vdirender/build"
)

// BenchmarkDefaultExample renders the default example in-process.
func BenchmarkDefaultExample(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := build.Run("../examples/k3s-single-node"); err != nil {
			b.Fatal(err)
		}
	}
}
