package generators

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vdirender/vdirender/internal/values"
)

// Release names; Services of the charts are named after them.
const (
	kasmRelease     = "kasm"
	postgresRelease = "postgresql"
	redisRelease    = "redis"
	coturnRelease   = "coturn"
	// Bitnami moved its free images to the frozen bitnamilegacy repository in
	// August 2025; its charts refuse unknown repositories unless told.
	bitnamiRegistry = "docker.io"
)

// SubChart is one sub-chart of the platform with the values vdirender
// computed for it, in the chart's own keys.
type SubChart struct {
	// Key is the chart's key under charts: in the values file.
	Key       string
	Release   string
	Namespace string
	Chart     values.Chart
	Values    any
}

// SubCharts lists the enabled sub-charts in a fixed order.
func SubCharts(v *values.Values) []SubChart {
	ns := v.Global.Namespace
	out := []SubChart{{"kasm", kasmRelease, ns, v.Charts.Kasm, kasm(v)}}
	if *v.Postgres.Enabled {
		out = append(out, SubChart{"postgresql", postgresRelease, ns, v.Charts.PostgreSQL, postgres(v)})
	}
	if *v.Redis.Enabled {
		out = append(out, SubChart{"redis", redisRelease, ns, v.Charts.Redis, redis(v)})
	}
	if *v.TURN.Enabled {
		out = append(out, SubChart{"coturn", coturnRelease, ns, v.Charts.Coturn, coturn(v)})
	}
	if v.GPU.Operator.Mode == values.OperatorInstall {
		out = append(out, SubChart{"gpuOperator", "gpu-operator", v.GPU.Operator.Namespace, v.Charts.GPUOperator, gpuOperator(v)})
	}
	return out
}

// InlineSubCharts are the enabled sub-charts vdirender renders itself from
// vendored archives.
func InlineSubCharts(v *values.Values) []SubChart {
	var out []SubChart
	for _, c := range SubCharts(v) {
		if c.Chart.Mode == values.ChartInline {
			out = append(out, c)
		}
	}
	return out
}

// Charts renders one pinned K3s HelmChart per sub-chart in helmchart mode.
// Inline sub-charts are rendered from their archives by package chartrender.
func Charts(v *values.Values) []any {
	var out []any
	for _, c := range SubCharts(v) {
		if c.Chart.Mode == values.ChartHelmChart {
			out = append(out, helmChart(c.Release, c.Namespace, c.Chart, c.Values))
		}
	}
	return out
}

// Kasm chart (kasmtech "kasm", 1.18 line) values.
type kasmValues struct {
	PublicAddr      string            `json:"publicAddr"`
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy"`
	ProxyService    kasmService       `json:"proxyService"`
	Ingress         kasmIngress       `json:"ingress"`
	Certificate     *kasmCert         `json:"certificate,omitempty"`
	Database        kasmDatabase      `json:"database"`
	Components      kasmComponents    `json:"components"`
}

type kasmService struct {
	Type corev1.ServiceType `json:"type"`
}

type kasmIngress struct {
	Enabled          bool   `json:"enabled"`
	IngressClassName string `json:"ingressClassName,omitempty"`
	BackendProtocol  string `json:"backendProtocol"`
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
	API     resourcesOnly `json:"api"`
	Manager resourcesOnly `json:"manager"`
}

type resourcesOnly struct {
	Resources corev1.ResourceRequirements `json:"resources"`
}

