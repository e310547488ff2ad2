package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/diff"
	"github.com/vdirender/vdirender/internal/manifest"
)

func newDiff() *cobra.Command {
	var rev string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW | diff --rev REV PATH",
		Short: "Compare two renderings object by object",
		Long: `Compare two renderings (directories written by build -o, or YAML streams) and
print the objects added (+), removed (-) and changed (~), each change as a field
path with its old and new value, in a stable order. Secret data is shown only
as (redacted). With --rev, PATH in the working tree is compared with PATH at a
git revision. As diff(1): the exit status is 0 when the renderings are the
same, 1 when they differ (so CI can fail on a stale committed rendering), 2
when they could not be compared (a path that does not read, a bad revision).`,
		Example: `  vdirender build examples/k3s-single-node -o /tmp/new
  vdirender diff rendered/ /tmp/new
  vdirender diff --rev origin/main rendered/`,
		Args: func(cmd *cobra.Command, args []string) error {
			if rev != "" {
				return cobra.ExactArgs(1)(cmd, args)
			}
			return cobra.ExactArgs(2)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			differ, err := runDiff(cmd, rev, args)
			if err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if differ > 0 {
				return &ExitError{Code: 1, Err: fmt.Errorf("renderings differ in %d object(s)", differ)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&rev, "rev", "", "compare PATH at this git revision with PATH in the working tree")
	return cmd
}

// runDiff prints the differences and returns how many objects differ.
func runDiff(cmd *cobra.Command, rev string, args []string) (int, error) {
	var oldItems, newItems []*yaml.RNode
	var err error
	if rev != "" {
		if oldItems, err = diff.ReadGit(rev, args[0]); err != nil {
			return 0, err
		}
		newItems, err = diff.Read(args[0])
	} else if oldItems, err = diff.Read(args[0]); err == nil {
		newItems, err = diff.Read(args[1])
	}
	if err != nil {
		return 0, err
	}
	if oldItems, err = manifest.Clean(oldItems); err != nil {
		return 0, err
	}
	if newItems, err = manifest.Clean(newItems); err != nil {
		return 0, err
	}
	res, err := diff.Compare(oldItems, newItems)
	if err != nil {
		return 0, err
	}
	if res.Empty() {
		fmt.Fprintln(cmd.OutOrStdout(), "no differences")
		return 0, nil
	}
	fmt.Fprint(cmd.OutOrStdout(), res.String())
	return len(res.Objects), nil
}
