package cluster

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// The directories of the twin's other binaries (hack/kwok.sh,
// hack/local-path.sh, hack/traefik.sh; `make test` exports them).
const (
	KwokEnv      = "VDIRENDER_KWOK"
	LocalPathEnv = "VDIRENDER_LOCAL_PATH"
	TraefikEnv   = "VDIRENDER_TRAEFIK"
	// OAuth2ProxyEnv is the directory of oauth2-proxy (hack/oauth2-proxy.sh),
	// which StartLogin runs.
	OAuth2ProxyEnv = "VDIRENDER_OAUTH2_PROXY"
)

// NodeIP is the InternalIP kwok gives every fake node (and hostNetwork
// pods): inside the twin's network namespace, like every pod IP of
// ClusterCIDR, it is a local address.
const NodeIP = "10.42.255.254"

//go:embed kwok-stages.yaml
var kwokStages []byte

// Twin is a K3s twin: the upstream components K3s packages, built from
// pinned modules and run for one test: etcd, kube-apiserver,
// kube-scheduler, kube-controller-manager, kwok playing the kubelet of fake
// nodes (pods become Running and Ready with an IP of their node's /24;
// run-to-completion pods succeed), local-path-provisioner with K3s's
// StorageClass, and, once StartTraefik is called, Traefik configured from
// a rendered HelmChartConfig. It runs only in the network namespace Main
// sets up, where ClusterCIDR is local: Traefik reaches pod IPs there and
// nothing leaves the machine.
type Twin struct {
	*Cluster
	Kube kubernetes.Interface
	// Storage is where local-path-provisioner puts volumes.
	Storage string
	// EntryPoints are Traefik's entrypoints (name to host:port), set by
	// StartTraefik.
	EntryPoints map[string]string
	// Started is how long StartTwin took.
	Started time.Duration
}

// TwinOptions are the fake nodes a twin starts with (see GPUNodes and
// CPUNode); more can be added with CreateNodes.
type TwinOptions struct {
	Nodes []*corev1.Node
}

type twinBins struct{ kwok, localPath, traefik, oauth2Proxy string }

