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
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// BenchmarkOperatorStartup creates 100 sessions on the real control plane
// and reports the operator's own share of their start-up: from creating the
// VDISession to the session's pod existing. Run it once:
// go test ./e2e -run '^$' -bench OperatorStartup -benchtime 1x
func BenchmarkOperatorStartup(b *testing.B) {
	const ns, sessions = "bench", 100
	c := cluster.Start(b)
	ctx := context.Background()
	cl := newClientTB(b, c)
	k := prepareSessions(ctx, b, c, cl, ns, func(*v1alpha1.VDITemplateSpec) {})
	stop := startOperatorTB(b, c, ns, "")
	defer stop()

	var mu sync.Mutex
	created := map[string]time.Time{}
	share := map[string]time.Duration{}
	factory := informers.NewSharedInformerFactoryWithOptions(cl.Kube, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().Pods().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(obj any) {
		p := obj.(*corev1.Pod)
		mu.Lock()
		defer mu.Unlock()
		if t0, ok := created[p.Name]; ok {
			if _, seen := share[p.Name]; !seen {
				share[p.Name] = time.Since(t0)
			}
		}
	}})
	stopInf := make(chan struct{})
	defer close(stopInf)
	factory.Start(stopInf)
	factory.WaitForCacheSync(stopInf)

	for b.Loop() {
		for i := range sessions {
			name := fmt.Sprintf("s%03d", i)
			mu.Lock()
			created[name] = time.Now()
			mu.Unlock()
			if err := k.Create(ctx, &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1alpha1.VDISessionSpec{Template: "desktop", User: name}}); err != nil {
				b.Fatal(err)
			}
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			n := len(share)
			mu.Unlock()
			if n == sessions || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(share) != sessions {
		var s v1alpha1.VDISession
		_ = k.Get(ctx, client.ObjectKey{Namespace: ns, Name: "s000"}, &s)
		b.Fatalf("the operator made %d of %d pods; s000 status %+v", len(share), sessions, s.Status)
	}
	var ds []time.Duration
	for _, d := range share {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(ds[len(ds)*95/100].Milliseconds()), "p95-ms")
	b.ReportMetric(float64(ds[len(ds)-1].Milliseconds()), "max-ms")
}

// prepareSessions readies a control plane for sessions of a template named
// desktop in ns: vdirender's and Traefik's CRDs, K3s's defaults (the nvidia
// RuntimeClass among them), the namespace and the template, which edit
// shapes. It returns a client that knows vdirender's kinds.
func prepareSessions(ctx context.Context, b *testing.B, c *cluster.Cluster, cl *kubeclient.Client, ns string, edit func(*v1alpha1.VDITemplateSpec)) client.Client {
	b.Helper()
	scheme, err := operator.Scheme()
	if err != nil {
		b.Fatal(err)
	}
	k, err := client.New(c.Config, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}
	upstream, _ := upstreamObjects(b)
	var crdNames []string
	for _, o := range append(rendered(b, "../../examples/k3s-single-node"), upstream...) {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		if err := cl.Apply(ctx, "vdirender", o, false); err != nil {
			b.Fatal(err)
		}
		crdNames = append(crdNames, o.GetName())
	}
	if err := cl.WaitEstablished(ctx, crdNames, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	for _, o := range k3sDefaults() {
		if err := cl.Apply(ctx, "k3s", toUnstructuredTB(b, o), false); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := cl.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	tpl := &v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: "desktop", Namespace: ns}, Spec: v1alpha1.VDITemplateSpec{
		Image: "ghcr.io/example/desktop:1.0.0", ImagePullPolicy: corev1.PullIfNotPresent,
		Resources: v1alpha1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("4Gi"), platform.GPUResource: resource.MustParse("1")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("1Gi"), platform.GPUResource: resource.MustParse("1")},
		},
		Streaming: v1alpha1.Streaming{Protocol: "websocket", Port: 6901},
	}}
	edit(&tpl.Spec)
	if err := k.Create(ctx, tpl); err != nil {
		b.Fatal(err)
	}
	return k
}
