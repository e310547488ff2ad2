//go:build unix

package input

import (
	"errors"
	"syscall"
)

// Flags every file is opened with: O_NOFOLLOW so that a symbolic link that
// appeared after the Lstat is refused rather than followed, O_NONBLOCK so
// that opening a FIFO cannot wait for a writer (the Fstat that follows
// refuses it before any read).
const (
	oNoFollow = syscall.O_NOFOLLOW
	oNonBlock = syscall.O_NONBLOCK
)

// isLinkErr tells the error open(2) gives for a link under O_NOFOLLOW.
func isLinkErr(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
