package transformers

import (
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/platform"
)

// GPU keeps nvidia.com/gpu requests schedulable on time-sliced nodes: whole
// numbers, requests equal to limits, at most one slice per container when
// the device plugin refuses more, and GPU pods on the nvidia runtime class
// with the toleration gpu-operator's nodes ask for.
type GPU struct{}

// Name implements Rule.
func (GPU) Name() string { return "gpu" }

// Check implements Rule.
func (GPU) Check(obj *yaml.RNode, env *Env) ([]Finding, error) {
	var out []Finding
	usesGPU := false
	for _, c := range containersOf(obj) {
		if c.ephemeral {
			continue
		}
		fs, gpus, err := gpuFindings(c, *env.Values.GPU.TimeSlicing.FailRequestsGreaterThanOne)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
		usesGPU = usesGPU || gpus > 0
	}
	if !usesGPU {
		return out, nil
	}
	ps := podSpecOf(obj)
	if rc := stringField(ps.node, "runtimeClassName"); rc != platform.RuntimeClass {
		out = append(out, Finding{Path: ps.path + ".runtimeClassName", Current: rc, Proposed: platform.RuntimeClass,
			Message: "GPU pods run with the nvidia container runtime", Fix: setString(ps.node, "runtimeClassName", platform.RuntimeClass)})
	}
	if !toleratesGPU(ps.node) {
		out = append(out, Finding{Path: ps.path + ".tolerations", Proposed: "{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}",
			Message: "GPU pods tolerate the nvidia.com/gpu taint of GPU nodes", Fix: addGPUToleration(ps.node)})
	}
	return out, nil
}

// gpuFindings checks one container and returns the slices it asks for.
func gpuFindings(c container, failGreaterThanOne bool) ([]Finding, int64, error) {
	name := platform.GPUResource
	req, hasReq, err := quantityAt(c, "requests", name)
	if err != nil {
		return nil, 0, err
	}
	lim, hasLim, err := quantityAt(c, "limits", name)
	if err != nil {
		return nil, 0, err
	}
	base := c.path + ".resources."
	var out []Finding
	for _, q := range []struct {
		section string
		has     bool
		q       resource.Quantity
	}{{"limits", hasLim, lim}, {"requests", hasReq, req}} {
		switch {
		case !q.has:
		case q.q.Sign() < 0:
			out = append(out, Finding{Path: base + q.section + "." + string(name), Current: q.q.String(), Message: "nvidia.com/gpu cannot be negative: the API server refuses it"})
		case q.q.Cmp(maxGPUs) > 0:
			// Beyond int64 a quantity's Value wraps: it would count as
			// no GPU at all and skip the capacity check.
			out = append(out, Finding{Path: base + q.section + "." + string(name), Current: q.q.String(), Message: fmt.Sprintf("nvidia.com/gpu %s is more time-slices than any node advertises (at most %d)", q.q.String(), maxGPUs.Value())})
		case q.q.MilliValue()%1000 != 0:
			out = append(out, Finding{Path: base + q.section + "." + string(name), Current: q.q.String(), Message: "nvidia.com/gpu must be a whole number of time-slices"})
		}
	}
	if len(out) > 0 {
		return out, 0, nil
	}
	switch {
	case hasReq && !hasLim:
		out = append(out, Finding{Path: base + "limits." + string(name), Proposed: req.String(),
			Message: "nvidia.com/gpu needs a limit equal to its request", Fix: setQuantity(c, "limits", name, req)})
		lim = req
	case hasLim && !hasReq:
		out = append(out, Finding{Path: base + "requests." + string(name), Proposed: lim.String(),
			Message: "nvidia.com/gpu request is set equal to its limit", Fix: setQuantity(c, "requests", name, lim)})
	case hasLim && hasReq && req.Cmp(lim) != 0:
		out = append(out, Finding{Path: base + "requests." + string(name), Current: req.String(),
			Message: fmt.Sprintf("nvidia.com/gpu request %s must equal its limit %s", req.String(), lim.String())})
	}
	if lim.Value() > 1 && failGreaterThanOne {
		out = append(out, Finding{Path: base + "limits." + string(name), Current: lim.String(),
			Message: fmt.Sprintf("asks for %s time-slices, but failRequestsGreaterThanOne makes the device plugin refuse more than 1", lim.String())})
	}
	return out, lim.Value(), nil
}

// maxGPUs bounds one container's nvidia.com/gpu: far above any node's
// GPUs x replicas, far below where quantities stop being exact int64s.
var maxGPUs = resource.MustParse("1000000")

func toleratesGPU(ps *yaml.RNode) bool {
	f := ps.Field("tolerations")
	if f == nil {
		return false
	}
	elems, _ := f.Value.Elements()
	for _, t := range elems {
		key, op := stringField(t, "key"), stringField(t, "operator")
		if (key == string(platform.GPUResource) || key == "" && op == string(corev1.TolerationOpExists)) && stringField(t, "effect") != string(corev1.TaintEffectNoExecute) {
			return true
		}
	}
	return false
}

// gpuToleration is the toleration the fix adds, as a node: each fix appends
// a copy.
var gpuToleration = sync.OnceValues(func() (*yaml.RNode, error) {
	b, err := sigsyaml.Marshal(corev1.Toleration{Key: string(platform.GPUResource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	if err != nil {
		return nil, err
	}
	return yaml.Parse(string(b))
})

func addGPUToleration(ps *yaml.RNode) func() error {
	return func() error {
		list, err := ps.Pipe(yaml.LookupCreate(yaml.SequenceNode, "tolerations"))
		if err != nil {
			return err
		}
		t, err := gpuToleration()
		if err != nil {
			return err
		}
		return list.PipeE(yaml.Append(t.Copy().YNode()))
	}
}
