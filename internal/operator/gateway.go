package operator

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// Gateway forwards /sessions/<namespace>/<name>/... to the session's Service
// with the prefix stripped (websockets included: httputil.ReverseProxy
// upgrades them) and records activity on the session, which the idle
// timeout counts from. It is the only way to a desktop: the platform's
// IngressRoute for the session host points here, and sessions have no
// routes of their own.
//
// Activity is traffic and open streams: every request counts, and so does a
// request still open (a websocket, a long poll) for as long as it is, so a
// desktop streamed for hours over one websocket is never idle. It is
// written at most once per ActivityInterval per session; a write that fails
// is logged, never dropped silently.
type Gateway struct {
	Client    client.Client
	Namespace string
	// Resolve maps a Service to the base URL to forward to; by default the
	// cluster DNS name.
	Resolve func(svc *corev1.Service) string
	Now     func() time.Time
	Log     logr.Logger
	// ActivityInterval is how often activity is written (default a minute).
	ActivityInterval time.Duration

	mu   sync.Mutex
	seen map[string]time.Time
}

// transport bounds how long a desktop may take to answer; streams, once
// upgraded, are not bounded.
var transport = &http.Transport{
	Proxy:                 nil,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	ResponseHeaderTimeout: 30 * time.Second,
	IdleConnTimeout:       90 * time.Second,
	MaxIdleConnsPerHost:   4,
}

func (g *Gateway) interval() time.Duration {
	if g.ActivityInterval <= 0 {
		return time.Minute
	}
	return g.ActivityInterval
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(req.URL.Path, "/sessions/"), "/", 3)
	if !strings.HasPrefix(req.URL.Path, "/sessions/") || len(parts) < 2 || parts[0] != g.Namespace || parts[1] == "" {
		http.NotFound(w, req)
		return
	}
	name := parts[1]
	var svc corev1.Service
	if err := g.Client.Get(req.Context(), client.ObjectKey{Namespace: g.Namespace, Name: name}, &svc); err != nil || !sessionService(&svc, name) {
		// Only a session's own Service: nothing else in the namespace is
		// reachable through the gateway.
		http.Error(w, "no such session", http.StatusNotFound)
		return
	}
	if len(svc.Spec.Ports) == 0 {
		http.Error(w, "the session's Service has no port", http.StatusBadGateway)
		return
	}
	base := g.Resolve
	if base == nil {
		base = func(s *corev1.Service) string {
			return fmt.Sprintf("http://%s.%s.svc:%d", s.Name, s.Namespace, s.Spec.Ports[0].Port)
		}
	}
	target, err := url.Parse(base(&svc))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	g.touch(req.Context(), name)
	// While the request is open, it is activity.
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(g.interval())
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				g.touch(context.WithoutCancel(req.Context()), name)
			}
		}
	}()
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = transport
	prefix := "/sessions/" + g.Namespace + "/" + name
	req.URL.Path = strings.TrimPrefix(req.URL.Path, prefix)
	req.URL.RawPath = ""
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	proxy.ServeHTTP(w, req)
}

// sessionService: a Service the operator made for the session name.
func sessionService(svc *corev1.Service, name string) bool {
	owner := metav1.GetControllerOf(svc)
	return owner != nil && owner.Kind == "VDISession" && owner.Name == name &&
		strings.HasPrefix(owner.APIVersion, v1alpha1.Group+"/")
}

// touch records activity at most once per interval per session.
func (g *Gateway) touch(ctx context.Context, name string) {
	now := g.Now()
	g.mu.Lock()
	if g.seen == nil {
		g.seen = map[string]time.Time{}
	}
	last := g.seen[name]
	if now.Sub(last) < g.interval() {
		g.mu.Unlock()
		return
	}
	g.seen[name] = now
	g.mu.Unlock()
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, LastActivityAnnotation, now.UTC().Format(time.RFC3339)))
	s := &v1alpha1.VDISession{}
	s.Namespace, s.Name = g.Namespace, name
	if err := g.Client.Patch(ctx, s, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		// Try again on the next request rather than an interval later.
		g.mu.Lock()
		g.seen[name] = last
		g.mu.Unlock()
		activityErrors.Inc()
		g.Log.Error(err, "recording activity; the idle timeout may end the session", "session", g.Namespace+"/"+name)
	}
}
