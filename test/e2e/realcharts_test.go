package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
)

// testRealCharts renders the real upstream charts at the pinned versions
// (VDIRENDER_REAL_CHARTS) with the exact valuesContent of each example's
// HelmCharts and the Traefik HelmChartConfig, as helm-controller would
// install them, and server-side dry-runs every object with strict field
// validation: the API server must accept what the charts make of our
// values (it refused coturn's ClusterIP Services with an external traffic
// policy before). The CRDs a chart ships in its crds/ directory are applied
// first, as helm install does (gpu-operator v25.10.1's ClusterPolicy has
// fields the older CRD the other tests use lacks).
func testRealCharts(ctx context.Context, t *testing.T, cl *kubeclient.Client) {
	dir := charttest.RealChartsDir(t)
	helm := charttest.Helm(t)
	for _, tc := range []struct {
		example    string
		singleZone bool
	}{{"k3s-single-node", false}, {"gpu-pool", false}, {"k3s-single-node", true}, {"gpu-pool", true}} {
		name, pkg := tc.example, filepath.Join("..", "..", "examples", tc.example)
		if tc.singleZone {
			name += "+kasm-single-zone"
		}
		t.Run(name, func(t *testing.T) {
			if tc.singleZone {
				pkg = charttest.Variant(t, pkg, charttest.SingleZone)
			}
			rels, _ := charttest.Releases(t, name, pkg)
			accepted, skipped := 0, map[string]int{}
			for _, r := range rels {
				if !r.HasArchive(dir) {
					t.Logf("%s: no archive of %s %s to render", r, r.Chart, r.Version)
					continue
				}
				objs, err := charttest.Template(helm, dir, r, nil, "--include-crds")
				if err != nil {
					t.Errorf("%s: %v", r, err)
					continue
				}
				var crds []*unstructured.Unstructured
				for _, m := range objs {
					if o := (&unstructured.Unstructured{Object: m}); o.GetKind() == "CustomResourceDefinition" {
						if err := cl.Apply(ctx, kubeclient.FieldManager, o, false); err != nil {
							t.Fatalf("%s: %s: %v", r, kubeclient.Describe(o), err)
						}
						crds = append(crds, o)
					}
				}
				waitEstablished(ctx, t, cl, crds)
				for _, m := range objs {
					o := &unstructured.Unstructured{Object: m}
					if o.GetKind() == "CustomResourceDefinition" {
						continue
					}
					mapping, err := cl.Mapping(o.GroupVersionKind())
					if err != nil {
						skipped[o.GetKind()]++
						continue
					}
					if mapping.Scope.Name() == meta.RESTScopeNameNamespace && o.GetNamespace() == "" {
						o.SetNamespace(r.Namespace) // as helm install does
					}
					if err := cl.Apply(ctx, kubeclient.FieldManager, o, true); err != nil {
						t.Errorf("%s: %s rejected: %v", r, kubeclient.Describe(o), err)
						continue
					}
					accepted++
				}
			}
			t.Logf("%d chart objects accepted by a server-side dry-run; kinds not served here, skipped: %v", accepted, skipped)
		})
	}

	// Without the empty traffic policy the API server refuses coturn's
	// Services, as it did before: the dry-run above would have seen it.
	t.Run("coturn without the traffic policy fix", func(t *testing.T) {
		rels, _ := charttest.Releases(t, "k3s-single-node", filepath.Join("..", "..", "examples", "k3s-single-node"))
		for _, r := range rels {
			if r.Chart != "coturn" {
				continue
			}
			svc := r.Values["service"].(map[string]any)
			delete(svc, "externalTrafficPolicy")
			vals, err := sigsyaml.Marshal(r.Values)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := charttest.Template(helm, dir, r, vals)
			if err != nil {
				t.Fatal(err)
			}
			refused := 0
			for _, m := range objs {
				o := &unstructured.Unstructured{Object: m}
				if o.GetKind() != "Service" {
					continue
				}
				o.SetNamespace(r.Namespace)
				if err := cl.Apply(ctx, kubeclient.FieldManager, o, true); err != nil && strings.Contains(err.Error(), "externalTrafficPolicy") {
					refused++
				}
			}
			if refused != 2 {
				t.Errorf("%d of coturn's Services refused for externalTrafficPolicy, want 2 (coturn-turn-udp, coturn-turn-tcp)", refused)
			}
		}
	})
}
