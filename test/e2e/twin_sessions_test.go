package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/go-logr/logr/testr"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// sessionEnv is a twin where a rendering has rolled out.
type sessionEnv struct {
	cfg *rest.Config
	cl  *kubeclient.Client
	v   *values.Values
	// objs is the rendering that was applied.
	objs []*unstructured.Unstructured
	// login is the provider the rendering's auth.oidc names.
	login *twinLogin
	// websecure and turn are Traefik's entrypoints (127.0.0.1:port; turn
	// is UDP); traefikAPI its API on its traefik entrypoint.
	websecure, turn, traefikAPI string
}

// holdPast is how long a websocket is held: past Traefik v3's default
// 60 s readTimeout, which the rendered entrypoint timeouts replace.
const holdPast = 65 * time.Second

// startTwinOperator runs the operator in-process against the twin, with
// the arguments and config the rendering gives its Deployment.
func startTwinOperator(t testing.TB, env sessionEnv) string {
	t.Helper()
	var config string
	for _, o := range env.objs {
		if o.GetKind() == "ConfigMap" && o.GetName() == "vdi-operator-config" {
			data, _, _ := unstructured.NestedStringMap(o.Object, "data")
			for key, text := range data {
				config = filepath.Join(t.TempDir(), key)
				if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if config == "" {
		t.Fatal("the rendering has no vdi-operator-config ConfigMap")
	}
	mgr, err := operator.NewManager(env.cfg, operator.Options{SessionNamespace: env.v.VDI.SessionNamespace, SessionHost: env.v.Ingress.SessionHost,
		MetricsAddr: "0", HealthAddr: "0", ConfigPath: config})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("operator: %v", err)
		}
	})
	return config
}

// twinClient talks to Traefik's websecure entrypoint for any host name,
// as a browser resolving the platform's names to the node would.
func twinClient(addr string) *http.Client {
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: dial,
		// Traefik's default certificate, or the test's self-signed one.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the twin's own certificates
	}}
}

