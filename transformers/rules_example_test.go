package transformers_test

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

// check runs one rule on one object and prints what it finds and whether it
// can fix it.
func check(r transformers.Rule, manifest string) {
	env := &transformers.Env{Values: values.Defaults()}
	findings, err := r.Check(yaml.MustParse(manifest), env)
	if err != nil {
		panic(err)
	}
	for _, f := range findings {
		fix := "error"
		if f.Fix != nil {
			fix = "fix -> " + f.Proposed
		}
		fmt.Printf("%s: %s (%s)\n", f.Path, f.Message, fix)
	}
}

func ExampleStorage() {
	check(transformers.Storage{}, `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: media}
spec:
  storageClassName: nfs
  accessModes: [ReadWriteMany]
`)
	// Output:
	// spec.storageClassName: volumes use the local-path storage class (fix -> local-path)
	// spec.accessModes[0]: local-path volumes are node-local and serve only ReadWriteOnce and ReadWriteOncePod, not ReadWriteMany (error)
}

func ExamplePullPolicy() {
	check(transformers.PullPolicy{}, `
apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata: {name: grafana, namespace: kube-system}
spec:
  chart: grafana
  valuesContent: |
    image:
      pullPolicy: Always
`)
	// Output:
	// spec.valuesContent.image.pullPolicy: sub-chart images are pulled only when missing from the node (fix -> IfNotPresent)
}

func ExampleResources() {
	check(transformers.Resources{}, `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      containers:
      - name: migrate
        image: migrate:1.0
        resources:
          requests: {cpu: "2"}
          limits: {cpu: "1", memory: 256Mi}
`)
	// Output:
	// spec.template.spec.containers[0].resources.requests.cpu: cpu request 2 is above its limit 1 (error)
	// spec.template.spec.containers[0].resources.requests.memory: every container requests memory (fix -> 128Mi)
}

func ExampleGPU() {
	check(transformers.GPU{}, `
apiVersion: v1
kind: Pod
metadata: {name: cuda}
spec:
  containers:
  - name: cuda
    image: cuda:12.4.1
    resources:
      limits: {nvidia.com/gpu: 1}
`)
	// Output:
	// spec.containers[0].resources.requests.nvidia.com/gpu: nvidia.com/gpu request is set equal to its limit (fix -> 1)
	// spec.runtimeClassName: GPU pods run with the nvidia container runtime (fix -> nvidia)
	// spec.tolerations: GPU pods tolerate the nvidia.com/gpu taint of GPU nodes (fix -> {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule})
}

func ExamplePinning() {
	check(transformers.Pinning{}, `
apiVersion: helm.cattle.io/v1
kind: HelmChart
metadata: {name: grafana, namespace: kube-system}
spec:
  chart: grafana
  version: ^1.2
`)
	// Output:
	// spec.repo: chart "grafana" has no repo: pin where it comes from (error)
	// spec.version: chart "grafana" version "^1.2" is not exact: pin one release such as 1.2.3, never a range, latest or nothing (error)
}

func ExampleGPUCapacity() {
	v := values.Defaults()
	v.GPU.NodePools = []values.NodePool{{Name: "a4000", Nodes: 1, GPUsPerNode: 1, Replicas: 4}}
	deploy := yaml.MustParse(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: render, namespace: tools}
spec:
  replicas: 6
  template:
    spec:
      nodeSelector: {nvidia.com/device-plugin.config: a4000}
      containers:
      - name: blender
        image: blender:4.2.0
        resources: {limits: {nvidia.com/gpu: 1}}
`)
	results, err := transformers.GPUCapacity{}.CheckPackage([]*yaml.RNode{deploy}, &transformers.Env{Values: v})
	if err != nil {
		panic(err)
	}
	for _, r := range results {
		fmt.Println(r.Severity, r.Message)
	}
	// Output:
	// error node pool a4000: 6 GPU pod(s) ask for 6 nvidia.com/gpu but the pool advertises 4 time-slices (1 nodes x 1 GPUs x 4 replicas); 4 of 6 fit
}
