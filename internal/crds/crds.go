// Package crds builds the CustomResourceDefinitions of the VDI operator's API
// as typed apiextensions objects: structural schemas, CEL rules that keep GPU
// requests equal to limits and volumes on local-path, printer columns, the
// status subresource and short names.
package crds

import (
	"strings"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// All returns the CRDs in a fixed order.
func All() []*apiextv1.CustomResourceDefinition {
	return []*apiextv1.CustomResourceDefinition{Template(), Session()}
}

// gpuRule keeps nvidia.com/gpu requests equal to limits: the API server
// refuses Pods otherwise, so the template must not admit the mismatch.
const gpuRule = `!has(self.requests) || !('nvidia.com/gpu' in self.requests) || (has(self.limits) && 'nvidia.com/gpu' in self.limits && string(self.requests['nvidia.com/gpu']) == string(self.limits['nvidia.com/gpu']))`

func resources() apiextv1.JSONSchemaProps {
	r := object("CPU, memory and nvidia.com/gpu of the desktop container. A GPU request must equal its limit.", nil, map[string]apiextv1.JSONSchemaProps{
		"limits":   quantityMap("Maximum resources; nvidia.com/gpu counts time-slices."),
		"requests": quantityMap("Requested resources."),
	})
	r.XValidations = apiextv1.ValidationRules{rule(gpuRule, "nvidia.com/gpu requests must equal limits", ".requests")}
	return r
}

func storageClassRule() apiextv1.ValidationRules {
	return apiextv1.ValidationRules{rule(`!has(self.storageClassName) || self.storageClassName == 'local-path'`, "storageClassName must be local-path: session volumes are node-local on K3s", ".storageClassName")}
}

func templateSpec() apiextv1.JSONSchemaProps {
	storage := object("Persistent home volume of each session.", []string{"size", "mountPath"}, map[string]apiextv1.JSONSchemaProps{
		"size":             quantity("Volume size, e.g. 20Gi."),
		"mountPath":        str("Where the volume is mounted in the desktop."),
		"storageClassName": str("Always local-path."),
	})
	storage.XValidations = storageClassRule()
	toleration := object("", nil, map[string]apiextv1.JSONSchemaProps{
		"key":               str(""),
		"operator":          enum("", "Exists", "Equal"),
		"value":             str(""),
		"effect":            enum("", "NoSchedule", "PreferNoSchedule", "NoExecute"),
		"tolerationSeconds": {Type: "integer", Format: "int64"},
	})
	return object("What every session of this template gets.", []string{"image", "resources", "streaming"}, map[string]apiextv1.JSONSchemaProps{
		"displayName":     str("Name shown to users."),
		"image":           str("Desktop image, pinned by tag or digest."),
		"imagePullPolicy": enum("", "IfNotPresent", "Always", "Never"),
		"resources":       resources(),
		"env": array("Environment of the desktop container.", 128, object("", []string{"name", "value"}, map[string]apiextv1.JSONSchemaProps{
			"name": str(""), "value": str(""),
		})),
		"streaming": object("How the desktop reaches the browser.", []string{"protocol", "port"}, map[string]apiextv1.JSONSchemaProps{
			"protocol": enum("webrtc (Selkies, needs TURN) or websocket (KasmVNC, Selkies websockets mode).", "webrtc", "websocket"),
			"port":     integer("Container port of the stream.", 1, 65535),
			"encoder":  str("Video encoder, e.g. nvh264enc."),
		}),
		"storage":          storage,
		"idleTimeout":      duration("End a session after this long without input."),
		"maxSessionLength": duration("End a session after this long in any case."),
		"nodeSelector":     stringMap("Nodes the sessions may run on.", 32),
		"tolerations":      array("", 32, toleration),
		"runtimeClassName": str("RuntimeClass of GPU desktops; nvidia on K3s."),
	})
}

func sessionSpec() apiextv1.JSONSchemaProps {
	storage := object("Overrides the template's volume.", nil, map[string]apiextv1.JSONSchemaProps{
		"size":             quantity("Volume size."),
		"storageClassName": str("Always local-path."),
	})
	storage.XValidations = storageClassRule()
	spec := object("Which desktop, for whom.", []string{"template", "user"}, map[string]apiextv1.JSONSchemaProps{
		"template":   str("Name of a VDITemplate in this namespace."),
		"user":       str("The user the desktop belongs to."),
		"persistent": boolean("Keep the home volume after the session ends."),
		"storage":    storage,
	})
	spec.XValidations = apiextv1.ValidationRules{rule(`self.template == oldSelf.template`, "template is immutable", ".template")}
	return spec
}

func sessionStatus() apiextv1.JSONSchemaProps {
	condition := object("", []string{"type", "status", "lastTransitionTime", "reason", "message"}, map[string]apiextv1.JSONSchemaProps{
		"type":               str(""),
		"status":             enum("", "True", "False", "Unknown"),
		"observedGeneration": {Type: "integer", Format: "int64", Minimum: ptrFloat(0)},
		"lastTransitionTime": {Type: "string", Format: "date-time"},
		"reason":             str(""),
		"message":            str(""),
	})
	conds := array("", 16, condition)
	conds.XListType = ptrString("map")
	conds.XListMapKeys = []string{"type"}
	return object("What is happening to the session.", nil, map[string]apiextv1.JSONSchemaProps{
		"phase":      enum("", v1alpha1.PhasePending, v1alpha1.PhaseScheduling, v1alpha1.PhaseStarting, v1alpha1.PhaseRunning, v1alpha1.PhaseFailed, v1alpha1.PhaseTerminated),
		"conditions": conds,
		"url":        str("Where the user reaches the desktop."),
		"startTime":  {Type: "string", Format: "date-time"},
		"nodeName":   str(""),
	})
}

func ptrFloat(f float64) *float64 { return &f }
func ptrString(s string) *string  { return &s }

func crd(plural, kind, short string, spec, status *apiextv1.JSONSchemaProps, columns []apiextv1.CustomResourceColumnDefinition) *apiextv1.CustomResourceDefinition {
	props := map[string]apiextv1.JSONSchemaProps{
		"apiVersion": {Type: "string"},
		"kind":       {Type: "string"},
		"metadata":   {Type: "object"},
		"spec":       *spec,
	}
	version := apiextv1.CustomResourceDefinitionVersion{
		Name: v1alpha1.Version, Served: true, Storage: true,
		Schema:                   &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{Type: "object", Required: []string{"spec"}, Properties: props}},
		AdditionalPrinterColumns: columns,
	}
	if status != nil {
		props["status"] = *status
		version.Subresources = &apiextv1.CustomResourceSubresources{Status: &apiextv1.CustomResourceSubresourceStatus{}}
	}
	return &apiextv1.CustomResourceDefinition{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + v1alpha1.Group},
		Spec: apiextv1.CustomResourceDefinitionSpec{
			Group: v1alpha1.Group,
			Names: apiextv1.CustomResourceDefinitionNames{
				Plural: plural, Singular: strings.ToLower(kind), Kind: kind, ListKind: kind + "List",
				ShortNames: []string{short}, Categories: []string{"vdi"},
			},
			Scope:    apiextv1.NamespaceScoped,
			Versions: []apiextv1.CustomResourceDefinitionVersion{version},
		},
	}
}

// Template is the VDITemplate CRD.
func Template() *apiextv1.CustomResourceDefinition {
	spec := templateSpec()
	return crd(v1alpha1.TemplatePlural, v1alpha1.TemplateKind, "vdit", &spec, nil, []apiextv1.CustomResourceColumnDefinition{
		{Name: "Image", Type: "string", JSONPath: ".spec.image"},
		{Name: "Protocol", Type: "string", JSONPath: ".spec.streaming.protocol"},
		{Name: "GPU", Type: "string", JSONPath: ".spec.resources.limits.nvidia\\.com/gpu"},
		{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
	})
}

// Session is the VDISession CRD.
func Session() *apiextv1.CustomResourceDefinition {
	spec, status := sessionSpec(), sessionStatus()
	return crd(v1alpha1.SessionPlural, v1alpha1.SessionKind, "vdis", &spec, &status, []apiextv1.CustomResourceColumnDefinition{
		{Name: "User", Type: "string", JSONPath: ".spec.user"},
		{Name: "Template", Type: "string", JSONPath: ".spec.template"},
		{Name: "Phase", Type: "string", JSONPath: ".status.phase"},
		{Name: "URL", Type: "string", JSONPath: ".status.url", Priority: 1},
		{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
	})
}
