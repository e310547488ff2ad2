package generators_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/apis/certmanager"
	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/generators"
)

// TestCertificates: with ingress.tls.certManager, one Certificate per
// namespace whose routes read the TLS Secret, for that namespace's hosts,
// and every route reads the Secret cert-manager writes.
func TestCertificates(t *testing.T) {
	const base = "global: {hostname: kasm.example.com}\n"
	type cert struct{ namespace, secret, hosts, issuer string }
	tests := []struct {
		name, values string
		want         []cert
	}{
		{"no cert-manager, no Certificate", base + "ingress: {tls: {secretName: mine}}\n", nil},
		{"a ClusterIssuer by default, Secret vdi-tls", base + "ingress: {tls: {certManager: {issuer: letsencrypt}}}\n", []cert{
			{"kasm", "vdi-tls", "kasm.example.com", "ClusterIssuer/letsencrypt"},
			{"vdi-system", "vdi-tls", "sessions.kasm.example.com", "ClusterIssuer/letsencrypt"},
		}},
		{"an Issuer and the user's Secret name and session host", base + "ingress: {sessionHost: desk.example.com, tls: {secretName: web-tls, certManager: {issuer: corp-ca, issuerKind: Issuer}}}\n", []cert{
			{"kasm", "web-tls", "kasm.example.com", "Issuer/corp-ca"},
			{"vdi-system", "web-tls", "desk.example.com", "Issuer/corp-ca"},
		}},
		{"one namespace, one Certificate for both hosts", base + "vdi: {namespace: kasm}\ningress: {tls: {certManager: {issuer: letsencrypt}}}\n", []cert{
			{"kasm", "vdi-tls", "kasm.example.com,sessions.kasm.example.com", "ClusterIssuer/letsencrypt"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := load(t, tt.values)
			var got []cert
			for _, o := range generators.Certificates(v) {
				c := o.(*certmanager.Certificate)
				if c.APIVersion != "cert-manager.io/v1" || c.Kind != "Certificate" || c.Spec.IssuerRef.Group != "cert-manager.io" {
					t.Errorf("not a cert-manager v1 Certificate: %+v", c)
				}
				hosts := ""
				for i, h := range c.Spec.DNSNames {
					if i > 0 {
						hosts += ","
					}
					hosts += h
				}
				got = append(got, cert{c.Namespace, c.Spec.SecretName, hosts, c.Spec.IssuerRef.Kind + "/" + c.Spec.IssuerRef.Name})
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(cert{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// The HTTPS routes read the Secret the Certificates write.
			if len(got) > 0 {
				for _, o := range append(generators.Ingress(v), generators.Login(v)...) {
					if r, ok := o.(*traefik.IngressRoute); ok && (r.Spec.TLS == nil || r.Spec.TLS.SecretName != got[0].secret) {
						t.Errorf("IngressRoute %s has TLS %+v, not Secret %s", r.Name, r.Spec.TLS, got[0].secret)
					}
				}
			}
		})
	}
}
