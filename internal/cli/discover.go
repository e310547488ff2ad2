package cli

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/vdirender/vdirender/internal/input"
	"github.com/vdirender/vdirender/internal/values"
)

func newDiscover() *cobra.Command {
	return &cobra.Command{
		Use:   "discover [DIR]",
		Short: "Print the file holding the VDIPlatform of a package (Argo CD discovery)",
		Long: `Print the path of the file in DIR (default .) that holds a VDIPlatform and exit
0, or print nothing and exit 1. Argo CD's config-management plugin runs it as
its discover command, so that vdirender renders exactly the directories that
hold a VDIPlatform, from an image with no shell.`,
		Example: `  vdirender discover examples/k3s-single-node`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			files, err := platformFiles(dir)
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return fmt.Errorf("no %s in %s", values.PlatformKind, dir)
			}
			for _, f := range files {
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			return nil
		},
	}
}

// platformFiles lists the YAML files directly in dir that hold a VDIPlatform.
// Each is read through the input gate; a file it refuses (a link, a FIFO, a
// file too large or not YAML) is skipped like any broken file: build, run
// next, names the problem.
func platformFiles(dir string) ([]string, error) {
	var out []string
	for _, glob := range []string{"*.yaml", "*.yml"} {
		matches, err := filepath.Glob(filepath.Join(dir, glob))
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			data, err := input.ReadFile(m, input.MaxFileBytes)
			var refused *input.Error
			if errors.As(err, &refused) {
				continue
			}
			if err != nil {
				return nil, err
			}
			items, err := (&kio.ByteReader{Reader: bytes.NewReader(data)}).Read()
			if err != nil {
				continue // not ours to judge; build reports broken files
			}
			for _, it := range items {
				if it.GetKind() == values.PlatformKind && it.GetApiVersion() == values.PlatformAPIVersion {
					out = append(out, m)
					break
				}
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
