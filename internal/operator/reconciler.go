// Package operator is the VDI operator: it turns each VDISession into the
// Pod, PersistentVolumeClaim and Service of a desktop, built from its
// VDITemplate with the same code and rules as the renderer, and tells the
// user in the session's status what is happening. Users reach a desktop
// only through the gateway (gateway.go), behind the platform's one
// IngressRoute for the session host.
package operator

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/kubectl/pkg/util/podutils"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
)

// LastActivityAnnotation is set on a session by the gateway while the user
// is connected; the idle timeout counts from it.
const LastActivityAnnotation = "vdi.vdirender.dev/last-activity"

// ReasonHomeNotYours: the home claim the session would mount is another
// user's or another session's.
const ReasonHomeNotYours = "HomeNotYours"

// ReasonHomeTooLarge: the session asks for a bigger home than its template
// allows (storage.maxSize, default its size).
const ReasonHomeTooLarge = "HomeTooLarge"

// ReasonTemplateNotFound: the session waits for its VDITemplate.
const ReasonTemplateNotFound = "TemplateNotFound"

// waitingForTemplate: the session's only problem is a missing template.
func waitingForTemplate(st *v1alpha1.VDISessionStatus) bool {
	c := meta.FindStatusCondition(st.Conditions, CondScheduled)
	return c != nil && c.Reason == ReasonTemplateNotFound
}

// Condition types of a session.
const (
	CondScheduled = "Scheduled"
	CondReady     = "Ready"
)

// Reconciler reconciles VDISessions.
type Reconciler struct {
	client.Client
	Scheme *runtime.Scheme
	// SessionHost is the host of the session URL.
	SessionHost string
	// Platform is the platform's own config (rules, container and session
	// defaults, GPU node pools), reloaded when it changes, so that the pods
	// pass exactly the rules the renderer and validate apply.
	Platform *Config
	Now      func() time.Time
	// APIReader reads from the API server, not the cache (the manager's);
	// nil uses the client.
	APIReader client.Reader
}

