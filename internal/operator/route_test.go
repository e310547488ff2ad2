package operator_test

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
