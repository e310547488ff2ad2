// Package certmanager holds the subset of cert-manager's Certificate type
// (cert-manager.io/v1) that vdirender emits. cert-manager's own Go module
// would move every Kubernetes module of the build, so the few fields used
// are restated here with the upstream JSON names; the end-to-end tests
// apply them against cert-manager's own CRDs.
package certmanager

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Group and APIVersion of cert-manager's resources.
const (
	Group      = "cert-manager.io"
	APIVersion = Group + "/v1"
)

// Certificate asks cert-manager for a certificate, kept in a Secret.
type Certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              CertificateSpec `json:"spec"`
}

// CertificateSpec says what to issue, by whom, and where to keep it.
type CertificateSpec struct {
	// SecretName is the kubernetes.io/tls Secret cert-manager writes.
	SecretName string    `json:"secretName"`
	DNSNames   []string  `json:"dnsNames"`
	IssuerRef  IssuerRef `json:"issuerRef"`
}

// IssuerRef names an Issuer or ClusterIssuer.
type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Group string `json:"group"`
}
