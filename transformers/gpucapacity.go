package transformers

import (
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/platform"
)

// GPUCapacity compares the GPU time-slices that the package's workloads and
// sessions may hold at once with what each node pool advertises (nodes x
// GPUs x replicas), and says how many fit. It shares the gpu rule's mode.
// Demand and capacity are counted by the platform model, as verify, doctor
// and the operator count them.
type GPUCapacity struct{}

// Name implements PackageRule.
func (GPUCapacity) Name() string { return "gpu" }

// CheckPackage implements PackageRule.
func (GPUCapacity) CheckPackage(items []*yaml.RNode, env *Env) (framework.Results, error) {
	tags := func() map[string]string { return map[string]string{"rule": "gpu", "check": "capacity"} }
	demands, owners, errs := platform.Demands(items)
	var out framework.Results
	for _, e := range errs {
		out = append(out, &framework.Result{Severity: framework.Error, Message: "GPU demand cannot be read: " + e.Message,
			ResourceRef: ref(e.Object), File: fileOf(e.Object), Field: &framework.Field{Path: e.Path}, Tags: tags()})
	}
	if env.UnknownPools {
		return append(out, &framework.Result{Severity: framework.Info, Tags: tags(),
			Message: "GPU capacity not checked: no VDIPlatform gives the node pools"}), nil
	}
	for _, p := range platform.Place(env.Values.Pools(), demands).Pools {
		if !p.Short() {
			out = append(out, &framework.Result{Severity: framework.Info, Tags: tags(), Message: p.Summary()})
			continue
		}
		res := &framework.Result{Severity: framework.Error, Message: p.String(), Tags: tags()}
		if p.FirstUnfit >= 0 {
			res.ResourceRef = ref(owners[p.FirstUnfit])
			res.File = fileOf(owners[p.FirstUnfit])
		}
		out = append(out, res)
	}
	return out, nil
}
