package cli_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charttest"
)

// TestRealChartsInline renders the examples with every sub-chart whose real
// upstream archive is at hand switched to inline mode (Kasm's pinned chart
// is not available offline and stays a HelmChart): the build succeeds, two
// builds give the same bytes, nothing secret is rendered, every object of
// the charts passes the platform rules (validate, nothing changed), and no
// Service asks for an externalTrafficPolicy its type does not allow (the API
// server refuses it). Skipped without the archives.
func TestRealChartsInline(t *testing.T) {
	realDir := charttest.RealCharts(t)
	tests := []struct {
		example string
		// charts that must be rendered inline: the kind of an object each
		// one renders.
		want map[string]string
		// hooks left out, as Info results
		dropped []string
	}{
		{"k3s-single-node", map[string]string{
			"postgresql": "StatefulSet", "redis": "StatefulSet", "coturn": "Deployment", "gpu-operator": "ClusterPolicy",
		}, []string{
			// NFD's cleanup of node labels and features on uninstall.
			"charts.gpuOperator: hook ClusterRole gpu-operator-node-feature-discovery-prune (gpu-operator/charts/node-feature-discovery/templates/post-delete-job.yaml, helm.sh/hook: post-delete) left out: only `helm uninstall` runs it",
			"charts.gpuOperator: hook ClusterRoleBinding gpu-operator-node-feature-discovery-prune (gpu-operator/charts/node-feature-discovery/templates/post-delete-job.yaml, helm.sh/hook: post-delete) left out: only `helm uninstall` runs it",
			"charts.gpuOperator: hook Job gpu-operator-node-feature-discovery-prune (gpu-operator/charts/node-feature-discovery/templates/post-delete-job.yaml, helm.sh/hook: post-delete) left out: only `helm uninstall` runs it",
			"charts.gpuOperator: hook ServiceAccount gpu-operator-node-feature-discovery-prune (gpu-operator/charts/node-feature-discovery/templates/post-delete-job.yaml, helm.sh/hook: post-delete) left out: only `helm uninstall` runs it",
		}},
		// Postgres and Redis are off, gpu-operator is installed by others.
		{"gpu-pool", map[string]string{"coturn": "Deployment"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.example, func(t *testing.T) {
			pkg := charttest.RealInlinePackage(t, "../..", tt.example, realDir)
			first, stderr, err := execute(t, nil, "build", pkg)
			if err != nil {
				t.Fatalf("build: %v\n%s", err, stderr)
			}
			second, _, err := execute(t, nil, "build", pkg)
			if err != nil || second != first {
				t.Fatalf("a second build differs (err %v)", err)
			}

			seen := map[string]bool{}
			var found []string
			for _, doc := range strings.Split(first, "\n---\n") {
				var obj map[string]any
				if err := sigsyaml.Unmarshal([]byte(doc), &obj); err != nil || obj == nil {
					continue
				}
				meta, _ := obj["metadata"].(map[string]any)
				labels, _ := meta["labels"].(map[string]any)
				kind, name := fmt.Sprint(obj["kind"]), fmt.Sprint(meta["name"])
				if kind == "Secret" {
					t.Errorf("renders Secret %s", name)
				}
				scan(kind+"/"+name, obj, &found)
				if chart, ok := labels["helm.sh/chart"].(string); ok {
					seen[chartName(chart)+"/"+kind] = true
				}
				if kind == "Service" {
					spec, _ := obj["spec"].(map[string]any)
					if p, ok := spec["externalTrafficPolicy"]; ok && spec["type"] != "NodePort" && spec["type"] != "LoadBalancer" {
						t.Errorf("Service %s: externalTrafficPolicy %v on type %v, which the API server refuses", name, p, spec["type"])
					}
				}
			}
			for _, f := range found {
				t.Errorf("secret material: %s", f)
			}
			for chart, kind := range tt.want {
				if !seen[chart+"/"+kind] {
					t.Errorf("no %s of chart %s in the output", kind, chart)
				}
			}

			out := filepath.Join(t.TempDir(), "rendered.yaml")
			if err := os.WriteFile(out, []byte(first), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, err := execute(t, nil, "validate", out)
			if err != nil || !strings.Contains(stdout, "objects follow the platform rules") {
				t.Errorf("validate: %v\n%s%s", err, stdout, stderr)
			}

			_, results, err := fn.Build(pkg)
			if err != nil {
				t.Fatal(err)
			}
			var dropped []string
			for _, r := range results {
				if r.Tags["check"] == "charts" {
					dropped = append(dropped, r.Message)
				}
			}
			if strings.Join(dropped, "\n") != strings.Join(tt.dropped, "\n") {
				t.Errorf("hooks left out:\n%s\nwant:\n%s", strings.Join(dropped, "\n"), strings.Join(tt.dropped, "\n"))
			}
		})
	}
}

// chartName is the chart of a helm.sh/chart label (name-version).
func chartName(label string) string {
	if i := strings.LastIndex(label, "-"); i > 0 {
		label = label[:i]
	}
	// gpu-operator's version is v25.10.1; Bitnami's 15.3.1.
	return label
}
