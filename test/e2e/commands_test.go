package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cli"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/operator/session"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// run executes a vdirender command line and returns stdout and the error.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := cli.NewRoot()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String() + errOut.String(), err
}

// testVerify runs `vdirender verify` against the test cluster.
func testVerify(ctx context.Context, t *testing.T, c *cluster.Cluster, cl *kubeclient.Client) {
	cluster.CreateNodes(ctx, t, cl.Kube, cluster.GPUNodes(values.NodePool{Name: "single", Nodes: 1, GPUsPerNode: 1, Replicas: 8}, "")...)
	platform, err := os.ReadFile("../../examples/k3s-single-node/platform.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pkg := func(extra string, edit func(string) string) string {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "platform.yaml"), []byte(edit(string(platform))), 0o644); err != nil {
			t.Fatal(err)
		}
		if extra != "" {
			if err := os.WriteFile(filepath.Join(dir, "extra.yaml"), []byte(extra), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	same := func(s string) string { return s }
	// The Secrets the example reads: its TLS Secret beside each route, and
	// coturn's auth Secret.
	core := cl.Kube.CoreV1()
	namespaces := func() {
		for _, ns := range []string{"kasm", "vdi-system"} {
			if _, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
		}
	}
	secret := func(s *corev1.Secret) {
		if err := core.Secrets(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
		if _, err := core.Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	tlsSecret := func(ns string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "kasm-tls", Namespace: ns}, Type: corev1.SecretTypeTLS,
			StringData: map[string]string{"tls.crt": "c", "tls.key": "k"}}
	}
	incompleteSecrets := func() {
		namespaces()
		// The shared secret only, as an earlier README asked for; the TLS
		// Secret in one of the two namespaces, and as Opaque.
		secret(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "coturn-auth", Namespace: "kasm"}, StringData: map[string]string{"static-auth-secret": "s"}})
		opaque := tlsSecret("kasm")
		opaque.Type = corev1.SecretTypeOpaque
		secret(opaque)
		// A cookie secret oauth2-proxy would refuse.
		secret(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "vdi-oidc", Namespace: "vdi-system"}, StringData: map[string]string{"client-secret": "c", "cookie-secret": "hunter2"}})
	}
	createSecrets := func() {
		namespaces()
		secret(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "coturn-auth", Namespace: "kasm"}, StringData: map[string]string{"username": "u", "password": "p", "static-auth-secret": "s"}})
		secret(tlsSecret("kasm"))
		secret(tlsSecret("vdi-system"))
		secret(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "vdi-oidc", Namespace: "vdi-system"},
			StringData: map[string]string{"client-secret": "c", "cookie-secret": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}})
	}
	// withCertManager has cert-manager issue the example's certificates
	// (kind "" is the default, a ClusterIssuer).
	withCertManager := func(kind string) func(string) string {
		return func(s string) string {
			cm := "certManager: {issuer: letsencrypt}"
			if kind != "" {
				cm = "certManager: {issuer: letsencrypt, issuerKind: " + kind + "}"
			}
			out := strings.Replace(s, "secretName: kasm-tls", cm, 1)
			if out == s {
				t.Fatal("the example no longer names its TLS Secret kasm-tls")
			}
			return out
		}
	}
	// issuer creates a self-signed cert-manager issuer named letsencrypt.
	issuer := func(kind, namespace string) {
		gvk := schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: kind}
		o := &unstructured.Unstructured{}
		o.SetGroupVersionKind(gvk)
		o.SetName("letsencrypt")
		o.SetNamespace(namespace)
		if err := unstructured.SetNestedMap(o.Object, map[string]any{"selfSigned": map[string]any{}}, "spec"); err != nil {
			t.Fatal(err)
		}
		r, _, err := cl.Resource(gvk, namespace)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Create(ctx, o, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		dir     string
		setup   func()
		wantErr bool
		want    []string
	}{
		{"example without its Secrets", pkg("", same), nil, true, []string{"secrets: 0 present, 4 missing or incomplete",
			"Secret kasm/coturn-auth: missing", "Secret vdi-system/vdi-oidc: missing", "create it with keys client-secret, cookie-secret", "read by oauth2-proxy", "create it with keys username, password, static-auth-secret", "read by coturn's init container",
			"Secret vdi-system/kasm-tls: missing", "create it (type kubernetes.io/tls) with keys tls.crt, tls.key", "read by Traefik for IngressRoute vdi-sessions"}},
		{"example with incomplete Secrets", pkg("", same), incompleteSecrets, true, []string{"secrets: 0 present, 4 missing or incomplete",
			"Secret kasm/coturn-auth: key(s) missing or empty: username, password; read by coturn's init container",
			"Secret vdi-system/vdi-oidc: key cookie-secret is 7 bytes, and not URL-safe base64 of 16, 24 or 32 bytes",
			`Secret kasm/kasm-tls: its type is "Opaque", not kubernetes.io/tls`,
			"Secret vdi-system/kasm-tls: missing: create it (type kubernetes.io/tls)"}},
		{"example fits and is accepted", pkg("", same), createSecrets, false, []string{"0 rejected", "secrets: 4 present, 0 missing",
			"gpu: pool single: 1 GPU pods ask for 1 of 8 nvidia.com/gpu on 1 node(s): fits",
			"prerequisite ok      pool single: 1 node(s) labelled nvidia.com/device-plugin.config=single",
			"note: Kasm's admin login admin@kasm.local: Kasm's chart generates its password at install, into Secret kasm/kasm-secrets (key admin-password)"}},
		// cert-manager's own CRDs are installed (upstreamCRDs); its issuer is not.
		{"cert-manager without its issuer", pkg("", withCertManager("")), createSecrets, true, []string{"0 rejected",
			"prerequisite MISSING ClusterIssuer letsencrypt: missing: the Certificates name it",
			"secrets: 2 present, 0 missing"}},
		{"cert-manager with its issuer", pkg("", withCertManager("")), func() { createSecrets(); issuer("ClusterIssuer", "") }, false, []string{"0 rejected",
			"prerequisite ok      ClusterIssuer letsencrypt: present"}},
		{"cert-manager Issuer in one of two namespaces", pkg("", withCertManager("Issuer")), func() { createSecrets(); issuer("Issuer", "kasm") }, true, []string{"0 rejected",
			"prerequisite ok      Issuer letsencrypt in namespace kasm: present",
			"prerequisite MISSING Issuer letsencrypt in namespace vdi-system: missing"}},
		{"object the API server refuses", pkg(`apiVersion: v1
kind: Service
metadata: {name: broken, namespace: default}
spec:
  ports:
  - {name: web, port: 99999}
`, same), nil, true, []string{"1 rejected", "rejected Service default/broken", "spec.ports[0].port"}},
		{"pool without nodes", pkg("", func(s string) string { return strings.ReplaceAll(s, "single", "ghost") }), nil, true, []string{"gpu: pool ghost: 1 GPU pods ask for 1 of 0 nvidia.com/gpu on 0 node(s): DOES NOT FIT: 0 of 1 GPU pods fit",
			"prerequisite MISSING pool ghost: no node is labelled nvidia.com/device-plugin.config=ghost (the values count 1): kubectl label node NODE nvidia.com/device-plugin.config=ghost"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			out, err := run(t, "verify", tt.dir, "--kubeconfig", c.Kubeconfig())
			t.Logf("vdirender verify:\n%s", out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v\n%s", err, tt.wantErr, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "hunter2") {
				t.Error("verify printed a Secret's value")
			}
		})
	}
}

