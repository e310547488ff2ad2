// Package generators turns typed values into typed Kubernetes objects. Each
// file renders one part of the platform; every function is pure: the same
// values give the same objects.
package generators

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vdirender/vdirender/internal/values"
)

// Labels every generated object carries. ManagedBy also tells the KRM
// function which items it owns and may replace on the next render.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedBy      = "vdirender"
	PartOfLabel    = "app.kubernetes.io/part-of"
	PartOf         = "vdi-platform"
	ComponentLabel = "app.kubernetes.io/component"
	NameLabel      = "app.kubernetes.io/name"
)

// Platform renders every object of the platform, part by part.
func Platform(v *values.Values) []any {
	var out []any
	for _, part := range []func(*values.Values) []any{
		CRDs, Namespaces, Operator, Login, Admission, GPU, Ingress, Certificates, Charts, Sessions, Monitoring,
	} {
		out = append(out, part(v)...)
	}
	return out
}

func meta(name, namespace, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: namespace,
		Labels: map[string]string{
			NameLabel:      name,
			ComponentLabel: component,
			PartOfLabel:    PartOf,
			ManagedByLabel: ManagedBy,
		},
	}
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}
