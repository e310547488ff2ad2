package input

import (
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
)

// TestDuplicateKey: a key given twice is named with its path and both
// lines, wherever it is, merge keys included; an alias is checked
// where its anchor is written, not again where it is used.
func TestDuplicateKey(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      *DuplicateKeyError
	}{
		{"top level", "a: 1\nb: 2\na: 3\n", &DuplicateKeyError{Key: "a", Path: "a", Line: 3, First: 1}},
		{"in a list item", "spec:\n  containers:\n  - name: c\n    image: x:1\n    image: y:1\n", &DuplicateKeyError{Key: "image", Path: "spec.containers[0].image", Line: 5, First: 4}},
		{"JSON", "{\"metadata\": {\"name\": \"a\",\n \"name\": \"b\"}}\n", &DuplicateKeyError{Key: "name", Path: "metadata.name", Line: 2, First: 1}},
		{"quoted and plain alike", "a: 1\n'a': 2\n", &DuplicateKeyError{Key: "a", Path: "a", Line: 2, First: 1}},
		{"the first of several", "a: {x: 1, x: 2}\nb: {y: 1, y: 2}\n", &DuplicateKeyError{Key: "x", Path: "a.x", Line: 1, First: 1}},
		{"same key in sibling mappings", "a: {x: 1}\nb: {x: 1}\n", nil},
		{"merge key twice", "base: &b {x: 1}\nmore: &m {y: 1}\nc:\n  <<: *b\n  <<: *m\n", &DuplicateKeyError{Key: "<<", Path: "c.<<", Line: 5, First: 4}},
		{"one merge key, several maps", "base: &b {x: 1}\nmore: &m {y: 1}\nc:\n  <<: [*b, *m]\n", nil},
		{"alias used twice", "base: &b {x: 1}\nc: *b\nd: *b\n", nil},
		{"a list", "- a\n- a\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc yamlv3.Node
			if err := yamlv3.Unmarshal([]byte(tc.doc), &doc); err != nil {
				t.Fatal(err)
			}
			got := DuplicateKey(&doc)
			if (got == nil) != (tc.want == nil) || got != nil && *got != *tc.want {
				t.Errorf("DuplicateKey = %+v, want %+v", got, tc.want)
			}
		})
	}
}
