// Package v1alpha1 holds the Go types of the VDI operator's API
// (group vdi.vdirender.dev): VDITemplate, a kind of desktop, and VDISession,
// one user's desktop made from a template.
//
// The kubebuilder markers on the types are the source of the CRDs:
// `make generate` runs controller-gen to write schemas/crds/ and
// zz_generated.deepcopy.go from them.
//
// +kubebuilder:object:generate=true
// +groupName=vdi.vdirender.dev
package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Group, version and kinds of the API.
const (
	Group           = "vdi.vdirender.dev"
	Version         = "v1alpha1"
	TemplateKind    = "VDITemplate"
	SessionKind     = "VDISession"
	TemplatePlural  = "vditemplates"
	SessionPlural   = "vdisessions"
	GPUResourceName = "nvidia.com/gpu"
	LocalPath       = "local-path"
)

// APIVersion is group/version as written in manifests.
var APIVersion = Group + "/" + Version

// VDITemplate is a kind of desktop: image, resources and how it streams.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=vditemplates,singular=vditemplate,scope=Namespaced,shortName=vdit,categories=vdi
// +kubebuilder:printcolumn:name="Image",type="string",JSONPath=".spec.image"
// +kubebuilder:printcolumn:name="Protocol",type="string",JSONPath=".spec.streaming.protocol"
// +kubebuilder:printcolumn:name="GPU",type="string",JSONPath=`.spec.resources.limits.nvidia\.com/gpu`
// +kubebuilder:printcolumn:name="Warm",type="integer",JSONPath=".status.warmPool.ready"
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
// +kubebuilder:subresource:status
type VDITemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// What every session of this template gets.
	Spec VDITemplateSpec `json:"spec"`
	// The template's warm pool as the operator keeps it.
	Status *VDITemplateStatus `json:"status,omitempty"`
}

// VDITemplateStatus says how the warm pool is doing.
type VDITemplateStatus struct {
	WarmPool *WarmPoolStatus `json:"warmPool,omitempty"`
}

// WarmPoolStatus counts the pool's desktops.
type WarmPoolStatus struct {
	// The size in force now (schedule applied).
	Desired int32 `json:"desired"`
	// Ready and unclaimed.
	Ready int32 `json:"ready"`
	// Started and not Ready yet.
	Starting int32 `json:"starting"`
}

// VDITemplateList is a list of templates.
//
// +kubebuilder:object:root=true
type VDITemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VDITemplate `json:"items"`
}

// VDITemplateSpec is what every session of the template gets.
type VDITemplateSpec struct {
	// Name shown to users.
	// +kubebuilder:validation:MaxLength=1024
	DisplayName string `json:"displayName,omitempty"`
	// Desktop image, pinned by tag or digest.
	// +kubebuilder:validation:MaxLength=1024
	Image string `json:"image"`
	// When the kubelet pulls the desktop image.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Enum=IfNotPresent;Always;Never
	// +kubebuilder:validation:MaxLength=1024
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	// CPU, memory and nvidia.com/gpu of the desktop container. A GPU request must equal its limit.
	Resources ResourceRequirements `json:"resources"`
	// Environment of the desktop container.
	// +kubebuilder:validation:MaxItems=128
	Env []EnvVar `json:"env,omitempty"`
	// How the desktop reaches the browser.
	Streaming Streaming `json:"streaming"`
	// Persistent home volume of each session.
	Storage *Storage `json:"storage,omitempty"`
	// End a session after this long without input.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="must be a duration Go can store: at most about 292 years (2562047h)"
	IdleTimeout *metav1.Duration `json:"idleTimeout,omitempty"`
	// End a session after this long in any case.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="must be a duration Go can store: at most about 292 years (2562047h)"
	MaxSessionLength *metav1.Duration `json:"maxSessionLength,omitempty"`
	// Nodes the sessions may run on.
	// +kubebuilder:validation:MaxProperties=32
	// +kubebuilder:validation:XValidation:rule="self.all(k, self[k].size() <= 1024)",message="nodeSelector values must be at most 1024 characters"
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Taints the sessions tolerate.
	// +kubebuilder:validation:MaxItems=32
	Tolerations []Toleration `json:"tolerations,omitempty"`
	// RuntimeClass of GPU desktops; nvidia on K3s.
	// +kubebuilder:validation:MaxLength=1024
	RuntimeClassName *string `json:"runtimeClassName,omitempty"`
	// Desktops started ahead of sessions: a new session that can use one
	// (not persistent) takes it at once instead of waiting for a start.
	WarmPool *WarmPool `json:"warmPool,omitempty"`
}

