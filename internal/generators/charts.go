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
	out := []SubChart{{"kasm", kasmRelease, ns, v.Charts.Kasm, kasmValues(v)}}
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

// wholeGiB rounds a quantity up to whole GiB.
func wholeGiB(q resource.Quantity) int64 {
	const gib = 1 << 30
	return (q.Value() + gib - 1) / gib
}

// Bitnami chart values. Each workload's persistence.storageClass wins over
// global.defaultStorageClass, so no global class is sent. PostgreSQL 15.3.1
// (bitnami common 2.19.2) checks no image repository; Redis 21.2.13
// (common 2.31.0) refuses the legacy one unless told.
type bitnamiGlobal struct {
	Security bitnamiSecurity `json:"security"`
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
	Persistence bitnamiPersistence           `json:"persistence"`
	Resources   *corev1.ResourceRequirements `json:"resources,omitempty"`
}

type postgresValues struct {
	FullnameOverride string          `json:"fullnameOverride"`
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

func bitnamiImageOf(v *values.Values, image string) bitnamiImage {
	return bitnamiImage{Registry: bitnamiRegistry, Repository: "bitnamilegacy/" + image, PullPolicy: v.Global.Image.PullPolicy}
}

func postgres(v *values.Values) postgresValues {
	p := v.Postgres.Primary
	out := postgresValues{
		FullnameOverride: postgresRelease, Image: bitnamiImageOf(v, "postgresql"),
		Primary: bitnamiWorkload{
			Persistence: bitnamiPersistence{StorageClass: p.Persistence.StorageClass, Size: *p.Persistence.Size},
			Resources:   nonEmpty(p.Resources),
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
	r := v.Redis
	out := redisValues{
		FullnameOverride: redisRelease, Architecture: "standalone",
		// The legacy repository is not one the chart knows.
		Global: bitnamiGlobal{Security: bitnamiSecurity{AllowInsecureImages: true}},
		Image:  bitnamiImageOf(v, "redis"),
		Master: bitnamiWorkload{
			Persistence: bitnamiPersistence{StorageClass: r.Persistence.StorageClass, Size: *r.Persistence.Size},
			Resources:   nonEmpty(r.Resources),
		},
	}
	if v.Charts.Redis.Mode == values.ChartInline {
		out.Auth = &bitnamiAuth{ExistingSecret: RedisSecret, ExistingSecretPasswordKey: RedisPasswordKey}
	}
	return out
}

// coturn chart (small-hack coturn-chart 9.4.0) values.
type coturnValues struct {
	Coturn    coturnSettings              `json:"coturn"`
	Image     coturnImage                 `json:"image"`
	Service   coturnService               `json:"service"`
	Resources corev1.ResourceRequirements `json:"resources"`
}

type coturnService struct {
	Type corev1.ServiceType `json:"type"`
	// ExternalTrafficPolicy is sent empty: the chart writes the field
	// whenever it is set (its default is Cluster), and the API server
	// refuses it on a ClusterIP Service.
	ExternalTrafficPolicy string `json:"externalTrafficPolicy"`
}

type coturnSettings struct {
	Realm         string              `json:"realm"`
	Auth          coturnAuth          `json:"auth"`
	Ports         coturnPorts         `json:"ports"`
	InitContainer coturnInitContainer `json:"initContainer"`
}

type coturnAuth struct {
	ExistingSecret string           `json:"existingSecret"`
	SecretKeys     coturnSecretKeys `json:"secretKeys"`
}

// coturnSecretKeys name the keys the chart reads from the auth Secret: its
// init container takes all three (secretKeyRef, not optional) and writes
// user=<username>:<password> and static-auth-secret into turnserver.conf.
type coturnSecretKeys struct {
	Username         string `json:"username"`
	Password         string `json:"password"`
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

type coturnInitContainer struct {
	Image imageRef `json:"image"`
}

type imageRef struct {
	Repository string `json:"repository"`
	Tag        string `json:"tag"`
}

// Keys of the coturn auth Secret (turn.secretName), which its user creates.
// The shared secret is what Selkies calls SELKIES_TURN_SHARED_SECRET.
const (
	TURNSecretKey   = "static-auth-secret"
	TURNUsernameKey = "username"
	TURNPasswordKey = "password"
)

// The chart's init container runs yq to fill turnserver.conf from the Secret;
// it defaults to mikefarah/yq:latest, pinned here.
var coturnInitImage = imageRef{Repository: "mikefarah/yq", Tag: "4.44.3"}

func coturn(v *values.Values) coturnValues {
	t := v.TURN
	return coturnValues{
		Coturn: coturnSettings{
			Realm: t.Realm,
			Auth: coturnAuth{ExistingSecret: t.SecretName, SecretKeys: coturnSecretKeys{
				Username: TURNUsernameKey, Password: TURNPasswordKey, StaticAuthSecret: TURNSecretKey,
			}},
			Ports:         coturnPorts{Listening: t.Port, Min: t.MinPort, Max: t.MaxPort},
			InitContainer: coturnInitContainer{Image: coturnInitImage},
		},
		Image:   coturnImage{PullPolicy: v.Global.Image.PullPolicy},
		Service: coturnService{Type: corev1.ServiceTypeClusterIP},
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		},
	}
}
