package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// A typed object used to reach its node by three conversions: JSON
// (sigs.k8s.io/yaml marshals through encoding/json, which is where the
// Kubernetes types say what they look like), JSON to YAML text by a YAML 1.1
// library (which picks the order of the keys and the style of each
// string), and that text parsed again by kyaml. fromJSON builds the same
// node straight from the JSON: keys in the order the YAML 1.1 library
// sorts them, numbers, booleans and nulls as the parser tags them, and each
// string with the style the round trip gives it (knownStyle); a string
// whose style knownStyle cannot tell is sent once through the round trip
// itself and remembered. TestFromJSON holds it to
// the round trip on every object the generators render and on strings and
// keys chosen to be awkward.

// errNotPlainJSON is JSON that fromJSON leaves to the round trip: numbers
// that are not integers, or not int64.
var errNotPlainJSON = errors.New("JSON value left to the YAML round trip")

// viaYAML is the round trip itself.
func viaYAML(obj any) (*yaml.RNode, error) {
	b, err := sigsyaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", obj, err)
	}
	return yaml.Parse(string(b))
}

// toRNode is viaYAML, faster.
func toRNode(obj any) (*yaml.RNode, error) {
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("marshal %T: %w", obj, err)
	}
	n, err := fromJSON(j)
	if errors.Is(err, errNotPlainJSON) {
		return viaYAML(obj)
	}
	return n, err
}

// fromJSON builds the node viaYAML would build from JSON text.
func fromJSON(j []byte) (*yaml.RNode, error) {
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	root, err := node(v)
	if err != nil {
		return nil, err
	}
	return yaml.NewRNode(&yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1, Content: []*yaml.Node{root}}), nil
}

var integer = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,17})$`)

func node(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: yaml.NodeTagMap}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
			return n, nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		if err := sortKeys(keys); err != nil {
			return nil, err
		}
		n.Content = make([]*yaml.Node, 0, 2*len(keys))
		for _, k := range keys {
			kn, err := scalar(k, true)
			if err != nil {
				return nil, err
			}
			vn, err := node(v[k])
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, kn, vn)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: yaml.NodeTagSeq}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
			return n, nil
		}
		n.Content = make([]*yaml.Node, 0, len(v))
		for _, e := range v {
			en, err := node(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, en)
		}
		return n, nil
	case string:
		return scalar(v, false)
	case json.Number:
		if !integer.MatchString(string(v)) {
			return nil, errNotPlainJSON
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagInt, Value: string(v)}, nil
	case bool:
		if v {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: "true"}, nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagBool, Value: "false"}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: yaml.NodeTagNull, Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON value %T", v)
}

// roundTrips remembers the scalars the round trip gave strings whose style
// knownStyle cannot tell: key or value -> node.
var roundTrips sync.Map

type scalarKey struct {
	s   string
	key bool
}

// scalar is the node of a string as a mapping key or as a value.
func scalar(s string, key bool) (*yaml.Node, error) {
	if style, ok := knownStyle(s, key); ok {
		return &yaml.Node{Kind: yaml.ScalarNode, Style: style, Tag: yaml.NodeTagString, Value: s}, nil
	}
	k := scalarKey{s, key}
	if n, ok := roundTrips.Load(k); ok {
		c := *n.(*yaml.Node)
		return &c, nil
	}
	obj := map[string]any{"k": s}
	if key {
		obj = map[string]any{s: 0}
	}
	rn, err := viaYAML(obj)
	if err != nil {
		return nil, err
	}
	m := rn.YNode()
	if m.Kind != yaml.MappingNode || len(m.Content) != 2 {
		return nil, fmt.Errorf("round trip of %q gave no mapping", s)
	}
	n := m.Content[1]
	if key {
		n = m.Content[0]
	}
	found := &yaml.Node{Kind: n.Kind, Style: n.Style, Tag: n.Tag, Value: n.Value}
	roundTrips.Store(k, found)
	c := *found
	return &c, nil
}

// Strings of digits the YAML 1.1 writer reads as an integer (and quotes),
// or as a string: a quantity with a suffix, a version with two dots or more,
// a duration.
var (
	decimal  = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})$`)
	quantity = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,6})?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)$`)
	version  = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,9}){2,5}$`)
	duration = regexp.MustCompile(`^([0-9]{1,9}(h|m|s|ms))+$`)
)

