// Package e2e proves rendered output on a real kube-apiserver and
// kube-scheduler (see package cluster): every object of every example is
// accepted by a server-side dry-run, the CRDs' CEL rules reject what they
// must, and the scheduler packs exactly the time-sliced capacity that the
// renderer's own capacity check predicts.
package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// TestControlPlane starts one control plane and runs every proof on it.
func TestControlPlane(t *testing.T) {
	c := cluster.Start(t)
	cl := newClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	crds, clusterPolicy := upstreamObjects(t)
	for _, crd := range crds {
		if err := cl.Apply(ctx, kubeclient.FieldManager, crd, false); err != nil {
			t.Fatalf("upstream %s: %v", kubeclient.Describe(crd), err)
		}
	}
	waitEstablished(ctx, t, cl, crds)
	for _, o := range k3sDefaults() {
		u := toUnstructured(t, o)
		if err := cl.Apply(ctx, kubeclient.FieldManager, u, false); err != nil {
			t.Fatalf("%s: %v", kubeclient.Describe(u), err)
		}
	}
	// An operator installed by someone else: its namespace and the
	// cluster-policy its chart created (owned by Helm), which the
	// existing-operator example patches.
	gpuNS := toUnstructured(t, &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "gpu-operator"}})
	for _, o := range []*unstructured.Unstructured{gpuNS, clusterPolicy} {
		if err := cl.Apply(ctx, "helm", o, false); err != nil {
			t.Fatalf("%s: %v", kubeclient.Describe(o), err)
		}
	}

	t.Run("examples", func(t *testing.T) { testExamples(ctx, t, cl) })
	t.Run("pod security", func(t *testing.T) { testPodSecurity(ctx, t, cl) })
	t.Run("inline charts", func(t *testing.T) { testInlineCharts(ctx, t, cl) })
	t.Run("real charts", func(t *testing.T) { testRealCharts(ctx, t, cl) })
	t.Run("cel", func(t *testing.T) { testCEL(ctx, t, cl) })
	t.Run("tenants", func(t *testing.T) { testTenants(ctx, t, c, cl) })
	t.Run("scheduling", func(t *testing.T) { testScheduling(ctx, t, cl) })
	t.Run("verify", func(t *testing.T) { testVerify(ctx, t, c, cl) })
	t.Run("operator", func(t *testing.T) { testOperator(ctx, t, c, cl) })
	t.Run("doctor", func(t *testing.T) { testDoctor(ctx, t, c, cl) })
}

// testExamples applies our CRDs and namespaces for real, then server-side
// dry-runs every other object of every example.
func testExamples(ctx context.Context, t *testing.T, cl *kubeclient.Client) {
	dirs, _ := filepath.Glob("../../examples/*/platform.yaml")
	if len(dirs) < 2 {
		t.Fatal("no examples")
	}
	for _, p := range dirs {
		dir := filepath.Dir(p)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			acceptAll(ctx, t, cl, rendered(t, dir))
		})
	}
}

// testInlineCharts renders sub-charts from vendored archives with the Helm
// SDK and server-side dry-runs what they produce.
func testInlineCharts(ctx context.Context, t *testing.T, cl *kubeclient.Client) {
	pkg := charttest.LockedPackage(t, "../..")
	n := 0
	for _, o := range rendered(t, pkg) {
		if o.GetLabels()["app.kubernetes.io/managed-by"] != "vdirender" || o.GetKind() == "CustomResourceDefinition" || o.GetKind() == "Namespace" {
			continue
		}
		if err := cl.Apply(ctx, kubeclient.FieldManager, o, true); err != nil {
			t.Errorf("%s rejected: %v", kubeclient.Describe(o), err)
		}
		n++
	}
	t.Logf("%d objects dry-run, chart objects included", n)

	// The examples with the real upstream charts inline (skipped without
	// their archives): the charts' CRDs and namespaces applied, every
	// other object server-side dry-run.
	for _, example := range []string{"k3s-single-node", "gpu-pool"} {
		t.Run("real "+example, func(t *testing.T) {
			pkg := charttest.RealInlinePackage(t, "../..", example, charttest.RealCharts(t))
			acceptAll(ctx, t, cl, rendered(t, pkg))
		})
	}
}

