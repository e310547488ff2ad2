//go:build tools

// Package kustomize pins the kustomize v5 the integration tests run:
// `kubectl kustomize` cannot enable exec functions, so the tests build the
// real kustomize from this module (hack/kustomize.sh).
package kustomize

import _ "sigs.k8s.io/kustomize/kustomize/v5/commands"
