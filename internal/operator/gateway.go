package operator

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// Gateway forwards /sessions/<namespace>/<name>/... to the session's Service
// (websockets included: httputil.ReverseProxy upgrades them) and records
// activity on the session, which the idle timeout counts from.
type Gateway struct {
	Client    client.Client
	Namespace string
	// Resolve maps a Service to the base URL to forward to; by default the
	// cluster DNS name.
	Resolve func(svc *corev1.Service) string
	Now     func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time
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
	if err := g.Client.Get(req.Context(), client.ObjectKey{Namespace: g.Namespace, Name: name}, &svc); err != nil {
		http.Error(w, "no such session", http.StatusNotFound)
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
	proxy := httputil.NewSingleHostReverseProxy(target)
	prefix := "/sessions/" + g.Namespace + "/" + name
	req.URL.Path = strings.TrimPrefix(req.URL.Path, prefix)
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	proxy.ServeHTTP(w, req)
}

// touch records activity at most once a minute per session.
func (g *Gateway) touch(ctx context.Context, name string) {
	now := g.Now()
	g.mu.Lock()
	if g.seen == nil {
		g.seen = map[string]time.Time{}
	}
	last := g.seen[name]
	if now.Sub(last) < time.Minute {
		g.mu.Unlock()
		return
	}
	g.seen[name] = now
	g.mu.Unlock()
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, LastActivityAnnotation, now.UTC().Format(time.RFC3339)))
	s := &v1alpha1.VDISession{}
	s.Namespace, s.Name = g.Namespace, name
	_ = g.Client.Patch(ctx, s, client.RawPatch("application/merge-patch+json", patch))
}
