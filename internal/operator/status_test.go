package operator

import (
	"strings"
	"testing"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// TestSetConditionFitsTheCRD: a condition message longer than the CRD
// allows is cut to fit (counted in characters, as CEL counts), never sent
// whole to be refused with the rest of the status.
func TestSetConditionFitsTheCRD(t *testing.T) {
	for _, tt := range []struct {
		name, msg string
		want      int
	}{
		{"short", "on node a", 9},
		{"exactly the limit", strings.Repeat("x", maxMessage), maxMessage},
		{"long ASCII", strings.Repeat("x", 5000), maxMessage},
		{"long multi-byte", strings.Repeat("é", 2000), maxMessage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &v1alpha1.VDISessionStatus{}
			setCondition(st, 1, CondScheduled, metav1.ConditionFalse, "Reason", tt.msg)
			got := st.Conditions[0].Message
			if n := utf8.RuneCountInString(got); n != tt.want || !utf8.ValidString(got) {
				t.Errorf("message of %d characters (valid UTF-8: %v), want %d", n, utf8.ValidString(got), tt.want)
			}
		})
	}
}