// testDoctor causes each usual failure and checks that doctor names it.
func testDoctor(ctx context.Context, t *testing.T, c *cluster.Cluster, cl *kubeclient.Client) {
	const ns = "doctor"
	core := cl.Kube.CoreV1()
	if _, err := core.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A GPU pool of 2 slices, and a plain node for everything else.
	cluster.CreateNodes(ctx, t, cl.Kube, cluster.GPUNodes(values.NodePool{Name: "doc", Nodes: 1, GPUsPerNode: 1, Replicas: 2}, "")...)
	plainNode(ctx, t, cl, "doc-cpu")

	// 1. GPU: three sessions for two slices.
	tpl := &v1alpha1.VDITemplate{ObjectMeta: metav1.ObjectMeta{Name: "desk"}, Spec: v1alpha1.VDITemplateSpec{
		Image: "desktop:1.0", ImagePullPolicy: corev1.PullIfNotPresent,
		Resources: v1alpha1.ResourceRequirements{
			Limits:   corev1.ResourceList{platform.GPUResource: resource.MustParse("1"), corev1.ResourceCPU: resource.MustParse("1")},
			Requests: corev1.ResourceList{platform.GPUResource: resource.MustParse("1"), corev1.ResourceCPU: resource.MustParse("250m")},
		},
		Streaming:        v1alpha1.Streaming{Protocol: "webrtc", Port: 8080},
		NodeSelector:     map[string]string{"nvidia.com/device-plugin.config": "doc"},
		Tolerations:      []v1alpha1.Toleration{{Key: string(platform.GPUResource), Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
		RuntimeClassName: ptr.To("nvidia"),
	}}
	for _, name := range []string{"gpu-a", "gpu-b", "gpu-c"} {
		pod := session.Pod(tpl, &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
		if _, err := core.Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// 2. Volumes: a claim nobody uses, a claim on a class that does not
	// exist, and a claim whose pod was placed but no provisioner runs.
	claim := func(name, class string) {
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: ptr.To(class),
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		}}
		if _, err := core.PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	claim("orphan", "local-path")
	claim("elsewhere", "fast-ssd")
	claim("home", "local-path")
	homePod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "with-home"}, Spec: corev1.PodSpec{
		NodeSelector: map[string]string{"kubernetes.io/hostname": "doc-cpu"},
		Containers:   []corev1.Container{{Name: "c", Image: "busybox:1.36"}},
		Volumes:      []corev1.Volume{{Name: "home", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "home"}}}},
	}}
	if _, err := core.Pods(ns).Create(ctx, homePod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// 3. Image pull: a pod on the plain node whose kubelet (played here)
	// reports ImagePullBackOff.
	pull, err := core.Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bad-image"}, Spec: corev1.PodSpec{
		NodeName:   "doc-cpu",
		Containers: []corev1.Container{{Name: "app", Image: "ghcr.io/example/missing:9.9.9", ImagePullPolicy: corev1.PullIfNotPresent}},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pull.Status = corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{
		Name: "app", Image: "ghcr.io/example/missing:9.9.9",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "ghcr.io/example/missing:9.9.9"`}},
	}}}
	if _, err := core.Pods(ns).UpdateStatus(ctx, pull, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// Wait for the scheduler to have decided about every pod.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := core.Pods(ns).Get(ctx, "gpu-c", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		pvc, err := core.PersistentVolumeClaims(ns).Get(ctx, "home", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		unschedulable := false
		for _, c := range p.Status.Conditions {
			unschedulable = unschedulable || c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse
		}
		return unschedulable && pvc.Annotations["volume.kubernetes.io/selected-node"] != "", nil
	}); err != nil {
		t.Fatalf("scheduler did not act: %v", err)
	}

	out, err := run(t, "doctor", "-n", ns, "--kubeconfig", c.Kubeconfig())
	if err == nil {
		t.Error("doctor found problems but exited 0")
	}
	for _, want := range []string{
		"FailedScheduling",
		"[gpu] Pod/gpu-", "advertise 2 and running pods hold 2, so 0 are free",
		"[volume] PersistentVolumeClaim/orphan: StorageClass local-path binds volumes only when a pod that uses the claim is scheduled (WaitForFirstConsumer)",
		"[volume] PersistentVolumeClaim/elsewhere: StorageClass fast-ssd does not exist",
		"[volume] PersistentVolumeClaim/home: node doc-cpu was chosen but no volume appears: no running pod of the rancher.io/local-path provisioner",
		"[image] Pod/bad-image: container app cannot pull image ghcr.io/example/missing:9.9.9 (ImagePullBackOff",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor output lacks %q", want)
		}
	}
	t.Logf("doctor output:\n%s", out)
}

// plainNode makes a Ready node without GPUs or taints.
func plainNode(ctx context.Context, t *testing.T, cl *kubeclient.Client, name string) {
	t.Helper()
	n, err := cl.Kube.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	list := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi"), corev1.ResourcePods: resource.MustParse("110")}
	n.Status = corev1.NodeStatus{Capacity: list, Allocatable: list, Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}}
	if n, err = cl.Kube.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	n.Spec.Taints = nil
	if _, err := cl.Kube.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
