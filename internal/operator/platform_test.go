package operator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/manifest"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

const ns = "ops"

// platformValues is a platform whose every value the rules read differs
// from the default, with one rule in the given mode.
func platformValues(rule, mode string, failGreaterThanOne bool) string {
	return fmt.Sprintf(`
global: {hostname: kasm.example.com}
rules: {%s: %q}
containerDefaults:
  default: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 20m, memory: 32Mi}}
  Pod: {requests: {cpu: 11m, memory: 17Mi}, limits: {cpu: 21m, memory: 33Mi}}
gpu:
  timeSlicing: {replicas: 3, failRequestsGreaterThanOne: %t}
  nodePools: [{name: desk, nodes: 1, gpusPerNode: 1, replicas: 4}]
vdi:
  sessionNamespace: %s
  sessionDefaults:
    resources:
      requests: {cpu: 1500m, memory: 3Gi, nvidia.com/gpu: "1"}
      limits: {cpu: "3", memory: 6Gi, nvidia.com/gpu: "1"}
`, rule, mode, failGreaterThanOne, ns)
}

// cleanTemplate follows every rule.
func cleanTemplate() *v1alpha1.VDITemplate {
	return &v1alpha1.VDITemplate{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.TemplateKind},
		ObjectMeta: metav1.ObjectMeta{Name: "desktop", Namespace: ns},
		Spec: v1alpha1.VDITemplateSpec{
			Image: "ghcr.io/example/desktop:1.0.0", ImagePullPolicy: corev1.PullIfNotPresent,
			Resources: v1alpha1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi"), platform.GPUResource: resource.MustParse("1")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi"), platform.GPUResource: resource.MustParse("1")},
			},
			Streaming:        v1alpha1.Streaming{Protocol: "websocket", Port: 6901},
			Storage:          &v1alpha1.Storage{Size: resource.MustParse("5Gi"), MountPath: "/home/user", StorageClassName: "local-path"},
			NodeSelector:     map[string]string{"nvidia.com/device-plugin.config": "desk"},
			Tolerations:      []v1alpha1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			RuntimeClassName: ptr.To("nvidia"),
		},
	}
}

func newSession(name string) *v1alpha1.VDISession {
	return &v1alpha1.VDISession{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.SessionKind},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(name + "-uid")},
		Spec:       v1alpha1.VDISessionSpec{Template: "desktop", User: name + "@example.org"},
	}
}

// templateCase breaks one rule, or none.
type templateCase struct {
	name   string
	rule   string // "" for a template that breaks nothing
	mutate func(*v1alpha1.VDITemplate)
	// failGreaterThanOne is the platform's gpu.timeSlicing setting.
	allowMoreSlices bool
}

func setGPU(q string) func(*v1alpha1.VDITemplate) {
	return func(t *v1alpha1.VDITemplate) {
		t.Spec.Resources.Limits[platform.GPUResource] = resource.MustParse(q)
		t.Spec.Resources.Requests[platform.GPUResource] = resource.MustParse(q)
	}
}

var templateCases = []templateCase{
	{name: "clean", mutate: func(*v1alpha1.VDITemplate) {}},
	{name: "nfs home", rule: "storage", mutate: func(t *v1alpha1.VDITemplate) { t.Spec.Storage.StorageClassName = "nfs" }},
	{name: "pull Always", rule: "pullPolicy", mutate: func(t *v1alpha1.VDITemplate) { t.Spec.ImagePullPolicy = corev1.PullAlways }},
	{name: "pull policy unset", rule: "pullPolicy", mutate: func(t *v1alpha1.VDITemplate) { t.Spec.ImagePullPolicy = "" }},
	{name: "no cpu or memory", rule: "resources", mutate: func(t *v1alpha1.VDITemplate) {
		for _, l := range []corev1.ResourceList{t.Spec.Resources.Limits, t.Spec.Resources.Requests} {
			delete(l, corev1.ResourceCPU)
			delete(l, corev1.ResourceMemory)
		}
	}},
	{name: "cpu request above limit", rule: "resources", mutate: func(t *v1alpha1.VDITemplate) {
		t.Spec.Resources.Requests[corev1.ResourceCPU] = resource.MustParse("2")
	}},
	{name: "no runtime class or toleration", rule: "gpu", mutate: func(t *v1alpha1.VDITemplate) {
		t.Spec.RuntimeClassName, t.Spec.Tolerations = nil, nil
	}},
	{name: "gpu limit only", rule: "gpu", mutate: func(t *v1alpha1.VDITemplate) {
		delete(t.Spec.Resources.Requests, platform.GPUResource)
	}},
	{name: "two slices", rule: "gpu", mutate: setGPU("2")},
	{name: "two slices allowed", rule: "gpu", mutate: setGPU("2"), allowMoreSlices: true},
	{name: "half a slice", rule: "gpu", mutate: setGPU("500m")},
	{name: "unknown pool", rule: "gpu", mutate: func(t *v1alpha1.VDITemplate) {
		t.Spec.NodeSelector["nvidia.com/device-plugin.config"] = "nowhere"
	}},
	{name: "too many slices for a node", rule: "gpu", mutate: setGPU("5"), allowMoreSlices: true},
	{name: "latest", rule: "pinning", mutate: func(t *v1alpha1.VDITemplate) { t.Spec.Image = "ghcr.io/example/desktop:latest" }},
	{name: "untagged", rule: "pinning", mutate: func(t *v1alpha1.VDITemplate) { t.Spec.Image = "ghcr.io/example/desktop" }},
}

