package platform

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// UserLabel carries a session's user on the objects made for it.
const UserLabel = "vdi.vdirender.dev/user"

// LabelValue makes a user name usable as a label value. A name that is a
// valid label value is kept as it is; any other keeps its label-safe
// characters and gains a short hash of the whole name, so that the result
// is always accepted by the API server and two different names never
// share a label ("José" and "Josè" stay apart).
func LabelValue(s string) string {
	if len(validation.IsValidLabelValue(s)) == 0 {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b.WriteRune(c)
		}
	}
	sum := sha256.Sum256([]byte(s))
	suffix := hex.EncodeToString(sum[:5])
	// Label values start and end with an alphanumeric character and hold
	// at most 63; the hash suffix provides the end.
	safe := strings.TrimLeft(b.String(), "-_.")
	if max := validation.LabelValueMaxLength - len(suffix) - 1; len(safe) > max {
		safe = safe[:max]
	}
	if safe == "" {
		return suffix
	}
	return safe + "-" + suffix
}
