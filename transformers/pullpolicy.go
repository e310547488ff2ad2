package transformers

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// PullPolicy sets imagePullPolicy: IfNotPresent on every container of every
// workload and VDITemplate, and in the values of every sub-chart, so that a
// desktop starts from the node's image cache instead of waiting on a pull.
type PullPolicy struct{}

// Name implements Rule.
func (PullPolicy) Name() string { return "pullPolicy" }

// IfNotPresent is the only pull policy the platform allows.
const IfNotPresent = "IfNotPresent"

var pullPolicyKeys = map[string]bool{"pullPolicy": true, "imagePullPolicy": true}

// Check implements Rule.
func (PullPolicy) Check(obj *yaml.RNode, _ *Env) ([]Finding, error) {
	if isHelmChart(obj) {
		return chartValueFindings(obj, pullPolicyKeys, IfNotPresent, "sub-chart images are pulled only when missing from the node")
	}
	var out []Finding
	for _, c := range containersOf(obj) {
		if p := stringField(c.node, "imagePullPolicy"); p != IfNotPresent {
			out = append(out, Finding{Path: c.path + ".imagePullPolicy", Current: p, Proposed: IfNotPresent,
				Message: "images are pulled only when missing from the node", Fix: setString(c.node, "imagePullPolicy", IfNotPresent)})
		}
	}
	return out, nil
}
