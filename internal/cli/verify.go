package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/internal/cluster/verify"
	"github.com/vdirender/vdirender/internal/generators"
)

func newVerify() *cobra.Command {
	var cluster clusterFlags
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "verify DIR|FILE",
		Short: "Dry-run the rendering on your cluster and check GPU capacity",
		Long: `Render DIR or FILE as build does, then check it against a live cluster without
changing anything: every object is sent as a server-side dry-run apply with
strict field validation, and the GPU time-slices that the sessions and
workloads ask for are compared with the nvidia.com/gpu the nodes advertise,
per node pool (nodes grouped by their nvidia.com/device-plugin.config label).
The Secrets the rendering reads and nobody renders (TLS, coturn's auth Secret,
the inline databases' passwords: the README's "Secrets you create") must be
there, of their type, with every key non-empty; their values are not shown.
Each GPU node pool must have a node with its label
(nvidia.com/device-plugin.config=<pool>), and with ingress.tls.certManager,
cert-manager must be installed and its issuer present. What nothing can check
beforehand (where Kasm's admin password is, a Traefik certificate resolver)
is printed as notes.

Objects whose namespace or CRD comes with the rendering itself are skipped and
listed. The exit status is non-zero when an object is rejected, the GPU demand does
not fit, a Secret is missing or incomplete, a pool has no node, or the
issuer is missing.`,
		Example: `  vdirender verify examples/k3s-single-node
  vdirender verify values.yaml --kubeconfig ~/.kube/k3s.yaml --context edge-1`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			items, v, err := render(cmd, args[0], false)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			cl, err := cluster.connect(ctx, cmd.ErrOrStderr(), fmt.Sprintf("verify: %d objects, timeout %s", len(items), timeout))
			if err != nil {
				return err
			}
			report, err := verify.Run(ctx, cl, items, generators.Expectations(v))
			if err != nil {
				return err
			}
			printReport(cmd.OutOrStdout(), report)
			if !report.OK() {
				return fmt.Errorf("verification failed")
			}
			return nil
		},
	}
	cluster.add(cmd)
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "give up after this long")
	return cmd
}

func printReport(w io.Writer, r verify.Report) {
	fmt.Fprintf(w, "dry-run: %d accepted, %d rejected, %d skipped\n", r.Accepted, len(r.Rejected), len(r.Skipped))
	for _, f := range r.Rejected {
		fmt.Fprintf(w, "  rejected %s: %s\n", f.Object, f.Message)
	}
	for _, f := range r.Skipped {
		fmt.Fprintf(w, "  skipped  %s: %s\n", f.Object, f.Message)
	}
	fmt.Fprintf(w, "secrets: %d present, %d missing or incomplete\n", r.SecretsPresent, len(r.Secrets))
	for _, f := range r.Secrets {
		fmt.Fprintf(w, "  %s: %s\n", f.Object, f.Message)
	}
	for _, c := range r.Prerequisites {
		mark := "ok     "
		if !c.OK {
			mark = "MISSING"
		}
		fmt.Fprintf(w, "prerequisite %s %s: %s\n", mark, c.What, c.Found)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s: %s (%s)\n", n.What, n.Why, n.How)
	}
	pools := r.Capacity.Pools
	if len(pools) == 0 {
		fmt.Fprintln(w, "gpu: no node advertises nvidia.com/gpu and nothing asks for it")
	}
	for _, p := range pools {
		verdict := "fits"
		if p.Short() {
			verdict = fmt.Sprintf("DOES NOT FIT: %d of %d GPU pods fit", p.Fit, p.Pods)
		}
		fmt.Fprintf(w, "gpu: pool %s: %d GPU pods ask for %d of %d nvidia.com/gpu on %d node(s): %s\n",
			p.Pool.Name, p.Pods, p.Demand, p.Pool.Slices(), p.Pool.Nodes(), verdict)
	}
}