// Reconcile implements reconcile.Reconciler.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var s v1alpha1.VDISession
	if err := r.Get(ctx, req.NamespacedName, &s); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !s.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil // owner references remove what it created
	}
	// A copy: writeStatus compares it with the status read, to log changes.
	status := s.Status.DeepCopy()
	if status == nil {
		status = &v1alpha1.VDISessionStatus{}
	}
	// Earlier versions failed a session for good when its template was
	// missing; such a session waits for it like a new one.
	if status.Phase == v1alpha1.PhaseTerminated || status.Phase == v1alpha1.PhaseFailed && !waitingForTemplate(status) {
		return ctrl.Result{}, nil
	}

	var tpl v1alpha1.VDITemplate
	if err := r.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: s.Spec.Template}, &tpl); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		// A session applied before its template (one GitOps sync, in any
		// order) waits; the template's arrival reconciles it (see the
		// manager's watch on templates).
		status.Phase = v1alpha1.PhasePending
		setCondition(status, s.Generation, CondScheduled, metav1.ConditionFalse, ReasonTemplateNotFound,
			fmt.Sprintf("VDITemplate %s does not exist in %s yet; the session starts when it does", s.Spec.Template, s.Namespace))
		return ctrl.Result{}, r.writeStatus(ctx, &s, status)
	}

	if s.Spec.Suspend {
		return ctrl.Result{}, r.suspended(ctx, &s, &tpl, status, "Suspended", "suspended by spec.suspend")
	}
	if reason, msg, ended := r.ended(&s, &tpl, status); ended {
		if s.Spec.Persistent {
			// A persistent session sleeps instead: pod gone, home kept, back
			// when its user opens it or sets spec.suspend: false.
			patch := []byte(`{"spec":{"suspend":true}}`)
			if err := r.Patch(ctx, &s, client.RawPatch("application/merge-patch+json", patch)); err != nil {
				return ctrl.Result{}, err
			}
			return ctrl.Result{}, r.suspended(ctx, &s, &tpl, status, reason, "suspended: "+msg)
		}
		if err := r.deletePod(ctx, &s); err != nil {
			return ctrl.Result{}, err
		}
		status.Phase = v1alpha1.PhaseTerminated
		setCondition(status, s.Generation, CondReady, metav1.ConditionFalse, reason, msg)
		return ctrl.Result{}, r.writeStatus(ctx, &s, status)
	}
	if status.Phase == v1alpha1.PhaseSuspended {
		// Resumed: session_startup_seconds counts from now.
		now := metav1.NewTime(r.Now())
		status.ResumeTime = &now
		status.Phase = v1alpha1.PhasePending
	}

	reason, refused, err := r.ensureClaim(ctx, &s, &tpl)
	if err != nil {
		return ctrl.Result{}, err
	}
	if refused != "" {
		status.Phase = v1alpha1.PhasePending
		setCondition(status, s.Generation, CondScheduled, metav1.ConditionFalse, reason, refused)
		return ctrl.Result{}, r.writeStatus(ctx, &s, status)
	}
	pod, path, err := r.ensurePod(ctx, &s, &tpl)
	if path != "" {
		status.StartPath = path
	}
	if err == nil && pod.DeletionTimestamp != nil {
		// The desktop of before a suspension is still stopping; its
		// deletion reconciles the session again.
		status.Phase = v1alpha1.PhasePending
		setCondition(status, s.Generation, CondScheduled, metav1.ConditionFalse, "PreviousPodStopping", "waiting for the previous desktop pod to stop")
		return ctrl.Result{}, r.writeStatus(ctx, &s, status)
	}
	if err != nil {
		// Say why in the status; the error retries with backoff.
		setCondition(status, s.Generation, CondScheduled, metav1.ConditionFalse, "PodRejected", err.Error())
		status.Phase = v1alpha1.PhasePending
		if serr := r.writeStatus(ctx, &s, status); serr != nil {
			return ctrl.Result{}, serr
		}
		return ctrl.Result{}, err
	}
	if err := r.ensureService(ctx, &s, &tpl); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.removeRoute(ctx, &s); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.observe(ctx, &s, pod, status); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.writeStatus(ctx, &s, status); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: r.nextDeadline(&s, &tpl, status)}, nil
}

// suspended removes the desktop pod and keeps everything else (the home,
// the Service); the maximum length counts afresh from the next start.
func (r *Reconciler) suspended(ctx context.Context, s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate, st *v1alpha1.VDISessionStatus, reason, msg string) error {
	if err := r.deletePod(ctx, s); err != nil {
		return err
	}
	st.Phase = v1alpha1.PhaseSuspended
	st.StartTime = nil
	st.NodeName = ""
	home := "the home is kept"
	if session.EphemeralHome(tpl, s) {
		home = "its home was ephemeral (the template has a warm pool and the session is not persistent) and went with the desktop"
	}
	setCondition(st, s.Generation, CondReady, metav1.ConditionFalse, reason,
		msg+"; "+home+"; open "+st.URL+" or set spec.suspend: false to resume")
	return r.writeStatus(ctx, s, st)
}

func (r *Reconciler) deletePod(ctx context.Context, s *v1alpha1.VDISession) error {
	pod, err := r.podOf(ctx, s)
	if err != nil {
		return client.IgnoreNotFound(err)
	}
	return client.IgnoreNotFound(r.Delete(ctx, pod))
}

// sessionsOf lists the sessions of a template, to reconcile them when it
// appears or changes.
func (r *Reconciler) sessionsOf(ctx context.Context, obj client.Object) []reconcile.Request {
	var list v1alpha1.VDISessionList
	if err := r.List(ctx, &list, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil
	}
	var out []reconcile.Request
	for _, s := range list.Items {
		if s.Spec.Template == obj.GetName() {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&s)})
		}
	}
	return out
}

