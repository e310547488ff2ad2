package operator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator"
)

// ownedBy makes svc a Service the operator made for session s.
func ownedBy(svc *corev1.Service, s *v1alpha1.VDISession) *corev1.Service {
	svc.OwnerReferences = []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "VDISession", Name: s.Name, UID: s.UID, Controller: ptr.To(true)}}
	return svc
}

func TestGateway(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "desktop "+r.URL.Path)
	}))
	defer backend.Close()
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	alice := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "ops", UID: "a"}, Spec: v1alpha1.VDISessionSpec{Template: "t", User: "alice"}}
	portless := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "portless", Namespace: "ops", UID: "p"}, Spec: v1alpha1.VDISessionSpec{Template: "t", User: "bob"}}
	objs := []client.Object{alice, portless,
		ownedBy(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "ops"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 6901}}}}, alice),
		ownedBy(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "portless", Namespace: "ops"}}, portless),
		// Not a session's: the gateway must not reach it.
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "postgresql", Namespace: "ops"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 5432}}}},
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
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
		{"/sessions/ops/alice/a%2Fb", 200, "desktop /a/b"},
		{"/sessions/ops/nobody/", 404, ""},
		{"/sessions/ops/postgresql/", 404, ""},
		{"/sessions/ops/portless/", 502, ""},
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

// TestGatewayOpenStreamIsActivity: a request held open (a websocket, a
// stream) is activity for as long as it is open, and a failed write of
// activity is logged and tried again, never dropped.
func TestGatewayOpenStreamIsActivity(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release
	}))
	defer backend.Close()
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	alice := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "ops", UID: "a"}, Spec: v1alpha1.VDISessionSpec{Template: "t", User: "alice"}}
	svc := ownedBy(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "alice", Namespace: "ops"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 6901}}}}, alice)
	var patches, failures atomic.Int32
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(alice, svc).WithInterceptorFuncs(interceptor.Funcs{
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			// The first write fails, as without RBAC's patch verb.
			if patches.Add(1) == 1 {
				failures.Add(1)
				return errors.New("vdisessions.vdi.vdirender.dev \"alice\" is forbidden")
			}
			return cl.Patch(ctx, obj, patch, opts...)
		},
	}).Build()
	var mu sync.Mutex
	var logged []string
	log := funcr.New(func(prefix, args string) { mu.Lock(); logged = append(logged, args); mu.Unlock() }, funcr.Options{})
	gw := &operator.Gateway{Client: c, Namespace: "ops", Now: time.Now, Log: log, ActivityInterval: 50 * time.Millisecond,
		Resolve: func(*corev1.Service) string { return backend.URL }}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/sessions/ops/alice/stream")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // the stream stays open
	close(release)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n := patches.Load(); n < 4 {
		t.Errorf("activity written %d times during a 400 ms stream with a 50 ms interval", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if failures.Load() != 1 || len(logged) != 1 || !strings.Contains(logged[0], "forbidden") || !strings.Contains(logged[0], "ops/alice") {
		t.Errorf("a failed write of activity was not logged once with its error: %q", logged)
	}
	var got v1alpha1.VDISession
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: "ops", Name: "alice"}, &got); err != nil || got.Annotations[operator.LastActivityAnnotation] == "" {
		t.Errorf("no activity recorded after the failure: %v", err)
	}
}
