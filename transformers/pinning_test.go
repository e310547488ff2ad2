package transformers

import (
	"testing"

	"github.com/vdirender/vdirender/internal/values"
)

func TestImageProblem(t *testing.T) {
	tests := []struct {
		image  string
		pinned bool
	}{
		{"nginx:1.27", true},
		{"registry.example.com:5000/team/app:2.0.1", true},
		{"ghcr.io/x/y@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1", true},
		{"ghcr.io/x/y:latest@sha256:4bcff63911fcb4448bd4fdacec207030997caf25e9bea4045fa6c8c44de311d1", true},
		{"nginx", false},
		{"nginx:latest", false},
		{"registry.example.com:5000/team/app", false},
	}
	for _, tt := range tests {
		if got := imageProblem(tt.image) == ""; got != tt.pinned {
			t.Errorf("%s: pinned = %v, want %v", tt.image, got, tt.pinned)
		}
	}
}

func TestExactVersion(t *testing.T) {
	tests := []struct {
		version string
		exact   bool
	}{
		{"1.2.3", true},
		{"v25.10.1", true},
		{"1.1181.1", true},
		{"2.0.0-rc.1", true},
		{"^1.2", false},
		{"~1.2.3", false},
		{"1.2.x", false},
		{">=1.0.0", false},
		{"latest", false},
		{"", false},
		{"1.2", false},
	}
	for _, tt := range tests {
		if got := values.IsExactVersion(tt.version); got != tt.exact {
			t.Errorf("%q: exact = %v, want %v", tt.version, got, tt.exact)
		}
	}
}