// ended says whether the session passed its maximum length or idle timeout.
func (r *Reconciler) ended(s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate, st *v1alpha1.VDISessionStatus) (string, string, bool) {
	now := r.Now()
	if st.StartTime != nil && tpl.Spec.MaxSessionLength != nil && now.Sub(st.StartTime.Time) >= tpl.Spec.MaxSessionLength.Duration {
		return "MaxSessionLength", fmt.Sprintf("the session reached its maximum length of %s", tpl.Spec.MaxSessionLength.Duration), true
	}
	if st.StartTime != nil && tpl.Spec.IdleTimeout != nil {
		last := st.StartTime.Time
		if a, err := time.Parse(time.RFC3339, s.Annotations[LastActivityAnnotation]); err == nil && a.After(last) {
			last = a
		}
		if now.Sub(last) >= tpl.Spec.IdleTimeout.Duration {
			return "IdleTimeout", fmt.Sprintf("nobody used the session for %s", tpl.Spec.IdleTimeout.Duration), true
		}
	}
	return "", "", false
}

// nextDeadline is when the session must be looked at again for its timeouts.
func (r *Reconciler) nextDeadline(s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate, st *v1alpha1.VDISessionStatus) time.Duration {
	if st.StartTime == nil {
		return 0
	}
	next := time.Duration(0)
	now := r.Now()
	consider := func(at time.Time) {
		if d := at.Sub(now); d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	if tpl.Spec.MaxSessionLength != nil {
		consider(st.StartTime.Add(tpl.Spec.MaxSessionLength.Duration))
	}
	if tpl.Spec.IdleTimeout != nil {
		last := st.StartTime.Time
		if a, err := time.Parse(time.RFC3339, s.Annotations[LastActivityAnnotation]); err == nil && a.After(last) {
			last = a
		}
		consider(last.Add(tpl.Spec.IdleTimeout.Duration))
	}
	return next
}

// ensureClaim makes the session's home claim, or says why the session may
// not have it: a persistent home belongs to one user (UserAnnotation), a
// session's own home to that session (its controller).
func (r *Reconciler) ensureClaim(ctx context.Context, s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate) (reason, refused string, err error) {
	if tpl.Spec.Storage == nil {
		return "", "", nil
	}
	size := tpl.Spec.Storage.Size
	if s.Spec.Storage != nil && s.Spec.Storage.Size != nil {
		size = *s.Spec.Storage.Size
	}
	// The admission policy refuses this for tenants; the operator refuses
	// it for everyone (the template may have shrunk since).
	bound := tpl.Spec.Storage.Size
	if tpl.Spec.Storage.MaxSize != nil {
		bound = *tpl.Spec.Storage.MaxSize
	}
	if size.Cmp(bound) > 0 {
		return ReasonHomeTooLarge, fmt.Sprintf("spec.storage.size %s is above what template %s allows: %s", size.String(), tpl.Name, bound.String()), nil
	}
	if session.EphemeralHome(tpl, s) {
		return "", "", nil // an emptyDir in the pod
	}
	name := session.ClaimName(tpl, s)
	var existing corev1.PersistentVolumeClaim
	err = r.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: name}, &existing)
	switch {
	case err == nil && s.Spec.Persistent:
		if owner := existing.Annotations[session.UserAnnotation]; owner != s.Spec.User {
			return ReasonHomeNotYours, fmt.Sprintf("the home %s belongs to user %q, not %q", name, owner, s.Spec.User), nil
		}
		return "", "", nil
	case err == nil:
		if !metav1.IsControlledBy(&existing, s) {
			return ReasonHomeNotYours, fmt.Sprintf("a claim %s that is not this session's exists; it is never mounted by another session", name), nil
		}
		return "", "", nil
	case !apierrors.IsNotFound(err):
		return "", "", err
	}
	class := platform.StorageClass
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace,
			Labels:      map[string]string{platform.UserLabel: platform.LabelValue(s.Spec.User), session.TemplateLabel: tpl.Name},
			Annotations: map[string]string{session.UserAnnotation: s.Spec.User}},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &class,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: size}},
		},
	}
	// A persistent home outlives the session; the session's own goes with it.
	if !s.Spec.Persistent {
		if err := controllerutil.SetControllerReference(s, pvc, r.Scheme); err != nil {
			return "", "", err
		}
	}
	return "", "", client.IgnoreAlreadyExists(r.Create(ctx, pvc))
}

