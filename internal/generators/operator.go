package generators

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/values"
)

// Names of the operator's objects.
const (
	OperatorName    = "vdi-operator"
	GatewayService  = "vdi-gateway"
	MetricsService  = "vdi-operator-metrics"
	metricsPort     = 8080
	gatewayPort     = 8081
	healthPort      = 8082
	operatorComp    = "operator"
	traefikAPIGroup = "traefik.io"
)

// The operator's configuration: the platform's rules, container and session
// defaults and GPU node pools (values.OperatorConfig), in a ConfigMap the
// Deployment mounts as a directory. Not through subPath: the kubelet only
// updates whole-directory mounts, and the operator applies a changed file
// without a restart.
const (
	OperatorConfigName = "vdi-operator-config"
	operatorConfigDir  = "/etc/vdirender"
	// OperatorConfigPath is the file the operator's --config flag names.
	OperatorConfigPath = operatorConfigDir + "/" + values.ConfigMapKey
)

// Operator renders the VDI operator: its ServiceAccount, least-privilege
// RBAC, configuration, Deployment, metrics Service and the session gateway
// Service.
func Operator(v *values.Values) []any {
	ns := v.VDI.Namespace
	sessions := v.VDI.SessionNamespace
	sa := &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: meta(OperatorName, ns, operatorComp)}
	subject := []rbacv1.Subject{{Kind: "ServiceAccount", Name: OperatorName, Namespace: ns}}

	// Cluster-wide it only reads nodes, to compare GPU demand with capacity.
	clusterRole := &rbacv1.ClusterRole{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "ClusterRole"),
		ObjectMeta: meta(OperatorName, "", operatorComp),
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get", "list", "watch"}}},
	}
	clusterBinding := &rbacv1.ClusterRoleBinding{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
		ObjectMeta: meta(OperatorName, "", operatorComp),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: OperatorName},
		Subjects:   subject,
	}
	// In the session namespace it owns what a session is made of.
	sessionRole := &rbacv1.Role{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "Role"),
		ObjectMeta: meta(OperatorName, sessions, operatorComp),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.TemplatePlural}, Verbs: []string{"get", "list", "watch"}},
			// The warm pool's counts.
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.TemplatePlural + "/status"}, Verbs: []string{"get", "update", "patch"}},
			// patch: the gateway records a session's last activity on it.
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.SessionPlural}, Verbs: []string{"get", "list", "watch", "patch"}},
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.SessionPlural + "/status"}, Verbs: []string{"get", "update", "patch"}},
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.SessionPlural + "/finalizers"}, Verbs: []string{"update"}},
			{APIGroups: []string{""}, Resources: []string{"pods", "services", "persistentvolumeclaims"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			// get and delete: the per-session routes of earlier versions go.
			{APIGroups: []string{traefikAPIGroup}, Resources: []string{"ingressroutes"}, Verbs: []string{"get", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
		},
	}
	sessionBinding := roleBinding(OperatorName, sessions, subject)
	// In its own namespace it only needs a lease for leader election.
	electionRole := &rbacv1.Role{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "Role"),
		ObjectMeta: meta(OperatorName+"-leader-election", ns, operatorComp),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
		},
	}
	electionBinding := roleBinding(OperatorName+"-leader-election", ns, subject)

	return []any{sa, clusterRole, clusterBinding, sessionRole, sessionBinding, electionRole, electionBinding,
		OperatorConfig(v), operatorDeployment(v), service(MetricsService, ns, "metrics", metricsPort, metricsPort, selector()), service(GatewayService, ns, "gateway", 80, gatewayPort, selector())}
}

// OperatorConfig is the ConfigMap the operator reads the platform from. Its
// key is the one a ConfigMap functionConfig uses, so the same object can be
// the functionConfig of the KRM validator ("vdirender validate" with no
// argument) to check objects against what the operator applies.
func OperatorConfig(v *values.Values) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: meta(OperatorConfigName, v.VDI.Namespace, operatorComp),
		Data:       map[string]string{values.ConfigMapKey: mustYAML(v.OperatorConfig())},
	}
}

func roleBinding(name, ns string, subjects []rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"),
		ObjectMeta: meta(name, ns, operatorComp),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects:   subjects,
	}
}

func selector() map[string]string {
	return map[string]string{NameLabel: OperatorName, ComponentLabel: operatorComp}
}

func service(name, ns, portName string, port, target int32, sel map[string]string) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: meta(name, ns, sel[ComponentLabel]),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: sel,
			Ports:    []corev1.ServicePort{{Name: portName, Port: port, TargetPort: intstr.FromString(portName), Protocol: corev1.ProtocolTCP}},
		},
	}
}

func operatorDeployment(v *values.Values) *appsv1.Deployment {
	m := meta(OperatorName, v.VDI.Namespace, operatorComp)
	podMeta := metav1.ObjectMeta{Labels: map[string]string{NameLabel: OperatorName, ComponentLabel: operatorComp, PartOfLabel: PartOf}}
	args := []string{
		"operator",
		"--session-namespace=" + v.VDI.SessionNamespace,
		"--session-host=" + v.Ingress.SessionHost,
		"--metrics-bind-address=:8080",
		"--gateway-bind-address=:8081",
		"--health-probe-bind-address=:8082",
		"--leader-elect",
		"--config=" + OperatorConfigPath,
		"--log-level=" + v.VDI.Operator.LogLevel,
		"--log-format=" + v.VDI.Operator.LogFormat,
	}
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: m,
		Spec: appsv1.DeploymentSpec{
			Replicas: v.VDI.Operator.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: selector()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta,
				Spec: corev1.PodSpec{
					ServiceAccountName:           OperatorName,
					AutomountServiceAccountToken: ptr.To(true),
					SecurityContext:              restrictedPod(),
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
						ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: OperatorConfigName}},
					}}},
					Containers: []corev1.Container{{
						Name:            "operator",
						Image:           v.VDI.Operator.Image,
						ImagePullPolicy: v.Global.Image.PullPolicy,
						Args:            args,
						Ports: []corev1.ContainerPort{
							{Name: "metrics", ContainerPort: metricsPort, Protocol: corev1.ProtocolTCP},
							{Name: "gateway", ContainerPort: gatewayPort, Protocol: corev1.ProtocolTCP},
							{Name: "health", ContainerPort: healthPort, Protocol: corev1.ProtocolTCP},
						},
						Resources:       v.VDI.Operator.Resources,
						VolumeMounts:    []corev1.VolumeMount{{Name: "config", MountPath: operatorConfigDir, ReadOnly: true}},
						LivenessProbe:   httpProbe("/healthz", "health"),
						ReadinessProbe:  httpProbe("/readyz", "health"),
						SecurityContext: restrictedContainer(),
					}},
				},
			},
		},
	}
}

// restrictedPod and restrictedContainer hold the platform's own pods (the
// operator, the login) to Pod Security's restricted level: non-root as the
// distroless images' nonroot user, nothing escalated, no capability, a
// read-only root.
func restrictedPod() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func restrictedContainer() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
		RunAsUser:                ptr.To[int64](65532),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}
}

// httpProbe probes path on the named container port.
func httpProbe(path, port string) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString(port)}}}
}
