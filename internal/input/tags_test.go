package input

import (
	"strings"
	"testing"
)

// TestCheckTags: explicit tags beyond YAML's core schema are refused with
// their line, wherever they sit; implicit resolution (a plain date) and the
// core tags pass.
func TestCheckTags(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"binary value", "a: 1\nb: !!binary aGk=\n", "line 2: the YAML tag !!binary"},
		{"custom tag", "password: !vault |\n  $ANSIBLE_VAULT;1.1\n", "line 1: the YAML tag !vault"},
		{"custom tag on a map", "spec: !include\n  a: 1\n", "line 1: the YAML tag !include"},
		{"tag in a sequence", "items:\n- a\n- !secret b\n", "line 3: the YAML tag !secret"},
		{"tag on a key", "!k key: v\n", "line 1: the YAML tag !k"},
		{"set", "s: !!set {a}\n", "the YAML tag !!set"},
		{"explicit timestamp", "t: !!timestamp 2001-12-14\n", "the YAML tag !!timestamp"},
		{"second document", "a: 1\n---\nb: !vault x\n", "line 3: the YAML tag !vault"},
		{"core tags", "a: !!str 1\nb: !!int 2\nc: !!bool true\nd: !!float 1.5\ne: !!null ~\nf: !!map {}\ng: !!seq []\nh: ! x\n", ""},
		{"merge key", "base: &b {x: 1}\nm:\n  <<: *b\n", ""},
		{"plain date", "d: 2001-12-14\n", ""},
		{"verbatim core tag", "s: !<tag:yaml.org,2002:str> x\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
