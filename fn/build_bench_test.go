package fn_test

import (
	"testing"

	"github.com/vdirender/vdirender/fn"
)

// BenchmarkDefaultExample renders the default example in-process.
func BenchmarkDefaultExample(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := fn.Build("../examples/k3s-single-node"); err != nil {
			b.Fatal(err)
		}
	}
}
