package values_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/values"
)

func load(t *testing.T, src string) (*values.Values, error) {
	t.Helper()
	doc, err := values.Parse("values.yaml", []byte(src))
	if err != nil {
		return nil, err
	}
	return values.Load(doc)
}

func TestDefaults(t *testing.T) {
	v, err := load(t, "global: {hostname: kasm.example.com}\nvdi:\n  templates: [{name: d, image: 'd:1'}]\n")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		field     string
		got, want any
	}{
		{"replicas", v.GPU.TimeSlicing.Replicas, 8},
		{"config map", v.GPU.TimeSlicing.ConfigMapName, "time-slicing-config"},
		{"failRequestsGreaterThanOne", *v.GPU.TimeSlicing.FailRequestsGreaterThanOne, true},
		{"pool replicas", v.GPU.NodePools[0].Replicas, 8},
		{"storage class", v.Global.StorageClass, "local-path"},
		{"postgres storage class", v.Postgres.Primary.Persistence.StorageClass, "local-path"},
		{"pull policy", string(v.Global.Image.PullPolicy), "IfNotPresent"},
		{"session cpu limit", v.VDI.Templates[0].Resources.Limits.Cpu().String(), "1"},
		{"session memory limit", v.VDI.Templates[0].Resources.Limits.Memory().String(), "4Gi"},
		{"session cpu request", v.VDI.Templates[0].Resources.Requests.Cpu().String(), "250m"},
		{"session memory request", v.VDI.Templates[0].Resources.Requests.Memory().String(), "1Gi"},
		{"session gpu", v.VDI.Templates[0].GPUs(), int64(1)},
		{"session host", v.Ingress.SessionHost, "sessions.kasm.example.com"},
		{"websocket timeout", v.Ingress.WebsocketTimeout, "3600s"},
		{"gpu-operator version", v.Charts.GPUOperator.Version, "v25.10.1"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s: %s", tt.field, diff)
		}
	}
}

// TestDefaultIsIdempotent: defaulting already defaulted values changes nothing.
func TestDefaultIsIdempotent(t *testing.T) {
	v, err := load(t, "global: {hostname: kasm.example.com}\nvdi:\n  templates: [{name: d, image: 'd:1', storage: {}}]\n")
	if err != nil {
		t.Fatal(err)
	}
	again := *v
	again.Default()
	if diff := cmp.Diff(v, &again); diff != "" {
		t.Error(diff)
	}
}

func TestGPULimitOnlyFillsRequest(t *testing.T) {
	v, err := load(t, `
global: {hostname: h}
gpu: {timeSlicing: {failRequestsGreaterThanOne: false}}
vdi:
  templates:
  - name: big
    image: d:1
    resources: {limits: {nvidia.com/gpu: 2}}
`)
	if err != nil {
		t.Fatal(err)
	}
	r := v.VDI.Templates[0].Resources
	if got := r.Requests.Name("nvidia.com/gpu", "").String(); got != "2" {
		t.Errorf("GPU request = %s, want the limit 2", got)
	}
}

