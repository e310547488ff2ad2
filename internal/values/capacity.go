package values

import (
	"strconv"

	"github.com/vdirender/vdirender/internal/platform"
)

// Pools are the node pools of the values in the platform model.
func (v *Values) Pools() []platform.Pool {
	out := make([]platform.Pool, len(v.GPU.NodePools))
	for i, p := range v.GPU.NodePools {
		out[i] = platform.UniformPool(p.Name, int64(p.Nodes), int64(p.GPUsPerNode), int64(p.Replicas))
	}
	return out
}

// Capacity places the persistent sessions of the values, and the warm
// pools of their templates at their peak (each warm desktop holds its
// time-slices), on their pools.
func (v *Values) Capacity() platform.Capacity {
	demands, _ := v.demands()
	return platform.Place(v.Pools(), demands)
}

// demands are the GPU demands of the values, each with the field path it
// comes from: sessions first, then warm pools.
func (v *Values) demands() ([]platform.Demand, [][]string) {
	templates := map[string]Template{}
	for _, t := range v.VDI.Templates {
		templates[t.Name] = t
	}
	var demands []platform.Demand
	var paths [][]string
	for i, s := range v.VDI.Sessions {
		t := templates[s.Template]
		demands = append(demands, platform.Demand{Object: "VDISession/" + s.Name, Pool: t.NodePool, PerPod: t.GPUs(), Pods: 1})
		paths = append(paths, []string{"vdi", "sessions", strconv.Itoa(i)})
	}
	for i, t := range v.VDI.Templates {
		if peak := t.WarmPool.Peak(); peak > 0 && t.GPUs() > 0 {
			demands = append(demands, platform.Demand{Object: "VDITemplate/" + t.Name + " warm pool", Pool: t.NodePool, PerPod: t.GPUs(), Pods: int64(peak)})
			paths = append(paths, []string{"vdi", "templates", strconv.Itoa(i), "warmPool"})
		}
	}
	return demands, paths
}
