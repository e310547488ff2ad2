package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/internal/scaffold"
)

func newInit() *cobra.Command {
	var o scaffold.Options
	var kpt, kustomize, argocd bool
	cmd := &cobra.Command{
		Use:   "init DIR [--kpt|--kustomize|--argocd] [--from values.yaml]",
		Short: "Make a package from a values file",
		Long: `Make a new package in DIR (which must not exist or be empty) from a plain
values file (--from; without it, starter values to edit): DIR/platform.yaml is a
VDIPlatform whose spec is the values, comments kept. The values are checked
first, as build checks them.

--kpt adds a Kptfile that runs vdirender in kpt fn render (exec; use the image
in a container), --kustomize a kustomization that runs the VDIPlatform as a
generator and a transformer, --argocd an Argo CD Application for the
vdirender plugin (examples/argocd), reading DIR from --repo-url (run init from
the repository's root). Without one, the package is for vdirender build and
apply.`,
		Example: `  vdirender init vdi --kpt --from kasm-values.yaml
  vdirender build vdi`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, f := range []struct {
				on   bool
				tool string
			}{{kpt, scaffold.Kpt}, {kustomize, scaffold.Kustomize}, {argocd, scaffold.ArgoCD}} {
				if f.on {
					o.Tool = f.tool
					n++
				}
			}
			if n > 1 {
				return fmt.Errorf("give one of --kpt, --kustomize, --argocd")
			}
			if o.Tool == scaffold.ArgoCD && o.RepoURL == "" {
				return fmt.Errorf("--argocd: give --repo-url, the Git repository Argo CD reads the package from (run init from that repository's root)")
			}
			files, err := scaffold.Write(args[0], o)
			if err != nil {
				return reportFailed(cmd.ErrOrStderr(), err)
			}
			for _, f := range files {
				fmt.Fprintln(cmd.OutOrStdout(), "wrote", f)
			}
			next := map[string]string{
				scaffold.Plain:     "vdirender build " + args[0],
				scaffold.Kpt:       "kpt fn render --allow-exec " + args[0],
				scaffold.Kustomize: "kustomize build --enable-alpha-plugins --enable-exec " + args[0] + " (and vdirender build " + args[0] + " >/dev/null for what the cluster must hold)",
				scaffold.ArgoCD:    "vdirender build " + args[0] + " >/dev/null (what the cluster must hold), commit " + args[0] + ", install the plugin (README: Argo CD) and kubectl apply -f " + args[0] + "/application.yaml",
			}[o.Tool]
			fmt.Fprintln(cmd.OutOrStdout(), "next: "+next)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&kpt, "kpt", false, "add a Kptfile")
	f.BoolVar(&kustomize, "kustomize", false, "add a kustomization.yaml")
	f.BoolVar(&argocd, "argocd", false, "add an Argo CD Application")
	f.StringVar(&o.From, "from", "", "values file to start from (default: starter values)")
	f.StringVar(&o.Name, "name", "", "name of the VDIPlatform (default: DIR's name)")
	f.StringVar(&o.RepoURL, "repo-url", "", "Git repository the Argo CD Application reads (with --argocd)")
	return cmd
}
