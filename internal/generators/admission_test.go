package generators_test

import (
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/values"
)

// TestAdmission: the tenant policy names the API server's users as its
// OIDC flags do (prefixes), exempts exactly the session admins, and the
// Role is bound to the allowed groups only when there are some.
func TestAdmission(t *testing.T) {
	for _, tt := range []struct {
		name, values string
		// in the tenant policy's expressions (match condition and validations)
		want, not []string
		boundTo   []string // groups of RoleBinding vdi-session-user; nil: no binding
	}{
		{"defaults: no login, cluster admins and the operator exempt",
			"global: {hostname: kasm.example.com}\n",
			[]string{"request.userInfo.username == object.spec.user", "'system:serviceaccount:vdi-system:vdi-operator'", "'system:masters'"},
			[]string{"oidc:"}, nil},
		{"prefixes, an admin group, a GitOps controller",
			"global: {hostname: kasm.example.com}\nauth: {oidc: {issuerURL: 'https://idp.example.com', clientID: vdi, allowedGroups: [staff, students], adminGroup: it}, " +
				"kubernetes: {usernamePrefix: 'oidc:', groupPrefix: 'oidc:', sessionAdmins: {users: ['system:serviceaccount:argocd:argocd-application-controller'], groups: [ops]}}}\n",
			[]string{"request.userInfo.username == 'oidc:' + object.spec.user", "request.userInfo.username == 'oidc:' + oldObject.spec.user",
				"'oidc:it'", "'ops'", "'system:serviceaccount:argocd:argocd-application-controller'"},
			[]string{"'it'"}, []string{"oidc:staff", "oidc:students"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := values.LoadFile("values.yaml", []byte(tt.values))
			if err != nil {
				t.Fatal(err)
			}
			var tenants *admissionv1.ValidatingAdmissionPolicy
			var bound []string
			binding := false
			for _, o := range generators.Admission(v) {
				switch o := o.(type) {
				case *admissionv1.ValidatingAdmissionPolicy:
					if o.Name == generators.TenantPolicy {
						tenants = o
					}
				case *rbacv1.RoleBinding:
					binding = true
					for _, s := range o.Subjects {
						bound = append(bound, s.Name)
					}
				}
			}
			if tenants == nil {
				t.Fatal("no tenant policy")
			}
			var exprs []string
			for _, c := range tenants.Spec.MatchConditions {
				exprs = append(exprs, c.Expression)
			}
			for _, c := range tenants.Spec.Validations {
				exprs = append(exprs, c.Expression, c.MessageExpression)
			}
			all := strings.Join(exprs, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("tenant policy lacks %q:\n%s", w, all)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(all, n) {
					t.Errorf("tenant policy has %q:\n%s", n, all)
				}
			}
			if binding != (tt.boundTo != nil) || strings.Join(bound, ",") != strings.Join(tt.boundTo, ",") {
				t.Errorf("Role bound to %v (binding %v), want %v", bound, binding, tt.boundTo)
			}
		})
	}
}
