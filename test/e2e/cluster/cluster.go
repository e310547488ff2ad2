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
	"strings"
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

	bin        string
	saKey      string
	ctx        context.Context
	wg         sync.WaitGroup
	mu         sync.Mutex
	components []string
}

// K3s's default CIDRs: pods (one /24 per node) and services.
const (
	ClusterCIDR = "10.42.0.0/16"
	ServiceCIDR = "10.43.0.0/16"
)

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
	return start(tb, false)
}

// start runs the control plane; with twin the API server admits pods as
// K3s does (ServiceAccount admission on: a controller-manager, started by
// StartTwin, creates the default ServiceAccounts and their tokens).
func start(tb testing.TB, twin bool) *Cluster {
	tb.Helper()
	bin := BinDir(tb)
	c := &Cluster{Dir: tb.TempDir(), bin: bin}
	ctx, cancel := context.WithCancel(context.Background())
	c.ctx = ctx
	tb.Cleanup(func() { cancel(); c.wg.Wait() })
	// Registered after the stop above, so it runs first: logs of a failed
	// test are printed while they are complete.
	tb.Cleanup(func() {
		if tb.Failed() {
			c.printLogs(tb)
		}
	})
	dir := c.Dir

	etcdClient, etcdPeer := freePort(tb), freePort(tb)
	clientURL := "http://127.0.0.1:" + strconv.Itoa(etcdClient)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(etcdPeer)
	c.run(tb, "etcd", nil, "--name=e2e", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=e2e="+peerURL, "--unsafe-no-fsync")

	c.saKey = filepath.Join(dir, "sa.key")
	saPub := filepath.Join(dir, "sa.pub")
	writeServiceAccountKeys(tb, c.saKey, saPub)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+`,admin,admin,"system:masters"`+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	port := freePort(tb)
	host := "https://127.0.0.1:" + strconv.Itoa(port)
	args := []string{
		"--etcd-servers=" + clientURL,
		"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
		// Stated, not guessed from the default route: in the twin's network
		// namespace there is none.
		"--advertise-address=127.0.0.1",
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--token-auth-file=" + tokens,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + host,
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + c.saKey,
		// K3s's service CIDR.
		"--service-cluster-ip-range=" + ServiceCIDR,
		// As K3s does: privileged pods are a Pod Security decision.
		"--allow-privileged=true",
		"--enable-priority-and-fairness=false",
		"--profiling=false",
	}
	if !twin {
		// No controller-manager creates default ServiceAccounts.
		args = append(args, "--disable-admission-plugins=ServiceAccount")
	}
	args = append(args, apiServerWatchArgs()...)
	c.run(tb, filepath.Join(bin, "kube-apiserver"), nil, args...)
	c.Config = &rest.Config{
		Host: host, BearerToken: token,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             200, Burst: 400,
	}
	c.waitHealthy(tb, 90*time.Second)

	kubeconfig := c.Kubeconfig()
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
	c.run(tb, filepath.Join(bin, "kube-scheduler"), nil,
		"--kubeconfig="+kubeconfig,
		"--authentication-kubeconfig="+kubeconfig,
		"--authorization-kubeconfig="+kubeconfig,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(freePort(tb)),
		"--leader-elect=false",
	)
	return c
}

// run starts a component with its output in Dir/<name>.log; it is stopped
// (SIGKILL after the context ends, waited for) when the test ends.
func (c *Cluster) run(tb testing.TB, name string, env []string, args ...string) {
	tb.Helper()
	c.runAs(tb, filepath.Base(name), name, env, args...)
}

// runAs is run with the log named component (for several processes of one
// binary).
func (c *Cluster) runAs(tb testing.TB, component, name string, env []string, args ...string) {
	tb.Helper()
	log, err := os.Create(filepath.Join(c.Dir, component+".log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.CommandContext(c.ctx, name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if env != nil {
		cmd.Env = env
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		log.Close()
		tb.Fatalf("start %s: %v", name, err)
	}
	c.mu.Lock()
	c.components = append(c.components, component)
	c.mu.Unlock()
	c.wg.Add(1)
	go func() { defer c.wg.Done(); _ = cmd.Wait(); log.Close() }()
}

// printLogs prints the end of every component's log.
func (c *Cluster) printLogs(tb testing.TB) {
	c.mu.Lock()
	names := append([]string(nil), c.components...)
	c.mu.Unlock()
	keep := os.Getenv(LogsEnv)
	for _, n := range names {
		tb.Logf("--- %s log (end) ---\n%s", n, tail(c.Log(n)))
		if keep != "" {
			dst := filepath.Join(keep, strings.NewReplacer("/", "_", " ", "_").Replace(tb.Name()))
			if err := os.MkdirAll(dst, 0o755); err == nil {
				_ = os.WriteFile(filepath.Join(dst, n+".log"), []byte(c.Log(n)), 0o644)
			}
		}
	}
	if keep != "" {
		tb.Logf("complete logs kept under %s", keep)
	}
}

// LogsEnv names a directory where a failed test's component logs are kept
// whole (they are otherwise removed with the test's temp dir).
const LogsEnv = "VDIRENDER_E2E_LOGS"

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

// freePort asks the kernel for a free loopback port, never one it handed
// out before in this process: a port is only reserved once its component
// listens, and the kernel may give a just-closed port again (etcd's client
// and peer ports once came out the same).
func freePort(tb testing.TB) int {
	tb.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !portsGiven[port] {
			portsGiven[port] = true
			return port
		}
	}
}

var (
	portsMu    sync.Mutex
	portsGiven = map[int]bool{}
)

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

// apiServerWatchArgs fits the API server's watches to Debian's etcd 3.4,
// which has no watch progress requests (RequestWatchProgress): with the
// streaming WatchList on (the 1.35 default), clients of client-go v0.35+
// (kwok, the controllers) see their watch-list requests fail and retry,
// and a pod took 2 to 6 s from create to Ready in the twin; with it off
// they list and watch, and it takes about 0.1 s.
func apiServerWatchArgs() []string {
	return []string{"--feature-gates=WatchList=false"}
}
