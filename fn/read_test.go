package fn

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/benchpkg"
	"github.com/vdirender/vdirender/internal/input"
)

// readTwice is how the ResourceList was read before readResourceList: the
// gate's check, then the head decoded, then kio.ByteReader.
func readTwice(data []byte) ([]*yaml.RNode, *yaml.RNode, error) {
	if err := input.Check(data); err != nil {
		return nil, nil, fmt.Errorf("reading the ResourceList: %w", err)
	}
	return readResourceListBytes(data)
}

func dump(t *testing.T, items []*yaml.RNode, fc *yaml.RNode) string {
	var b bytes.Buffer
	for _, it := range append(append([]*yaml.RNode{}, items...), fc) {
		if it == nil {
			b.WriteString("<nil>\n")
			continue
		}
		s, err := it.String()
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(s + "---\n")
	}
	return b.String()
}

// checkSameRead holds readResourceList to the old way of reading: the same
// items and functionConfig, the same refusals.
func checkSameRead(t *testing.T, data []byte) {
	t.Helper()
	items, fc, err := readResourceList(data)
	wantItems, wantFC, wantErr := readTwice(data)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("error %v, the old way %v", err, wantErr)
	}
	if err != nil {
		if got, want := err.Error(), wantErr.Error(); got != want {
			t.Fatalf("error %q, the old way %q", got, want)
		}
		return
	}
	if got, want := dump(t, items, fc), dump(t, wantItems, wantFC); got != want {
		t.Fatalf("read\n%s\nthe old way\n%s", got, want)
	}
}

var readCases = []string{
	"",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: b}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nkind: ResourceList\nitems: []\n",
	"apiVersion: config.kubernetes.io/v1\nkind: List\nitems: []\n",
	"apiVersion: v1\nkind: ResourceList\nitems: []\n",
	"apiVersion: config.kubernetes.io/v1\nkind: !!binary UmVzb3VyY2VMaXN0\nitems: []\n",
	"apiVersion: config.kubernetes.io/v1\nkind: &k ResourceList\nx: *k\nitems: [{kind: *k}]\n",
	"x: &h {apiVersion: config.kubernetes.io/v1, kind: ResourceList}\n<<: *h\nitems: [{a: 1}]\n",
	"apiVersion: config.kubernetes.io/v1\r\nkind: ResourceList\r\nitems:\r\n- a: |\r\n    x\r\n",
	"---\napiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{a: 1}]\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{a: 1}]\n---\napiVersion: v1\nkind: ConfigMap\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{a: 1}]\n...\napiVersion: v1\nkind: ConfigMap\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nmetadata: 3\nitems: [{a: 1}]\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nmetadata: {annotations: 3}\nitems: [{a: 1}]\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nmetadata: {annotations: {config.kubernetes.io/path: a.yaml}}\nitems: [{a: 1}]\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nfunctionConfig: {a: 1}\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - a: 1 # wide\n    b: [1, 2]\n  - c: |\n      text\n",
	"- a\n- b\n",
	"a: [\n",
	"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\xff]\n",
	"a: &a [*a]\n",
}

func TestReadResourceList(t *testing.T) {
	for _, c := range readCases {
		checkSameRead(t, []byte(c))
	}
	for _, n := range []int{0, 7, 100} {
		checkSameRead(t, benchpkg.ResourceList(n))
		checkSameRead(t, benchpkg.Realistic.ResourceList(n))
	}
	for _, glob := range []string{"../testdata/krm/*/input.yaml", "testdata/fuzz/FuzzExecute/*"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			t.Run(f, func(t *testing.T) { checkSameRead(t, data) })
		}
	}
}

func FuzzReadResourceList(f *testing.F) {
	for _, c := range readCases {
		f.Add([]byte(c))
	}
	f.Add(benchpkg.Realistic.ResourceList(3))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		checkSameRead(t, data)
	})
}
