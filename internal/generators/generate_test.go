package generators_test

import (
	"path"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/values"
)

const base = `
global:
  hostname: kasm.example.com
  storageClass: local-path
  image: {pullPolicy: IfNotPresent}
  ingress: {enabled: false}
postgres:
  primary:
    persistence: {storageClass: local-path}
    resources: {limits: {cpu: 500m, memory: 1Gi}}
redis:
  resources: {limits: {cpu: 200m, memory: 512Mi}}
kasmManager:
  resources: {limits: {cpu: 900m, memory: 2Gi}}
kasmApi:
  resources: {limits: {cpu: 400m, memory: 1Gi}}
`

// load loads a values document; it must be valid.
func load(t *testing.T, src string) *values.Values {
	t.Helper()
	v, err := values.LoadFile("values.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// platform renders values and returns each object as YAML keyed by kind/name.
func platform(t *testing.T, src string) map[string]string {
	t.Helper()
	v := load(t, src)
	out := map[string]string{}
	for _, o := range generators.Platform(v) {
		b, err := sigsyaml.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := sigsyaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out[m.Kind+"/"+m.Metadata.Name] = string(b)
	}
	return out
}

// TestKasmValuesReachChartKeys changes each value people write for Kasm and
// checks that the change shows up under the pinned chart's real key.
func TestKasmValuesReachChartKeys(t *testing.T) {
	tests := []struct {
		name, from, to, object, want string
	}{
		{"hostname", "hostname: kasm.example.com", "hostname: desk.example.net", "HelmChart/kasm", "publicAddr: desk.example.net"},
		{"hostname routes", "hostname: kasm.example.com", "hostname: desk.example.net", "IngressRoute/kasm", "Host(`desk.example.net`)"},
		{"storage class", "  storageClass: local-path\n  image", "  storageClass: fast-local\n  image", "HelmChart/redis", "storageClass: fast-local"},
		{"pull policy", "pullPolicy: IfNotPresent", "pullPolicy: Always", "HelmChart/kasm", "imagePullPolicy: Always"},
		{"ingress enabled", "ingress: {enabled: false}", "ingress: {enabled: true}", "HelmChart/kasm", "ingressClassName: traefik"},
		{"postgres storage class", "persistence: {storageClass: local-path}", "persistence: {storageClass: other}", "HelmChart/postgresql", "storageClass: other"},
		{"postgres resources", "cpu: 500m, memory: 1Gi", "cpu: 700m, memory: 1Gi", "HelmChart/postgresql", "cpu: 700m"},
		{"redis resources", "cpu: 200m, memory: 512Mi", "cpu: 300m, memory: 512Mi", "HelmChart/redis", "cpu: 300m"},
		{"manager resources", "cpu: 900m, memory: 2Gi", "cpu: 800m, memory: 2Gi", "HelmChart/kasm", "cpu: 800m"},
		{"api resources", "cpu: 400m, memory: 1Gi", "cpu: 300m, memory: 1Gi", "HelmChart/kasm", "cpu: 300m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.from) {
				t.Fatalf("base values lack %q", tt.from)
			}
			// The rules only warn: a storage class or pull policy they would
			// rewrite is an error under enforce, and this is about the keys.
			const audit = "rules: {storage: audit, pullPolicy: audit}\n"
			before := platform(t, base+audit)[tt.object]
			after := platform(t, strings.Replace(base, tt.from, tt.to, 1)+audit)[tt.object]
			if before == after {
				t.Fatalf("changing %s did not change %s", tt.name, tt.object)
			}
			if !strings.Contains(after, tt.want) {
				t.Errorf("%s lacks %q:\n%s", tt.object, tt.want, after)
			}
		})
	}
}

func TestIngressDisabledKeepsRoute(t *testing.T) {
	if _, ok := platform(t, base)["IngressRoute/kasm"]; !ok {
		t.Error("no Kasm IngressRoute when the chart's Ingress is off")
	}
	if _, ok := platform(t, strings.Replace(base, "ingress: {enabled: false}", "ingress: {enabled: true}", 1))["IngressRoute/kasm"]; ok {
		t.Error("Kasm IngressRoute rendered beside the chart's own Ingress")
	}
}

