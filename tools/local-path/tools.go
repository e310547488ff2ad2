//go:build tools

// Package localpath pins the rancher local-path-provisioner release (K3s's
// default StorageClass provisioner) the end-to-end tests' K3s twin runs out
// of cluster against its kube-apiserver. hack/local-path.sh builds it from
// this module; the command is the module's root package.
package localpath

import _ "github.com/rancher/local-path-provisioner"
