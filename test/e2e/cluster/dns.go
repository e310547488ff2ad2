package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// hostsEnv holds, inside the twin's namespaces, the file bind-mounted over
// /etc/hosts (its content as it was is kept beside it), or why there is
// none ("unavailable: ...").
const hostsEnv = "VDIRENDER_TWIN_HOSTS"

// setupHosts puts a copy of /etc/hosts over it in the twin's own mount
// namespace, so that ServeDNS can add the cluster's names for every
// process of the tests (Traefik, oauth2-proxy, the gateway) and for no one
// outside.
func setupHosts() error {
	orig, err := os.ReadFile("/etc/hosts")
	if err != nil {
		return err
	}
	f := filepath.Join(os.TempDir(), fmt.Sprintf("vdirender-twin-hosts-%d", os.Getpid()))
	if err := os.WriteFile(f, orig, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(f+".orig", orig, 0o644); err != nil {
		return err
	}
	// Mounts made here stay here.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making / private: %w", err)
	}
	if err := syscall.Mount(f, "/etc/hosts", "", syscall.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind-mounting %s over /etc/hosts: %w", f, err)
	}
	return os.Setenv(hostsEnv, f)
}

func cleanupHosts() {
	if f := os.Getenv(hostsEnv); filepath.IsAbs(f) {
		_ = syscall.Unmount("/etc/hosts", syscall.MNT_DETACH)
		_ = os.Remove(f)
		_ = os.Remove(f + ".orig")
	}
}

// ServeDNS plays the cluster DNS of the twin until the test ends: every
// Service with a ready endpoint is known as <name>.<namespace>.svc.cluster.local
// (and .svc, and <name>.<namespace>) at that endpoint's address, a pod IP
// on lo. There is no kube-proxy: the address is a pod's, so a name reaches
// the Service's target port, which for the platform's Services (the
// login's, a session's stream) is its port. Go programs read /etc/hosts
// again when it changes, at most every 5 s.
func (tw *Twin) ServeDNS(tb testing.TB) {
	tb.Helper()
	f := os.Getenv(hostsEnv)
	if !filepath.IsAbs(f) {
		tb.Fatalf("the twin's cluster DNS needs its own /etc/hosts: %s", f)
	}
	orig, err := os.ReadFile(f + ".orig")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	tb.Cleanup(func() {
		cancel()
		<-done
		_ = os.WriteFile("/etc/hosts", orig, 0o644)
	})
	go func() {
		defer close(done)
		var last []byte
		for {
			if b := tw.hosts(ctx, orig); b != nil && !bytes.Equal(b, last) {
				// In place: the bind mount holds this inode.
				if err := os.WriteFile("/etc/hosts", b, 0o644); err == nil {
					last = b
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(250 * time.Millisecond):
			}
		}
	}()
}

// hosts is orig plus a line per Service with a ready endpoint; nil when the
// API server cannot be read.
func (tw *Twin) hosts(ctx context.Context, orig []byte) []byte {
	list, err := tw.Kube.DiscoveryV1().EndpointSlices("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	addr := map[string]string{}
	for _, s := range list.Items {
		svc := s.Labels[discoveryv1.LabelServiceName]
		if svc == "" {
			continue
		}
		key := svc + "." + s.Namespace
		for _, e := range s.Endpoints {
			if e.Conditions.Ready != nil && *e.Conditions.Ready && len(e.Addresses) > 0 {
				if a, ok := addr[key]; !ok || e.Addresses[0] < a {
					addr[key] = e.Addresses[0]
				}
			}
		}
	}
	var b bytes.Buffer
	b.Write(orig)
	b.WriteString("\n# the K3s twin's cluster DNS\n")
	keys := make([]string, 0, len(addr))
	for k := range addr {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s.svc.cluster.local %s.svc %s\n", addr[k], k, k, k)
	}
	return b.Bytes()
}

// StartLogin runs oauth2-proxy (built from its pinned module) listening on
// addr with args and env: the rendered login Deployment's container, on one
// of its pods' addresses.
func (tw *Twin) StartLogin(tb testing.TB, addr string, args, env []string) {
	tb.Helper()
	bins := twinBinaries(tb)
	args = append(slices.Clone(args), "--http-address="+addr)
	tw.runAs(tb, "oauth2-proxy-"+addr, bins.oauth2Proxy, append(os.Environ(), env...), args...)
}
