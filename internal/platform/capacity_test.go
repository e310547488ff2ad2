package platform_test

import (
	"math"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vdirender/vdirender/internal/platform"
)

// fit is what a test expects of one pool.
type fit struct {
	pods, fit, demand int64
	firstUnfit        int
}

// TestPlace places demands on pools and compares, per pool, the pods sent
// there, how many fit, the slices they ask for and the first demand that
// did not fit.
func TestPlace(t *testing.T) {
	single := platform.UniformPool("single", 1, 1, 8)
	duo := platform.UniformPool("duo", 2, 2, 4) // 2 nodes of 8 slices
	tests := []struct {
		name    string
		pools   []platform.Pool
		demands []platform.Demand
		want    []fit
	}{
		{"fits", []platform.Pool{single}, []platform.Demand{{PerPod: 1, Pods: 8}}, []fit{{8, 8, 8, -1}}},
		{"one over", []platform.Pool{single}, []platform.Demand{{PerPod: 1, Pods: 9}}, []fit{{9, 8, 9, 0}}},
		{"no replicas", []platform.Pool{single}, []platform.Demand{{PerPod: 1, Pods: 0}}, []fit{{0, 0, 0, -1}}},
		{"pods of two slices leave a remainder per node", []platform.Pool{platform.UniformPool("odd", 3, 1, 3)},
			[]platform.Demand{{PerPod: 2, Pods: 4}}, []fit{{4, 3, 8, 0}}},
		{"the remainder of a split node still serves small pods", []platform.Pool{duo},
			[]platform.Demand{{PerPod: 3, Pods: 3}, {PerPod: 1, Pods: 7}}, []fit{{10, 10, 16, -1}}},
		{"pinned demand goes to its pool only", []platform.Pool{single, duo},
			[]platform.Demand{{Pool: "duo", PerPod: 1, Pods: 17}}, []fit{{0, 0, 0, -1}, {17, 16, 17, 0}}},
		{"unpinned demand spills to the next pool", []platform.Pool{single, duo},
			[]platform.Demand{{PerPod: 1, Pods: 20}}, []fit{{8, 8, 8, -1}, {12, 12, 12, -1}}},
		{"unpinned overflow is charged to the first pool", []platform.Pool{single, duo},
			[]platform.Demand{{PerPod: 1, Pods: 30}}, []fit{{14, 8, 14, 0}, {16, 16, 16, -1}}},
		{"a pool without nodes fits nothing and is counted", []platform.Pool{single},
			[]platform.Demand{{Pool: "ghost", PerPod: 1, Pods: 3}, {Pool: "single", PerPod: 1, Pods: 2}},
			[]fit{{2, 2, 2, -1}, {3, 0, 3, 0}}},
		{"daemonset: one pod per node, placed first", []platform.Pool{duo},
			[]platform.Demand{{PerPod: 1, Pods: 15}, {PerPod: 1, PerNode: true}}, []fit{{17, 16, 17, 0}}},
		{"daemonset too large for the nodes", []platform.Pool{single},
			[]platform.Demand{{PerPod: 9, PerNode: true}}, []fit{{1, 0, 9, 0}}},
		{"daemonset pinned to a pool without nodes runs nowhere", []platform.Pool{single},
			[]platform.Demand{{Pool: "ghost", PerPod: 1, PerNode: true}}, []fit{{0, 0, 0, -1}}},
		{"huge replica count", []platform.Pool{duo}, []platform.Demand{{PerPod: 1, Pods: math.MaxInt32}},
			[]fit{{math.MaxInt32, 16, math.MaxInt32, 0}}},
		{"huge pool", []platform.Pool{platform.UniformPool("big", 1<<40, 8, 48)}, []platform.Demand{{PerPod: 1, Pods: math.MaxInt32}},
			[]fit{{math.MaxInt32, math.MaxInt32, math.MaxInt32, -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := platform.Place(tt.pools, tt.demands)
			if len(c.Pools) != len(tt.want) {
				t.Fatalf("%d pools, want %d: %+v", len(c.Pools), len(tt.want), c.Pools)
			}
			for i, w := range tt.want {
				p := c.Pools[i]
				if got := (fit{p.Pods, p.Fit, p.Demand, p.FirstUnfit}); got != w {
					t.Errorf("pool %s: got %+v, want %+v", p.Pool.Name, got, w)
				}
			}
		})
	}
}

// TestPlaceMatchesOnePodAtATime checks the arithmetic against the plain
// model it replaces, a pod at a time onto the first node with room, over
// many small mixed cases.
func TestPlaceMatchesOnePodAtATime(t *testing.T) {
	for nodes := int64(1); nodes <= 3; nodes++ {
		for slices := int64(1); slices <= 5; slices++ {
			for a := int64(1); a <= 3; a++ {
				for b := int64(1); b <= 3; b++ {
					pool := platform.Pool{Name: "p", Groups: []platform.NodeGroup{{Nodes: nodes, Slices: slices}}}
					demands := []platform.Demand{{PerPod: a, Pods: 4}, {PerPod: b, Pods: 5}, {PerPod: 1, Pods: 3}}
					got := platform.Place([]platform.Pool{pool}, demands).Pools[0].Fit
					free := make([]int64, nodes)
					for n := range free {
						free[n] = slices
					}
					var want int64
					for _, d := range demands {
						for range d.Pods {
							for n := range free {
								if free[n] >= d.PerPod {
									free[n] -= d.PerPod
									want++
									break
								}
							}
						}
					}
					if got != want {
						t.Errorf("%d nodes x %d slices, pods of %d then %d then 1: fit %d, one at a time %d", nodes, slices, a, b, got, want)
					}
				}
			}
		}
	}
}

// TestClusterPools groups live nodes into pools by their label, with the
// numbers GPU feature discovery publishes, and skips what cannot run GPU pods.
func TestClusterPools(t *testing.T) {
	node := func(name, pool string, slices int64, unschedulable bool) corev1.Node {
		n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{platform.CountLabel: "1", platform.ReplicasLabel: "8"}}}
		if pool != "" {
			n.Labels[platform.PoolLabel] = pool
		}
		n.Spec.Unschedulable = unschedulable
		if slices > 0 {
			n.Status.Allocatable = corev1.ResourceList{platform.GPUResource: *resource.NewQuantity(slices, resource.DecimalSI)}
		}
		return n
	}
	pools := platform.ClusterPools([]corev1.Node{
		node("c", "a", 8, false), node("a", "a", 8, false), node("b", "a", 16, false),
		node("d", "", 8, false), node("e", "a", 8, true), node("f", "a", 0, false),
	})
	if len(pools) != 2 || pools[0].Name != "a" || pools[1].Name != platform.DefaultPool {
		t.Fatalf("pools = %+v", pools)
	}
	if got, want := pools[0].Shape(), "1 nodes x 1 GPUs x 8 replicas + 1 nodes x 16 time-slices + 1 nodes x 1 GPUs x 8 replicas"; got != want {
		t.Errorf("shape = %q, want %q", got, want)
	}
	if pools[0].Nodes() != 3 || pools[0].Slices() != 32 || pools[1].Slices() != 8 {
		t.Errorf("pool a: %d nodes, %d slices; default: %d slices", pools[0].Nodes(), pools[0].Slices(), pools[1].Slices())
	}
}

// BenchmarkPlaceHugeReplicas places the largest Deployment Kubernetes
// accepts: the cost must not depend on the replica count.
func BenchmarkPlaceHugeReplicas(b *testing.B) {
	pools := []platform.Pool{platform.UniformPool("a", 1000, 8, 48), platform.UniformPool("b", 10, 1, 2)}
	demands := []platform.Demand{{PerPod: 1, Pods: math.MaxInt32}, {PerPod: 2, PerNode: true}, {Pool: "b", PerPod: 1, Pods: 5}}
	for b.Loop() {
		platform.Place(pools, demands)
	}
}
