// Package values holds the typed values file of vdirender: the one input a
// platform engineer writes. The shape of global, postgres, redis, kasmManager
// and kasmApi follows what people already write for Kasm on a small K3s
// cluster; the other sections describe the GPU VDI platform around it.
package values

import (
	"github.com/vdirender/vdirender/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Values is the whole values file. Every field has a JSON-schema twin in
// schemas/values.schema.json; a test keeps the two in step.
type Values struct {
	Global      Global    `json:"global"`
	Postgres    Postgres  `json:"postgres"`
	Redis       Redis     `json:"redis"`
	KasmManager Component `json:"kasmManager"`
	KasmAPI     Component `json:"kasmApi"`
	GPU         GPU       `json:"gpu"`
	VDI         VDI       `json:"vdi"`
	Ingress     Ingress   `json:"ingress"`
	TURN        TURN      `json:"turn"`
	Charts      Charts    `json:"charts"`
	// Auth is the login in front of the session host and who may create
	// which sessions.
	Auth Auth `json:"auth,omitempty"`
	// Rules sets the mode of each platform rule.
	Rules Rules `json:"rules,omitempty"`
	// ContainerDefaults fills missing CPU and memory of containers, per
	// workload kind ("default" for every kind not listed).
	ContainerDefaults map[string]corev1.ResourceRequirements `json:"containerDefaults,omitempty"`
	// Source is the document the values were loaded from, so that findings
	// on what they render can point at the line that made it.
	Source *Document `json:"-"`
}

// Rule modes.
const (
	ModeEnforce = "enforce"
	ModeAudit   = "audit"
	ModeOff     = "off"
)

// Rules holds one mode per rule: enforce fixes and reports, audit only
// warns, off skips the rule.
type Rules struct {
	Storage    string `json:"storage,omitempty"`
	PullPolicy string `json:"pullPolicy,omitempty"`
	Resources  string `json:"resources,omitempty"`
	GPU        string `json:"gpu,omitempty"`
	Pinning    string `json:"pinning,omitempty"`
}

// Mode returns the mode of the rule with the given name.
func (r Rules) Mode(name string) string {
	m := map[string]string{"storage": r.Storage, "pullPolicy": r.PullPolicy, "resources": r.Resources, "gpu": r.GPU, "pinning": r.Pinning}[name]
	if m == "" {
		return ModeEnforce
	}
	return m
}

// Global mirrors the Kasm chart's global section as people write it.
type Global struct {
	// Hostname is the public name of Kasm; sessions and TURN derive theirs from it.
	Hostname string `json:"hostname"`
	// Namespace is where Kasm and its databases run.
	Namespace    string        `json:"namespace,omitempty"`
	StorageClass string        `json:"storageClass,omitempty"`
	Image        GlobalImage   `json:"image,omitempty"`
	Ingress      GlobalIngress `json:"ingress,omitempty"`
}

// GlobalImage carries the pull policy handed to every chart.
type GlobalImage struct {
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
}

// GlobalIngress says whether the Kasm chart renders its own Ingress. When it
// is false (the K3s default here) the cluster's Traefik is used through the
// IngressRoutes that vdirender renders.
type GlobalIngress struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// Postgres is the database of Kasm. Enabled deploys the PostgreSQL sub-chart
// and points Kasm at it; disabled keeps the database built into the Kasm chart.
type Postgres struct {
	Enabled *bool           `json:"enabled,omitempty"`
	Primary PostgresPrimary `json:"primary,omitempty"`
}

// PostgresPrimary is the primary server's persistence and resources.
type PostgresPrimary struct {
	Persistence Persistence                 `json:"persistence,omitempty"`
	Resources   corev1.ResourceRequirements `json:"resources,omitempty"`
}

// Persistence is a volume's storage class and size.
type Persistence struct {
	StorageClass string             `json:"storageClass,omitempty"`
	Size         *resource.Quantity `json:"size,omitempty"`
}

// Redis is the Redis sub-chart.
type Redis struct {
	Enabled     *bool                       `json:"enabled,omitempty"`
	Resources   corev1.ResourceRequirements `json:"resources,omitempty"`
	Persistence Persistence                 `json:"persistence,omitempty"`
}

// Component is a Kasm service whose resources can be set.
type Component struct {
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
}

// GPU describes gpu-operator, time-slicing and the GPU node pools.
type GPU struct {
	Operator    GPUOperator `json:"operator,omitempty"`
	TimeSlicing TimeSlicing `json:"timeSlicing,omitempty"`
	NodePools   []NodePool  `json:"nodePools,omitempty"`
}

// Operator modes.
const (
	OperatorInstall  = "install"
	OperatorExisting = "existing"
)

// GPUOperator says whether vdirender installs gpu-operator or patches an
// operator that is already there.
type GPUOperator struct {
	Mode      string `json:"mode,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	// Driver installs the NVIDIA driver from the operator; off when the host has one.
	Driver *bool `json:"driver,omitempty"`
}

// TimeSlicing is the device-plugin sharing configuration.
type TimeSlicing struct {
	ConfigMapName string `json:"configMapName,omitempty"`
	// Replicas is how many slices each physical GPU advertises (>= 2).
	Replicas int `json:"replicas,omitempty"`
	// FailRequestsGreaterThanOne refuses containers that ask for more than one slice.
	FailRequestsGreaterThanOne *bool `json:"failRequestsGreaterThanOne,omitempty"`
}

// NodePool is a set of identical GPU nodes sharing one time-slicing config.
type NodePool struct {
	Name        string `json:"name"`
	Nodes       int    `json:"nodes"`
	GPUsPerNode int    `json:"gpusPerNode"`
	// Replicas overrides gpu.timeSlicing.replicas for this pool.
	Replicas int `json:"replicas,omitempty"`
}

// VDI is the operator and the desktop sessions it serves.
type VDI struct {
	Namespace        string          `json:"namespace,omitempty"`
	SessionNamespace string          `json:"sessionNamespace,omitempty"`
	Operator         VDIOperator     `json:"operator,omitempty"`
	SessionDefaults  SessionDefaults `json:"sessionDefaults,omitempty"`
	Templates        []Template      `json:"templates,omitempty"`
	Sessions         []Session       `json:"sessions,omitempty"`
	// Monitoring adds a PrometheusRule on session_startup_seconds.
	Monitoring Toggle `json:"monitoring,omitempty"`
	// Prepull adds a DaemonSet that pulls the templates' images on GPU nodes
	// ahead of time, so that a session start does not wait on a pull.
	Prepull Toggle `json:"prepull,omitempty"`
	// Gateway bounds what one user can make the session gateway do.
	Gateway Gateway `json:"gateway,omitempty"`
}

// Toggle switches a feature on.
type Toggle struct {
	Enabled bool `json:"enabled,omitempty"`
}

// VDIOperator is the operator Deployment.
type VDIOperator struct {
	Image     string                      `json:"image,omitempty"`
	Replicas  *int32                      `json:"replicas,omitempty"`
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// LogLevel and LogFormat are the operator's --log-level and --log-format.
	LogLevel  string `json:"logLevel,omitempty"`
	LogFormat string `json:"logFormat,omitempty"`
}

// SessionDefaults apply to every template that does not say otherwise.
type SessionDefaults struct {
	Resources        corev1.ResourceRequirements `json:"resources,omitempty"`
	IdleTimeout      string                      `json:"idleTimeout,omitempty"`
	MaxSessionLength string                      `json:"maxSessionLength,omitempty"`
	Storage          Storage                     `json:"storage,omitempty"`
}

// Storage is a session's home volume.
type Storage struct {
	Size *resource.Quantity `json:"size,omitempty"`
	// MaxSize is the largest home a session may ask for; default size.
	MaxSize   *resource.Quantity `json:"maxSize,omitempty"`
	MountPath string             `json:"mountPath,omitempty"`
}

// Template is one kind of desktop.
type Template struct {
	Name             string                       `json:"name"`
	DisplayName      string                       `json:"displayName,omitempty"`
	Image            string                       `json:"image"`
	NodePool         string                       `json:"nodePool,omitempty"`
	Streaming        Streaming                    `json:"streaming,omitempty"`
	Resources        *corev1.ResourceRequirements `json:"resources,omitempty"`
	Env              []EnvVar                     `json:"env,omitempty"`
	Storage          *Storage                     `json:"storage,omitempty"`
	IdleTimeout      string                       `json:"idleTimeout,omitempty"`
	MaxSessionLength string                       `json:"maxSessionLength,omitempty"`
	// WarmPool keeps desktops of the template started ahead of sessions.
	WarmPool *v1alpha1.WarmPool `json:"warmPool,omitempty"`
}

// Streaming protocols.
const (
	ProtocolWebRTC    = "webrtc"
	ProtocolWebsocket = "websocket"
)

// Streaming is how the desktop reaches the browser.
type Streaming struct {
	Protocol string `json:"protocol,omitempty"`
	Port     int32  `json:"port,omitempty"`
	Encoder  string `json:"encoder,omitempty"`
}

// EnvVar is an environment variable of a desktop: a plain value, or a key
// of a Secret or ConfigMap of the session namespace (passwords, tokens).
type EnvVar struct {
	Name      string        `json:"name"`
	Value     *string       `json:"value,omitempty"`
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource is one of a Secret's key or a ConfigMap's key.
type EnvVarSource struct {
	SecretKeyRef    *KeyRef `json:"secretKeyRef,omitempty"`
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef,omitempty"`
}

// KeyRef is a key of a named Secret or ConfigMap.
type KeyRef struct {
	Name string `json:"name"`
	Key  string `json:"key"`
}

// Session is a persistent desktop of one user.
type Session struct {
	Name     string `json:"name"`
	Template string `json:"template"`
	User     string `json:"user"`
}

// Ingress configures the Traefik v3 routes.
type Ingress struct {
	EntryPoints []string `json:"entryPoints,omitempty"`
	TLS         TLS      `json:"tls,omitempty"`
	// SessionHost serves session websockets; default sessions.<global.hostname>.
	SessionHost string `json:"sessionHost,omitempty"`
	// WebsocketTimeout replaces Traefik v3's 60 s readTimeout on the entrypoints.
	WebsocketTimeout string `json:"websocketTimeout,omitempty"`
	// Resources of K3s's Traefik, which carries every desktop stream; set
	// through the HelmChartConfig.
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// Traefik says whether vdirender owns K3s's Traefik settings.
	Traefik TraefikSettings `json:"traefik,omitempty"`
}

// TraefikSettings: with ManageHelmChartConfig false the rendering has no
// HelmChartConfig kube-system/traefik (it would replace one the cluster
// already has); build prints the settings to merge into it by hand.
type TraefikSettings struct {
	ManageHelmChartConfig *bool `json:"manageHelmChartConfig,omitempty"`
}

// TLS is a Secret (the user's, or cert-manager's when CertManager is set)
// or a Traefik certificate resolver.
type TLS struct {
	SecretName   string `json:"secretName,omitempty"`
	CertResolver string `json:"certResolver,omitempty"`
	// CertManager renders cert-manager Certificates that fill SecretName
	// in each namespace whose routes read it.
	CertManager *CertManager `json:"certManager,omitempty"`
}

// CertManager names the cert-manager issuer of the platform's certificates.
type CertManager struct {
	Issuer string `json:"issuer"`
	// IssuerKind is ClusterIssuer (one issuer serves both namespaces) or
	// Issuer (one of that name in each namespace).
	IssuerKind string `json:"issuerKind,omitempty"`
}

// TURN configures coturn for WebRTC streaming.
type TURN struct {
	Enabled    *bool  `json:"enabled,omitempty"`
	Port       int32  `json:"port,omitempty"`
	EntryPoint string `json:"entryPoint,omitempty"`
	Realm      string `json:"realm,omitempty"`
	// SecretName holds the shared secret (key static-auth-secret) for time-limited credentials.
	SecretName string `json:"secretName,omitempty"`
	MinPort    int32  `json:"minPort,omitempty"`
	MaxPort    int32  `json:"maxPort,omitempty"`
	// UDPTimeout replaces Traefik's 3 s UDP session timeout on the TURN entrypoint.
	UDPTimeout string `json:"udpTimeout,omitempty"`
}

// Charts pins every sub-chart.
type Charts struct {
	Kasm        Chart `json:"kasm,omitempty"`
	PostgreSQL  Chart `json:"postgresql,omitempty"`
	Redis       Chart `json:"redis,omitempty"`
	Coturn      Chart `json:"coturn,omitempty"`
	GPUOperator Chart `json:"gpuOperator,omitempty"`
	// KubeVersion and APIVersions are what inline charts see as
	// .Capabilities; they are always given, never the SDK's defaults.
	KubeVersion string   `json:"kubeVersion,omitempty"`
	APIVersions []string `json:"apiVersions,omitempty"`
}

// Chart modes.
const (
	ChartHelmChart = "helmchart"
	ChartInline    = "inline"
)

// Chart is a chart in a repository at one exact version. In helmchart mode
// K3s's helm-controller installs it; in inline mode vdirender renders the
// vendored archive itself, so every object lands in Git.
type Chart struct {
	Repo    string `json:"repo,omitempty"`
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	Mode    string `json:"mode,omitempty"`
	// Archive is the vendored chart, relative to the package directory;
	// default charts/<name>-<version>.tgz.
	Archive string `json:"archive,omitempty"`
}

// Gateway bounds the session gateway's work per user and request.
type Gateway struct {
	// ResumeInterval and ResumeBurst limit how often one user may resume a
	// suspended session: a token every interval, burst tokens at most.
	ResumeInterval string `json:"resumeInterval,omitempty"`
	ResumeBurst    int    `json:"resumeBurst,omitempty"`
	// MaxRequestBody bounds the body of a request to a desktop (uploads).
	MaxRequestBody *resource.Quantity `json:"maxRequestBody,omitempty"`
}

// Auth puts an OpenID Connect login (oauth2-proxy behind a Traefik
// ForwardAuth middleware) in front of the session host and says which
// Kubernetes users may manage any session. Without oidc no one can open a
// session: the gateway serves a desktop only to its user's verified token.
type Auth struct {
	OIDC       *OIDC          `json:"oidc,omitempty"`
	Proxy      AuthProxy      `json:"proxy,omitempty"`
	Kubernetes KubernetesAuth `json:"kubernetes,omitempty"`
}

// OIDC is the identity provider users log in with.
type OIDC struct {
	// IssuerURL is the provider's issuer (https; http only on loopback).
	IssuerURL string `json:"issuerURL"`
	ClientID  string `json:"clientID"`
	// ClientSecretRef and CookieSecretRef name keys of a Secret in
	// vdi.namespace; default vdi-oidc, keys client-secret and cookie-secret.
	ClientSecretRef *KeyRef `json:"clientSecretRef,omitempty"`
	CookieSecretRef *KeyRef `json:"cookieSecretRef,omitempty"`
	// UsernameClaim is the ID token claim compared with a session's
	// spec.user; GroupsClaim lists the user's groups.
	UsernameClaim string `json:"usernameClaim,omitempty"`
	GroupsClaim   string `json:"groupsClaim,omitempty"`
	// AllowedGroups may log in at all (empty: every user of the provider).
	AllowedGroups []string `json:"allowedGroups,omitempty"`
	// AdminGroup may open every session.
	AdminGroup string   `json:"adminGroup,omitempty"`
	Scopes     []string `json:"scopes,omitempty"`
	// CookieRefresh is how often oauth2-proxy refreshes the tokens behind a
	// login; keep it below the provider's ID token lifetime.
	CookieRefresh string `json:"cookieRefresh,omitempty"`
}

// AuthProxy is the oauth2-proxy Deployment.
type AuthProxy struct {
	Image     string                      `json:"image,omitempty"`
	Replicas  *int32                      `json:"replicas,omitempty"`
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
}

// KubernetesAuth says how the API server names the provider's users and
// which users and groups may create or change any session.
type KubernetesAuth struct {
	// UsernamePrefix and GroupPrefix are the API server's
	// --oidc-username-prefix and --oidc-groups-prefix.
	UsernamePrefix string `json:"usernamePrefix,omitempty"`
	GroupPrefix    string `json:"groupPrefix,omitempty"`
	// SessionAdmins may manage every session (a GitOps controller's
	// ServiceAccount, for example); system:masters, the admin group and the
	// operator always may.
	SessionAdmins Subjects `json:"sessionAdmins,omitempty"`
}

// Subjects are Kubernetes users and groups.
type Subjects struct {
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
}
