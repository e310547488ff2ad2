package values

import (
	"errors"
	"fmt"
	"strings"

	"github.com/vdirender/vdirender/internal/input"
)

// FieldError is one problem in the values, located as precisely as known:
// the file and line it came from and the field path inside the object.
type FieldError struct {
	File    string
	Line    int
	Path    string
	Message string
}

func (e FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Errors is every problem found in one values document.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// InputError reports a refusal of the input gate like any other problem of
// the values: the file, the line when the content is at fault, and what was
// refused. Other errors are returned as they are.
func InputError(err error) error {
	var ie *input.Error
	if errors.As(err, &ie) {
		return FieldError{File: ie.Path, Line: ie.Line, Message: ie.Reason}
	}
	return err
}
