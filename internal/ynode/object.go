package ynode

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Object decodes one object's YAML into the map its JSON form holds, the
// shape client-go's unstructured objects take. Its errors are Decode's.
func Object(doc []byte) (map[string]any, error) {
	var m map[string]any
	if err := Decode(doc, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// Decode decodes YAML through its JSON form into v, as sigs.k8s.io/yaml
// does. That converter's errors quote the key and value it could not take,
// and encoding/json's quote numbers; in a Secret or in a chart's values
// those may be passwords. So an error here names the object (its kind and
// name when it has them) and the field, never the content.
func Decode(doc []byte, v any) error {
	err := sigsyaml.Unmarshal(doc, v)
	if err == nil {
		return nil
	}
	what := "this YAML"
	if n, perr := yaml.Parse(string(doc)); perr == nil && Scalar(n, "kind") != "" {
		what = Scalar(n, "kind") + " " + strings.TrimPrefix(Scalar(n, "metadata", "namespace")+"/"+Scalar(n, "metadata", "name"), "/")
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Errorf("%s: field %s must be a %s (its value is not quoted: it may be a secret)", what, typeErr.Field, typeErr.Type)
	}
	return fmt.Errorf("%s cannot be read as JSON: a key is not a string, or a value has no JSON form (its content is not quoted: it may hold a secret)", what)
}

// scalar is the text of the scalar at path, or "" where there is none:
// kyaml's GetKind and GetName panic on objects of the wrong shape, and
// the objects that reach Decode's error path are the ill-shaped ones.
func Scalar(obj *yaml.RNode, path ...string) string {
	if obj.YNode().Kind != yaml.MappingNode {
		return ""
	}
	n := Get(obj, path...)
	if n == nil || n.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return n.YNode().Value
}
