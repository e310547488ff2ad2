package cluster

import (
	"slices"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/values"
)

func TestTraefikArgs(t *testing.T) {
	listen := func(name, protocol string) string {
		if protocol == "udp" {
			return "127.0.0.1:5" + name
		}
		return "127.0.0.1:" + name
	}
	values := `
ports:
  websecure:
    transport:
      respondingTimeouts: {readTimeout: 7200s, writeTimeout: 7200s, idleTimeout: 7200s}
  turn:
    port: 3478
    exposedPort: 3478
    protocol: UDP
    expose: {default: true}
additionalArguments:
- --entryPoints.turn.udp.timeout=600s
- --entryPoints.turn.address=:3478/udp
- --entryPoints.extra.address=:9999/udp
resources:
  requests: {cpu: 100m}
`
	args, addrs, err := TraefikArgs(values, listen)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"--entryPoints.web.address=127.0.0.1:web/tcp",
		"--entryPoints.websecure.address=127.0.0.1:websecure/tcp",
		"--entryPoints.traefik.address=127.0.0.1:traefik/tcp",
		"--entryPoints.metrics.address=127.0.0.1:metrics/tcp",
		"--entryPoints.turn.address=127.0.0.1:5turn/udp",
		"--entryPoints.websecure.transport.respondingTimeouts.readTimeout=7200s",
		"--entryPoints.websecure.transport.respondingTimeouts.writeTimeout=7200s",
		"--entryPoints.websecure.transport.respondingTimeouts.idleTimeout=7200s",
		"--entryPoints.turn.udp.timeout=600s",
		"--entryPoints.websecure.http.tls=true",
		"--providers.kubernetescrd",
		"--global.checkNewVersion=false",
		"--global.sendAnonymousUsage=false",
	} {
		if !slices.Contains(args, want) {
			t.Errorf("missing %s in\n%s", want, strings.Join(args, "\n"))
		}
	}
	// The address in additionalArguments is rewritten, not dropped, and
	// no argument binds anything but the given addresses.
	if n := countPrefix(args, "--entryPoints.turn.address="); n != 2 {
		t.Errorf("turn address given %d times, want 2 (entrypoint and rewritten argument)", n)
	}
	for _, a := range args {
		if strings.Contains(a, ":3478") || strings.Contains(a, ":9999") || strings.Contains(a, "=:") {
			t.Errorf("address not rewritten: %s", a)
		}
	}
	if !slices.Contains(args, "--entryPoints.extra.address=127.0.0.1:5extra/udp") {
		t.Errorf("entrypoint defined by an additional argument not rebound: %v", args)
	}
	if len(addrs) != 6 || addrs["turn"] != "127.0.0.1:5turn" {
		t.Errorf("entrypoints %v", addrs)
	}

	if _, _, err := TraefikArgs("ports: {web: {protocol: UDP}}", listen); err == nil {
		t.Error("web made UDP accepted")
	}
	if _, _, err := TraefikArgs("ports: {x: {protocol: SCTP}}", listen); err == nil {
		t.Error("SCTP accepted")
	}
	args, addrs, err = TraefikArgs("", listen)
	if err != nil || len(addrs) != 4 || countPrefix(args, "--entryPoints.") != 5 {
		t.Errorf("K3s defaults: %v %v %v", args, addrs, err)
	}
}

// TestTraefikArgsRendered translates what vdirender renders.
func TestTraefikArgsRendered(t *testing.T) {
	v := values.Defaults()
	v.Global.Hostname = "vdi.example.org"
	v.Default()
	var content string
	for _, o := range generators.Ingress(v) {
		if c, ok := o.(*k3s.HelmChartConfig); ok && c.Name == "traefik" {
			content = c.Spec.ValuesContent
		}
	}
	if content == "" {
		t.Fatal("no HelmChartConfig rendered")
	}
	args, addrs, err := TraefikArgs(content, func(name, protocol string) string { return "127.0.0.1:" + name + "-" + protocol })
	if err != nil {
		t.Fatal(err)
	}
	if addrs[v.TURN.EntryPoint] != "127.0.0.1:"+v.TURN.EntryPoint+"-udp" {
		t.Errorf("TURN entrypoint %q not UDP: %v", v.TURN.EntryPoint, addrs)
	}
	for _, ep := range v.Ingress.EntryPoints {
		if !slices.Contains(args, "--entryPoints."+ep+".transport.respondingTimeouts.readTimeout="+v.Ingress.WebsocketTimeout) {
			t.Errorf("entrypoint %s keeps the 60s readTimeout: %v", ep, args)
		}
	}
}

func countPrefix(args []string, prefix string) int {
	n := 0
	for _, a := range args {
		if strings.HasPrefix(a, prefix) {
			n++
		}
	}
	return n
}
