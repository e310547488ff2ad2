package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/charttest"
	"github.com/vdirender/vdirender/internal/cluster/apply"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// neverReadyImage is the image the twin's kwok stages never pull.
const neverReadyImage = "registry.invalid/vdirender/never-ready:1.0"

// TestTwinRollout applies each example's whole rendering for real on a K3s
// twin and requires it to roll out: every workload ready with its
// replicas, every claim bound to a volume local-path made, Traefik routing
// the rendered IngressRoute to the pods' IPs. Then a broken revision
// applied atomically must roll back, and deleting the platform's
// namespaces must finish.
func TestTwinRollout(t *testing.T) {
	t.Parallel()
	for _, example := range []string{"k3s-single-node", "gpu-pool"} {
		// One twin after the other: twins share the test's network
		// namespace, and so the pod addresses desktop stand-ins listen on.
		t.Run(example, func(t *testing.T) { testTwinRollout(t, example) })
	}
}

// twinPackage makes a package of example with every sub-chart that has an
// archive rendered inline: the real upstream archives when they are in the
// cache, else the fixture charts.
func twinPackage(t *testing.T, example string) string {
	if dir, ok := charttest.HasRealCharts(t); ok {
		t.Logf("sub-charts inline from the real archives in %s", dir)
		return charttest.RealInlinePackage(t, "../..", example, dir)
	}
	t.Logf("real chart archives not found: sub-charts inline from the fixture charts")
	return charttest.FixtureInlinePackage(t, "../..", example)
}

// startTwinFor starts a twin with v's GPU node pools and two CPU nodes,
// with what K3s has before a rendering arrives: the helm-controller and
// Traefik CRDs, the nvidia RuntimeClass, and with gpu-operator "existing"
// its ClusterPolicy CRD and the cluster-policy its chart made.
func startTwinFor(t testing.TB, v *values.Values) (*cluster.Twin, *kubeclient.Client) {
	t.Helper()
	var nodes []*corev1.Node
	for _, p := range v.GPU.NodePools {
		nodes = append(nodes, cluster.GPUNodes(p, "")...)
	}
	nodes = append(nodes, cluster.CPUNode("cpu-0"), cluster.CPUNode("cpu-1"))
	tw := cluster.StartTwin(t, cluster.TwinOptions{Nodes: nodes})
	cl := newClientTB(t, tw.Cluster)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	crds, clusterPolicy := upstreamObjects(t)
	existing := v.GPU.Operator.Mode == values.OperatorExisting
	var installed []*unstructured.Unstructured
	for _, crd := range crds {
		if crd.GetName() == "clusterpolicies.nvidia.com" && !existing {
			continue // the rendering brings gpu-operator's own
		}
		if err := cl.Apply(ctx, kubeclient.FieldManager, crd, false); err != nil {
			t.Fatalf("%s: %v", kubeclient.Describe(crd), err)
		}
		installed = append(installed, crd)
	}
	waitEstablished(ctx, t, cl, installed)
	for _, o := range k3sDefaults() {
		u := toUnstructuredTB(t, o)
		if u.GetKind() == "StorageClass" {
			continue // the twin's local-path already made it
		}
		if err := cl.Apply(ctx, kubeclient.FieldManager, u, false); err != nil {
			t.Fatalf("%s: %v", kubeclient.Describe(u), err)
		}
	}
	if existing {
		ns := toUnstructuredTB(t, &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: v.GPU.Operator.Namespace}})
		clusterPolicy.SetNamespace("")
		for _, o := range []*unstructured.Unstructured{ns, clusterPolicy} {
			if err := cl.Apply(ctx, "helm", o, false); err != nil {
				t.Fatalf("%s: %v", kubeclient.Describe(o), err)
			}
		}
	}
	return tw, cl
}

