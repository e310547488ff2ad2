package operator_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
)

func warmTemplate(size int32) *v1alpha1.VDITemplate {
	tpl := cleanTemplate()
	tpl.Spec.WarmPool = &v1alpha1.WarmPool{Size: size}
	return tpl
}

// poolPods lists the template's unclaimed desktops.
func poolPods(t *testing.T, c client.Client, tpl string) []corev1.Pod {
	t.Helper()
	var pods corev1.PodList
	if err := c.List(context.Background(), &pods, client.InNamespace(ns), client.MatchingLabels{session.TemplateLabel: tpl, session.WarmLabel: "true"}); err != nil {
		t.Fatal(err)
	}
	return pods.Items
}

func newPool(t *testing.T, c client.Client, now time.Time) *operator.PoolReconciler {
	t.Helper()
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	return &operator.PoolReconciler{Client: c, Scheme: scheme, Platform: operator.DefaultConfig(), Now: func() time.Time { return now }}
}

func fakeClient(t *testing.T, objs ...client.Object) client.Client {
	t.Helper()
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	return fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&v1alpha1.VDISession{}, &v1alpha1.VDITemplate{}).WithObjects(objs...).Build()
}

// TestWarmPoolKeepsItsSize: the pool starts desktops up to its size, each
// a session pod of the template through the platform rules, owned by the
// template and with an ephemeral home; a shrunk pool loses its surplus;
// the template's status counts them.
func TestWarmPoolKeepsItsSize(t *testing.T) {
	tpl := warmTemplate(3)
	c := fakeClient(t, tpl)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	pool := newPool(t, c, now)
	req := ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: tpl.Name}}
	if _, err := pool.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	pods := poolPods(t, c, tpl.Name)
	if len(pods) != 3 {
		t.Fatalf("%d warm desktops, want 3", len(pods))
	}
	p := pods[0]
	if !metav1.IsControlledBy(&p, tpl) || p.Labels[session.SessionLabel] != "" {
		t.Errorf("warm desktop owners %v, labels %v", p.OwnerReferences, p.Labels)
	}
	if p.Spec.Containers[0].ImagePullPolicy != corev1.PullIfNotPresent || p.Spec.Containers[0].Resources.Limits.Cpu().IsZero() {
		t.Errorf("warm desktop did not pass the rules: %+v", p.Spec.Containers[0])
	}
	var home *corev1.Volume
	for i := range p.Spec.Volumes {
		if p.Spec.Volumes[i].Name == "home" {
			home = &p.Spec.Volumes[i]
		}
	}
	if home == nil || home.EmptyDir == nil || home.EmptyDir.SizeLimit == nil || home.EmptyDir.SizeLimit.String() != "5Gi" {
		t.Errorf("warm desktop home %+v, want an emptyDir of the template's 5Gi", home)
	}
	// Again: nothing more (the pool is full).
	if _, err := pool.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if n := len(poolPods(t, c, tpl.Name)); n != 3 {
		t.Fatalf("%d warm desktops after a second pass, want 3", n)
	}
	var got v1alpha1.VDITemplate
	if err := c.Get(context.Background(), req.NamespacedName, &got); err != nil || got.Status == nil || got.Status.WarmPool == nil || got.Status.WarmPool.Desired != 3 || got.Status.WarmPool.Starting != 3 {
		t.Fatalf("status %+v, %v", got.Status, err)
	}
	// Shrink to 1.
	got.Spec.WarmPool.Size = 1
	if err := c.Update(context.Background(), &got); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Reconcile(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if n := len(poolPods(t, c, tpl.Name)); n != 1 {
		t.Fatalf("%d warm desktops after shrinking to 1", n)
	}
}

