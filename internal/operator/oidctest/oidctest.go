// Package oidctest runs an OpenID Connect provider stand-in
// (github.com/oauth2-proxy/mockoidc) on loopback and mints ID tokens from
// it, for tests of the gateway and the login.
package oidctest

import (
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/vdirender/vdirender/internal/values"
)

// Provider is a running stand-in provider.
type Provider struct {
	*mockoidc.MockOIDC
}

// Start runs a provider on 127.0.0.1 until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return &Provider{m}
}

// OIDC is the auth.oidc of a platform logging in at p, with admins and
// desktop users groups.
func (p *Provider) OIDC() *values.OIDC {
	return &values.OIDC{IssuerURL: p.Issuer(), ClientID: p.Config().ClientID,
		AllowedGroups: []string{"vdi-users"}, AdminGroup: "vdi-admins"}
}

// Token mints an ID token for user in groups, issued at issued (so that a
// time an hour back gives an expired one).
func (p *Provider) Token(t testing.TB, user string, groups []string, issued time.Time) string {
	t.Helper()
	u := &mockoidc.MockUser{Subject: "sub-" + user, Email: user + "@example.com", EmailVerified: true, PreferredUsername: user, Groups: groups}
	s, err := p.SessionStore.NewSession("openid email profile groups", "", u, "", "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.IDToken(p.Config(), p.Keypair, issued)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
