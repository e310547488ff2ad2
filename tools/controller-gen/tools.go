//go:build tools

// Package controllergen pins the controller-gen that `make generate` runs to
// write the CRDs and deepcopy functions of api/v1alpha1
// (hack/controller-gen.sh builds it once per version).
package controllergen

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
