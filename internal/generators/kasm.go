package generators

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/values"
)

// Kasm comes in two charts with unrelated values, chosen by the pinned
// chart's name (charts.kasm.name): "kasm", the 1.18 chart Kasm publishes
// (the default), and "kasm-single-zone", the 1.16 technical preview. Each
// has its own translation below and its own routes: the Service names and
// ports are the ones each chart's templates create.

// KasmProxyCertSecret is the TLS Secret (keys tls.crt and tls.key) that the
// proxy of the kasm 1.18 chart mounts when the route's TLS does not come
// from a Secret (a certificate resolver, or Traefik's default certificate).
// The chart generates none: without cert-manager its user creates it.
const KasmProxyCertSecret = "kasm-proxy-tls"

// kasmValues returns the values of the pinned Kasm chart.
func kasmValues(v *values.Values) any {
	if v.Charts.Kasm.Name == values.KasmSingleZoneChart {
		return kasmSingleZone(v)
	}
	return kasm(v)
}

// kasmRoutes are the Traefik routes to the Services of the pinned chart,
// those its own Ingress uses.
func kasmRoutes(v *values.Values) []traefik.Route {
	host := v.Global.Hostname
	if v.Charts.Kasm.Name == values.KasmSingleZoneChart {
		// templates/ingress.yaml: / to kasm-proxy, /api/ to kasm-api and,
		// with kasm-share deployed (its default), /api/share/ to kasm-share.
		return []traefik.Route{
			{Match: fmt.Sprintf("Host(`%s`) && PathPrefix(`/api/share/`)", host), Kind: "Rule", Services: []traefik.Service{httpService("kasm-share", 8182)}},
			{Match: fmt.Sprintf("Host(`%s`) && PathPrefix(`/api/`)", host), Kind: "Rule", Services: []traefik.Service{httpService("kasm-api", 8080)}},
			{Match: fmt.Sprintf("Host(`%s`)", host), Kind: "Rule", Services: []traefik.Service{httpService("kasm-proxy", 8080)}},
		}
	}
	// The 1.18 chart's Ingress sends everything to the proxy of the first
	// zone, kasm-proxy-<zone> ("default" without kasmZones), on 8080 for
	// backendProtocol http; the proxy routes /api itself.
	return []traefik.Route{
		{Match: fmt.Sprintf("Host(`%s`)", host), Kind: "Rule", Services: []traefik.Service{httpService("kasm-proxy-default", 8080)}},
	}
}

// Values of the kasm chart (kasmtech/kasm-helm charts/kasm, 1.18 line).
type kasm118Values struct {
	PublicAddr      string            `json:"publicAddr"`
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy"`
	ProxyService    serviceType       `json:"proxyService"`
	Ingress         kasmIngress       `json:"ingress"`
	Certificate     kasmCert          `json:"certificate"`
	Database        kasmDatabase      `json:"database"`
	Components      kasmComponents    `json:"components,omitzero"`
}

type serviceType struct {
	Type corev1.ServiceType `json:"type"`
}

type kasmIngress struct {
	Enabled bool `json:"enabled"`
	// TLS is sent false when a certificate resolver serves the host: the
	// chart's tls section would otherwise put the proxy's certificate on it.
	TLS              *bool             `json:"tls,omitempty"`
	IngressClassName string            `json:"ingressClassName,omitempty"`
	BackendProtocol  string            `json:"backendProtocol,omitempty"`
	Annotations      map[string]string `json:"annotations,omitempty"`
}

type kasmCert struct {
	SecretName string `json:"secretName"`
}

type kasmDatabase struct {
	Standalone         bool                         `json:"standalone"`
	Hostname           string                       `json:"hostname,omitempty"`
	PostgresMasterUser *kasmMasterUser              `json:"postgresMasterUser,omitempty"`
	Storage            *kasmStorage                 `json:"storage,omitempty"`
	Resources          *corev1.ResourceRequirements `json:"resources,omitempty"`
}

type kasmMasterUser struct {
	Username string       `json:"username"`
	Secret   secretKeyRef `json:"secret"`
}

type secretKeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

