package platform

import (
	"regexp"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/ynode"
)

// The fast* functions read the few fields demand needs straight from the
// nodes, for values of the plain shapes people write, with the result
// decode would give; for anything else they report false and the caller
// decodes the field the way Kubernetes does (decode), errors included.
// decode converts YAML to JSON with a YAML 1.1 parser, so the fast paths
// keep out of whatever YAML 1.1 reads differently: octal-looking numbers,
// yes/no booleans, long numbers that do not survive a float64.

// plainQuantity is a quantity whose text reads the same as a YAML 1.1
// number or string: no leading zeros, at most 15 digits before the point.
var plainQuantity = regexp.MustCompile(`^(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

// plainInt32 is a decimal integer without leading zeros that fits int32.
var plainInt = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,9})$`)

// plainString tells a string node (tagged as one, or untagged as the keys
// kyaml adds are) that a YAML 1.1 parser reads as the same string: quoted,
// or plain and not a YAML 1.1 boolean, number or null.
func plainString(n *yaml.Node) bool {
	if !scalarTagged(n, yaml.NodeTagString, yaml.NodeTagEmpty) {
		return false
	}
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
	return quoted || !ynode.IsNonString(n.Value)
}

func scalarTagged(n *yaml.Node, tags ...string) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	for _, t := range tags {
		if n.Tag == t {
			return true
		}
	}
	return false
}

// mappingEntries returns the key and value nodes of a mapping whose keys
// are distinct plain strings.
func mappingEntries(n *yaml.Node) ([][2]*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode || len(n.Content)%2 != 0 {
		return nil, false
	}
	out := make([][2]*yaml.Node, 0, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if !plainString(k) || k.Value == "<<" {
			return nil, false
		}
		for _, e := range out {
			if e[0].Value == k.Value {
				return nil, false
			}
		}
		out = append(out, [2]*yaml.Node{k, n.Content[i+1]})
	}
	return out, true
}

// fastResources reads resources: {limits: {...}, requests: {...}}.
func fastResources(n *yaml.Node) (corev1.ResourceRequirements, bool) {
	var r corev1.ResourceRequirements
	if scalarTagged(n, yaml.NodeTagNull) {
		return r, true
	}
	sections, ok := mappingEntries(n)
	if !ok {
		return r, false
	}
	for _, s := range sections {
		var list *corev1.ResourceList
		switch s[0].Value {
		case "limits":
			list = &r.Limits
		case "requests":
			list = &r.Requests
		default:
			return r, false
		}
		if scalarTagged(s[1], yaml.NodeTagNull) {
			continue
		}
		entries, ok := mappingEntries(s[1])
		if !ok {
			return r, false
		}
		*list = make(corev1.ResourceList, len(entries))
		for _, e := range entries {
			v := e[1]
			if !scalarTagged(v, yaml.NodeTagString, yaml.NodeTagInt, yaml.NodeTagFloat) || !plainQuantity.MatchString(v.Value) {
				return r, false
			}
			q, err := resource.ParseQuantity(v.Value)
			if err != nil {
				return r, false
			}
			(*list)[corev1.ResourceName(e[0].Value)] = q
		}
	}
	return r, true
}

// fastString reads a string field.
func fastString(n *yaml.Node) (string, bool) {
	if plainString(n) {
		return n.Value, true
	}
	return "", false
}

// fastStringMap reads a map of strings (a nodeSelector).
func fastStringMap(n *yaml.Node) (map[string]string, bool) {
	if scalarTagged(n, yaml.NodeTagNull) {
		return nil, true
	}
	entries, ok := mappingEntries(n)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if !plainString(e[1]) {
			return nil, false
		}
		out[e[0].Value] = e[1].Value
	}
	return out, true
}

// fastInt32 reads an optional int32.
func fastInt32(n *yaml.Node) (*int32, bool) {
	if scalarTagged(n, yaml.NodeTagNull) {
		return nil, true
	}
	if !scalarTagged(n, yaml.NodeTagInt) || n.Style != 0 || !plainInt.MatchString(n.Value) {
		return nil, false
	}
	v, err := strconv.ParseInt(n.Value, 10, 32)
	if err != nil {
		return nil, false
	}
	i := int32(v)
	return &i, true
}

// fastBool reads an optional bool.
func fastBool(n *yaml.Node) (bool, bool) {
	if scalarTagged(n, yaml.NodeTagNull) {
		return false, true
	}
	if !scalarTagged(n, yaml.NodeTagBool) || n.Style != 0 {
		return false, false
	}
	switch n.Value {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	}
	return false, false
}
