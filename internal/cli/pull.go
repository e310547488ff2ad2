package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charts"
	"github.com/vdirender/vdirender/internal/source"
)

// defaultPullTimeout bounds a whole pull.
const defaultPullTimeout = 2 * time.Minute

func newPull() *cobra.Command {
	var (
		update    bool
		all       bool
		plainHTTP bool
		timeout   time.Duration
		allow     []string
	)
	cmd := &cobra.Command{
		Use:   "pull DIR",
		Short: "Fetch the pinned inline sub-charts of a package and lock them",
		Long: `Fetch the archive of every enabled sub-chart in inline mode (charts.<key>.mode:
inline) from its pinned repo into DIR at its archive path (default
charts/<name>-<version>.tgz), and write their sha256 into ` + charts.LockFileName + `.
Sub-charts in helmchart mode are not pulled (K3s's helm-controller fetches
them) unless --all: then they are too, for ` + "`vdirender expand`" + ` to show what
helm-controller will install; once locked they stay pulled while the values
pin them the same way.
Given a values file, pull writes into its directory, where build reads.

Repos are HTTP(S) chart repositories, read through their index.yaml (relative
and absolute archive URLs resolved as Helm resolves them), or OCI registries
(oci://host/path, pulled anonymously as Helm pulls: <path>/<name>:<version>).

A fetched archive must hold exactly the pinned chart and version, match the
digest the index or manifest lists, stay within the size limits and pass the
archive checks (no links, no paths out of the chart). An archive already in
place that matches its lock entry is not fetched again. A chart whose digest
differs from the one the lock pins for the same version, or from an archive
already in place, is refused unless --update. Redirects are followed within one
host only, unless --allow-redirect names the other host. Nothing is written
unless every chart is fetched and checked.`,
		Example: `  vdirender pull DIR && vdirender build DIR
  vdirender pull DIR --update                        # accept new digests, re-fetch everything
  vdirender pull DIR --allow-redirect objects.githubusercontent.com`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := fn.PackageValues(args[0])
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			// A values file pulls into its directory, where build reads.
			dir := source.PackageDir(args[0])
			if timeout <= 0 {
				return fmt.Errorf("--timeout must be positive")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			report, err := charts.Pull(ctx, dir, v, charts.PullOptions{
				Update: update,
				All:    all,
				Fetcher: charts.Fetcher{
					AllowRedirectHosts: allow,
					PlainHTTP:          plainHTTP,
					UserAgent:          "vdirender/" + version(),
				},
			})
			if errors.Is(err, context.DeadlineExceeded) {
				return fmt.Errorf("%w: the pull took longer than --timeout %s; nothing was written", err, timeout)
			}
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(report.Charts) == 0 {
				fmt.Fprintf(out, "no enabled sub-chart is in inline mode: nothing to pull (--all pulls those in helmchart mode)\n")
				return nil
			}
			for _, c := range report.Charts {
				from := ""
				if c.Source != "" {
					from = " from " + c.Source
				}
				fmt.Fprintf(out, "charts.%s: %s %s %s%s -> %s (%s)\n", c.Key, c.Name, c.Version, c.State, from, c.Archive, c.Digest)
			}
			if len(report.Written) == 0 {
				fmt.Fprintf(out, "nothing changed\n")
			} else {
				fmt.Fprintf(out, "wrote %d file(s): %v\n", len(report.Written), report.Written)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "also pull the sub-charts in helmchart mode, for `vdirender expand`")
	cmd.Flags().BoolVar(&update, "update", false, "fetch every chart again and accept digests that differ from the lock or from the archives in place")
	cmd.Flags().DurationVar(&timeout, "timeout", defaultPullTimeout, "give up when the whole pull takes longer")
	cmd.Flags().StringSliceVar(&allow, "allow-redirect", nil, "also follow redirects to this host (repeatable), e.g. the storage host of GitHub release assets")
	cmd.Flags().BoolVar(&plainHTTP, "plain-http", false, "talk to oci:// registries over HTTP instead of HTTPS (local registries)")
	return cmd
}
