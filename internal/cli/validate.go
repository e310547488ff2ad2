package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/vdirender/vdirender/fn"
)

func newValidate() *cobra.Command {
	return &cobra.Command{
		Use:   "validate [DIR|FILE]",
		Short: "Check objects against the platform rules without changing anything",
		Long: `Check every object of a package directory or file against the platform rules
(storage, pull policy, resources, GPU, pinning, GPU capacity) and fail on any
violation. Nothing is changed. The VDIPlatform of the package, if there is
one, gives the node pools and the container defaults.

With no argument it is a KRM validator: a ResourceList on stdin, the same
ResourceList with results on stdout, a non-zero exit on any violation.`,
		Example: `  vdirender validate rendered/
  kpt fn source my-package | vdirender validate`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return runValidator(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			n, results, err := fn.ValidatePath(args[0])
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			printResults(cmd.ErrOrStderr(), results)
			if fn.HasErrors(results) {
				return fmt.Errorf("%d violation(s) of the platform rules", countErrors(results))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d objects follow the platform rules\n", n)
			return nil
		},
	}
}

func runValidator(in io.Reader, out, errOut io.Writer) error {
	return runKRM(fn.Validator{}, in, out, errOut)
}

func countErrors(rs framework.Results) int {
	n := 0
	for _, r := range rs {
		if r.Severity == framework.Error {
			n++
		}
	}
	return n
}