func testTwinRollout(t *testing.T, example string) {
	pkg := twinPackage(t, example)
	login := startTwinIdP(t, pkg)
	v, err := fn.PackageValues(pkg)
	if err != nil {
		t.Fatal(err)
	}
	objs := rendered(t, pkg)
	tw, cl := startTwinFor(t, v)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	// The platform's namespaces exist before its Secrets, as an operator
	// running `vdirender apply` would have made them.
	var namespaces []string
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			namespaces = append(namespaces, o.GetName())
		}
	}
	for _, ns := range namespaces {
		if _, err := tw.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	createUserSecrets(ctx, t, tw, v, login.secrets)

	// Traefik as the rendered HelmChartConfig configures K3s's.
	var helmCharts []string
	valuesContent := ""
	for _, o := range objs {
		switch {
		case o.GetKind() == "HelmChartConfig" && o.GetName() == "traefik":
			valuesContent, _, _ = unstructured.NestedString(o.Object, "spec", "valuesContent")
		case o.GetKind() == "HelmChart":
			helmCharts = append(helmCharts, o.GetNamespace()+"/"+o.GetName())
		}
	}
	if valuesContent == "" {
		t.Fatal("no HelmChartConfig kube-system/traefik rendered")
	}
	tw.StartTraefik(t, valuesContent)
	t.Logf("Traefik entrypoints: %v", tw.EntryPoints)

	began := time.Now()
	opts := apply.Options{Name: "vdirender", Namespace: "kube-system", Tooling: "vdirender/test", Wait: true, Timeout: 3 * time.Minute, HistoryMax: 5}
	report, err := apply.Apply(ctx, cl, objs, opts)
	if err != nil {
		t.Fatalf("apply %s: %v", example, err)
	}
	t.Logf("%s: %d objects applied and rolled out in %s (revision %d)", example, report.Applied, time.Since(began).Round(time.Millisecond), report.Revision)
	if len(helmCharts) > 0 {
		t.Logf("HelmCharts applied but not installed (no helm-controller in the twin: its install Jobs need images): %s", strings.Join(helmCharts, ", "))
	}

	checkWorkloads(ctx, t, tw, objs)
	checkClaims(ctx, t, tw, namespaces)

	t.Run("atomic rollback", func(t *testing.T) { testTwinRollback(ctx, t, tw, cl, objs, opts, v.Global.Namespace) })
	serveLogin(ctx, t, tw, objs, v, login)
	t.Run("traefik", func(t *testing.T) { testTwinTraefik(ctx, t, tw, v, login) })
	t.Run("sessions", func(t *testing.T) {
		proveSessions(ctx, t, sessionEnv{cfg: tw.Config, cl: cl, v: v, objs: objs, login: login,
			websecure: tw.EntryPoints["websecure"], turn: tw.EntryPoints[v.TURN.EntryPoint], traefikAPI: tw.EntryPoints["traefik"]})
	})
	t.Run("delete namespaces", func(t *testing.T) { testTwinDelete(ctx, t, tw, namespaces) })
}

// checkWorkloads requires every rendered Deployment, StatefulSet and
// DaemonSet to have all its desired replicas ready.
func checkWorkloads(ctx context.Context, t *testing.T, tw *cluster.Twin, objs []*unstructured.Unstructured) {
	t.Helper()
	apps := tw.Kube.AppsV1()
	n := 0
	for _, o := range objs {
		ns, name := o.GetNamespace(), o.GetName()
		var desired, ready int32
		switch o.GetKind() {
		case "Deployment":
			d, err := apps.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			desired, ready = *d.Spec.Replicas, d.Status.ReadyReplicas
		case "StatefulSet":
			s, err := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			desired, ready = *s.Spec.Replicas, s.Status.ReadyReplicas
		case "DaemonSet":
			d, err := apps.DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			desired, ready = d.Status.DesiredNumberScheduled, d.Status.NumberReady
			if desired == 0 {
				t.Errorf("DaemonSet %s/%s runs on no node", ns, name)
			}
		default:
			continue
		}
		n++
		if ready != desired {
			t.Errorf("%s %s/%s: %d of %d replicas ready", o.GetKind(), ns, name, ready, desired)
		} else {
			t.Logf("%s %s/%s: %d/%d ready", o.GetKind(), ns, name, ready, desired)
		}
	}
	if n == 0 {
		t.Error("no workloads rendered")
	}
}

