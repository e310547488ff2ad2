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
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// Gateway forwards /sessions/<namespace>/<name>/... to the session's Service
// with the prefix stripped (websockets included: httputil.ReverseProxy
// upgrades them) and records activity on the session, which the idle
// timeout counts from. It is the only way to a desktop: the platform's
// IngressRoute for the session host points here, and sessions have no
// routes of their own.
//
// Who: the request's ID token is verified (auth.go) and the session opens
// only for its spec.user or the admin group: 401 without a valid token,
// 403 for anyone else, 404 for anything that is not a session. The token
// and the login's cookies are not passed on to the desktop.
//
// When: a suspended session is resumed when its user opens it (at most
// vdi.gateway.resumeBurst times, then once per resumeInterval, per user),
// and a session that is not running yet answers a small page that reloads
// itself until the desktop streams.
//
// Activity is traffic and open streams: every request counts, and so does a
// request still open (a websocket, a long poll) for as long as it is, so a
// desktop streamed for hours over one websocket is never idle. It is
// written at most once per ActivityInterval per session; a write that fails
// is logged, never dropped silently.
type Gateway struct {
	Client    client.Client
	Namespace string
	// Platform is the platform's config: auth.oidc and vdi.gateway. Each
	// request takes the config in force (Config.Current), which the
	// manager's config watch refreshes: no file is read per request.
	Platform *Config
	// Resolve maps a Service to the base URL to forward to; by default the
	// cluster DNS name.
	Resolve func(svc *corev1.Service) string
	Now     func() time.Time
	Log     logr.Logger
	// ActivityInterval is how often activity is written (default a minute).
	ActivityInterval time.Duration

	mu      sync.Mutex
	seen    map[string]time.Time
	auth    authenticator
	resumes resumeLimiter
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

func (g *Gateway) platform() *values.Values {
	if g.Platform == nil {
		return defaultPlatform()
	}
	return g.Platform.Current()
}

// defaultPlatform is the config of a gateway run without one: no login,
// so no session opens.
var defaultPlatform = sync.OnceValue(values.Defaults)

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	parts := strings.SplitN(strings.TrimPrefix(req.URL.Path, "/sessions/"), "/", 3)
	if !strings.HasPrefix(req.URL.Path, "/sessions/") || len(parts) < 2 || parts[0] != g.Namespace || parts[1] == "" {
		g.refuse(w, req, http.StatusNotFound, "not-a-session", "no such session")
		return
	}
	name := parts[1]
	v := g.platform()
	id, aerr := g.auth.authenticate(req, v.Auth.OIDC, g.Now)
	if aerr != nil {
		g.refuse(w, req, aerr.status, aerr.reason, aerr.msg)
		return
	}
	var s v1alpha1.VDISession
	if err := g.Client.Get(req.Context(), client.ObjectKey{Namespace: g.Namespace, Name: name}, &s); err != nil {
		g.refuse(w, req, http.StatusNotFound, "not-a-session", "no such session")
		return
	}
	if !id.mayOpen(&s, v.Auth.OIDC) {
		g.Log.Info("refused another user's session", "user", id.User, "session", g.Namespace+"/"+name, "owner", s.Spec.User)
		g.refuse(w, req, http.StatusForbidden, "not-yours", "this session belongs to another user")
		return
	}
	phase := ""
	if s.Status != nil {
		phase = s.Status.Phase
	}
	switch {
	case s.Spec.Suspend:
		g.resume(w, req, &s, id, v.VDI.Gateway)
		return
	case phase == v1alpha1.PhaseTerminated:
		g.refuse(w, req, http.StatusGone, "ended", "this session has ended"+because(readyMessage(&s)))
		return
	case phase == v1alpha1.PhaseFailed:
		g.refuse(w, req, http.StatusBadGateway, "failed", "this session failed"+because(readyMessage(&s)))
		return
	case phase != v1alpha1.PhaseRunning:
		g.starting(w, req, &s)
		return
	}
	var svc corev1.Service
	if err := g.Client.Get(req.Context(), client.ObjectKey{Namespace: g.Namespace, Name: name}, &svc); err != nil || !sessionService(&svc, name) {
		// Only a session's own Service: nothing else in the namespace is
		// reachable through the gateway.
		g.refuse(w, req, http.StatusNotFound, "not-a-session", "no such session")
		return
	}
	if len(svc.Spec.Ports) == 0 {
		g.refuse(w, req, http.StatusBadGateway, "no-port", "the session's Service has no port")
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
		g.refuse(w, req, http.StatusBadGateway, "bad-target", err.Error())
		return
	}
	if limit := v.VDI.Gateway.MaxRequestBody.Value(); req.ContentLength > limit {
		g.refuse(w, req, http.StatusRequestEntityTooLarge, "body-too-large", fmt.Sprintf("the request body is larger than %s (vdi.gateway.maxRequestBody)", v.VDI.Gateway.MaxRequestBody))
		return
	} else if req.Body != nil && req.Body != http.NoBody {
		req.Body = http.MaxBytesReader(w, req.Body, limit)
	}
	g.touch(req.Context(), name)
	// While the request is open, it is activity; the end of a long one (a
	// stream) is recorded as it happens, so that the idle timeout counts
	// from when the stream closed, not from up to an interval before.
	began := g.Now()
	done := make(chan struct{})
	defer func() {
		close(done)
		if g.Now().Sub(began) >= g.interval() {
			g.record(context.WithoutCancel(req.Context()), name, true)
		}
	}()
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
	withoutCredentials(req)
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

// withoutCredentials removes the user's ID token and the login's cookies
// from a request before it reaches the desktop: what runs in a desktop
// must not be able to act as its user elsewhere.
func withoutCredentials(req *http.Request) {
	req.Header.Del("Authorization")
	cookies := req.Cookies()
	req.Header.Del("Cookie")
	for _, c := range cookies {
		if !strings.HasPrefix(c.Name, platform.LoginCookie) {
			req.AddCookie(c)
		}
	}
}

// refuse answers an error and counts it by reason.
func (g *Gateway) refuse(w http.ResponseWriter, req *http.Request, status int, reason, msg string) {
	refusals.WithLabelValues(reason).Inc()
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vdi-sessions"`)
	}
	http.Error(w, msg, status)
}

// readyMessage is what the session's Ready condition says, "" when it has
// none.
func readyMessage(s *v1alpha1.VDISession) string {
	if s.Status != nil {
		if c := meta.FindStatusCondition(s.Status.Conditions, CondReady); c != nil {
			return c.Message
		}
	}
	return ""
}

// because is ": " and why, or nothing when there is no why.
func because(why string) string {
	if why == "" {
		return ""
	}
	return ": " + why
}

// sessionService: a Service the operator made for the session name.
func sessionService(svc *corev1.Service, name string) bool {
	owner := metav1.GetControllerOf(svc)
	return owner != nil && owner.Kind == "VDISession" && owner.Name == name &&
		strings.HasPrefix(owner.APIVersion, v1alpha1.Group+"/")
}

// touch records activity at most once per interval per session.
func (g *Gateway) touch(ctx context.Context, name string) { g.record(ctx, name, false) }

// record writes activity now, or with force even within the interval.
func (g *Gateway) record(ctx context.Context, name string, force bool) {
	now := g.Now()
	g.mu.Lock()
	if g.seen == nil {
		g.seen = map[string]time.Time{}
	}
	last := g.seen[name]
	if !force && now.Sub(last) < g.interval() {
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