// proveSessions creates a session on the twin and proves the path a user's
// traffic takes: the operator's pod is scheduled within the pool's slices,
// its claim is provisioned by local-path, it is Running, its URL answers
// through the real Traefik over HTTP and over a websocket held past 60 s,
// a UDP datagram sent to Traefik's TURN entrypoint reaches coturn's pod,
// and deleting the session removes its pod, Service, route and claim.
func proveSessions(ctx context.Context, t *testing.T, env sessionEnv) {
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	k, err := client.New(env.cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	config := startTwinOperator(t, env)
	ns := env.v.VDI.SessionNamespace
	// A session of every template, each on its own pool.
	type started struct {
		s   *v1alpha1.VDISession
		pod *corev1.Pod
		st  *v1alpha1.VDISessionStatus
	}
	var all []started
	for _, tpl := range env.v.VDI.Templates {
		s, pod, st := startTwinSession(ctx, t, k, env, "twin-"+tpl.Name, tpl)
		all = append(all, started{s, pod, st})
	}
	// A session applied before its template waits, then starts when the
	// template appears (the operator watches templates).
	var first v1alpha1.VDITemplate
	if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: env.v.VDI.Templates[0].Name}, &first); err != nil {
		t.Fatal(err)
	}
	late := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "twin-late", Namespace: ns}, Spec: v1alpha1.VDISessionSpec{Template: "late", User: "alice"}}
	if err := k.Create(ctx, late); err != nil {
		t.Fatal(err)
	}
	sessionStatus(ctx, t, k, ns, late.Name, func(st *v1alpha1.VDISessionStatus) bool {
		c := meta.FindStatusCondition(st.Conditions, operator.CondScheduled)
		return st.Phase == v1alpha1.PhasePending && c != nil && c.Reason == operator.ReasonTemplateNotFound
	})
	lateTpl := &v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: "late", Namespace: ns}, Spec: first.Spec}
	if err := k.Create(ctx, lateTpl); err != nil {
		t.Fatal(err)
	}
	sessionStatus(ctx, t, k, ns, late.Name, func(st *v1alpha1.VDISessionStatus) bool { return st.Phase == v1alpha1.PhaseRunning })
	t.Logf("session %s waited for its template and started when it appeared", late.Name)
	all = append(all, started{s: late})
	checkSlices(ctx, t, env)
	pod, st, tpl := all[0].pod, all[0].st, env.v.VDI.Templates[0]
	port := int32(tpl.Streaming.Port)
	serveDesktop(t, pod.Status.PodIP, port, pod.Name)
	// The gateway, the operator's own code, where the operator's pods are;
	// it writes activity every 2 s here (a minute in a cluster), so that a
	// short idle timeout can be proven.
	serveGateway(ctx, t, env, k, config, 2*time.Second, nil)
	if !strings.HasPrefix(st.URL, "https://"+env.v.Ingress.SessionHost+"/") {
		t.Fatalf("session URL %q", st.URL)
	}
	page := st.URL + "index.html"

	// Alice logs in at the provider on her way to her desktop, through
	// Traefik, oauth2-proxy and the gateway; the gateway strips the prefix.
	alice, code, body := env.login.logIn(t, env.v, env.websecure, page, "alice", "vdi-users")
	want := "desktop " + pod.Name + " /index.html"
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if code == http.StatusOK && body == want {
			return true, nil
		}
		code, body = get(alice, page)
		return false, nil
	})
	if err != nil {
		t.Fatalf("GET %s as alice through Traefik, the login and the gateway: %d %q, want %q", page, code, body, want)
	}
	// Neither her ID token nor the login's cookie reaches the desktop.
	if code, body := get(alice, st.URL+"headers"); code != http.StatusOK || body != `authorization="" cookie=""` {
		t.Errorf("what reached the desktop of alice's credentials: %d %s", code, body)
	}
	// Bob, logged in, is refused Alice's desktop by the gateway.
	_, code, body = env.login.logIn(t, env.v, env.websecure, page, "bob", "vdi-users")
	if code != http.StatusForbidden {
		t.Errorf("bob on alice's session: %d %q, want 403", code, body)
	}
	// A login whose ID token has expired does not open it either: oauth2-proxy
	// sends the browser to log in again, or the gateway refuses the token.
	env.login.idp.AccessTTL = 2 * time.Second
	short, _, _ := env.login.logIn(t, env.v, env.websecure, page, "alice", "vdi-users")
	env.login.idp.AccessTTL = 10 * time.Minute
	time.Sleep(3 * time.Second)
	short.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if code, body := get(short, page); code != http.StatusUnauthorized && code != http.StatusFound {
		t.Errorf("alice with an expired ID token: %d %q, want 401 or a login redirect", code, body)
	} else {
		t.Logf("alice with an expired ID token: %d %s", code, firstLine(fmt.Errorf("%s", body)))
	}

	// The rendered entrypoint timeouts are the ones Traefik runs with.
	checkEntryPointTimeouts(ctx, t, env)

	proveIdle(ctx, t, env, k, alice)

	proveTURN(ctx, t, env)

	// Deleting a session removes what it owned (the garbage collector).
	for _, x := range all {
		if err := k.Delete(ctx, x.s); err != nil {
			t.Fatal(err)
		}
	}
	route := schema.GroupVersionResource{Group: "traefik.io", Version: "v1alpha1", Resource: "ingressroutes"}
	for _, x := range all {
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, errPod := env.cl.Kube.CoreV1().Pods(ns).Get(ctx, x.s.Name, metav1.GetOptions{})
			_, errSvc := env.cl.Kube.CoreV1().Services(ns).Get(ctx, x.s.Name, metav1.GetOptions{})
			_, errRoute := env.cl.Dynamic.Resource(route).Namespace(ns).Get(ctx, x.s.Name, metav1.GetOptions{})
			_, errClaim := env.cl.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, session.ClaimName(&v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: x.s.Spec.Template}}, x.s), metav1.GetOptions{})
			return apierrors.IsNotFound(errPod) && apierrors.IsNotFound(errSvc) && apierrors.IsNotFound(errRoute) && apierrors.IsNotFound(errClaim), nil
		})
		if err != nil {
			t.Errorf("what session %s owned is still there a minute after it was deleted: %v", x.s.Name, err)
		}
	}
}

