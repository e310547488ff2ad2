//go:build tools

// Package traefik pins the Traefik release K3s packages (v3.6.12), which the
// end-to-end tests' K3s twin runs out of cluster against its
// kube-apiserver. hack/traefik.sh builds it from this module. The replace
// and exclude lines restate Traefik's own (replace and exclude directives
// apply only in the main module): its forks of go-http-auth, gorilla/mux and
// minheap, and the tencentcloud monorepo version that makes an import
// ambiguous. The web UI is embedded from webui/static, which the module zip
// holds with only a placeholder file: the binary builds without tags, and
// its dashboard has no assets (the API still answers).
package traefik

import _ "github.com/traefik/traefik/v3/cmd/traefik"
