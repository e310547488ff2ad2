package e2e

import (
	"os"
	"testing"

	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// TestMain runs the package in the K3s twin's network namespace (see
// cluster.Main); the fast control plane binds 127.0.0.1 there as anywhere.
func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }
