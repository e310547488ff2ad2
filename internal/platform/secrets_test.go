package platform_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/platform"
)

// TestCookieSecretProblem: what oauth2-proxy takes as a cookie secret.
func TestCookieSecretProblem(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		ok          bool
	}{
		{"URL-safe base64 of 32 bytes", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", true},
		{"the same, padded", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", true},
		{"raw 32 bytes", "0123456789abcdef0123456789abcdef", true},
		{"raw 16 bytes", "0123456789abcdef", true},
		{"standard base64 with + and /: neither decodes nor 32 bytes", "+/+/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false},
		{"a word", "secret", false},
		{"20 raw bytes", "01234567890123456789", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := platform.CookieSecretProblem([]byte(tt.value))
			if (p == "") != tt.ok {
				t.Fatalf("problem %q, want ok=%v", p, tt.ok)
			}
			if p != "" && strings.Contains(p, tt.value) {
				t.Errorf("the problem repeats the value: %q", p)
			}
		})
	}
}

// TestMakeCookieSecret: the command the messages print makes a cookie
// secret that oauth2-proxy takes, every time.
func TestMakeCookieSecret(t *testing.T) {
	for range 5 {
		out, err := exec.Command("sh", "-c", platform.MakeCookieSecret).Output()
		if err != nil {
			t.Fatal(err)
		}
		if p := platform.CookieSecretProblem(bytes.TrimRight(out, "\n")); p != "" {
			t.Errorf("%q %s", out, p)
		}
	}
}