// WarmPool keeps desktops of a template started and Ready, unclaimed, on
// the template's pool. Each holds its GPU time-slice while it waits.
//
// +kubebuilder:validation:XValidation:rule="!has(self.min) || !has(self.max) || self.min <= self.max",message="min must not be above max"
type WarmPool struct {
	// How many unclaimed desktops to keep outside the schedule's windows.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Size int32 `json:"size"`
	// Bounds of the size any window asks for.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Min *int32 `json:"min,omitempty"`
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Max *int32 `json:"max,omitempty"`
	// Windows with another size, such as office hours; the first that
	// contains the time applies.
	// +kubebuilder:validation:MaxItems=32
	Schedule []WarmWindow `json:"schedule,omitempty"`
	// IANA time zone of the windows, such as Europe/Berlin; default UTC.
	// +kubebuilder:validation:MaxLength=64
	TimeZone string `json:"timeZone,omitempty"`
}

// WarmWindow is a time of the week with its own pool size.
//
// +kubebuilder:validation:XValidation:rule="self.start < self.end",message="end must be after start (a window does not cross midnight)"
type WarmWindow struct {
	// Days of the week the window applies on; empty means every day.
	// +kubebuilder:validation:MaxItems=7
	// +kubebuilder:validation:items:Enum=Mon;Tue;Wed;Thu;Fri;Sat;Sun
	Days []string `json:"days,omitempty"`
	// Start and end, HH:MM on a 24-hour clock, end excluded.
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$`
	// +kubebuilder:validation:MaxLength=5
	Start string `json:"start"`
	// +kubebuilder:validation:Pattern=`^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$`
	// +kubebuilder:validation:MaxLength=5
	End string `json:"end"`
	// The pool's size in the window.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Size int32 `json:"size"`
}

// ResourceRequirements are the limits and requests of the desktop container:
// the part of corev1.ResourceRequirements that a template may set.
//
// +kubebuilder:validation:XValidation:rule="!has(self.requests) || !('nvidia.com/gpu' in self.requests) || (has(self.limits) && 'nvidia.com/gpu' in self.limits && string(self.requests['nvidia.com/gpu']) == string(self.limits['nvidia.com/gpu']))",message="nvidia.com/gpu requests must equal limits",fieldPath=".requests"
type ResourceRequirements struct {
	// Maximum resources; nvidia.com/gpu counts time-slices.
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=16
	Limits corev1.ResourceList `json:"limits,omitempty"`
	// Requested resources.
	// +kubebuilder:validation:Type=object
	// +kubebuilder:validation:MaxProperties=16
	Requests corev1.ResourceList `json:"requests,omitempty"`
}

// Core returns the requirements as a container's resources.
func (r ResourceRequirements) Core() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Limits: r.Limits, Requests: r.Requests}
}

// EnvVar is an environment variable of the desktop container: a plain
// value, or a key of a Secret or ConfigMap of the session namespace (for
// passwords and tokens, which must not be written in clear).
// +kubebuilder:validation:XValidation:rule="!(has(self.value) && has(self.valueFrom))",message="set value or valueFrom, not both"
type EnvVar struct {
	// Name of the variable.
	// +kubebuilder:validation:MaxLength=1024
	Name string `json:"name"`
	// Value of the variable.
	// +kubebuilder:validation:MaxLength=1024
	// +optional
	Value string `json:"value,omitempty"`
	// ValueFrom reads the value from a Secret or a ConfigMap.
	// +optional
	ValueFrom *EnvVarSource `json:"valueFrom,omitempty"`
}

// EnvVarSource names one key of a Secret or of a ConfigMap.
// +kubebuilder:validation:MinProperties=1
// +kubebuilder:validation:MaxProperties=1
type EnvVarSource struct {
	// SecretKeyRef is a key of a Secret of the session namespace.
	// +optional
	SecretKeyRef *KeyRef `json:"secretKeyRef,omitempty"`
	// ConfigMapKeyRef is a key of a ConfigMap of the session namespace.
	// +optional
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef,omitempty"`
}

