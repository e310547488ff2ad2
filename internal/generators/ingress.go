package generators

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vdirender/vdirender/internal/apis/k3s"
	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/values"
)

// Kasm's services behind the proxy. The kasm chart names them kasm-api and
// kasm-proxy, either fixed or as <release>-api with the release named kasm.
const (
	kasmProxyService = "kasm-proxy"
	kasmAPIService   = "kasm-api"
	kasmHTTPPort     = 8080
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
		host := v.Global.Hostname
		out = append(out, &traefik.IngressRoute{
			TypeMeta:   typeMeta(traefik.APIVersion, "IngressRoute"),
			ObjectMeta: meta("kasm", v.Global.Namespace, "ingress"),
			Spec: traefik.IngressRouteSpec{
				EntryPoints: v.Ingress.EntryPoints,
				Routes: []traefik.Route{
					{Match: fmt.Sprintf("Host(`%s`) && PathPrefix(`/api/`)", host), Kind: "Rule", Services: []traefik.Service{httpService(kasmAPIService, kasmHTTPPort)}},
					{Match: fmt.Sprintf("Host(`%s`)", host), Kind: "Rule", Services: []traefik.Service{httpService(kasmProxyService, kasmHTTPPort)}},
				},
				TLS: tls,
			},
		})
	}
	out = append(out, &traefik.IngressRoute{
		TypeMeta:   typeMeta(traefik.APIVersion, "IngressRoute"),
		ObjectMeta: meta("vdi-sessions", v.VDI.Namespace, "ingress"),
		Spec: traefik.IngressRouteSpec{
			EntryPoints: v.Ingress.EntryPoints,
			Routes: []traefik.Route{{
				Match: fmt.Sprintf("Host(`%s`) && PathPrefix(`/sessions/`)", v.Ingress.SessionHost), Kind: "Rule",
				Services: []traefik.Service{httpService(GatewayService, 80)},
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
	out = append(out, traefikConfig(v))
	return out
}

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
	Ports               map[string]traefikPort `json:"ports"`
	AdditionalArguments []string               `json:"additionalArguments,omitempty"`
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
	vals := traefikValues{Ports: map[string]traefikPort{}}
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
