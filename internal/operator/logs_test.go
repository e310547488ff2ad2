package operator_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/vdirender/vdirender/internal/operator"
)

// TestPhaseChangesAreLogged: each phase a session goes through is logged
// once at info level, with the session's user and the reason; status writes
// that keep the phase are debug (V(1)) only.
func TestPhaseChangesAreLogged(t *testing.T) {
	for _, tt := range []struct {
		name  string
		level slog.Level
		want  []string
		not   []string
	}{
		{"info", slog.LevelInfo,
			[]string{`msg="session phase changed" user=desk@example.org template=desktop from="" to=Pending reason=Pending`, `msg="session phase changed" user=desk@example.org template=desktop from=Pending to=Running reason=DesktopReady`},
			[]string{"session status written", "desktop pod created"}},
		{"debug", slog.LevelDebug,
			[]string{`msg="session phase changed"`, `msg="desktop pod created"`, `msg="session status written" user=desk@example.org template=desktop phase=Running`},
			nil},
		{"warn", slog.LevelWarn, nil, []string{"session phase changed"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := logr.FromSlogHandler(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))
			ctx := ctrl.LoggerInto(context.Background(), log)
			s := newSession("desk")
			r, c := newReconciler(t, operator.DefaultConfig(), cleanTemplate(), s)
			reconcile := func() {
				t.Helper()
				if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: s.Name}}); err != nil {
					t.Fatal(err)
				}
			}
			reconcile()
			markPodReady(t, c, step(t, r, c, s.Name))
			reconcile()
			reconcile()
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("log lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("log has %q at level %s:\n%s", n, tt.level, out)
				}
			}
		})
	}
}