type kasmStorage struct {
	StorageClassName string `json:"storageClassName"`
	// PVCSize is whole GiB, as the chart reads it.
	PVCSize int64 `json:"pvcSize"`
}

type kasmComponents struct {
	API     resourcesOnly `json:"api,omitzero"`
	Manager resourcesOnly `json:"manager,omitzero"`
}

type resourcesOnly struct {
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

// Traefik's Ingress annotations (kubernetesIngress provider).
const (
	traefikEntryPointsAnnotation  = "traefik.ingress.kubernetes.io/router.entrypoints"
	traefikTLSAnnotation          = "traefik.ingress.kubernetes.io/router.tls"
	traefikCertResolverAnnotation = "traefik.ingress.kubernetes.io/router.tls.certresolver"
)

// PostgresAdminSecretKey is the key of the PostgreSQL admin password in the
// Secret the PostgreSQL chart creates (named after its fullname).
const PostgresAdminSecretKey = "postgres-password"

func kasm(v *values.Values) kasm118Values {
	tls := v.Ingress.TLS
	k := kasm118Values{
		PublicAddr:      v.Global.Hostname,
		ImagePullPolicy: v.Global.Image.PullPolicy,
		// Traefik (or the chart's Ingress) fronts the proxy, so it stays
		// internal; the default LoadBalancer would ask K3s's ServiceLB for
		// the port Traefik holds.
		ProxyService: serviceType{Type: corev1.ServiceTypeClusterIP},
		Ingress:      kasmIngress{Enabled: *v.Global.Ingress.Enabled},
		// The proxy mounts this Secret's tls.crt and tls.key whatever fronts
		// it; an empty name renders a volume no pod can start with.
		Certificate: kasmCert{SecretName: KasmProxyCertSecret},
		Components: kasmComponents{
			API:     resourcesOnly{Resources: nonEmpty(v.KasmAPI.Resources)},
			Manager: resourcesOnly{Resources: nonEmpty(v.KasmManager.Resources)},
		},
	}
	if tls.SecretName != "" {
		k.Certificate.SecretName = tls.SecretName
	}
	if k.Ingress.Enabled {
		k.Ingress.IngressClassName = "traefik"
		k.Ingress.BackendProtocol = "http"
		k.Ingress.Annotations = map[string]string{traefikEntryPointsAnnotation: strings.Join(v.Ingress.EntryPoints, ",")}
		if tls.CertResolver != "" {
			off := false
			k.Ingress.TLS = &off
			k.Ingress.Annotations[traefikTLSAnnotation] = "true"
			k.Ingress.Annotations[traefikCertResolverAnnotation] = tls.CertResolver
		}
	}
	pg := v.Postgres.Primary
	if *v.Postgres.Enabled {
		// The PostgreSQL sub-chart serves Kasm; its admin secret seeds the database.
		k.Database = kasmDatabase{
			Standalone: true,
			Hostname:   postgresRelease + "." + v.Global.Namespace + ".svc.cluster.local",
			PostgresMasterUser: &kasmMasterUser{Username: "postgres",
				Secret: secretKeyRef{Name: postgresRelease, Key: PostgresAdminSecretKey}},
		}
	} else {
		k.Database = kasmDatabase{
			Storage:   &kasmStorage{StorageClassName: pg.Persistence.StorageClass, PVCSize: wholeGiB(*pg.Persistence.Size)},
			Resources: nonEmpty(pg.Resources),
		}
	}
	return k
}

// Values of kasm-single-zone (kasmtech/kasm-helm kasm-single-zone, 1.16).
type kasmSZValues struct {
	Global    kasmSZGlobal `json:"global"`
	KasmApp   kasmSZApp    `json:"kasmApp"`
	KasmCerts *kasmSZCerts `json:"kasmCerts,omitempty"`
}

type kasmSZGlobal struct {
	Hostname string      `json:"hostname"`
	Image    kasmSZImage `json:"image"`
}

type kasmSZImage struct {
	PullPolicy corev1.PullPolicy `json:"pullPolicy"`
}

type kasmSZApp struct {
	ServicesToDeploy kasmSZServices `json:"servicesToDeploy"`
}

type kasmSZServices struct {
	KasmProxy       kasmSZService `json:"kasmProxy"`
	DB              kasmSZDB      `json:"db"`
	KasmAPI         kasmSZService `json:"kasmApi"`
	KasmManager     kasmSZService `json:"kasmManager"`
	KasmGuac        kasmSZService `json:"kasmGuac"`
	RDPGateway      kasmSZService `json:"rdpGateway"`
	RDPHTTPSGateway kasmSZService `json:"rdpHttpsGateway"`
	KasmShare       kasmSZService `json:"kasmShare"`
	KasmRedis       resourcesOnly `json:"kasmRedis,omitzero"`
}

type kasmSZService struct {
	// Replicas is required by the chart's schema for these seven services
	// (its values.yaml leaves them null, which fails it).
	Replicas  int32                        `json:"replicas"`
	Resources *corev1.ResourceRequirements `json:"resources,omitempty"`
}

type kasmSZDB struct {
	StorageClassName string                       `json:"storageClassName"`
	Resources        *corev1.ResourceRequirements `json:"resources,omitempty"`
}

type kasmSZCerts struct {
	Ingress kasmSZCert `json:"ingress"`
}

type kasmSZCert struct {
	Name   string `json:"name"`
	Create bool   `json:"create"`
}

// kasmSZReplicas is one of each service, for the single node this chart is
// for: its own "small" preset runs three API servers and two proxies and
// managers.
const kasmSZReplicas = 1

func kasmSingleZone(v *values.Values) kasmSZValues {
	one := kasmSZService{Replicas: kasmSZReplicas}
	pg := v.Postgres.Primary
	k := kasmSZValues{
		Global: kasmSZGlobal{Hostname: v.Global.Hostname, Image: kasmSZImage{PullPolicy: v.Global.Image.PullPolicy}},
		KasmApp: kasmSZApp{ServicesToDeploy: kasmSZServices{
			KasmProxy:   one,
			DB:          kasmSZDB{StorageClassName: pg.Persistence.StorageClass, Resources: nonEmpty(pg.Resources)},
			KasmAPI:     kasmSZService{Replicas: kasmSZReplicas, Resources: nonEmpty(v.KasmAPI.Resources)},
			KasmManager: kasmSZService{Replicas: kasmSZReplicas, Resources: nonEmpty(v.KasmManager.Resources)},
			// The small preset of guac has no CPU limit; the chart takes
			// resources whole, so the preset is restated with one.
			KasmGuac:        kasmSZService{Replicas: kasmSZReplicas, Resources: kasmSZGuacResources(v)},
			RDPGateway:      one,
			RDPHTTPSGateway: one,
			KasmShare:       one,
			KasmRedis:       resourcesOnly{Resources: nonEmpty(v.Redis.Resources)},
		}},
	}
	if s := v.Ingress.TLS.SecretName; s != "" {
		// The chart's Ingress (rendered whatever global.ingress says) and the
		// IngressRoute present the same certificate.
		k.KasmCerts = &kasmSZCerts{Ingress: kasmSZCert{Name: s, Create: false}}
	}
	return k
}

// kasmSZGuacResources is kasm-single-zone's "small" preset for guac
// (templates/_resources.tpl) with the CPU limit it lacks, taken from the
// platform's container defaults for Deployments. The chart's schema allows
// only cpu and memory here, so the preset's ephemeral-storage goes.
func kasmSZGuacResources(v *values.Values) *corev1.ResourceRequirements {
	cpu := v.ContainerResources("Deployment").Limits[corev1.ResourceCPU]
	return &corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
		},
		Limits: corev1.ResourceList{corev1.ResourceCPU: cpu, corev1.ResourceMemory: resource.MustParse("256Mi")},
	}
}

// nonEmpty is r, or nil when it sets nothing: an empty resources map would
// only restate the chart's default.
func nonEmpty(r corev1.ResourceRequirements) *corev1.ResourceRequirements {
	if len(r.Limits) == 0 && len(r.Requests) == 0 {
		return nil
	}
	return &r
}
