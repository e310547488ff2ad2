package platform_test

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/platform"
)

// pod is a pod spec body with one GPU container, indented for a template.
const gpuContainers = `
      containers:
      - name: app
        resources: {limits: {nvidia.com/gpu: 1}}`

func parse(t *testing.T, doc string) *yaml.RNode {
	t.Helper()
	n, err := yaml.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDemandOf reads the GPU demand of every pod-producing kind the way
// the API server and the scheduler count it.
func TestDemandOf(t *testing.T) {
	deployment := func(replicas string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: " + replicas + "\n  template:\n    spec:" + gpuContainers + "\n"
	}
	tests := []struct {
		name    string
		doc     string
		want    platform.Demand
		none    bool
		wantErr string
	}{
		{name: "pod, limit only: the request defaults to it", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: a, resources: {limits: {nvidia.com/gpu: 1}}}
  - {name: b, resources: {requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 1}}}
`, want: platform.Demand{Object: "Pod/p", PerPod: 2, Pods: 1}},
		{name: "init container larger than the app containers", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: warmup, resources: {limits: {nvidia.com/gpu: 3}}}
  containers:
  - {name: app, resources: {limits: {nvidia.com/gpu: 1}}}
`, want: platform.Demand{Object: "Pod/p", PerPod: 3, Pods: 1}},
		{name: "GPU only in an init container still holds it while it runs", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: warmup, resources: {limits: {nvidia.com/gpu: 1}}}
  containers:
  - {name: app}
`, want: platform.Demand{Object: "Pod/p", PerPod: 1, Pods: 1}},
		{name: "restartable sidecar adds to the app containers", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: encoder, restartPolicy: Always, resources: {limits: {nvidia.com/gpu: 1}}}
  containers:
  - {name: app, resources: {limits: {nvidia.com/gpu: 1}}}
`, want: platform.Demand{Object: "Pod/p", PerPod: 2, Pods: 1}},
		{name: "init after a sidecar holds both", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - {name: encoder, restartPolicy: Always, resources: {limits: {nvidia.com/gpu: 1}}}
  - {name: warmup, resources: {limits: {nvidia.com/gpu: 2}}}
  containers:
  - {name: app}
`, want: platform.Demand{Object: "Pod/p", PerPod: 3, Pods: 1}},
		{name: "ephemeral containers hold nothing", doc: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: app}
  ephemeralContainers:
  - {name: debug, resources: {limits: {nvidia.com/gpu: 1}}}
`, none: true},
		{name: "pool from the node selector", doc: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: s}
spec:
  replicas: 2
  template:
    spec:
      nodeSelector: {nvidia.com/device-plugin.config: l40s}` + gpuContainers + `
`, want: platform.Demand{Object: "StatefulSet/s", Pool: "l40s", PerPod: 1, Pods: 2}},
		{name: "deployment without replicas runs one", doc: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 1}},
		{name: "replicas in decimal", doc: deployment("3"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 3}},
		{name: "replicas in hex", doc: deployment("0x3"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 3}},
		{name: "replicas in YAML 1.1 octal", doc: deployment("010"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 8}},
		{name: "replicas in 0o octal", doc: deployment("0o10"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 8}},
		{name: "replicas in binary", doc: deployment("0b11"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 3}},
		{name: "replicas with underscores", doc: deployment("1_000"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 1000}},
		{name: "replicas with a plus sign", doc: deployment("+3"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 3}},
		{name: "replicas as a whole float", doc: deployment("3.0"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 3}},
		{name: "replicas in exponent form", doc: deployment("1e3"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 1000}},
		{name: "replicas tagged int", doc: deployment("!!int 3"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 3}},
		{name: "replicas null is the default", doc: deployment("~"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 1}},
		{name: "replicas zero", doc: deployment("0"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 0}},
		{name: "the largest replicas", doc: deployment("2147483647"), want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 2147483647}},
		{name: "replicas as a string is refused", doc: deployment("'3'"), wantErr: "spec.replicas: Kubernetes cannot read this value"},
		{name: "replicas beyond int32 is refused", doc: deployment("2147483648"), wantErr: "spec.replicas: Kubernetes cannot read this value"},
		{name: "negative replicas are refused", doc: deployment("-1"), wantErr: "spec.replicas: must not be negative"},
		{name: "replication controller", doc: "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  replicas: 4\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "ReplicationController/r", PerPod: 1, Pods: 4}},
		{name: "daemonset: one pod per node", doc: "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ds}\nspec:\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "DaemonSet/ds", PerPod: 1, Pods: 1, PerNode: true}},
		{name: "job: parallelism", doc: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 5\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "Job/j", PerPod: 1, Pods: 5}},
		{name: "job: never more than its completions", doc: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  parallelism: 5\n  completions: 2\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "Job/j", PerPod: 1, Pods: 2}},
		{name: "job: suspended runs none", doc: "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  suspend: true\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "Job/j", PerPod: 1, Pods: 0}},
		{name: "cronjob: the job template's parallelism", doc: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      parallelism: 3
      template:
        spec:
          containers:
          - {name: a, resources: {limits: {nvidia.com/gpu: 1}}}
`, want: platform.Demand{Object: "CronJob/c", PerPod: 1, Pods: 3}},
		{name: "unknown workload kind with a pod template", doc: "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  replicas: 6\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "Rollout/r", PerPod: 1, Pods: 6}},
		{name: "a Deployment of another group is read by its pod template", doc: "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 2\n  template:\n    spec:" + gpuContainers + "\n",
			want: platform.Demand{Object: "Deployment/d", PerPod: 1, Pods: 2}},
		{name: "no GPU", doc: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: 9\n  template:\n    spec:\n      containers: [{name: a}]\n", none: true},
		{name: "not a workload", doc: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n", none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok, ferr := platform.DemandOf(parse(t, tt.doc))
			switch {
			case tt.wantErr != "":
				if ferr == nil || !strings.Contains(ferr.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", ferr, tt.wantErr)
				}
				return
			case ferr != nil:
				t.Fatal(ferr)
			case tt.none:
				if ok {
					t.Fatalf("demand %+v, want none", d)
				}
				return
			}
			if !ok || d != tt.want {
				t.Errorf("demand = %+v (ok %v), want %+v", d, ok, tt.want)
			}
		})
	}
}

