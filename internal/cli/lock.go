package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
)

func newLock() *cobra.Command {
	return &cobra.Command{
		Use:   "lock DIR",
		Short: "Pin the vendored chart archives of a package",
		Long: `Write ` + charts.LockFileName + ` in DIR: for every sub-chart in inline mode, its
name, repo, exact version, archive path and the sha256 of the archive. Each
archive must hold the chart and version the values pin. No network is used:
this is for archives placed by hand (` + "`vdirender pull`" + ` fetches and locks them).
Rendering fails when an archive no longer matches its lock entry.`,
		Example: `  vdirender lock examples/inline-charts`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := fn.PackageValues(args[0])
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			l, err := charts.LockForPackage(args[0], v)
			if err != nil {
				return err
			}
			if err := l.Write(args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "locked %d chart(s) in %s\n", len(l.Charts), charts.LockFileName)
			return nil
		},
	}
}
