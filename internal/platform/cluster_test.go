package platform_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vdirender/vdirender/internal/platform"
)

// TestShortage: the numbers a refused GPU pod is told, and how many slices
// warm desktops hold.
func TestShortage(t *testing.T) {
	gpuPod := func(name, node string, labels map[string]string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.PodSpec{
			NodeName:     node,
			NodeSelector: map[string]string{platform.PoolLabel: "a"},
			Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
				Limits: corev1.ResourceList{platform.GPUResource: resource.MustParse("1")}}}},
		}}
	}
	node := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: map[string]string{platform.PoolLabel: "a"}},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{platform.GPUResource: resource.MustParse("3")}}}
	for _, tt := range []struct {
		name string
		pods []corev1.Pod
		want []string
		not  string
	}{
		{"sessions only", []corev1.Pod{gpuPod("s1", "n", nil), gpuPod("s2", "n", nil), gpuPod("s3", "n", nil)},
			[]string{"advertise 3 and running pods hold 3, so 0 are free"}, "warm"},
		{"warm desktops among them", []corev1.Pod{gpuPod("s1", "n", nil), gpuPod("w1", "n", map[string]string{platform.WarmLabel: "true"}), gpuPod("w2", "n", map[string]string{platform.WarmLabel: "true"})},
			[]string{"running pods hold 3 (2 of them by warm desktops no session has taken"}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pending := gpuPod("new", "", nil)
			got := platform.Shortage(&pending, []corev1.Node{node}, tt.pods)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			if tt.not != "" && strings.Contains(got, tt.not) {
				t.Errorf("%q mentions %q", got, tt.not)
			}
		})
	}
}