// KeyRef is a key of a named Secret or ConfigMap.
type KeyRef struct {
	// Name of the Secret or ConfigMap.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`
	// Key inside it.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// Core returns the variable as a container's.
func (e EnvVar) Core() corev1.EnvVar {
	out := corev1.EnvVar{Name: e.Name, Value: e.Value}
	if f := e.ValueFrom; f != nil {
		switch {
		case f.SecretKeyRef != nil:
			out.ValueFrom = &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: f.SecretKeyRef.Name}, Key: f.SecretKeyRef.Key}}
		case f.ConfigMapKeyRef != nil:
			out.ValueFrom = &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: f.ConfigMapKeyRef.Name}, Key: f.ConfigMapKeyRef.Key}}
		}
	}
	return out
}

// Streaming is how the desktop reaches the browser: WebRTC (Selkies, needs
// TURN) or a websocket (KasmVNC or Selkies websockets mode).
type Streaming struct {
	// webrtc (Selkies, needs TURN) or websocket (KasmVNC, Selkies websockets mode).
	// +kubebuilder:validation:Enum=webrtc;websocket
	// +kubebuilder:validation:MaxLength=1024
	Protocol string `json:"protocol"`
	// Container port of the stream.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`
	// Video encoder, e.g. nvh264enc.
	// +kubebuilder:validation:MaxLength=1024
	Encoder string `json:"encoder,omitempty"`
}

// Storage is a persistent home volume; it always lives on local-path.
//
// +kubebuilder:validation:XValidation:rule="!has(self.storageClassName) || self.storageClassName == 'local-path'",message="storageClassName must be local-path: session volumes are node-local on K3s",fieldPath=".storageClassName"
// +kubebuilder:validation:XValidation:rule="!has(self.maxSize) || quantity(string(self.maxSize)).compareTo(quantity(string(self.size))) >= 0",message="maxSize must not be smaller than size",fieldPath=".maxSize"
type Storage struct {
	// Volume size, e.g. 20Gi.
	Size resource.Quantity `json:"size"`
	// The largest size a session may ask for (spec.storage.size); unset
	// means size: sessions may ask for less, never more.
	MaxSize *resource.Quantity `json:"maxSize,omitempty"`
	// Where the volume is mounted in the desktop.
	// +kubebuilder:validation:MaxLength=1024
	MountPath string `json:"mountPath"`
	// Always local-path.
	// +kubebuilder:validation:MaxLength=1024
	StorageClassName string `json:"storageClassName,omitempty"`
}

// Toleration lets the sessions run on tainted nodes: the part of
// corev1.Toleration that a template may set.
type Toleration struct {
	// Taint key the toleration matches; empty matches every key.
	// +kubebuilder:validation:MaxLength=1024
	Key string `json:"key,omitempty"`
	// Exists or Equal (the default).
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Enum=Exists;Equal
	// +kubebuilder:validation:MaxLength=1024
	Operator corev1.TolerationOperator `json:"operator,omitempty"`
	// Taint value the toleration matches with Equal.
	// +kubebuilder:validation:MaxLength=1024
	Value string `json:"value,omitempty"`
	// Taint effect the toleration matches; empty matches every effect.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Enum=NoSchedule;PreferNoSchedule;NoExecute
	// +kubebuilder:validation:MaxLength=1024
	Effect corev1.TaintEffect `json:"effect,omitempty"`
	// How long a NoExecute taint is tolerated; unset tolerates it forever.
	TolerationSeconds *int64 `json:"tolerationSeconds,omitempty"`
}

// Core returns the toleration as a Pod's.
func (t Toleration) Core() corev1.Toleration {
	return corev1.Toleration{Key: t.Key, Operator: t.Operator, Value: t.Value, Effect: t.Effect, TolerationSeconds: t.TolerationSeconds}
}

