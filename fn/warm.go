package fn

import (
	"github.com/vdirender/vdirender/internal/crds"
	"github.com/vdirender/vdirender/internal/values"
)

// warm starts, beside the reading of the input, the work every rendering
// needs once and that does not depend on the input: compiling the values
// schema and decoding the embedded CRDs. Both are once-only and safe to
// call concurrently, so whoever needs them first waits for what is left of
// it; on a machine with a free core it is hidden behind the reading.
func warm() {
	go func() { _, _ = values.Schema() }()
	go func() { _ = crds.All() }()
}
