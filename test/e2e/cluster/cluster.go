// Package cluster starts a real control plane for tests: etcd, a
// kube-apiserver and a kube-scheduler built from the pinned k8s.io/kubernetes
// module (hack/kube-bins.sh), all bound to 127.0.0.1 on free ports and
// stopped when the test ends. There is no kubelet: pods are scheduled, never
// run, which is what validation and scheduling proofs need.
package cluster

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// Env names the directory holding kube-apiserver and kube-scheduler.
const Env = "VDIRENDER_KUBE_BIN"

// Cluster is a running control plane.
type Cluster struct {
	Config *rest.Config
	// Dir holds logs and state; it is removed with the test's temp dir.
	Dir string
}

const token = "vdirender-e2e-admin"

// BinDir returns where the control-plane binaries are, or skips the test
// when they were not built (outside `make test`). With VDIRENDER_E2E=required
// (set by CI) a missing binary fails the test instead.
func BinDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(Env)
	missing := dir == ""
	for _, b := range []string{"kube-apiserver", "kube-scheduler"} {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			missing = true
		}
	}
	if _, err := exec.LookPath("etcd"); err != nil {
		missing = true
	}
	if missing {
		msg := fmt.Sprintf("control plane not available: run `make test` (builds kube-apiserver and kube-scheduler into $%s and installs etcd)", Env)
		if os.Getenv("VDIRENDER_E2E") == "required" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dir
}

// Start runs etcd, kube-apiserver and kube-scheduler and waits until the
// API server is healthy. Everything stops when the test ends.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	bin := BinDir(tb)
	dir := tb.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	tb.Cleanup(func() { cancel(); wg.Wait() })
	run := func(name string, args ...string) {
		log, err := os.Create(filepath.Join(dir, filepath.Base(name)+".log"))
		if err != nil {
			tb.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdout, cmd.Stderr = log, log
		cmd.WaitDelay = 5 * time.Second
		if err := cmd.Start(); err != nil {
			tb.Fatalf("start %s: %v", name, err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = cmd.Wait(); log.Close() }()
	}

	etcdClient, etcdPeer := freePort(tb), freePort(tb)
	clientURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	run("etcd", "--name=e2e", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL, "--unsafe-no-fsync")

	saKey := filepath.Join(dir, "sa.key")
	saPub := filepath.Join(dir, "sa.pub")
	writeServiceAccountKeys(tb, saKey, saPub)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	port := freePort(tb)
	host := "https://127.0.0.1:" + strconv.Itoa(port)
	run(filepath.Join(bin, "kube-apiserver"),
		"--etcd-servers="+clientURL,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(port),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer="+host,
		"--service-account-key-file="+saPub,
		"--service-account-signing-key-file="+saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		// As K3s does: privileged pods are a Pod Security decision.
		"--allow-privileged=true",
		// No controller-manager creates default ServiceAccounts.
		"--disable-admission-plugins=ServiceAccount",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	)
	c := &Cluster{Dir: dir, Config: &rest.Config{
		Host: host, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             200, Burst: 400,
	}}
	c.waitHealthy(tb, 90*time.Second)

	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte(fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: %q, insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: %q}
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
`, host, token)), 0o600); err != nil {
		tb.Fatal(err)
	}
	run(filepath.Join(bin, "kube-scheduler"),
		"--kubeconfig="+kubeconfig,
		"--authentication-kubeconfig="+kubeconfig,
		"--authorization-kubeconfig="+kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(freePort(tb)),
		"--leader-elect=false",
	)
	return c
}

// Kubeconfig returns the path of a kubeconfig for the cluster.
func (c *Cluster) Kubeconfig() string { return filepath.Join(c.Dir, "kubeconfig") }

// Log returns what a component wrote, for failure messages.
func (c *Cluster) Log(component string) string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, component+".log"))
	return string(b)
}

func (c *Cluster) waitHealthy(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, c.Config.Host+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	tb.Fatalf("kube-apiserver not ready after %s:\n%s\netcd:\n%s", timeout, tail(c.Log("kube-apiserver")), tail(c.Log("etcd")))
}

func tail(s string) string {
	if len(s) > 4000 {
		return s[len(s)-4000:]
	}
	return s
}

// freePort asks the kernel for a free loopback port.
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeServiceAccountKeys(tb testing.TB, keyPath, pubPath string) {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600); err != nil {
		tb.Fatal(err)
	}
}