// twinBinaries finds the twin's binaries and checks it runs in its network
// namespace, or skips the test (fails it with VDIRENDER_E2E=required).
func twinBinaries(tb testing.TB) twinBins {
	tb.Helper()
	fail := func(msg string) {
		tb.Helper()
		if os.Getenv("VDIRENDER_E2E") == "required" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	if reason := NetnsUnavailable(); reason != "" {
		fail("K3s twin needs its network namespace: " + reason)
	}
	var b twinBins
	for _, x := range []struct {
		env, name string
		dst       *string
	}{{KwokEnv, "kwok", &b.kwok}, {LocalPathEnv, "local-path-provisioner", &b.localPath}, {TraefikEnv, "traefik", &b.traefik}, {OAuth2ProxyEnv, "oauth2-proxy", &b.oauth2Proxy}} {
		p := filepath.Join(os.Getenv(x.env), x.name)
		if _, err := os.Stat(p); os.Getenv(x.env) == "" || err != nil {
			fail(fmt.Sprintf("K3s twin: %s not available: run `make test` (it builds the twin's binaries and exports $%s)", x.name, x.env))
		}
		*x.dst = p
	}
	if _, err := os.Stat(filepath.Join(BinDir(tb), "kube-controller-manager")); err != nil {
		fail("K3s twin: kube-controller-manager not built: run hack/kube-bins.sh")
	}
	return b
}

// StartTwin starts a twin with opts' nodes and waits until it works: the
// default ServiceAccount exists, the nodes are Ready with a podCIDR, and
// local-path-provisioner runs. Everything stops when the test ends; the
// components' logs are in Dir and printed when the test fails.
func StartTwin(tb testing.TB, opts TwinOptions) *Twin {
	tb.Helper()
	began := time.Now()
	bins := twinBinaries(tb)
	c := start(tb, true)
	kube, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		tb.Fatal(err)
	}
	t := &Twin{Cluster: c, Kube: kube, Storage: filepath.Join(c.Dir, "storage")}
	kubeconfig := c.Kubeconfig()
	c.run(tb, filepath.Join(c.bin, "kube-controller-manager"), nil,
		"--kubeconfig="+kubeconfig,
		"--authentication-kubeconfig="+kubeconfig,
		"--authorization-kubeconfig="+kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(freePort(tb)),
		"--leader-elect=false",
		"--controllers="+strings.Join([]string{
			"garbage-collector-controller", "namespace-controller",
			"deployment-controller", "replicaset-controller", "statefulset-controller",
			"daemonset-controller", "job-controller", "ttl-after-finished-controller",
			"endpoints-controller", "endpointslice-controller", "disruption-controller",
			"persistentvolume-binder-controller", "persistentvolume-protection-controller",
			"persistentvolumeclaim-protection-controller",
			"serviceaccount-controller", "serviceaccount-token-controller",
			"root-ca-certificate-publisher-controller", "clusterrole-aggregation-controller",
			"node-ipam-controller", "pod-garbage-collector-controller",
		}, ","),
		// As K3s: each node gets a /24 of the cluster CIDR.
		"--allocate-node-cidrs=true",
		"--cluster-cidr="+ClusterCIDR,
		"--node-cidr-mask-size=24",
		"--service-cluster-ip-range="+ServiceCIDR,
		"--service-account-private-key-file="+c.saKey,
		"--root-ca-file="+filepath.Join(c.Dir, "certs", "apiserver.crt"),
		"--profiling=false",
	)
	c.run(tb, bins.kwok, nil,
		"--kubeconfig="+kubeconfig,
		"--config="+writeFile(tb, c.Dir, "kwok-stages.yaml", kwokStages),
		"--manage-nodes-with-annotation-selector="+KwokAnnotation+"="+KwokAnnotationValue,
		"--cidr="+ClusterCIDR,
		"--node-ip="+NodeIP,
		"--node-lease-duration-seconds=40",
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The serviceaccount controller is up once kube-system has its default
	// ServiceAccount; pods are admitted only after that.
	waitFor(ctx, tb, "default ServiceAccount in kube-system", func(ctx context.Context) (bool, error) {
		_, err := kube.CoreV1().ServiceAccounts("kube-system").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	t.startLocalPath(ctx, tb, bins.localPath)
	if len(opts.Nodes) > 0 {
		t.AddNodes(ctx, tb, opts.Nodes...)
	}
	t.Started = time.Since(began)
	tb.Logf("K3s twin started in %s (%d nodes)", t.Started.Round(time.Millisecond), len(opts.Nodes))
	return t
}

// AddNodes creates nodes and waits until kwok made each Ready with an
// address and the controller-manager gave it a podCIDR.
func (t *Twin) AddNodes(ctx context.Context, tb testing.TB, nodes ...*corev1.Node) {
	tb.Helper()
	CreateNodes(ctx, tb, t.Kube, nodes...)
	for _, n := range nodes {
		waitFor(ctx, tb, "node "+n.Name+" Ready with a podCIDR", func(ctx context.Context) (bool, error) {
			cur, err := t.Kube.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			return ready(cur) && cur.Spec.PodCIDR != "" && len(cur.Status.Addresses) > 0, nil
		})
	}
}

// startLocalPath installs what K3s's local-storage manifest installs and
// runs local-path-provisioner out of the cluster.
func (t *Twin) startLocalPath(ctx context.Context, tb testing.TB, bin string) {
	tb.Helper()
	const ns, sa, cm = "local-path-storage", "local-path-provisioner-service-account", "local-path-config"
	if err := os.MkdirAll(t.Storage, 0o755); err != nil {
		tb.Fatal(err)
	}
	config, _ := json.Marshal(map[string]any{"nodePathMap": []map[string]any{{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": []string{t.Storage}}}})
	// The helper pod's scripts never run (kwok completes the pod); they
	// are what a real node would run.
	const setup = "#!/bin/sh\nset -eu\nmkdir -m 0777 -p \"$VOL_DIR\"\n"
	const teardown = "#!/bin/sh\nset -eu\nrm -rf \"$VOL_DIR\"\n"
	const helperPod = `apiVersion: v1
kind: Pod
metadata:
  name: helper-pod
  labels:
    # kwok's stages complete the pods that run to completion by this label.
    twin.vdirender.dev/runs-to-completion: "true"
spec:
  priorityClassName: system-node-critical
  containers:
  - name: helper-pod
    image: rancher/mirrored-library-busybox:1.37.0
    imagePullPolicy: IfNotPresent
`
	create := func(what string, err error) {
		tb.Helper()
		if err != nil && !apierrors.IsAlreadyExists(err) {
			tb.Fatalf("local-path %s: %v", what, err)
		}
	}
	_, err := t.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	create("namespace", err)
	_, err = t.Kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa, Namespace: ns}}, metav1.CreateOptions{})
	create("service account", err)
	_, err = t.Kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: cm, Namespace: ns}, Data: map[string]string{
		"config.json": string(config), "setup": setup, "teardown": teardown, "helperPod.yaml": helperPod,
	}}, metav1.CreateOptions{})
	create("config map", err)
	_, err = t.Kube.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: "local-path", Annotations: map[string]string{
			"storageclass.kubernetes.io/is-default-class": "true",
		}},
		Provisioner:       "rancher.io/local-path",
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingWaitForFirstConsumer),
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
	}, metav1.CreateOptions{})
	create("storage class", err)
	waitFor(ctx, tb, "default ServiceAccount in "+ns, func(ctx context.Context) (bool, error) {
		_, err := t.Kube.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	t.run(tb, bin, nil, "start",
		"--kubeconfig="+t.Kubeconfig(),
		"--config="+writeFile(tb, t.Dir, "local-path-config.json", config),
		"--helper-pod-file="+writeFile(tb, t.Dir, "local-path-helper-pod.yaml", []byte(helperPod)),
		"--namespace="+ns,
		"--service-account-name="+sa,
		"--provisioner-name=rancher.io/local-path",
		"--configmap-name="+cm,
	)
}

// StartTraefik runs Traefik (K3s's version) out of the cluster, configured
// as K3s's chart would be with valuesContent (a rendered HelmChartConfig's
// spec.valuesContent; "" for K3s's defaults), every entrypoint on
// 127.0.0.1. The Traefik CRDs must be installed. It waits until /ping on
// the traefik entrypoint answers.
func (t *Twin) StartTraefik(tb testing.TB, valuesContent string) {
	tb.Helper()
	bins := twinBinaries(tb)
	args, addrs, err := TraefikArgs(valuesContent, func(_, protocol string) string {
		if protocol == "udp" {
			return "127.0.0.1:" + strconv.Itoa(freeUDPPort(tb))
		}
		return "127.0.0.1:" + strconv.Itoa(freePort(tb))
	})
	if err != nil {
		tb.Fatal(err)
	}
	// The twin's own window into Traefik: its API on the traefik
	// entrypoint (127.0.0.1), where tests read the configuration it runs.
	args = append(args, "--log.level=INFO", "--api=true", "--api.insecure=true")
	// Out of the cluster: the kubeconfig, never the in-cluster variables.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KUBERNETES_SERVICE_") && !strings.HasPrefix(kv, "KUBECONFIG=") {
			env = append(env, kv)
		}
	}
	env = append(env, "KUBECONFIG="+t.Kubeconfig())
	t.run(tb, bins.traefik, env, args...)
	t.EntryPoints = addrs
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	waitFor(ctx, tb, "traefik /ping", func(ctx context.Context) (bool, error) {
		resp, err := client.Get("http://" + addrs["traefik"] + "/ping")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// waitFor polls cond every 100ms until it holds or ctx ends.
func waitFor(ctx context.Context, tb testing.TB, what string, cond wait.ConditionWithContextFunc) {
	tb.Helper()
	if err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, cond); err != nil {
		tb.Fatalf("waiting for %s: %v", what, err)
	}
}

func freeUDPPort(tb testing.TB) int {
	tb.Helper()
	l, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.LocalAddr().(*net.UDPAddr).Port
}
