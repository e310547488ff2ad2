package generators

import (
	"github.com/vdirender/vdirender/internal/crds"
	"github.com/vdirender/vdirender/internal/values"
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
