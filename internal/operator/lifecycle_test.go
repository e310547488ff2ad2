package operator_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
)

// TestSuspendAndResume: at its maximum length or idle timeout a persistent
// session is suspended (spec.suspend true, pod gone, home kept, the reason
// in its Ready condition); spec.suspend false starts a new pod on the same
// home and session_startup_seconds counts from the resume. A session that
// is not persistent ends instead.
func TestSuspendAndResume(t *testing.T) {
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC) // an hour before the reconciler's now
	for _, tt := range []struct {
		name       string
		persistent bool
		idle       bool // idle timeout rather than maximum length
		reason     string
		phase      string
	}{
		{"persistent at its maximum length", true, false, "MaxSessionLength", v1alpha1.PhaseSuspended},
		{"persistent idle", true, true, "IdleTimeout", v1alpha1.PhaseSuspended},
		{"not persistent at its maximum length", false, false, "MaxSessionLength", v1alpha1.PhaseTerminated},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := cleanTemplate()
			if tt.idle {
				tpl.Spec.IdleTimeout = &metav1.Duration{Duration: 30 * time.Minute}
			} else {
				tpl.Spec.MaxSessionLength = &metav1.Duration{Duration: 45 * time.Minute}
			}
			s := newSession("desk")
			s.Spec.Persistent = tt.persistent
			r, c := newReconciler(t, operator.DefaultConfig(), tpl, s)
			first := step(t, r, c, s.Name)
			if first == nil {
				t.Fatal("no pod")
			}
			markPodReady(t, c, first)
			step(t, r, c, s.Name)
			// The desktop has been running for an hour.
			got := getSession(t, c, s.Name)
			got.Status.StartTime = &metav1.Time{Time: start}
			if err := c.Status().Update(context.Background(), got); err != nil {
				t.Fatal(err)
			}
			if pod := step(t, r, c, s.Name); pod != nil {
				t.Fatalf("the pod outlived the session's %s", tt.reason)
			}
			got = getSession(t, c, s.Name)
			ready := meta.FindStatusCondition(got.Status.Conditions, operator.CondReady)
			if got.Status.Phase != tt.phase || ready == nil || ready.Reason != tt.reason || got.Spec.Suspend != tt.persistent {
				t.Fatalf("phase %s, suspend %v, Ready %+v; want %s, %v, reason %s", got.Status.Phase, got.Spec.Suspend, ready, tt.phase, tt.persistent, tt.reason)
			}
			home := session.ClaimName(tpl, s)
			var claim corev1.PersistentVolumeClaim
			if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: home}, &claim); err != nil {
				t.Fatalf("home %s: %v", home, err)
			}
			if !tt.persistent {
				return
			}
			if got.Status.StartTime != nil {
				t.Error("a suspended session keeps its start time; the maximum length would end it again at once")
			}
			// Reconciling again changes nothing: it stays suspended.
			if pod := step(t, r, c, s.Name); pod != nil {
				t.Fatal("a suspended session got a pod")
			}

			got = getSession(t, c, s.Name)
			got.Spec.Suspend = false
			if err := c.Update(context.Background(), got); err != nil {
				t.Fatal(err)
			}
			again := step(t, r, c, s.Name)
			if again == nil {
				t.Fatal("no pod after spec.suspend: false")
			}
			if claimName(again) != home {
				t.Errorf("resumed on %s, not on the kept home %s", claimName(again), home)
			}
			got = getSession(t, c, s.Name)
			if got.Status.Phase == v1alpha1.PhaseSuspended || got.Status.ResumeTime == nil {
				t.Errorf("after resume: phase %s, resume time %v", got.Status.Phase, got.Status.ResumeTime)
			}
		})
	}
}

// TestHomeWithinTemplateBound: a session asks for at most the template's
// storage.maxSize (default its size); above it no claim and no pod, and the
// session says why.
func TestHomeWithinTemplateBound(t *testing.T) {
	for _, tt := range []struct {
		name    string
		max     string // "" leaves maxSize unset: the bound is size (5Gi)
		ask     string
		refused bool
	}{
		{"below size", "", "2Gi", false},
		{"above size, no maxSize", "", "6Gi", true},
		{"within maxSize", "50Gi", "40Gi", false},
		{"above maxSize", "50Gi", "60Gi", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl := cleanTemplate()
			if tt.max != "" {
				tpl.Spec.Storage.MaxSize = ptrQuantity(tt.max)
			}
			s := newSession("desk")
			s.Spec.Storage = &v1alpha1.SessionStorage{Size: ptrQuantity(tt.ask)}
			r, c := newReconciler(t, operator.DefaultConfig(), tpl, s)
			pod := step(t, r, c, s.Name)
			cond := meta.FindStatusCondition(getSession(t, c, s.Name).Status.Conditions, operator.CondScheduled)
			if refused := pod == nil; refused != tt.refused {
				t.Fatalf("refused %v, want %v (condition %+v)", refused, tt.refused, cond)
			}
			if tt.refused && (cond == nil || cond.Reason != operator.ReasonHomeTooLarge) {
				t.Errorf("condition %+v, want %s", cond, operator.ReasonHomeTooLarge)
			}
			var claim corev1.PersistentVolumeClaim
			err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: session.ClaimName(tpl, s)}, &claim)
			if tt.refused != apierrors.IsNotFound(err) {
				t.Errorf("claim: %v", err)
			}
		})
	}
}

func ptrQuantity(s string) *resource.Quantity {
	q := resource.MustParse(s)
	return &q
}

func claimName(pod *corev1.Pod) string {
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			return v.PersistentVolumeClaim.ClaimName
		}
	}
	return ""
}

func getSession(t *testing.T, c client.Client, name string) *v1alpha1.VDISession {
	t.Helper()
	var s v1alpha1.VDISession
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// markPodReady plays the kubelet: the desktop is scheduled and Ready.
func markPodReady(t *testing.T, c client.Client, pod *corev1.Pod) {
	t.Helper()
	var p corev1.Pod
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}, &p); err != nil {
		t.Fatal(err)
	}
	p.Spec.NodeName = "gpu-1"
	if err := c.Update(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if err := c.Status().Update(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
}

// step runs one reconcile of the session, which must not fail, and returns
// its pod (nil when there is none).
func step(t *testing.T, r *operator.Reconciler, c client.Client, name string) *corev1.Pod {
	t.Helper()
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}); err != nil {
		t.Fatal(err)
	}
	var pod corev1.Pod
	err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &pod)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return &pod
}
