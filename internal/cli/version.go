package cli

import (
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/internal/values"
)

// Commit is the source revision, set at link time (-X); otherwise the one
// Go recorded in the build, if any.
var Commit = ""

func commit() string {
	if Commit != "" {
		return Commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" && dirty {
			rev += "-dirty"
		}
		return rev
	}
	return ""
}

// version is the release, as the apply tooling and pull's client name it.
func version() string { return values.Release }

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of vdirender and the operator image it renders",
		Long: `Print vdirender's release, the source commit it was built from when known,
and the operator image a rendering names unless vdi.operator.image says
otherwise: the image of the same release.`,
		Example: "  vdirender version",
		Args:    cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			line := "vdirender " + values.Release
			if c := commit(); c != "" {
				line += " (commit " + c + ")"
			}
			fmt.Fprintln(cmd.OutOrStdout(), line)
			fmt.Fprintln(cmd.OutOrStdout(), "operator image: "+values.DefaultOperatorImage+" (rendered unless vdi.operator.image is set)")
		},
	}
}

// ExitError carries the exit status a command wants (diff: 1 when the
// renderings differ, 2 when it could not compare them, as diff(1)).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the process's exit status for a command's error: 0 for
// none, the ExitError's code, else 1.
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}
