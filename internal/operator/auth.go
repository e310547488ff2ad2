package operator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/vdirender/vdirender/api/v1alpha1"
	"github.com/vdirender/vdirender/internal/values"
)

// Identity is who a verified ID token names.
type Identity struct {
	User   string
	Groups []string
}

// Admin: the identity is in the platform's admin group.
func (id *Identity) Admin(o *values.OIDC) bool {
	return o.AdminGroup != "" && slices.Contains(id.Groups, o.AdminGroup)
}

// mayOpen: a session opens for its own user and for admins.
func (id *Identity) mayOpen(s *v1alpha1.VDISession, o *values.OIDC) bool {
	return id.User == s.Spec.User || id.Admin(o)
}

// authError is a refused login: the status to answer and why.
type authError struct {
	status int
	reason string // for vdi_gateway_refusals_total
	msg    string
}

func (e *authError) Error() string { return e.msg }

// authenticator verifies the ID token the login (oauth2-proxy, through
// Traefik's ForwardAuth) puts in the Authorization header: signature
// against the provider's published keys, issuer, audience (the client ID)
// and expiry, with github.com/coreos/go-oidc. The gateway believes nothing
// else about the user: a request that reached it some other way (another
// route, from inside the cluster) needs the same token.
//
// The provider's discovery document is fetched on first use and again when
// auth.oidc changes; a provider that cannot be reached is retried after
// discoveryRetry, and meanwhile every request gets 503.
type authenticator struct {
	mu       sync.Mutex
	key      string
	verifier *oidc.IDTokenVerifier
	failed   time.Time
	err      error
}

// discoveryRetry is how long a failed discovery is remembered.
const discoveryRetry = 5 * time.Second

// oidcClient fetches discovery documents and keys; it must not hang a
// request for long.
var oidcClient = &http.Client{Timeout: 10 * time.Second}

func (a *authenticator) verifierFor(o *values.OIDC, now func() time.Time) (*oidc.IDTokenVerifier, error) {
	key := o.IssuerURL + "\x00" + o.ClientID
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.key == key && a.verifier != nil {
		return a.verifier, nil
	}
	if a.key == key && a.err != nil && now().Sub(a.failed) < discoveryRetry {
		return nil, a.err
	}
	// The key set keeps this context for every later key fetch, so it is
	// not a request's.
	ctx := oidc.ClientContext(context.Background(), oidcClient)
	p, err := oidc.NewProvider(ctx, o.IssuerURL)
	a.key = key
	if err != nil {
		a.verifier, a.err, a.failed = nil, err, now()
		return nil, err
	}
	a.verifier, a.err = p.Verifier(&oidc.Config{ClientID: o.ClientID, Now: now}), nil
	return a.verifier, nil
}

// authenticate returns who the request's token names, or why not, with
// expiry judged by now.
func (a *authenticator) authenticate(req *http.Request, o *values.OIDC, now func() time.Time) (*Identity, *authError) {
	if o == nil {
		return nil, &authError{http.StatusUnauthorized, "no-login-configured",
			"this platform has no login configured (auth.oidc): no session can be opened"}
	}
	raw, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		return nil, &authError{http.StatusUnauthorized, "no-token", "log in first: the request carries no ID token"}
	}
	v, err := a.verifierFor(o, now)
	if err != nil {
		return nil, &authError{http.StatusServiceUnavailable, "provider-unreachable",
			fmt.Sprintf("the login provider %s cannot be reached: %v", o.IssuerURL, err)}
	}
	tok, err := v.Verify(req.Context(), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return nil, &authError{http.StatusUnauthorized, "token-expired", "your login expired: log in again"}
		}
		return nil, &authError{http.StatusUnauthorized, "token-invalid", "the ID token is not valid: " + err.Error()}
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, &authError{http.StatusUnauthorized, "token-invalid", "the ID token's claims do not parse: " + err.Error()}
	}
	user, _ := claims[o.UsernameClaim].(string)
	if user == "" {
		return nil, &authError{http.StatusForbidden, "no-username",
			fmt.Sprintf("the ID token has no %s claim to tell who you are (auth.oidc.usernameClaim)", o.UsernameClaim)}
	}
	id := &Identity{User: user, Groups: stringsClaim(claims[o.GroupsClaim])}
	if len(o.AllowedGroups) > 0 && !id.Admin(o) && !slices.ContainsFunc(id.Groups, func(g string) bool { return slices.Contains(o.AllowedGroups, g) }) {
		return nil, &authError{http.StatusForbidden, "group-not-allowed",
			fmt.Sprintf("%s is in none of the groups allowed to use desktops", user)}
	}
	return id, nil
}

// stringsClaim reads a claim that is a list of strings or one string.
func stringsClaim(c any) []string {
	switch c := c.(type) {
	case string:
		return []string{c}
	case []any:
		var out []string
		for _, e := range c {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
