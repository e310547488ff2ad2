package values

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/input"
)

// Kinds that carry values.
const (
	PlatformAPIVersion = "config.vdirender.dev/v1alpha1"
	PlatformKind       = "VDIPlatform"
	ConfigMapKey       = "values.yaml"
)

// MaxBytes bounds a values document; anything larger is refused before parsing.
const MaxBytes = input.MaxFileBytes

// Document is a values mapping with what is needed to point at its lines:
// the file it came from, the line offset when it is embedded in a string,
// and the path of the values inside their object ("spec" in a VDIPlatform).
type Document struct {
	File       string
	LineOffset int
	Prefix     string
	Node       *yaml.Node
	// LinesUnknown: the node's lines are not the file's (a ResourceList
	// holds the object), so Locate names no line.
	LinesUnknown bool
}

// FromObject finds the values inside a VDIPlatform (its spec) or a ConfigMap
// (its data["values.yaml"]). Any other object is an error.
func FromObject(file string, obj *yaml.RNode) (Document, error) {
	meta, err := obj.GetMeta()
	if err != nil {
		return Document{}, FieldError{File: file, Message: err.Error()}
	}
	switch {
	case meta.Kind == PlatformKind && meta.APIVersion == PlatformAPIVersion:
		spec := obj.Field("spec")
		if spec == nil || spec.Value == nil {
			return Document{}, FieldError{File: file, Line: obj.YNode().Line, Path: "spec", Message: "VDIPlatform has no spec: the spec holds the values"}
		}
		return Document{File: file, Prefix: "spec", Node: spec.Value.YNode()}, nil
	case meta.Kind == "ConfigMap" && meta.APIVersion == "v1":
		data := obj.Field("data")
		var val *yaml.RNode
		if data != nil && data.Value != nil {
			if f := data.Value.Field(ConfigMapKey); f != nil {
				val = f.Value
			}
		}
		if val == nil {
			return Document{}, FieldError{File: file, Line: obj.YNode().Line, Path: "data." + ConfigMapKey, Message: "ConfigMap functionConfig has no data[\"values.yaml\"]"}
		}
		n := val.YNode()
		offset := n.Line - 1
		if n.Style == yaml.LiteralStyle || n.Style == yaml.FoldedStyle {
			offset = n.Line
		}
		doc, err := Parse(file, []byte(n.Value))
		if err != nil {
			return Document{}, shiftLines(err, offset)
		}
		doc.LineOffset = offset
		doc.Prefix = "data[values.yaml]"
		return doc, nil
	default:
		return Document{}, FieldError{File: file, Message: fmt.Sprintf("functionConfig must be a %s %s or a v1 ConfigMap, not %s %s", PlatformAPIVersion, PlatformKind, meta.APIVersion, meta.Kind)}
	}
}

// Parse reads a plain values file.
func Parse(file string, data []byte) (Document, error) {
	if len(data) > MaxBytes {
		return Document{}, FieldError{File: file, Message: fmt.Sprintf("values are %d bytes, more than the %d allowed", len(data), MaxBytes)}
	}
	if err := input.CheckYAML(file, data); err != nil {
		return Document{}, InputError(err)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return Document{}, FieldError{File: file, Message: "the values file is empty"}
		}
		return Document{}, yamlError(file, data, err)
	}
	// A second document would be silently ignored: refuse it.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return Document{}, yamlError(file, data, err)
	case len(next.Content) > 0 && next.Content[0].Tag != "!!null":
		return Document{}, FieldError{File: file, Line: next.Content[0].Line, Message: "a values file holds one YAML document; this second one would be ignored"}
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return Document{}, FieldError{File: file, Line: n.Line, Message: "values must be a YAML mapping"}
	}
	return Document{File: file, Node: n}, nil
}

// yamlError turns a YAML syntax error into a FieldError with its line, in
// words for people (input.YAMLProblem: tabs, lines out of their block).
func yamlError(file string, data []byte, err error) error {
	line, msg := input.YAMLProblem(data, err)
	return FieldError{File: file, Line: line, Message: msg}
}

func shiftLines(err error, offset int) error {
	if fe, ok := err.(FieldError); ok {
		if fe.Line > 0 {
			fe.Line += offset
		}
		return fe
	}
	return err
}

// locate returns the node at a path of keys and list indexes, or the deepest
// node found on the way, so that an error points as close as it can.
func (d Document) locate(tokens []string) *yaml.Node {
	n := d.Node
	for _, t := range tokens {
		next := child(n, t)
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// written says whether the user wrote a value at tokens (not a default).
func (d Document) written(tokens []string) bool {
	n := d.Node
	for _, t := range tokens {
		if n = child(n, t); n == nil {
			return false
		}
	}
	return true
}

// keyLine is the line of the key that holds the value at tokens.
func (d Document) keyLine(tokens []string) int {
	if len(tokens) == 0 {
		return d.line(d.Node)
	}
	parent := d.locate(tokens[:len(tokens)-1])
	if parent.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(parent.Content); i += 2 {
			if parent.Content[i].Value == tokens[len(tokens)-1] {
				return d.line(parent.Content[i])
			}
		}
	}
	return d.line(d.locate(tokens))
}

func (d Document) line(n *yaml.Node) int {
	if n == nil || n.Line == 0 {
		return 0
	}
	return n.Line + d.LineOffset
}

func child(n *yaml.Node, token string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == token {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(token); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// fieldPath renders tokens as a dotted path with list indexes in brackets,
// prefixed with the document's place inside its object.
func (d Document) fieldPath(tokens []string) string {
	var b strings.Builder
	b.WriteString(d.Prefix)
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

// errorAt builds a FieldError for the value at tokens.
func (d Document) errorAt(tokens []string, format string, args ...any) FieldError {
	return FieldError{File: d.File, Line: d.keyLine(tokens), Path: d.fieldPath(tokens), Message: fmt.Sprintf(format, args...)}
}

// Locate is where the value at tokens was written: the file, the line of
// its key (of the nearest ancestor written, when the value is a default)
// and its field path.
func (d Document) Locate(tokens []string) (file string, line int, path string) {
	written := tokens
	for len(written) > 0 && !d.written(written) {
		written = written[:len(written)-1]
	}
	if d.LinesUnknown {
		return d.File, 0, d.fieldPath(tokens)
	}
	return d.File, d.keyLine(written), d.fieldPath(tokens)
}

// keyAbove is the key written just before the last key of tokens in its
// mapping, or "".
func (d Document) keyAbove(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	parent := d.locate(tokens[:len(tokens)-1])
	if parent.Kind != yaml.MappingNode {
		return ""
	}
	for i := 2; i+1 < len(parent.Content); i += 2 {
		if parent.Content[i].Value == tokens[len(tokens)-1] {
			return parent.Content[i-2].Value
		}
	}
	return ""
}
