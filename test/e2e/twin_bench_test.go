package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// BenchmarkTwinSessionStartup measures session_startup_seconds end to end
// on the K3s twin: from creating a VDISession to its status reading
// Running, through the operator, the scheduler, local-path provisioning
// its claim and kwok starting its pod; once for 1 session and once for 50
// created at once (7 nodes of 8 time-slices). It reports p50 and p95 in
// seconds. `make bench` runs it once:
// go test ./test/e2e -run '^$' -bench TwinSessionStartup -benchtime 1x
func BenchmarkTwinSessionStartup(b *testing.B) {
	const ns = "bench"
	pool := values.NodePool{Name: "bench", Nodes: 7, GPUsPerNode: 1, Replicas: 8}
	tw := cluster.StartTwin(b, cluster.TwinOptions{Nodes: cluster.GPUNodes(pool, "")})
	ctx := context.Background()
	cl := newClientTB(b, tw.Cluster)
	// Sessions of a template on the pool, with a home on local-path.
	k := prepareSessions(ctx, b, tw.Cluster, cl, ns, func(spec *v1alpha1.VDITemplateSpec) {
		spec.NodeSelector = map[string]string{platform.PoolLabel: pool.Name}
		spec.Tolerations = []v1alpha1.Toleration{{Key: string(platform.GPUResource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
		spec.RuntimeClassName = ptr.To("nvidia")
		spec.Storage = &v1alpha1.Storage{Size: resource.MustParse("1Gi"), StorageClassName: "local-path", MountPath: "/home/user"}
	})
	stop := startOperatorTB(b, tw.Cluster, ns, "")
	defer stop()
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			var all []time.Duration
			for i := range b.N {
				all = append(all, startSessions(ctx, b, k, ns, fmt.Sprintf("s%d-%d", n, i), n)...)
			}
			slices.Sort(all)
			b.ReportMetric(quantile(all, 0.50).Seconds(), "p50-s")
			b.ReportMetric(quantile(all, 0.95).Seconds(), "p95-s")
		})
	}
}

// startSessions creates n sessions at once and returns how long each took
// to read Running; then it deletes them and waits until their pods are
// gone, so that the next round finds every time-slice free.
func startSessions(ctx context.Context, b *testing.B, k client.Client, ns, prefix string, n int) []time.Duration {
	b.Helper()
	created := make([]time.Time, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i), Namespace: ns},
				Spec: v1alpha1.VDISessionSpec{Template: "desktop", User: fmt.Sprintf("user-%d", i)}}
			created[i] = time.Now()
			if err := k.Create(ctx, s); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	took := make([]time.Duration, n)
	done := 0
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		var list v1alpha1.VDISessionList
		if err := k.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return false, nil
		}
		now := time.Now()
		for _, s := range list.Items {
			var i int
			if _, err := fmt.Sscanf(s.Name[len(prefix)+1:], "%d", &i); err != nil || i >= n || took[i] != 0 {
				continue
			}
			if s.Status != nil && s.Status.Phase == v1alpha1.PhaseRunning {
				took[i] = now.Sub(created[i])
				done++
			}
		}
		return done == n, nil
	})
	if err != nil {
		b.Fatalf("%d of %d sessions Running: %v", done, n, err)
	}
	endSessions(ctx, b, k, ns)
	return took
}

// endSessions deletes every session of ns and waits until their pods are
// gone, so that the next round finds every time-slice free.
func endSessions(ctx context.Context, tb testing.TB, k client.Client, ns string) {
	tb.Helper()
	if err := k.DeleteAllOf(ctx, &v1alpha1.VDISession{}, client.InNamespace(ns)); err != nil {
		tb.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		var pods corev1.PodList
		err := k.List(ctx, &pods, client.InNamespace(ns), client.HasLabels{session.SessionLabel})
		return err == nil && len(pods.Items) == 0, nil
	})
	if err != nil {
		tb.Fatalf("the sessions' pods outlived them: %v", err)
	}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1)+0.5)]
}
