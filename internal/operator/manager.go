package operator

import (
	"regexp"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// startupSeconds is session_startup_seconds: from session creation to the
// desktop pod being Ready. The platform's budget is 30 seconds.
var startupSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "session_startup_seconds",
	Help:    "Time from VDISession creation (or resume) to its desktop pod being Ready, by path: warm (a desktop of the warm pool taken) or cold.",
	Buckets: []float64{0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300},
}, []string{"path"})

// activityErrors counts activity the gateway failed to record.
var activityErrors = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "vdi_gateway_activity_errors_total",
	Help: "Session activity the gateway could not record; the idle timeout may end such sessions.",
})

// refusals counts the requests the gateway did not forward, by reason
// (no-token, token-expired, not-yours, resume-rate, ...).
var refusals = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "vdi_gateway_refusals_total",
	Help: "Requests the session gateway answered itself instead of forwarding them, by reason.",
}, []string{"reason"})

// collectors are the operator's own metrics.
var collectors = []prometheus.Collector{startupSeconds, activityErrors, refusals, warmDesired, warmReady, warmStarting, warmClaims}

func init() { crmetrics.Registry.MustRegister(collectors...) }

// MetricNames are the names of the operator's own metrics, which the
// rendered alerts may query.
func MetricNames() []string {
	descs := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range collectors {
			c.Describe(descs)
		}
		close(descs)
	}()
	var names []string
	for d := range descs {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names = append(names, m[1])
		}
	}
	return names
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Options configure the operator.
type Options struct {
	SessionNamespace string
	SessionHost      string
	MetricsAddr      string
	HealthAddr       string
	LeaderElection   bool
	LeaderNamespace  string
	// ConfigPath is the platform config (the mounted vdi-operator-config
	// ConfigMap); empty means the defaults of every value.
	ConfigPath string
	// Platform, when set, is the config already loaded (the gateway shares
	// it); ConfigPath is then not read again.
	Platform *Config
}

// configCheckInterval is how often the config file is looked at between
// sessions, so that a reload is logged when it happens.
const configCheckInterval = 10 * time.Second

// Scheme knows the kinds the operator reads and writes.
func Scheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// NewManager sets up a controller-runtime manager watching the session
// namespace, with the reconciler, metrics and health endpoints.
func NewManager(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme, err := Scheme()
	if err != nil {
		return nil, err
	}
	platform := o.Platform
	if platform == nil {
		platform = DefaultConfig()
	}
	if o.Platform == nil && o.ConfigPath != "" {
		if platform, err = LoadConfig(o.ConfigPath, ctrl.Log.WithName("config")); err != nil {
			return nil, err
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Metrics:                 metricsserver.Options{BindAddress: o.MetricsAddr},
		HealthProbeBindAddress:  o.HealthAddr,
		LeaderElection:          o.LeaderElection,
		LeaderElectionID:        "vdi-operator.vdi.vdirender.dev",
		LeaderElectionNamespace: o.LeaderNamespace,
		Cache: cache.Options{ByObject: nil, DefaultNamespaces: map[string]cache.Config{
			o.SessionNamespace: {},
		}},
	})
	if err != nil {
		return nil, err
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.Add(manager.RunnableFunc(platform.Watch(configCheckInterval))); err != nil {
		return nil, err
	}
	skip := true
	r := &Reconciler{
		Client: mgr.GetClient(), Scheme: scheme,
		SessionHost: o.SessionHost,
		Platform:    platform, Now: time.Now,
		APIReader: mgr.GetAPIReader(),
	}
	pools := &PoolReconciler{Client: mgr.GetClient(), Scheme: scheme, Platform: platform, Now: time.Now}
	err = ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.VDITemplate{}).
		// A desktop taken, Ready or gone changes its template's pool.
		Owns(&corev1.Pod{}).
		Named("warmpool").
		WithOptions(controller.Options{SkipNameValidation: &skip}).
		Complete(pools)
	if err != nil {
		return nil, err
	}
	err = ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.VDISession{}).
		Owns(&corev1.Pod{}).
		Owns(&corev1.Service{}).
		// A template's arrival (or change of spec: not the warm pool's
		// counts in its status) reconciles the sessions of it.
		Watches(&v1alpha1.VDITemplate{}, handler.EnqueueRequestsFromMapFunc(r.sessionsOf),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("vdisession").
		// A process may run more than one manager (tests restart it).
		WithOptions(controller.Options{SkipNameValidation: &skip, MaxConcurrentReconciles: 4}).
		Complete(r)
	return mgr, err
}
