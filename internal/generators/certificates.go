package generators

import (
	"github.com/vdirender/vdirender/internal/apis/certmanager"
	"github.com/vdirender/vdirender/internal/values"
)

// Certificates renders, with ingress.tls.certManager, one cert-manager
// Certificate per namespace whose routes read the TLS Secret: Traefik reads
// a route's Secret from the route's own namespace, so Kasm's host and the
// sessions' host each get theirs.
func Certificates(v *values.Values) []any {
	cm := v.Ingress.TLS.CertManager
	if cm == nil {
		return nil
	}
	issuer := certmanager.IssuerRef{Name: cm.Issuer, Kind: cm.IssuerKind, Group: certmanager.Group}
	cert := func(namespace string, hosts ...string) *certmanager.Certificate {
		return &certmanager.Certificate{
			TypeMeta:   typeMeta(certmanager.APIVersion, "Certificate"),
			ObjectMeta: meta(v.Ingress.TLS.SecretName, namespace, "ingress"),
			Spec:       certmanager.CertificateSpec{SecretName: v.Ingress.TLS.SecretName, DNSNames: hosts, IssuerRef: issuer},
		}
	}
	if v.Global.Namespace == v.VDI.Namespace {
		return []any{cert(v.Global.Namespace, v.Global.Hostname, v.Ingress.SessionHost)}
	}
	return []any{
		cert(v.Global.Namespace, v.Global.Hostname),
		cert(v.VDI.Namespace, v.Ingress.SessionHost),
	}
}
