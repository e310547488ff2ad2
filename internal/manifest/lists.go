package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/kio/kioutil"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxListDepth bounds Lists inside Lists.
const maxListDepth = 10

// ExpandLists replaces every List (any object with a top-level items
// sequence: v1 List, ConfigMapList, ...) by its items, as kubectl and
// Argo CD do when they apply it, so that the rules see, check and fix each
// item. Items keep the file of their List. An item that is not an object
// is an error: it would be applied unchecked or fail half-way.
func ExpandLists(items []*yaml.RNode) ([]*yaml.RNode, error) {
	var out []*yaml.RNode
	var expand func(n *yaml.RNode, file string, depth int) error
	expand = func(n *yaml.RNode, file string, depth int) error {
		f := n.Field("items")
		if n.YNode().Kind != yaml.MappingNode || f == nil || f.Value.YNode().Kind != yaml.SequenceNode {
			out = append(out, n)
			return nil
		}
		where := n.GetKind()
		if name := mapValue(mapValue(n.YNode(), "metadata"), "name"); name != nil && name.Kind == yaml.ScalarNode {
			where += " " + name.Value
		}
		if file != "" {
			where += " in " + file
		}
		if depth >= maxListDepth {
			return fmt.Errorf("%s: Lists nest deeper than %d levels", where, maxListDepth)
		}
		for i, e := range f.Value.YNode().Content {
			it := yaml.NewRNode(e)
			if e.Kind != yaml.MappingNode || it.GetKind() == "" || it.GetApiVersion() == "" {
				return fmt.Errorf("%s: items[%d] is not an object with apiVersion and kind", where, i)
			}
			if err := wellFormedMeta(e); err != nil {
				return fmt.Errorf("%s: items[%d]: %w", where, i, err)
			}
			if file != "" {
				if p, _, _ := kioutil.GetFileAnnotations(it); p == "" {
					if err := it.PipeE(yaml.SetAnnotation(kioutil.PathAnnotation, file)); err != nil {
						return err
					}
				}
			}
			if err := expand(it, file, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, it := range items {
		file, _, _ := kioutil.GetFileAnnotations(it)
		if err := expand(it, file, 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// wellFormedMeta checks what readers check of a top-level object: its
// metadata, labels and annotations are mappings, name and namespace scalars.
func wellFormedMeta(obj *yaml.Node) error {
	md := mapValue(obj, "metadata")
	if md == nil {
		return nil
	}
	if md.Kind != yaml.MappingNode {
		return fmt.Errorf("metadata is not a mapping")
	}
	for _, f := range []string{"labels", "annotations"} {
		if v := mapValue(md, f); v != nil && v.Kind != yaml.MappingNode {
			return fmt.Errorf("metadata.%s is not a mapping", f)
		}
	}
	for _, f := range []string{"name", "namespace"} {
		if v := mapValue(md, f); v != nil && v.Kind != yaml.ScalarNode {
			return fmt.Errorf("metadata.%s is not a string", f)
		}
	}
	return nil
}
