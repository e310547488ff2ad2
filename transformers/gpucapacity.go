package transformers

import (
	"fmt"
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/apis/nvidia"
	"github.com/vdirender/vdirender/internal/values"
)

// GPUCapacity compares the GPU time-slices that the package's workloads and
// sessions may hold at once with what each node pool advertises (nodes x
// GPUs x replicas), and says how many fit. It shares the gpu rule's mode.
type GPUCapacity struct{}

// Name implements PackageRule.
func (GPUCapacity) Name() string { return "gpu" }

// replicaPaths is where each kind says how many pods it runs at once.
var replicaPaths = map[string][]string{
	"Deployment":  {"spec", "replicas"},
	"StatefulSet": {"spec", "replicas"},
	"ReplicaSet":  {"spec", "replicas"},
	"Job":         {"spec", "parallelism"},
	"CronJob":     {"spec", "jobTemplate", "spec", "parallelism"},
}

// CheckPackage implements PackageRule.
func (GPUCapacity) CheckPackage(items []*yaml.RNode, env *Env) (framework.Results, error) {
	if env.UnknownPools {
		return framework.Results{{Severity: framework.Info, Tags: map[string]string{"rule": "gpu", "check": "capacity"},
			Message: "GPU capacity not checked: no VDIPlatform gives the node pools"}}, nil
	}
	demands, owners, err := Demands(items)
	if err != nil {
		return nil, err
	}
	c := values.Place(env.Values.GPU.NodePools, demands)
	var out framework.Results
	for _, p := range c.Pools {
		if p.Fit < p.Replicas {
			res := &framework.Result{Severity: framework.Error, Message: p.String(), Tags: map[string]string{"rule": "gpu", "check": "capacity"}}
			if owner := owners[p.FirstUnfit]; owner != nil {
				res.ResourceRef = ref(owner)
				res.File = fileOf(owner)
			}
			out = append(out, res)
			continue
		}
		out = append(out, &framework.Result{Severity: framework.Info, Tags: map[string]string{"rule": "gpu", "check": "capacity"},
			Message: fmt.Sprintf("node pool %s: %d of %d nvidia.com/gpu time-slices taken by %d GPU pod(s) (%d nodes x %d GPUs x %d replicas)",
				p.Pool.Name, p.Demand, p.Slices, p.Replicas, p.Pool.Nodes, p.Pool.GPUsPerNode, p.Pool.Replicas)})
	}
	return out, nil
}

// Demands lists the GPU time-slices that the workloads and sessions among
// items may hold at once, each with the object it comes from.
func Demands(items []*yaml.RNode) ([]values.Demand, []*yaml.RNode, error) {
	var demands []values.Demand
	var owners []*yaml.RNode
	templates := map[string]values.Demand{} // namespace/name -> one session's demand
	for _, it := range items {
		d, ok, err := demandOf(it)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if isTemplate(it) {
			templates[it.GetNamespace()+"/"+it.GetName()] = d
			continue
		}
		demands = append(demands, d)
		owners = append(owners, it)
	}
	for _, it := range items {
		if it.GetKind() != v1alpha1.SessionKind || it.GetApiVersion() != v1alpha1.APIVersion {
			continue
		}
		tpl, err := it.Pipe(yaml.Lookup("spec", "template"))
		if err != nil || tpl == nil {
			continue
		}
		if d, ok := templates[it.GetNamespace()+"/"+yaml.GetValue(tpl)]; ok {
			d.Name = it.GetKind() + "/" + it.GetName()
			demands = append(demands, d)
			owners = append(owners, it)
		}
	}
	return demands, owners, nil
}

// demandOf reads the GPU slices per pod, the pods at once and the pool of a
// workload or template. DaemonSets are left out: they run one pod per node
// whatever the capacity.
func demandOf(obj *yaml.RNode) (values.Demand, bool, error) {
	ps := podSpecOf(obj)
	if ps == nil || obj.GetKind() == "DaemonSet" {
		return values.Demand{}, false, nil
	}
	var gpus int64
	for _, c := range containersOf(obj) {
		if c.ephemeral || c.init {
			continue
		}
		q, ok, err := quantityAt(c, "limits", values.GPUResource)
		if err != nil {
			return values.Demand{}, false, err
		}
		if ok {
			gpus += q.Value()
		}
	}
	if gpus == 0 {
		return values.Demand{}, false, nil
	}
	replicas := 1
	if p, ok := replicaPaths[obj.GetKind()]; ok {
		if n, err := obj.Pipe(yaml.Lookup(p...)); err == nil && n != nil {
			if r, err := strconv.Atoi(yaml.GetValue(n)); err == nil {
				replicas = r
			}
		}
	}
	pool := ""
	if n, err := ps.node.Pipe(yaml.Lookup("nodeSelector", nvidia.ConfigLabel)); err == nil && n != nil {
		pool = yaml.GetValue(n)
	}
	return values.Demand{Name: obj.GetKind() + "/" + obj.GetName(), Pool: pool, GPUs: gpus, Replicas: replicas}, true, nil
}
