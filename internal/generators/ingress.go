package generators

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/values"
)

// Ingress renders the Traefik v3 routes: Kasm (web, API and its websocket
// upgrades, which Traefik passes without middleware), session websockets
// through the operator's gateway, UDP to coturn, and a HelmChartConfig that
// adds the TURN entrypoint and lifts Traefik v3's 60 s readTimeout, which
// would cut every desktop stream after a minute.
func Ingress(v *values.Values) []any {
	var out []any
	tls := routeTLS(v.Ingress.TLS)
	if !*v.Global.Ingress.Enabled {
		out = append(out, &traefik.IngressRoute{
			TypeMeta:   typeMeta(traefik.APIVersion, "IngressRoute"),
			ObjectMeta: meta("kasm", v.Global.Namespace, "ingress"),
			Spec: traefik.IngressRouteSpec{
				EntryPoints: v.Ingress.EntryPoints,
				Routes:      kasmRoutes(v),
				TLS:         tls,
			},
		})
	}
	// With a login, every session request passes it first (login.go).
	var login []traefik.MiddlewareRef
	if v.Auth.OIDC != nil {
		login = []traefik.MiddlewareRef{{Name: LoginName}}
	}
	out = append(out, &traefik.IngressRoute{
		TypeMeta:   typeMeta(traefik.APIVersion, "IngressRoute"),
		ObjectMeta: meta("vdi-sessions", v.VDI.Namespace, "ingress"),
		Spec: traefik.IngressRouteSpec{
			EntryPoints: v.Ingress.EntryPoints,
			Routes: []traefik.Route{{
				Match: fmt.Sprintf("Host(`%s`) && PathPrefix(`/sessions/`)", v.Ingress.SessionHost), Kind: "Rule",
				Middlewares: login,
				Services:    []traefik.Service{httpService(GatewayService, 80)},
			}},
			TLS: tls,
		},
	})
	if *v.TURN.Enabled {
		out = append(out, &traefik.IngressRouteUDP{
			TypeMeta:   typeMeta(traefik.APIVersion, "IngressRouteUDP"),
			ObjectMeta: meta("coturn", v.Global.Namespace, "turn"),
			Spec: traefik.IngressRouteUDPSpec{
				EntryPoints: []string{v.TURN.EntryPoint},
				Routes: []traefik.RouteUDP{{Services: []traefik.ServiceUDP{{
					Name: coturnRelease + "-turn-udp", Port: intstr.FromInt32(v.TURN.Port),
				}}}},
			},
		})
	}
	if *v.Ingress.Traefik.ManageHelmChartConfig {
		out = append(out, traefikConfig(v))
	}
	return out
}

// TraefikValues are the K3s Traefik chart values the platform needs (the
// HelmChartConfig's valuesContent), to merge by hand when vdirender does
// not manage the HelmChartConfig.
func TraefikValues(v *values.Values) string { return traefikConfig(v).Spec.ValuesContent }

func httpService(name string, port int) traefik.Service {
	return traefik.Service{Name: name, Kind: "Service", Port: intstr.FromInt(port), Scheme: "http"}
}

func routeTLS(t values.TLS) *traefik.TLS {
	if t.SecretName == "" && t.CertResolver == "" {
		return &traefik.TLS{}
	}
	return &traefik.TLS{SecretName: t.SecretName, CertResolver: t.CertResolver}
}

// Values of the K3s-packaged Traefik chart that vdirender overrides.
type traefikValues struct {
	Ports               map[string]traefikPort      `json:"ports"`
	AdditionalArguments []string                    `json:"additionalArguments,omitempty"`
	Resources           corev1.ResourceRequirements `json:"resources"`
}

type traefikPort struct {
	Port        int32             `json:"port,omitempty"`
	ExposedPort int32             `json:"exposedPort,omitempty"`
	Protocol    string            `json:"protocol,omitempty"`
	Expose      *traefikExpose    `json:"expose,omitempty"`
	Transport   *traefikTransport `json:"transport,omitempty"`
}

type traefikExpose struct {
	Default bool `json:"default"`
}

type traefikTransport struct {
	RespondingTimeouts respondingTimeouts `json:"respondingTimeouts"`
}

type respondingTimeouts struct {
	ReadTimeout  string `json:"readTimeout"`
	WriteTimeout string `json:"writeTimeout"`
	IdleTimeout  string `json:"idleTimeout"`
}

func traefikConfig(v *values.Values) *k3s.HelmChartConfig {
	vals := traefikValues{Ports: map[string]traefikPort{}, Resources: v.Ingress.Resources}
	t := v.Ingress.WebsocketTimeout
	for _, ep := range v.Ingress.EntryPoints {
		vals.Ports[ep] = traefikPort{Transport: &traefikTransport{RespondingTimeouts: respondingTimeouts{ReadTimeout: t, WriteTimeout: t, IdleTimeout: t}}}
	}
	if *v.TURN.Enabled {
		vals.Ports[v.TURN.EntryPoint] = traefikPort{Port: v.TURN.Port, ExposedPort: v.TURN.Port, Protocol: "UDP", Expose: &traefikExpose{Default: true}}
		// Traefik releases an idle UDP session after 3 s by default; TURN
		// allocations refresh far less often.
		vals.AdditionalArguments = []string{fmt.Sprintf("--entryPoints.%s.udp.timeout=%s", v.TURN.EntryPoint, v.TURN.UDPTimeout)}
	}
	return &k3s.HelmChartConfig{
		TypeMeta:   typeMeta(k3s.APIVersion, "HelmChartConfig"),
		ObjectMeta: meta("traefik", k3s.Namespace, "ingress"),
		Spec:       k3s.HelmChartConfigSpec{ValuesContent: mustYAML(vals)},
	}
}
