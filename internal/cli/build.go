package cli

import (
	"bytes"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
)

func newBuild() *cobra.Command {
	var outDir string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "build DIR|FILE",
		Short: "Render a package or a values file to manifests",
		Long: `Render a package directory (holding one VDIPlatform), a file holding a
VDIPlatform, or a plain values file, and print the manifests as one YAML
stream. Local-config objects and internal annotations are left out.

On any error nothing is printed on stdout: an empty stream would make Argo CD
prune live objects, so the exit status is non-zero and the problems, each with
its file, line and field, go to stderr.

With -o DIR, each object goes to DIR/[namespace/]kind_name.yaml (names must be
valid Kubernetes names) and DIR is vdirender's: the files it wrote are listed
in DIR/.vdirender-files, and the next build removes those it no longer
renders. A DIR holding any file vdirender did not write is refused, the files
named; nothing is ever written through a link.

What the rules in enforce mode changed (a pull policy, a storage class,
resources, a GPU runtime class) is listed on stderr, one line per rule and
new value with the old values and the objects. So is what the rendering
expects on the cluster and does not create (Secrets, with a command to make
each; the node label of each GPU pool; cert-manager's issuer; where Kasm's
admin password is), which verify checks. --quiet leaves both out.
Values that a rule would contradict (global.image.pullPolicy: Always, a
storage class other than local-path) are errors instead, saying how to keep
them (the rule in audit mode).`,
		Example: `  vdirender build examples/k3s-single-node
  vdirender build values.yaml -o rendered/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			items, v, err := render(cmd, args[0], quiet)
			if err != nil {
				return err
			}
			if !quiet {
				printPrerequisites(cmd.ErrOrStderr(), generators.Expectations(v))
			}
			if outDir != "" {
				return manifest.WriteDir(outDir, items)
			}
			// Render fully before writing, so a failure leaves stdout empty.
			var buf bytes.Buffer
			if err := manifest.Write(&buf, items); err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(buf.Bytes())
			return err
		},
	}
	cmd.Flags().StringVarP(&outDir, "output", "o", "", "write one file per object under this directory instead of stdout")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not list on stderr what the rules changed and what the cluster must hold")
	return cmd
}

func onlyWarnings(rs framework.Results) framework.Results {
	var out framework.Results
	for _, r := range rs {
		if r.Severity == framework.Warning {
			out = append(out, r)
		}
	}
	return out
}