// TestDemandsJoinSessions counts each VDISession through its template, and
// only in the template's namespace.
func TestDemandsJoinSessions(t *testing.T) {
	var docs []*yaml.RNode
	for _, doc := range []string{
		"apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDITemplate\nmetadata: {name: gpu, namespace: s}\nspec:\n  image: x\n  nodeSelector: {nvidia.com/device-plugin.config: a}\n  resources: {limits: {nvidia.com/gpu: 1}}\n",
		"apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDITemplate\nmetadata: {name: cpu, namespace: s}\nspec:\n  image: x\n",
		"apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDISession\nmetadata: {name: one, namespace: s}\nspec: {template: gpu, user: u}\n",
		"apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDISession\nmetadata: {name: two, namespace: s}\nspec: {template: cpu, user: u}\n",
		"apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDISession\nmetadata: {name: three, namespace: other}\nspec: {template: gpu, user: u}\n",
	} {
		docs = append(docs, parse(t, doc))
	}
	demands, owners, errs := platform.Demands(docs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []platform.Demand{{Object: "VDISession/one", Pool: "a", PerPod: 1, Pods: 1}}
	if fmt.Sprint(demands) != fmt.Sprint(want) || len(owners) != 1 || owners[0].GetName() != "one" {
		t.Errorf("demands = %+v, want %+v", demands, want)
	}
}

// TestDemandsCountWarmPools: a template's warm pool is demand on its node
// pool at its peak (windows and bounds applied), owned by the template.
func TestDemandsCountWarmPools(t *testing.T) {
	docs := []*yaml.RNode{
		parse(t, "apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDITemplate\nmetadata: {name: warm, namespace: s}\nspec:\n  image: x\n  nodeSelector: {nvidia.com/device-plugin.config: a}\n  resources: {limits: {nvidia.com/gpu: 1}}\n  warmPool: {size: 2, max: 6, schedule: [{start: '08:00', end: '18:00', size: 10}]}\n"),
		parse(t, "apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDITemplate\nmetadata: {name: cpu, namespace: s}\nspec:\n  image: x\n  warmPool: {size: 3}\n"),
		parse(t, "apiVersion: vdi.vdirender.dev/v1alpha1\nkind: VDISession\nmetadata: {name: one, namespace: s}\nspec: {template: warm, user: u}\n"),
	}
	demands, owners, errs := platform.Demands(docs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := []platform.Demand{{Object: "VDITemplate/warm warm pool", Pool: "a", PerPod: 1, Pods: 6}, {Object: "VDISession/one", Pool: "a", PerPod: 1, Pods: 1}}
	if fmt.Sprint(demands) != fmt.Sprint(want) || len(owners) != 2 || owners[0].GetName() != "warm" {
		t.Errorf("demands = %+v, want %+v", demands, want)
	}
}
