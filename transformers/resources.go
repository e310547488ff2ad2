package transformers

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/ynode"
)

// Resources gives every container CPU and memory requests and limits, so
// that no desktop or service can take a small edge node down. Missing values
// come from the defaults for the workload's kind; a request above its limit
// is an error, since either number may be the intended one.
type Resources struct{}

// Name implements Rule.
func (Resources) Name() string { return "resources" }

var cpuMemory = []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory}

// Check implements Rule.
func (Resources) Check(obj *yaml.RNode, env *Env) ([]Finding, error) {
	def := env.Values.ContainerResources(kindOf(obj))
	if isTemplate(obj) {
		def = env.Values.VDI.SessionDefaults.Resources
	}
	var out []Finding
	// Pods the rules cannot see into are refused, never passed unchecked.
	if why := platform.Unchecked(obj); why != "" {
		out = append(out, Finding{Path: "spec", Message: why})
	}
	for _, c := range containersOf(obj) {
		if c.ephemeral {
			continue
		}
		for _, name := range cpuMemory {
			fs, err := resourceFindings(c, name, def)
			if err != nil {
				return nil, err
			}
			out = append(out, fs...)
		}
	}
	return out, nil
}

// quantityAt reads resources.<section>.<name> of a container.
func quantityAt(c container, section string, name corev1.ResourceName) (resource.Quantity, bool, error) {
	n, err := ynode.Lookup(c.node, "resources", section, string(name))
	if err != nil {
		return resource.Quantity{}, false, &fieldError{path: c.path + ".resources", err: err}
	}
	if n == nil {
		return resource.Quantity{}, false, nil
	}
	q, err := resource.ParseQuantity(yaml.GetValue(n))
	if err != nil {
		return resource.Quantity{}, false, &fieldError{path: fmt.Sprintf("%s.resources.%s.%s", c.path, section, name), err: err}
	}
	return q, true, nil
}

// setQuantity returns a fix that writes resources.<section>.<name>.
func setQuantity(c container, section string, name corev1.ResourceName, q resource.Quantity) func() error {
	return func() error {
		m, err := ynode.LookupCreateMap(c.node, "resources", section)
		if err != nil {
			return err
		}
		return ynode.SetString(m, string(name), q.String())
	}
}

func resourceFindings(c container, name corev1.ResourceName, def corev1.ResourceRequirements) ([]Finding, error) {
	req, hasReq, err := quantityAt(c, "requests", name)
	if err != nil {
		return nil, err
	}
	lim, hasLim, err := quantityAt(c, "limits", name)
	if err != nil {
		return nil, err
	}
	base := c.path + ".resources."
	var negative []Finding
	for _, q := range []struct {
		section string
		has     bool
		q       resource.Quantity
	}{{"requests", hasReq, req}, {"limits", hasLim, lim}} {
		if q.has && q.q.Sign() < 0 {
			negative = append(negative, Finding{Path: base + q.section + "." + string(name), Current: q.q.String(),
				Message: fmt.Sprintf("a %s %s cannot be negative: the API server refuses it", name, strings.TrimSuffix(q.section, "s"))})
		}
	}
	if len(negative) > 0 {
		return negative, nil
	}
	// A limit of 0 is no limit: the kubelet sets no CPU quota and no memory
	// limit for it, and the API server takes it. It is fixed as a missing one.
	zeroLim := hasLim && lim.IsZero()
	if zeroLim {
		hasLim = false
	}
	if hasReq && hasLim && req.Cmp(lim) > 0 {
		return []Finding{{Path: base + "requests." + string(name), Current: req.String(),
			Message: fmt.Sprintf("%s request %s is above its limit %s", name, req.String(), lim.String())}}, nil
	}
	var out []Finding
	if !hasReq {
		q := def.Requests[name]
		if hasLim && q.Cmp(lim) > 0 {
			q = lim
		}
		out = append(out, Finding{Path: base + "requests." + string(name), Proposed: q.String(),
			Message: fmt.Sprintf("every container requests %s", name), Fix: setQuantity(c, "requests", name, q)})
		req = q
	}
	if !hasLim {
		q := def.Limits[name]
		if req.Cmp(q) > 0 {
			q = req
		}
		f := Finding{Path: base + "limits." + string(name), Proposed: q.String(),
			Message: fmt.Sprintf("every container has a %s limit", name), Fix: setQuantity(c, "limits", name, q)}
		if zeroLim {
			f.Current, f.Message = lim.String(), fmt.Sprintf("every container has a %s limit (a limit of 0 sets none)", name)
		}
		out = append(out, f)
	}
	return out, nil
}
