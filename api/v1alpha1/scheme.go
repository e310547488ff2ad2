package v1alpha1

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// GroupVersion of the API.
var GroupVersion = schema.GroupVersion{Group: Group, Version: Version}

// AddToScheme registers the kinds for controller-runtime clients.
func AddToScheme(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion, &VDITemplate{}, &VDITemplateList{}, &VDISession{}, &VDISessionList{})
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}

// VDITemplateList is a list of templates.
type VDITemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VDITemplate `json:"items"`
}

// VDISessionList is a list of sessions.
type VDISessionList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []VDISession `json:"items"`
}

// deepCopy copies through JSON: the types are plain data, and one generic
// copy is easier to keep right than generated code for four kinds.
func deepCopy[T any](in *T) *T {
	if in == nil {
		return nil
	}
	b, err := json.Marshal(in)
	if err != nil {
		panic(err)
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}

// DeepCopyObject implements runtime.Object.
func (t *VDITemplate) DeepCopyObject() runtime.Object { return deepCopy(t) }

// DeepCopyObject implements runtime.Object.
func (l *VDITemplateList) DeepCopyObject() runtime.Object { return deepCopy(l) }

// DeepCopyObject implements runtime.Object.
func (s *VDISession) DeepCopyObject() runtime.Object { return deepCopy(s) }

// DeepCopyObject implements runtime.Object.
func (l *VDISessionList) DeepCopyObject() runtime.Object { return deepCopy(l) }

// DeepCopy returns a copy of the session.
func (s *VDISession) DeepCopy() *VDISession { return deepCopy(s) }
