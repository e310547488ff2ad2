package input

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Limits on what a document may do before it is parsed in full.
const (
	// MaxExpandedNodes bounds the nodes a document would have with every
	// alias expanded: that expansion is how a billion-laughs document turns a
	// few hundred bytes into gigabytes.
	MaxExpandedNodes = 2_000_000
	// MaxDepth bounds nesting.
	MaxDepth = 200
)

// CoreTag tells the explicit tags a document may carry: YAML's core schema
// and merge keys, which every reader decodes the same way. Other tags
// (!!binary, !!timestamp, !!set, custom ones such as !vault) are decoded
// differently by each reader, or silently dropped: a value would not be
// what the file shows.
func CoreTag(tag string) bool {
	switch tag {
	case "!", "!!str", "!!int", "!!bool", "!!float", "!!null", "!!map", "!!seq", "!!merge":
		return true
	}
	return false
}

// Check refuses input that is not UTF-8, nests too deeply, carries an
// explicit tag other than the core ones or would expand its aliases beyond
// MaxExpandedNodes. It parses into nodes, which
// keeps each alias as one node, and counts the expansion with memoized
// sizes, so a hostile document costs its own size, not its expansion.
func Check(data []byte) error {
	if !utf8.Valid(data) {
		return errors.New("input is not valid UTF-8")
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	for {
		var doc yamlv3.Node
		err := dec.Decode(&doc)
		if err != nil {
			if err.Error() == "EOF" {
				return nil
			}
			return err
		}
		if err := checkDocument(&doc); err != nil {
			return err
		}
	}
}

// checkDocument holds one parsed document to the limits and refuses a key
// given twice in one mapping.
func checkDocument(doc *yamlv3.Node) error {
	total, err := expanded(doc, 0, map[*yamlv3.Node]int{})
	if err != nil {
		return err
	}
	if total > MaxExpandedNodes {
		return fmt.Errorf("a document would expand its YAML aliases to %d nodes, more than the %d allowed", total, MaxExpandedNodes)
	}
	if dup := DuplicateKey(doc); dup != nil {
		return dup
	}
	return nil
}

// DuplicateKeyError is a key given twice in one mapping. Readers keep one
// of the two silently, and not the same one: kyaml, which the rules read
// through, the first; sigs.k8s.io/yaml's non-strict Unmarshal, which Helm
// reads values with and Kubernetes' YAML decoder uses, the last. What a
// rule checked would not be what the cluster gets.
type DuplicateKeyError struct {
	Key   string
	Path  string // the field path from the document's root
	Line  int    // of the second key
	First int    // of the first
}

func (e *DuplicateKeyError) Error() string {
	return fmt.Sprintf("line %d: %s", e.Line, e.Message())
}

// Message says what is wrong without the line.
func (e *DuplicateKeyError) Message() string {
	return fmt.Sprintf("%s: key %q is given twice in the same mapping (first on line %d)", e.Path, e.Key, e.First)
}

// DuplicateKey finds the first key given twice in one mapping of n, or
// nil. Aliases are not followed: what they point at is checked where it is
// written. A merge key (<<) given twice is refused too: readers disagree on
// it, and several maps are merged with one key and a list, <<: [*a, *b].
func DuplicateKey(n *yamlv3.Node) *DuplicateKeyError {
	return duplicateKey(n, nil)
}

func duplicateKey(n *yamlv3.Node, path []string) *DuplicateKeyError {
	switch n.Kind {
	case yamlv3.DocumentNode:
		for _, c := range n.Content {
			if err := duplicateKey(c, path); err != nil {
				return err
			}
		}
	case yamlv3.MappingNode:
		first := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			at := append(path[:len(path):len(path)], k.Value)
			if k.Kind == yamlv3.ScalarNode {
				if line, seen := first[k.Value]; seen {
					return &DuplicateKeyError{Key: k.Value, Path: fieldPath(at), Line: k.Line, First: line}
				}
				first[k.Value] = k.Line
			}
			if err := duplicateKey(n.Content[i+1], at); err != nil {
				return err
			}
		}
	case yamlv3.SequenceNode:
		for i, c := range n.Content {
			if err := duplicateKey(c, append(path[:len(path):len(path)], "["+strconv.Itoa(i)+"]")); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldPath writes a path as the errors elsewhere do: spec.containers[0].image.
func fieldPath(path []string) string {
	var b strings.Builder
	for _, p := range path {
		if b.Len() > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// expanded counts the nodes of n with aliases expanded, saturating at
// MaxExpandedNodes+1 so that the count itself cannot overflow.
func expanded(n *yamlv3.Node, depth int, sizes map[*yamlv3.Node]int) (int, error) {
	if depth > MaxDepth {
		return 0, fmt.Errorf("line %d: nesting deeper than %d levels", n.Line, MaxDepth)
	}
	if size, ok := sizes[n]; ok {
		return size, nil
	}
	if n.Style&yamlv3.TaggedStyle != 0 && !CoreTag(n.Tag) {
		return 0, fmt.Errorf("line %d: the YAML tag %s is not allowed: only the core tags (!!str, !!int, !!bool, !!float, !!null, !!map, !!seq) are read the same way everywhere", n.Line, n.Tag)
	}
	if n.Kind == yamlv3.AliasNode && n.Alias != nil {
		size, err := expanded(n.Alias, depth+1, sizes)
		if err != nil {
			return 0, err
		}
		sizes[n] = size
		return size, nil
	}
	total := 1
	for _, c := range n.Content {
		size, err := expanded(c, depth+1, sizes)
		if err != nil {
			return 0, err
		}
		total += size
		if total > MaxExpandedNodes {
			total = MaxExpandedNodes + 1
			break
		}
	}
	sizes[n] = total
	return total, nil
}
