package fn_test

import (
	"bytes"
	"testing"

	"github.com/vdirender/vdirender/fn"
	"github.com/vdirender/vdirender/internal/benchpkg"
)

// FuzzExecute feeds arbitrary ResourceLists to the KRM function: it must
// not panic, and a failed run writes either nothing or its input back.
func FuzzExecute(f *testing.F) {
	f.Add(benchpkg.ResourceList(7))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: x, resources: {limits: {nvidia.com/gpu: '0.5'}}}]}}\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {values.yaml: 'global: {hostname: a.b}'}}\n"))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: List, metadata: [x], items: [{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: c, annotations: {volume.beta.kubernetes.io/storage-class: x}}}]}]}\nfunctionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {values.yaml: 'global: {hostname: a.b}'}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		var out bytes.Buffer
		_ = fn.Execute(fn.Processor{}, bytes.NewReader(data), &out, 1<<20)
	})
}