func kasm(v *values.Values) kasmValues {
	ingressOn := *v.Global.Ingress.Enabled
	k := kasmValues{
		PublicAddr:      v.Global.Hostname,
		ImagePullPolicy: v.Global.Image.PullPolicy,
		// Traefik (or the chart's Ingress) fronts the proxy, so it stays internal.
		ProxyService: kasmService{Type: corev1.ServiceTypeClusterIP},
		Ingress:      kasmIngress{Enabled: ingressOn, BackendProtocol: "http"},
		Components: kasmComponents{
			API:     resourcesOnly{Resources: v.KasmAPI.Resources},
			Manager: resourcesOnly{Resources: v.KasmManager.Resources},
		},
	}
	if ingressOn {
		k.Ingress.IngressClassName = "traefik"
	}
	if v.Ingress.TLS.SecretName != "" {
		k.Certificate = &kasmCert{SecretName: v.Ingress.TLS.SecretName}
	}
	pg := v.Postgres.Primary
	if *v.Postgres.Enabled {
		// The PostgreSQL sub-chart serves Kasm; its admin secret seeds the database.
		k.Database = kasmDatabase{
			Standalone: true,
			Hostname:   postgresRelease + "." + v.Global.Namespace + ".svc.cluster.local",
			PostgresMasterUser: &kasmMasterUser{Username: "postgres",
				Secret: secretKeyRef{Name: postgresRelease, Key: "postgres-password"}},
		}
	} else {
		res := pg.Resources
		k.Database = kasmDatabase{
			Storage:   &kasmStorage{StorageClassName: pg.Persistence.StorageClass, PVCSize: wholeGiB(*pg.Persistence.Size)},
			Resources: &res,
		}
	}
	return k
}

// wholeGiB rounds a quantity up to whole GiB.
func wholeGiB(q resource.Quantity) int64 {
	const gib = 1 << 30
	return (q.Value() + gib - 1) / gib
}

// Bitnami chart values shared by postgresql and redis.
type bitnamiGlobal struct {
	DefaultStorageClass string          `json:"defaultStorageClass"`
	Security            bitnamiSecurity `json:"security"`
}

type bitnamiSecurity struct {
	AllowInsecureImages bool `json:"allowInsecureImages"`
}

type bitnamiImage struct {
	Registry   string            `json:"registry"`
	Repository string            `json:"repository"`
	PullPolicy corev1.PullPolicy `json:"pullPolicy"`
}

type bitnamiPersistence struct {
	StorageClass string            `json:"storageClass"`
	Size         resource.Quantity `json:"size"`
}

type bitnamiWorkload struct {
	Persistence bitnamiPersistence          `json:"persistence"`
	Resources   corev1.ResourceRequirements `json:"resources"`
}

type postgresValues struct {
	FullnameOverride string          `json:"fullnameOverride"`
	Global           bitnamiGlobal   `json:"global"`
	Image            bitnamiImage    `json:"image"`
	Primary          bitnamiWorkload `json:"primary"`
	Auth             *bitnamiAuth    `json:"auth,omitempty"`
}

// Inline rendering (internal/charts) refuses what a chart generates at
// random while it renders, so inline Bitnami charts are given an existing
// Secret: PostgreSQL's is the one Kasm already reads (postgresql, key
// postgres-password), Redis's is redis (key redis-password). In helmchart
// mode the charts keep generating them in the cluster.
type bitnamiAuth struct {
	ExistingSecret            string `json:"existingSecret"`
	ExistingSecretPasswordKey string `json:"existingSecretPasswordKey,omitempty"`
}

// Existing Secrets of the inline Bitnami charts.
const (
	PostgresSecret   = postgresRelease
	RedisSecret      = redisRelease
	RedisPasswordKey = "redis-password"
)

func bitnami(v *values.Values, image string) (bitnamiGlobal, bitnamiImage) {
	return bitnamiGlobal{DefaultStorageClass: v.Global.StorageClass, Security: bitnamiSecurity{AllowInsecureImages: true}},
		bitnamiImage{Registry: bitnamiRegistry, Repository: "bitnamilegacy/" + image, PullPolicy: v.Global.Image.PullPolicy}
}

func postgres(v *values.Values) postgresValues {
	g, img := bitnami(v, "postgresql")
	p := v.Postgres.Primary
	out := postgresValues{
		FullnameOverride: postgresRelease, Global: g, Image: img,
		Primary: bitnamiWorkload{
			Persistence: bitnamiPersistence{StorageClass: p.Persistence.StorageClass, Size: *p.Persistence.Size},
			Resources:   p.Resources,
		},
	}
	if v.Charts.PostgreSQL.Mode == values.ChartInline {
		out.Auth = &bitnamiAuth{ExistingSecret: PostgresSecret}
	}
	return out
}

