package transformers_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/kustomize/kyaml/fn/framework"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/transformers"
)

const limited = `resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {cpu: 100m, memory: 64Mi}}`

// TestEscapes: objects that once passed the rules unchecked. Each is run in
// enforce mode with the rules named; want lists parts of the results, in
// order, and after parts of the object once fixed.
func TestEscapes(t *testing.T) {
	tests := []struct {
		name  string
		rules []string
		obj   string
		want  []string // "error: path: message part" or "info: path"
		after []string
	}{
		// Storage.
		{"beta storage-class annotation on a claim", []string{"storage"},
			"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\n  annotations: {volume.beta.kubernetes.io/storage-class: fast}\nspec: {storageClassName: local-path, accessModes: [ReadWriteOnce]}\n",
			[]string{"info: metadata.annotations.volume.beta.kubernetes.io/storage-class"}, []string{"annotations: {}"}},
		{"beta annotation on a claim template", []string{"storage"},
			"apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  volumeClaimTemplates:\n  - metadata: {name: d, annotations: {volume.beta.kubernetes.io/storage-class: nfs}}\n    spec: {storageClassName: local-path}\n",
			[]string{"info: spec.volumeClaimTemplates[0].metadata.annotations.volume.beta.kubernetes.io/storage-class"}, nil},
		{"generic ephemeral volume", []string{"storage"},
			"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i:1}]\n      volumes:\n      - name: scratch\n        ephemeral:\n          volumeClaimTemplate:\n            spec: {storageClassName: nfs, accessModes: [ReadWriteMany]}\n",
			[]string{"info: spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName", "error: spec.template.spec.volumes[0].ephemeral.volumeClaimTemplate.spec.accessModes[0]"}, []string{"storageClassName: local-path"}},
		{"ephemeral volume in a bare pod", []string{"storage"},
			"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i:1}]\n  volumes:\n  - name: s\n    ephemeral: {volumeClaimTemplate: {spec: {}}}\n",
			[]string{"info: spec.volumes[0].ephemeral.volumeClaimTemplate.spec.storageClassName"}, nil},
		{"claim templates of a StatefulSet look-alike", []string{"storage"},
			"apiVersion: apps.kruise.io/v1beta1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  volumeClaimTemplates:\n  - metadata: {name: d}\n    spec: {storageClassName: ceph}\n",
			[]string{"info: spec.volumeClaimTemplates[0].spec.storageClassName"}, nil},
		{"HelmChart set overrides valuesContent", []string{"storage"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    persistence: {storageClass: local-path}\n  set:\n    persistence.storageClass: nfs\n    global.storageClass: fast\n    replicas: \"2\"\n",
			[]string{"info: spec.set.persistence.storageClass", "info: spec.set.global.storageClass"}, []string{"persistence.storageClass: local-path", "global.storageClass: local-path"}},
		{"HelmChart set with an index and an escaped dot", []string{"storage", "pullPolicy"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  set:\n    volumes[0].storageClassName: nfs\n    pullPolicy\\.note: x\n    a\\.b.pullPolicy: Always\n",
			[]string{"info: spec.set.volumes[0].storageClassName", "info: spec.set.a\\.b.pullPolicy"}, nil},
		{"pull policy in HelmChart set", []string{"pullPolicy"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  set: {image.pullPolicy: Always}\n",
			[]string{"info: spec.set.image.pullPolicy"}, []string{"image.pullPolicy: IfNotPresent"}},
		{"alias hides a storage class", []string{"storage"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    defaults: &d {storageClass: nfs}\n    persistence: *d\n",
			[]string{"error: spec.valuesContent: valuesContent uses a YAML alias (line 2 of the values), so it cannot be checked that sub-chart volumes"}, nil},
		{"merge key hides a pull policy", []string{"pullPolicy"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    base: &b {pullPolicy: IfNotPresent}\n    image:\n      <<: *b\n",
			[]string{"error: spec.valuesContent: valuesContent uses a YAML alias (line 3 of the values), so it cannot be checked that sub-chart images"}, nil},

		{"binary tag hides a storage class", []string{"storage"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    persistence:\n      storageClass: !!binary bmZz\n",
			[]string{"error: spec.valuesContent: valuesContent uses the YAML tag !!binary (line 2 of the values)"}, nil},
		{"core tags in valuesContent are fine", []string{"storage"},
			"apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: h}\nspec:\n  valuesContent: |\n    persistence:\n      storageClass: !!str local-path\n",
			nil, nil},

		// Pods the rules did not know.
		{"ReplicationController", []string{"pullPolicy"},
			"apiVersion: v1\nkind: ReplicationController\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i:1}]\n",
			[]string{"info: spec.template.spec.containers[0].imagePullPolicy"}, nil},
		{"Argo Rollout", []string{"pullPolicy"},
			"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i:1, imagePullPolicy: Always}]\n",
			[]string{"info: spec.template.spec.containers[0].imagePullPolicy"}, nil},
		{"Knative Service", []string{"pullPolicy"},
			"apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\nspec:\n  template:\n    spec:\n      containers: [{image: i:1}]\n",
			[]string{"info: spec.template.spec.containers[0].imagePullPolicy"}, nil},
		{"CronJob look-alike", []string{"pullPolicy"},
			"apiVersion: example.com/v1\nkind: ScheduledTask\nmetadata: {name: s}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: c, image: i:1}]\n",
			[]string{"info: spec.jobTemplate.spec.template.spec.containers[0].imagePullPolicy"}, nil},
		{"PodTemplate", []string{"pullPolicy", "resources"},
			"apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate:\n  spec:\n    containers: [{name: c, image: i:1, " + limited + "}]\n",
			[]string{"info: template.spec.containers[0].imagePullPolicy"}, nil},
		{"KubeVirt VirtualMachine", []string{"resources"},
			"apiVersion: kubevirt.io/v1\nkind: VirtualMachine\nmetadata: {name: vm}\nspec:\n  template:\n    spec:\n      domain: {devices: {gpus: [{name: g, deviceName: nvidia.com/GA102}]}}\n",
			[]string{"error: spec: kubevirt.io/v1 VirtualMachine makes pods from a KubeVirt virtual machine"}, nil},
		{"Argo Workflow", []string{"resources"},
			"apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  templates:\n  - name: t\n    container: {image: i:1}\n",
			[]string{"error: spec: argoproj.io/v1alpha1 Workflow makes pods from an Argo workflow"}, nil},
		{"containers nested where no rule looks", []string{"resources"},
			"apiVersion: example.com/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n  stages:\n  - podSpec:\n      containers: [{name: c, image: i:1}]\n",
			[]string{"error: spec: containers at spec.stages[0].podSpec.containers are outside the pod spec"}, nil},
		{"a second pod template beside the first", []string{"resources"},
			"apiVersion: example.com/v1\nkind: Pair\nmetadata: {name: p}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i:1, " + limited + "}]\n  sidecarTemplate:\n    spec:\n      containers: [{name: s, image: i:1}]\n",
			[]string{"error: spec: containers at spec.sidecarTemplate.spec.containers are outside the pod spec the rules check (spec.template.spec)"}, nil},
		{"a ConfigMap is not a workload", []string{"resources", "pullPolicy"},
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {containers: \"- image: x\"}\n",
			nil, nil},
		{"a Deployment of another group gets the default kind's resources", []string{"resources"},
			"apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: c, image: i:1}]\n",
			[]string{"info: spec.template.spec.containers[0].resources.requests.cpu"}, []string{"cpu: 7m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := yaml.MustParse(tt.obj)
			v := only(values.ModeEnforce, tt.rules...)
			v.ContainerDefaults["Deployment"] = mustResources(t, "9m")
			v.ContainerDefaults[values.DefaultKind] = mustResources(t, "7m")
			results, err := transformers.Run([]*yaml.RNode{obj}, &transformers.Env{Values: v}, false)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(results)
			if len(got) < len(tt.want) || (len(tt.want) == 0 && len(got) > 0) {
				t.Fatalf("results %q, want %q", got, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("result %d = %q, want %q...", i, got[i], w)
				}
			}
			s := obj.MustString()
			for _, a := range tt.after {
				if !strings.Contains(s, a) {
					t.Errorf("object lacks %q:\n%s", a, s)
				}
			}
		})
	}
}

func describe(results framework.Results) []string {
	var out []string
	for _, r := range results {
		path := ""
		if r.Field != nil {
			path = r.Field.Path
		}
		out = append(out, string(r.Severity)+": "+path+": "+strings.TrimPrefix(r.Message, "fixed: "))
	}
	return out
}

func mustResources(t *testing.T, cpu string) corev1.ResourceRequirements {
	t.Helper()
	l := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse("64Mi")}
	return corev1.ResourceRequirements{Requests: l, Limits: l}
}
