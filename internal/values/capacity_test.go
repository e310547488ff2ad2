package values_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestCapacity places sessions on pools of different shapes and counts how
// many fit: nodes x GPUs per node x replicas slices, one per session.
func TestCapacity(t *testing.T) {
	tests := []struct {
		name                  string
		nodes, gpus, replicas int
		sessions              int
		wantSlices, wantFit   int
	}{
		{"single GPU, default replicas", 1, 1, 8, 3, 8, 3},
		{"exactly full", 1, 1, 8, 8, 8, 8},
		{"one over", 1, 1, 8, 9, 8, 8},
		{"multi node", 3, 2, 4, 30, 24, 24},
		{"two replicas", 2, 1, 2, 4, 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			fmt.Fprintf(&b, "global: {hostname: h}\ngpu:\n  nodePools:\n  - {name: p, nodes: %d, gpusPerNode: %d, replicas: %d}\n", tt.nodes, tt.gpus, tt.replicas)
			b.WriteString("vdi:\n  templates: [{name: d, image: 'd:1', nodePool: p}]\n  sessions:\n")
			for i := range tt.sessions {
				fmt.Fprintf(&b, "  - {name: s%d, template: d, user: u%d}\n", i, i)
			}
			v, err := load(t, b.String())
			over := tt.sessions > tt.wantFit
			if over {
				if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%d of %d fit", tt.wantFit, tt.sessions)) {
					t.Fatalf("want capacity error naming %d fitting, got %v", tt.wantFit, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := v.Capacity().Pools[0]
			if int(p.Pool.Slices()) != tt.wantSlices || int(p.Fit) != tt.wantFit {
				t.Errorf("slices %d fit %d, want %d and %d", p.Pool.Slices(), p.Fit, tt.wantSlices, tt.wantFit)
			}
		})
	}
}
