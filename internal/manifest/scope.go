package manifest

import (
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/vdirender/vdirender/internal/platform"
)

// clusterScoped are the built-in cluster-scoped kinds, by API group, and
// those of the platform's own dependencies.
var clusterScoped = map[[2]string]bool{
	{"", "Namespace"}: true, {"", "Node"}: true, {"", "PersistentVolume"}: true,
	{"apiextensions.k8s.io", "CustomResourceDefinition"}: true,
	{"rbac.authorization.k8s.io", "ClusterRole"}:         true, {"rbac.authorization.k8s.io", "ClusterRoleBinding"}: true,
	{"storage.k8s.io", "StorageClass"}: true, {"storage.k8s.io", "CSIDriver"}: true, {"storage.k8s.io", "CSINode"}: true, {"storage.k8s.io", "VolumeAttachment"}: true,
	{"scheduling.k8s.io", "PriorityClass"}: true, {"networking.k8s.io", "IngressClass"}: true, {"node.k8s.io", "RuntimeClass"}: true,
	{"admissionregistration.k8s.io", "MutatingWebhookConfiguration"}: true, {"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"}: true,
	{"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"}: true, {"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"}: true,
	{"apiregistration.k8s.io", "APIService"}: true, {"certificates.k8s.io", "CertificateSigningRequest"}: true,
	{"nvidia.com", "ClusterPolicy"}: true, {"cert-manager.io", "ClusterIssuer"}: true,
}

// Scopes tells cluster-scoped kinds: the built-in ones and those the
// CustomResourceDefinitions among items declare with scope Cluster.
type Scopes map[[2]string]bool

// ScopesOf collects the cluster-scoped kinds items declare.
func ScopesOf(items []*yaml.RNode) Scopes {
	s := Scopes{}
	for _, it := range items {
		if it.GetKind() != "CustomResourceDefinition" || platform.Group(it.GetApiVersion()) != "apiextensions.k8s.io" {
			continue
		}
		if scope, _ := it.GetString("spec.scope"); scope == "Cluster" {
			g, _ := it.GetString("spec.group")
			k, _ := it.GetString("spec.names.kind")
			s[[2]string{g, k}] = true
		}
	}
	return s
}

// ClusterScoped tells whether n's kind has no namespace.
func (s Scopes) ClusterScoped(n *yaml.RNode) bool {
	k := [2]string{platform.Group(n.GetApiVersion()), n.GetKind()}
	return clusterScoped[k] || s[k]
}

// EffectiveNamespace is the namespace n lands in when applied: none for
// cluster-scoped kinds (a namespace written there is ignored), "default"
// for a namespaced object that names none.
func (s Scopes) EffectiveNamespace(n *yaml.RNode) string {
	if s.ClusterScoped(n) {
		return ""
	}
	if ns := n.GetNamespace(); ns != "" {
		return ns
	}
	return "default"
}
