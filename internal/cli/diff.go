package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/diff"
	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/source"
)

func newDiff() *cobra.Command {
	var rev string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW | diff --rev REV PATH",
		Short: "Compare two renderings object by object",
		Long: `Compare two renderings and print the objects added (+), removed (-) and
changed (~), each change as a field path with its old and new value, in a
stable order. A List (v1 List, SecretList, any object with a top-level items
sequence) is compared as its items, as the cluster gets them. Secret data is
shown only as (redacted), wherever the Secret sits.

Each side is a rendering (a directory written by build -o, or a YAML stream),
or what vdirender renders: a values file, or a file or package directory
holding a VDIPlatform, rendered as build would first. So a change to the
values can be reviewed before anything is rendered, and a package compared
with its committed rendering. With --rev, PATH in the working tree is
compared with PATH at a git revision, rendered there too when it is values
or a package (its YAML files only: chart archives vendored for inline
rendering are not taken from the revision).

As diff(1): the exit status is 0 when the renderings are the same, 1 when
they differ (so CI can fail on a stale committed rendering), 2 when they
could not be compared (a path that does not read, a bad revision, values
that do not render; their problems go to stderr).`,
		Example: `  vdirender diff values.yaml new-values.yaml
  vdirender diff --rev origin/main platform/     # what the pull request changes in the rendering
  vdirender diff rendered/ platform/             # is the committed rendering stale?
  vdirender build examples/k3s-single-node -o /tmp/new
  vdirender diff rendered/ /tmp/new`,
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
		if oldItems, err = sideAt(cmd, rev, args[0]); err != nil {
			return 0, err
		}
		newItems, err = side(cmd, args[0])
	} else if oldItems, err = side(cmd, args[0]); err == nil {
		newItems, err = side(cmd, args[1])
	}
	if err != nil {
		return 0, err
	}
	// Both sides are what the cluster gets: each List as its items (those
	// read are already, those rendered too, but for the objects a chart
	// renders inline), then local config and internal annotations gone.
	for _, items := range []*[]*yaml.RNode{&oldItems, &newItems} {
		if *items, err = manifest.ExpandLists(*items); err != nil {
			return 0, err
		}
		if *items, err = manifest.Clean(*items); err != nil {
			return 0, err
		}
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

// side reads one side of a diff: a rendering (a YAML stream, or a directory
// build -o wrote) as it is; a values file, or a file or package holding a
// VDIPlatform, as build renders it (what the rules changed is not listed:
// both sides went through them).
func side(cmd *cobra.Command, p string) ([]*yaml.RNode, error) {
	renders, err := source.Renders(p)
	if err != nil {
		return nil, err
	}
	if !renders {
		return diff.Read(p)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "diff: rendering %s\n", p)
	items, _, err := fn.Build(p)
	if err != nil {
		return nil, reportFailed(cmd.ErrOrStderr(), err)
	}
	return items, nil
}

// sideAt reads p as it was at a git revision: a rendering as it is, or
// what the values or package of that revision render to. For that its YAML
// files are written to a temporary directory and rendered there; chart
// archives are not taken, so a package that renders charts inline says
// which archive it lacks.
func sideAt(cmd *cobra.Command, rev, p string) ([]*yaml.RNode, error) {
	files, err := input.GitFiles(rev, p, isYAML)
	if err != nil {
		return nil, err
	}
	if !source.RendersFiles(files) {
		return diff.ParseGit(files)
	}
	dir, err := os.MkdirTemp("", "vdirender-diff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	target, err := input.WriteTree(dir, filepath.Base(p), files)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "diff: rendering %s at %s\n", p, rev)
	items, _, err := fn.Build(target)
	if err != nil {
		return nil, reportFailed(cmd.ErrOrStderr(), fmt.Errorf("%s at %s: %w", p, rev, err))
	}
	return items, nil
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}
