// Command vdirender renders a GPU VDI platform for K3s from one values file.
package main

import (
	"fmt"
	"os"

	"github.com/vdirender/vdirender/internal/cli"
)

func main() {
	if err := cli.NewRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "vdirender:", err)
		os.Exit(cli.ExitCode(err))
	}
}
