package operator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/oidctest"
	"github.com/vdirender/vdirender/internal/values"
)

// ownedBy makes svc a Service the operator made for session s.
func ownedBy(svc *corev1.Service, s *v1alpha1.VDISession) *corev1.Service {
	svc.OwnerReferences = []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "VDISession", Name: s.Name, UID: s.UID, Controller: ptr.To(true)}}
	return svc
}

// running gives s the status of a streaming desktop.
func running(s *v1alpha1.VDISession) *v1alpha1.VDISession {
	s.Status = &v1alpha1.VDISessionStatus{Phase: v1alpha1.PhaseRunning}
	return s
}

func userSession(name, user string) *v1alpha1.VDISession {
	return &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ops", UID: types.UID(name)},
		Spec: v1alpha1.VDISessionSpec{Template: "t", User: user}}
}

// gatewayFor serves a gateway for the platform v over the objects, with a
// desktop that echoes the path, the Authorization header and the cookies
// it was given.
func gatewayFor(t *testing.T, v *values.Values, objs ...client.Object) (*httptest.Server, client.Client) {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "desktop %s auth=%q cookie=%q", r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Cookie"))
	}))
	t.Cleanup(backend.Close)
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
	gw := &operator.Gateway{Client: c, Namespace: "ops", Platform: operator.ConfigOf(v), Now: time.Now, Log: testr.New(t),
		Resolve: func(*corev1.Service) string { return backend.URL }}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return srv, c
}

// request sends method url with token (none when "") and returns the
// answer, its body read and closed.
func request(t *testing.T, method, url, token string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// sessionService is the Service the operator made for session s.
func sessionService(s *v1alpha1.VDISession) *corev1.Service {
	return ownedBy(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: "ops"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 6901}}}}, s)
}

// heldStream is a desktop that answers 200 and holds the response open
// until release is closed.
func heldStream(t *testing.T) (backend *httptest.Server, release chan struct{}) {
	t.Helper()
	release = make(chan struct{})
	backend = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		<-release
	}))
	t.Cleanup(backend.Close)
	return backend, release
}

func TestGateway(t *testing.T) {
	idp := oidctest.Start(t)
	other := oidctest.Start(t) // another provider: its tokens are not ours
	v := &values.Values{Global: values.Global{Hostname: "kasm.example.com"}, Auth: values.Auth{OIDC: idp.OIDC()}}
	v.VDI.Gateway.MaxRequestBody = ptr.To(resource.MustParse("1Ki"))
	alice := running(userSession("alice", "alice"))
	portless := running(userSession("portless", "alice"))
	srv, c := gatewayFor(t, v, alice, portless,
		userSession("waking", "alice"), // no status yet: starting
		sessionService(alice),
		ownedBy(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "portless", Namespace: "ops"}}, portless),
		// Not a session's: the gateway must not reach it.
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "postgresql", Namespace: "ops"}, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 5432}}}},
		func() client.Object {
			s := userSession("ended", "alice")
			s.Status = &v1alpha1.VDISessionStatus{Phase: v1alpha1.PhaseTerminated}
			return s
		}(),
	)
	now := time.Now()
	aliceTok := idp.Token(t, "alice", []string{"vdi-users"}, now)
	tests := []struct {
		name, path, token string
		header            http.Header
		status            int
		body              string
	}{
		{name: "alice opens her desktop", path: "/sessions/ops/alice/vnc.html", token: aliceTok, status: 200, body: `desktop /vnc.html auth="" cookie=""`},
		{name: "prefix stripped", path: "/sessions/ops/alice", token: aliceTok, status: 200, body: "desktop / "},
		{name: "escaped path", path: "/sessions/ops/alice/a%2Fb", token: aliceTok, status: 200, body: "desktop /a/b "},
		{name: "login cookies kept from the desktop, its own kept", path: "/sessions/ops/alice/", token: aliceTok,
			header: http.Header{"Cookie": {"_vdi_login=secret; _vdi_login_0=more; theme=dark"}}, status: 200, body: `cookie="theme=dark"`},
		{name: "admin opens anyone's", path: "/sessions/ops/alice/", token: idp.Token(t, "root", []string{"vdi-admins"}, now), status: 200},
		{name: "no token", path: "/sessions/ops/alice/", status: 401, body: "log in first"},
		{name: "not a token", path: "/sessions/ops/alice/", token: "not-a-jwt", status: 401, body: "not valid"},
		{name: "expired", path: "/sessions/ops/alice/", token: idp.Token(t, "alice", []string{"vdi-users"}, now.Add(-time.Hour)), status: 401, body: "expired"},
		{name: "another provider's token", path: "/sessions/ops/alice/", token: other.Token(t, "alice", []string{"vdi-users"}, now), status: 401, body: "not valid"},
		{name: "bob on alice's", path: "/sessions/ops/alice/", token: idp.Token(t, "bob", []string{"vdi-users"}, now), status: 403, body: "another user"},
		{name: "not in an allowed group", path: "/sessions/ops/alice/", token: idp.Token(t, "alice", []string{"contractors"}, now), status: 403, body: "none of the groups"},
		{name: "no such session", path: "/sessions/ops/nobody/", token: aliceTok, status: 404},
		{name: "not a session's Service", path: "/sessions/ops/postgresql/", token: aliceTok, status: 404},
		{name: "Service without a port", path: "/sessions/ops/portless/", token: aliceTok, status: 502},
		{name: "another namespace", path: "/sessions/other/alice/", token: aliceTok, status: 404},
		{name: "elsewhere", path: "/elsewhere", token: aliceTok, status: 404},
		{name: "not running yet: the starting page", path: "/sessions/ops/waking/", token: aliceTok, status: 202, body: "Starting your desktop"},
		{name: "not running yet: a websocket waits", path: "/sessions/ops/waking/ws", token: aliceTok,
			header: http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}}, status: 503},
		{name: "ended", path: "/sessions/ops/ended/", token: aliceTok, status: 410},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.body) {
				t.Errorf("%d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if resp.StatusCode == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	var got v1alpha1.VDISession
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: "ops", Name: "alice"}, &got); err != nil {
		t.Fatal(err)
	}
	if got.Annotations[operator.LastActivityAnnotation] == "" {
		t.Error("no activity recorded")
	}

	// A body above vdi.gateway.maxRequestBody never reaches the desktop.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/sessions/ops/alice/upload", strings.NewReader(strings.Repeat("x", 2048)))
	req.Header.Set("Authorization", "Bearer "+aliceTok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("2 KiB body with a 1 KiB limit: %d", resp.StatusCode)
	}
}

