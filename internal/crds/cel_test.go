package crds_test

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/internal/crds"
)

// validator compiles a CRD's CEL rules with the API server's own code.
func validator(t *testing.T, crd *apiextv1.CustomResourceDefinition) (*cel.Validator, *schema.Structural) {
	t.Helper()
	var internal apiextensions.JSONSchemaProps
	if err := apiextv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(crd.Spec.Versions[0].Schema.OpenAPIV3Schema, &internal, nil); err != nil {
		t.Fatal(err)
	}
	s, err := schema.NewStructural(&internal)
	if err != nil {
		t.Fatal(err)
	}
	return cel.NewValidator(s, true, celconfig.PerCallLimit), s
}

// decode reads an object as the API server does: whole numbers become int64.
func decode(t *testing.T, obj string) map[string]any {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(obj))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := utiljson.Unmarshal(js, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCELRules(t *testing.T) {
	tests := []struct {
		name string
		crd  *apiextv1.CustomResourceDefinition
		obj  string
		old  string // the object before an update, "" on create
		want string // substring of the error, "" when valid
	}{
		{"template GPU request equals limit", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources:
    limits: {nvidia.com/gpu: 1}
    requests: {nvidia.com/gpu: 1}`, "", ""},
		{"template GPU limit only", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources:
    limits: {nvidia.com/gpu: "1"}`, "", ""},
		{"template GPU request differs from limit", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources:
    limits: {nvidia.com/gpu: 2}
    requests: {nvidia.com/gpu: 1}`, "", "nvidia.com/gpu requests must equal limits"},
		{"template GPU request without limit", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources:
    requests: {nvidia.com/gpu: 1}`, "", "nvidia.com/gpu requests must equal limits"},
		{"template storage on local-path", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources: {}
  storage: {size: 1Gi, mountPath: /home, storageClassName: local-path}`, "", ""},
		{"template storage elsewhere", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources: {}
  storage: {size: 1Gi, mountPath: /home, storageClassName: standard}`, "", "storageClassName must be local-path"},
		{"session storage elsewhere", crds.Session(), `
spec:
  template: t
  user: u
  storage: {storageClassName: standard}`, "", "storageClassName must be local-path"},
		{"session default storage", crds.Session(), `
spec:
  template: t
  user: u
  storage: {size: 5Gi}`, "", ""},
		{"template node selector value too long", crds.Template(), `
spec:
  image: desktop:1
  streaming: {protocol: webrtc, port: 8080}
  resources: {}
  nodeSelector: {pool: ` + strings.Repeat("x", 1025) + `}`, "", "nodeSelector values must be at most 1024 characters"},
		{"session template unchanged", crds.Session(), `
spec: {template: t, user: u, persistent: true}`, `
spec: {template: t, user: u}`, ""},
		{"session template changed", crds.Session(), `
spec: {template: other, user: u}`, `
spec: {template: t, user: u}`, "template is immutable"},
		{"session condition message at the limit", crds.Session(), `
spec: {template: t, user: u}
status:
  conditions:
  - {type: Ready, status: "False", reason: PodFailed, lastTransitionTime: "2026-01-01T00:00:00Z", message: ` + strings.Repeat("x", 1024) + `}`, "", ""},
		{"session condition message too long", crds.Session(), `
spec: {template: t, user: u}
status:
  conditions:
  - {type: Ready, status: "False", reason: PodFailed, lastTransitionTime: "2026-01-01T00:00:00Z", message: ` + strings.Repeat("x", 1025) + `}`, "", "condition messages must be at most 1024 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, s := validator(t, tt.crd)
			obj := decode(t, tt.obj)
			var old any
			if tt.old != "" {
				old = decode(t, tt.old)
			}
			errs, _ := v.Validate(context.Background(), nil, s, obj, old, celconfig.RuntimeCELCostBudget)
			got := errs.ToAggregate()
			switch {
			case tt.want == "" && got != nil:
				t.Errorf("want valid, got %v", got)
			case tt.want != "" && (got == nil || !strings.Contains(got.Error(), tt.want)):
				t.Errorf("want error containing %q, got %v", tt.want, got)
			}
		})
	}
}
