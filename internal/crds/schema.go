package crds

import (
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

// Small constructors that keep the schemas below readable.

func str(desc string) apiextv1.JSONSchemaProps {
	return apiextv1.JSONSchemaProps{Type: "string", Description: desc, MaxLength: ptr.To[int64](1024)}
}

func enum(desc string, values ...string) apiextv1.JSONSchemaProps {
	p := str(desc)
	for _, v := range values {
		p.Enum = append(p.Enum, apiextv1.JSON{Raw: []byte(`"` + v + `"`)})
	}
	return p
}

func integer(desc string, minimum, maximum float64) apiextv1.JSONSchemaProps {
	return apiextv1.JSONSchemaProps{Type: "integer", Format: "int32", Description: desc, Minimum: &minimum, Maximum: &maximum}
}

func boolean(desc string) apiextv1.JSONSchemaProps {
	return apiextv1.JSONSchemaProps{Type: "boolean", Description: desc}
}

func object(desc string, required []string, props map[string]apiextv1.JSONSchemaProps) apiextv1.JSONSchemaProps {
	return apiextv1.JSONSchemaProps{Type: "object", Description: desc, Required: required, Properties: props}
}

func array(desc string, maxItems int64, items apiextv1.JSONSchemaProps) apiextv1.JSONSchemaProps {
	return apiextv1.JSONSchemaProps{Type: "array", Description: desc, MaxItems: &maxItems, Items: &apiextv1.JSONSchemaPropsOrArray{Schema: &items}}
}

func stringMap(desc string, maxProps int64) apiextv1.JSONSchemaProps {
	s := str("")
	return apiextv1.JSONSchemaProps{Type: "object", Description: desc, MaxProperties: &maxProps, AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &s}}
}

// quantity is a Kubernetes resource quantity, written as a string or a number.
func quantity(desc string) apiextv1.JSONSchemaProps {
	return apiextv1.JSONSchemaProps{
		Description:  desc,
		XIntOrString: true,
		AnyOf:        []apiextv1.JSONSchemaProps{{Type: "integer"}, {Type: "string"}},
		Pattern:      `^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`,
	}
}

func quantityMap(desc string) apiextv1.JSONSchemaProps {
	q := quantity("")
	maxProps := int64(16)
	return apiextv1.JSONSchemaProps{Type: "object", Description: desc, MaxProperties: &maxProps, AdditionalProperties: &apiextv1.JSONSchemaPropsOrBool{Allows: true, Schema: &q}}
}

func duration(desc string) apiextv1.JSONSchemaProps {
	p := str(desc)
	p.Pattern = `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	p.MaxLength = ptr.To[int64](32)
	return p
}

func rule(expr, msg, field string) apiextv1.ValidationRule {
	return apiextv1.ValidationRule{Rule: expr, Message: msg, FieldPath: field}
}