// TestErrorsNameFieldAndLine checks the location of each kind of problem.
func TestErrorsNameFieldAndLine(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line path"
	}{
		{"unknown key", "global:\n  hostname: h\n  hostnme: x\n", []string{"3 global.hostnme"}},
		{"nested unknown key", "global: {hostname: h}\nvdi:\n  templates:\n  - name: a\n    image: a:1\n    imagePullPolicy: Always\n", []string{"6 vdi.templates[0].imagePullPolicy"}},
		{"wrong type", "global: {hostname: 42}\n", []string{"1 global.hostname"}},
		{"replicas", "global: {hostname: h}\ngpu:\n  timeSlicing:\n    replicas: 1\n", []string{"4 gpu.timeSlicing.replicas"}},
		{"missing hostname", "global: {}\n", []string{"1 global.hostname"}},
		{"bad duration", "global: {hostname: h}\ningress: {websocketTimeout: forever}\n", []string{"2 ingress.websocketTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, tt.src)
			var errs values.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("want values.Errors, got %v", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, strconv.Itoa(e.Line)+" "+e.Path)
				if e.File != "values.yaml" {
					t.Errorf("file %q", e.File)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

// TestNothingSilentlyDropped: values that used to vanish without a word.
func TestNothingSilentlyDropped(t *testing.T) {
	const head = "global: {hostname: kasm.example.com}\n"
	tpl := "vdi:\n  templates:\n  - {name: d, image: 'ghcr.io/x/d:1', resources: {limits: {cpu: '1', memory: 1Gi}}, %s}\n"
	for _, c := range []struct {
		name, src, want string // want: part of the error, or "" for none
	}{
		{"second document", head + "---\nglobal: {hostname: evil.example.com}\n", ":3: a values file holds one YAML document"},
		{"second document of a scalar", head + "---\nx\n", "second one would be ignored"},
		{"empty second document", head + "---\n", ""},
		{"trailing document marker", head + "...\n", ""},
		{"idle timeout overflows", head + "vdi:\n  sessionDefaults: {idleTimeout: 2562048h}\n", `vdi.sessionDefaults.idleTimeout: duration "2562048h" is too long`},
		{"longest idle timeout", head + "vdi:\n  sessionDefaults: {idleTimeout: 2562047h}\n", ""},
		{"session length overflows in nanoseconds", head + "vdi:\n  sessionDefaults: {maxSessionLength: 9223372036854775808ns}\n", "vdi.sessionDefaults.maxSessionLength"},
		{"sum overflows", head + "vdi:\n  sessionDefaults: {maxSessionLength: 2562047h2562047h}\n", "too long"},
		{"template timeout overflows", head + fmt.Sprintf(tpl, "idleTimeout: 99999999999m"), "vdi.templates[0].idleTimeout"},
		{"websocket timeout overflows", head + "ingress: {websocketTimeout: 999999999999s}\n", "ingress.websocketTimeout"},
		{"udp timeout overflows", head + "turn: {udpTimeout: 999999999999s}\n", "turn.udpTimeout"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.src)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}

// TestSecretsStayOut: template env can reference a Secret or ConfigMap
// key; a URL with credentials anywhere in the values is refused.
func TestSecretsStayOut(t *testing.T) {
	const head = "global: {hostname: kasm.example.com}\n"
	env := func(e string) string {
		return head + "vdi:\n  templates:\n  - name: d\n    image: 'ghcr.io/x/d:1'\n    resources: {limits: {cpu: '1', memory: 1Gi}}\n    env: [" + e + "]\n"
	}
	for _, c := range []struct {
		name, src, want string // want: part of the error, or "" for none
	}{
		{"plain value", env("{name: LANG, value: C.UTF-8}"), ""},
		{"empty value", env("{name: EMPTY, value: ''}"), ""},
		{"secret key", env("{name: PASSWORD, valueFrom: {secretKeyRef: {name: desktop-auth, key: password}}}"), ""},
		{"configmap key", env("{name: MODE, valueFrom: {configMapKeyRef: {name: desktop, key: tls.mode}}}"), ""},
		{"value and valueFrom", env("{name: P, value: x, valueFrom: {secretKeyRef: {name: s, key: k}}}"), "set value or valueFrom, not both"},
		{"neither", env("{name: P}"), "set value, or valueFrom.secretKeyRef"},
		{"two sources", env("{name: P, valueFrom: {secretKeyRef: {name: s, key: k}, configMapKeyRef: {name: s, key: k}}}"), "vdi.templates[0].env[0].valueFrom"},
		{"empty source", env("{name: P, valueFrom: {}}"), "vdi.templates[0].env[0].valueFrom"},
		{"secret name not DNS", env("{name: P, valueFrom: {secretKeyRef: {name: ../x, key: k}}}"), "secretKeyRef.name"},
		{"bad key", env("{name: P, valueFrom: {secretKeyRef: {name: s, key: 'a/b'}}}"), "secretKeyRef.key"},
		{"no key", env("{name: P, valueFrom: {secretKeyRef: {name: s}}}"), "secretKeyRef"},
		{"credentials in an env URL", env("{name: DB, value: 'postgres://kasm:hunter2@db:5432/kasm'}"), "vdi.templates[0].env[0].value: holds a URL with credentials"},
		{"credentials in a chart repo", head + "charts:\n  kasm: {repo: 'https://user:hunter2@charts.example.com/kasm'}\n", "charts.kasm.repo: holds a URL with credentials"},
		{"token as user in a chart repo", head + "charts:\n  redis: {repo: 'oci://t0ken@registry.example.com/charts'}\n", "charts.redis.repo"},
		{"plain chart repo", head + "charts:\n  kasm: {repo: 'https://charts.example.com/kasm@v1'}\n", ""},
		{"ssh remote is not a URL with credentials", env("{name: GIT, value: 'git@github.com:x/y.git'}"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.src)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "t0ken") {
				t.Errorf("the error quotes the credentials: %v", err)
			}
		})
	}
}

// TestTemplatesTakeTheDefaultHomeBound: vdi.sessionDefaults.storage.maxSize
// bounds the homes of templates that set none, where it is at least the
// template's size; a template's own bound stays.
func TestTemplatesTakeTheDefaultHomeBound(t *testing.T) {
	v, err := load(t, `global: {hostname: kasm.example.com}
vdi:
  sessionDefaults: {storage: {size: 10Gi, maxSize: 50Gi}}
  templates:
  - {name: plain, image: 'd:1', storage: {}}
  - {name: own, image: 'd:1', storage: {maxSize: 20Gi}}
  - {name: big, image: 'd:1', storage: {size: 80Gi}}
`)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"plain": "50Gi", "own": "20Gi", "big": ""}
	for _, tpl := range v.VDI.Templates {
		got := ""
		if m := tpl.Storage.MaxSize; m != nil {
			got = m.String()
		}
		if got != want[tpl.Name] {
			t.Errorf("%s: maxSize %q, want %q", tpl.Name, got, want[tpl.Name])
		}
	}
	if _, err := load(t, "global: {hostname: kasm.example.com}\nvdi: {sessionDefaults: {storage: {size: 10Gi, maxSize: 5Gi}}}\n"); err == nil || !strings.Contains(err.Error(), "vdi.sessionDefaults.storage.maxSize") {
		t.Errorf("a default bound below the default size: %v", err)
	}
}
