package values

import (
	corev1 "k8s.io/api/core/v1"
)

// OperatorConfig is the part of the values that the VDI operator applies the
// platform rules with. The renderer writes it into the operator's ConfigMap
// and the operator reads it back with Load, so it is itself a values
// document: a subset of the sections, checked by the same schema and the same
// cross-field rules as the values file.
//
// It carries a subset rather than the whole values because the operator
// reloads it whenever it changes: with the whole values every unrelated edit
// (a chart version, Kasm's resources, a new template) would rewrite the
// ConfigMap and reload the operator, and the templates and sessions it
// describes reach the cluster as VDITemplates and VDISessions anyway, which
// must stay the one source of truth the operator reads them from. What it
// carries is defaulted and every rule's mode is written out, so that an
// operator of another release applies exactly what this renderer applied
// even if that release changes a default.
//
// A rule that starts reading another field of the values must add it here;
// TestOperatorConfigKeepsRules fails otherwise.
type OperatorConfig struct {
	// Global carries only the hostname, which the schema requires of every
	// values document; it names the platform in the operator's logs.
	Global OperatorGlobal `json:"global"`
	// Rules holds every rule's mode, defaults written out.
	Rules Rules `json:"rules"`
	// ContainerDefaults fill CPU and memory of containers per workload kind.
	ContainerDefaults map[string]corev1.ResourceRequirements `json:"containerDefaults"`
	// GPU carries time-slicing (failRequestsGreaterThanOne) and the node pools.
	GPU OperatorGPU `json:"gpu"`
	// VDI carries the session defaults, which fill VDITemplates, and the
	// gateway's bounds.
	VDI OperatorVDI `json:"vdi"`
	// Auth carries the login the gateway verifies tokens of.
	Auth OperatorAuth `json:"auth"`
}

// OperatorAuth is the auth section of an OperatorConfig.
type OperatorAuth struct {
	OIDC *OIDC `json:"oidc,omitempty"`
}

// OperatorGlobal is the global section of an OperatorConfig.
type OperatorGlobal struct {
	Hostname string `json:"hostname"`
}

// OperatorGPU is the gpu section of an OperatorConfig.
type OperatorGPU struct {
	TimeSlicing TimeSlicing `json:"timeSlicing"`
	NodePools   []NodePool  `json:"nodePools"`
}

// OperatorVDI is the vdi section of an OperatorConfig.
type OperatorVDI struct {
	SessionDefaults SessionDefaults `json:"sessionDefaults"`
	Gateway         Gateway         `json:"gateway"`
}

// OperatorConfig returns the operator's part of v, which must be defaulted.
func (v *Values) OperatorConfig() OperatorConfig {
	r := v.Rules
	return OperatorConfig{
		Global: OperatorGlobal{Hostname: v.Global.Hostname},
		Rules: Rules{
			Storage:    r.Mode("storage"),
			PullPolicy: r.Mode("pullPolicy"),
			Resources:  r.Mode("resources"),
			GPU:        r.Mode("gpu"),
			Pinning:    r.Mode("pinning"),
		},
		ContainerDefaults: v.ContainerDefaults,
		GPU:               OperatorGPU{TimeSlicing: v.GPU.TimeSlicing, NodePools: v.GPU.NodePools},
		VDI:               OperatorVDI{SessionDefaults: v.VDI.SessionDefaults, Gateway: v.VDI.Gateway},
		Auth:              OperatorAuth{OIDC: v.Auth.OIDC},
	}
}

// LoadFile parses and loads one values document, such as the operator's
// config file, the way the renderer loads a values file.
func LoadFile(file string, data []byte) (*Values, error) {
	doc, err := Parse(file, data)
	if err != nil {
		return nil, err
	}
	return Load(doc)
}
