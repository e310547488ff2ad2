package transformers_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// sessionObjects are a template that lacks CPU and memory and asks for two
// slices of a pool, a session of it, and a bare GPU pod: what the session
// defaults, failRequestsGreaterThanOne and the node pools decide about.
const sessionObjects = `
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata: {name: big, namespace: vdi-sessions}
spec:
  image: ghcr.io/example/desktop:1.0.0
  resources:
    limits: {nvidia.com/gpu: "2"}
  streaming: {protocol: websocket, port: 6901}
  nodeSelector: {nvidia.com/device-plugin.config: fast}
---
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDISession
metadata: {name: alice, namespace: vdi-sessions}
spec: {template: big, user: alice}
---
apiVersion: v1
kind: Pod
metadata: {name: gpu, namespace: apps}
spec:
  containers:
  - name: c
    image: ghcr.io/example/cuda:12.4
    resources:
      limits: {nvidia.com/gpu: "1"}
`

// TestOperatorConfigKeepsRules proves that the operator's config, a subset
// of the values, holds everything the rules read: the rules give the same
// objects and the same results with the config read back as with the whole
// values it came from, over platforms that change every value a rule reads.
func TestOperatorConfigKeepsRules(t *testing.T) {
	example, err := os.ReadFile("../testdata/values/k3s-single-node.yaml")
	if err != nil {
		t.Fatal(err)
	}
	platforms := map[string]string{
		"example":  string(example),
		"defaults": "global: {hostname: kasm.example.com}\n",
		"changed": `
global: {hostname: kasm.example.com}
rules: {storage: audit, pullPolicy: "off", resources: enforce, gpu: enforce, pinning: audit}
containerDefaults:
  default: {requests: {cpu: 30m, memory: 40Mi}, limits: {cpu: 300m, memory: 400Mi}}
  Pod: {requests: {cpu: 50m, memory: 60Mi}, limits: {cpu: 500m, memory: 600Mi}}
  CronJob: {requests: {cpu: 70m}, limits: {memory: 700Mi}}
gpu:
  timeSlicing: {replicas: 3, failRequestsGreaterThanOne: false}
  nodePools:
  - {name: fast, nodes: 1, gpusPerNode: 1, replicas: 2}
  - {name: slow, nodes: 2, gpusPerNode: 2}
vdi:
  sessionDefaults:
    resources: {requests: {cpu: "2", memory: 3Gi}, limits: {cpu: "3", memory: 6Gi}}
`,
		"audit": `
global: {hostname: kasm.example.com}
rules: {storage: enforce, pullPolicy: audit, resources: audit, gpu: audit, pinning: "off"}
gpu:
  timeSlicing: {failRequestsGreaterThanOne: true}
  nodePools: [{name: fast, nodes: 1, gpusPerNode: 1, replicas: 2}]
`,
	}
	for name, src := range platforms {
		t.Run(name, func(t *testing.T) {
			full, err := values.LoadFile("values.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			data, err := sigsyaml.Marshal(full.OperatorConfig())
			if err != nil {
				t.Fatal(err)
			}
			config, err := values.LoadFile("config.yaml", data)
			if err != nil {
				t.Fatalf("the operator config does not load: %v\n%s", err, data)
			}
			if d := cmp.Diff(full.OperatorConfig(), config.OperatorConfig()); d != "" {
				t.Errorf("the operator config changes when read back (-rendered +read):\n%s", d)
			}
			run := func(v *values.Values) ([]byte, []byte) {
				items := readPackage(t)
				extra, err := (&kio.ByteReader{Reader: bytes.NewReader([]byte(sessionObjects))}).Read()
				if err != nil {
					t.Fatal(err)
				}
				items = append(items, extra...)
				results, err := transformers.Run(items, &transformers.Env{Values: v}, false)
				if err != nil {
					t.Fatal(err)
				}
				return encode(t, items, results)
			}
			wantItems, wantResults := run(full)
			gotItems, gotResults := run(config)
			if d := cmp.Diff(string(wantItems), string(gotItems)); d != "" {
				t.Errorf("objects differ under the operator config (-values +config):\n%s", d)
			}
			if d := cmp.Diff(string(wantResults), string(gotResults)); d != "" {
				t.Errorf("results differ under the operator config (-values +config):\n%s", d)
			}
		})
	}
}

// TestOperatorConfigIsASubset checks that the config leaves out what the
// operator does not read, so that unrelated changes do not reload it.
func TestOperatorConfigIsASubset(t *testing.T) {
	v, err := values.LoadFile("values.yaml", []byte(`
global: {hostname: kasm.example.com}
vdi:
  templates: [{name: desk, image: "ghcr.io/example/desktop:1.0.0"}]
charts:
  kasm: {version: 1.1181.2}
`))
	if err != nil {
		t.Fatal(err)
	}
	data, err := sigsyaml.Marshal(v.OperatorConfig())
	if err != nil {
		t.Fatal(err)
	}
	n, err := yaml.Parse(string(data))
	if err != nil {
		t.Fatal(err)
	}
	fields, err := n.Fields()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"auth", "containerDefaults", "global", "gpu", "rules", "vdi"}, fields); d != "" {
		t.Errorf("top-level sections (-want +got):\n%s", d)
	}
	for _, path := range [][]string{{"vdi", "templates"}, {"charts"}, {"gpu", "operator"}, {"global", "namespace"}} {
		if f, _ := n.Pipe(yaml.Lookup(path...)); f != nil {
			t.Errorf("%v is in the operator config", path)
		}
	}
}
