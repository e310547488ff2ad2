package manifest

import (
	"sort"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kindOrder puts definitions and namespaces first, then the kinds others
// depend on, the way Helm installs; kinds not listed follow, by name.
var kindOrder = []string{
	"CustomResourceDefinition",
	"Namespace",
	"NetworkPolicy",
	"ResourceQuota",
	"LimitRange",
	"PodDisruptionBudget",
	"ServiceAccount",
	"Secret",
	"ConfigMap",
	"StorageClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"ClusterRole",
	"ClusterRoleBinding",
	"Role",
	"RoleBinding",
	"Service",
	"DaemonSet",
	"Pod",
	"ReplicaSet",
	"Deployment",
	"HorizontalPodAutoscaler",
	"StatefulSet",
	"Job",
	"CronJob",
	"IngressClass",
	"Ingress",
}

var kindRank = func() map[string]int {
	m := map[string]int{}
	for i, k := range kindOrder {
		m[k] = i
	}
	return m
}()

type key struct {
	rank                              int
	kind, apiVersion, namespace, name string
}

func keyOf(n *yaml.RNode) key {
	k := key{kind: n.GetKind(), apiVersion: n.GetApiVersion(), namespace: n.GetNamespace(), name: n.GetName()}
	r, ok := kindRank[k.kind]
	if !ok {
		r = len(kindOrder)
	}
	k.rank = r
	return k
}

func (a key) less(b key) bool {
	switch {
	case a.rank != b.rank:
		return a.rank < b.rank
	case a.kind != b.kind:
		return a.kind < b.kind
	case a.apiVersion != b.apiVersion:
		return a.apiVersion < b.apiVersion
	case a.namespace != b.namespace:
		return a.namespace < b.namespace
	default:
		return a.name < b.name
	}
}

// Sort orders nodes deterministically: by kind rank, kind, apiVersion,
// namespace and name. Equal keys keep their input order.
func Sort(nodes []*yaml.RNode) {
	keys := make(map[*yaml.RNode]key, len(nodes))
	for _, n := range nodes {
		keys[n] = keyOf(n)
	}
	sort.SliceStable(nodes, func(i, j int) bool { return keys[nodes[i]].less(keys[nodes[j]]) })
}
