// Package schemas embeds the JSON schemas that vdirender validates against
// offline, and the generated CRDs of the VDI API (crds/), so that a single
// binary carries them.
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

// TemplateCRD and SessionCRD are the CustomResourceDefinitions of the VDI
// API as controller-gen writes them from api/v1alpha1 (`make generate`).
//
//go:embed crds/vdi.vdirender.dev_vditemplates.yaml
var TemplateCRD []byte

// SessionCRD: see TemplateCRD.
//
//go:embed crds/vdi.vdirender.dev_vdisessions.yaml
var SessionCRD []byte
