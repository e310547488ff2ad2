package operator

import (
	"context"
	"sort"
	"sync"
	"time"

	// The windows' time zones, in an image without a zone database.
	_ "time/tzdata"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/kubectl/pkg/util/podutils"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator/session"
)

// Warm pool metrics, per template.
var (
	warmDesired = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vdi_warm_pool_desired", Help: "Unclaimed desktops the template's warm pool should hold now (schedule applied).",
	}, []string{"template"})
	warmReady = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vdi_warm_pool_ready", Help: "Ready, unclaimed desktops of the template's warm pool.",
	}, []string{"template"})
	warmStarting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "vdi_warm_pool_starting", Help: "Desktops of the template's warm pool started and not Ready yet.",
	}, []string{"template"})
	warmClaims = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vdi_warm_pool_claims_total", Help: "Desktops of the template's warm pool taken by sessions.",
	}, []string{"template"})
)

// PoolReconciler keeps each VDITemplate's warm pool at the size its
// schedule asks for now: Ready, unclaimed desktops on the template's pool,
// each built and checked exactly like a session's pod (PlatformPod) and
// owned by the template. A desktop a session took is the session's (it is
// never handed to anyone else after); the pool starts a replacement.
// Surplus desktops go, starting ones first.
type PoolReconciler struct {
	client.Client
	Scheme   *runtime.Scheme
	Platform *Config
	Now      func() time.Time

	// created remembers desktops created and not seen in the cache yet, so
	// that a reconcile reading a stale cache does not start more.
	mu      sync.Mutex
	created map[types.NamespacedName]map[string]time.Time
}

// expectFor is how long a created desktop counts before the cache shows it.
const expectFor = 30 * time.Second

// Reconcile implements reconcile.Reconciler.
func (r *PoolReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := ctrl.LoggerFrom(ctx)
	var tpl v1alpha1.VDITemplate
	if err := r.Get(ctx, req.NamespacedName, &tpl); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !tpl.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // the garbage collector takes the pool
	}
	desired, err := tpl.Spec.WarmPool.SizeAt(r.Now())
	if err != nil {
		log.Error(err, "warm pool time zone; the schedule is read in UTC", "template", req.String())
	}
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(tpl.Namespace), client.MatchingLabels{session.TemplateLabel: tpl.Name, session.WarmLabel: "true"}); err != nil {
		return ctrl.Result{}, err
	}
	var ready, starting []*corev1.Pod
	seen := map[string]bool{}
	for i := range pods.Items {
		p := &pods.Items[i]
		seen[p.Name] = true
		switch {
		case p.DeletionTimestamp != nil:
		case podDone(p):
			// A desktop that stopped is no use to anyone.
			if err := client.IgnoreNotFound(r.Delete(ctx, p)); err != nil {
				return ctrl.Result{}, err
			}
		case podutils.IsPodReady(p):
			ready = append(ready, p)
		default:
			starting = append(starting, p)
		}
	}
	pending := r.pending(req.NamespacedName, seen)
	have := int32(len(ready) + len(starting) + pending)
	for ; have < desired; have++ {
		pod, err := r.warmPod(&tpl)
		if err != nil {
			return ctrl.Result{}, err
		}
		if err := r.Create(ctx, pod); err != nil {
			return ctrl.Result{}, err
		}
		r.expect(req.NamespacedName, pod.Name)
	}
	if extra := int(have - desired); extra > 0 && pending == 0 {
		// Starting ones first (they hold slices and serve no one yet),
		// then the newest Ready ones.
		sort.Slice(ready, func(i, j int) bool { return ready[j].CreationTimestamp.Before(&ready[i].CreationTimestamp) })
		for _, p := range append(starting, ready...)[:min(extra, len(starting)+len(ready))] {
			if err := client.IgnoreNotFound(r.Delete(ctx, p)); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	warmDesired.WithLabelValues(tpl.Name).Set(float64(desired))
	warmReady.WithLabelValues(tpl.Name).Set(float64(len(ready)))
	warmStarting.WithLabelValues(tpl.Name).Set(float64(len(starting) + pending))
	var want *v1alpha1.VDITemplateStatus
	if tpl.Spec.WarmPool != nil {
		want = &v1alpha1.VDITemplateStatus{WarmPool: &v1alpha1.WarmPoolStatus{Desired: desired, Ready: int32(len(ready)), Starting: int32(len(starting) + pending)}}
	}
	if !equality.Semantic.DeepEqual(tpl.Status, want) {
		tpl.Status = want
		if err := r.Status().Update(ctx, &tpl); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
	}
	if tpl.Spec.WarmPool != nil && len(tpl.Spec.WarmPool.Schedule) > 0 {
		// The next window may start any minute.
		return ctrl.Result{RequeueAfter: time.Minute - time.Duration(r.Now().Second())*time.Second}, nil
	}
	if pending > 0 {
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	return ctrl.Result{}, nil
}

// warmPod is a desktop of the template's pool, through the platform rules
// like every session's pod, owned by the template.
func (r *PoolReconciler) warmPod(tpl *v1alpha1.VDITemplate) (*corev1.Pod, error) {
	pod, _, err := PlatformPod(tpl, session.WarmSession(tpl), r.Platform.Env())
	if err != nil {
		return nil, err
	}
	session.MakeWarm(pod, tpl)
	if err := controllerutil.SetControllerReference(tpl, pod, r.Scheme); err != nil {
		return nil, err
	}
	return pod, nil
}

// expect remembers a desktop just created.
func (r *PoolReconciler) expect(tpl types.NamespacedName, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.created == nil {
		r.created = map[types.NamespacedName]map[string]time.Time{}
	}
	if r.created[tpl] == nil {
		r.created[tpl] = map[string]time.Time{}
	}
	r.created[tpl][name] = r.Now()
}

// pending counts the desktops created that the cache has not shown yet,
// forgetting those it has and those older than expectFor.
func (r *PoolReconciler) pending(tpl types.NamespacedName, seen map[string]bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for name, at := range r.created[tpl] {
		if seen[name] || r.Now().Sub(at) > expectFor {
			delete(r.created[tpl], name)
			continue
		}
		n++
	}
	return n
}
