package manifest

import (
	"sigs.k8s.io/kustomize/kyaml/kio/filters"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/values"
)

// IsLocalConfig tells the objects that never reach a cluster: those
// annotated config.kubernetes.io/local-config: "true" (the value kpt,
// kustomize and Argo CD look for; any other value is applied by them, so
// it is checked and emitted here too), and the VDIPlatform, whatever its
// annotations say. build drops them and no rule checks them, in build and
// validate alike.
func IsLocalConfig(n *yaml.RNode) bool {
	if IsPlatform(n) {
		return true
	}
	return n.GetAnnotations()[filters.LocalConfigAnnotation] == "true"
}

// IsPlatform tells the VDIPlatform.
func IsPlatform(n *yaml.RNode) bool {
	return n.GetKind() == values.PlatformKind && n.GetApiVersion() == values.PlatformAPIVersion
}

// MarkPlatformLocal annotates every VDIPlatform as local config, so that
// what runs after a KRM function (kpt live apply, kustomize, Argo CD)
// never applies it either.
func MarkPlatformLocal(items []*yaml.RNode) error {
	for _, it := range items {
		if IsPlatform(it) && it.GetAnnotations()[filters.LocalConfigAnnotation] != "true" {
			if err := it.PipeE(yaml.SetAnnotation(filters.LocalConfigAnnotation, "true")); err != nil {
				return err
			}
		}
	}
	return nil
}