func TestTimeSlicing(t *testing.T) {
	objs := platform(t, base+`
gpu:
  timeSlicing: {replicas: 4}
  nodePools:
  - {name: big, nodes: 1, gpusPerNode: 2, replicas: 10}
`)
	cm := objs["ConfigMap/time-slicing-config"]
	for _, want := range []string{"namespace: gpu-operator", "default: |", "big: |", "replicas: 4", "replicas: 10", "renameByDefault: false", "version: v1", "name: nvidia.com/gpu"} {
		if !strings.Contains(cm, want) {
			t.Errorf("ConfigMap lacks %q:\n%s", want, cm)
		}
	}
	hc := objs["HelmChart/gpu-operator"]
	for _, want := range []string{"name: time-slicing-config", "default: default", "CONTAINERD_SOCKET", "/run/k3s/containerd/containerd.sock", "version: v25.10.1"} {
		if !strings.Contains(hc, want) {
			t.Errorf("gpu-operator HelmChart lacks %q", want)
		}
	}
	if _, ok := objs["ClusterPolicy/cluster-policy"]; ok {
		t.Error("ClusterPolicy patch rendered while installing gpu-operator")
	}

	existing := platform(t, base+"gpu: {operator: {mode: existing}}\n")
	if _, ok := existing["HelmChart/gpu-operator"]; ok {
		t.Error("gpu-operator HelmChart rendered for an existing operator")
	}
	if cp := existing["ClusterPolicy/cluster-policy"]; !strings.Contains(cp, "default: default") || !strings.Contains(cp, "name: time-slicing-config") {
		t.Errorf("ClusterPolicy patch:\n%s", cp)
	}
}

func TestTraefik(t *testing.T) {
	objs := platform(t, base+"ingress: {websocketTimeout: 7200s}\n")
	hcc := objs["HelmChartConfig/traefik"]
	for _, want := range []string{"namespace: kube-system", "readTimeout: 7200s", "protocol: UDP", "port: 3478", "--entryPoints.turn.udp.timeout=60s"} {
		if !strings.Contains(hcc, want) {
			t.Errorf("HelmChartConfig lacks %q:\n%s", want, hcc)
		}
	}
	if udp := objs["IngressRouteUDP/coturn"]; !strings.Contains(udp, "coturn-turn-udp") {
		t.Errorf("IngressRouteUDP:\n%s", udp)
	}
	noTurn := platform(t, base+"turn: {enabled: false}\n")
	if _, ok := noTurn["IngressRouteUDP/coturn"]; ok {
		t.Error("UDP route without TURN")
	}
	if strings.Contains(noTurn["HelmChartConfig/traefik"], "UDP") {
		t.Error("UDP entrypoint without TURN")
	}
}

func TestMonitoringAndPrepull(t *testing.T) {
	off := platform(t, base+"vdi:\n  templates: [{name: d, image: 'desk:1.0'}]\n")
	if _, ok := off["PrometheusRule/vdi-session-startup"]; ok {
		t.Error("PrometheusRule without monitoring")
	}
	if _, ok := off["DaemonSet/vdi-image-prepull"]; ok {
		t.Error("pre-pull DaemonSet without prepull")
	}
	on := platform(t, base+"vdi:\n  monitoring: {enabled: true}\n  prepull: {enabled: true}\n  templates: [{name: d, image: 'desk:1.0'}, {name: e, image: 'kasm:2.0'}, {name: f, image: 'desk:1.0'}]\n")
	rule := on["PrometheusRule/vdi-session-startup"]
	var pr struct {
		Spec struct {
			Groups []struct {
				Rules []struct{ Expr string }
			}
		}
	}
	if err := sigsyaml.Unmarshal([]byte(rule), &pr); err != nil {
		t.Fatal(err)
	}
	if len(pr.Spec.Groups) != 1 || pr.Spec.Groups[0].Rules[0].Expr != "histogram_quantile(0.95, sum(rate(session_startup_seconds_bucket[10m])) by (le)) > 30" {
		t.Errorf("PrometheusRule:\n%s", rule)
	}
	ds := on["DaemonSet/vdi-image-prepull"]
	if strings.Count(ds, "image: desk:1.0") != 1 || strings.Count(ds, "image: kasm:2.0") != 1 || !strings.Contains(ds, "nvidia.com/gpu.count") {
		t.Errorf("pre-pull DaemonSet:\n%s", ds)
	}
}

