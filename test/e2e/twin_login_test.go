package e2e

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vdirender/vdirender/internal/generators"
	"github.com/vdirender/vdirender/internal/operator/oidctest"
	"github.com/vdirender/vdirender/internal/values"
	"github.com/vdirender/vdirender/test/e2e/cluster"
)

// twinLogin is the login of a twin: an OIDC provider stand-in on loopback
// that the rendering's auth.oidc names, and the Secret values oauth2-proxy
// reads.
type twinLogin struct {
	idp     *oidctest.Provider
	secrets map[string][]byte // by Secret key
}

// startTwinLogin starts the provider, with the examples' client ID, and
// makes the Secret values oauth2-proxy reads.
func startTwinLogin(t testing.TB) *twinLogin {
	t.Helper()
	idp := oidctest.Start(t)
	idp.ClientID = "vdi-sessions" // the examples' client
	cookie := make([]byte, 32)
	if _, err := rand.Read(cookie); err != nil {
		t.Fatal(err)
	}
	return &twinLogin{idp: idp, secrets: map[string][]byte{
		values.ClientSecretKey: []byte(idp.ClientSecret),
		// oauth2-proxy decodes URL-safe base64 to 32 bytes.
		values.CookieSecretKey: []byte(base64.RawURLEncoding.EncodeToString(cookie)),
	}}
}

// startTwinIdP starts the login and points the package's auth.oidc at it:
// the example's issuer replaced, its client ID kept.
func startTwinIdP(t testing.TB, pkg string) *twinLogin {
	t.Helper()
	l := startTwinLogin(t)
	file := filepath.Join(pkg, "platform.yaml")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	const example = "issuerURL: https://login.example.com/realms/vdi"
	if !strings.Contains(string(b), example) {
		t.Fatalf("%s has no %q to point at the test's provider", file, example)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), example, "issuerURL: "+l.idp.Issuer(), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return l
}

// serveLogin runs oauth2-proxy, built from its module, as the rendered
// login Deployment's container on each of its pods' addresses, and the
// twin's cluster DNS, which Traefik's ForwardAuth needs to find it by the
// rendered address.
func serveLogin(ctx context.Context, t testing.TB, tw *cluster.Twin, objs []*unstructured.Unstructured, v *values.Values, login *twinLogin) {
	t.Helper()
	tw.ServeDNS(t)
	var dep *unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == generators.LoginName {
			dep = o
		}
	}
	if dep == nil {
		t.Fatal("no login Deployment rendered")
	}
	var d struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(dep.Object, &d); err != nil {
		t.Fatal(err)
	}
	c := d.Spec.Template.Spec.Containers[0]
	var env []string
	for _, e := range c.Env {
		ref := e.ValueFrom.SecretKeyRef
		s, err := tw.Kube.CoreV1().Secrets(v.VDI.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, e.Name+"="+string(s.Data[ref.Key]))
	}
	var addrs []string
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		addrs = endpointsOf(ctx, tw.Kube, v.VDI.Namespace, generators.LoginName)
		return len(addrs) > 0, nil
	}); err != nil {
		t.Fatalf("Service %s/%s has no ready endpoint", v.VDI.Namespace, generators.LoginName)
	}
	for _, a := range addrs {
		tw.StartLogin(t, a, c.Args, env)
	}
	for _, a := range addrs {
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			resp, err := http.Get("http://" + a + "/ping")
			if err != nil {
				return false, nil
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK, nil
		}); err != nil {
			t.Fatalf("oauth2-proxy at %s never answered /ping:\n%s", a, tw.Log("oauth2-proxy-"+a))
		}
	}
	t.Logf("oauth2-proxy %v serves the login on %v", c.Image, addrs)
}

// browser is a user's browser: it resolves the platform's host names to
// Traefik's websecure entrypoint (as DNS pointing at the node would), every
// other name (the provider) as usual, and keeps cookies.
func browser(t testing.TB, v *values.Values, websecure string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	web := twinClient(websecure)
	direct := &net.Dialer{}
	tr := web.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if host == v.Ingress.SessionHost || host == v.Global.Hostname {
			return direct.DialContext(ctx, network, websecure)
		}
		return direct.DialContext(ctx, network, addr)
	}
	return &http.Client{Jar: jar, Transport: tr, Timeout: 15 * time.Second}
}

// logIn is user opening url in a new browser and logging in at the
// provider on the way (the provider answers the next login as user); it
// returns the browser, with the login's cookie, and the final answer.
func (l *twinLogin) logIn(t testing.TB, v *values.Values, websecure, url, user string, groups ...string) (*http.Client, int, string) {
	t.Helper()
	l.idp.QueueUser(&mockoidc.MockUser{Subject: "sub-" + user, Email: user + "@example.com", EmailVerified: true,
		PreferredUsername: user, Groups: groups})
	b := browser(t, v, websecure)
	resp, err := b.Get(url)
	if err != nil {
		t.Fatalf("%s logging in at %s: %v", user, url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if !hasLoginCookie(b, v) {
		t.Fatalf("%s has no login cookie after logging in at %s: %s %s", user, url, resp.Status, body)
	}
	return b, resp.StatusCode, string(body)
}

func hasLoginCookie(b *http.Client, v *values.Values) bool {
	for _, c := range b.Jar.Cookies(&neturl.URL{Scheme: "https", Host: v.Ingress.SessionHost, Path: "/"}) {
		if strings.HasPrefix(c.Name, generators.LoginCookie) {
			return true
		}
	}
	return false
}
