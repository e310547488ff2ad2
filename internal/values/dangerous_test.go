package values_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/values"
)

// TestDangerousValues: values the schema's shapes allow but that would hand
// an HTTP entrypoint to TURN, relabel a system namespace or put a name DNS
// refuses into Host() rules are refused, each at its line and field.
func TestDangerousValues(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct {
		name, src string
		want      string // "line path: message part"; "" means accepted
	}{
		{"turn on websecure", "global: {hostname: h}\nturn:\n  entryPoint: websecure\n", "3 turn.entryPoint: serves HTTP"},
		{"turn on web", "global: {hostname: h}\nturn: {entryPoint: web}\n", "2 turn.entryPoint: serves HTTP"},
		{"turn on the dashboard", "global: {hostname: h}\nturn: {entryPoint: traefik}\n", "2 turn.entryPoint: serves HTTP"},
		{"turn on an ingress entrypoint", "global: {hostname: h}\ningress: {entryPoints: [https2]}\nturn: {entryPoint: https2}\n", "3 turn.entryPoint: serves HTTP"},
		{"turn on its own", "global: {hostname: h}\nturn: {entryPoint: stun}\n", ""},
		{"kasm in kube-system", "global:\n  hostname: h\n  namespace: kube-system\n", "3 global.namespace: system namespace"},
		{"vdi in kube-public", "global: {hostname: h}\nvdi:\n  namespace: kube-public\n", "3 vdi.namespace: system namespace"},
		{"sessions in kube-node-lease", "global: {hostname: h}\nvdi:\n  sessionNamespace: kube-node-lease\n", "3 vdi.sessionNamespace: system namespace"},
		{"sessions in default", "global: {hostname: h}\nvdi: {sessionNamespace: default}\n", "2 vdi.sessionNamespace: system namespace"},
		{"own namespaces", "global: {hostname: h, namespace: kasm-prod}\nvdi: {namespace: vdi, sessionNamespace: desktops}\n", ""},
		{"hostname label of 64", "global:\n  hostname: " + long + ".example.com\n", "2 global.hostname: each label at most 63"},
		{"last label of 64", "global: {hostname: kasm.example." + long + "}\n", "1 global.hostname: each label at most 63"},
		{"session host label of 64", "global: {hostname: h}\ningress: {sessionHost: " + long + "}\n", "2 ingress.sessionHost: each label at most 63"},
		{"hostname label of 63", "global: {hostname: " + long[:63] + ".example.com}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.src)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var errs values.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want values.Errors, got %v", err)
			}
			for _, e := range errs {
				if got := strconv.Itoa(e.Line) + " " + e.Path + ": " + e.Message; strings.HasPrefix(tt.want, strconv.Itoa(e.Line)+" "+e.Path+": ") && strings.Contains(got, strings.SplitN(tt.want, ": ", 2)[1]) {
					return
				}
			}
			t.Fatalf("got %v, want %q", errs, tt.want)
		})
	}
}

// TestListsAreBounded: every list of the values has a maximum, so that a
// small file cannot describe work without end.
func TestListsAreBounded(t *testing.T) {
	many := func(n int, item func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(item(i))
		}
		return b.String()
	}
	tests := []struct {
		name, src, want string
	}{
		{"node pools", "global: {hostname: h}\ngpu:\n  nodePools:\n" + many(65, func(i int) string { return "  - {name: p" + strconv.Itoa(i) + ", nodes: 1, gpusPerNode: 1}\n" }), "gpu.nodePools: has 65 items, more than the 64 allowed"},
		{"entrypoints", "global: {hostname: h}\ningress:\n  entryPoints: [" + strings.TrimSuffix(many(17, func(i int) string { return "e" + strconv.Itoa(i) + "," }), ",") + "]\n", "ingress.entryPoints: has 17 items, more than the 16 allowed"},
		{"sessions", "global: {hostname: h}\nvdi:\n  sessions:\n" + many(1001, func(i int) string { return "  - {name: s" + strconv.Itoa(i) + ", template: t, user: u}\n" }), "vdi.sessions: has 1001 items, more than the 1000 allowed"},
		{"env", "global: {hostname: h}\nvdi:\n  templates:\n  - name: t\n    image: i:1\n    env:\n" + many(129, func(i int) string { return "    - {name: V" + strconv.Itoa(i) + ", value: x}\n" }), "vdi.templates[0].env: has 129 items, more than the 128 allowed"},
		{"api versions", "global: {hostname: h}\ncharts:\n  apiVersions:\n" + many(513, func(i int) string { return "  - a/v" + strconv.Itoa(i) + "\n" }), "charts.apiVersions: has 513 items, more than the 512 allowed"},
		{"resource names", "global: {hostname: h}\nredis:\n  resources:\n    limits: {" + strings.TrimSuffix(many(33, func(i int) string { return "example.com/r" + strconv.Itoa(i) + ": 1," }), ",") + "}\n", "redis.resources.limits: has 33 entries, more than the 32 allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.src)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
