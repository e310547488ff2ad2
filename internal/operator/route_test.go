package operator_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
)

func ingressRoute(name string, labels map[string]string, owner *v1alpha1.VDISession) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(traefik.APIVersion)
	u.SetKind("IngressRoute")
	u.SetNamespace(ns)
	u.SetName(name)
	u.SetLabels(labels)
	if owner != nil {
		u.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "VDISession", Name: owner.Name, UID: owner.UID, Controller: ptr.To(true)}})
	}
	return u
}

// TestOldSessionRoutesGo: the IngressRoute an earlier operator made for a
// session (labelled as the session's and controlled by it) is deleted, so
// traffic goes through the gateway; any other route of that name is kept.
func TestOldSessionRoutesGo(t *testing.T) {
	for _, tt := range []struct {
		name  string
		route func(s *v1alpha1.VDISession) *unstructured.Unstructured
		gone  bool
	}{
		{"the session's own", func(s *v1alpha1.VDISession) *unstructured.Unstructured {
			return ingressRoute(s.Name, map[string]string{session.SessionLabel: s.Name}, s)
		}, true},
		{"someone else's of the same name", func(s *v1alpha1.VDISession) *unstructured.Unstructured {
			return ingressRoute(s.Name, nil, nil)
		}, false},
		{"labelled but not controlled by it", func(s *v1alpha1.VDISession) *unstructured.Unstructured {
			return ingressRoute(s.Name, map[string]string{session.SessionLabel: s.Name}, nil)
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession("old")
			s.UID = types.UID("uid-old")
			route := tt.route(s)
			r, c := newReconciler(t, operator.DefaultConfig(), cleanTemplate(), s, route)
			if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: s.Name}}); err != nil {
				t.Fatal(err)
			}
			got := ingressRoute(s.Name, nil, nil)
			err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: s.Name}, got)
			if gone := apierrors.IsNotFound(err); gone != tt.gone {
				t.Errorf("route gone: %v, want %v (%v)", gone, tt.gone, err)
			}
		})
	}
}

// TestSessionWaitsForItsTemplate: a session applied before its template
// waits (Pending, TemplateNotFound) and starts once the template exists;
// one an earlier version failed for the same reason starts too.
func TestSessionWaitsForItsTemplate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status *v1alpha1.VDISessionStatus
	}{
		{"new", nil},
		{"failed by an earlier version", &v1alpha1.VDISessionStatus{Phase: v1alpha1.PhaseFailed, Conditions: []metav1.Condition{{
			Type: operator.CondScheduled, Status: metav1.ConditionFalse, Reason: operator.ReasonTemplateNotFound, Message: "gone", LastTransitionTime: metav1.Now()}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newSession("early")
			s.Status = tt.status
			r, c := newReconciler(t, operator.DefaultConfig(), s)
			if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: s.Name}}); err != nil {
				t.Fatal(err)
			}
			var got v1alpha1.VDISession
			if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: s.Name}, &got); err != nil || got.Status == nil || got.Status.Phase != v1alpha1.PhasePending {
				t.Fatalf("status %+v, %v; want Pending", got.Status, err)
			}
			if cond := got.Status.Conditions[0]; cond.Reason != operator.ReasonTemplateNotFound {
				t.Errorf("condition %+v, want reason %s", cond, operator.ReasonTemplateNotFound)
			}
			if err := c.Create(context.Background(), cleanTemplate()); err != nil {
				t.Fatal(err)
			}
			if pod, cond := reconcile(t, r, c, s.Name); pod == nil {
				t.Errorf("no pod once the template exists (condition %+v)", cond)
			}
		})
	}
}

// TestHomesBelongToUsers: a persistent home is the user's for the template:
// the user's next session mounts it, another user's session of the same
// name gets its own, and a home of another user, or a claim that is not a
// session's own, is never mounted (the session says why).
func TestHomesBelongToUsers(t *testing.T) {
	tpl := cleanTemplate()
	size := resource.MustParse("5Gi")
	tpl.Spec.Storage = &v1alpha1.Storage{Size: size, MountPath: "/home/user", StorageClassName: "local-path"}
	persistent := func(name, user string) *v1alpha1.VDISession {
		s := newSession(name)
		s.UID = types.UID("uid-" + name)
		s.Spec.User, s.Spec.Persistent = user, true
		return s
	}
	claimOf := func(pod *corev1.Pod) string {
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				return v.PersistentVolumeClaim.ClaimName
			}
		}
		return ""
	}
	aliceDesk, aliceAgain, malloryDesk := persistent("desk", "alice"), persistent("desk-2", "alice"), persistent("desk-3", "mallory")
	r, c := newReconciler(t, operator.DefaultConfig(), tpl, aliceDesk, aliceAgain, malloryDesk)
	first, _ := reconcile(t, r, c, "desk")
	again, _ := reconcile(t, r, c, "desk-2")
	other, _ := reconcile(t, r, c, "desk-3")
	if first == nil || again == nil || other == nil {
		t.Fatalf("pods: %v %v %v", first != nil, again != nil, other != nil)
	}
	if claimOf(first) != claimOf(again) {
		t.Errorf("alice's second session mounts %s, her first %s", claimOf(again), claimOf(first))
	}
	if claimOf(other) == claimOf(first) {
		t.Errorf("mallory's session mounts alice's home %s", claimOf(first))
	}
	var home corev1.PersistentVolumeClaim
	if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: claimOf(first)}, &home); err != nil {
		t.Fatal(err)
	}
	if home.Annotations[session.UserAnnotation] != "alice" || len(home.OwnerReferences) != 0 {
		t.Errorf("alice's home: annotations %v, owners %v", home.Annotations, home.OwnerReferences)
	}

	// A claim under mallory's home name that says it is alice's, and a
	// claim under a session's own name that is not that session's.
	mallory2 := persistent("desk-4", "mallory")
	mallory2.Spec.Template = tpl.Name
	taken := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: session.ClaimName(tpl, mallory2), Namespace: ns,
		Annotations: map[string]string{session.UserAnnotation: "alice"}}}
	plain := newSession("desk-5")
	plain.UID = "uid-desk-5"
	stray := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: session.ClaimName(tpl, plain), Namespace: ns}}
	r, c = newReconciler(t, operator.DefaultConfig(), tpl, mallory2, taken, plain, stray)
	for _, name := range []string{"desk-4", "desk-5"} {
		if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}}); err != nil {
			t.Fatal(err)
		}
		var got v1alpha1.VDISession
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &got); err != nil {
			t.Fatal(err)
		}
		cond := meta.FindStatusCondition(got.Status.Conditions, operator.CondScheduled)
		if cond == nil || cond.Reason != operator.ReasonHomeNotYours {
			t.Errorf("%s: condition %+v, want %s", name, cond, operator.ReasonHomeNotYours)
		}
		var pod corev1.Pod
		if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &pod); !apierrors.IsNotFound(err) {
			t.Errorf("%s: a pod was made to mount a home that is not the session's", name)
		}
	}
}
