package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// startOperator runs the operator in-process against the test cluster,
// reading the platform config file at config ("" for the defaults), and
// returns a function that stops it.
func startOperator(t *testing.T, c *cluster.Cluster, ns, config string) func() {
	return startOperatorTB(t, c, ns, config)
}

func startOperatorTB(t testing.TB, c *cluster.Cluster, ns, config string) func() {
	t.Helper()
	mgr, err := operator.NewManager(c.Config, operator.Options{SessionNamespace: ns, SessionHost: "sessions.example.org", MetricsAddr: "0", HealthAddr: "0", ConfigPath: config})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("operator: %v", err)
		}
	}
}

// markReady plays the kubelet: the desktop container started and is Ready.
func markReady(ctx context.Context, t *testing.T, cl *kubeclient.Client, ns, name string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := cl.Kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || p.Spec.NodeName == "" {
			return false, nil
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = append(p.Status.Conditions,
			corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()},
			corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()})
		_, err = cl.Kube.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("pod %s never scheduled: %v", name, err)
	}
}

// sessionStatus waits until the session's status satisfies ok.
func sessionStatus(ctx context.Context, t *testing.T, cl client.Client, ns, name string, ok func(*v1alpha1.VDISessionStatus) bool) *v1alpha1.VDISessionStatus {
	t.Helper()
	var last *v1alpha1.VDISessionStatus
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var s v1alpha1.VDISession
		if err := cl.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
			return false, nil
		}
		last = s.Status
		return s.Status != nil && ok(s.Status), nil
	})
	if err != nil {
		t.Fatalf("session %s: status %+v: %v", name, last, err)
	}
	return last
}

