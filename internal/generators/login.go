package generators

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/internal/apis/traefik"
	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// Names of the login's objects.
const (
	// LoginName names oauth2-proxy's Deployment, Service, the ForwardAuth
	// Middleware and the IngressRoute of its /oauth2/ paths.
	LoginName = "vdi-login"
	// LoginCookie is oauth2-proxy's session cookie; the gateway never
	// forwards it to a desktop.
	LoginCookie = platform.LoginCookie
	// LoginPath is where oauth2-proxy serves its sign-in and callback.
	LoginPath  = "/oauth2/"
	loginPort  = 4180
	loginComp  = "login"
	authHeader = "Authorization"
)

// Login renders the OpenID Connect login in front of the session host:
// oauth2-proxy, a Traefik ForwardAuth Middleware that asks it about every
// request to /sessions/ (the route in ingress.go uses it), and a route for
// its own /oauth2/ paths (sign-in, callback). A request without a login is
// redirected to the provider; with one, oauth2-proxy answers 202 with the
// user's ID token as Authorization, which Traefik copies onto the request
// and the gateway verifies itself (issuer, audience, expiry, signature) —
// the gateway trusts no header it cannot check.
//
// Nothing is rendered without auth.oidc; the gateway then opens no session.
func Login(v *values.Values) []any {
	o := v.Auth.OIDC
	if o == nil {
		return nil
	}
	ns := v.VDI.Namespace
	return []any{
		loginDeployment(v, o),
		service(LoginName, ns, "http", loginPort, loginPort, loginSelector()),
		&traefik.Middleware{
			TypeMeta:   typeMeta(traefik.APIVersion, "Middleware"),
			ObjectMeta: meta(LoginName, ns, loginComp),
			Spec: traefik.MiddlewareSpec{ForwardAuth: &traefik.ForwardAuth{
				Address:             fmt.Sprintf("http://%s.%s.svc.cluster.local:%d/", LoginName, ns, loginPort),
				AuthResponseHeaders: []string{authHeader},
				// A refreshed login reaches the browser through the answer.
				AddAuthCookiesToResponse: []string{LoginCookie, LoginCookie + "_0", LoginCookie + "_1", LoginCookie + "_2"},
			}},
		},
		&traefik.IngressRoute{
			TypeMeta:   typeMeta(traefik.APIVersion, "IngressRoute"),
			ObjectMeta: meta(LoginName, ns, loginComp),
			Spec: traefik.IngressRouteSpec{
				EntryPoints: v.Ingress.EntryPoints,
				Routes: []traefik.Route{{
					Match: fmt.Sprintf("Host(`%s`) && PathPrefix(`%s`)", v.Ingress.SessionHost, LoginPath), Kind: "Rule",
					Services: []traefik.Service{httpService(LoginName, loginPort)},
				}},
				TLS: routeTLS(v.Ingress.TLS),
			},
		},
	}
}

func loginSelector() map[string]string {
	return map[string]string{NameLabel: LoginName, ComponentLabel: loginComp}
}

// loginArgs run oauth2-proxy as an authentication server for ForwardAuth:
// its upstream answers 202, so a request with a login gets 202 plus the ID
// token, one without is redirected to the provider (no button page), and
// the callback returns the user to the URL first asked for.
func loginArgs(v *values.Values, o *values.OIDC) []string {
	args := []string{
		"--provider=oidc",
		"--oidc-issuer-url=" + o.IssuerURL,
		"--client-id=" + o.ClientID,
		"--redirect-url=https://" + v.Ingress.SessionHost + LoginPath + "callback",
		fmt.Sprintf("--http-address=0.0.0.0:%d", loginPort),
		"--upstream=static://202",
		"--reverse-proxy=true",
		"--skip-provider-button=true",
		"--set-authorization-header=true",
		"--set-xauthrequest=true",
		"--email-domain=*",
		"--cookie-name=" + LoginCookie,
		"--cookie-secure=true",
		"--cookie-refresh=" + o.CookieRefresh,
		"--oidc-groups-claim=" + o.GroupsClaim,
		"--scope=" + strings.Join(o.Scopes, " "),
		"--code-challenge-method=S256",
		"--silence-ping-logging=true",
	}
	for _, g := range o.AllowedGroups {
		args = append(args, "--allowed-group="+g)
	}
	return args
}

func loginDeployment(v *values.Values, o *values.OIDC) *appsv1.Deployment {
	secret := func(ref *values.KeyRef) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key}}
	}
	labels := loginSelector()
	labels[PartOfLabel] = PartOf
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: meta(LoginName, v.VDI.Namespace, loginComp),
		Spec: appsv1.DeploymentSpec{
			Replicas: v.Auth.Proxy.Replicas,
			Selector: &metav1.LabelSelector{MatchLabels: loginSelector()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: ptr.To(false),
					SecurityContext:              restrictedPod(),
					Containers: []corev1.Container{{
						Name:            "oauth2-proxy",
						Image:           v.Auth.Proxy.Image,
						ImagePullPolicy: v.Global.Image.PullPolicy,
						Args:            loginArgs(v, o),
						Env: []corev1.EnvVar{
							{Name: "OAUTH2_PROXY_CLIENT_SECRET", ValueFrom: secret(o.ClientSecretRef)},
							{Name: "OAUTH2_PROXY_COOKIE_SECRET", ValueFrom: secret(o.CookieSecretRef)},
						},
						Ports:           []corev1.ContainerPort{{Name: "http", ContainerPort: loginPort, Protocol: corev1.ProtocolTCP}},
						Resources:       v.Auth.Proxy.Resources,
						LivenessProbe:   httpProbe("/ping", "http"),
						ReadinessProbe:  httpProbe("/ready", "http"),
						SecurityContext: restrictedContainer(),
					}},
				},
			},
		},
	}
}