// acceptAll applies a rendering's CRDs and namespaces for real, waits for
// the CRDs, and server-side dry-runs every other object: each must be
// accepted.
func acceptAll(ctx context.Context, t *testing.T, cl *kubeclient.Client, objs []*unstructured.Unstructured) {
	t.Helper()
	var crds, rest []*unstructured.Unstructured
	for _, o := range objs {
		switch o.GetKind() {
		case "CustomResourceDefinition", "Namespace":
			if err := cl.Apply(ctx, kubeclient.FieldManager, o, false); err != nil {
				t.Fatalf("%s rejected: %v", kubeclient.Describe(o), err)
			}
			if o.GetKind() == "CustomResourceDefinition" {
				crds = append(crds, o)
			}
		default:
			rest = append(rest, o)
		}
	}
	waitEstablished(ctx, t, cl, crds)
	for _, o := range rest {
		if err := cl.Apply(ctx, kubeclient.FieldManager, o, true); err != nil {
			t.Errorf("%s rejected: %v", kubeclient.Describe(o), err)
		}
	}
	if !t.Failed() {
		t.Logf("all %d objects accepted (%d applied, %d server-side dry-run)", len(objs), len(objs)-len(rest), len(rest))
	}
}

// rendered builds an example and decodes its objects.
func rendered(t testing.TB, dir string) []*unstructured.Unstructured {
	t.Helper()
	items, _, err := fn.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, it := range items {
		var m map[string]any
		if err := sigsyaml.Unmarshal([]byte(it.MustString()), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
	return out
}

// testCEL checks that the API server enforces the CRDs' rules.
func testCEL(ctx context.Context, t *testing.T, cl *kubeclient.Client) {
	tests := []struct {
		name, manifest, want string
	}{
		{"template GPU request differs from limit", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: bad-gpu, namespace: vdi-sessions}
spec:
  image: desktop:1.0
  streaming: {protocol: webrtc, port: 8080}
  resources:
    limits: {nvidia.com/gpu: 2}
    requests: {nvidia.com/gpu: 1}
`, "nvidia.com/gpu requests must equal limits"},
		{"session storage class other than local-path", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDISession
metadata: {name: bad-storage, namespace: vdi-sessions}
spec:
  template: ubuntu-desktop
  user: mallory
  storage: {size: 10Gi, storageClassName: standard}
`, "storageClassName must be local-path"},
		{"unknown field", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDISession
metadata: {name: typo, namespace: vdi-sessions}
spec:
  template: ubuntu-desktop
  user: mallory
  persistant: true
`, ".spec.persistant: field not declared in schema"},
		{"idle timeout overflows", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: forever, namespace: vdi-sessions}
spec:
  image: desktop:1.0
  streaming: {protocol: webrtc, port: 8080}
  resources: {limits: {cpu: '1', memory: 1Gi}}
  idleTimeout: 2562048h
`, "at most about 292 years"},
		{"session length overflows", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: forever, namespace: vdi-sessions}
spec:
  image: desktop:1.0
  streaming: {protocol: webrtc, port: 8080}
  resources: {limits: {cpu: '1', memory: 1Gi}}
  maxSessionLength: 9999999999999999s
`, "at most about 292 years"},
		{"env value and valueFrom", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: both, namespace: vdi-sessions}
spec:
  image: desktop:1.0
  streaming: {protocol: webrtc, port: 8080}
  resources: {limits: {cpu: '1', memory: 1Gi}}
  env:
  - {name: P, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}
`, "set value or valueFrom, not both"},
		{"env with two sources", `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: two, namespace: vdi-sessions}
spec:
  image: desktop:1.0
  streaming: {protocol: webrtc, port: 8080}
  resources: {limits: {cpu: '1', memory: 1Gi}}
  env:
  - {name: P, valueFrom: {secretKeyRef: {name: s, key: k}, configMapKeyRef: {name: s, key: k}}}
`, "valueFrom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decodeObjects(t, []byte(tt.manifest))[0]
			err := cl.Apply(ctx, kubeclient.FieldManager, obj, true)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("want rejection containing %q, got %v", tt.want, err)
			}
		})
	}
	// The same objects made right are accepted.
	ok := decodeObjects(t, []byte(`
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDISession
metadata: {name: good, namespace: vdi-sessions}
spec:
  template: ubuntu-desktop
  user: alice
  storage: {size: 10Gi, storageClassName: local-path}
`))[0]
	if err := cl.Apply(ctx, kubeclient.FieldManager, ok, true); err != nil {
		t.Errorf("valid session rejected: %v", err)
	}
	tpl := decodeObjects(t, []byte(`
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: good, namespace: vdi-sessions}
spec:
  image: desktop:1.0
  streaming: {protocol: webrtc, port: 8080}
  resources: {limits: {cpu: '1', memory: 1Gi}}
  idleTimeout: 2562047h
  maxSessionLength: 8h
  env:
  - {name: LANG, value: C.UTF-8}
  - {name: PASSWORD, valueFrom: {secretKeyRef: {name: desktop-auth, key: password}}}
  - {name: MODE, valueFrom: {configMapKeyRef: {name: desktop, key: tls.mode}}}
`))[0]
	if err := cl.Apply(ctx, kubeclient.FieldManager, tpl, true); err != nil {
		t.Errorf("valid template rejected: %v", err)
	}
}
