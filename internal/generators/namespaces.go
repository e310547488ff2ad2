package generators

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/vdirender/vdirender/internal/values"
)

// Pod Security levels per namespace: the operator runs restricted; desktops
// need baseline; gpu-operator's daemonsets are privileged.
const podSecurityLabel = "pod-security.kubernetes.io/enforce"

// Namespaces renders the namespaces the platform owns. An existing
// gpu-operator keeps its own namespace.
func Namespaces(v *values.Values) []any {
	ns := []struct{ name, level string }{
		{v.VDI.Namespace, "restricted"},
		{v.VDI.SessionNamespace, "baseline"},
		{v.Global.Namespace, "baseline"},
	}
	if v.GPU.Operator.Mode == values.OperatorInstall {
		ns = append(ns, struct{ name, level string }{v.GPU.Operator.Namespace, "privileged"})
	}
	seen := map[string]bool{}
	var out []any
	for _, n := range ns {
		if seen[n.name] {
			continue
		}
		seen[n.name] = true
		m := meta(n.name, "", "namespace")
		m.Labels[podSecurityLabel] = n.level
		out = append(out, &corev1.Namespace{TypeMeta: typeMeta("v1", "Namespace"), ObjectMeta: m})
	}
	return out
}
