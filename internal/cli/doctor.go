package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/internal/cluster/doctor"
)

func newDoctor() *cobra.Command {
	var cluster clusterFlags
	var namespace string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Explain why a rollout hangs in a namespace",
		Long: `Read a namespace's events in time order, its pending pods and its unbound
PersistentVolumeClaims, and explain the usual causes in plain words: GPU
time-slices exhausted (with the capacity numbers), volumes waiting on
local-path (WaitForFirstConsumer, a missing class or provisioner), and image
pulls. The exit status is non-zero when a problem is found.`,
		Example: `  vdirender doctor -n vdi-sessions
  vdirender doctor -n kasm --context edge-1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := cluster.connect(cmd.Context(), cmd.ErrOrStderr(), "")
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), time.Minute)
			defer cancel()
			d, err := doctor.Run(ctx, cl.Kube, namespace)
			if err != nil {
				return err
			}
			printDiagnosis(cmd.OutOrStdout(), namespace, d)
			if len(d.Problems) > 0 {
				return fmt.Errorf("%d problem(s) in namespace %s", len(d.Problems), namespace)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "vdi-sessions", "namespace to diagnose")
	cluster.add(cmd)
	return cmd
}

func printDiagnosis(w io.Writer, ns string, d doctor.Diagnosis) {
	fmt.Fprintf(w, "events in %s (oldest first):\n", ns)
	if len(d.Events) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, e := range d.Events {
		fmt.Fprintf(w, "  %s %-7s %-20s %s: %s\n", e.Time.UTC().Format(time.RFC3339), e.Type, e.Reason, e.Object, e.Message)
	}
	if len(d.Problems) == 0 {
		fmt.Fprintln(w, "no pending pods or unbound claims")
		return
	}
	fmt.Fprintln(w, "problems:")
	for _, p := range d.Problems {
		fmt.Fprintf(w, "  [%s] %s: %s\n", p.Cause, p.Object, p.Explanation)
	}
}