func testOperator(ctx context.Context, t *testing.T, c *cluster.Cluster, cl *kubeclient.Client) {
	const ns = "ops"
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	k, err := client.New(c.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pool := values.NodePool{Name: "opspool", Nodes: 1, GPUsPerNode: 1, Replicas: 3}
	cluster.CreateNodes(ctx, t, cl.Kube, cluster.GPUNodes(pool, "")...)
	// The operator reads the platform's config as the Deployment mounts it:
	// the rendered ConfigMap's data, here with the pool the nodes form.
	warmPool := values.NodePool{Name: "warmpool", Nodes: 1, GPUsPerNode: 1, Replicas: 16}
	cluster.CreateNodes(ctx, t, cl.Kube, cluster.GPUNodes(warmPool, "")...)
	platformValues, err := values.LoadFile("platform.yaml", []byte("global: {hostname: example.org}\ngpu: {nodePools: [{name: opspool, nodes: 1, gpusPerNode: 1, replicas: 3}, {name: warmpool, nodes: 1, gpusPerNode: 1, replicas: 16}]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(t.TempDir(), values.ConfigMapKey)
	if err := os.WriteFile(config, []byte(generators.OperatorConfig(platformValues).Data[values.ConfigMapKey]), 0o644); err != nil {
		t.Fatal(err)
	}
	template := func(name string, idle, max time.Duration, home bool, pool string) {
		tpl := &v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1alpha1.VDITemplateSpec{
			Image: "ghcr.io/example/desktop:1.0.0", ImagePullPolicy: corev1.PullIfNotPresent,
			Resources: v1alpha1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("4Gi"), platform.GPUResource: resource.MustParse("1")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("1Gi"), platform.GPUResource: resource.MustParse("1")},
			},
			Streaming:        v1alpha1.Streaming{Protocol: "websocket", Port: 6901},
			IdleTimeout:      &metav1.Duration{Duration: idle},
			MaxSessionLength: &metav1.Duration{Duration: max},
			NodeSelector:     map[string]string{"nvidia.com/device-plugin.config": pool},
			Tolerations:      []v1alpha1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			RuntimeClassName: ptr.To("nvidia"),
		}}
		if home {
			tpl.Spec.Storage = &v1alpha1.Storage{Size: resource.MustParse("5Gi"), MountPath: "/home/user", StorageClassName: "local-path"}
		}
		if err := k.Create(ctx, tpl); err != nil {
			t.Fatal(err)
		}
	}
	newSession := func(name, tpl string) {
		s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1alpha1.VDISessionSpec{Template: tpl, User: name + "@example.org"}}
		if err := k.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	// No provisioner runs here, so pods with a claim would wait for their
	// volume forever: only the "home" template has one, to check the claim.
	template("desktop", time.Hour, 8*time.Hour, false, pool.Name)
	// On the other pool: its pod waits for a volume no provisioner makes,
	// and the scheduler holds its slice meanwhile (VolumeBinding PreBind),
	// which would take one of the three GPU exhaustion counts on.
	template("home", time.Hour, 8*time.Hour, true, warmPool.Name)
	template("short", time.Hour, 3*time.Second, false, pool.Name)
	template("idle", 2*time.Second, time.Hour, false, pool.Name)
	template("elsewhere", time.Hour, 8*time.Hour, false, "elsewhere")
	stop := startOperator(t, c, ns, config)

	t.Run("creation", func(t *testing.T) {
		newSession("alice", "desktop")
		markReady(ctx, t, cl, ns, "alice")
		st := sessionStatus(ctx, t, k, ns, "alice", func(s *v1alpha1.VDISessionStatus) bool { return s.Phase == v1alpha1.PhaseRunning })
		if st.URL != "https://sessions.example.org/sessions/ops/alice/" || st.StartTime == nil || st.NodeName == "" {
			t.Errorf("status %+v", st)
		}
		if n := startupObservations(t); n < 1 {
			t.Errorf("session_startup_seconds has %d observations", n)
		}
		// Everything the session made is owned by it, so deleting it removes them.
		var s v1alpha1.VDISession
		if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "alice"}, &s); err != nil {
			t.Fatal(err)
		}
		owned := func(kind string, obj metav1.Object) {
			refs := obj.GetOwnerReferences()
			if len(refs) != 1 || refs[0].UID != s.UID || refs[0].Controller == nil || !*refs[0].Controller {
				t.Errorf("%s %s is not owned by the session: %+v", kind, obj.GetName(), refs)
			}
		}
		pod, err := cl.Kube.CoreV1().Pods(ns).Get(ctx, "alice", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		owned("Pod", pod)
		if pod.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent || pod.Spec.RuntimeClassName == nil {
			t.Errorf("the pod did not get the platform rules: %+v", pod.Spec)
		}
		svc, err := cl.Kube.CoreV1().Services(ns).Get(ctx, "alice", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		owned("Service", svc)
		newSession("holly", "home")
		var pvc *corev1.PersistentVolumeClaim
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
			pvc, err = cl.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "holly-home", metav1.GetOptions{})
			return err == nil, nil
		}); err != nil {
			t.Fatal("no claim for the session's home")
		}
		var holly v1alpha1.VDISession
		if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "holly"}, &holly); err != nil {
			t.Fatal(err)
		}
		if refs := pvc.GetOwnerReferences(); len(refs) != 1 || refs[0].UID != holly.UID {
			t.Errorf("claim not owned by its session: %+v", refs)
		}
		if *pvc.Spec.StorageClassName != "local-path" || pvc.Spec.Resources.Requests.Storage().String() != "5Gi" {
			t.Errorf("claim %+v", pvc.Spec)
		}
		// The claim waits for a provisioner that does not run here; holly
		// stays, on a pool of her own. (Deleting her raced: with no garbage
		// collector here, an operator still seeing her made her pod again.)
		// No route of its own: the session is reached through the gateway.
		if _, err := cl.Dynamic.Resource(schema.GroupVersionResource{Group: "traefik.io", Version: "v1alpha1", Resource: "ingressroutes"}).Namespace(ns).Get(ctx, "alice", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("session alice has an IngressRoute of its own, which would bypass the gateway: %v", err)
		}
	})

	t.Run("GPU exhaustion", func(t *testing.T) {
		// The pool has 3 slices: alice, bob, carol. Dave comes once they
		// are bound, so that he is the one left without a slice.
		for _, name := range []string{"bob", "carol"} {
			newSession(name, "desktop")
			sessionStatus(ctx, t, k, ns, name, func(s *v1alpha1.VDISessionStatus) bool { return s.NodeName != "" })
		}
		newSession("dave", "desktop")
		st := sessionStatus(ctx, t, k, ns, "dave", func(s *v1alpha1.VDISessionStatus) bool { return s.Phase == v1alpha1.PhaseScheduling })
		var msg string
		for _, c := range st.Conditions {
			if c.Type == operator.CondScheduled {
				msg = c.Reason + ": " + c.Message
			}
		}
		if !strings.Contains(msg, "InsufficientGPU") || !strings.Contains(msg, "advertise 3 and running pods hold 3, so 0 are free") {
			t.Errorf("dave's status does not give the numbers: %s", msg)
		}
	})

	t.Run("restart", func(t *testing.T) {
		stop()
		stop = startOperator(t, c, ns, config)
		markReady(ctx, t, cl, ns, "bob")
		sessionStatus(ctx, t, k, ns, "bob", func(s *v1alpha1.VDISessionStatus) bool { return s.Phase == v1alpha1.PhaseRunning })
		pods, err := cl.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) != 5 {
			var names []string
			for _, p := range pods.Items {
				names = append(names, p.Name)
			}
			t.Errorf("%d pods after a restart (%v), want one per session (5)", len(pods.Items), names)
		}
		st := sessionStatus(ctx, t, k, ns, "alice", func(*v1alpha1.VDISessionStatus) bool { return true })
		if st.Phase != v1alpha1.PhaseRunning {
			t.Errorf("alice is %s after a restart", st.Phase)
		}
	})

	t.Run("timeouts", func(t *testing.T) {
		// Free slices for the short-lived sessions.
		for _, name := range []string{"alice", "carol", "dave"} {
			if err := k.Delete(ctx, &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}); err != nil {
				t.Fatal(err)
			}
			// No garbage collector or kubelet runs here: remove the pod at once.
			_ = cl.Kube.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
		}
		newSession("erin", "short")
		newSession("frank", "idle")
		markReady(ctx, t, cl, ns, "erin")
		markReady(ctx, t, cl, ns, "frank")
		for name, reason := range map[string]string{"erin": "MaxSessionLength", "frank": "IdleTimeout"} {
			st := sessionStatus(ctx, t, k, ns, name, func(s *v1alpha1.VDISessionStatus) bool { return s.Phase == v1alpha1.PhaseTerminated })
			if c := findCondition(st, operator.CondReady); c == nil || c.Reason != reason {
				t.Errorf("%s ended with %+v, want %s", name, c, reason)
			}
			// Without a kubelet a deleted pod stays Terminating: being deleted is the proof.
			if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
				p, err := cl.Kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
				return err != nil || p.DeletionTimestamp != nil, nil
			}); err != nil {
				t.Errorf("%s's pod was not deleted", name)
			}
		}
	})

	t.Run("warm pool", func(t *testing.T) { testWarmPool(ctx, t, k, cl, ns, warmPool.Name) })

	t.Run("platform config", func(t *testing.T) {
		// Only the config knows the pools: a template pinned to a pool it
		// does not list is refused, as validate refuses it.
		newSession("gina", "elsewhere")
		st := sessionStatus(ctx, t, k, ns, "gina", func(s *v1alpha1.VDISessionStatus) bool { return findCondition(s, operator.CondScheduled) != nil })
		if c := findCondition(st, operator.CondScheduled); c.Reason != "PodRejected" || !strings.Contains(c.Message, "node pool elsewhere") {
			t.Errorf("gina's status %+v, want PodRejected for node pool elsewhere", c)
		}
		if _, err := cl.Kube.CoreV1().Pods(ns).Get(ctx, "gina", metav1.GetOptions{}); err == nil {
			t.Error("gina's pod was made")
		}
	})
	stop()
}

