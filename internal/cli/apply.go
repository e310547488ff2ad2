package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/cluster/apply"
	"github.com/vdirender/vdirender/internal/ynode"
)

// applyFlags are what apply and rollback share.
type applyFlags struct {
	cluster    clusterFlags
	name       string
	namespace  string
	wait       bool
	timeout    time.Duration
	historyMax int
}

func (f *applyFlags) add(cmd *cobra.Command, withName bool) {
	f.cluster.add(cmd)
	if withName {
		cmd.Flags().StringVar(&f.name, "name", "", "name of the ApplySet (default vdirender-<the VDIPlatform's name>, or vdirender for a values file)")
	}
	cmd.Flags().StringVar(&f.namespace, "namespace", "kube-system", "namespace of the ApplySet's parent Secret, its revisions and its Lease")
	cmd.Flags().BoolVar(&f.wait, "wait", false, "wait until every workload is ready and every claim bound, printing a line per kind as they get ready")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "give up waiting after this long")
	cmd.Flags().IntVar(&f.historyMax, "history-max", 10, "revisions to keep in the cluster")
}

func (f *applyFlags) options(cmd *cobra.Command) apply.Options {
	return apply.Options{Name: f.name, Namespace: f.namespace, Tooling: "vdirender/" + version(),
		Wait: f.wait, Timeout: f.timeout, HistoryMax: f.historyMax, Progress: cmd.ErrOrStderr()}
}

func newApply() *cobra.Command {
	var (
		f      applyFlags
		atomic bool
		dry    bool
	)
	cmd := &cobra.Command{
		Use:   "apply DIR|FILE",
		Short: "Install or upgrade the rendering on a cluster, pruning what it no longer holds",
		Long: `Render DIR or FILE as build does and apply it to the cluster, for teams without
Argo CD or Flux: server-side apply with the field manager vdirender, namespaces
and CRDs first (waited for until established), then everything else.

The objects are an ApplySet (the applyset.kubernetes.io labels and parent that
` + "`kubectl apply --prune --applyset`" + ` reads): its parent is the Secret NAME in
--namespace, every object carries its id in the applyset.kubernetes.io/part-of
label, and the objects of the set that the rendering no longer holds are
pruned. Nothing that is not labelled as a member of the set is ever pruned, and
objects that are members of another ApplySet are refused.

Each apply is a revision kept in the cluster (Secrets NAME.v<N>, at most
--history-max): ` + "`vdirender history NAME`" + ` lists them and ` + "`vdirender rollback NAME [REVISION]`" + `
re-applies one. With --wait the rollout must become ready within --timeout;
with --atomic a rollout that fails or times out is undone: the last deployed
revision is applied again and what the failed one added is pruned. One apply
runs at a time: another one is refused while the Lease NAME is held.
--dry-run sends everything as a server-side dry-run and lists what would be
pruned, changing nothing.`,
		Example: `  vdirender apply examples/k3s-single-node --wait
  vdirender apply values.yaml --atomic --timeout 10m
  vdirender apply DIR --dry-run`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			items, _, err := render(cmd, args[0], false)
			if err != nil {
				return err
			}
			if f.name == "" {
				if f.name, err = fn.ApplySetName(args[0]); err != nil {
					return err
				}
			}
			objs := make([]*unstructured.Unstructured, 0, len(items))
			for _, it := range items {
				m, err := ynode.Object([]byte(it.MustString()))
				if err != nil {
					return err
				}
				objs = append(objs, &unstructured.Unstructured{Object: m})
			}
			cl, err := f.cluster.connect(cmd.Context(), cmd.ErrOrStderr(), "")
			if err != nil {
				return err
			}
			opts := f.options(cmd)
			opts.Atomic, opts.DryRun = atomic, dry
			if atomic {
				opts.Wait = true
			}
			report, err := apply.Apply(context.Background(), cl, objs, opts)
			if report != nil {
				printApply(cmd, opts, report)
			}
			return err
		},
	}
	f.add(cmd, true)
	cmd.Flags().BoolVar(&atomic, "atomic", false, "undo a rollout that fails or times out (implies --wait)")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "send everything as a server-side dry-run and list what would be pruned; change nothing")
	return cmd
}

func printApply(cmd *cobra.Command, opts apply.Options, r *apply.Report) {
	out := cmd.OutOrStdout()
	switch {
	case opts.DryRun:
		fmt.Fprintf(out, "dry-run: %d accepted, %d skipped (namespace or CRD not there yet), %d would be pruned\n", r.Applied, len(r.Skipped), len(r.Pruned))
		for _, s := range r.Skipped {
			fmt.Fprintf(out, "  skipped %s\n", s)
		}
		for _, p := range r.Pruned {
			fmt.Fprintf(out, "  would prune %s\n", p)
		}
	case r.RolledBack:
		fmt.Fprintf(out, "%s/%s: rolled back, now revision %d\n", opts.Namespace, opts.Name, r.Revision)
	default:
		fmt.Fprintf(out, "%s/%s: revision %d: %d objects applied, %d pruned\n", opts.Namespace, opts.Name, r.Revision, r.Applied, len(r.Pruned))
	}
}

func newRollback() *cobra.Command {
	var f applyFlags
	cmd := &cobra.Command{
		Use:   "rollback NAME [REVISION]",
		Short: "Re-apply an earlier revision of an ApplySet",
		Long: `Re-apply revision REVISION of the ApplySet NAME (default: the deployed revision
before the newest) as a new revision, pruning what it does not hold, as apply
does. The revisions are the ones ` + "`vdirender history NAME`" + ` lists.`,
		Example: `  vdirender rollback vdirender-k3s-single-node
  vdirender rollback vdirender-k3s-single-node 3 --wait`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.name = args[0]
			n := 0
			if len(args) == 2 {
				var err error
				if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
					return fmt.Errorf("REVISION must be a revision number, got %q", args[1])
				}
			}
			cl, err := f.cluster.connect(cmd.Context(), cmd.ErrOrStderr(), "")
			if err != nil {
				return err
			}
			opts := f.options(cmd)
			report, err := apply.Rollback(context.Background(), cl, n, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s/%s: revision %d (a rollback): %d objects applied, %d pruned\n", opts.Namespace, opts.Name, report.Revision, report.Applied, len(report.Pruned))
			return nil
		},
	}
	f.add(cmd, false)
	return cmd
}

func newHistory() *cobra.Command {
	var (
		cluster   clusterFlags
		namespace string
	)
	cmd := &cobra.Command{
		Use:     "history NAME",
		Short:   "List the revisions of an ApplySet",
		Example: `  vdirender history vdirender-k3s-single-node`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := cluster.connect(cmd.Context(), cmd.ErrOrStderr(), "")
			if err != nil {
				return err
			}
			revs, err := apply.History(context.Background(), cl, namespace, args[0])
			if err != nil {
				return err
			}
			if len(revs) == 0 {
				return fmt.Errorf("ApplySet %s/%s has no history", namespace, args[0])
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "REVISION\tAPPLIED\tSTATUS\tOBJECTS\tDESCRIPTION")
			for _, r := range revs {
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\n", r.Number, r.AppliedAt.Format(time.RFC3339), r.Status, r.Objects, r.Description)
			}
			return w.Flush()
		},
	}
	cluster.add(cmd)
	cmd.Flags().StringVar(&namespace, "namespace", "kube-system", "namespace of the ApplySet's parent Secret and its revisions")
	return cmd
}
