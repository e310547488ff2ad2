package values

import "fmt"

// Demand is the GPU time-slices wanted by the replicas of one workload or
// session.
type Demand struct {
	Name string
	// Pool is the node pool the workload is pinned to; "" means any pool.
	Pool string
	// GPUs is the slices one replica asks for.
	GPUs     int64
	Replicas int
}

// PoolCapacity is the time-sliced GPU capacity of one node pool and the
// replicas that land on it.
type PoolCapacity struct {
	Pool NodePool
	// Slices is nodes x GPUs per node x replicas: what the nodes advertise as nvidia.com/gpu.
	Slices int64
	// Demand is the GPU slices the pool's replicas ask for.
	Demand int64
	// Replicas and Fit count the replicas sent to this pool and how many of them fit.
	Replicas, Fit int
	// FirstUnfit is the index of the first demand with a replica that does not fit, or -1.
	FirstUnfit int
}

// Capacity is the time-sliced capacity of every pool against a demand.
type Capacity struct {
	Pools []PoolCapacity
}

// Place puts every replica on the pools' nodes the way the scheduler's
// resource fit allows: a replica fits on a node when the slices still free
// there cover its request. Replicas pinned to a pool go there; the others
// go to the first pool, in the order listed, with room.
func Place(pools []NodePool, demands []Demand) Capacity {
	var c Capacity
	free := make([][]int64, len(pools)) // per pool, free slices per node
	for i, p := range pools {
		free[i] = make([]int64, p.Nodes)
		for n := range free[i] {
			free[i][n] = int64(p.GPUsPerNode) * int64(p.Replicas)
		}
		c.Pools = append(c.Pools, PoolCapacity{Pool: p, Slices: int64(p.Nodes) * int64(p.GPUsPerNode) * int64(p.Replicas), FirstUnfit: -1})
	}
	place := func(pool int, gpus int64) bool {
		for n := range free[pool] {
			if free[pool][n] >= gpus {
				free[pool][n] -= gpus
				return true
			}
		}
		return false
	}
	for di, d := range demands {
		if d.GPUs == 0 {
			continue
		}
		var candidates []int
		for i, p := range c.Pools {
			if d.Pool == "" || d.Pool == p.Pool.Name {
				candidates = append(candidates, i)
			}
		}
		if len(candidates) == 0 {
			// No node serves the pool: none of the replicas can run.
			c.Pools = append(c.Pools, PoolCapacity{Pool: NodePool{Name: d.Pool}, FirstUnfit: di})
			free = append(free, nil)
			candidates = []int{len(c.Pools) - 1}
		}
		for range d.Replicas {
			placed := -1
			for _, i := range candidates {
				if place(i, d.GPUs) {
					placed = i
					break
				}
			}
			target := placed
			if target < 0 {
				target = candidates[0]
			}
			p := &c.Pools[target]
			p.Replicas++
			p.Demand += d.GPUs
			switch {
			case placed >= 0:
				p.Fit++
			case p.FirstUnfit < 0:
				p.FirstUnfit = di
			}
		}
	}
	return c
}

// Capacity places the persistent sessions of the values on their pools.
func (v *Values) Capacity() Capacity {
	templates := map[string]Template{}
	for _, t := range v.VDI.Templates {
		templates[t.Name] = t
	}
	demands := make([]Demand, len(v.VDI.Sessions))
	for i, s := range v.VDI.Sessions {
		t := templates[s.Template]
		demands[i] = Demand{Name: s.Name, Pool: t.NodePool, GPUs: t.GPUs(), Replicas: 1}
	}
	return Place(v.GPU.NodePools, demands)
}

// Overcommitted lists the pools whose replicas do not all fit.
func (c Capacity) Overcommitted() []PoolCapacity {
	var out []PoolCapacity
	for _, p := range c.Pools {
		if p.Fit < p.Replicas {
			out = append(out, p)
		}
	}
	return out
}

func (p PoolCapacity) String() string {
	return fmt.Sprintf("node pool %s: %d GPU pod(s) ask for %d nvidia.com/gpu but the pool advertises %d time-slices (%d nodes x %d GPUs x %d replicas); %d of %d fit",
		p.Pool.Name, p.Replicas, p.Demand, p.Slices, p.Pool.Nodes, p.Pool.GPUsPerNode, p.Pool.Replicas, p.Fit, p.Replicas)
}