// startTwinSession creates a session of tpl and waits until it is Running:
// its pod scheduled on the template's pool with a pod address, its claim
// Bound to a volume local-path provisioned.
func startTwinSession(ctx context.Context, t *testing.T, k client.Client, env sessionEnv, name string, tpl values.Template) (*v1alpha1.VDISession, *corev1.Pod, *v1alpha1.VDISessionStatus) {
	t.Helper()
	ns := env.v.VDI.SessionNamespace
	s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.VDISessionSpec{Template: tpl.Name, User: "alice"}}
	created := time.Now()
	if err := k.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	var pod *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := env.cl.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: session.SessionLabel + "=" + s.Name})
		if err != nil || len(pods.Items) != 1 {
			return false, nil
		}
		pod = &pods.Items[0]
		return pod.Status.PodIP != "", nil
	})
	if err != nil {
		t.Fatalf("the pod of session %s never got an address: %v (last %+v)", name, err, pod)
	}
	node, err := env.cl.Kube.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := node.Labels[platform.PoolLabel]; got != tpl.NodePool {
		t.Errorf("session %s: pod on node %s of pool %q, want pool %s", name, node.Name, got, tpl.NodePool)
	}
	st := sessionStatus(ctx, t, k, ns, s.Name, func(st *v1alpha1.VDISessionStatus) bool { return st.Phase == v1alpha1.PhaseRunning })
	t.Logf("session %s Running after %s on node %s, pod address %s", s.Name, time.Since(created).Round(time.Millisecond), node.Name, pod.Status.PodIP)
	if tpl.Storage == nil {
		return s, pod, st // no home volume
	}
	claim, err := env.cl.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, session.ClaimName(&v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: tpl.Name}}, s), metav1.GetOptions{})
	if err != nil || claim.Status.Phase != corev1.ClaimBound {
		t.Errorf("the claim of session %s is not Bound: %v %+v", name, err, claim)
	} else if pv, err := env.cl.Kube.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{}); err != nil || pv.Annotations["pv.kubernetes.io/provisioned-by"] != "rancher.io/local-path" {
		t.Errorf("the volume of session %s was not provisioned by local-path: %v", name, err)
	}
	return s, pod, st
}

// checkSlices: on every node, the GPU time-slices the running pods request
// fit in what the node advertises.
func checkSlices(ctx context.Context, t *testing.T, env sessionEnv) {
	t.Helper()
	pods, err := env.cl.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]int64{}
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, c := range p.Spec.Containers {
			q := c.Resources.Requests[platform.GPUResource]
			used[p.Spec.NodeName] += q.Value()
		}
	}
	for name, n := range used {
		node, err := env.cl.Kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		have := node.Status.Allocatable[platform.GPUResource]
		if n > have.Value() {
			t.Errorf("node %s: pods request %d nvidia.com/gpu, it advertises %d", name, n, have.Value())
		}
		if n > 0 {
			t.Logf("node %s: %d of %d nvidia.com/gpu time-slices requested", name, n, have.Value())
		}
	}
}

// serveGateway runs the operator's gateway, with the platform's config, on
// the addresses of the gateway Service's endpoints (the operator pods kwok
// started). It finds a session's Service by its cluster DNS name, which
// the twin's DNS (ServeDNS) gives the Service's endpoint, or with resolve.
func serveGateway(ctx context.Context, t testing.TB, env sessionEnv, k client.Client, configPath string, activity time.Duration, resolve func(*corev1.Service) string) {
	t.Helper()
	var addrs []string
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		addrs = endpointsOf(ctx, env.cl.Kube, env.v.VDI.Namespace, generators.GatewayService)
		return len(addrs) > 0, nil
	}); err != nil {
		t.Fatalf("Service %s/%s has no ready endpoint", env.v.VDI.Namespace, generators.GatewayService)
	}
	platformConfig, err := operator.LoadConfig(configPath, testr.NewWithInterface(t, testr.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	gw := &operator.Gateway{Client: k, Namespace: env.v.VDI.SessionNamespace, Platform: platformConfig, Now: time.Now, Log: testr.NewWithInterface(t, testr.Options{}), ActivityInterval: activity, Resolve: resolve}
	// Every operator replica serves it: Traefik balances over them.
	for _, addr := range addrs {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatalf("gateway on the operator pod's address %s: %v", addr, err)
		}
		srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { srv.Close() })
	}
}

// endpointsOf are a Service's ready endpoints, host:port.
func endpointsOf(ctx context.Context, kube kubernetes.Interface, ns, svc string) []string {
	slices, err := kube.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svc})
	if err != nil {
		return nil
	}
	var out []string
	for _, sl := range slices.Items {
		for _, p := range sl.Ports {
			for _, e := range sl.Endpoints {
				if e.Conditions.Ready != nil && *e.Conditions.Ready && p.Port != nil {
					out = append(out, net.JoinHostPort(e.Addresses[0], fmt.Sprint(*p.Port)))
				}
			}
		}
	}
	return out
}