// TestSessionTakesWarmDesktop: a session that is not persistent takes a
// Ready desktop of the pool (relabelled, the session its controller, the
// status saying warm); a persistent one starts cold and says why; with the
// pool empty a session starts cold and says so.
func TestSessionTakesWarmDesktop(t *testing.T) {
	tpl := warmTemplate(2)
	plain, persistent, third := newSession("plain"), newSession("keeps"), newSession("third")
	persistent.Spec.Persistent = true
	r, c := newReconciler(t, operator.DefaultConfig(), tpl, plain, persistent, third)
	pool := newPool(t, c, time.Now())
	if _, err := pool.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(tpl)}); err != nil {
		t.Fatal(err)
	}
	warm := poolPods(t, c, tpl.Name)
	if len(warm) != 2 {
		t.Fatalf("%d warm desktops", len(warm))
	}
	markPodReady(t, c, &warm[1])

	pod := step(t, r, c, "plain")
	// step looks the pod up by the session's name: a warm one has another.
	if pod != nil {
		t.Fatalf("a pod named after the session was started: %s", pod.Name)
	}
	var taken corev1.PodList
	if err := c.List(context.Background(), &taken, client.MatchingLabels{session.SessionLabel: "plain"}); err != nil || len(taken.Items) != 1 {
		t.Fatalf("pods of session plain: %v %v", taken.Items, err)
	}
	got := taken.Items[0]
	if got.Name != warm[1].Name || got.Labels[session.WarmLabel] != "" || !metav1.IsControlledBy(&got, plain) {
		t.Errorf("took %s (labels %v, owners %v), want the Ready %s now the session's", got.Name, got.Labels, got.OwnerReferences, warm[1].Name)
	}
	if s := getSession(t, c, "plain"); s.Status.StartPath != operator.PathWarm || s.Status.Phase != v1alpha1.PhaseRunning {
		t.Errorf("session plain: path %q, phase %s", s.Status.StartPath, s.Status.Phase)
	}
	if pod := step(t, r, c, "keeps"); pod == nil {
		t.Fatal("the persistent session got no cold pod")
	}
	if s := getSession(t, c, "keeps"); s.Status.StartPath != operator.PathCold+": a persistent home is a claim, and a claim cannot be attached to a desktop that is already running" {
		t.Errorf("persistent session: path %q", s.Status.StartPath)
	}
	// The starting desktop is still sooner than a cold start.
	step(t, r, c, "third")
	if s := getSession(t, c, "third"); s.Status.StartPath != operator.PathWarm {
		t.Errorf("third session: path %q, want warm (the starting desktop)", s.Status.StartPath)
	}
	fourth := newSession("fourth")
	if err := c.Create(context.Background(), fourth); err != nil {
		t.Fatal(err)
	}
	if pod := step(t, r, c, "fourth"); pod == nil {
		t.Fatal("no cold pod with the pool empty")
	}
	if s := getSession(t, c, "fourth"); s.Status.StartPath != operator.PathCold+": the warm pool had no free desktop" {
		t.Errorf("fourth session: path %q", s.Status.StartPath)
	}
}

// TestWarmDesktopTakenOnce: sessions racing for the pool each get their
// own desktop; none is taken twice, none gets two.
func TestWarmDesktopTakenOnce(t *testing.T) {
	const n = 12
	tpl := warmTemplate(n)
	objs := []client.Object{tpl}
	for i := range n {
		objs = append(objs, newSession(fmt.Sprintf("s%02d", i)))
	}
	r, c := newReconciler(t, operator.DefaultConfig(), objs...)
	if _, err := newPool(t, c, time.Now()).Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(tpl)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each session reconciled twice, concurrently with the others.
			for range 2 {
				if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: fmt.Sprintf("s%02d", i)}}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var pods corev1.PodList
	if err := c.List(context.Background(), &pods, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	bySession := map[string]int{}
	for _, p := range pods.Items {
		if s := p.Labels[session.SessionLabel]; s != "" {
			bySession[s]++
		}
	}
	if len(pods.Items) != n || len(bySession) != n {
		t.Fatalf("%d pods for %d sessions (%v), want %d warm desktops each taken by one session", len(pods.Items), len(bySession), bySession, n)
	}
	for s, k := range bySession {
		if k != 1 {
			t.Errorf("session %s has %d desktops", s, k)
		}
	}
}

// TestSuspendEphemeralHomeSaysSo: suspending a session whose home is
// ephemeral (warm pool template, not persistent) says the home went.
func TestSuspendEphemeralHomeSaysSo(t *testing.T) {
	tpl := warmTemplate(0)
	s := newSession("nap")
	s.Spec.Suspend = true
	r, c := newReconciler(t, operator.DefaultConfig(), tpl, s)
	if pod := step(t, r, c, "nap"); pod != nil {
		t.Fatal("a suspended session got a pod")
	}
	got := getSession(t, c, "nap")
	ready := meta.FindStatusCondition(got.Status.Conditions, operator.CondReady)
	if got.Status.Phase != v1alpha1.PhaseSuspended || ready == nil || !strings.Contains(ready.Message, "ephemeral") {
		t.Errorf("phase %s, Ready %+v: want Suspended saying the ephemeral home went", got.Status.Phase, ready)
	}
}
