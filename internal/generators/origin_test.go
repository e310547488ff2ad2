package generators_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/generators"
)

// TestOriginsCoverWhatRulesCheck: every object the platform rules look
// into (workloads, sub-charts, templates, sessions, claims) has an origin
// in the values, so that a finding on it points at a line the user wrote.
func TestOriginsCoverWhatRulesCheck(t *testing.T) {
	v := load(t, `global: {hostname: kasm.example.com}
gpu: {nodePools: [{name: a40, nodes: 1, gpusPerNode: 1}]}
vdi:
  monitoring: {enabled: true}
  prepull: {enabled: true}
  templates: [{name: desk, image: 'desk:1.0', nodePool: a40, warmPool: {size: 1}}]
  sessions: [{name: s, template: desk, user: alice}]
auth: {oidc: {issuerURL: 'https://login.example.com', clientID: vdi}}
ingress: {tls: {certManager: {issuer: letsencrypt}}}
`)
	checked := map[string]bool{"Deployment": true, "DaemonSet": true, "StatefulSet": true, "Job": true, "CronJob": true, "Pod": true,
		"HelmChart": true, "VDITemplate": true, "VDISession": true, "PersistentVolumeClaim": true, "Certificate": true}
	origins := generators.Origins(v)
	n := 0
	for _, o := range generators.Platform(v) {
		js, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Kind     string
			Metadata struct{ Name, Namespace string }
		}
		if err := json.Unmarshal(js, &m); err != nil {
			t.Fatal(err)
		}
		if !checked[m.Kind] {
			continue
		}
		n++
		if _, ok := origins[generators.ObjectKey{Kind: m.Kind, Namespace: m.Metadata.Namespace, Name: m.Metadata.Name}]; !ok {
			t.Errorf("%s %s/%s has no origin in the values", m.Kind, m.Metadata.Namespace, m.Metadata.Name)
		}
	}
	if n < 8 {
		t.Errorf("only %d objects checked", n)
	}
}

// TestOriginAt: a field maps to the values field of its longest known
// prefix, else to the object's own place.
func TestOriginAt(t *testing.T) {
	o := generators.Origin{Tokens: []string{"vdi", "templates", "2"}, Fields: map[string]string{
		"spec.resources": "resources", "spec.resources.limits": "resources.limits", "spec.image": "image"}}
	for field, want := range map[string][]string{
		"spec.image":                           {"vdi", "templates", "2", "image"},
		"spec.resources.requests.cpu":          {"vdi", "templates", "2", "resources"},
		"spec.resources.limits.nvidia.com/gpu": {"vdi", "templates", "2", "resources", "limits"},
		"spec.imagePullPolicy":                 {"global", "image", "pullPolicy"},
		"spec.valuesContent.image.pullPolicy":  {"global", "image", "pullPolicy"},
		"spec.nodeName":                        {"vdi", "templates", "2"},
		"":                                     {"vdi", "templates", "2"},
	} {
		if diff := cmp.Diff(want, o.At(field)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", field, diff)
		}
	}
}
