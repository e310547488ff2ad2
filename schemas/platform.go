package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// PlatformURL is the $id of the VDIPlatform schema that Platform builds.
const PlatformURL = "https://vdirender.dev/schemas/platform.schema.json"

// The VDIPlatform object: its apiVersion and kind (internal/values holds the
// same constants; this package imports nothing of vdirender's).
const (
	platformAPIVersion = "config.vdirender.dev/v1alpha1"
	platformKind       = "VDIPlatform"
)

// platformHead is the wrapper around the values: apiVersion, kind and
// metadata. Platform adds spec (the values schema's root) and $defs (the
// values schema's definitions, which spec refers to as #/$defs/...).
const platformHead = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "` + PlatformURL + `",
  "title": "vdirender VDIPlatform",
  "description": "A VDIPlatform object: the values of a GPU VDI platform as a KRM object, the functionConfig of vdirender in a kpt or kustomize package. Its spec holds the values.",
  "type": "object",
  "additionalProperties": false,
  "required": ["apiVersion", "kind", "metadata", "spec"],
  "properties": {
    "apiVersion": {"const": "` + platformAPIVersion + `", "description": "Required. The API version of the VDIPlatform.", "examples": ["` + platformAPIVersion + `"]},
    "kind": {"const": "` + platformKind + `", "description": "Required. The kind of the object; vdirender reads the values from the spec of the one VDIPlatform of a package.", "examples": ["` + platformKind + `"]},
    "metadata": {
      "type": "object",
      "required": ["name"],
      "description": "Required. The object's metadata; kpt and kustomize need a name.",
      "properties": {
        "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "maxLength": 253, "description": "Required. Name of the platform; vdirender apply names its ApplySet vdirender-<name>.", "examples": ["vdi-platform", "k3s-single-node"]},
        "namespace": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63, "description": "Namespace of the object, if your tooling sets one; vdirender does not read it.", "examples": ["default"]},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Labels of the object; vdirender does not read them.", "examples": [{"app.kubernetes.io/part-of": "vdi-platform"}]},
        "annotations": {
          "type": "object",
          "additionalProperties": {"type": "string"},
          "description": "Annotations of the object, strings only.",
          "properties": {
            "config.kubernetes.io/local-config": {"enum": ["true", "false"], "description": "\"true\" keeps kpt, kustomize and Argo CD from applying the VDIPlatform to the cluster; vdirender marks it so in its output anyway.", "examples": ["true"]},
            "config.kubernetes.io/function": {"type": "string", "description": "How kustomize runs vdirender with this object as its functionConfig, as a generator or transformer.", "examples": ["exec:\n  path: vdirender\n"]}
          }
        }
      }
    },
    "spec": `

// Platform returns the JSON schema of a VDIPlatform object: apiVersion,
// kind, metadata, and the values schema as its spec. It is one
// self-contained document (the values schema's definitions are its own
// $defs), so that a standard validator or an editor can use it offline.
func Platform() ([]byte, error) {
	root, err := members(Values)
	if err != nil {
		return nil, fmt.Errorf("values schema: %w", err)
	}
	var defs json.RawMessage
	var b bytes.Buffer
	b.WriteString(platformHead)
	b.WriteString("{\n")
	first := true
	for _, m := range root {
		switch m.key {
		case "$schema", "$id":
			continue // the wrapper's own
		case "$defs":
			defs = m.raw
			continue
		case "description":
			m.raw = json.RawMessage(`"Required. The values of the platform, exactly as a values file holds them (vdirender schema prints their schema alone)."`)
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		key, _ := json.Marshal(m.key)
		// The root's members are indented by 2 in the values schema and by 6
		// here; JSON strings hold no newline, so each one starts a line.
		fmt.Fprintf(&b, "      %s: %s", key, strings.ReplaceAll(string(m.raw), "\n", "\n    "))
	}
	if defs == nil {
		return nil, fmt.Errorf("values schema has no $defs")
	}
	b.WriteString("\n    }\n  },\n  \"$defs\": ")
	b.Write(defs)
	b.WriteString("\n}\n")
	if !json.Valid(b.Bytes()) {
		return nil, fmt.Errorf("the VDIPlatform schema is not valid JSON")
	}
	return b.Bytes(), nil
}

type member struct {
	key string
	raw json.RawMessage
}

// members are the members of a JSON object in their order, each value as
// written.
func members(obj []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		out = append(out, member{key, raw})
	}
	return out, nil
}
