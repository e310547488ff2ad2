package manifest

// Exported for the tests of package manifest_test.
var (
	ViaYAML  = viaYAML
	ToRNode  = toRNode
	FromJSON = fromJSON
)
