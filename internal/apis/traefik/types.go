// Package traefik holds the subset of Traefik v3's CRD types
// (traefik.io/v1alpha1) that vdirender emits. Traefik's own Go module pulls
// its whole dynamic configuration tree, so the few fields we need are
// restated here with the upstream JSON names.
package traefik

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// APIVersion of every Traefik v3 CRD; traefik.containo.us is gone in v3.
const APIVersion = "traefik.io/v1alpha1"

// IngressRoute is an HTTP router.
type IngressRoute struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              IngressRouteSpec `json:"spec"`
}

// IngressRouteSpec holds the routes of one router.
type IngressRouteSpec struct {
	EntryPoints []string `json:"entryPoints,omitempty"`
	Routes      []Route  `json:"routes"`
	TLS         *TLS     `json:"tls,omitempty"`
}

// Route matches requests to services.
type Route struct {
	Match       string          `json:"match"`
	Kind        string          `json:"kind,omitempty"`
	Priority    int             `json:"priority,omitempty"`
	Middlewares []MiddlewareRef `json:"middlewares,omitempty"`
	Services    []Service       `json:"services,omitempty"`
}

// Service is a Kubernetes Service backend.
type Service struct {
	Name             string             `json:"name"`
	Namespace        string             `json:"namespace,omitempty"`
	Kind             string             `json:"kind,omitempty"`
	Port             intstr.IntOrString `json:"port"`
	Scheme           string             `json:"scheme,omitempty"`
	ServersTransport string             `json:"serversTransport,omitempty"`
	PassHostHeader   *bool              `json:"passHostHeader,omitempty"`
}

// TLS terminates TLS with a Secret or a certificate resolver.
type TLS struct {
	SecretName   string `json:"secretName,omitempty"`
	CertResolver string `json:"certResolver,omitempty"`
}

// IngressRouteUDP forwards UDP datagrams; UDP routes have no match.
type IngressRouteUDP struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              IngressRouteUDPSpec `json:"spec"`
}

// IngressRouteUDPSpec holds the UDP routes.
type IngressRouteUDPSpec struct {
	EntryPoints []string   `json:"entryPoints,omitempty"`
	Routes      []RouteUDP `json:"routes"`
}

// RouteUDP forwards to services.
type RouteUDP struct {
	Services []ServiceUDP `json:"services"`
}

// ServiceUDP is a UDP backend.
type ServiceUDP struct {
	Name      string             `json:"name"`
	Namespace string             `json:"namespace,omitempty"`
	Port      intstr.IntOrString `json:"port"`
}

// MiddlewareRef names a Middleware of the route's namespace (or another).
type MiddlewareRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// Middleware is a traefik.io/v1alpha1 Middleware; vdirender renders only
// forwardAuth ones.
type Middleware struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              MiddlewareSpec `json:"spec"`
}

// MiddlewareSpec holds one middleware.
type MiddlewareSpec struct {
	ForwardAuth *ForwardAuth `json:"forwardAuth,omitempty"`
}

// ForwardAuth asks an authentication server about each request: a 2xx
// answer lets the request through with AuthResponseHeaders copied onto it,
// any other answer (a login redirect, 401, 403) goes back to the client.
type ForwardAuth struct {
	Address string `json:"address"`
	// TrustForwardHeader passes the client's own X-Forwarded-* headers on;
	// false makes Traefik set them.
	TrustForwardHeader       bool     `json:"trustForwardHeader,omitempty"`
	AuthResponseHeaders      []string `json:"authResponseHeaders,omitempty"`
	AddAuthCookiesToResponse []string `json:"addAuthCookiesToResponse,omitempty"`
}
