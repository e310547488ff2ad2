package input

import (
	"bytes"
	"errors"
	"fmt"
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

// coreTags are the explicit tags a document may carry: YAML's core schema
// and merge keys, which every reader decodes the same way. Other tags
// (!!binary, !!timestamp, !!set, custom ones such as !vault) are decoded
// differently by each reader, or silently dropped: a value would not be
// what the file shows.
var coreTags = map[string]bool{
	"!": true, "!!str": true, "!!int": true, "!!bool": true, "!!float": true,
	"!!null": true, "!!map": true, "!!seq": true, "!!merge": true,
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
		sizes := map[*yamlv3.Node]int{}
		total, err := expanded(&doc, 0, sizes)
		if err != nil {
			return err
		}
		if total > MaxExpandedNodes {
			return fmt.Errorf("a document would expand its YAML aliases to %d nodes, more than the %d allowed", total, MaxExpandedNodes)
		}
	}
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
	if n.Style&yamlv3.TaggedStyle != 0 && !coreTags[n.Tag] {
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
