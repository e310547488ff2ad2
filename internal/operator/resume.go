package operator

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/values"
)

// startingRetry is how often the starting page reloads itself.
const startingRetry = 3

// startingPage reloads itself until the desktop streams; then the same URL
// reaches the desktop.
var startingPage = template.Must(template.New("starting").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{{.Retry}}">
<title>Starting your desktop</title></head>
<body style="font-family:sans-serif;margin:4em auto;max-width:32em">
<h1>Starting your desktop…</h1>
<p>{{.Session}}: {{.State}}</p>
<p>This page reloads by itself and opens the desktop as soon as it is ready.</p>
</body></html>
`))

// starting answers a session that is not running yet: a page that reloads
// itself for a browser, 503 with Retry-After for a websocket (which cannot
// follow a page).
func (g *Gateway) starting(w http.ResponseWriter, req *http.Request, s *v1alpha1.VDISession) {
	w.Header().Set("Retry-After", strconv.Itoa(startingRetry))
	w.Header().Set("Cache-Control", "no-store")
	if req.Header.Get("Upgrade") != "" {
		g.refuse(w, req, http.StatusServiceUnavailable, "starting", "the desktop is starting; try again shortly")
		return
	}
	state := "waiting for the operator"
	if s.Status != nil && s.Status.Phase != "" {
		state = s.Status.Phase
		if why := readyMessage(s); why != "" {
			state += " — " + why
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusAccepted)
	_ = startingPage.Execute(w, struct {
		Retry          int
		Session, State string
	}{startingRetry, s.Name, state})
}

// resume starts a suspended session again for its user, within the user's
// resume budget, and answers the starting page.
func (g *Gateway) resume(w http.ResponseWriter, req *http.Request, s *v1alpha1.VDISession, id *Identity, limits values.Gateway) {
	if ok, wait := g.resumes.allow(id.User, limits, g.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		g.refuse(w, req, http.StatusTooManyRequests, "resume-rate",
			fmt.Sprintf("too many resumes by %s: try again in %s", id.User, wait.Round(time.Second)))
		return
	}
	// The resume is activity, so the idle timeout starts afresh.
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}},"spec":{"suspend":false}}`,
		LastActivityAnnotation, g.Now().UTC().Format(time.RFC3339))
	if err := g.Client.Patch(context.WithoutCancel(req.Context()), s, client.RawPatch("application/merge-patch+json", patch)); err != nil {
		g.Log.Error(err, "resuming a session", "session", g.Namespace+"/"+s.Name, "user", id.User)
		g.refuse(w, req, http.StatusServiceUnavailable, "resume-failed", "the session could not be resumed; try again")
		return
	}
	g.Log.Info("session resumed by its user", "session", g.Namespace+"/"+s.Name, "user", id.User)
	s.Spec.Suspend = false
	g.starting(w, req, s)
}

// resumeLimiter is a token bucket per user: resumeBurst resumes at once,
// then one per resumeInterval. Resuming starts a pod (and takes a GPU
// slice), so one user reloading a page cannot start pods in a loop.
type resumeLimiter struct {
	mu    sync.Mutex
	users map[string]*rate.Limiter
}

// maxTrackedUsers bounds the limiter's memory; past it the buckets start
// over (everyone gets a full burst), which costs at most one burst each.
const maxTrackedUsers = 10000

func (r *resumeLimiter) allow(user string, limits values.Gateway, now time.Time) (bool, time.Duration) {
	every, err := time.ParseDuration(limits.ResumeInterval)
	if err != nil || every <= 0 {
		every = 10 * time.Second
	}
	burst := max(limits.ResumeBurst, 1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.users == nil || len(r.users) >= maxTrackedUsers {
		r.users = map[string]*rate.Limiter{}
	}
	l := r.users[user]
	if l == nil || l.Limit() != rate.Every(every) || l.Burst() != burst {
		l = rate.NewLimiter(rate.Every(every), burst)
		r.users[user] = l
	}
	res := l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}
