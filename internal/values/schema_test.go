package values

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/vdirender/vdirender/schemas"
)

// TestSchemaMatchesTypes keeps schemas/values.schema.json and the Values
// struct in step: every field is in both, so the schema can reject unknown
// keys without rejecting real ones.
func TestSchemaMatchesTypes(t *testing.T) {
	var root map[string]any
	if err := json.Unmarshal(schemas.Values, &root); err != nil {
		t.Fatal(err)
	}
	defs := root["$defs"].(map[string]any)
	resolve := func(s map[string]any) map[string]any {
		for {
			ref, ok := s["$ref"].(string)
			if !ok {
				return s
			}
			s = defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
		}
	}
	leaves := map[reflect.Type]bool{
		reflect.TypeOf(corev1.ResourceRequirements{}): true,
		reflect.TypeOf(resource.Quantity{}):           true,
	}
	var walk func(path string, typ reflect.Type, s map[string]any)
	walk = func(path string, typ reflect.Type, s map[string]any) {
		s = resolve(s)
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if leaves[typ] {
			return
		}
		switch typ.Kind() {
		case reflect.Slice:
			items, ok := s["items"].(map[string]any)
			if !ok {
				t.Errorf("%s: schema has no items", path)
				return
			}
			walk(path+"[]", typ.Elem(), items)
		case reflect.Struct:
			if s["additionalProperties"] != false {
				t.Errorf("%s: schema must set additionalProperties: false", path)
			}
			props, _ := s["properties"].(map[string]any)
			seen := map[string]bool{}
			for i := 0; i < typ.NumField(); i++ {
				f := typ.Field(i)
				name := strings.Split(f.Tag.Get("json"), ",")[0]
				seen[name] = true
				ps, ok := props[name].(map[string]any)
				if !ok {
					t.Errorf("%s.%s: in the Go type but not in the schema", path, name)
					continue
				}
				walk(path+"."+name, f.Type, ps)
			}
			var extra []string
			for name := range props {
				if !seen[name] {
					extra = append(extra, name)
				}
			}
			sort.Strings(extra)
			for _, name := range extra {
				t.Errorf("%s.%s: in the schema but not in the Go type", path, name)
			}
		}
	}
	walk("", reflect.TypeOf(Values{}), root)
}
