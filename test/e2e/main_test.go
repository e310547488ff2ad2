package e2e

import (
	"os"
	"testing"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// TestMain runs the package in the K3s twin's network namespace (see
// cluster.Main); the fast control plane binds 127.0.0.1 there as anywhere.
// The in-process operators log nowhere: tests read what they did from the
// cluster.
func TestMain(m *testing.M) {
	ctrllog.SetLogger(logr.Discard())
	os.Exit(cluster.Main(m))
}
