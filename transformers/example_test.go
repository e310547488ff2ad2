package transformers_test

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// Enforce the pull-policy rule on a hand-written Deployment: the field is
// fixed and the change is reported with its old and new value.
func ExampleRun() {
	obj := yaml.MustParse(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: wiki, namespace: tools}
spec:
  template:
    spec:
      containers:
      - name: wiki
        image: ghcr.io/example/wiki:2.5.1
        imagePullPolicy: Always
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 512Mi}
`)
	results, err := transformers.Run([]*yaml.RNode{obj}, &transformers.Env{Values: values.Defaults()}, false)
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		if r.Field != nil {
			fmt.Printf("%s %s: %v -> %v\n", r.Severity, r.Field.Path, r.Field.CurrentValue, r.Field.ProposedValue)
		}
	}
	policy, _ := obj.Pipe(yaml.Lookup("spec", "template", "spec", "containers", "[name=wiki]", "imagePullPolicy"))
	fmt.Println(yaml.GetValue(policy))
	// Output:
	// info spec.template.spec.containers[0].imagePullPolicy: Always -> IfNotPresent
	// IfNotPresent
}

// The same Deployment in audit mode: nothing changes, a warning is reported.
func ExampleRun_audit() {
	obj := yaml.MustParse(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: wiki, namespace: tools}
spec:
  template:
    spec:
      containers:
      - name: wiki
        image: ghcr.io/example/wiki:latest
        imagePullPolicy: IfNotPresent
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 512Mi}
`)
	v := values.Defaults()
	v.Rules.Pinning = values.ModeAudit
	results, _ := transformers.Run([]*yaml.RNode{obj}, &transformers.Env{Values: v}, false)
	for _, r := range results {
		if r.Field != nil {
			fmt.Println(r.Severity, r.Message)
		}
	}
	// Output:
	// warning image "ghcr.io/example/wiki:latest" is tagged latest: pin a version or a digest, since IfNotPresent would never refresh it
}
