package crds_test

import (
	"context"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"

	"github.com/vdirender/vdirender/internal/crds"
)

// TestCRDsPassAPIServerValidation runs the API server's own CRD validation:
// structural schema, CEL compilation and cost estimates, printer columns.
func TestCRDsPassAPIServerValidation(t *testing.T) {
	for _, crd := range crds.All() {
		t.Run(crd.Name, func(t *testing.T) {
			in := crd.DeepCopy()
			apiextv1.SetObjectDefaults_CustomResourceDefinition(in)
			var internal apiextensions.CustomResourceDefinition
			if err := apiextv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(in, &internal, nil); err != nil {
				t.Fatal(err)
			}
			if errs := validation.ValidateCustomResourceDefinition(context.Background(), &internal); len(errs) > 0 {
				for _, e := range errs {
					t.Error(e)
				}
			}
		})
	}
}

// TestCRDNames checks the names users type.
func TestCRDNames(t *testing.T) {
	tests := []struct {
		crd               *apiextv1.CustomResourceDefinition
		name, kind, short string
		status            bool
	}{
		{crds.Template(), "vditemplates.vdi.vdirender.dev", "VDITemplate", "vdit", true}, // the warm pool's counts
		{crds.Session(), "vdisessions.vdi.vdirender.dev", "VDISession", "vdis", true},
	}
	for _, tt := range tests {
		if tt.crd.Name != tt.name || tt.crd.Spec.Names.Kind != tt.kind || tt.crd.Spec.Names.ShortNames[0] != tt.short {
			t.Errorf("got %s %s %v", tt.crd.Name, tt.crd.Spec.Names.Kind, tt.crd.Spec.Names.ShortNames)
		}
		v := tt.crd.Spec.Versions[0]
		if got := v.Subresources != nil && v.Subresources.Status != nil; got != tt.status {
			t.Errorf("%s status subresource = %v, want %v", tt.name, got, tt.status)
		}
		if len(v.AdditionalPrinterColumns) == 0 {
			t.Errorf("%s has no printer columns", tt.name)
		}
		if got := tt.crd.Spec.Names.Categories; len(got) != 1 || got[0] != "vdi" {
			t.Errorf("%s categories = %v, want [vdi]", tt.name, got)
		}
		if _, ok := tt.crd.Annotations[crds.VersionAnnotation]; ok {
			t.Errorf("%s keeps the %s annotation", tt.name, crds.VersionAnnotation)
		}
	}
}