// VDISession is one user's desktop.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=vdisessions,singular=vdisession,scope=Namespaced,shortName=vdis,categories=vdi
// +kubebuilder:printcolumn:name="User",type="string",JSONPath=".spec.user"
// +kubebuilder:printcolumn:name="Template",type="string",JSONPath=".spec.template"
// +kubebuilder:printcolumn:name="Phase",type="string",JSONPath=".status.phase"
// +kubebuilder:printcolumn:name="URL",type="string",JSONPath=".status.url",priority=1
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp"
type VDISession struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// Which desktop, for whom.
	Spec VDISessionSpec `json:"spec"`
	// What is happening to the session.
	Status *VDISessionStatus `json:"status,omitempty"`
}

// VDISessionList is a list of sessions.
//
// +kubebuilder:object:root=true
type VDISessionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VDISession `json:"items"`
}

// VDISessionSpec names the template and the user.
//
// +kubebuilder:validation:XValidation:rule="self.template == oldSelf.template",message="template is immutable",fieldPath=".template"
type VDISessionSpec struct {
	// Name of a VDITemplate in this namespace.
	// +kubebuilder:validation:MaxLength=1024
	Template string `json:"template"`
	// The user the desktop belongs to.
	// +kubebuilder:validation:MaxLength=1024
	User string `json:"user"`
	// Keep the home volume after the session ends. A persistent session is
	// suspended, not ended, at its maximum length or idle timeout.
	Persistent bool `json:"persistent,omitempty"`
	// Overrides the template's volume size, up to the template's maxSize.
	Storage *SessionStorage `json:"storage,omitempty"`
	// A suspended session has no desktop pod; its home stays. The operator
	// suspends a persistent session at its maximum length or idle timeout;
	// setting false (or the owner opening the session URL) resumes it.
	Suspend bool `json:"suspend,omitempty"`
}

// SessionStorage overrides the template's volume size for one session.
//
// +kubebuilder:validation:XValidation:rule="!has(self.storageClassName) || self.storageClassName == 'local-path'",message="storageClassName must be local-path: session volumes are node-local on K3s",fieldPath=".storageClassName"
type SessionStorage struct {
	// Volume size.
	Size *resource.Quantity `json:"size,omitempty"`
	// Always local-path.
	// +kubebuilder:validation:MaxLength=1024
	StorageClassName string `json:"storageClassName,omitempty"`
}

// Session phases.
const (
	PhasePending    = "Pending"
	PhaseScheduling = "Scheduling"
	PhaseStarting   = "Starting"
	PhaseRunning    = "Running"
	PhaseFailed     = "Failed"
	PhaseTerminated = "Terminated"
	PhaseSuspended  = "Suspended"
)

// VDISessionStatus tells the user what is happening to the session.
type VDISessionStatus struct {
	// Where the session is in its life.
	// +kubebuilder:validation:Enum=Pending;Scheduling;Starting;Running;Failed;Terminated;Suspended
	// +kubebuilder:validation:MaxLength=1024
	Phase string `json:"phase,omitempty"`
	// Scheduled and Ready, with the reason for each.
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:XValidation:rule="self.message.size() <= 1024",message="condition messages must be at most 1024 characters",fieldPath=".message"
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Where the user reaches the desktop.
	// +kubebuilder:validation:MaxLength=1024
	URL string `json:"url,omitempty"`
	// When the desktop started running; maximum length counts from it.
	StartTime *metav1.Time `json:"startTime,omitempty"`
	// When the session was last resumed; session_startup_seconds counts
	// from it rather than from creation.
	ResumeTime *metav1.Time `json:"resumeTime,omitempty"`
	// How the desktop started: warm (a desktop of the template's warm pool
	// taken) or cold (a pod started for the session), and why cold.
	// +kubebuilder:validation:MaxLength=1024
	StartPath string `json:"startPath,omitempty"`
	// Node the desktop runs on.
	// +kubebuilder:validation:MaxLength=1024
	NodeName string `json:"nodeName,omitempty"`
}
