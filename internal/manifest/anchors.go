package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/ynode"
)

// ResolveAnchors writes every object of items out plainly: each alias is
// replaced by a copy of what its anchor holds and each merge key (<<) by
// the fields it merges, as sigs.k8s.io/yaml (Helm, Kubernetes' YAML
// decoder) decodes them. The rules
// read nodes: an alias would show them its anchor's name, and a merge key
// would hide the containers, images or limits it carries, while the
// cluster gets the values. Objects without anchors are left as they are.
func ResolveAnchors(items []*yaml.RNode) error {
	for _, it := range items {
		if !hasAnchors(it.YNode()) {
			continue
		}
		// Named first: a failed DeAnchor leaves no node behind.
		where := ynode.Scalar(it, "kind") + " " + ynode.Scalar(it, "metadata", "name")
		if file, _, _ := kioutil.GetFileAnnotations(it); file != "" {
			where = file + ": " + where
		}
		if err := it.DeAnchor(); err != nil {
			return fmt.Errorf("%s: its YAML anchors cannot be resolved: %w", where, err)
		}
	}
	return nil
}

// hasAnchors tells whether n holds an anchor, an alias or a merge key.
func hasAnchors(n *yaml.Node) bool {
	if n.Anchor != "" || n.Kind == yaml.AliasNode || n.Tag == yaml.MergeTag {
		return true
	}
	for _, c := range n.Content {
		if hasAnchors(c) {
			return true
		}
	}
	return false
}
