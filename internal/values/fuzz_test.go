package values_test

import (
	"testing"

	"github.com/vdirender/vdirender/internal/values"
)

// FuzzLoad feeds arbitrary bytes to the values parser: it must return
// values or errors, never panic, and every error must name its file.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"global: {hostname: kasm.example.com}\n",
		"global:\n  hostname: kasm.example.com\ngpu:\n  timeSlicing: {replicas: 4}\n  nodePools: [{name: a, nodes: 2, gpusPerNode: 1}]\nvdi:\n  templates: [{name: d, image: 'd:1', nodePool: a}]\n  sessions: [{name: s, template: d, user: u}]\n",
		"a: &a [x,x]\nb: [*a,*a]\n",
		"global: {hostname: 'x`) || Host(`y'}\n",
		"kasmApi: {resources: {limits: {cpu: -1}}}\n",
		"\xff\xfe",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := values.Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		v, err := values.Load(doc)
		if err == nil && v.Global.Hostname == "" {
			t.Fatal("loaded values without a hostname")
		}
	})
}