func findCondition(st *v1alpha1.VDISessionStatus, typ string) *metav1.Condition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == typ {
			return &st.Conditions[i]
		}
	}
	return nil
}

// startupObservations reads session_startup_seconds from the metrics registry
// the operator exports.
func startupObservations(t *testing.T) uint64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "session_startup_seconds" {
			var n uint64
			for _, m := range f.GetMetric() { // by path
				n += m.GetHistogram().GetSampleCount()
			}
			return n
		}
	}
	return 0
}

// testWarmPool: the operator keeps a template's warm pool full, and
// sessions created at once on the real API server each take a different
// desktop of it, none twice, and the pool fills up again.
func testWarmPool(ctx context.Context, t *testing.T, k client.Client, cl *kubeclient.Client, ns, pool string) {
	const size = 6
	tpl := &v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: "warm", Namespace: ns}, Spec: v1alpha1.VDITemplateSpec{
		Image: "ghcr.io/example/desktop:1.0.0", ImagePullPolicy: corev1.PullIfNotPresent,
		Resources: v1alpha1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("4Gi"), platform.GPUResource: resource.MustParse("1")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("1Gi"), platform.GPUResource: resource.MustParse("1")},
		},
		Streaming:        v1alpha1.Streaming{Protocol: "websocket", Port: 6901},
		NodeSelector:     map[string]string{platform.PoolLabel: pool},
		Tolerations:      []v1alpha1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
		RuntimeClassName: ptr.To("nvidia"),
		WarmPool:         &v1alpha1.WarmPool{Size: size},
	}}
	if err := k.Create(ctx, tpl); err != nil {
		t.Fatal(err)
	}
	warm := func() []corev1.Pod {
		pods, err := cl.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: session.TemplateLabel + "=warm," + session.WarmLabel + "=true"})
		if err != nil {
			t.Fatal(err)
		}
		return pods.Items
	}
	// The pool fills; the scheduler places its desktops; we play the kubelet.
	var first []corev1.Pod
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		first = warm()
		return len(first) == size, nil
	}); err != nil {
		t.Fatalf("warm pool has %d desktops, want %d", len(first), size)
	}
	for _, p := range first {
		markReady(ctx, t, cl, ns, p.Name)
	}
	sessionStatusTpl := func(name string) *v1alpha1.VDISessionStatus {
		return sessionStatus(ctx, t, k, ns, name, func(s *v1alpha1.VDISessionStatus) bool { return s.Phase == v1alpha1.PhaseRunning })
	}
	var tplStatus v1alpha1.VDITemplate
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		err := k.Get(ctx, client.ObjectKeyFromObject(tpl), &tplStatus)
		return err == nil && tplStatus.Status != nil && tplStatus.Status.WarmPool != nil && tplStatus.Status.WarmPool.Ready == size, nil
	}); err != nil {
		t.Fatalf("template status %+v, want %d Ready", tplStatus.Status, size)
	}
	// Sessions at once.
	var wg sync.WaitGroup
	for i := range size {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("warm-%d", i), Namespace: ns},
				Spec: v1alpha1.VDISessionSpec{Template: "warm", User: fmt.Sprintf("user-%d@example.org", i)}}
			if err := k.Create(ctx, s); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	taken := map[string]string{}
	firstNames := map[string]bool{}
	for _, p := range first {
		firstNames[p.Name] = true
	}
	for i := range size {
		name := fmt.Sprintf("warm-%d", i)
		st := sessionStatusTpl(name)
		if st.StartPath != operator.PathWarm {
			t.Errorf("session %s started %q, want warm", name, st.StartPath)
		}
		pods, err := cl.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: session.SessionLabel + "=" + name})
		if err != nil || len(pods.Items) != 1 {
			t.Fatalf("session %s has %d pods: %v", name, len(pods.Items), err)
		}
		p := pods.Items[0]
		if other, dup := taken[p.Name]; dup {
			t.Errorf("desktop %s taken by %s and %s", p.Name, other, name)
		}
		taken[p.Name] = name
		if !firstNames[p.Name] {
			t.Errorf("session %s got %s, not a desktop of the pool", name, p.Name)
		}
	}
	// The pool starts replacements for what was taken.
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		return len(warm()) == size, nil
	}); err != nil {
		t.Errorf("the pool has %d desktops after %d were taken, want %d again", len(warm()), size, size)
	}
	t.Logf("%d sessions created at once took %d different warm desktops; the pool refilled", size, len(taken))
	if err := k.DeleteAllOf(ctx, &v1alpha1.VDISession{}, client.InNamespace(ns), client.MatchingLabels{}); err != nil {
		t.Fatal(err)
	}
	if err := k.Delete(ctx, tpl); err != nil {
		t.Fatal(err)
	}
}
