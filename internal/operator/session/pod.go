// Package session builds the Pod of a desktop session from its VDITemplate.
// The operator and the end-to-end scheduling proof share it, so the pods
// the scheduler sees in tests are the pods sessions get.
package session

import (
	"crypto/sha256"
	"encoding/hex"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/platform"
)

// Labels on every session pod.
const (
	SessionLabel  = "vdi.vdirender.dev/session"
	TemplateLabel = "vdi.vdirender.dev/template"
	// WarmLabel marks a desktop of a template's warm pool that no session
	// has taken yet; taking it removes the label and adds SessionLabel.
	WarmLabel = platform.WarmLabel
)

// EphemeralHome: the session's home is an emptyDir rather than a claim.
// With a warm pool a session that is not persistent has an ephemeral home,
// warm or cold alike: a claim cannot be attached to a pod that is already
// running, and a session should not get another kind of home by the path
// it took.
func EphemeralHome(t *v1alpha1.VDITemplate, s *v1alpha1.VDISession) bool {
	return t.Spec.Storage != nil && t.Spec.WarmPool != nil && !s.Spec.Persistent
}

// WarmSession is the session a warm desktop of t is built for (no one's,
// not persistent), so that it is the pod such a session would get.
func WarmSession(t *v1alpha1.VDITemplate) *v1alpha1.VDISession {
	return &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Namespace: t.Namespace}, Spec: v1alpha1.VDISessionSpec{Template: t.Name}}
}

// MakeWarm turns the pod built for WarmSession(t) into a desktop of t's
// warm pool: a generated name, labelled warm instead of with a session.
func MakeWarm(pod *corev1.Pod, t *v1alpha1.VDITemplate) {
	pod.Name, pod.GenerateName = "", t.Name+"-warm-"
	delete(pod.Labels, SessionLabel)
	pod.Labels[WarmLabel] = "true"
}

// Pod returns the desktop pod of session s made from template t.
func Pod(t *v1alpha1.VDITemplate, s *v1alpha1.VDISession) *corev1.Pod {
	c := corev1.Container{
		Name:            "desktop",
		Image:           t.Spec.Image,
		ImagePullPolicy: t.Spec.ImagePullPolicy,
		Resources:       t.Spec.Resources.Core(),
		Ports:           []corev1.ContainerPort{{Name: "stream", ContainerPort: t.Spec.Streaming.Port, Protocol: corev1.ProtocolTCP}},
		// Desktops need a large /dev/shm for browsers and encoders.
		VolumeMounts: []corev1.VolumeMount{{Name: "shm", MountPath: "/dev/shm"}},
		// Ready means the desktop can stream, not that its container started:
		// the session reads Running, and session_startup_seconds ends, then.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("stream")}},
			PeriodSeconds: 2, FailureThreshold: 3, SuccessThreshold: 1, TimeoutSeconds: 1,
		},
	}
	for _, e := range t.Spec.Env {
		c.Env = append(c.Env, e.Core())
	}
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      s.Name,
			Namespace: s.Namespace,
			Labels:    map[string]string{SessionLabel: s.Name, TemplateLabel: t.Name},
		},
		Spec: corev1.PodSpec{
			Containers:                   []corev1.Container{c},
			NodeSelector:                 t.Spec.NodeSelector,
			RuntimeClassName:             t.Spec.RuntimeClassName,
			RestartPolicy:                corev1.RestartPolicyNever,
			AutomountServiceAccountToken: ptr.To(false),
			Volumes: []corev1.Volume{{Name: "shm", VolumeSource: corev1.VolumeSource{
				EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory},
			}}},
		},
	}
	for _, tol := range t.Spec.Tolerations {
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, tol.Core())
	}
	if t.Spec.Storage != nil {
		pod.Spec.Containers[0].VolumeMounts = append(pod.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "home", MountPath: t.Spec.Storage.MountPath})
		home := corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: ClaimName(t, s)}}
		if EphemeralHome(t, s) {
			size := t.Spec.Storage.Size
			home = corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &size}}
		}
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "home", VolumeSource: home})
	}
	return pod
}

// UserAnnotation holds the exact user a persistent home belongs to (the
// user label holds a label-safe form of it).
const UserAnnotation = "vdi.vdirender.dev/user"

// ClaimName is the PersistentVolumeClaim of a session's home volume. A
// session's own home is <session>-home and goes with it. A persistent home
// belongs to the session's user and template, not to a session name anyone
// may choose: home-<template>-<hash of user and template>, found again by
// the user's next persistent session of that template and by no one else's.
func ClaimName(t *v1alpha1.VDITemplate, s *v1alpha1.VDISession) string {
	if !s.Spec.Persistent {
		return s.Name + "-home"
	}
	sum := sha256.Sum256([]byte(s.Spec.User + "\x00" + t.Name))
	return "home-" + t.Name + "-" + hex.EncodeToString(sum[:6])
}
