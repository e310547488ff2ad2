package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"

	_ "embed"
)

// PlatformURL is the $id of the VDIPlatform schema that Platform builds.
const PlatformURL = "https://vdirender.dev/schemas/platform.schema.json"

// platformWrapper is the VDIPlatform object around the values: apiVersion,
// kind and metadata. Platform adds spec (the values schema's root) and
// $defs (the values schema's definitions, which spec refers to).
//
//go:embed platform-wrapper.schema.json
var platformWrapper []byte

// specDescription replaces the values schema's own description as spec's.
const specDescription = "Required. The values of the platform, exactly as a values file holds them (vdirender schema prints their schema alone)."

// Platform returns the JSON schema of a VDIPlatform object: apiVersion,
// kind, metadata, and the values schema as its spec. It is one
// self-contained document (the values schema's definitions are its own
// $defs), so that a standard validator or an editor can use it offline.
func Platform() ([]byte, error) {
	var wrapper, spec map[string]any
	if err := json.Unmarshal(platformWrapper, &wrapper); err != nil {
		return nil, fmt.Errorf("VDIPlatform wrapper schema: %w", err)
	}
	if err := json.Unmarshal(Values, &spec); err != nil {
		return nil, fmt.Errorf("values schema: %w", err)
	}
	defs, ok := spec["$defs"]
	if !ok {
		return nil, fmt.Errorf("values schema has no $defs")
	}
	// The wrapper's own $schema and $id stand; $defs move to the root,
	// where spec's #/$defs/... references find them.
	for _, k := range []string{"$schema", "$id", "$defs"} {
		delete(spec, k)
	}
	spec["description"] = specDescription
	props, ok := wrapper["properties"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("VDIPlatform wrapper schema has no properties")
	}
	props["spec"] = spec
	wrapper["$defs"] = defs
	// Descriptions hold <, > and &: kept as they are for people reading it.
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(wrapper); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
