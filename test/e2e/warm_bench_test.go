package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/kubectl/pkg/util/podutils"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/cluster/apply"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// slowDesktop is the image kwok starts the way a real desktop starts: 10
// to 20 s after its pod is scheduled (see kwok-stages.yaml).
const slowDesktop = "twin.vdirender.dev/slow-desktop:1.0"

// warmPoolSize is the pool of the benchmark's warm template.
const warmPoolSize = 20

// BenchmarkTwinWarmPool measures session_startup_seconds end to end on the
// K3s twin, where a desktop takes 10-20 s to start: from creating a
// VDISession to its URL answering from the desktop through Traefik, the
// login (oauth2-proxy) and the gateway, for a template with a warm pool of
// 20 and one without, 1 and 20 sessions at once. It reports p50 and p95 in
// seconds per path, and the same to status Running. `make bench` runs it.
func BenchmarkTwinWarmPool(b *testing.B) {
	dir := b.TempDir()
	idp := startTwinLogin(b)
	file := filepath.Join(dir, "values.yaml")
	if err := os.WriteFile(file, []byte(fmt.Sprintf(`global: {hostname: kasm.example.com}
gpu:
  nodePools: [{name: bench, nodes: 10, gpusPerNode: 1, replicas: 8}]
vdi:
  templates:
  - name: cold
    image: %[1]s
    nodePool: bench
    streaming: {protocol: websocket, port: 6901}
  - name: warm
    image: %[1]s
    nodePool: bench
    streaming: {protocol: websocket, port: 6901}
    warmPool: {size: %[2]d}
auth:
  oidc: {issuerURL: %[3]q, clientID: vdi-sessions, allowedGroups: [vdi-users], scopes: [openid, email, profile, groups]}
turn: {enabled: false}
`, slowDesktop, warmPoolSize, idp.idp.Issuer())), 0o644); err != nil {
		b.Fatal(err)
	}
	v, err := fn.PackageValues(file)
	if err != nil {
		b.Fatal(err)
	}
	objs := rendered(b, file)
	tw, cl := startTwinFor(b, v)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			if _, err := tw.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: o.GetName()}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				b.Fatal(err)
			}
		}
	}
	createUserSecrets(ctx, b, tw, v, idp.secrets)
	for _, o := range objs {
		if o.GetKind() == "HelmChartConfig" && o.GetName() == "traefik" {
			content, _, _ := unstructured.NestedString(o.Object, "spec", "valuesContent")
			tw.StartTraefik(b, content)
		}
	}
	if _, err := apply.Apply(ctx, cl, objs, apply.Options{Name: "vdirender", Namespace: "kube-system", Tooling: "vdirender/bench", Wait: true, Timeout: 3 * time.Minute, HistoryMax: 1}); err != nil {
		b.Fatal(err)
	}
	env := sessionEnv{cfg: tw.Config, cl: cl, v: v, objs: objs, login: idp, websecure: tw.EntryPoints["websecure"]}
	serveLogin(ctx, b, tw, objs, v, idp)
	scheme, err := operator.Scheme()
	if err != nil {
		b.Fatal(err)
	}
	k, err := client.New(tw.Config, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}
	config := startTwinOperator(b, env)
	ns := v.VDI.SessionNamespace
	// The gateway finds a session's desktop by its Service's endpoints,
	// as kube-proxy would, not through the twin's /etc/hosts (which Go
	// reads again only every 5 s).
	serveGateway(ctx, b, env, k, config, time.Minute, func(svc *corev1.Service) string {
		at := endpointsOf(ctx, tw.Kube, svc.Namespace, svc.Name)
		if len(at) == 0 {
			return "http://no-endpoint.invalid"
		}
		return "http://" + at[0]
	})
	serveDesktops(ctx, b, tw, ns, 6901)
	// Traefik has the routes once a request without a login is sent to
	// the provider.
	nobody := browser(b, v, env.websecure)
	nobody.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	none := "https://" + v.Ingress.SessionHost + "/sessions/" + ns + "/none/"
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		resp, err := nobody.Get(none)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), idp.idp.AuthorizationEndpoint()), nil
	}); err != nil {
		b.Fatalf("the session host never sent a request without a login to the provider:\n%s", tw.Log("traefik"))
	}
	user, _, _ := idp.logIn(b, v, env.websecure, none, "bench", "vdi-users")

	for _, path := range []string{"cold", "warm"} {
		for _, n := range []int{1, warmPoolSize} {
			b.Run(fmt.Sprintf("path=%s/sessions=%d", path, n), func(b *testing.B) {
				var routable, running []time.Duration
				for i := range b.N {
					if path == "warm" {
						waitPoolReady(ctx, b, k, ns, "warm", warmPoolSize)
					}
					r, s := startRoutable(ctx, b, k, user, v.Ingress.SessionHost, ns, path, fmt.Sprintf("%s-%d-%d", path, n, i), n)
					routable, running = append(routable, r...), append(running, s...)
				}
				slices.Sort(routable)
				slices.Sort(running)
				b.ReportMetric(quantile(routable, 0.50).Seconds(), "p50-s")
				b.ReportMetric(quantile(routable, 0.95).Seconds(), "p95-s")
				b.ReportMetric(quantile(running, 0.50).Seconds(), "running-p50-s")
				b.ReportMetric(quantile(running, 0.95).Seconds(), "running-p95-s")
			})
		}
	}
}

