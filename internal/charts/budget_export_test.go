package charts

import "time"

// SetBudget changes the render budget for a test; restore puts it back.
func SetBudget(timeout time.Duration, bytes int, heap uint64) (restore func()) {
	t, b, h := RenderTimeout, MaxRenderBytes, MaxRenderHeap
	RenderTimeout, MaxRenderBytes, MaxRenderHeap = timeout, bytes, heap
	return func() { RenderTimeout, MaxRenderBytes, MaxRenderHeap = t, b, h }
}
