//go:build tools

// Package kube pins the Kubernetes release whose kube-apiserver,
// kube-scheduler and kube-controller-manager the end-to-end tests run.
// hack/kube-bins.sh builds them from this module; the replace lines restate
// k8s.io/kubernetes's own, which point at its staging tree, as the matching
// published v0.35.4 modules.
package kube

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
)
