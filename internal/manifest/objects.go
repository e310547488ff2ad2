// Package manifest turns the typed objects of package generators into KRM
// nodes in a stable order, each with the path annotation kpt uses to write
// it to its own file, and writes renderings out: one stream, or one file
// per object.
package manifest

import (
	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Dir is the package directory generated objects are written under.
const Dir = "vdirender"

// Nodes turns generated typed objects into KRM nodes, each with its own
// file under Dir.
func Nodes(objs []any) ([]*yaml.RNode, error) {
	out := make([]*yaml.RNode, 0, len(objs))
	for _, obj := range objs {
		n, err := ToNode(obj)
		if err != nil {
			return nil, err
		}
		if err := SetPath(n, Dir); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// ToNode converts a typed object into a node, dropping the empty fields that
// typed Kubernetes structs always marshal (creationTimestamp: null, status: {}).
func ToNode(obj any) (*yaml.RNode, error) {
	n, err := toRNode(obj)
	if err != nil {
		return nil, err
	}
	return clean(n)
}

// clean drops the empty fields from a converted object.
func clean(n *yaml.RNode) (*yaml.RNode, error) {
	if md := n.Field("metadata"); md != nil {
		if ct := md.Value.Field("creationTimestamp"); ct != nil && isNull(ct.Value.YNode()) {
			if err := md.Value.PipeE(yaml.Clear("creationTimestamp")); err != nil {
				return nil, err
			}
		}
	}
	clearEmpty(n.YNode())
	// Generated objects never carry status, and an empty spec (Namespace) says nothing.
	if err := n.PipeE(yaml.Clear("status")); err != nil {
		return nil, err
	}
	if spec := n.Field("spec"); spec != nil && spec.Value.YNode().Kind == yaml.MappingNode && len(spec.Value.YNode().Content) == 0 {
		if err := n.PipeE(yaml.Clear("spec")); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// clearEmpty removes the nulls that typed structs marshal for fields they
// lack omitempty on.
func clearEmpty(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		for _, c := range n.Content {
			clearEmpty(c)
		}
		return
	}
	kept := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isNull(v) {
			continue
		}
		clearEmpty(v)
		kept = append(kept, k, v)
	}
	n.Content = kept
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == yaml.NodeTagNull }

// SetPath gives an object its own file under dir, the way kpt writes it:
// dir/[namespace/]kind_name.yaml.
func SetPath(n *yaml.RNode, dir string) error {
	m, err := n.GetMeta()
	if err != nil {
		return err
	}
	if err := n.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, kioutil.CreatePathAnnotationValue(dir, m))); err != nil {
		return err
	}
	return n.PipeE(yaml.SetAnnotation(kioutil.IndexAnnotation, "0"))
}
