package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/cluster/kubeclient"
	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/operator"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// testTenants proves the rendered ValidatingAdmissionPolicies on the API
// server, as the users the example names (impersonated): a tenant creates,
// changes and deletes only their own sessions, sets no operator
// annotation and asks for no bigger home than the template allows; the
// admin group, the operator and cluster admins may do what tenants may not.
func testTenants(ctx context.Context, t *testing.T, c *cluster.Cluster, cl *kubeclient.Client) {
	objs := rendered(t, "../../examples/k3s-single-node")
	acceptAll(ctx, t, cl, objs)
	ns := "vdi-sessions"
	for _, o := range objs {
		switch o.GetKind() {
		case "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Role", "RoleBinding", "ServiceAccount", "VDITemplate":
			if err := cl.Apply(ctx, kubeclient.FieldManager, o, false); err != nil {
				t.Fatalf("%s: %v", kubeclient.Describe(o), err)
			}
		}
	}
	as := func(user string, groups ...string) client.Client {
		cfg := rest.CopyConfig(c.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: append(groups, "system:authenticated")}
		scheme, err := operator.Scheme()
		if err != nil {
			t.Fatal(err)
		}
		k, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	alice, bob := as("alice", "vdi-users"), as("bob", "vdi-users")
	admin := as("root", "vdi-admins", "vdi-users")
	op := as("system:serviceaccount:vdi-system:" + generators.OperatorName)
	mallory := as("mallory") // in no allowed group: RBAC alone refuses
	desk := func(name, user string, mutate ...func(*v1alpha1.VDISession)) *v1alpha1.VDISession {
		s := &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: v1alpha1.VDISessionSpec{Template: "ubuntu-desktop", User: user}}
		for _, m := range mutate {
			m(s)
		}
		return s
	}
	home := func(size string) func(*v1alpha1.VDISession) {
		return func(s *v1alpha1.VDISession) {
			q := resource.MustParse(size)
			s.Spec.Storage = &v1alpha1.SessionStorage{Size: &q}
		}
	}
	activity := func(s *v1alpha1.VDISession) {
		metav1.SetMetaDataAnnotation(&s.ObjectMeta, operator.LastActivityAnnotation, "2099-01-01T00:00:00Z")
	}

	// Policies take effect once the API server has read them.
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		err := alice.Create(ctx, desk("probe", "bob"), client.DryRunAll)
		return apierrors.IsForbidden(err) || apierrors.IsInvalid(err), nil
	})
	if err != nil {
		t.Fatal("the tenant policy never took effect")
	}
	for _, name := range []string{generators.TenantPolicy, generators.HomeSizePolicy} {
		p, err := cl.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicies().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tc := p.Status.TypeChecking; tc != nil && len(tc.ExpressionWarnings) > 0 {
			t.Errorf("%s: type-checking warnings %+v", name, tc.ExpressionWarnings)
		}
	}

	create := func(k client.Client, s *v1alpha1.VDISession) error { return k.Create(ctx, s) }
	update := func(k client.Client, name string, change func(*v1alpha1.VDISession)) error {
		var s v1alpha1.VDISession
		if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
			return err
		}
		change(&s)
		return k.Update(ctx, &s)
	}
	patch := func(k client.Client, name string, change func(*v1alpha1.VDISession)) error {
		var s v1alpha1.VDISession
		if err := k.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
			return err
		}
		orig := s.DeepCopy()
		change(&s)
		return k.Patch(ctx, &s, client.MergeFrom(orig))
	}
	del := func(k client.Client, name string) error {
		return k.Delete(ctx, &v1alpha1.VDISession{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}, client.DryRunAll)
	}
	for _, tt := range []struct {
		name string
		do   func() error
		want string // "" allowed, else a part of the refusal
	}{
		{"alice creates her own", func() error { return create(alice, desk("alice-desk", "alice")) }, ""},
		{"alice creates one for bob", func() error { return create(alice, desk("for-bob", "bob")) }, "spec.user must be you"},
		{"alice sets the operator's annotation", func() error { return create(alice, desk("forever", "alice", activity)) }, "are the operator's"},
		{"alice asks for a home within the template", func() error { return create(alice, desk("alice-small", "alice", home("10Gi"))) }, ""},
		{"alice asks for a bigger home than the template", func() error { return create(alice, desk("alice-big", "alice", home("30Gi"))) }, "above what template ubuntu-desktop allows"},
		{"alice suspends her own", func() error {
			return update(alice, "alice-desk", func(s *v1alpha1.VDISession) { s.Spec.Suspend, s.Spec.Persistent = true, true })
		}, ""},
		{"bob changes alice's", func() error {
			return update(bob, "alice-desk", func(s *v1alpha1.VDISession) { s.Spec.Suspend = false })
		}, "belongs to alice"},
		{"bob takes alice's", func() error {
			return update(bob, "alice-desk", func(s *v1alpha1.VDISession) { s.Spec.User = "bob" })
		}, "belongs to alice"},
		{"bob deletes alice's", func() error { return del(bob, "alice-desk") }, "belongs to alice"},
		{"mallory, in no allowed group", func() error { return create(mallory, desk("mallory-desk", "mallory")) }, "forbidden"},
		{"an admin creates one for bob", func() error { return create(admin, desk("bob-desk", "bob")) }, ""},
		{"an admin's home is bounded too", func() error { return create(admin, desk("bob-big", "bob", home("30Gi"))) }, "above what template"},
		{"the operator records activity", func() error { return patch(op, "alice-desk", activity) }, ""},
		{"alice keeps the operator's annotation", func() error {
			return update(alice, "alice-desk", func(s *v1alpha1.VDISession) { s.Spec.Suspend = false })
		}, ""},
		{"alice changes the operator's annotation", func() error {
			return update(alice, "alice-desk", func(s *v1alpha1.VDISession) {
				metav1.SetMetaDataAnnotation(&s.ObjectMeta, operator.LastActivityAnnotation, "2100-01-01T00:00:00Z")
			})
		}, "are the operator's"},
		{"alice deletes her own", func() error { return del(alice, "alice-desk") }, ""},
	} {
		err := tt.do()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tt.name, err)
		case tt.want != "" && err == nil:
			t.Errorf("%s: allowed", tt.name)
		case tt.want != "" && !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: %v; want a refusal saying %q", tt.name, err, tt.want)
		case tt.want != "":
			t.Logf("%s: %s", tt.name, firstLine(err))
		}
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(fmt.Sprint(err), "\n")
	return s
}
