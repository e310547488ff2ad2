//go:build tools

// Package oauth2proxy pins the oauth2-proxy release (v7.15.6) that sits
// behind Traefik's ForwardAuth middleware in front of the OIDC provider.
// hack/oauth2-proxy.sh builds it from this module. Its main package is the
// module root. Its own go.mod has no replace or exclude directives, so there
// are none to restate here.
package oauth2proxy

import _ "github.com/oauth2-proxy/oauth2-proxy/v7"
