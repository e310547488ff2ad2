package operator_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/apis/prometheus"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/values"
)

// TestAlertsNameExportedMetrics: every metric the rendered alerts query is
// one the operator exports, so an alert cannot watch a series that never
// exists.
func TestAlertsNameExportedMetrics(t *testing.T) {
	v, err := values.LoadFile("values.yaml", []byte("global: {hostname: kasm.example.com}\nvdi: {monitoring: {enabled: true}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, name := range operator.MetricNames() {
		exported[name] = true
	}
	if !exported["session_startup_seconds"] || !exported["vdi_warm_pool_ready"] {
		t.Fatalf("the operator's metrics: %v", operator.MetricNames())
	}
	series := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	alerts := 0
	for _, o := range generators.Monitoring(v) {
		rule, ok := o.(*prometheus.PrometheusRule)
		if !ok {
			continue
		}
		for _, g := range rule.Spec.Groups {
			for _, r := range g.Rules {
				alerts++
				for _, m := range series.FindAllString(r.Expr.String(), -1) {
					if !strings.HasPrefix(m, "vdi_") && !strings.HasPrefix(m, "session_") {
						continue // functions, labels, keywords
					}
					if !exported[strings.TrimSuffix(m, "_bucket")] {
						t.Errorf("alert %s queries %s, which the operator does not export", r.Alert, m)
					}
				}
			}
		}
	}
	if alerts < 2 {
		t.Errorf("%d alerts rendered, want the start-up and the warm pool ones", alerts)
	}
}