// Start paths of a session (status.startPath, the path label of
// session_startup_seconds).
const (
	PathWarm = "warm"
	PathCold = "cold"
)

// podOf finds the session's pod: a cold one has the session's name, a warm
// one taken from the pool carries the session's label. The label is looked
// up in the cache, and when the cache has none on the API server, which may
// have seen a take the cache has not yet: a session must never take a
// second warm desktop. In the steady state no request leaves the cache.
func (r *Reconciler) podOf(ctx context.Context, s *v1alpha1.VDISession) (*corev1.Pod, error) {
	var pod corev1.Pod
	err := r.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: s.Name}, &pod)
	if err == nil || !apierrors.IsNotFound(err) {
		return &pod, err
	}
	readers := []client.Reader{r.Client}
	if r.APIReader != nil {
		readers = append(readers, r.APIReader)
	}
	for _, reader := range readers {
		var pods corev1.PodList
		if err := reader.List(ctx, &pods, client.InNamespace(s.Namespace), client.MatchingLabels{session.SessionLabel: s.Name}); err != nil {
			return nil, err
		}
		for i := range pods.Items {
			if metav1.IsControlledBy(&pods.Items[i], s) {
				return &pods.Items[i], nil
			}
		}
	}
	return nil, apierrors.NewNotFound(corev1.Resource("pods"), s.Name)
}

// ensurePod returns the session's pod, taking a desktop of the template's
// warm pool when the session can use one, else starting one; path says
// which, and for cold why.
func (r *Reconciler) ensurePod(ctx context.Context, s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate) (*corev1.Pod, string, error) {
	existing, err := r.podOf(ctx, s)
	if err == nil {
		return existing, "", nil // pods are immutable: a session keeps the pod it started with
	}
	if !apierrors.IsNotFound(err) {
		return nil, "", err
	}
	path := PathCold
	switch {
	case tpl.Spec.WarmPool == nil:
	case s.Spec.Persistent:
		path = PathCold + ": a persistent home is a claim, and a claim cannot be attached to a desktop that is already running"
	default:
		pod, err := r.takeWarm(ctx, s, tpl)
		if err != nil || pod != nil {
			return pod, PathWarm, err
		}
		path = PathCold + ": the warm pool had no free desktop"
	}
	pod, err := r.withRules(ctx, tpl, s)
	if err != nil {
		return nil, "", err
	}
	pod.Labels[platform.UserLabel] = platform.LabelValue(s.Spec.User)
	if err := controllerutil.SetControllerReference(s, pod, r.Scheme); err != nil {
		return nil, "", err
	}
	if err := r.Create(ctx, pod); err != nil {
		return nil, "", err
	}
	ctrl.LoggerFrom(ctx).V(1).Info("desktop pod created", "pod", pod.Name, "path", path)
	return pod, path, nil
}

// takeWarm takes a desktop of the template's warm pool for the session, a
// Ready one first, else the oldest starting one (still sooner than a cold
// start): one update that relabels it, makes the session its controller
// and carries the pod's resourceVersion, so that of two sessions taking the
// same desktop one fails (conflict) and tries the next. nil: none left.
func (r *Reconciler) takeWarm(ctx context.Context, s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate) (*corev1.Pod, error) {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.InNamespace(s.Namespace), client.MatchingLabels{session.TemplateLabel: tpl.Name, session.WarmLabel: "true"}); err != nil {
		return nil, err
	}
	candidates := make([]*corev1.Pod, 0, len(pods.Items))
	for i := range pods.Items {
		if p := &pods.Items[i]; p.DeletionTimestamp == nil && !podDone(p) {
			candidates = append(candidates, p)
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		ri, rj := podutils.IsPodReady(candidates[i]), podutils.IsPodReady(candidates[j])
		if ri != rj {
			return ri
		}
		return candidates[i].CreationTimestamp.Before(&candidates[j].CreationTimestamp)
	})
	for _, p := range candidates {
		taken := p.DeepCopy()
		delete(taken.Labels, session.WarmLabel)
		taken.Labels[session.SessionLabel] = s.Name
		taken.Labels[platform.UserLabel] = platform.LabelValue(s.Spec.User)
		taken.OwnerReferences = nil
		if err := controllerutil.SetControllerReference(s, taken, r.Scheme); err != nil {
			return nil, err
		}
		err := r.Update(ctx, taken)
		switch {
		case err == nil:
			warmClaims.WithLabelValues(tpl.Name).Inc()
			ctrl.LoggerFrom(ctx).Info("warm desktop taken", "pod", taken.Name, "ready", podutils.IsPodReady(taken))
			return taken, nil
		case apierrors.IsConflict(err) || apierrors.IsNotFound(err):
			ctrl.LoggerFrom(ctx).V(1).Info("warm desktop taken by another session; trying the next", "pod", p.Name)
			continue // another session took it, or it went
		default:
			return nil, err
		}
	}
	return nil, nil
}

