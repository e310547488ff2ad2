// Package ynode reads and sets fields of kyaml nodes the way kyaml's
// yaml.Lookup, yaml.LookupCreate and yaml.SetField do, without their cost on
// the paths the rules take for every object: they parse each path part and
// each string set through a YAML 1.1 parser. Each function here handles the
// plain case (mappings all the way, field names that are not list
// selectors or indexes) itself and hands anything else to kyaml, so the
// results, errors included, are kyaml's. The tests hold them to kyaml.
package ynode

import (
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// plain tells paths whose every part kyaml's PathGetter reads as a field
// name.
func plain(path []string) bool {
	for _, p := range path {
		if !plainPart(p) {
			return false
		}
	}
	return true
}

func plainPart(p string) bool {
	if p == "" || p == "-" || p == "*" || strings.TrimSpace(p) != p {
		return false
	}
	if strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
		return false
	}
	// A number is a list index to kyaml.
	digits := strings.TrimPrefix(strings.TrimPrefix(p, "-"), "+")
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return true
		}
	}
	return false
}

// field returns the value of the first key named name in mapping m.
func field(m *yaml.Node, name string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name {
			return m.Content[i+1]
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n == nil || n.Tag == yaml.NodeTagNull }

// Lookup is obj.Pipe(yaml.Lookup(path...)).
func Lookup(obj *yaml.RNode, path ...string) (*yaml.RNode, error) {
	if !plain(path) {
		return obj.Pipe(yaml.Lookup(path...))
	}
	n := obj.YNode()
	for _, p := range path {
		if isNull(n) {
			return nil, nil
		}
		if n.Kind != yaml.MappingNode || len(n.Content)%2 != 0 {
			return obj.Pipe(yaml.Lookup(path...))
		}
		if n = field(n, p); n == nil {
			return nil, nil
		}
	}
	// A null value at the end of the path is returned, as kyaml does.
	return yaml.NewRNode(n), nil
}

// Get is Lookup for callers that take a missing field and an error alike.
func Get(obj *yaml.RNode, path ...string) *yaml.RNode {
	n, err := Lookup(obj, path...)
	if err != nil {
		return nil
	}
	return n
}

// LookupCreateMap is obj.Pipe(yaml.LookupCreate(yaml.MappingNode, path...)):
// the mapping at path, made (with the mappings above it) where missing.
func LookupCreateMap(obj *yaml.RNode, path ...string) (*yaml.RNode, error) {
	if !plain(path) {
		return obj.Pipe(yaml.LookupCreate(yaml.MappingNode, path...))
	}
	n := obj.YNode()
	for _, p := range path {
		if n == nil || n.Kind != yaml.MappingNode || n.Tag == yaml.NodeTagNull || len(n.Content)%2 != 0 {
			return obj.Pipe(yaml.LookupCreate(yaml.MappingNode, path...))
		}
		next := field(n, p)
		if next == nil {
			next = &yaml.Node{Kind: yaml.MappingNode}
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: p}, next)
		}
		n = next
	}
	if n.Kind != yaml.MappingNode || n.Tag == yaml.NodeTagNull {
		return obj.Pipe(yaml.LookupCreate(yaml.MappingNode, path...))
	}
	return yaml.NewRNode(n), nil
}

// nonString remembers yaml.IsValueNonString, which parses its argument.
var nonString sync.Map // string -> bool

// IsNonString is yaml.IsValueNonString, remembered: whether a YAML 1.1
// parser (the one Kubernetes tools convert YAML to JSON with) reads v, plain,
// as something else than a string.
func IsNonString(v string) bool {
	if b, ok := nonString.Load(v); ok {
		return b.(bool)
	}
	b := yaml.IsValueNonString(v)
	nonString.Store(v, b)
	return b
}

// SetString is m.PipeE(yaml.SetField(name, yaml.NewStringRNode(value))).
func SetString(m *yaml.RNode, name, value string) error {
	v := yaml.NewStringRNode(value)
	n := m.YNode()
	if n == nil || n.Kind != yaml.MappingNode || n.Tag == yaml.NodeTagNull || len(n.Content)%2 != 0 || name == "" {
		return m.PipeE(yaml.SetField(name, v))
	}
	vn := v.YNode()
	if vn.Tag == yaml.NodeTagString && vn.Style == 0 && IsNonString(vn.Value) {
		vn.Style = yaml.DoubleQuotedStyle
	}
	if f := field(n, name); f != nil {
		// SetField keeps the style of the value it replaces.
		vn.Style = f.Style
		*f = *vn
		return nil
	}
	n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: name}, vn)
	return nil
}
