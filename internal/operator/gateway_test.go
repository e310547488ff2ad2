package operator_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator"
)

func TestGateway(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "desktop "+r.URL.Path)
	}))
	defer backend.Close()
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	sess := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "ops"}, Spec: v1alpha1.VDISessionSpec{Template: "t", User: "alice"}}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "ops"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 6901}}}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(sess, svc).Build()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	gw := &operator.Gateway{Client: c, Namespace: "ops", Now: func() time.Time { return now }, Resolve: func(*corev1.Service) string { return backend.URL }}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/sessions/ops/alice/vnc.html", 200, "desktop /vnc.html"},
		{"/sessions/ops/alice", 200, "desktop /"},
		{"/sessions/ops/nobody/", 404, ""},
		{"/sessions/other/alice/", 404, ""},
		{"/elsewhere", 404, ""},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || (tt.body != "" && string(body) != tt.body) {
			t.Errorf("%s: %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}
	var got v1alpha1.VDISession
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: "ops", Name: "alice"}, &got); err != nil {
		t.Fatal(err)
	}
	if a := got.Annotations[operator.LastActivityAnnotation]; a != "2026-11-27T10:00:00Z" {
		t.Errorf("last activity %q", a)
	}
}
