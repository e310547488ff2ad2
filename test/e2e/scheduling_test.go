package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// testScheduling is a differential test of the renderer's capacity check
// against the real kube-scheduler: for each table row it makes fake nodes
// that advertise what gpu-operator publishes for the rendered time-slicing
// config, creates one more session pod per pool than the renderer says fit,
// and checks that exactly the predicted number is bound and the rest stay
// Pending with "Insufficient nvidia.com/gpu".
func testScheduling(ctx context.Context, t *testing.T, cl *kubeclient.Client) {
	tests := []struct {
		name  string
		pools []values.NodePool
	}{
		{"one GPU, default 8 replicas", []values.NodePool{{Name: "single", Nodes: 1, GPUsPerNode: 1, Replicas: 8}}},
		{"two nodes of two GPUs, 4 replicas", []values.NodePool{{Name: "duo", Nodes: 2, GPUsPerNode: 2, Replicas: 4}}},
		{"minimum replicas", []values.NodePool{{Name: "min", Nodes: 3, GPUsPerNode: 1, Replicas: 2}}},
		{"two pools", []values.NodePool{{Name: "a4000", Nodes: 3, GPUsPerNode: 2, Replicas: 4}, {Name: "l40s", Nodes: 1, GPUsPerNode: 4, Replicas: 5}}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := "sched-" + strconv.Itoa(i)
			prefix := ns + "-"
			if _, err := cl.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			v := values.Defaults()
			v.Global.Hostname = "vdi.example.org"
			v.VDI.SessionNamespace = ns
			var demands []platform.Demand
			pools := slices.Clone(tt.pools)
			for p := range pools {
				pools[p].Name = prefix + pools[p].Name
				cluster.CreateNodes(ctx, t, cl.Kube, cluster.GPUNodes(pools[p], "")...)
				slices := int(pools[p].Nodes * pools[p].GPUsPerNode * pools[p].Replicas)
				v.VDI.Templates = append(v.VDI.Templates, values.Template{Name: pools[p].Name, Image: "ghcr.io/selkies-project/nvidia-egl-desktop:24.04", NodePool: pools[p].Name})
				// One session more than the pool can hold.
				demands = append(demands, platform.Demand{Object: pools[p].Name, Pool: pools[p].Name, PerPod: 1, Pods: int64(slices + 1)})
			}
			v.GPU.NodePools = pools
			v.Default()
			predicted := platform.Place(v.Pools(), demands)

			// Watch from before the first create to time each pod from creation
			// to binding: the scheduling share of session start-up.
			watcher := watchBinding(ctx, t, cl, ns)
			var created []string
			for _, obj := range generators.Sessions(v) {
				tpl, ok := obj.(*v1alpha1.VDITemplate)
				if !ok {
					continue
				}
				for _, d := range demands {
					if d.Pool != tpl.Name {
						continue
					}
					for r := range d.Pods {
						s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", tpl.Name, r), Namespace: ns}}
						noHome := *tpl
						noHome.Spec.Storage = nil // no provisioner runs here to bind a claim
						pod := session.Pod(&noHome, s)
						watcher.created(pod.Name)
						if _, err := cl.Kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
							t.Fatalf("create %s: %v", pod.Name, err)
						}
						created = append(created, pod.Name)
					}
				}
			}

			bound, pending := waitScheduled(ctx, t, cl, ns, len(created))
			total := 0
			for _, n := range bound {
				total += n
			}
			watcher.report(t, total)
			for _, p := range predicted.Pools {
				got := bound[p.Pool.Name]
				if int64(got) != p.Fit {
					t.Errorf("pool %s: scheduler bound %d pods, renderer predicted %d (of %d slices)", p.Pool.Name, got, p.Fit, p.Pool.Slices())
				}
				if want := p.Pods - p.Fit; int64(len(pending[p.Pool.Name])) != want {
					t.Errorf("pool %s: %d pods pending, want %d", p.Pool.Name, len(pending[p.Pool.Name]), want)
				}
				for _, msg := range pending[p.Pool.Name] {
					if !strings.Contains(msg, "Insufficient nvidia.com/gpu") {
						t.Errorf("pool %s: pending for another reason: %s", p.Pool.Name, msg)
					}
				}
				t.Logf("pool %s: %d of %d session pods bound, as predicted; the rest Pending with Insufficient nvidia.com/gpu", p.Pool.Name, got, p.Pods)
			}
		})
	}
}

// waitScheduled waits until every pod is either bound or marked
// unschedulable, and returns the bound count and pending reasons per pool.
func waitScheduled(ctx context.Context, t *testing.T, cl *kubeclient.Client, ns string, total int) (map[string]int, map[string][]string) {
	t.Helper()
	var bound map[string]int
	var pending map[string][]string
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := cl.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		bound, pending = map[string]int{}, map[string][]string{}
		done := 0
		for _, p := range pods.Items {
			pool := p.Spec.NodeSelector[platform.PoolLabel]
			if p.Spec.NodeName != "" {
				bound[pool]++
				done++
				continue
			}
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
					pending[pool] = append(pending[pool], c.Message)
					done++
				}
			}
		}
		return done == total, nil
	})
	if err != nil {
		t.Fatalf("pods not all scheduled or refused: %v (bound %v, pending %v)", err, bound, pending)
	}
	return bound, pending
}

// bindingWatch times pods from creation to binding.
type bindingWatch struct {
	mu      sync.Mutex
	start   map[string]time.Time
	latency map[string]time.Duration
	stop    func()
}

func watchBinding(ctx context.Context, t *testing.T, cl *kubeclient.Client, ns string) *bindingWatch {
	t.Helper()
	b := &bindingWatch{start: map[string]time.Time{}, latency: map[string]time.Duration{}}
	seen := func(obj any) {
		pod, ok := obj.(*corev1.Pod)
		if !ok || pod.Spec.NodeName == "" {
			return
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, done := b.latency[pod.Name]; !done {
			if s, ok := b.start[pod.Name]; ok {
				b.latency[pod.Name] = time.Since(s)
			}
		}
	}
	// An informer lists and re-watches on its own, so a young watch cache
	// (etcd 3.4 has no progress notifications) costs no events.
	factory := informers.NewSharedInformerFactoryWithOptions(cl.Kube, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: seen, UpdateFunc: func(_, n any) { seen(n) }}); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	factory.Start(stop)
	factory.WaitForCacheSync(stop)
	b.stop = func() { close(stop); factory.Shutdown() }
	return b
}

func (b *bindingWatch) created(name string) {
	b.mu.Lock()
	b.start[name] = time.Now()
	b.mu.Unlock()
}

// report logs the median and worst time from pod creation to binding, once
// the informer has seen all bound pods.
func (b *bindingWatch) report(t *testing.T, bound int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b.mu.Lock()
		n := len(b.latency)
		b.mu.Unlock()
		if n >= bound {
			break
		}
	}
	b.stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	var ds []time.Duration
	for _, d := range b.latency {
		ds = append(ds, d)
	}
	if len(ds) != bound {
		t.Errorf("saw %d of %d bindings", len(ds), bound)
		return
	}
	slices.Sort(ds)
	t.Logf("scheduling share of session start-up, %d pods: median %s, max %s (budget for a whole session start: 30s)",
		len(ds), ds[len(ds)/2].Round(time.Millisecond), ds[len(ds)-1].Round(time.Millisecond))
}
