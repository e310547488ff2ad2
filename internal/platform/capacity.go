package platform

import (
	"fmt"
	"math"
	"strings"
)

// Pool is a node pool: the GPU nodes that share one device-plugin config.
type Pool struct {
	Name   string
	Groups []NodeGroup
}

// NodeGroup is a run of identical nodes of a pool.
type NodeGroup struct {
	Nodes int64
	// GPUs and Replicas describe a node for messages (physical GPUs, and
	// time-slices per GPU); either is 0 when unknown.
	GPUs, Replicas int64
	// Slices is the nvidia.com/gpu one node advertises.
	Slices int64
}

// UniformPool is a pool of nodes alike: each advertises gpus x replicas.
func UniformPool(name string, nodes, gpus, replicas int64) Pool {
	return Pool{Name: name, Groups: []NodeGroup{{Nodes: nodes, GPUs: gpus, Replicas: replicas, Slices: mul(gpus, replicas)}}}
}

// Nodes counts the nodes of the pool.
func (p Pool) Nodes() int64 {
	var n int64
	for _, g := range p.Groups {
		n = add(n, g.Nodes)
	}
	return n
}

// Slices is the nvidia.com/gpu the whole pool advertises.
func (p Pool) Slices() int64 {
	var n int64
	for _, g := range p.Groups {
		n = add(n, mul(g.Nodes, g.Slices))
	}
	return n
}

// Shape says what the pool is made of: "2 nodes x 1 GPUs x 8 replicas".
func (p Pool) Shape() string {
	parts := make([]string, 0, len(p.Groups))
	for _, g := range p.Groups {
		if g.GPUs > 0 && g.Replicas > 0 && g.GPUs*g.Replicas == g.Slices {
			parts = append(parts, fmt.Sprintf("%d nodes x %d GPUs x %d replicas", g.Nodes, g.GPUs, g.Replicas))
		} else {
			parts = append(parts, fmt.Sprintf("%d nodes x %d time-slices", g.Nodes, g.Slices))
		}
	}
	if len(parts) == 0 {
		return "no nodes"
	}
	return strings.Join(parts, " + ")
}

// PoolCapacity is one pool against the demand sent to it.
type PoolCapacity struct {
	Pool Pool
	// Demand is the nvidia.com/gpu the pool's pods ask for.
	Demand int64
	// Pods counts the pods sent to the pool and Fit those that fit.
	Pods, Fit int64
	// FirstUnfit is the index of the first demand with a pod that does not
	// fit, or -1.
	FirstUnfit int
}

// Short reports whether some pods of the pool do not fit.
func (p PoolCapacity) Short() bool { return p.Fit < p.Pods }

func (p PoolCapacity) String() string {
	return fmt.Sprintf("node pool %s: %d GPU pod(s) ask for %d nvidia.com/gpu but the pool advertises %d time-slices (%s); %d of %d fit",
		p.Pool.Name, p.Pods, p.Demand, p.Pool.Slices(), p.Pool.Shape(), p.Fit, p.Pods)
}

// Summary says how full a pool that fits is.
func (p PoolCapacity) Summary() string {
	return fmt.Sprintf("node pool %s: %d of %d nvidia.com/gpu time-slices taken by %d GPU pod(s) (%s)",
		p.Pool.Name, p.Demand, p.Pool.Slices(), p.Pods, p.Pool.Shape())
}

// Capacity is every pool against a demand.
type Capacity struct {
	Pools []PoolCapacity
}

// Short lists the pools whose pods do not all fit.
func (c Capacity) Short() []PoolCapacity {
	var out []PoolCapacity
	for _, p := range c.Pools {
		if p.Short() {
			out = append(out, p)
		}
	}
	return out
}

// run is a run of nodes with the same free slices, in scheduling order.
type run struct{ nodes, free int64 }

