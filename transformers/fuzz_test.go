package transformers_test

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/vdirender/vdirender/internal/benchpkg"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// FuzzRules runs every rule, in enforce mode and as a validator, over
// arbitrary objects: no panic, and enforcing twice changes nothing more.
func FuzzRules(f *testing.F) {
	for _, doc := range benchpkg.Objects(7) {
		f.Add(doc)
	}
	f.Add("apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: c}\nspec: {chart: x, version: ^1, valuesContent: \"image: {pullPolicy: Always}\\nstorageClass: nfs\"}\n")
	f.Add("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: 2}, limits: {cpu: 1, nvidia.com/gpu: 3}}}]}\n")
	f.Fuzz(func(t *testing.T, doc string) {
		items, err := (&kio.ByteReader{Reader: strings.NewReader(doc), OmitReaderAnnotations: true}).Read()
		if err != nil || len(items) == 0 {
			return
		}
		env := &transformers.Env{Values: values.Defaults()}
		if _, err := transformers.Run(items, env, true); err != nil {
			return
		}
		if _, err := transformers.Run(items, env, false); err != nil {
			return
		}
		once := items[0].MustString()
		if _, err := transformers.Run(items, env, false); err != nil {
			t.Fatalf("second run failed after the first passed: %v", err)
		}
		if twice := items[0].MustString(); twice != once {
			t.Fatalf("enforcing twice changed the object:\n%s\n---\n%s", once, twice)
		}
	})
}
