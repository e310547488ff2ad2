package generators_test

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/vdirender/vdirender/internal/generators"
)

// TestUserSecrets: each Secret the rendering reads and nobody renders, with
// every key, for each way the values change the list.
func TestUserSecrets(t *testing.T) {
	const base = "global: {hostname: kasm.example.com}\n"
	tests := []struct {
		name, values string
		want         []string
	}{
		{"defaults: coturn's auth and kasm 1.18's proxy certificate", base, []string{
			"kasm/kasm-proxy-tls kubernetes.io/tls tls.crt,tls.key",
			"kasm/coturn-auth  username,password,static-auth-secret",
		}},
		{"a login: oauth2-proxy's client and cookie secrets, in one Secret by default", base + "auth: {oidc: {issuerURL: 'https://login.example.com', clientID: vdi}}\n", []string{
			"kasm/kasm-proxy-tls kubernetes.io/tls tls.crt,tls.key",
			"kasm/coturn-auth  username,password,static-auth-secret",
			"vdi-system/vdi-oidc  client-secret,cookie-secret",
		}},
		{"a login with two Secrets", base + "auth: {oidc: {issuerURL: 'https://login.example.com', clientID: vdi, clientSecretRef: {name: idp, key: secret}, cookieSecretRef: {name: cookie, key: c}}}\nturn: {enabled: false}\n", []string{
			"kasm/kasm-proxy-tls kubernetes.io/tls tls.crt,tls.key",
			"vdi-system/idp  secret",
			"vdi-system/cookie  c",
		}},
		{"a TLS Secret: beside each route, and kasm 1.18 mounts it", base + "ingress: {tls: {secretName: my-tls}}\nturn: {secretName: turn}\n", []string{
			"kasm/my-tls kubernetes.io/tls tls.crt,tls.key",
			"vdi-system/my-tls kubernetes.io/tls tls.crt,tls.key",
			"kasm/turn  username,password,static-auth-secret",
		}},
		{"inline databases need their passwords; no TURN", base + "charts: {postgresql: {mode: inline}, redis: {mode: inline}}\nturn: {enabled: false}\n", []string{
			"kasm/kasm-proxy-tls kubernetes.io/tls tls.crt,tls.key",
			"kasm/postgresql  postgres-password",
			"kasm/redis  redis-password",
		}},
		{"cert-manager writes the TLS Secrets", base + "ingress: {tls: {certManager: {issuer: letsencrypt}}}\n", []string{
			"kasm/coturn-auth  username,password,static-auth-secret",
		}},
		{"kasm-single-zone makes its own certificates", base + "charts: {kasm: {name: kasm-single-zone, version: 1.16.0, repo: https://charts.example.com/}}\npostgres: {enabled: false}\nredis: {enabled: false}\n", []string{
			"kasm/coturn-auth  username,password,static-auth-secret",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := load(t, tt.values)
			var got []string
			for _, s := range generators.UserSecrets(v) {
				got = append(got, s.Namespace+"/"+s.Name+" "+s.Type+" "+strings.Join(s.Keys, ","))
				if s.ReadBy == "" {
					t.Errorf("%s does not say who reads it", s)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestREADMESecrets: the README's table names every key of every Secret
// people create.
func TestREADMESecrets(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	if i := strings.Index(section, "### Secrets you create"); i >= 0 {
		section = section[i:]
	}
	for _, want := range []string{"`kasm-proxy-tls`", "`postgresql`", "`redis`", "`turn.secretName`", "`ingress.tls.secretName`", "`vdi-oidc`",
		"`username`", "`password`", "`static-auth-secret`", "`postgres-password`", "`redis-password`", "`tls.crt`", "`tls.key`",
		"`client-secret`", "`cookie-secret`", "vdirender verify"} {
		if !strings.Contains(section, want) {
			t.Errorf("README's Secrets section does not mention %s", want)
		}
	}
}