// Place puts the demands on the pools the way the scheduler's resource fit
// allows: a pod fits on a node whose free slices cover its request, nodes
// fill first to last. DaemonSet pods go first, one on every node of their
// pools; pods pinned to a pool go there; the others go to the first pool,
// in the order listed, with room. It is arithmetic over runs of alike
// nodes, so its cost grows with the number of demands, never with the
// number of pods or nodes.
func Place(pools []Pool, demands []Demand) Capacity {
	c := Capacity{Pools: make([]PoolCapacity, len(pools))}
	free := make([][]run, len(pools))
	for i, p := range pools {
		c.Pools[i] = PoolCapacity{Pool: p, FirstUnfit: -1}
		for _, g := range p.Groups {
			if g.Nodes > 0 {
				free[i] = append(free[i], run{g.Nodes, g.Slices})
			}
		}
	}
	candidates := func(d Demand) []int {
		var out []int
		for i, p := range c.Pools {
			if d.Pool == "" || d.Pool == p.Pool.Name {
				out = append(out, i)
			}
		}
		return out
	}
	for di, d := range demands {
		if !d.PerNode || d.PerPod <= 0 {
			continue
		}
		// A DaemonSet has a pod on every node of its pools; a pool without
		// nodes runs none.
		for _, i := range candidates(d) {
			p := &c.Pools[i]
			for r := range free[i] {
				n := free[i][r].nodes
				p.Pods = add(p.Pods, n)
				p.Demand = add(p.Demand, mul(n, d.PerPod))
				if free[i][r].free >= d.PerPod {
					free[i][r].free -= d.PerPod
					p.Fit = add(p.Fit, n)
				} else if p.FirstUnfit < 0 {
					p.FirstUnfit = di
				}
			}
		}
	}
	for di, d := range demands {
		if d.PerNode || d.PerPod <= 0 || d.Pods <= 0 {
			continue
		}
		cands := candidates(d)
		if len(cands) == 0 {
			// No node serves the pool: none of the pods can run.
			c.Pools = append(c.Pools, PoolCapacity{Pool: Pool{Name: d.Pool}, FirstUnfit: -1})
			free = append(free, nil)
			cands = []int{len(c.Pools) - 1}
		}
		left := d.Pods
		for _, i := range cands {
			placed := fill(&free[i], d.PerPod, left)
			p := &c.Pools[i]
			p.Pods = add(p.Pods, placed)
			p.Fit = add(p.Fit, placed)
			p.Demand = add(p.Demand, mul(placed, d.PerPod))
			if left -= placed; left == 0 {
				break
			}
		}
		if left > 0 {
			p := &c.Pools[cands[0]]
			p.Pods = add(p.Pods, left)
			p.Demand = add(p.Demand, mul(left, d.PerPod))
			if p.FirstUnfit < 0 {
				p.FirstUnfit = di
			}
		}
	}
	return c
}

// fill places up to pods pods of per slices on the runs, first node first,
// and returns how many it placed. A run it fills in part splits in two (or
// three, with one node taking the remainder).
func fill(runs *[]run, per, pods int64) int64 {
	var placed int64
	out := make([]run, 0, len(*runs)+2)
	for _, r := range *runs {
		perNode := r.free / per
		if pods == placed || perNode == 0 {
			out = append(out, r)
			continue
		}
		want := pods - placed
		if whole := mul(r.nodes, perNode); whole <= want {
			placed += whole
			out = append(out, run{r.nodes, r.free - perNode*per})
			continue
		}
		full, rest := want/perNode, want%perNode
		out = append(out, run{full, r.free - perNode*per})
		left := r.nodes - full
		if rest > 0 {
			out = append(out, run{1, r.free - rest*per})
			left--
		}
		if left > 0 {
			out = append(out, run{left, r.free})
		}
		placed = pods
	}
	*runs = merge(out)
	return placed
}

// merge joins neighbouring runs with the same free slices, so that runs
// stay few however many demands split them.
func merge(rs []run) []run {
	out := rs[:0]
	for _, r := range rs {
		if r.nodes == 0 {
			continue
		}
		if n := len(out); n > 0 && out[n-1].free == r.free {
			out[n-1].nodes += r.nodes
			continue
		}
		out = append(out, r)
	}
	return out
}

// add and mul saturate at the largest int64: counts come from user input.
func add(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func mul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}
