package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/internal/cluster/apply"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// revisionObjects is a small rendering: a namespace, a CRD and an object
// of it, a Deployment whose pods the twin starts, a ConfigMap per name in
// cms, and with broken a Deployment whose image never pulls.
func revisionObjects(t *testing.T, cms []string, broken bool) []*unstructured.Unstructured {
	t.Helper()
	docs := []string{`apiVersion: v1
kind: Namespace
metadata: {name: applied}`, `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.test.vdirender.dev}
spec:
  group: test.vdirender.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}`, `apiVersion: test.vdirender.dev/v1
kind: Widget
metadata: {name: w, namespace: applied}
spec: {size: 1}`, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: applied}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: c, image: "registry.example/web:1.0"}`}
	for _, cm := range cms {
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: applied}\ndata: {k: v}", cm))
	}
	if broken {
		docs = append(docs, `apiVersion: apps/v1
kind: Deployment
metadata: {name: never-ready, namespace: applied}
spec:
  selector: {matchLabels: {app: never-ready}}
  template:
    metadata: {labels: {app: never-ready}}
    spec:
      containers:
      - {name: c, image: "`+neverReadyImage+`"}`)
	}
	objs, err := apply.Decode([]byte(strings.Join(docs, "\n---\n")))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func configMaps(ctx context.Context, t *testing.T, cl *kubeclient.Client) map[string]string {
	t.Helper()
	l, err := cl.Kube.CoreV1().ConfigMaps("applied").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, cm := range l.Items {
		if cm.DeletionTimestamp == nil && cm.Name != "kube-root-ca.crt" {
			out[cm.Name] = cm.ResourceVersion
		}
	}
	return out
}

// TestApply proves `vdirender apply` on the K3s twin: a good apply waited
// for, a second one that changes nothing, a removal that prunes, a broken
// revision (an image that never pulls) rolled back atomically, a rollback
// and the history, a concurrent apply refused, an object of another
// ApplySet refused, a dry-run, and kubectl reading the same ApplySet.
func TestApply(t *testing.T) {
	tw := cluster.StartTwin(t, cluster.TwinOptions{Nodes: []*corev1.Node{cluster.CPUNode("cpu-0")}})
	c := tw.Cluster
	cl := newClient(t, c)
	ctx := context.Background()
	opts := apply.Options{Name: "vdirender-test", Namespace: "kube-system", Tooling: "vdirender/test", HistoryMax: 4, Wait: true, Timeout: time.Minute}
	id := apply.ID("kube-system", "vdirender-test")

	// 1. A good apply: everything there, labelled, recorded.
	r, err := apply.Apply(ctx, cl, revisionObjects(t, []string{"a", "b"}, false), opts)
	if err != nil {
		t.Fatal(err)
	}
	if r.Revision != 1 || r.Applied != 6 || len(r.Pruned) != 0 {
		t.Errorf("first apply: %+v", r)
	}
	// --wait returned only once the twin ran the Deployment's pods.
	if d, err := cl.Kube.AppsV1().Deployments("applied").Get(ctx, "web", metav1.GetOptions{}); err != nil || d.Status.ReadyReplicas != 2 {
		t.Errorf("apply --wait returned before Deployment web was ready: %v", err)
	}
	before := configMaps(ctx, t, cl)
	if len(before) != 2 {
		t.Fatalf("ConfigMaps %v", before)
	}
	w, err := cl.Dynamic.Resource(schema.GroupVersionResource{Group: "test.vdirender.dev", Version: "v1", Resource: "widgets"}).Namespace("applied").Get(ctx, "w", metav1.GetOptions{})
	if err != nil || w.GetLabels()[apply.LabelPartOf] != id {
		t.Fatalf("widget: %v, labels %v", err, w.GetLabels())
	}
	parent, err := cl.Kube.CoreV1().Secrets("kube-system").Get(ctx, "vdirender-test", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := parent.Annotations[apply.AnnotationGroupKinds], "ConfigMap,CustomResourceDefinition.apiextensions.k8s.io,Deployment.apps,Namespace,Widget.test.vdirender.dev"; got != want {
		t.Errorf("contains-group-kinds %q, want %q", got, want)
	}
	if got := parent.Annotations[apply.AnnotationNamespaces]; got != "applied" {
		t.Errorf("additional-namespaces %q", got)
	}

	// 2. The same again: a new revision, nothing written, nothing pruned.
	r, err = apply.Apply(ctx, cl, revisionObjects(t, []string{"a", "b"}, false), opts)
	if err != nil || r.Revision != 2 || len(r.Pruned) != 0 {
		t.Fatalf("second apply: %+v, %v", r, err)
	}
	if after := configMaps(ctx, t, cl); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("an unchanged apply wrote objects: %v, then %v", before, after)
	}

	// 3. b removed from the rendering: pruned; an unlabelled ConfigMap
	// beside it is never touched.
	if _, err := cl.Kube.CoreV1().ConfigMaps("applied").Create(ctx, configMap("hand-made"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err = apply.Apply(ctx, cl, revisionObjects(t, []string{"a"}, false), opts)
	if err != nil || r.Revision != 3 || fmt.Sprint(r.Pruned) != "[ConfigMap applied/b]" {
		t.Fatalf("pruning apply: %+v, %v", r, err)
	}
	if got := configMaps(ctx, t, cl); len(got) != 2 || got["a"] == "" || got["hand-made"] == "" {
		t.Errorf("after pruning: %v", got)
	}

	// 4. A broken revision, atomic: it times out, revision 3 comes back
	// and what the broken one added is pruned.
	broken := opts
	broken.Atomic, broken.Timeout = true, 5*time.Second
	r, err = apply.Apply(ctx, cl, revisionObjects(t, []string{"a", "c"}, true), broken)
	if !errors.Is(err, apply.ErrNotReady) || r == nil || !r.RolledBack || r.RolledBackTo != 3 || r.Revision != 5 {
		t.Fatalf("atomic apply: %+v, %v", r, err)
	}
	if !strings.Contains(err.Error(), "Deployment applied/never-ready") {
		t.Errorf("the error does not name what was not ready: %v", err)
	}
	if got := configMaps(ctx, t, cl); len(got) != 2 || got["c"] != "" {
		t.Errorf("after the rollback: %v", got)
	}
	if _, err := cl.Kube.AppsV1().Deployments("applied").Get(ctx, "never-ready", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the broken Deployment is still there: %v", err)
	}

	// 5. The history, bounded: 4 kept of 5.
	revs, err := apply.History(ctx, cl, "kube-system", "vdirender-test")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rev := range revs {
		got = append(got, fmt.Sprintf("%d %s", rev.Number, rev.Status))
	}
	if want := "[2 superseded 3 superseded 4 failed 5 deployed]"; fmt.Sprint(got) != want {
		t.Errorf("history %v, want %s", got, want)
	}

	// 6. rollback to revision 2 (a and b), through the CLI.
	out, err := run(t, "rollback", "vdirender-test", "2", "--kubeconfig", c.Kubeconfig())
	if err != nil || !strings.Contains(out, "revision 6") {
		t.Fatalf("rollback: %v\n%s", err, out)
	}
	if got := configMaps(ctx, t, cl); got["b"] == "" {
		t.Errorf("rollback to 2 did not bring b back: %v", got)
	}
	out, err = run(t, "history", "vdirender-test", "--kubeconfig", c.Kubeconfig())
	if err != nil || !strings.Contains(out, "rollback to revision 2") || !strings.Contains(out, "REVISION") {
		t.Errorf("history: %v\n%s", err, out)
	}

	// 7. A concurrent apply is refused while another holds the Lease.
	holder := "vdirender@elsewhere"
	now := metav1.NewMicroTime(time.Now())
	if _, err := cl.Kube.CoordinationV1().Leases("kube-system").Create(ctx, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "vdirender-test"},
		Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: ptr.To(int32(60)), RenewTime: &now},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := apply.Apply(ctx, cl, revisionObjects(t, []string{"a"}, false), opts); err == nil || !strings.Contains(err.Error(), "in progress") || !strings.Contains(err.Error(), holder) {
		t.Errorf("concurrent apply: %v", err)
	}
	if err := cl.Kube.CoordinationV1().Leases("kube-system").Delete(ctx, "vdirender-test", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	// 8. An object of another ApplySet is refused, and nothing applied.
	other := opts
	other.Name = "someone-else"
	if _, err := apply.Apply(ctx, cl, revisionObjects(t, []string{"a", "z"}, false), other); err == nil || !strings.Contains(err.Error(), "another ApplySet") {
		t.Errorf("taking over another set's objects: %v", err)
	}
	if got := configMaps(ctx, t, cl); got["z"] != "" {
		t.Errorf("a refused apply applied z")
	}
	if revs, err := apply.History(ctx, cl, "kube-system", "someone-else"); err != nil || len(revs) != 0 {
		t.Errorf("a refused apply recorded %d revisions (%v)", len(revs), err)
	}

	// An ApplySet another tool owns is not changed.
	if _, err := cl.Kube.CoreV1().Secrets("kube-system").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "kubectl-set", Namespace: "kube-system",
		Labels:      map[string]string{apply.LabelID: apply.ID("kube-system", "kubectl-set")},
		Annotations: map[string]string{apply.AnnotationTooling: "kubectl/v1.35"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	theirs := opts
	theirs.Name = "kubectl-set"
	if _, err := apply.Apply(ctx, cl, revisionObjects(t, []string{"k"}, false), theirs); err == nil || !strings.Contains(err.Error(), `belongs to "kubectl/v1.35"`) {
		t.Errorf("applying to kubectl's ApplySet: %v", err)
	}
	if revs, err := apply.History(ctx, cl, "kube-system", "kubectl-set"); err != nil || len(revs) != 0 {
		t.Errorf("a refused apply recorded %d revisions (%v)", len(revs), err)
	}

	// 9. A dry-run changes nothing and lists what it would prune.
	dry := opts
	dry.DryRun = true
	r, err = apply.Apply(ctx, cl, revisionObjects(t, []string{"a"}, false), dry)
	if err != nil || fmt.Sprint(r.Pruned) != "[ConfigMap applied/b]" {
		t.Errorf("dry-run: %+v, %v", r, err)
	}
	if got := configMaps(ctx, t, cl); got["b"] == "" {
		t.Error("the dry-run pruned b")
	}

	// 10. kubectl reads the same ApplySet: it finds the parent by its id and
	// refuses to change a set that vdirender owns.
	kubectlAgrees(t, c)
}

func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "applied"}, Data: map[string]string{"k": "v"}}
}

// kubectlAgrees runs kubectl's ApplySet support on vdirender's set.
func kubectlAgrees(t *testing.T, c *cluster.Cluster) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl not installed: the ApplySet id is checked against the spec's formula only")
		return
	}
	file := filepath.Join(t.TempDir(), "cm.yaml")
	if err := os.WriteFile(file, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: applied}\ndata: {k: v}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(kubectl, "--kubeconfig", c.Kubeconfig(), "apply", "--server-side", "-f", file,
		"--prune", "--applyset=secret/vdirender-test", "-n", "kube-system", "--dry-run=server")
	cmd.Env = append(os.Environ(), "KUBECTL_APPLYSET=true")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), `managed by tooling "vdirender"`) {
		t.Errorf("kubectl on vdirender's ApplySet: %v\n%s", err, out)
	}
	t.Logf("kubectl: %s", out)
}
