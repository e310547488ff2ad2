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
			"namespace(s) kasm, vdi-system, before what goes in them below",
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
			"namespace(s) kasm, vdi-system, before what goes in them below",
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
		"kasm/coturn-auth":    `kubectl -n kasm create secret generic coturn-auth --from-literal=username=turn --from-literal=password="$(head -c24 /dev/urandom | base64)" --from-literal=static-auth-secret="$(head -c24 /dev/urandom | base64)"`,
		"kasm/kasm-proxy-tls": `openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=kasm.example.com" -addext "subjectAltName=DNS:kasm.example.com" -keyout tls.key -out tls.crt && kubectl -n kasm create secret tls kasm-proxy-tls --cert=tls.crt --key=tls.key`,
		"vdi-system/vdi-oidc": `kubectl -n vdi-system create secret generic vdi-oidc --from-literal=client-secret="$CLIENT_SECRET" --from-literal=cookie-secret="$(head -c32 /dev/urandom | base64 | tr '+/' '-_')"`,
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

// TestSecretCommandsRun: every command printed to make a Secret runs and
// gives each key a value (kubectl on the client only); where a self-signed
// certificate is enough, the recipe makes one kubectl takes.
func TestSecretCommandsRun(t *testing.T) {
	for _, tool := range []string{"openssl", "kubectl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	v := load(t, "global: {hostname: kasm.example.com}\nauth: {oidc: {issuerURL: 'https://login.example.com', clientID: vdi}}\ncharts: {postgresql: {mode: inline}}\n")
	selfSigned := false
	for _, s := range generators.UserSecrets(v) {
		cmd := s.Command()
		selfSigned = selfSigned || strings.HasPrefix(cmd, "openssl req -x509")
		// Without a cluster: kubectl builds the Secret on the client only.
		cmd += " --dry-run=client -o yaml"
		sh := exec.Command("sh", "-c", cmd)
		sh.Dir = t.TempDir()
		sh.Env = append(sh.Environ(), "CLIENT_SECRET=from-the-provider")
		out, err := sh.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmd, err, out)
		}
		for _, k := range s.Keys {
			if !strings.Contains(string(out), "  "+k+": ") || strings.Contains(string(out), "  "+k+": \"\"") {
				t.Errorf("%s: no value for %s:\n%s", s, k, out)
			}
		}
	}
	if !selfSigned {
		t.Error("no self-signed recipe for kasm 1.18's proxy certificate")
	}
}