// writeConfig renders the operator's ConfigMap for v and lays its data out
// the way the kubelet mounts a ConfigMap: the key is a symlink through
// ..data to a timestamped directory, swapped atomically on update.
func writeConfig(t *testing.T, dir string, v *values.Values, generation int) string {
	t.Helper()
	cm := generators.OperatorConfig(v)
	ts := filepath.Join(dir, fmt.Sprintf("..2026_11_27_10_00_%02d.%d", generation, generation))
	if err := os.MkdirAll(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	for k, data := range cm.Data {
		if err := os.WriteFile(filepath.Join(ts, k), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, k)
		if _, err := os.Lstat(link); os.IsNotExist(err) {
			if err := os.Symlink(filepath.Join("..data", k), link); err != nil {
				t.Fatal(err)
			}
		}
	}
	tmp := filepath.Join(dir, "..data_tmp")
	if err := os.Symlink(filepath.Base(ts), tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, values.ConfigMapKey)
}

func loadValues(t *testing.T, src string) *values.Values {
	t.Helper()
	v, err := values.LoadFile("platform.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func newReconciler(t *testing.T, platform *operator.Config, objs ...client.Object) (*operator.Reconciler, client.Client) {
	t.Helper()
	scheme, err := operator.Scheme()
	if err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&v1alpha1.VDISession{}).WithObjects(objs...).Build()
	return &operator.Reconciler{Client: c, Scheme: scheme, SessionHost: "sessions.example.org",
		Platform: platform, Now: func() time.Time { return time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC) }}, c
}

// reconcile runs one reconcile of the session and returns its pod (nil when
// none was made) and its Scheduled condition.
func reconcile(t *testing.T, r *operator.Reconciler, c client.Client, name string) (*corev1.Pod, *metav1.Condition) {
	t.Helper()
	ctx := context.Background()
	_, rerr := r.Reconcile(ctx, ctrl.Request{NamespacedName: types.NamespacedName{Namespace: ns, Name: name}})
	var s v1alpha1.VDISession
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		t.Fatal(err)
	}
	var cond *metav1.Condition
	if s.Status != nil {
		for i := range s.Status.Conditions {
			if s.Status.Conditions[i].Type == operator.CondScheduled {
				cond = &s.Status.Conditions[i]
			}
		}
	}
	var pod corev1.Pod
	err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &pod)
	switch {
	case apierrors.IsNotFound(err):
		if rerr == nil {
			t.Error("no pod, and Reconcile returned no error")
		}
		return nil, cond
	case err != nil:
		t.Fatal(err)
	}
	if rerr != nil {
		t.Errorf("the pod was made, but Reconcile failed: %v", rerr)
	}
	return &pod, cond
}

