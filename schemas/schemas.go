// Package schemas embeds the JSON schemas that vdirender validates against
// offline, so that a single binary carries them.
package schemas

import _ "embed"

// Values is the JSON schema of the values file; `vdirender schema` prints it.
//
//go:embed values.schema.json
var Values []byte

// ValuesURL is the schema's $id, under which it is compiled.
const ValuesURL = "https://vdirender.dev/schemas/values.schema.json"

// OperatorChart is the values schema of the chart `vdirender chart` writes.
//
//go:embed operator-chart.schema.json
var OperatorChart []byte
