package charts

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLayeredValues: a HelmChartConfig's values merge over the HelmChart's
// as Helm merges values files: maps deeply, anything else replaced.
func TestLayeredValues(t *testing.T) {
	tests := []struct {
		name        string
		chart, over string
		want        map[string]any
	}{
		{"maps merge deeply", "a: {b: 1, c: 2}", "a: {c: 3, d: 4}", map[string]any{"a": map[string]any{"b": 1.0, "c": 3.0, "d": 4.0}}},
		{"lists are replaced", "ports: [1, 2]", "ports: [3]", map[string]any{"ports": []any{3.0}}},
		{"a scalar replaces a map", "a: {b: 1}", "a: x", map[string]any{"a": "x"}},
		{"a map replaces a scalar", "a: x", "a: {b: 1}", map[string]any{"a": map[string]any{"b": 1.0}}},
		{"no config", "a: 1", "", map[string]any{"a": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := layeredValues(tt.chart, tt.over)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := layeredValues("a: 1", "[not: a map"); err == nil {
		t.Error("broken HelmChartConfig values accepted")
	}
}
