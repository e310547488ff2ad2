package schemas_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/schemas"
)

// compilePlatform compiles the VDIPlatform schema with no loader at all: it
// must be self-contained, as an offline validator or editor sees it.
func compilePlatform(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := schemas.Platform()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(jsonschema.SchemeURLLoader{})
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(schemas.PlatformURL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schemas.PlatformURL)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateYAML(sch *jsonschema.Schema, y []byte) error {
	js, err := sigsyaml.YAMLToJSON(y)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// TestPlatformSchemaAcceptsExamples: every VDIPlatform of the examples, and
// of the kpt test package, is valid.
func TestPlatformSchemaAcceptsExamples(t *testing.T) {
	sch := compilePlatform(t)
	files, err := filepath.Glob("../examples/*/platform.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("examples: %v %v", files, err)
	}
	files = append(files, "../testdata/kpt/platform.yaml")
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte("kind: VDIPlatform")) {
				t.Fatal("not a VDIPlatform")
			}
			if err := validateYAML(sch, b); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestPlatformSchemaRejects: what vdirender, kpt or kustomize would refuse.
func TestPlatformSchemaRejects(t *testing.T) {
	sch := compilePlatform(t)
	const head = "apiVersion: config.vdirender.dev/v1alpha1\nkind: VDIPlatform\nmetadata:\n  name: p\n"
	if err := validateYAML(sch, []byte(head+"spec:\n  global: {hostname: kasm.example.com}\n")); err != nil {
		t.Fatalf("the smallest VDIPlatform is refused: %v", err)
	}
	for _, tt := range []struct {
		name, doc, at string
	}{
		{"wrong kind", strings.Replace(head, "VDIPlatform", "Platform", 1) + "spec: {global: {hostname: h}}\n", "/kind"},
		{"wrong apiVersion", strings.Replace(head, "v1alpha1", "v1", 1) + "spec: {global: {hostname: h}}\n", "/apiVersion"},
		{"unknown spec key", head + "spec:\n  global: {hostname: h}\n  gpus: {}\n", "/spec"},
		{"unknown nested spec key", head + "spec:\n  global: {hostname: h, hostnme: x}\n", "/spec/global"},
		{"no spec", head, ""},
		{"spec without hostname", head + "spec: {global: {}}\n", "/spec/global"},
		{"no name", "apiVersion: config.vdirender.dev/v1alpha1\nkind: VDIPlatform\nmetadata: {}\nspec: {global: {hostname: h}}\n", "/metadata"},
		{"unknown top-level key", head + "spec: {global: {hostname: h}}\nsepc: {}\n", ""},
		{"annotation not a string", head + "  annotations: {config.kubernetes.io/local-config: true}\nspec: {global: {hostname: h}}\n", "/metadata/annotations/config.kubernetes.io~1local-config"},
		{"pull policy the rule overrides", head + "spec: {global: {hostname: h, image: {pullPolicy: Always}}}\n", "/spec/global/image/pullPolicy"},
		{"bad value in a shared definition", head + "spec: {global: {hostname: h}, vdi: {sessionDefaults: {idleTimeout: forever}}}\n", "/spec/vdi/sessionDefaults/idleTimeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := validateYAML(sch, []byte(tt.doc))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), "'"+tt.at+"'") {
				t.Errorf("want an error at %q, got %v", tt.at, err)
			}
		})
	}
}

// TestPlatformSpecIsTheValuesSchema: the spec is the values schema itself,
// not a copy that could drift: its root and definitions are the same.
func TestPlatformSpecIsTheValuesSchema(t *testing.T) {
	b, err := schemas.Platform()
	if err != nil {
		t.Fatal(err)
	}
	var platform, values map[string]any
	if err := json.Unmarshal(b, &platform); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(schemas.Values, &values); err != nil {
		t.Fatal(err)
	}
	spec := platform["properties"].(map[string]any)["spec"].(map[string]any)
	if !reflect.DeepEqual(platform["$defs"], values["$defs"]) {
		t.Error("$defs differ from the values schema's")
	}
	for _, k := range []string{"$schema", "$id", "$defs", "description"} {
		delete(values, k)
	}
	delete(spec, "description")
	if !reflect.DeepEqual(spec, values) {
		t.Error("spec differs from the values schema's root")
	}
	if platform["$id"] != schemas.PlatformURL {
		t.Errorf("$id %v", platform["$id"])
	}
}
