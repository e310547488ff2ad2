package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestNewLogger: each level keeps what is at least as severe; logr's V(1)
// prints as DEBUG; json writes one object per line; unknown names fail.
func TestNewLogger(t *testing.T) {
	for _, tt := range []struct {
		level, format string
		want, not     []string
	}{
		{"info", "text", []string{"level=INFO msg=started", "level=ERROR msg=broken"}, []string{"detail"}},
		{"debug", "text", []string{"level=DEBUG msg=detail", "level=INFO msg=started"}, []string{"DEBUG+"}},
		{"warn", "text", []string{"level=ERROR msg=broken"}, []string{"started", "detail"}},
		{"error", "json", []string{`"level":"ERROR","msg":"broken"`}, []string{"started"}},
	} {
		t.Run(tt.level+"/"+tt.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := newLogger(&buf, tt.level, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			log.V(1).Info("detail", "session", "a")
			log.Info("started", "session", "a")
			log.Error(nil, "broken", "session", "a")
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("has %q:\n%s", n, out)
				}
			}
			if tt.format == "json" {
				for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
					if !json.Valid([]byte(line)) {
						t.Errorf("not JSON: %s", line)
					}
				}
			}
		})
	}
	if _, err := newLogger(&bytes.Buffer{}, "verbose", "text"); err == nil || !strings.Contains(err.Error(), "debug, info, warn or error") {
		t.Errorf("unknown level: %v", err)
	}
	if _, err := newLogger(&bytes.Buffer{}, "info", "xml"); err == nil || !strings.Contains(err.Error(), "text or json") {
		t.Errorf("unknown format: %v", err)
	}
}
