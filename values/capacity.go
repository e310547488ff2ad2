package values

import "fmt"

// PoolCapacity is the time-sliced GPU capacity of one node pool and the
// persistent sessions that land on it.
type PoolCapacity struct {
	Pool NodePool
	// Slices is nodes x GPUs per node x replicas: what the nodes advertise as nvidia.com/gpu.
	Slices int64
	// Demand is the GPU slices the pool's sessions ask for.
	Demand int64
	// Sessions and Fit count the sessions sent to this pool and how many of them fit.
	Sessions, Fit int
	// FirstUnfit is the index in vdi.sessions of the first session that does not fit, or -1.
	FirstUnfit int
}

// Capacity is the time-sliced capacity of every pool against the persistent
// sessions. Sessions whose template names a pool go to that pool; the others
// go to whichever node has room, in the order the pools are listed.
type Capacity struct {
	Pools []PoolCapacity
}

// Capacity places the persistent sessions on the pools' nodes the way the
// scheduler's resource fit allows: a session fits on a node when the slices
// still free there cover its request.
func (v *Values) Capacity() Capacity {
	var c Capacity
	free := map[string][]int64{} // pool -> free slices per node
	for _, p := range v.GPU.NodePools {
		nodes := make([]int64, p.Nodes)
		for i := range nodes {
			nodes[i] = int64(p.GPUsPerNode) * int64(p.Replicas)
		}
		free[p.Name] = nodes
		c.Pools = append(c.Pools, PoolCapacity{Pool: p, Slices: int64(p.Nodes) * int64(p.GPUsPerNode) * int64(p.Replicas), FirstUnfit: -1})
	}
	templates := map[string]Template{}
	for _, t := range v.VDI.Templates {
		templates[t.Name] = t
	}
	place := func(pool int, gpus int64) bool {
		nodes := free[c.Pools[pool].Pool.Name]
		for i := range nodes {
			if nodes[i] >= gpus {
				nodes[i] -= gpus
				return true
			}
		}
		return false
	}
	for si, s := range v.VDI.Sessions {
		t := templates[s.Template]
		gpus := t.GPUs()
		if gpus == 0 {
			continue
		}
		candidates := []int{}
		for i, p := range c.Pools {
			if t.NodePool == "" || t.NodePool == p.Pool.Name {
				candidates = append(candidates, i)
			}
		}
		if len(candidates) == 0 {
			continue
		}
		placed := -1
		for _, i := range candidates {
			if place(i, gpus) {
				placed = i
				break
			}
		}
		target := placed
		if target < 0 {
			target = candidates[0]
		}
		c.Pools[target].Sessions++
		c.Pools[target].Demand += gpus
		switch {
		case placed >= 0:
			c.Pools[target].Fit++
		case c.Pools[target].FirstUnfit < 0:
			c.Pools[target].FirstUnfit = si
		}
	}
	return c
}

// Overcommitted lists the pools whose sessions do not all fit.
func (c Capacity) Overcommitted() []PoolCapacity {
	var out []PoolCapacity
	for _, p := range c.Pools {
		if p.Fit < p.Sessions {
			out = append(out, p)
		}
	}
	return out
}

func (p PoolCapacity) String() string {
	return fmt.Sprintf("node pool %s: %d GPU sessions ask for %d nvidia.com/gpu but the pool advertises %d time-slices (%d nodes x %d GPUs x %d replicas); %d of %d sessions fit",
		p.Pool.Name, p.Sessions, p.Demand, p.Slices, p.Pool.Nodes, p.Pool.GPUsPerNode, p.Pool.Replicas, p.Fit, p.Sessions)
}