// get is a GET by a browser: status and body ("" and 0 when it failed).
func get(b *http.Client, url string) (int, string) {
	resp, err := b.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// checkEntryPointTimeouts reads websecure's transport from Traefik's API
// and compares it with the rendered HelmChartConfig's.
func checkEntryPointTimeouts(ctx context.Context, t *testing.T, env sessionEnv) {
	t.Helper()
	if env.traefikAPI == "" {
		return
	}
	d, err := time.ParseDuration(env.v.Ingress.WebsocketTimeout)
	if err != nil {
		t.Fatalf("ingress.websocketTimeout %q: %v", env.v.Ingress.WebsocketTimeout, err)
	}
	want := d.String()
	resp, err := http.Get("http://" + env.traefikAPI + "/api/entrypoints/websecure")
	if err != nil {
		t.Fatalf("Traefik API: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `"readTimeout":"`+want+`"`) {
		t.Errorf("Traefik's websecure entrypoint does not run with the rendered readTimeout %s: %s", want, b)
	}
}

// proveTURN sends a datagram to Traefik's TURN entrypoint and expects it at
// the coturn pod the Service of the rendered IngressRouteUDP selects.
func proveTURN(ctx context.Context, t *testing.T, env sessionEnv) {
	t.Helper()
	if !*env.v.TURN.Enabled || env.turn == "" {
		return
	}
	// The IngressRouteUDP names Service coturn-turn-udp and turn.port: the
	// backend is that Service port's endpoint.
	svcName := "coturn-turn-udp"
	svc, err := env.cl.Kube.CoreV1().Services(env.v.Global.Namespace).Get(ctx, svcName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	portName := ""
	for _, p := range svc.Spec.Ports {
		if p.Port == env.v.TURN.Port {
			portName = p.Name
		}
	}
	var ip string
	var port int32
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		slices, err := env.cl.Kube.DiscoveryV1().EndpointSlices(env.v.Global.Namespace).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + svcName})
		if err != nil {
			return false, nil
		}
		for _, sl := range slices.Items {
			for _, p := range sl.Ports {
				if p.Name == nil || *p.Name != portName || p.Port == nil {
					continue
				}
				for _, e := range sl.Endpoints {
					if len(e.Addresses) > 0 {
						ip, port = e.Addresses[0], *p.Port
						return true, nil
					}
				}
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("port %d (%q) of Service %s has no endpoint: %v", env.v.TURN.Port, portName, svcName, err)
	}
	got := serveUDPEcho(t, ip, port)
	c, err := net.Dial("udp", env.turn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 256)
	var answer string
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		if _, err := c.Write([]byte("turn allocate")); err != nil {
			return false, nil
		}
		_ = c.SetReadDeadline(time.Now().Add(400 * time.Millisecond))
		n, err := c.Read(buf)
		if err != nil {
			return false, nil
		}
		answer = string(buf[:n])
		return true, nil
	})
	if err != nil || answer != "echo: turn allocate" {
		t.Fatalf("UDP through Traefik's %s entrypoint to %s:%d: %v, %q", env.v.TURN.EntryPoint, ip, port, err, answer)
	}
	if msg := <-got; msg != "turn allocate" {
		t.Errorf("coturn's stand-in got %q", msg)
	}
}

