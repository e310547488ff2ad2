package values_test

import (
	"fmt"

	"github.com/vdirender/vdirender/internal/values"
)

// Load a values file and read the time-sliced GPU capacity of its pools.
func ExampleLoad() {
	doc, err := values.Parse("values.yaml", []byte(`
global:
  hostname: kasm.example.com
gpu:
  nodePools:
  - {name: workstations, nodes: 2, gpusPerNode: 1, replicas: 4}
`))
	if err != nil {
		panic(err)
	}
	v, err := values.Load(doc)
	if err != nil {
		panic(err)
	}
	for _, p := range v.Capacity().Pools {
		fmt.Printf("%s: %d time-slices\n", p.Pool.Name, p.Pool.Slices())
	}
	// Output: workstations: 8 time-slices
}

// A typo is an error with its file, line and field path.
func ExampleLoad_unknownKey() {
	doc, _ := values.Parse("values.yaml", []byte("global:\n  hostname: kasm.example.com\ngpu:\n  timeslicing: {replicas: 4}\n"))
	_, err := values.Load(doc)
	fmt.Println(err)
	// Output: values.yaml:4: gpu.timeslicing: unknown field "timeslicing": did you mean "timeSlicing"?
}
