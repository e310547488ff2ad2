package values

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vdirender/vdirender/internal/platform"
)

// Default versions and images. Every chart is pinned to an exact version; a
// values file may pin another one, never a range.
var defaultCharts = Charts{
	Kasm:        Chart{Repo: "https://helm.kasmweb.com/", Name: "kasm", Version: "1.1181.1"},
	PostgreSQL:  Chart{Repo: "https://charts.bitnami.com/bitnami", Name: "postgresql", Version: "15.3.1"},
	Redis:       Chart{Repo: "https://charts.bitnami.com/bitnami", Name: "redis", Version: "21.2.13"},
	Coturn:      Chart{Repo: "https://small-hack.github.io/coturn-chart/", Name: "coturn", Version: "9.4.0"},
	GPUOperator: Chart{Repo: "https://helm.ngc.nvidia.com/nvidia", Name: "gpu-operator", Version: "v25.10.1"},
}

// The Kasm charts vdirender has a translation for, by chart name. KasmChart
// is the chart Kasm publishes (the 1.18 line, the default);
// KasmSingleZoneChart is the 1.16 technical preview that Kasm never
// published in a chart repository, so it has no default repo: it is served
// from wherever its user packaged it.
const (
	KasmChart           = "kasm"
	KasmSingleZoneChart = "kasm-single-zone"
)

var defaultKasmSingleZone = Chart{Name: KasmSingleZoneChart, Version: "1.16.0"}

// KasmSingleZoneDBSize is the size of the database volume that
// kasm-single-zone 1.16 hard-codes in its StatefulSet.
const KasmSingleZoneDBSize = "8Gi"

// DefaultKubeVersion is the Kubernetes line of current K3s releases.
const DefaultKubeVersion = "v1.35.4"

// defaultAPIVersions are what a K3s v1.35 cluster with the platform's CRDs
// serves, as inline charts see it in .Capabilities.APIVersions.
var defaultAPIVersions = []string{
	"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2",
	"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
	"apiextensions.k8s.io/v1", "admissionregistration.k8s.io/v1", "coordination.k8s.io/v1",
	"node.k8s.io/v1", "scheduling.k8s.io/v1", "discovery.k8s.io/v1",
	"traefik.io/v1alpha1", "helm.cattle.io/v1", "nvidia.com/v1", "vdi.vdirender.dev/v1alpha1",
}

// Release is vdirender's version: what `vdirender version` prints and the
// tag of the operator image a rendering names, so that the binary and the
// image it deploys are the same release.
const Release = "v0.1.0"

// DefaultOperatorImage is the VDI operator image rendered when none is given:
// this release's image.
const DefaultOperatorImage = "ghcr.io/vdirender/vdirender:" + Release

// DefaultAuthProxyImage is oauth2-proxy's image at the version the tests
// build from its module (tools/oauth2-proxy).
const DefaultAuthProxyImage = "quay.io/oauth2-proxy/oauth2-proxy:v7.15.6"

// Defaults of the login.
const (
	DefaultOIDCSecret     = "vdi-oidc"
	DefaultUsernameClaim  = "preferred_username"
	DefaultGroupsClaim    = "groups"
	DefaultCookieRefresh  = "1m"
	DefaultResumeInterval = "10s"
	DefaultResumeBurst    = 3
	DefaultMaxRequestBody = "256Mi"
	ClientSecretKey       = "client-secret"
	CookieSecretKey       = "cookie-secret"
)

// DefaultScopes are asked of the provider; add groups (Dex) or whatever
// scope makes yours send the groups claim.
var DefaultScopes = []string{"openid", "email", "profile"}

// Default names and sizes.
const (
	DefaultKasmNamespace    = "kasm"
	DefaultGPUNamespace     = "gpu-operator"
	DefaultVDINamespace     = "vdi-system"
	DefaultSessionNamespace = "vdi-sessions"
	DefaultConfigMapName    = "time-slicing-config"
	DefaultReplicas         = 8
	DefaultStreamingPort    = 8080
	DefaultTURNPort         = 3478
	DefaultWebsocketTimeout = "3600s"
	DefaultUDPTimeout       = "60s"
	DefaultIdleTimeout      = "30m"
	DefaultMaxSession       = "8h"
	DefaultMountPath        = "/home/user"
)

