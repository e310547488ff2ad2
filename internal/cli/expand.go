package cli

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/manifest"
)

func newExpand() *cobra.Command {
	var (
		outDir string
		opts   fn.ExpandOptions
	)
	cmd := &cobra.Command{
		Use:   "expand DIR|FILE",
		Short: "Show what helm-controller will install for each HelmChart, with the rules' findings",
		Long: `Render a package, then render each HelmChart of the rendering the way K3s's
helm-controller installs it (the chart's CRDs, manifests and hooks, with the
HelmChart's exact valuesContent and a HelmChartConfig's over it) from the
archive the package's lock pins, and print those objects: what reaches the
cluster in helmchart mode, for review. The platform rules run over them in
audit and report on stderr, each finding saying whether it is a known gap of
the pinned chart (which no value fixes) and what to do instead.

The output is a view, never applied: helm-controller creates these objects.
Anything the chart generates at install (passwords, keys, certificates) shows
as GENERATED-IN-CLUSTER, and Secrets' values are left out. Archives come from
` + "`vdirender pull --all DIR`" + `, which also fetches the charts in helmchart mode.`,
		Example: `  vdirender pull --all examples/k3s-single-node && vdirender expand examples/k3s-single-node
  vdirender expand DIR -o review/charts/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			items, results, err := fn.ExpandPath(args[0], opts)
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			printResults(cmd.ErrOrStderr(), results)
			if outDir != "" {
				if err := manifest.WriteDir(outDir, items); err != nil {
					return err
				}
			} else {
				var buf bytes.Buffer
				if err := manifest.Write(&buf, items); err != nil {
					return err
				}
				if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d objects installed by helm-controller; %d finding(s) of the platform rules, %d of them known gaps no value fixes\n",
				len(items), countSeverity(results, framework.Warning), countTag(results, "gap", "known"))
			return nil
		},
	}
	cmd.Flags().BoolVar(&opts.AllowMissing, "allow-missing", false, "expand the HelmCharts whose archives are locked, and only warn about the others")
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "write one file per object under this directory instead of stdout")
	return cmd
}

// countSeverity counts the results of one severity.
func countSeverity(rs framework.Results, s framework.Severity) int {
	n := 0
	for _, r := range rs {
		if r.Severity == s {
			n++
		}
	}
	return n
}

func countTag(rs framework.Results, tag, value string) int {
	n := 0
	for _, r := range rs {
		if r.Tags[tag] == value {
			n++
		}
	}
	return n
}
