package generators_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/operator/session"
)

// TestEnvFromSecret: a template's env reaches the VDITemplate and then the
// session pod as a plain value or as a reference, never as the secret.
func TestEnvFromSecret(t *testing.T) {
	objs := platform(t, `global: {hostname: kasm.example.com}
vdi:
  templates:
  - name: d
    image: ghcr.io/x/d:1
    resources: {limits: {cpu: '1', memory: 1Gi}}
    env:
    - {name: LANG, value: C.UTF-8}
    - {name: EMPTY, value: ''}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: desktop-auth, key: password}}}
    - {name: MODE, valueFrom: {configMapKeyRef: {name: desktop, key: tls.mode}}}
`)
	var tpl v1alpha1.VDITemplate
	if err := sigsyaml.Unmarshal([]byte(objs["VDITemplate/d"]), &tpl); err != nil {
		t.Fatal(err)
	}
	pod := session.Pod(&tpl, &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "vdi"}})
	want := []corev1.EnvVar{
		{Name: "LANG", Value: "C.UTF-8"},
		{Name: "EMPTY"},
		{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "desktop-auth"}, Key: "password"}}},
		{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "desktop"}, Key: "tls.mode"}}},
	}
	if d := cmp.Diff(want, pod.Spec.Containers[0].Env); d != "" {
		t.Error(d)
	}
}