// proveIdle: a persistent session of a template with a short idle timeout
// stays while a websocket to it is open (held past Traefik's default 60 s
// readTimeout too), is suspended once it is closed and idle (pod gone, home
// kept), and comes back when its user opens it again: the gateway answers
// the starting page and the operator starts a new pod on the same home.
func proveIdle(ctx context.Context, t *testing.T, env sessionEnv, k client.Client, alice *http.Client) {
	t.Helper()
	ns := env.v.VDI.SessionNamespace
	var base v1alpha1.VDITemplate
	if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: env.v.VDI.Templates[0].Name}, &base); err != nil {
		t.Fatal(err)
	}
	const idleTimeout = 20 * time.Second
	idle := &v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: "idle", Namespace: ns}, Spec: *base.Spec.DeepCopy()}
	idle.Spec.IdleTimeout = &metav1.Duration{Duration: idleTimeout}
	if idle.Spec.Storage == nil {
		idle.Spec.Storage = &v1alpha1.Storage{Size: resource.MustParse("1Gi"), MountPath: "/home/user", StorageClassName: platform.StorageClass}
	}
	if err := k.Create(ctx, idle); err != nil {
		t.Fatal(err)
	}
	s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "twin-idle", Namespace: ns},
		Spec: v1alpha1.VDISessionSpec{Template: idle.Name, User: "alice", Persistent: true}}
	if err := k.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	st := sessionStatus(ctx, t, k, ns, s.Name, func(st *v1alpha1.VDISessionStatus) bool { return st.Phase == v1alpha1.PhaseRunning })
	pod, err := env.cl.Kube.CoreV1().Pods(ns).Get(ctx, s.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	serveDesktop(t, pod.Status.PodIP, idle.Spec.Streaming.Port, pod.Name)
	home, err := env.cl.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, session.ClaimName(idle, s), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// A websocket, held past Traefik's default readTimeout and the idle
	// timeout: an open stream is activity.
	wsURL := "wss" + strings.TrimPrefix(st.URL, "https") + "stream"
	var conn *websocket.Conn
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		conn, _, err = websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPClient: &http.Client{Transport: alice.Transport, Jar: alice.Jar}})
		return err == nil, nil
	})
	if err != nil {
		t.Fatalf("websocket %s as alice: %v", wsURL, err)
	}
	defer conn.CloseNow()
	echo := func(msg string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := conn.Write(wctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatalf("websocket write %q: %v", msg, err)
		}
		_, got, err := conn.Read(wctx)
		if err != nil || string(got) != pod.Name+": "+msg {
			t.Fatalf("websocket echo of %q: %q, %v", msg, got, err)
		}
	}
	echo("hello")
	held := time.Now()
	time.Sleep(holdPast)
	echo(fmt.Sprintf("still here after %s", holdPast))
	var live v1alpha1.VDISession
	if err := k.Get(ctx, client.ObjectKeyFromObject(s), &live); err != nil {
		t.Fatal(err)
	}
	// The gateway wrote activity while the stream was open, without a request.
	if at, err := time.Parse(time.RFC3339, live.Annotations[operator.LastActivityAnnotation]); err != nil || at.Before(held.Add(holdPast-10*time.Second).Truncate(time.Second)) {
		t.Errorf("last activity %q: a websocket held %s was not counted as activity", live.Annotations[operator.LastActivityAnnotation], holdPast)
	}
	if live.Status.Phase != v1alpha1.PhaseRunning || live.Spec.Suspend {
		t.Fatalf("a session with a websocket open for %s was not kept (idle timeout %s): phase %s, suspend %v", holdPast, idleTimeout, live.Status.Phase, live.Spec.Suspend)
	}
	conn.Close(websocket.StatusNormalClosure, "")

	// Closed and idle: suspended, the home kept.
	closed := time.Now()
	sessionStatus(ctx, t, k, ns, s.Name, func(st *v1alpha1.VDISessionStatus) bool { return st.Phase == v1alpha1.PhaseSuspended })
	t.Logf("session %s suspended %s after its websocket closed (idle timeout %s)", s.Name, time.Since(closed).Round(time.Second), idleTimeout)
	if p, err := env.cl.Kube.CoreV1().Pods(ns).Get(ctx, s.Name, metav1.GetOptions{}); err == nil && p.DeletionTimestamp == nil {
		t.Error("a suspended session kept its pod")
	}
	if c, err := env.cl.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, home.Name, metav1.GetOptions{}); err != nil || c.UID != home.UID {
		t.Fatalf("the home of a suspended session was not kept: %v", err)
	}

	// Alice opens it again: the starting page, then her desktop.
	if code, body := get(alice, st.URL); code != http.StatusAccepted || !strings.Contains(body, "Starting your desktop") {
		t.Fatalf("opening a suspended session: %d %q, want 202 and the starting page", code, body)
	}
	resumed := time.Now()
	sessionStatus(ctx, t, k, ns, s.Name, func(st *v1alpha1.VDISessionStatus) bool {
		return st.Phase == v1alpha1.PhaseRunning && st.ResumeTime != nil
	})
	again, err := env.cl.Kube.CoreV1().Pods(ns).Get(ctx, s.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.UID == pod.UID {
		t.Fatal("resumed on the pod of before the suspension")
	}
	if again.Status.PodIP != pod.Status.PodIP {
		serveDesktop(t, again.Status.PodIP, idle.Spec.Streaming.Port, again.Name)
	}
	var mounted string
	for _, vol := range again.Spec.Volumes {
		if vol.PersistentVolumeClaim != nil {
			mounted = vol.PersistentVolumeClaim.ClaimName
		}
	}
	if mounted != home.Name {
		t.Errorf("resumed with claim %q, not the kept home %s", mounted, home.Name)
	}
	want := "desktop " + again.Name + " /index.html"
	var code int
	var body string
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		code, body = get(alice, st.URL+"index.html")
		return code == http.StatusOK && body == want, nil
	}); err != nil {
		t.Fatalf("the resumed desktop: %d %q, want %q", code, body, want)
	}
	t.Logf("session %s resumed by alice and streaming again %s later, on the same home", s.Name, time.Since(resumed).Round(time.Millisecond))
	if err := k.Delete(ctx, s); err != nil {
		t.Fatal(err)
	}
}