// cert-manager's issuer kinds, and the Secret its Certificates fill when
// ingress.tls.secretName is not given.
const (
	ClusterIssuerKind        = "ClusterIssuer"
	IssuerKind               = "Issuer"
	DefaultCertManagerSecret = "vdi-tls"
)

func quantity(s string) resource.Quantity { return resource.MustParse(s) }

// sessionResources are the platform's defaults for one desktop: one time-slice
// of a GPU and enough CPU and memory for a desktop on a 4-8 GB node.
func sessionResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Limits: corev1.ResourceList{
			corev1.ResourceCPU: quantity("1000m"), corev1.ResourceMemory: quantity("4Gi"), platform.GPUResource: quantity("1"),
		},
		Requests: corev1.ResourceList{
			corev1.ResourceCPU: quantity("250m"), corev1.ResourceMemory: quantity("1Gi"), platform.GPUResource: quantity("1"),
		},
	}
}

// traefikResources size K3s's Traefik: little at rest, a whole core for
// the websocket streams of several desktops.
func traefikResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: quantity("1"), corev1.ResourceMemory: quantity("512Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: quantity("100m"), corev1.ResourceMemory: quantity("128Mi")},
	}
}

func authProxyResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: quantity("200m"), corev1.ResourceMemory: quantity("128Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: quantity("20m"), corev1.ResourceMemory: quantity("32Mi")},
	}
}

func operatorResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: quantity("500m"), corev1.ResourceMemory: quantity("256Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: quantity("50m"), corev1.ResourceMemory: quantity("64Mi")},
	}
}

// DefaultKind keys the container defaults used for every workload kind not
// listed in containerDefaults.
const DefaultKind = "default"

// containerResources is what a container without CPU or memory settings gets.
func containerResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: quantity("500m"), corev1.ResourceMemory: quantity("512Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: quantity("100m"), corev1.ResourceMemory: quantity("128Mi")},
	}
}

// ContainerResources returns the defaults for containers of a workload kind.
func (v *Values) ContainerResources(kind string) corev1.ResourceRequirements {
	if r, ok := v.ContainerDefaults[kind]; ok {
		return r
	}
	return v.ContainerDefaults[DefaultKind]
}

// Defaults returns values with every default filled, for checks that run
// without a values file.
func Defaults() *Values {
	v := &Values{}
	v.Default()
	return v
}