// knownStyle is the style the round trip gives a string of printable ASCII,
// where these rules of the YAML 1.1 writer (and the parser reading it
// back) settle it: a string with line breaks is a literal block unless a
// space ends a line or the string; a string that a YAML 1.1 reader would
// take for something else (a boolean, null, a number) is double-quoted;
// any other is plain unless an indicator, a ": ", a " #" or a space at
// either end forbids it, then single-quoted. Strings it cannot settle (other
// characters, the number-like ones it does not know, a few odd starts) go
// to the round trip.
func knownStyle(s string, key bool) (yaml.Style, bool) {
	if s == "" {
		// YAML 1.1 reads an empty plain scalar as null.
		return yaml.DoubleQuotedStyle, true
	}
	multiline := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n':
			multiline = true
		case c < 0x20 || c > 0x7e:
			return 0, false
		}
	}
	if multiline {
		if key || s[0] == ' ' || s[0] == '\n' || s[len(s)-1] == ' ' || strings.Contains(s, " \n") {
			return 0, false
		}
		return yaml.LiteralStyle, true
	}
	nonString := false
	switch c := s[0]; {
	case c >= '0' && c <= '9':
		switch {
		case decimal.MatchString(s):
			nonString = true
		case quantity.MatchString(s), version.MatchString(s), duration.MatchString(s):
		default:
			return 0, false
		}
	case c == '-':
		// Not a number, not "---": a flag such as --leader-elect.
		if len(s) < 2 || !(isLetter(s[1]) || s[1] == '-' && (len(s) < 3 || s[2] != '-')) {
			return 0, false
		}
	case c == '.':
		if len(s) < 2 || !isLetter(s[1]) {
			return 0, false
		}
		switch s {
		case ".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN":
			nonString = true
		}
	case c == '+' || c == '~' || c == '<':
		return 0, false
	case isLetter(c):
		switch s {
		case "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
			"on", "On", "ON", "off", "Off", "OFF",
			"true", "True", "TRUE", "false", "False", "FALSE",
			"null", "Null", "NULL":
			nonString = true
		}
	}
	switch {
	case nonString:
		return yaml.DoubleQuotedStyle, true
	case plainAllowed(s):
		return 0, true
	default:
		return yaml.SingleQuotedStyle, true
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// plainAllowed tells a one-line string of printable ASCII that a YAML
// block may hold plain: no indicator first, no ": " or " #" (nor a colon
// at the end), no space at either end, no document marker.
func plainAllowed(s string) bool {
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	switch s[0] {
	case '#', ',', '[', ']', '{', '}', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	case '?', ':', '-':
		if len(s) == 1 || s[1] == ' ' {
			return false
		}
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case '#':
			if s[i-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// sortKeys puts mapping keys in the order the YAML 1.1 library writes
// them. For keys of letters and the ASCII characters below 'A' other than
// digits, that order is the order of their bytes (the library orders
// letters by code point and puts anything else before a letter); keys with
// digits, whose runs it compares as numbers, or other characters are
// ordered by the round trip itself.
func sortKeys(keys []string) error {
	for _, k := range keys {
		for i := 0; i < len(k); i++ {
			c := k[i]
			if c >= 0x80 || (c >= '0' && c <= '9') || (c > 'Z' && c < 'a') || c > 'z' {
				return sortKeysViaYAML(keys)
			}
		}
	}
	slices.Sort(keys)
	return nil
}

func sortKeysViaYAML(keys []string) error {
	obj := make(map[string]int, len(keys))
	for _, k := range keys {
		obj[k] = 0
	}
	rn, err := viaYAML(obj)
	if err != nil {
		return err
	}
	c := rn.YNode().Content
	if len(c) != 2*len(keys) {
		return fmt.Errorf("round trip of %d keys gave %d", len(keys), len(c)/2)
	}
	for i := range keys {
		keys[i] = c[2*i].Value
	}
	return nil
}
