package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/vdirender/vdirender/fn"
)

func newValidate() *cobra.Command {
	var expandCharts bool
	cmd := &cobra.Command{
		Use:   "validate [DIR|FILE]",
		Short: "Check objects against the platform rules without changing anything",
		Long: `Check every object of a package directory or file against the platform rules
(storage, pull policy, resources, GPU, pinning, GPU capacity) and fail on any
violation. Nothing is changed. The VDIPlatform of the package, if there is
one, gives the node pools and the container defaults.

With no argument it is a KRM validator: a ResourceList on stdin, the same
ResourceList with results on stdout, a non-zero exit on any violation.

With --expand-charts, DIR|FILE is also rendered and each HelmChart of the
rendering expanded as ` + "`vdirender expand`" + ` does; the rules' findings inside
the charts (out of their reach in helmchart mode) are reported as warnings.`,
		Example: `  vdirender validate rendered/
  kpt fn source my-package | vdirender validate
  vdirender validate --expand-charts examples/k3s-single-node`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				if expandCharts {
					return fmt.Errorf("--expand-charts needs a package directory or values file to render")
				}
				return runValidator(cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			n, results, err := fn.ValidatePath(args[0])
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			if expandCharts {
				_, expanded, err := fn.ExpandPath(args[0], fn.ExpandOptions{})
				if err != nil {
					return reportFailed(cmd.ErrOrStderr(), err)
				}
				results = append(results, expanded...)
			}
			printResults(cmd.ErrOrStderr(), results)
			if fn.HasErrors(results) {
				return fmt.Errorf("%d violation(s) of the platform rules", countSeverity(results, framework.Error))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d objects follow the platform rules\n", n)
			if expandCharts {
				fmt.Fprintf(cmd.OutOrStdout(), "%d finding(s) inside the charts helm-controller installs (%d known gaps no value fixes)\n",
					countSeverity(results, framework.Warning), countTag(results, "gap", "known"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&expandCharts, "expand-charts", false, "also render each HelmChart as helm-controller installs it and report the rules' findings inside it")
	return cmd
}

func runValidator(in io.Reader, out, errOut io.Writer) error {
	return runKRM(fn.Validator{}, in, out, errOut)
}
