package cli

import (
	"github.com/spf13/cobra"

	"github.com/vdirender/vdirender/schemas"
)

func newSchema() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON schema of the values file",
		Long:  "Print the JSON schema of the values file, for editors that validate YAML as you type.",
		Example: `  vdirender schema > values.schema.json
  # then, at the top of values.yaml:
  # yaml-language-server: $schema=values.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(schemas.Values)
			return err
		},
	}
}