type redisValues struct {
	FullnameOverride string          `json:"fullnameOverride"`
	Architecture     string          `json:"architecture"`
	Global           bitnamiGlobal   `json:"global"`
	Image            bitnamiImage    `json:"image"`
	Master           bitnamiWorkload `json:"master"`
	Auth             *bitnamiAuth    `json:"auth,omitempty"`
}

func redis(v *values.Values) redisValues {
	g, img := bitnami(v, "redis")
	r := v.Redis
	out := redisValues{
		FullnameOverride: redisRelease, Architecture: "standalone", Global: g, Image: img,
		Master: bitnamiWorkload{
			Persistence: bitnamiPersistence{StorageClass: r.Persistence.StorageClass, Size: *r.Persistence.Size},
			Resources:   r.Resources,
		},
	}
	if v.Charts.Redis.Mode == values.ChartInline {
		out.Auth = &bitnamiAuth{ExistingSecret: RedisSecret, ExistingSecretPasswordKey: RedisPasswordKey}
	}
	return out
}

// coturn chart (small-hack coturn-chart) values.
type coturnValues struct {
	Coturn    coturnSettings              `json:"coturn"`
	Image     coturnImage                 `json:"image"`
	Service   coturnService               `json:"service"`
	Resources corev1.ResourceRequirements `json:"resources"`
}

type coturnSettings struct {
	Realm         string               `json:"realm"`
	Auth          coturnAuth           `json:"auth"`
	Ports         coturnPorts          `json:"ports"`
	InitContainer *coturnInitContainer `json:"initContainer,omitempty"`
}

// coturnService: the chart sets externalTrafficPolicy (Cluster by default)
// whatever the type, and the API server refuses it on a ClusterIP Service;
// inline, "" leaves it out.
type coturnService struct {
	Type                  corev1.ServiceType `json:"type"`
	ExternalTrafficPolicy *string            `json:"externalTrafficPolicy,omitempty"`
}

// coturnInitContainer: the chart's config init container runs yq tagged
// latest by default, which the pinning rule refuses inline.
type coturnInitContainer struct {
	Image coturnInitImage `json:"image"`
}

type coturnInitImage struct {
	Tag string `json:"tag"`
}

// CoturnInitImageTag pins mikefarah/yq, the coturn chart's init container.
const CoturnInitImageTag = "4.44.3"

type coturnAuth struct {
	ExistingSecret string           `json:"existingSecret"`
	SecretKeys     coturnSecretKeys `json:"secretKeys"`
}

type coturnSecretKeys struct {
	StaticAuthSecret string `json:"staticAuthSecret"`
}

type coturnPorts struct {
	Listening int32 `json:"listening"`
	Min       int32 `json:"min"`
	Max       int32 `json:"max"`
}

type coturnImage struct {
	PullPolicy corev1.PullPolicy `json:"pullPolicy"`
}

// TURNSecretKey is the key of the shared secret in turn.secretName; Selkies
// reads the same secret as SELKIES_TURN_SHARED_SECRET.
const TURNSecretKey = "static-auth-secret"

func coturn(v *values.Values) coturnValues {
	t := v.TURN
	out := coturnValues{
		Coturn: coturnSettings{
			Realm: t.Realm,
			Auth:  coturnAuth{ExistingSecret: t.SecretName, SecretKeys: coturnSecretKeys{StaticAuthSecret: TURNSecretKey}},
			Ports: coturnPorts{Listening: t.Port, Min: t.MinPort, Max: t.MaxPort},
		},
		Image:   coturnImage{PullPolicy: v.Global.Image.PullPolicy},
		Service: coturnService{Type: corev1.ServiceTypeClusterIP},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		},
	}
	if v.Charts.Coturn.Mode == values.ChartInline {
		none := ""
		out.Service.ExternalTrafficPolicy = &none
		out.Coturn.InitContainer = &coturnInitContainer{Image: coturnInitImage{Tag: CoturnInitImageTag}}
	}
	return out
}