// Default fills every field the user left out. It never overrides what the
// user wrote, so defaulting twice is the same as once.
func (v *Values) Default() {
	g := &v.Global
	setString(&g.Namespace, DefaultKasmNamespace)
	setString(&g.StorageClass, platform.StorageClass)
	if g.Image.PullPolicy == "" {
		g.Image.PullPolicy = corev1.PullIfNotPresent
	}
	setBool(&g.Ingress.Enabled, false)

	// kasm-single-zone runs its own database and Redis and can use no other,
	// so the sub-charts are off unless the values turn them on (an error).
	setString(&v.Charts.Kasm.Name, defaultCharts.Kasm.Name)
	singleZone := v.Charts.Kasm.Name == KasmSingleZoneChart
	setBool(&v.Postgres.Enabled, !singleZone)
	setString(&v.Postgres.Primary.Persistence.StorageClass, g.StorageClass)
	setQuantity(&v.Postgres.Primary.Persistence.Size, "8Gi")
	setBool(&v.Redis.Enabled, !singleZone)
	setString(&v.Redis.Persistence.StorageClass, g.StorageClass)
	setQuantity(&v.Redis.Persistence.Size, "1Gi")

	gpu := &v.GPU
	setString(&gpu.Operator.Mode, OperatorInstall)
	setString(&gpu.Operator.Namespace, DefaultGPUNamespace)
	setBool(&gpu.Operator.Driver, false)
	setString(&gpu.TimeSlicing.ConfigMapName, DefaultConfigMapName)
	if gpu.TimeSlicing.Replicas == 0 {
		gpu.TimeSlicing.Replicas = DefaultReplicas
	}
	setBool(&gpu.TimeSlicing.FailRequestsGreaterThanOne, true)
	if len(gpu.NodePools) == 0 {
		gpu.NodePools = []NodePool{{Name: "default", Nodes: 1, GPUsPerNode: 1}}
	}
	for i := range gpu.NodePools {
		if gpu.NodePools[i].Replicas == 0 {
			gpu.NodePools[i].Replicas = gpu.TimeSlicing.Replicas
		}
	}

	vdi := &v.VDI
	setString(&vdi.Namespace, DefaultVDINamespace)
	setString(&vdi.SessionNamespace, DefaultSessionNamespace)
	setString(&vdi.Operator.Image, DefaultOperatorImage)
	setString(&vdi.Operator.LogLevel, "info")
	setString(&vdi.Operator.LogFormat, "text")
	if vdi.Operator.Replicas == nil {
		one := int32(1)
		vdi.Operator.Replicas = &one
	}
	fillResources(&vdi.Operator.Resources, operatorResources())
	fillResources(&vdi.SessionDefaults.Resources, sessionResources())
	setString(&vdi.SessionDefaults.IdleTimeout, DefaultIdleTimeout)
	setString(&vdi.SessionDefaults.MaxSessionLength, DefaultMaxSession)
	setQuantity(&vdi.SessionDefaults.Storage.Size, "20Gi")
	setString(&vdi.SessionDefaults.Storage.MountPath, DefaultMountPath)
	for i := range vdi.Templates {
		t := &vdi.Templates[i]
		setString(&t.Streaming.Protocol, ProtocolWebRTC)
		if t.Streaming.Port == 0 {
			t.Streaming.Port = DefaultStreamingPort
		}
		if t.Resources == nil {
			t.Resources = &corev1.ResourceRequirements{}
		}
		// A GPU limit alone means requests equal to it, as Kubernetes reads it.
		if q, ok := t.Resources.Limits[platform.GPUResource]; ok {
			t.Resources.Requests = fillList(t.Resources.Requests, corev1.ResourceList{platform.GPUResource: q})
		}
		fillResources(t.Resources, vdi.SessionDefaults.Resources)
		setString(&t.IdleTimeout, vdi.SessionDefaults.IdleTimeout)
		setString(&t.MaxSessionLength, vdi.SessionDefaults.MaxSessionLength)
		if t.Storage != nil {
			setQuantity(&t.Storage.Size, vdi.SessionDefaults.Storage.Size.String())
			setString(&t.Storage.MountPath, vdi.SessionDefaults.Storage.MountPath)
			// The default bound applies where it is at least the template's
			// own size; below it, the template's size is the bound.
			if m := vdi.SessionDefaults.Storage.MaxSize; m != nil && t.Storage.MaxSize == nil && m.Cmp(*t.Storage.Size) >= 0 {
				q := m.DeepCopy()
				t.Storage.MaxSize = &q
			}
		}
	}
	setString(&vdi.Gateway.ResumeInterval, DefaultResumeInterval)
	if vdi.Gateway.ResumeBurst == 0 {
		vdi.Gateway.ResumeBurst = DefaultResumeBurst
	}
	setQuantity(&vdi.Gateway.MaxRequestBody, DefaultMaxRequestBody)

	a := &v.Auth
	if o := a.OIDC; o != nil {
		if o.ClientSecretRef == nil {
			o.ClientSecretRef = &KeyRef{Name: DefaultOIDCSecret, Key: ClientSecretKey}
		}
		if o.CookieSecretRef == nil {
			o.CookieSecretRef = &KeyRef{Name: o.ClientSecretRef.Name, Key: CookieSecretKey}
		}
		setString(&o.UsernameClaim, DefaultUsernameClaim)
		setString(&o.GroupsClaim, DefaultGroupsClaim)
		if len(o.Scopes) == 0 {
			o.Scopes = append([]string(nil), DefaultScopes...)
		}
		setString(&o.CookieRefresh, DefaultCookieRefresh)
	}
	setString(&a.Proxy.Image, DefaultAuthProxyImage)
	if a.Proxy.Replicas == nil {
		two := int32(2)
		a.Proxy.Replicas = &two
	}
	fillResources(&a.Proxy.Resources, authProxyResources())

	in := &v.Ingress
	if len(in.EntryPoints) == 0 {
		in.EntryPoints = []string{"websecure"}
	}
	if in.SessionHost == "" && g.Hostname != "" {
		in.SessionHost = "sessions." + g.Hostname
	}
	if cm := in.TLS.CertManager; cm != nil {
		setString(&cm.IssuerKind, ClusterIssuerKind)
		setString(&in.TLS.SecretName, DefaultCertManagerSecret)
	}
	setString(&in.WebsocketTimeout, DefaultWebsocketTimeout)
	fillResources(&in.Resources, traefikResources())
	setBool(&in.Traefik.ManageHelmChartConfig, true)

	t := &v.TURN
	setBool(&t.Enabled, true)
	if t.Port == 0 {
		t.Port = DefaultTURNPort
	}
	setString(&t.EntryPoint, "turn")
	setString(&t.Realm, g.Hostname)
	setString(&t.SecretName, "coturn-auth")
	if t.MinPort == 0 {
		t.MinPort = 49152
	}
	if t.MaxPort == 0 {
		t.MaxPort = 49252
	}
	setString(&t.UDPTimeout, DefaultUDPTimeout)

	if v.ContainerDefaults == nil {
		v.ContainerDefaults = map[string]corev1.ResourceRequirements{}
	}
	if _, ok := v.ContainerDefaults[DefaultKind]; !ok {
		v.ContainerDefaults[DefaultKind] = containerResources()
	}

	setString(&v.Charts.KubeVersion, DefaultKubeVersion)
	if len(v.Charts.APIVersions) == 0 {
		v.Charts.APIVersions = append([]string(nil), defaultAPIVersions...)
	}
	if singleZone {
		setChart(&v.Charts.Kasm, defaultKasmSingleZone)
	} else {
		setChart(&v.Charts.Kasm, defaultCharts.Kasm)
	}
	setChart(&v.Charts.PostgreSQL, defaultCharts.PostgreSQL)
	setChart(&v.Charts.Redis, defaultCharts.Redis)
	setChart(&v.Charts.Coturn, defaultCharts.Coturn)
	setChart(&v.Charts.GPUOperator, defaultCharts.GPUOperator)
}

// fillResources copies each default request and limit that r lacks.
func fillResources(r *corev1.ResourceRequirements, def corev1.ResourceRequirements) {
	r.Limits = fillList(r.Limits, def.Limits)
	r.Requests = fillList(r.Requests, def.Requests)
}

func fillList(l, def corev1.ResourceList) corev1.ResourceList {
	if len(def) == 0 {
		return l
	}
	if l == nil {
		l = corev1.ResourceList{}
	}
	for k, q := range def {
		if _, ok := l[k]; !ok {
			l[k] = q.DeepCopy()
		}
	}
	return l
}

func setChart(c *Chart, def Chart) {
	setString(&c.Repo, def.Repo)
	setString(&c.Name, def.Name)
	setString(&c.Version, def.Version)
	setString(&c.Mode, ChartHelmChart)
	setString(&c.Archive, "charts/"+c.Name+"-"+c.Version+".tgz")
}

func setString(p *string, def string) {
	if *p == "" {
		*p = def
	}
}

func setBool(p **bool, def bool) {
	if *p == nil {
		b := def
		*p = &b
	}
}

func setQuantity(p **resource.Quantity, def string) {
	if *p == nil {
		q := resource.MustParse(def)
		*p = &q
	}
}
