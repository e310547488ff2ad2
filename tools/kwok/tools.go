//go:build tools

// Package kwok pins the kwok release the end-to-end tests' K3s twin runs
// standalone against its kube-apiserver, so that nodes look Ready and pods
// run without a kubelet. hack/kwok.sh builds its kwok binary from this
// module. kwok v0.8.0's go.mod has no replace lines to restate.
package kwok

import _ "sigs.k8s.io/kwok/cmd/kwok"