// checkClaims requires every claim of the platform's namespaces, the
// StatefulSets' claims included, to be Bound to a volume local-path made.
func checkClaims(ctx context.Context, t *testing.T, tw *cluster.Twin, namespaces []string) {
	t.Helper()
	want := map[string]bool{}
	for _, ns := range namespaces {
		sets, err := tw.Kube.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sets.Items {
			for _, tpl := range s.Spec.VolumeClaimTemplates {
				for i := range *s.Spec.Replicas {
					want[fmt.Sprintf("%s/%s-%s-%d", ns, tpl.Name, s.Name, i)] = true
				}
			}
		}
	}
	bound := 0
	for _, ns := range namespaces {
		claims, err := tw.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range claims.Items {
			key := ns + "/" + c.Name
			delete(want, key)
			if c.Status.Phase != corev1.ClaimBound {
				t.Errorf("claim %s is %s", key, c.Status.Phase)
				continue
			}
			pv, err := tw.Kube.CoreV1().PersistentVolumes().Get(ctx, c.Spec.VolumeName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if by := pv.Annotations["pv.kubernetes.io/provisioned-by"]; by != "rancher.io/local-path" || pv.Spec.StorageClassName != "local-path" {
				t.Errorf("claim %s: volume %s provisioned by %q, class %q", key, pv.Name, by, pv.Spec.StorageClassName)
				continue
			}
			bound++
			t.Logf("claim %s Bound to %s (local-path, %s)", key, pv.Name, pv.Spec.Capacity.Storage())
		}
	}
	for key := range want {
		t.Errorf("StatefulSet claim %s does not exist", key)
	}
	t.Logf("%d claims Bound to local-path volumes", bound)
}

// testTwinRollback applies the rendering plus a Deployment whose image
// never pulls, atomically: the apply must fail as not ready, roll back,
// and remove the broken Deployment.
func testTwinRollback(ctx context.Context, t *testing.T, tw *cluster.Twin, cl *kubeclient.Client, objs []*unstructured.Unstructured, opts apply.Options, ns string) {
	broken := decodeObjects(t, []byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: never-ready, namespace: %s}
spec:
  selector: {matchLabels: {app: never-ready}}
  template:
    metadata: {labels: {app: never-ready}}
    spec:
      containers:
      - {name: app, image: %q}
`, ns, neverReadyImage)))[0]
	opts.Atomic = true
	opts.Timeout = 10 * time.Second
	began := time.Now()
	report, applyErr := apply.Apply(ctx, cl, append(slices.Clone(objs), broken), opts)
	if !errors.Is(applyErr, apply.ErrNotReady) {
		t.Fatalf("broken revision: want %v, got %v", apply.ErrNotReady, applyErr)
	}
	if report == nil || !report.RolledBack {
		t.Fatalf("broken revision not rolled back: %+v", report)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := tw.Kube.AppsV1().Deployments(ns).Get(ctx, "never-ready", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatal("the broken Deployment is still there after the rollback")
	}
	t.Logf("broken revision failed (%v) and rolled back to revision %d in %s", applyErr, report.RolledBackTo, time.Since(began).Round(time.Millisecond))
	checkWorkloads(ctx, t, tw, objs)
}

// testTwinTraefik checks Traefik answers /ping and routes the rendered
// session IngressRoute: a server stands in for the gateway pods on their
// pod IPs (local addresses in the twin's namespace), and a request with
// the session host through the entrypoint reaches it.
func testTwinTraefik(ctx context.Context, t *testing.T, tw *cluster.Twin, v *values.Values, login *twinLogin) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		// Straight to the entrypoint whatever the Host.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, tw.EntryPoints[v.Ingress.EntryPoints[0]])
		},
	}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := http.Get("http://" + tw.EntryPoints["traefik"] + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/ping: %s %s", resp.Status, body)
	}

	// Without a login, the session host sends the browser to the provider:
	// Traefik asked oauth2-proxy (ForwardAuth, by its cluster DNS name),
	// which answered with the provider's authorization URL.
	url := "https://" + v.Ingress.SessionHost + "/sessions/" + v.VDI.SessionNamespace + "/alice-desktop/"
	var last string
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 45*time.Second, true, func(ctx context.Context) (bool, error) {
		resp, err := client.Get(url)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%s %s %s", resp.Status, resp.Header.Get("Location"), body)
		return resp.StatusCode == http.StatusFound && strings.HasPrefix(resp.Header.Get("Location"), login.idp.AuthorizationEndpoint()), nil
	}); err != nil {
		t.Fatalf("GET %s without a login through entrypoint %s never redirected to the provider %s; last answer: %s\ntraefik log:\n%s", url, v.Ingress.EntryPoints[0], login.idp.AuthorizationEndpoint(), last, tw.Log("traefik"))
	}
	t.Logf("GET %s without a login: %s", url, last)
	// A host no route matches is Traefik's 404, not a pod's answer.
	resp, err = client.Get("https://unrouted.example/sessions/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unrouted host: %s, want 404", resp.Status)
	}
}

// testTwinDelete deletes the platform's namespaces and waits until they
// are gone: the namespace controller empties them (pods, claims and all).
func testTwinDelete(ctx context.Context, t *testing.T, tw *cluster.Twin, namespaces []string) {
	began := time.Now()
	for _, ns := range namespaces {
		if err := tw.Kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	var left []string
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		left = nil
		for _, ns := range namespaces {
			if _, err := tw.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				left = append(left, ns)
			}
		}
		return len(left) == 0, nil
	}); err != nil {
		for _, ns := range left {
			n, _ := tw.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			if n != nil {
				t.Logf("namespace %s: %+v", ns, n.Status.Conditions)
			}
		}
		t.Fatalf("namespaces %v not gone", left)
	}
	t.Logf("namespaces %v deleted in %s", namespaces, time.Since(began).Round(time.Millisecond))
	// Their claims went with them; local-path deletes the volumes
	// (reclaimPolicy Delete, through a teardown helper pod).
	var pvs int
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		l, err := tw.Kube.CoreV1().PersistentVolumes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		pvs = len(l.Items)
		return pvs == 0, nil
	}); err != nil {
		t.Fatalf("%d volumes left after their claims were deleted", pvs)
	}
	t.Logf("every volume deleted by local-path %s after the namespaces were deleted", time.Since(began).Round(time.Millisecond))
}

// createUserSecrets creates the Secrets a rendering reads and does not
// make (generators.UserSecrets), with dummy values; TLS ones hold a
// self-signed certificate for the platform's host names.
func createUserSecrets(ctx context.Context, t testing.TB, tw *cluster.Twin, v *values.Values, given map[string][]byte) {
	t.Helper()
	cert, key := selfSigned(t, v.Global.Hostname, v.Ingress.SessionHost)
	for _, need := range generators.UserSecrets(v) {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: need.Name, Namespace: need.Namespace}, Data: map[string][]byte{}}
		if need.Type != "" {
			s.Type = corev1.SecretType(need.Type)
		}
		for _, k := range need.Keys {
			switch k {
			case corev1.TLSCertKey:
				s.Data[k] = cert
			case corev1.TLSPrivateKeyKey:
				s.Data[k] = key
			default:
				s.Data[k] = []byte("twin-" + k)
				if b, ok := given[k]; ok {
					s.Data[k] = b
				}
			}
		}
		if _, err := tw.Kube.CoreV1().Secrets(need.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("secret %s/%s: %v", need.Namespace, need.Name, err)
		}
	}
}

func selfSigned(t testing.TB, hosts ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
