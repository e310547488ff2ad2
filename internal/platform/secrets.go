package platform

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// SecretNeed is a Secret the platform reads that nothing renders: its
// user creates it (vdirender never renders secret material). verify
// checks that each is there, of its type, with every key.
type SecretNeed struct {
	Namespace, Name string
	// Type is the Secret's type, or "" when any type does.
	Type string
	// Keys must all be present and non-empty.
	Keys []string
	// ReadBy says who reads it and why, for the message.
	ReadBy string
	// Check, per key, says what is wrong with a value ("" when nothing),
	// without repeating it.
	Check map[string]func([]byte) string
	// Generate, per key, is a shell command that makes a good value;
	// Literal, a value that serves as it is. Any other key is read from a
	// shell variable named after it (CLIENT_SECRET for client-secret),
	// which the user sets to what only they have.
	Generate, Literal map[string]string
	// SelfSigned, for a TLS Secret a self-signed certificate is enough
	// for, is the host to make it for.
	SelfSigned string
}

// CookieSecretProblem says why oauth2-proxy would refuse v as its cookie
// secret: it takes URL-safe base64 that decodes to 16, 24 or 32 bytes, or
// else the raw value if that is 16, 24 or 32 bytes long.
func CookieSecretProblem(v []byte) string {
	ok := func(n int) bool { return n == 16 || n == 24 || n == 32 }
	if b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(v), "=")); err == nil && ok(len(b)) {
		return ""
	}
	if ok(len(v)) {
		return ""
	}
	return fmt.Sprintf("is %d bytes, and not URL-safe base64 of 16, 24 or 32 bytes: oauth2-proxy will not start (make one with: %s)", len(v), MakeCookieSecret)
}

// MakePassword is a shell command that prints a random password.
const MakePassword = "head -c24 /dev/urandom | base64"

// MakeCookieSecret is a shell command that prints a cookie secret
// oauth2-proxy takes.
const MakeCookieSecret = "head -c32 /dev/urandom | base64 | tr '+/' '-_'"

func (s SecretNeed) String() string { return fmt.Sprintf("Secret %s/%s", s.Namespace, s.Name) }
