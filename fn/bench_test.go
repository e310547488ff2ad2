package fn_test

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/benchpkg"
)

var benchWorkloads = []benchpkg.Workload{benchpkg.Basic, benchpkg.Realistic}

// BenchmarkPipeline runs the whole KRM function as the binary does, reading
// and writing the ResourceList, on generated packages; BenchmarkNoop is the
// same with kyaml's framework and a function that does nothing, the
// baseline.
func BenchmarkPipeline(b *testing.B) {
	for _, w := range benchWorkloads {
		for _, n := range []int{1000, 10000} {
			input := w.ResourceList(n)
			b.Run(fmt.Sprintf("%s/%d", w.Name, n), func(b *testing.B) {
				b.SetBytes(int64(len(input)))
				b.ReportAllocs()
				for b.Loop() {
					if err := fn.Execute(fn.Processor{}, bytes.NewReader(input), io.Discard, fn.DefaultMaxInput); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkNoop(b *testing.B) {
	noop := framework.ResourceListProcessorFunc(func(*framework.ResourceList) error { return nil })
	for _, w := range benchWorkloads {
		for _, n := range []int{1000, 10000} {
			input := w.ResourceList(n)
			b.Run(fmt.Sprintf("%s/%d", w.Name, n), func(b *testing.B) {
				b.SetBytes(int64(len(input)))
				b.ReportAllocs()
				for b.Loop() {
					if err := framework.Execute(noop, &kio.ByteReadWriter{Reader: bytes.NewReader(input), Writer: io.Discard, KeepReaderAnnotations: true}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
