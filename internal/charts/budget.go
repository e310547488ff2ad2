package charts

import (
	"fmt"
	"runtime/metrics"
	"time"
)

// Budget of one render pass. Templates are a programming language: a tiny
// chart can loop until time or memory runs out. The Helm engine cannot be
// stopped mid-template, so a pass over budget is abandoned and refused; the
// command then exits with the error.
var (
	// RenderTimeout bounds the time of one pass.
	RenderTimeout = 30 * time.Second
	// MaxRenderBytes bounds what one pass renders, all files together.
	MaxRenderBytes = 64 << 20
	// MaxRenderHeap bounds how much the heap may grow during one pass.
	MaxRenderHeap uint64 = 1 << 30
)

// renderWithin runs render under the budget.
func renderWithin(name string, render func() (map[string]string, error)) (map[string]string, error) {
	type result struct {
		files map[string]string
		err   error
	}
	done := make(chan result, 1)
	start := heapBytes()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("chart %s: rendering panicked: %v", name, r)}
			}
		}()
		files, err := render()
		done <- result{files, err}
	}()
	timeout := time.NewTimer(RenderTimeout)
	defer timeout.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			if r.err != nil {
				return nil, r.err
			}
			size := 0
			for _, f := range r.files {
				size += len(f)
			}
			if size > MaxRenderBytes {
				return nil, fmt.Errorf("chart %s renders %d bytes, more than the %d allowed", name, size, MaxRenderBytes)
			}
			return r.files, nil
		case <-timeout.C:
			return nil, fmt.Errorf("chart %s takes longer than %s to render: refused", name, RenderTimeout)
		case <-tick.C:
			if now := heapBytes(); now > start && now-start > MaxRenderHeap {
				return nil, fmt.Errorf("chart %s needs more than %d MiB of memory to render: refused", name, MaxRenderHeap>>20)
			}
		}
	}
}

// heapBytes is the memory held by heap objects, read without stopping the
// world.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
