//go:build !unix

package input

// Systems without O_NOFOLLOW and O_NONBLOCK rely on the Lstat before the
// open and the Fstat after it.
const (
	oNoFollow = 0
	oNonBlock = 0
)

func isLinkErr(error) bool { return false }
