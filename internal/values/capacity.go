package values

import "github.com/vdirender/vdirender/internal/platform"

// Pools are the node pools of the values in the platform model.
func (v *Values) Pools() []platform.Pool {
	out := make([]platform.Pool, len(v.GPU.NodePools))
	for i, p := range v.GPU.NodePools {
		out[i] = platform.UniformPool(p.Name, int64(p.Nodes), int64(p.GPUsPerNode), int64(p.Replicas))
	}
	return out
}

// Capacity places the persistent sessions of the values on their pools.
func (v *Values) Capacity() platform.Capacity {
	templates := map[string]Template{}
	for _, t := range v.VDI.Templates {
		templates[t.Name] = t
	}
	demands := make([]platform.Demand, len(v.VDI.Sessions))
	for i, s := range v.VDI.Sessions {
		t := templates[s.Template]
		demands[i] = platform.Demand{Object: "VDISession/" + s.Name, Pool: t.NodePool, PerPod: t.GPUs(), Pods: 1}
	}
	return platform.Place(v.Pools(), demands)
}
