package cluster

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
)

// netnsEnv tells the re-executed test binary where it runs: "inside" the
// twin's namespaces, or why it could not ("unavailable: ...").
const netnsEnv = "VDIRENDER_TWIN_NETNS"

// netnsSetupFailed is the exit code of a re-executed test binary that could
// not set up lo, before running any test.
const netnsSetupFailed = 86

// Main runs a test package's tests in new user, network and mount namespaces in
// which lo is up and carries ClusterCIDR, so that every pod IP kwok hands
// out is a local address: Traefik reaches "pods" there, the API server
// accepts the IPs in EndpointSlices (they are not loopback), and nothing
// can leave the machine. It re-executes the test binary in those
// namespaces and returns its exit code; when they cannot be made, it runs
// the tests here and twin tests skip, or fail under VDIRENDER_E2E=required.
// Use it as: func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }.
func Main(m *testing.M) int {
	switch v := os.Getenv(netnsEnv); {
	case v == "inside":
		if err := setupLoopback(); err != nil {
			// lo may be down: no test could bind 127.0.0.1 here. The
			// parent runs the tests outside instead.
			fmt.Fprintf(os.Stderr, "%s\n", err)
			return netnsSetupFailed
		}
		if err := setupHosts(); err != nil {
			os.Setenv(hostsEnv, "unavailable: "+err.Error())
		}
		defer cleanupHosts()
		return m.Run()
	case v != "":
		return m.Run()
	}
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), netnsEnv+"=inside")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// A mount namespace too: the twin's cluster DNS is an /etc/hosts
		// of its own (see ServeDNS).
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		// The tests die with this process (go test's timeout kills it).
		Pdeathsig: syscall.SIGKILL,
	}
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		signal.Stop(signals)
		os.Setenv(netnsEnv, fmt.Sprintf("unavailable: new user and network namespaces: %v", err))
		return m.Run()
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(signals)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() == netnsSetupFailed:
		os.Setenv(netnsEnv, "unavailable: could not set up lo in the new network namespace (see above)")
		return m.Run()
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "tests in the twin's namespaces: %v\n", err)
		return 1
	}
}

// setupLoopback brings lo up and gives it the cluster CIDR.
func setupLoopback() error {
	ip, err := exec.LookPath("ip")
	if err != nil {
		return errors.New("the ip command (iproute2) is missing")
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"addr", "add", loopbackAddr(), "dev", "lo"},
	} {
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %v: %v: %s", args, err, out)
		}
	}
	return nil
}

// loopbackAddr is ClusterCIDR's first address with its prefix: on lo, it
// makes the whole CIDR local.
func loopbackAddr() string {
	ip, cidr, err := net.ParseCIDR(ClusterCIDR)
	if err != nil {
		panic(err)
	}
	ip = ip.To4()
	ip[3]++
	ones, _ := cidr.Mask.Size()
	return fmt.Sprintf("%s/%d", ip, ones)
}

// NetnsUnavailable says why twin tests cannot run here ("" when they can:
// the process runs inside the namespaces Main made).
func NetnsUnavailable() string {
	switch v := os.Getenv(netnsEnv); v {
	case "inside":
		return ""
	case "":
		return "the test package's TestMain does not call cluster.Main"
	default:
		return v
	}
}
