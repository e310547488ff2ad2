package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/opchart"
	"github.com/vdirender/vdirender/internal/source"
)

func newChart() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "chart DIR|FILE -o OUTDIR",
		Short: "Write the VDI operator as a Helm chart",
		Long: `Write the VDI operator as a Helm chart into OUTDIR, for teams that install with
Helm: the CRDs under crds/, the operator's objects as templates, values.yaml
and values.schema.json, and Chart.yaml. Sub-charts that the package vendors for
inline rendering become pinned dependencies (copied into charts/, off unless
enabled) with their Chart.lock. With its default values the chart renders
exactly the objects vdirender renders for the operator.

OUTDIR is vdirender's, as for build -o: the files it wrote are listed in
OUTDIR/.vdirender-files and the next chart -o replaces them and removes those
it no longer writes. An OUTDIR holding any file vdirender did not write is
refused, the files named; nothing is ever written through a link.`,
		Example: `  vdirender chart examples/k3s-single-node -o dist/vdi-operator
  helm lint --strict dist/vdi-operator`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o OUTDIR is required")
			}
			v, err := fn.PackageValues(args[0])
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			return opchart.Write(out, v, source.PackageDir(args[0]))
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "directory to write the chart into")
	return cmd
}
