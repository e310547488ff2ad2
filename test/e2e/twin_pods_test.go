package e2e

import (
	"context"
	"fmt"
	"net"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// TestTwinPods measures the twin's kubelet: pods created on fake GPU and
// CPU nodes must become Ready with an IP of their node's podCIDR, and the
// time from create to Ready is logged.
func TestTwinPods(t *testing.T) {
	t.Parallel()
	pool := values.NodePool{Name: "pods", Nodes: 2, GPUsPerNode: 1, Replicas: 4}
	tw := cluster.StartTwin(t, cluster.TwinOptions{Nodes: append(cluster.GPUNodes(pool, ""), cluster.CPUNode("cpu-0"))})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := tw.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "pods"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Pods are admitted once the namespace has its default ServiceAccount.
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := tw.Kube.CoreV1().ServiceAccounts("pods").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	const n = 10
	created := map[string]time.Time{}
	for i := range n {
		name := fmt.Sprintf("p-%d", i)
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "pods"}, Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c", Image: "registry.example/app:1.0"}},
		}}
		created[name] = time.Now()
		if _, err := tw.Kube.CoreV1().Pods("pods").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	latency := map[string]time.Duration{}
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		pods, err := tw.Kube.CoreV1().Pods("pods").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, p := range pods.Items {
			if _, done := latency[p.Name]; !done && podReady(&p) && p.Status.PodIP != "" {
				latency[p.Name] = time.Since(created[p.Name])
			}
		}
		return len(latency) == n, nil
	}); err != nil {
		t.Fatalf("%d of %d pods Ready: %v", len(latency), n, err)
	}
	var ds []time.Duration
	for _, d := range latency {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	t.Logf("pod create to Ready, %d pods: median %s, max %s", n, ds[n/2].Round(time.Millisecond), ds[n-1].Round(time.Millisecond))

	// Each pod has an IP of its node's podCIDR.
	pods, err := tw.Kube.CoreV1().Pods("pods").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		node, err := tw.Kube.CoreV1().Nodes().Get(ctx, p.Spec.NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, cidr, err := net.ParseCIDR(node.Spec.PodCIDR)
		if err != nil || !cidr.Contains(net.ParseIP(p.Status.PodIP)) {
			t.Errorf("pod %s on %s: IP %s outside the node's podCIDR %q", p.Name, node.Name, p.Status.PodIP, node.Spec.PodCIDR)
		}
	}

	// The image the twin never pulls: ErrImagePull, never Ready.
	bad := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "never-ready", Namespace: "pods"}, Spec: corev1.PodSpec{
		Containers: []corev1.Container{{Name: "c", Image: neverReadyImage}},
	}}
	if _, err := tw.Kube.CoreV1().Pods("pods").Create(ctx, bad, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var reason string
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := tw.Kube.CoreV1().Pods("pods").Get(ctx, bad.Name, metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			return false, nil
		}
		reason = p.Status.ContainerStatuses[0].State.Waiting.Reason
		return true, nil
	}); err != nil || reason != "ErrImagePull" {
		t.Fatalf("pod of %s: waiting reason %q (%v), want ErrImagePull", neverReadyImage, reason, err)
	}
	time.Sleep(2 * time.Second)
	if p, err := tw.Kube.CoreV1().Pods("pods").Get(ctx, bad.Name, metav1.GetOptions{}); err != nil || podReady(p) || p.Status.Phase != corev1.PodPending {
		t.Fatalf("pod of %s became %s (ready %v, %v)", neverReadyImage, p.Status.Phase, podReady(p), err)
	}

	// A Job's pod succeeds, a desktop-like pod (restartPolicy Never, no Job)
	// keeps running, and a deleted pod goes at once.
	desktop := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "desktop", Namespace: "pods"}, Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers:    []corev1.Container{{Name: "c", Image: "registry.example/desktop:1.0"}},
	}}
	if _, err := tw.Kube.CoreV1().Pods("pods").Create(ctx, desktop, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	job := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "once", Namespace: "pods", Labels: map[string]string{"batch.kubernetes.io/job-name": "once"}}, Spec: corev1.PodSpec{
		RestartPolicy: corev1.RestartPolicyNever,
		Containers:    []corev1.Container{{Name: "c", Image: "registry.example/job:1.0"}},
	}}
	if _, err := tw.Kube.CoreV1().Pods("pods").Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := tw.Kube.CoreV1().Pods("pods").Get(ctx, job.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodSucceeded, nil
	}); err != nil {
		t.Fatalf("a Job's pod did not succeed: %v", err)
	}
	if p, err := tw.Kube.CoreV1().Pods("pods").Get(ctx, desktop.Name, metav1.GetOptions{}); err != nil || !podReady(p) || p.Status.Phase != corev1.PodRunning {
		t.Fatalf("a restartPolicy Never pod that is no Job's is %s (ready %v, %v), want Running", p.Status.Phase, podReady(p), err)
	}
	if err := tw.Kube.CoreV1().Pods("pods").Delete(ctx, "p-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := tw.Kube.CoreV1().Pods("pods").Get(ctx, "p-0", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("deleted pod still there: %v", err)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
