package values

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaAt is the compiled schema of the value at tokens (nil when the
// schema does not say), its $refs followed.
func schemaAt(tokens []string) *jsonschema.Schema {
	node, err := Schema()
	if err != nil {
		return nil
	}
	node = deref(node)
	for _, t := range tokens {
		if node == nil {
			return nil
		}
		var next *jsonschema.Schema
		switch {
		case node.Properties[t] != nil:
			next = node.Properties[t]
		case node.Items2020 != nil:
			next = node.Items2020
		case len(node.PatternProperties) == 1:
			for _, p := range node.PatternProperties {
				next = p
			}
		}
		node = deref(next)
	}
	return node
}

func deref(n *jsonschema.Schema) *jsonschema.Schema {
	for n != nil && n.Ref != nil {
		n = n.Ref
	}
	return n
}

// fieldsAt are the fields the object at tokens may have.
func fieldsAt(tokens []string) []string {
	n := schemaAt(tokens)
	if n == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(n.Properties))
}

// unknownField explains an unknown key at tokens: a near spelling of a
// field there, else a field one level up or down (an indentation mistake;
// one level down, the key written just above it, above comes first, since
// that is the block it most likely lost), else the fields there are.
func unknownField(tokens []string, key, above string) string {
	here := fieldsAt(tokens)
	best, bestDist := "", 3
	for _, f := range here {
		d := distance(strings.ToLower(key), strings.ToLower(f))
		if strings.EqualFold(key, f) {
			d = 0
		}
		if d < bestDist {
			best, bestDist = f, d
		}
	}
	if best != "" && bestDist <= max(1, len(key)/4) {
		return fmt.Sprintf("unknown field %q: did you mean %q?", key, best)
	}
	if len(tokens) > 0 && slices.Contains(fieldsAt(tokens[:len(tokens)-1]), key) {
		return fmt.Sprintf("unknown field %q here, but a field one level up: is it indented too far?", key)
	}
	if above != "" && slices.Contains(here, above) && slices.Contains(fieldsAt(append(slices.Clone(tokens), above)), key) {
		return fmt.Sprintf("unknown field %q here, but a field of %s, just above: is it indented too little?", key, above)
	}
	for _, f := range here {
		if slices.Contains(fieldsAt(append(slices.Clone(tokens), f)), key) {
			return fmt.Sprintf("unknown field %q here, but a field of %s: is it indented too little?", key, f)
		}
	}
	if len(here) > 0 && len(here) <= 12 {
		return fmt.Sprintf("unknown field %q (a typo here would silently switch a feature off); the fields here are %s", key, strings.Join(here, ", "))
	}
	return fmt.Sprintf("unknown field %q (a typo here would silently switch a feature off)", key)
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
