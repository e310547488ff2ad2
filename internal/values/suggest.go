package values

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vdirender/vdirender/schemas"
)

// rawSchema is the values schema as plain JSON, to read which fields an
// object has when a key is unknown.
var rawSchema = sync.OnceValue(func() map[string]any {
	var m map[string]any
	if err := json.Unmarshal(schemas.Values, &m); err != nil {
		panic(err) // the embedded schema is tested to parse
	}
	return m
})

// schemaAt is the schema of the value at tokens (nil when the schema does
// not say), $refs followed.
func schemaAt(tokens []string) map[string]any {
	root := rawSchema()
	node := deref(root, root)
	for _, t := range tokens {
		if node == nil {
			return nil
		}
		var next any
		if props, ok := node["properties"].(map[string]any); ok && props[t] != nil {
			next = props[t]
		} else if items, ok := node["items"].(map[string]any); ok {
			next = items
		} else if pats, ok := node["patternProperties"].(map[string]any); ok && len(pats) == 1 {
			for _, p := range pats {
				next = p
			}
		}
		n, _ := next.(map[string]any)
		node = deref(root, n)
	}
	return node
}

func deref(root, n map[string]any) map[string]any {
	for n != nil {
		ref, ok := n["$ref"].(string)
		if !ok {
			return n
		}
		n = root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			n, _ = n[part].(map[string]any)
		}
	}
	return nil
}

// fieldsAt are the fields the object at tokens may have.
func fieldsAt(tokens []string) []string {
	props, _ := schemaAt(tokens)["properties"].(map[string]any)
	out := make([]string, 0, len(props))
	for k := range props {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// unknownField explains an unknown key at tokens: a near spelling of a
// field there, else a field one level up or down (an indentation mistake),
// else the fields there are.
func unknownField(tokens []string, key string) string {
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
