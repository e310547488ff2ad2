package fn_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/values"
)

// worstValues is the largest values the schema allows in every list: 64
// node pools, 256 templates of 128 environment variables each, 1000
// sessions, 16 entrypoints and 512 API versions.
func worstValues() string { return scaledValues(1) }

// scaledValues is worstValues with templates, their environment and
// sessions divided by div.
func scaledValues(div int) string {
	var b strings.Builder
	b.WriteString("global: {hostname: kasm.example.com}\ngpu:\n  nodePools:\n")
	for i := range 64 {
		fmt.Fprintf(&b, "  - {name: pool-%d, nodes: 100000, gpusPerNode: 64, replicas: 1024}\n", i)
	}
	b.WriteString("vdi:\n  templates:\n")
	for i := range 256 / div {
		fmt.Fprintf(&b, "  - name: t-%d\n    image: \"registry.example.com/desktop:%d\"\n    nodePool: pool-%d\n    resources: {limits: {nvidia.com/gpu: 1}}\n    env:\n", i, i, i%64)
		for j := range 128 / div {
			fmt.Fprintf(&b, "    - {name: V%d, value: \"%d\"}\n", j, j)
		}
	}
	b.WriteString("  sessions:\n")
	for i := range 1000 / div {
		fmt.Fprintf(&b, "  - {name: s-%d, template: t-%d, user: user-%d}\n", i, i%(256/div), i)
	}
	b.WriteString("ingress:\n  entryPoints: [")
	for i := range 16 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "ep%d", i)
	}
	b.WriteString("]\ncharts:\n  apiVersions:\n")
	for i := range 512 {
		fmt.Fprintf(&b, "  - example.com/v%d\n", i)
	}
	return b.String()
}

// TestWorstAllowedValuesStayProportional renders the worst values the
// schema lets in and bounds what it allocates in all, by bytes: the old
// failure was not slowness but gigabytes from a 99 KB file.
func TestWorstAllowedValuesStayProportional(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the largest allowed values")
	}
	src := worstValues()
	if len(src) > values.MaxBytes {
		t.Fatalf("worst values are %d bytes, over the %d a values file may have", len(src), values.MaxBytes)
	}
	alloc, objects := renderAlloc(t, src)
	t.Logf("%d bytes of values, %d objects, %d MB allocated", len(src), objects, alloc>>20)
	// Proportional: a quarter of the lists costs no more than about a
	// quarter (the platform's fixed objects aside).
	small := scaledValues(4)
	smallAlloc, _ := renderAlloc(t, small)
	t.Logf("%d bytes of values, %d MB allocated", len(small), smallAlloc>>20)
	if perByte, smallPerByte := float64(alloc)/float64(len(src)), float64(smallAlloc)/float64(len(small)); perByte > 2*smallPerByte {
		t.Errorf("%.0f bytes allocated per byte of values, %.0f for a quarter of them: not proportional", perByte, smallPerByte)
	}
	// About 1 KB allocated per byte of input at most, and never near the
	// gigabytes an unbounded list once took.
	if limit := uint64(len(src)) * 1024; alloc > limit || alloc > 1<<30 {
		t.Errorf("allocated %d MB for %d bytes of values", alloc>>20, len(src))
	}
}

// renderAlloc parses, loads and renders src, returning the bytes allocated
// and the objects rendered.
func renderAlloc(t *testing.T, src string) (uint64, int) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	doc, err := values.Parse("values.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	v, err := values.Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	items, results, err := fn.Render(nil, v, fn.Options{})
	if err != nil || fn.HasErrors(results) {
		t.Fatalf("render: %v %v", err, results)
	}
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, len(items)
}
