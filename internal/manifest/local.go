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
	return annotation(n, filters.LocalConfigAnnotation) == "true"
}

// annotation reads one annotation of n, "" when absent or when metadata is
// not the mapping it should be (GetAnnotations would panic on some shapes).
func annotation(n *yaml.RNode, key string) string {
	v := mapValue(mapValue(n.YNode(), "metadata"), "annotations")
	if s := mapValue(v, key); s != nil && s.Kind == yaml.ScalarNode {
		return s.Value
	}
	return ""
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
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
		if IsPlatform(it) && annotation(it, filters.LocalConfigAnnotation) != "true" {
			if err := it.PipeE(yaml.SetAnnotation(filters.LocalConfigAnnotation, "true")); err != nil {
				return err
			}
		}
	}
	return nil
}
