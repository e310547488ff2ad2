//go:build tools

// Package helm pins the helm CLI the tests run `helm lint --strict` and
// `helm template` with (hack/helm.sh builds it); vdirender itself never runs
// helm, it uses the same module's SDK.
package helm

import _ "helm.sh/helm/v4/pkg/cmd"
