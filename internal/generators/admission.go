package generators

import (
	"fmt"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/values"
)

// Names of the admission objects.
const (
	// TenantPolicy lets a non-admin create, change and delete only their
	// own sessions, with only the fields a tenant may set.
	TenantPolicy = "vdisession-tenants"
	// HomeSizePolicy keeps a session's home within its template's maxSize.
	HomeSizePolicy = "vdisession-home-size"
	// SessionUserRole is what a tenant needs to manage sessions at all.
	SessionUserRole = "vdi-session-user"
	admissionComp   = "admission"
)

// TenantFields are the spec fields a tenant may set; everything else
// (today none, tomorrow whatever an admin alone should decide) is refused.
var TenantFields = []string{"template", "user", "persistent", "storage", "suspend"}

// Admission renders who may create what: two ValidatingAdmissionPolicies
// (CEL, evaluated by the API server itself, no webhook to run) bound to
// the session namespace, and a Role tenants need to touch sessions at all,
// bound to the allowed groups.
//
// RBAC cannot say "only your own": the tenant policy does. A non-admin
// creates, changes or deletes a VDISession only when its spec.user (old and
// new) is them, sets only TenantFields and none of the operator's
// annotations (last-activity would keep a session alive for ever). Admins
// are system:masters, the admin group, auth.kubernetes.sessionAdmins and the
// operator (which records activity and suspends sessions).
//
// The home-size policy applies to everyone but the operator: a session asks
// for at most its template's storage.maxSize (default its size). It reads
// the templates as parameters; a session of a template that does not exist
// yet passes, and the operator checks the bound when it appears.
func Admission(v *values.Values) []any {
	ns := v.VDI.SessionNamespace
	k := v.Auth.Kubernetes
	operatorSA := fmt.Sprintf("system:serviceaccount:%s:%s", v.VDI.Namespace, OperatorName)
	users := append([]string{operatorSA}, k.SessionAdmins.Users...)
	groups := append([]string{"system:masters"}, k.SessionAdmins.Groups...)
	if o := v.Auth.OIDC; o != nil && o.AdminGroup != "" {
		groups = append(groups, k.GroupPrefix+o.AdminGroup)
	}
	notAdmin := fmt.Sprintf("!(request.userInfo.username in %s || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in %s)))",
		celList(users), celList(groups))
	notOperator := fmt.Sprintf("request.userInfo.username != %s", celString(operatorSA))
	// userOf is the Kubernetes name of obj's spec.user.
	userOf := func(obj string) string {
		if k.UsernamePrefix == "" {
			return obj + ".spec.user"
		}
		return celString(k.UsernamePrefix) + " + " + obj + ".spec.user"
	}
	me := func(obj string) string { return "request.userInfo.username == " + userOf(obj) }
	const prefix = "'" + v1alpha1.Group + "/'"
	sessions := admissionv1.MatchResources{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}},
		ResourceRules: []admissionv1.NamedRuleWithOperations{{RuleWithOperations: admissionv1.RuleWithOperations{
			Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update, admissionv1.Delete},
			Rule: admissionv1.Rule{APIGroups: []string{v1alpha1.Group}, APIVersions: []string{"*"},
				Resources: []string{v1alpha1.SessionPlural}, Scope: ptr.To(admissionv1.NamespacedScope)},
		}}},
	}
	tenants := policy(TenantPolicy, sessions, nil,
		[]admissionv1.MatchCondition{{Name: "not-a-session-admin", Expression: notAdmin}},
		[]admissionv1.Validation{
			{
				// On create, and on an update that changes the user.
				Expression:        "request.operation == 'DELETE' || (request.operation == 'UPDATE' && object.spec.user == oldObject.spec.user) || " + me("object"),
				MessageExpression: "'spec.user must be you: you are ' + request.userInfo.username + ', the session is for ' + " + userOf("object"),
				Reason:            ptr.To(metav1.StatusReasonForbidden),
			},
			{
				Expression:        "request.operation == 'CREATE' || " + me("oldObject"),
				MessageExpression: `'the session ' + oldObject.metadata.name + ' belongs to ' + oldObject.spec.user + ', not to ' + request.userInfo.username`,
				Reason:            ptr.To(metav1.StatusReasonForbidden),
			},
			{
				Expression: fmt.Sprintf("request.operation == 'DELETE' || (object.spec.all(f, f in %s) && (!has(object.spec.storage) || object.spec.storage.all(f, f in ['size', 'storageClassName'])))",
					celList(TenantFields)),
				Message: "a tenant may set only spec." + strings.Join(TenantFields, ", spec.") + " (storage: size only)",
				Reason:  ptr.To(metav1.StatusReasonForbidden),
			},
			{
				// The operator's annotations (last-activity) are its own: a
				// tenant may keep or drop them, never add or change one.
				Expression: fmt.Sprintf("request.operation == 'DELETE' || !has(object.metadata.annotations) || object.metadata.annotations.all(a, !a.startsWith(%s) || "+
					"(request.operation == 'UPDATE' && has(oldObject.metadata.annotations) && a in oldObject.metadata.annotations && oldObject.metadata.annotations[a] == object.metadata.annotations[a]))", prefix),
				Message: "annotations under " + v1alpha1.Group + "/ are the operator's: a tenant may not add or change them",
				Reason:  ptr.To(metav1.StatusReasonForbidden),
			},
		})
	homeSize := policy(HomeSizePolicy, sessions,
		&admissionv1.ParamKind{APIVersion: v1alpha1.APIVersion, Kind: v1alpha1.TemplateKind},
		[]admissionv1.MatchCondition{
			{Name: "not-the-operator", Expression: notOperator},
			{Name: "asks-for-a-size", Expression: "request.operation != 'DELETE' && has(object.spec.storage) && has(object.spec.storage.size) && " +
				"(request.operation == 'CREATE' || !has(oldObject.spec.storage) || !has(oldObject.spec.storage.size) || string(oldObject.spec.storage.size) != string(object.spec.storage.size))"},
		},
		[]admissionv1.Validation{{
			// Each template is a param; only the session's own constrains it.
			Expression: "params.metadata.name != object.spec.template || !has(params.spec.storage) || " +
				"quantity(string(object.spec.storage.size)).compareTo(quantity(string(has(params.spec.storage.maxSize) ? params.spec.storage.maxSize : params.spec.storage.size))) <= 0",
			MessageExpression: "'spec.storage.size ' + string(object.spec.storage.size) + ' is above what template ' + params.metadata.name + ' allows: ' + " +
				"string(has(params.spec.storage.maxSize) ? params.spec.storage.maxSize : params.spec.storage.size)",
			Reason: ptr.To(metav1.StatusReasonInvalid),
		}})
	out := []any{tenants, binding(TenantPolicy, nil), homeSize,
		binding(HomeSizePolicy, &admissionv1.ParamRef{Selector: &metav1.LabelSelector{}, ParameterNotFoundAction: ptr.To(admissionv1.AllowAction)})}

	role := &rbacv1.Role{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "Role"),
		ObjectMeta: meta(SessionUserRole, ns, admissionComp),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.SessionPlural}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
			{APIGroups: []string{v1alpha1.Group}, Resources: []string{v1alpha1.TemplatePlural}, Verbs: []string{"get", "list", "watch"}},
		},
	}
	out = append(out, role)
	if o := v.Auth.OIDC; o != nil && len(o.AllowedGroups) > 0 {
		var subjects []rbacv1.Subject
		for _, g := range o.AllowedGroups {
			subjects = append(subjects, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: k.GroupPrefix + g})
		}
		rb := roleBinding(SessionUserRole, ns, subjects)
		rb.Labels[ComponentLabel] = admissionComp
		out = append(out, rb)
	}
	return out
}

func policy(name string, match admissionv1.MatchResources, params *admissionv1.ParamKind, conds []admissionv1.MatchCondition, checks []admissionv1.Validation) *admissionv1.ValidatingAdmissionPolicy {
	return &admissionv1.ValidatingAdmissionPolicy{
		TypeMeta:   typeMeta("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"),
		ObjectMeta: meta(name, "", admissionComp),
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy:    ptr.To(admissionv1.Fail),
			ParamKind:        params,
			MatchConstraints: &match,
			MatchConditions:  conds,
			Validations:      checks,
		},
	}
}

func binding(name string, params *admissionv1.ParamRef) *admissionv1.ValidatingAdmissionPolicyBinding {
	return &admissionv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   typeMeta("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"),
		ObjectMeta: meta(name, "", admissionComp),
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ParamRef:          params,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
		},
	}
}

// celString quotes s as a CEL string literal (the schema keeps quotes and
// backslashes out of names anyway).
func celString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func celList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = celString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
