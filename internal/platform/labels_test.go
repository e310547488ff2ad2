package platform_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vdirender/vdirender/internal/platform"
)

// TestLabelValue: every user name becomes a label value the API server
// accepts; valid names are kept and different names stay different.
func TestLabelValue(t *testing.T) {
	kept := []string{"alice", "bob.smith", "A-1_b", strings.Repeat("a", 63), ""}
	for _, s := range kept {
		if got := platform.LabelValue(s); got != s {
			t.Errorf("LabelValue(%q) = %q, want it kept", s, got)
		}
	}
	mangled := []string{"José", "Josè", "-alice", "alice-", "_x_", "alice@example.com", "a b", strings.Repeat("é", 40), strings.Repeat("x", 64), "...", "日本語"}
	seen := map[string]string{}
	for _, s := range append(mangled, kept...) {
		got := platform.LabelValue(s)
		if errs := validation.IsValidLabelValue(got); len(errs) > 0 {
			t.Errorf("LabelValue(%q) = %q, refused: %v", s, got, errs)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q and %q share the label value %q", s, other, got)
		}
		seen[got] = s
	}
	if got := platform.LabelValue("alice@example.com"); !strings.HasPrefix(got, "aliceexample.com-") {
		t.Errorf("LabelValue(alice@example.com) = %q, want the readable part kept", got)
	}
}