// TestGatewayWithoutLogin: with no auth.oidc no session opens, whatever the
// request carries.
func TestGatewayWithoutLogin(t *testing.T) {
	idp := oidctest.Start(t)
	alice := running(userSession("alice", "alice"))
	srv, _ := gatewayFor(t, &values.Values{Global: values.Global{Hostname: "kasm.example.com"}}, alice, sessionService(alice))
	resp, body := request(t, http.MethodGet, srv.URL+"/sessions/ops/alice/", idp.Token(t, "alice", nil, time.Now()), nil)
	if resp.StatusCode != 401 || !strings.Contains(body, "auth.oidc") {
		t.Errorf("%d %q, want 401 naming auth.oidc", resp.StatusCode, body)
	}
}

// TestGatewayResume: opening a suspended session resumes it (spec.suspend
// false, activity now) and shows the starting page; one user resumes at
// most resumeBurst times at once, then gets 429 with Retry-After.
func TestGatewayResume(t *testing.T) {
	idp := oidctest.Start(t)
	v := &values.Values{Global: values.Global{Hostname: "kasm.example.com"}, Auth: values.Auth{OIDC: idp.OIDC()}}
	v.VDI.Gateway = values.Gateway{ResumeInterval: "1h", ResumeBurst: 2}
	s := userSession("alice", "alice")
	s.Spec.Persistent, s.Spec.Suspend = true, true
	s.Status = &v1alpha1.VDISessionStatus{Phase: v1alpha1.PhaseSuspended}
	srv, c := gatewayFor(t, v, s)
	alice := idp.Token(t, "alice", []string{"vdi-users"}, time.Now())
	bob := idp.Token(t, "bob", []string{"vdi-users"}, time.Now())
	open := func(token string) *http.Response {
		resp, _ := request(t, http.MethodGet, srv.URL+"/sessions/ops/alice/", token, nil)
		return resp
	}
	suspend := func() {
		var got v1alpha1.VDISession
		if err := c.Get(t.Context(), client.ObjectKeyFromObject(s), &got); err != nil {
			t.Fatal(err)
		}
		got.Spec.Suspend = true
		if err := c.Update(t.Context(), &got); err != nil {
			t.Fatal(err)
		}
	}
	if resp := open(bob); resp.StatusCode != 403 {
		t.Fatalf("bob resuming alice's session: %d", resp.StatusCode)
	}
	for i := range 2 {
		suspend()
		if resp := open(alice); resp.StatusCode != http.StatusAccepted || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("resume %d: %d, Retry-After %q", i+1, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		var got v1alpha1.VDISession
		if err := c.Get(t.Context(), client.ObjectKeyFromObject(s), &got); err != nil {
			t.Fatal(err)
		}
		if got.Spec.Suspend || got.Annotations[operator.LastActivityAnnotation] == "" {
			t.Fatalf("resume %d: suspend %v, last activity %q", i+1, got.Spec.Suspend, got.Annotations[operator.LastActivityAnnotation])
		}
	}
	suspend()
	resp := open(alice)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third resume within the burst of 2: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	var got v1alpha1.VDISession
	if err := c.Get(t.Context(), client.ObjectKeyFromObject(s), &got); err != nil || !got.Spec.Suspend {
		t.Fatalf("a refused resume changed the session: %v, suspend %v", err, got.Spec.Suspend)
	}
}

// TestGatewayOpenStreamIsActivity: a request held open (a websocket, a
// stream) is activity for as long as it is open, and a failed write of
// activity is logged and tried again, never dropped.
func TestGatewayOpenStreamIsActivity(t *testing.T) {
	backend, release := heldStream(t)
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	alice := running(userSession("alice", "alice"))
	svc := sessionService(alice)
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
	idp := oidctest.Start(t)
	v := &values.Values{Global: values.Global{Hostname: "kasm.example.com"}, Auth: values.Auth{OIDC: idp.OIDC()}}
	gw := &operator.Gateway{Client: c, Namespace: "ops", Platform: operator.ConfigOf(v), Now: time.Now, Log: log, ActivityInterval: 50 * time.Millisecond,
		Resolve: func(*corev1.Service) string { return backend.URL }}
	srv := httptest.NewServer(gw)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sessions/ops/alice/stream", nil)
	req.Header.Set("Authorization", "Bearer "+idp.Token(t, "alice", []string{"vdi-users"}, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond) // the stream stays open
	closed := time.Now()
	close(release)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n := patches.Load(); n < 4 {
		t.Errorf("activity written %d times during a 1.2 s stream with a 50 ms interval", n)
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
	// The stream's end is the last activity (to the second the annotation
	// keeps), not a tick before it.
	if at, err := time.Parse(time.RFC3339, got.Annotations[operator.LastActivityAnnotation]); err != nil || at.Before(closed.Truncate(time.Second)) {
		t.Errorf("last activity %q is before the stream closed at %s", got.Annotations[operator.LastActivityAnnotation], closed.Format(time.RFC3339Nano))
	}
}

// TestGatewayStreamEndIsActivity: the idle timeout counts from when a
// stream closed, not from the last interval's write before that.
func TestGatewayStreamEndIsActivity(t *testing.T) {
	backend, release := heldStream(t)
	idp := oidctest.Start(t)
	v := &values.Values{Global: values.Global{Hostname: "kasm.example.com"}, Auth: values.Auth{OIDC: idp.OIDC()}}
	alice := running(userSession("alice", "alice"))
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(alice, sessionService(alice)).Build()
	// A clock the test moves: the stream lasts 90 minutes of it.
	var now atomic.Int64
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	now.Store(start.UnixNano())
	gw := &operator.Gateway{Client: c, Namespace: "ops", Platform: operator.ConfigOf(v), Log: testr.New(t), ActivityInterval: time.Hour,
		Now:     func() time.Time { return time.Unix(0, now.Load()).UTC() },
		Resolve: func(*corev1.Service) string { return backend.URL }}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sessions/ops/alice/stream", nil)
	req.Header.Set("Authorization", "Bearer "+idp.Token(t, "alice", []string{"vdi-users"}, start))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	end := start.Add(90 * time.Minute)
	now.Store(end.UnixNano())
	close(release)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	var got v1alpha1.VDISession
	err = wait.PollUntilContextTimeout(t.Context(), 10*time.Millisecond, 5*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKeyFromObject(alice), &got); err != nil {
			return false, err
		}
		return got.Annotations[operator.LastActivityAnnotation] == end.Format(time.RFC3339), nil
	})
	if err != nil {
		t.Errorf("last activity %q, want the stream's end %s", got.Annotations[operator.LastActivityAnnotation], end.Format(time.RFC3339))
	}
}

// TestGatewayProviderDown: a provider that cannot be reached is 503 (try
// again), never a desktop and never a panic.
func TestGatewayProviderDown(t *testing.T) {
	idp := oidctest.Start(t)
	token := idp.Token(t, "alice", []string{"vdi-users"}, time.Now())
	o := idp.OIDC()
	if err := idp.Shutdown(); err != nil {
		t.Fatal(err)
	}
	alice := running(userSession("alice", "alice"))
	srv, _ := gatewayFor(t, &values.Values{Global: values.Global{Hostname: "kasm.example.com"}, Auth: values.Auth{OIDC: o}}, alice, sessionService(alice))
	for range 2 { // the second within the retry delay
		resp, body := request(t, http.MethodGet, srv.URL+"/sessions/ops/alice/", token, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached") {
			t.Errorf("%d %q, want 503 saying the provider cannot be reached", resp.StatusCode, body)
		}
	}
}