func nodes(t *testing.T, objs ...any) []*yaml.RNode {
	t.Helper()
	var out []*yaml.RNode
	for _, o := range objs {
		n, err := manifest.ToNode(o)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func errorsOf(rs framework.Results) []string {
	var out []string
	for _, r := range rs {
		if r.Severity == framework.Error {
			out = append(out, r.Message)
		}
	}
	return out
}

// TestOperatorAgreesWithValidate runs, for each rule in each mode, templates
// that break it (or nothing) through the operator reading the platform's
// rendered config, and checks its decision against what vdirender decides
// about the same template and session under the same platform:
//
//   - validate accepts them: the operator makes the pod from the template
//     unchanged, and validate accepts that pod too;
//   - build (the renderer, enforce fixes) refuses them: the operator makes no
//     pod and the session's status gives every reason build gives;
//   - otherwise (validate refuses, build fixes or only warns): the operator
//     makes the pod from the template build renders, with exactly its fixes;
//     validate accepts that pod unless the rule is in audit mode, where the
//     violation stays.
func TestOperatorAgreesWithValidate(t *testing.T) {
	for _, rule := range []string{"storage", "pullPolicy", "resources", "gpu", "pinning"} {
		for _, mode := range []string{values.ModeEnforce, values.ModeAudit, values.ModeOff} {
			for _, tc := range templateCases {
				if tc.rule != "" && tc.rule != rule {
					continue
				}
				t.Run(rule+"="+mode+"/"+tc.name, func(t *testing.T) {
					full := loadValues(t, platformValues(rule, mode, !tc.allowMoreSlices))
					config, err := operator.LoadConfig(writeConfig(t, t.TempDir(), full, 1), logr.Discard())
					if err != nil {
						t.Fatal(err)
					}
					tpl := cleanTemplate()
					tc.mutate(tpl)
					sess := newSession("alice")

					// What vdirender says about the template and the session.
					env := &transformers.Env{Values: full}
					validated, err := fn.Validate(nodes(t, tpl, sess), env)
					if err != nil {
						t.Fatal(err)
					}
					validateAccepts := !fn.HasErrors(validated)
					built, buildResults, err := fn.Render(nodes(t, tpl, sess), full, fn.Options{})
					if err != nil {
						t.Fatal(err)
					}
					buildRefuses := fn.HasErrors(buildResults)
					var builtTpl v1alpha1.VDITemplate
					for _, n := range built {
						if n.GetKind() == v1alpha1.TemplateKind && n.GetName() == tpl.Name {
							if err := sigsyaml.Unmarshal([]byte(n.MustString()), &builtTpl); err != nil {
								t.Fatal(err)
							}
						}
					}
					if validateAccepts && (buildRefuses || !cmp.Equal(tpl.Spec, builtTpl.Spec)) {
						t.Fatalf("validate accepts what build changes or refuses: %v", errorsOf(buildResults))
					}
					if tc.rule == "" && !validateAccepts {
						t.Fatalf("the clean template breaks a rule: %v", errorsOf(validated))
					}

					r, c := newReconciler(t, config, tpl.DeepCopyObject().(client.Object), sess.DeepCopy())
					pod, cond := reconcile(t, r, c, sess.Name)

					if buildRefuses {
						if pod != nil {
							t.Fatalf("build refuses the template (%v), the operator made its pod", errorsOf(buildResults))
						}
						if cond == nil || cond.Status != metav1.ConditionFalse || cond.Reason != "PodRejected" {
							t.Fatalf("session condition %+v, want Scheduled=False PodRejected", cond)
						}
						for _, msg := range errorsOf(buildResults) {
							if !strings.Contains(cond.Message, msg) {
								t.Errorf("the status does not say %q:\n%s", msg, cond.Message)
							}
						}
						if mode != values.ModeEnforce && rule == tc.rule {
							t.Errorf("a rule in %s mode refused the session: %s", mode, cond.Message)
						}
						return
					}
					if pod == nil {
						t.Fatalf("build accepts the template, the operator refused it: %+v", cond)
					}
					want := session.Pod(&builtTpl, sess)
					if d := cmp.Diff(want.Spec, pod.Spec); d != "" {
						t.Errorf("the operator's pod is not the one built from the rendered template (-build +operator):\n%s", d)
					}
					if pod.Labels[platform.UserLabel] != platform.LabelValue(sess.Spec.User) || pod.Labels[session.TemplateLabel] != tpl.Name {
						t.Errorf("labels %v", pod.Labels)
					}
					podValidated, err := fn.Validate(nodes(t, podObject(pod)), env)
					if err != nil {
						t.Fatal(err)
					}
					switch {
					case validateAccepts || mode == values.ModeEnforce || rule != tc.rule:
						if fn.HasErrors(podValidated) {
							t.Errorf("validate refuses the operator's pod: %v", errorsOf(podValidated))
						}
					case mode == values.ModeAudit && rule != "storage":
						// The storage rule looks at the template's volume, which
						// the pod does not carry; the claim is checked below.
						if !fn.HasErrors(podValidated) {
							t.Error("in audit mode the pod was fixed")
						}
					}
					if tpl.Spec.Storage != nil {
						var claim corev1.PersistentVolumeClaim
						if err := c.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: session.ClaimName(tpl, sess)}, &claim); err != nil {
							t.Fatal(err)
						}
						claim.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"}
						claim.ObjectMeta = metav1.ObjectMeta{Name: claim.Name, Namespace: claim.Namespace}
						if rs, err := fn.Validate(nodes(t, &claim), env); err != nil || fn.HasErrors(rs) {
							t.Errorf("validate refuses the operator's claim: %v %v", err, errorsOf(rs))
						}
					}
				})
			}
		}
	}
}

