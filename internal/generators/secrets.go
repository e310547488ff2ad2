package generators

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/vdirender/vdirender/internal/platform"
	"github.com/vdirender/vdirender/internal/values"
)

// UserSecrets are the Secrets the rendering of v reads and nobody
// creates, each with every key its readers take (the README's "Secrets
// you create" table says the same).
func UserSecrets(v *values.Values) []platform.SecretNeed {
	var out []platform.SecretNeed
	ns := v.Global.Namespace
	tlsKeys := []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey}
	tlsType := string(corev1.SecretTypeTLS)
	// cert-manager writes the TLS Secrets of its Certificates.
	if name := v.Ingress.TLS.SecretName; name != "" && v.Ingress.TLS.CertManager == nil {
		out = append(out,
			platform.SecretNeed{Namespace: ns, Name: name, Type: tlsType, Keys: tlsKeys,
				ReadBy: "Traefik for IngressRoute kasm, and Kasm's chart for its proxy or Ingress"},
			platform.SecretNeed{Namespace: v.VDI.Namespace, Name: name, Type: tlsType, Keys: tlsKeys,
				ReadBy: "Traefik for IngressRoute vdi-sessions (a route's Secret is read from the route's namespace)"})
	}
	if v.Charts.Kasm.Name == values.KasmChart && v.Ingress.TLS.SecretName == "" {
		out = append(out, platform.SecretNeed{Namespace: ns, Name: KasmProxyCertSecret, Type: tlsType, Keys: tlsKeys, SelfSigned: v.Global.Hostname,
			ReadBy: "kasm 1.18's proxy, which mounts certificate.secretName (a self-signed certificate for global.hostname is enough)"})
	}
	if *v.Postgres.Enabled && v.Charts.PostgreSQL.Mode == values.ChartInline {
		out = append(out, platform.SecretNeed{Namespace: ns, Name: PostgresSecret, Keys: []string{PostgresAdminSecretKey}, Generate: random(PostgresAdminSecretKey),
			ReadBy: "PostgreSQL (auth.existingSecret) and Kasm's database init, in inline mode"})
	}
	if *v.Redis.Enabled && v.Charts.Redis.Mode == values.ChartInline {
		out = append(out, platform.SecretNeed{Namespace: ns, Name: RedisSecret, Keys: []string{RedisPasswordKey}, Generate: random(RedisPasswordKey),
			ReadBy: "Redis (auth.existingSecret), in inline mode"})
	}
	if *v.TURN.Enabled {
		out = append(out, platform.SecretNeed{Namespace: ns, Name: v.TURN.SecretName, Keys: []string{TURNUsernameKey, TURNPasswordKey, TURNSecretKey},
			Literal: map[string]string{TURNUsernameKey: "turn"}, Generate: random(TURNPasswordKey, TURNSecretKey),
			ReadBy: "coturn's init container, through secretKeyRefs that are not optional"})
	}
	if o := v.Auth.OIDC; o != nil {
		readBy := "oauth2-proxy (the login), through secretKeyRefs that are not optional; the client secret is the one your provider issued for auth.oidc.clientID (the command reads it from the shell variable " + platform.ShellVar(o.ClientSecretRef.Key) + ")"
		cookie := map[string]func([]byte) string{o.CookieSecretRef.Key: platform.CookieSecretProblem}
		makeCookie := map[string]string{o.CookieSecretRef.Key: platform.MakeCookieSecret}
		if o.ClientSecretRef.Name == o.CookieSecretRef.Name {
			out = append(out, platform.SecretNeed{Namespace: v.VDI.Namespace, Name: o.ClientSecretRef.Name,
				Keys: []string{o.ClientSecretRef.Key, o.CookieSecretRef.Key}, ReadBy: readBy, Check: cookie, Generate: makeCookie})
		} else {
			out = append(out,
				platform.SecretNeed{Namespace: v.VDI.Namespace, Name: o.ClientSecretRef.Name, Keys: []string{o.ClientSecretRef.Key}, ReadBy: readBy},
				platform.SecretNeed{Namespace: v.VDI.Namespace, Name: o.CookieSecretRef.Name, Keys: []string{o.CookieSecretRef.Key}, ReadBy: readBy, Check: cookie, Generate: makeCookie})
		}
	}
	return out
}

// random has each key made by a random-password command.
func random(keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		out[k] = platform.MakePassword
	}
	return out
}