func podDone(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded
}

// withRules builds the session's pod and runs the platform rules over it
// the way the renderer runs them over manifests (see PlatformPod), with the
// platform's config, so that run-time sessions obey the same rules.
func (r *Reconciler) withRules(ctx context.Context, tpl *v1alpha1.VDITemplate, s *v1alpha1.VDISession) (*corev1.Pod, error) {
	pod, results, err := PlatformPod(tpl, s, r.Platform.Env())
	for _, res := range results {
		if res.Severity == framework.Warning {
			ctrl.LoggerFrom(ctx).Info("audit: the session breaks a platform rule", "finding", describe(res))
		}
	}
	return pod, err
}

func (r *Reconciler) ensureService(ctx context.Context, s *v1alpha1.VDISession, tpl *v1alpha1.VDITemplate) error {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace}}
	_, err := controllerutil.CreateOrUpdate(ctx, r.Client, svc, func() error {
		if svc.Labels == nil {
			svc.Labels = map[string]string{}
		}
		svc.Labels[session.SessionLabel] = s.Name
		svc.Spec.Selector = map[string]string{session.SessionLabel: s.Name}
		svc.Spec.Ports = []corev1.ServicePort{{Name: "stream", Port: tpl.Spec.Streaming.Port, TargetPort: intstr.FromString("stream"), Protocol: corev1.ProtocolTCP}}
		return controllerutil.SetControllerReference(s, svc, r.Scheme)
	})
	return err
}

// PathPrefix is where a session's stream is served.
func PathPrefix(s *v1alpha1.VDISession) string {
	return "/sessions/" + s.Namespace + "/" + s.Name + "/"
}

// removeRoute deletes the IngressRoute earlier versions made for the
// session: it outranked the gateway's route (Traefik ranks longer rules
// first), so the session's traffic bypassed the gateway and its activity was
// never counted. Only a route labelled as the session's is deleted.
func (r *Reconciler) removeRoute(ctx context.Context, s *v1alpha1.VDISession) error {
	route := &unstructured.Unstructured{}
	route.SetAPIVersion(traefik.APIVersion)
	route.SetKind("IngressRoute")
	err := r.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: s.Name}, route)
	if apierrors.IsNotFound(err) || meta.IsNoMatchError(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if route.GetLabels()[session.SessionLabel] != s.Name || !metav1.IsControlledBy(route, s) {
		return nil
	}
	return client.IgnoreNotFound(r.Delete(ctx, route))
}