// serveDesktops stands in for every desktop of the namespace once its pod
// is Ready: a desktop answers as soon as it can stream, before any session
// takes it.
func serveDesktops(ctx context.Context, tb testing.TB, tw *cluster.Twin, ns string, port int32) {
	tb.Helper()
	served := map[string]bool{}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	tb.Cleanup(func() { cancel(); wg.Wait() })
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			pods, err := tw.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: session.TemplateLabel})
			if err == nil {
				for _, p := range pods.Items {
					if ip := p.Status.PodIP; ip != "" && !served[ip] && podutils.IsPodReady(&p) {
						if l, err := net.Listen("tcp", net.JoinHostPort(ip, fmt.Sprint(port))); err == nil {
							served[ip] = true
							srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
								fmt.Fprintf(w, "desktop at %s %s", ip, r.URL.Path)
							})}
							go func() { _ = srv.Serve(l) }()
							tb.Cleanup(func() { srv.Close() })
						}
					}
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
}

// waitPoolReady waits until the template's pool holds size Ready desktops.
func waitPoolReady(ctx context.Context, tb testing.TB, k client.Client, ns, name string, size int32) {
	tb.Helper()
	var tpl v1alpha1.VDITemplate
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &tpl)
		return err == nil && tpl.Status != nil && tpl.Status.WarmPool != nil && tpl.Status.WarmPool.Ready >= size, nil
	})
	if err != nil {
		tb.Fatalf("warm pool of %s: %+v, want %d Ready", name, tpl.Status, size)
	}
}

// startRoutable creates n sessions of template at once and returns, for
// each, how long until its URL answered from its desktop through Traefik,
// the login and the gateway, and how long until its status read Running;
// then it deletes them and waits until their pods are gone.
func startRoutable(ctx context.Context, tb testing.TB, k client.Client, user *http.Client, host, ns, template, prefix string, n int) (routable, running []time.Duration) {
	tb.Helper()
	routable, running = make([]time.Duration, n), make([]time.Duration, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("%s-%d", prefix, i)
			s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Spec: v1alpha1.VDISessionSpec{Template: template, User: "bench"}}
			created := time.Now()
			if err := k.Create(ctx, s); err != nil {
				errs <- err
				return
			}
			url := "https://" + host + "/sessions/" + ns + "/" + name + "/"
			err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
				if running[i] == 0 {
					var got v1alpha1.VDISession
					if k.Get(ctx, client.ObjectKeyFromObject(s), &got) == nil && got.Status != nil && got.Status.Phase == v1alpha1.PhaseRunning {
						running[i] = time.Since(created)
					}
				}
				code, body := get(user, url)
				if code == http.StatusOK && strings.HasPrefix(body, "desktop at ") {
					routable[i] = time.Since(created)
					return running[i] != 0, nil
				}
				return false, nil
			})
			if err != nil {
				code, body := get(user, url)
				errs <- fmt.Errorf("session %s not routable: %v (last %d %q)", name, err, code, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		tb.Fatal(err)
	}
	endSessions(ctx, tb, k, ns)
	return routable, running
}
