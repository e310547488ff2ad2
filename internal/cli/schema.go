package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/schemas"
)

// schemaKinds are what `vdirender schema --kind` prints: the values file,
// or the VDIPlatform object of a kpt or kustomize package, whose spec is
// the values.
var schemaKinds = []struct {
	name   string
	schema func() ([]byte, error)
}{
	{"values", func() ([]byte, error) { return schemas.Values, nil }},
	{"VDIPlatform", schemas.Platform},
}

func newSchema() *cobra.Command {
	kind := schemaKinds[0].name
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON schema of the values file or of the VDIPlatform object",
		Long: `Print the JSON schema of the values file, for editors that validate YAML as you type
and complete it with each field's description, default and examples.

--kind VDIPlatform prints the schema of the VDIPlatform object of a kpt or
kustomize package instead: apiVersion, kind and metadata, with the values as
its spec. It is self-contained, so an editor or a validator needs nothing else.`,
		Example: `  vdirender schema > values.schema.json
  # then, at the top of values.yaml:
  # yaml-language-server: $schema=values.schema.json

  # the VDIPlatform of a kpt or kustomize package in pkg/; keep the schema
  # outside the package, whose .json files are read as KRM objects:
  vdirender schema --kind VDIPlatform > platform.schema.json
  # then, at the top of pkg/platform.yaml:
  # yaml-language-server: $schema=../platform.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var names []string
			for _, k := range schemaKinds {
				if k.name == kind {
					b, err := k.schema()
					if err != nil {
						return err
					}
					_, err = cmd.OutOrStdout().Write(b)
					return err
				}
				names = append(names, k.name)
			}
			return fmt.Errorf("--kind %q: no schema of that kind; the kinds are %s", kind, strings.Join(names, ", "))
		},
	}
	cmd.Flags().StringVar(&kind, "kind", kind, "what to print the schema of: values (the values file) or VDIPlatform (the object of a kpt or kustomize package)")
	return cmd
}