// observe derives the phase and conditions from the pod.
func (r *Reconciler) observe(ctx context.Context, s *v1alpha1.VDISession, pod *corev1.Pod, st *v1alpha1.VDISessionStatus) error {
	st.URL = "https://" + r.SessionHost + PathPrefix(s)
	st.NodeName = pod.Spec.NodeName
	var scheduled, ready *corev1.PodCondition
	for i := range pod.Status.Conditions {
		switch c := &pod.Status.Conditions[i]; c.Type {
		case corev1.PodScheduled:
			scheduled = c
		case corev1.PodReady:
			ready = c
		}
	}
	switch {
	case pod.Status.Phase == corev1.PodFailed:
		st.Phase = v1alpha1.PhaseFailed
		setCondition(st, s.Generation, CondReady, metav1.ConditionFalse, "PodFailed", pod.Status.Message)
	case ready != nil && ready.Status == corev1.ConditionTrue:
		if st.Phase != v1alpha1.PhaseRunning {
			now := metav1.NewTime(r.Now())
			st.StartTime = &now
			from := s.CreationTimestamp.Time
			if st.ResumeTime != nil && st.ResumeTime.After(from) {
				from = st.ResumeTime.Time
			}
			path, _, _ := strings.Cut(st.StartPath, ":")
			if path == "" {
				path = PathCold
			}
			startupSeconds.WithLabelValues(path).Observe(r.Now().Sub(from).Seconds())
		}
		st.Phase = v1alpha1.PhaseRunning
		setCondition(st, s.Generation, CondScheduled, metav1.ConditionTrue, "Scheduled", "on node "+pod.Spec.NodeName)
		setCondition(st, s.Generation, CondReady, metav1.ConditionTrue, "DesktopReady", "the desktop is streaming at "+st.URL)
	case pod.Spec.NodeName != "":
		st.Phase = v1alpha1.PhaseStarting
		setCondition(st, s.Generation, CondScheduled, metav1.ConditionTrue, "Scheduled", "on node "+pod.Spec.NodeName)
		setCondition(st, s.Generation, CondReady, metav1.ConditionFalse, "Starting", "the desktop container is starting")
	case scheduled != nil && scheduled.Status == corev1.ConditionFalse:
		st.Phase = v1alpha1.PhaseScheduling
		reason, msg := "Unschedulable", scheduled.Message
		if platform.PodGPUs(&pod.Spec) > 0 && strings.Contains(scheduled.Message, "Insufficient "+string(platform.GPUResource)) {
			reason = "InsufficientGPU"
			var nodes corev1.NodeList
			var pods corev1.PodList
			if err := r.List(ctx, &nodes); err != nil {
				return err
			}
			if err := r.List(ctx, &pods); err != nil {
				return err
			}
			msg = platform.Shortage(pod, nodes.Items, pods.Items)
		}
		setCondition(st, s.Generation, CondScheduled, metav1.ConditionFalse, reason, msg)
	default:
		st.Phase = v1alpha1.PhasePending
		setCondition(st, s.Generation, CondScheduled, metav1.ConditionUnknown, "Pending", "waiting for the scheduler")
	}
	return nil
}

// maxMessage is the longest condition message the CRD accepts; a longer
// one (a long rule refusal, a scheduler message) would make the whole status
// update fail, so it is cut with a mark.
const maxMessage = 1024

func setCondition(st *v1alpha1.VDISessionStatus, gen int64, typ string, status metav1.ConditionStatus, reason, msg string) {
	if msg == "" {
		msg = reason
	}
	if r := []rune(msg); len(r) > maxMessage {
		msg = string(r[:maxMessage-1]) + "…"
	}
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: gen})
}

// writeStatus stores st as the session's status. A new phase is logged at
// info level with the reason of the condition that says why; every write
// is logged at debug level (-v 1).
func (r *Reconciler) writeStatus(ctx context.Context, s *v1alpha1.VDISession, st *v1alpha1.VDISessionStatus) error {
	old := ""
	if s.Status != nil {
		old = s.Status.Phase
	}
	s.Status = st
	if err := r.Status().Update(ctx, s); err != nil {
		return err
	}
	log := ctrl.LoggerFrom(ctx).WithValues("user", s.Spec.User, "template", s.Spec.Template)
	reason, msg := lastReason(st)
	if old != st.Phase {
		log.Info("session phase changed", "from", old, "to", st.Phase, "reason", reason, "message", msg)
	} else {
		log.V(1).Info("session status written", "phase", st.Phase, "reason", reason)
	}
	return nil
}

// lastReason is the reason and message of the condition that changed last.
func lastReason(st *v1alpha1.VDISessionStatus) (string, string) {
	var last *metav1.Condition
	for i := range st.Conditions {
		if c := &st.Conditions[i]; last == nil || c.LastTransitionTime.After(last.LastTransitionTime.Time) {
			last = c
		}
	}
	if last == nil {
		return "", ""
	}
	return last.Reason, last.Message
}
