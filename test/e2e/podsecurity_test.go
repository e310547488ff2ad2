package e2e

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/operator/session"
)

// testPodSecurity creates, as server-side dry-runs, the pods the rendered
// workloads make, in the namespaces the rendering labels for Pod Security:
// the operator under restricted, desktop sessions under baseline. The API
// server's PodSecurity admission enforces the labels on Pods, so a pod that
// breaks its level is refused; the negative cases prove it is enforcing.
func testPodSecurity(ctx context.Context, t *testing.T, cl *kubeclient.Client) {
	var deploy appsv1.Deployment
	var tpl v1alpha1.VDITemplate
	for _, o := range rendered(t, "../../examples/k3s-single-node") {
		b, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		switch o.GetKind() {
		case "Deployment":
			if err := sigsyaml.Unmarshal(b, &deploy); err != nil {
				t.Fatal(err)
			}
		case v1alpha1.TemplateKind:
			if err := sigsyaml.Unmarshal(b, &tpl); err != nil {
				t.Fatal(err)
			}
		}
	}
	operator := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "operator-probe", Namespace: deploy.Namespace, Labels: deploy.Spec.Template.Labels}, Spec: deploy.Spec.Template.Spec}
	desktop := session.Pod(&tpl, &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "desktop-probe", Namespace: tpl.Namespace}})

	privileged := operator.DeepCopy()
	privileged.Spec.Containers[0].SecurityContext.Privileged = ptr.To(true)
	privileged.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil
	hostNet := desktop.DeepCopy()
	hostNet.Spec.HostNetwork = true

	tests := []struct {
		name  string
		pod   *corev1.Pod
		level string // "" when the pod must be admitted
	}{
		{"operator meets restricted", operator, ""},
		{"desktop session meets baseline", desktop, ""},
		{"privileged pod refused in the operator namespace", privileged, "restricted"},
		{"host network refused for sessions", hostNet, "baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cl.Kube.CoreV1().Pods(tt.pod.Namespace).Create(ctx, tt.pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			switch {
			case tt.level == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.level != "" && (err == nil || !strings.Contains(err.Error(), `violates PodSecurity "`+tt.level)):
				t.Errorf("want a PodSecurity %s refusal, got %v", tt.level, err)
			}
		})
	}
}
