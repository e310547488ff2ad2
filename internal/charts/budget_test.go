package charts_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vdirender/vdirender/internal/charts"
)

// TestRenderBudget: a tiny template can loop for ever or render gigabytes;
// each pass has a time, output and memory budget and is refused beyond it.
func TestRenderBudget(t *testing.T) {
	tests := []struct {
		name, template string
		timeout        time.Duration
		bytes          int
		heap           uint64
		want           string
	}{
		{"slow loop", "{{- range until 20000 }}{{- range until 2000 }}{{- end }}{{- end }}", 100 * time.Millisecond, 64 << 20, 1 << 30, "takes longer than 100ms to render"},
		{"large output", "{{ range until 3000 }}# {{ \"x\" | repeat 1000 }}\n{{ end }}", 30 * time.Second, 1 << 20, 1 << 30, "more than the 1048576 allowed"},
		{"memory", "{{ $l := list }}{{ range until 200 }}{{ $l = append $l (\"x\" | repeat 1000000) }}{{ end }}", 30 * time.Second, 64 << 20, 64 << 20, "needs more than 64 MiB of memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := edited(t, "redis", func(dir string) {
				writeFile(t, filepath.Join(dir, "templates", "budget.yaml"), tt.template)
			})
			defer charts.SetBudget(tt.timeout, tt.bytes, tt.heap)()
			_, err := charts.Render(data, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
