package generate

import (
	"github.com/vdirender/vdirender/crds"
	"github.com/vdirender/vdirender/values"
)

// CRDs renders the VDITemplate and VDISession definitions.
func CRDs(*values.Values) []any {
	var out []any
	for _, c := range crds.All() {
		c.Labels = map[string]string{PartOfLabel: PartOf, ManagedByLabel: ManagedBy, ComponentLabel: "api"}
		out = append(out, c)
	}
	return out
}
