package generators_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/generators"
)

// TestExpectations: what a rendering needs on the cluster and does not
// create, for each way the values change it; every line says why and how.
func TestExpectations(t *testing.T) {
	const base = "global: {hostname: kasm.example.com}\nturn: {enabled: false}\ncharts: {kasm: {name: kasm-single-zone, version: 1.16.0, repo: https://charts.example.com/}}\npostgres: {enabled: false}\nredis: {enabled: false}\n"
	const kasmAdmin = "Kasm's admin login admin@kasm.local"
	const driver = "the NVIDIA driver on every GPU node's host"
	tests := []struct {
		name, values string
		want         []string
	}{
		{"defaults: the default pool needs no label, Traefik's self-signed certificate", base, []string{
			"1 GPU node(s) in pool default",
			"a certificate for kasm.example.com and sessions.kasm.example.com",
			driver, kasmAdmin,
		}},
		{"a template on a pool: its label", base + "gpu: {nodePools: [{name: a100, nodes: 2, gpusPerNode: 1}]}\nvdi: {templates: [{name: desk, image: 'desk:1.0', nodePool: a100}]}\ningress: {tls: {secretName: web}}\n", []string{
			"namespace(s) kasm, vdi-system, before the Secrets below",
			"Secret kasm/web of type kubernetes.io/tls, key(s) tls.crt, tls.key",
			"Secret vdi-system/web of type kubernetes.io/tls, key(s) tls.crt, tls.key",
			"2 GPU node(s) labelled nvidia.com/device-plugin.config=a100",
			driver, kasmAdmin,
		}},
		{"a template on the default pool needs the label too", base + "vdi: {templates: [{name: desk, image: 'desk:1.0', nodePool: default}]}\ningress: {tls: {certResolver: acme}}\n", []string{
			"1 GPU node(s) labelled nvidia.com/device-plugin.config=default",
			"Traefik certificate resolver acme",
			driver, kasmAdmin,
		}},
		{"cert-manager: its issuer, no TLS Secret", base + "ingress: {tls: {certManager: {issuer: corp-ca, issuerKind: Issuer}}}\n", []string{
			"1 GPU node(s) in pool default",
			"cert-manager Issuer corp-ca in namespace(s) kasm, vdi-system",
			driver, kasmAdmin,
		}},
		{"gpu-operator already there, with the driver", base + "gpu: {operator: {mode: existing, driver: true}}\ningress: {tls: {certManager: {issuer: letsencrypt}}}\n", []string{
			"1 GPU node(s) in pool default",
			"cert-manager ClusterIssuer letsencrypt",
			"gpu-operator, already installed in namespace gpu-operator",
			kasmAdmin,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range generators.Expectations(load(t, tt.values)).List() {
				got = append(got, p.What)
				if p.Why == "" || p.How == "" {
					t.Errorf("%q does not say why or how: %+v", p.What, p)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestSecretCommands: the command printed for each Secret creates it with
// every key, and makes a cookie secret oauth2-proxy takes.
func TestSecretCommands(t *testing.T) {
	v := load(t, "global: {hostname: kasm.example.com}\nauth: {oidc: {issuerURL: 'https://login.example.com', clientID: vdi}}\n")
	want := map[string]string{
		"kasm/coturn-auth":    "kubectl -n kasm create secret generic coturn-auth --from-literal=username=... --from-literal=password=... --from-literal=static-auth-secret=...",
		"kasm/kasm-proxy-tls": `openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=kasm.example.com" -addext "subjectAltName=DNS:kasm.example.com" -keyout tls.key -out tls.crt && kubectl -n kasm create secret tls kasm-proxy-tls --cert=tls.crt --key=tls.key`,
		"vdi-system/vdi-oidc": `kubectl -n vdi-system create secret generic vdi-oidc --from-literal=client-secret=... --from-literal=cookie-secret="$(head -c32 /dev/urandom | base64 | tr '+/' '-_')"`,
	}
	got := map[string]string{}
	for _, s := range generators.UserSecrets(v) {
		got[s.Namespace+"/"+s.Name] = s.Command()
		for _, k := range s.Keys {
			if !strings.Contains(s.Command(), k) && s.Type == "" {
				t.Errorf("%s: the command lacks key %s", s, k)
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestSelfSignedCommand: the command printed for a Secret a self-signed
// certificate is enough for makes one that kubectl takes as a TLS Secret.
func TestSelfSignedCommand(t *testing.T) {
	for _, tool := range []string{"openssl", "kubectl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	v := load(t, "global: {hostname: kasm.example.com}\n")
	var cmd string
	for _, s := range generators.UserSecrets(v) {
		if s.Name == generators.KasmProxyCertSecret {
			cmd = s.Command()
		}
	}
	if !strings.HasPrefix(cmd, "openssl req -x509") {
		t.Fatalf("no self-signed recipe: %q", cmd)
	}
	// Without a cluster: kubectl builds the Secret on the client only.
	cmd = strings.Replace(cmd, "--key=tls.key", "--key=tls.key --dry-run=client -o yaml", 1)
	sh := exec.Command("sh", "-c", cmd)
	sh.Dir = t.TempDir()
	out, err := sh.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "type: kubernetes.io/tls") {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
}