// podObject is the pod as it would be written to a package.
func podObject(p *corev1.Pod) *corev1.Pod {
	out := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}
	out.Name, out.Namespace, out.Labels = p.Name, p.Namespace, p.Labels
	out.Spec = p.Spec
	return out
}

// TestOperatorReloadsConfig swaps the mounted config the way the kubelet
// does and checks that the next session follows the new rules without a
// restart, that the reload is logged, and that a broken config leaves the
// last good one in force.
func TestOperatorReloadsConfig(t *testing.T) {
	dir := t.TempDir()
	var logs []string
	log := funcr.New(func(prefix, args string) { logs = append(logs, args) }, funcr.Options{})
	path := writeConfig(t, dir, loadValues(t, platformValues("pinning", values.ModeEnforce, true)), 1)
	config, err := operator.LoadConfig(path, log)
	if err != nil {
		t.Fatal(err)
	}
	latest := cleanTemplate()
	latest.Spec.Image = "ghcr.io/example/desktop:latest"
	alice, bob, carol := newSession("alice"), newSession("bob"), newSession("carol")
	r, c := newReconciler(t, config, latest, alice, bob, carol)

	if pod, cond := reconcile(t, r, c, "alice"); pod != nil || cond == nil || !strings.Contains(cond.Message, "tagged latest") {
		t.Fatalf("pinning enforce: pod %v, condition %+v", pod != nil, cond)
	}

	writeConfig(t, dir, loadValues(t, platformValues("pinning", values.ModeOff, true)), 2)
	if pod, cond := reconcile(t, r, c, "bob"); pod == nil {
		t.Fatalf("pinning off after the reload: refused with %+v", cond)
	}
	if !strings.Contains(strings.Join(logs, "\n"), `"msg"="platform config reloaded"`) || !strings.Contains(strings.Join(logs, "\n"), "pinning=off") {
		t.Errorf("the reload is not logged:\n%s", strings.Join(logs, "\n"))
	}

	// A broken config (as a hand edit could make) keeps pinning off in force.
	ts := filepath.Join(dir, "..2026_11_27_10_00_03.3")
	if err := os.MkdirAll(ts, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ts, values.ConfigMapKey), []byte("global: {hostname: kasm.example.com}\nrules: {pinning: sometimes}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(ts), filepath.Join(dir, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "..data_tmp"), filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	logs = nil
	if pod, cond := reconcile(t, r, c, "carol"); pod == nil {
		t.Fatalf("a broken config replaced the good one: refused with %+v", cond)
	}
	config.Values()
	if joined := strings.Join(logs, "\n"); strings.Count(joined, "not reloaded") != 1 || !strings.Contains(joined, "rules.pinning") {
		t.Errorf("the broken config is not logged once with its field:\n%s", joined)
	}
}

// TestOperatorConfigRefusedAtStart checks that a config the renderer would
// refuse stops the operator at start, saying where.
func TestOperatorConfigRefusedAtStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, values.ConfigMapKey)
	for name, src := range map[string]string{
		"unknown field": "global: {hostname: kasm.example.com}\nrules: {pinnig: audit}\n",
		"bad mode":      "global: {hostname: kasm.example.com}\nrules: {gpu: sometimes}\n",
		"no hostname":   "rules: {gpu: audit}\n",
		"duplicate pool": `global: {hostname: kasm.example.com}
gpu: {nodePools: [{name: a, nodes: 1, gpusPerNode: 1}, {name: a, nodes: 1, gpusPerNode: 1}]}
`,
	} {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := operator.LoadConfig(path, logr.Discard())
			if err == nil || !strings.Contains(err.Error(), path+":") {
				t.Errorf("error %v, want one that points into %s", err, path)
			}
		})
	}
	if _, err := operator.LoadConfig(filepath.Join(dir, "missing.yaml"), logr.Discard()); err == nil {
		t.Error("a missing config is not an error")
	}
}