// TestOperatorConfig checks that the operator's ConfigMap holds the
// platform's own rules, defaults and pools, loads with the values loader,
// and is mounted where the Deployment's --config looks.
func TestOperatorConfig(t *testing.T) {
	src := base + `rules: {pullPolicy: audit, gpu: "off"}
containerDefaults:
  Pod: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 200m, memory: 256Mi}}
gpu:
  timeSlicing: {failRequestsGreaterThanOne: false}
  nodePools: [{name: fast, nodes: 2, gpusPerNode: 1, replicas: 4}]
vdi:
  namespace: vdi-ops
  sessionDefaults: {idleTimeout: 10m}
`
	v := load(t, src)
	var cm *corev1.ConfigMap
	var dep *appsv1.Deployment
	for _, o := range generators.Operator(v) {
		switch o := o.(type) {
		case *corev1.ConfigMap:
			cm = o
		case *appsv1.Deployment:
			dep = o
		}
	}
	if cm == nil || dep == nil {
		t.Fatal("no ConfigMap or no Deployment among the operator's objects")
	}
	if cm.Name != generators.OperatorConfigName || cm.Namespace != "vdi-ops" {
		t.Errorf("ConfigMap %s/%s", cm.Namespace, cm.Name)
	}
	loaded, err := values.LoadFile("config.yaml", []byte(cm.Data[values.ConfigMapKey]))
	if err != nil {
		t.Fatalf("the config does not load: %v\n%s", err, cm.Data[values.ConfigMapKey])
	}
	got := loaded.OperatorConfig()
	podLimits := got.ContainerDefaults["Pod"].Limits
	if d := cmp.Diff(v.OperatorConfig(), got); d != "" {
		t.Errorf("config (-values +config):\n%s", d)
	}
	if got.Rules != (values.Rules{Storage: "enforce", PullPolicy: "audit", Resources: "enforce", GPU: "off", Pinning: "enforce"}) ||
		*got.GPU.TimeSlicing.FailRequestsGreaterThanOne || got.GPU.NodePools[0].Name != "fast" ||
		got.VDI.SessionDefaults.IdleTimeout != "10m" || podLimits.Cpu().String() != "200m" {
		t.Errorf("config lost the platform's values: %+v", got)
	}
	// Marshalled twice, the same bytes.
	if again := generators.OperatorConfig(v); again.Data[values.ConfigMapKey] != cm.Data[values.ConfigMapKey] {
		t.Error("the config is not deterministic")
	}

	spec := dep.Spec.Template.Spec
	c := spec.Containers[0]
	var configArg string
	for _, a := range c.Args {
		if p, ok := strings.CutPrefix(a, "--config="); ok {
			configArg = p
		}
	}
	if configArg != generators.OperatorConfigPath {
		t.Errorf("--config=%q, want %q", configArg, generators.OperatorConfigPath)
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		for _, vol := range spec.Volumes {
			if vol.Name == m.Name && vol.ConfigMap != nil && vol.ConfigMap.Name == cm.Name && m.SubPath == "" && m.ReadOnly &&
				path.Join(m.MountPath, values.ConfigMapKey) == configArg {
				mounted = true
			}
		}
	}
	if !mounted {
		t.Errorf("the Deployment does not mount %s as a directory at %s: %+v %+v", cm.Name, path.Dir(configArg), c.VolumeMounts, spec.Volumes)
	}
}
