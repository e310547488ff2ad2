// Package crds gives the CustomResourceDefinitions of the VDI operator's API
// as typed apiextensions objects. They are generated: controller-gen writes
// them from the markers on the Go types in api/v1alpha1 (`make generate`)
// into schemas/crds/, which this package decodes. The schemas carry the CEL
// rules that keep GPU requests equal to limits and volumes on local-path,
// the printer columns, the status subresource and the short names.
package crds

import (
	"fmt"
	"sync"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/vdirender/vdirender/schemas"
)

// VersionAnnotation is the annotation in which controller-gen records its
// version. It is left out of the rendered CRDs, which thus stay the same
// across controller-gen releases that generate the same schema.
const VersionAnnotation = "controller-gen.kubebuilder.io/version"

var (
	template = sync.OnceValues(func() (*apiextv1.CustomResourceDefinition, error) { return decode(schemas.TemplateCRD) })
	session  = sync.OnceValues(func() (*apiextv1.CustomResourceDefinition, error) { return decode(schemas.SessionCRD) })
)

// decode reads one generated CRD, refusing fields that the typed object
// does not have.
func decode(b []byte) (*apiextv1.CustomResourceDefinition, error) {
	var crd apiextv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(b, &crd); err != nil {
		return nil, err
	}
	delete(crd.Annotations, VersionAnnotation)
	if len(crd.Annotations) == 0 {
		crd.Annotations = nil
	}
	return &crd, nil
}

// must returns a fresh copy of a decoded CRD. The YAML is embedded and
// checked by the tests, so a decoding error is a build defect.
func must(f func() (*apiextv1.CustomResourceDefinition, error)) *apiextv1.CustomResourceDefinition {
	crd, err := f()
	if err != nil {
		panic(fmt.Sprintf("crds: embedded CRD does not decode: %v", err))
	}
	return crd.DeepCopy()
}

// All returns the CRDs in a fixed order.
func All() []*apiextv1.CustomResourceDefinition {
	return []*apiextv1.CustomResourceDefinition{Template(), Session()}
}

// Template is the VDITemplate CRD.
func Template() *apiextv1.CustomResourceDefinition { return must(template) }

// Session is the VDISession CRD.
func Session() *apiextv1.CustomResourceDefinition { return must(session) }
