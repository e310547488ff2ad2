// Package v1alpha1 holds the Go types of the VDI operator's API
// (group vdi.vdirender.dev): VDITemplate, a kind of desktop, and VDISession,
// one user's desktop made from a template.
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
type VDITemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              VDITemplateSpec `json:"spec"`
}

// VDITemplateSpec is what every session of the template gets.
type VDITemplateSpec struct {
	DisplayName      string                      `json:"displayName,omitempty"`
	Image            string                      `json:"image"`
	ImagePullPolicy  corev1.PullPolicy           `json:"imagePullPolicy,omitempty"`
	Resources        corev1.ResourceRequirements `json:"resources"`
	Env              []EnvVar                    `json:"env,omitempty"`
	Streaming        Streaming                   `json:"streaming"`
	Storage          *Storage                    `json:"storage,omitempty"`
	IdleTimeout      *metav1.Duration            `json:"idleTimeout,omitempty"`
	MaxSessionLength *metav1.Duration            `json:"maxSessionLength,omitempty"`
	NodeSelector     map[string]string           `json:"nodeSelector,omitempty"`
	Tolerations      []corev1.Toleration         `json:"tolerations,omitempty"`
	RuntimeClassName *string                     `json:"runtimeClassName,omitempty"`
}

// EnvVar is a plain environment variable of the desktop container.
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Streaming is how the desktop reaches the browser: WebRTC (Selkies, needs
// TURN) or a websocket (KasmVNC or Selkies websockets mode).
type Streaming struct {
	Protocol string `json:"protocol"`
	Port     int32  `json:"port"`
	Encoder  string `json:"encoder,omitempty"`
}

// Storage is a persistent home volume; it always lives on local-path.
type Storage struct {
	Size             resource.Quantity `json:"size"`
	MountPath        string            `json:"mountPath"`
	StorageClassName string            `json:"storageClassName,omitempty"`
}

// VDISession is one user's desktop.
type VDISession struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Spec              VDISessionSpec    `json:"spec"`
	Status            *VDISessionStatus `json:"status,omitempty"`
}

// VDISessionSpec names the template and the user.
type VDISessionSpec struct {
	Template string `json:"template"`
	User     string `json:"user"`
	// Persistent keeps the session's home volume when the session ends.
	Persistent bool            `json:"persistent,omitempty"`
	Storage    *SessionStorage `json:"storage,omitempty"`
}

// SessionStorage overrides the template's volume size for one session.
type SessionStorage struct {
	Size             *resource.Quantity `json:"size,omitempty"`
	StorageClassName string             `json:"storageClassName,omitempty"`
}

// Session phases.
const (
	PhasePending    = "Pending"
	PhaseScheduling = "Scheduling"
	PhaseStarting   = "Starting"
	PhaseRunning    = "Running"
	PhaseFailed     = "Failed"
	PhaseTerminated = "Terminated"
)

// VDISessionStatus tells the user what is happening to the session.
type VDISessionStatus struct {
	Phase      string             `json:"phase,omitempty"`
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	URL        string             `json:"url,omitempty"`
	StartTime  *metav1.Time       `json:"startTime,omitempty"`
	NodeName   string             `json:"nodeName,omitempty"`
}
