package opchart_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/opchart"
	"github.com/vdirender/vdirender/internal/values"
)

// TestChartCarriesOperatorConfig checks that the chart holds the operator's
// config with the platform's rules, as the rendered ConfigMap does, in the
// release namespace the chart's Deployment mounts it from.
func TestChartCarriesOperatorConfig(t *testing.T) {
	v, err := values.LoadFile("values.yaml", []byte(`
global: {hostname: kasm.example.com}
rules: {pinning: audit}
gpu:
  nodePools: [{name: fast, nodes: 2, gpusPerNode: 1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := opchart.Write(dir, v, dir); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "templates", "configmap_"+generators.OperatorConfigName+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := sigsyaml.Unmarshal(data, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Namespace != "{{ .Release.Namespace }}" {
		t.Errorf("namespace %q, want the release's", cm.Namespace)
	}
	if d := cmp.Diff(generators.OperatorConfig(v).Data, cm.Data); d != "" {
		t.Errorf("config (-rendered +chart):\n%s", d)
	}
	loaded, err := values.LoadFile("config.yaml", []byte(cm.Data[values.ConfigMapKey]))
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Rules.Mode("pinning") != values.ModeAudit || loaded.GPU.NodePools[0].Name != "fast" {
		t.Errorf("config lost the platform: %+v", loaded.OperatorConfig())
	}
}
