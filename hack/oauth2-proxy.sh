#!/usr/bin/env bash
# Builds oauth2-proxy from the github.com/oauth2-proxy/oauth2-proxy/v7 module
# pinned in tools/oauth2-proxy/go.mod, once per version, into a cache outside
# git, stamping the version as oauth2-proxy's own Makefile does. Prints the
# directory that holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/oauth2-proxy/oauth2-proxy/v7" {print $3; exit}' "$root/tools/oauth2-proxy/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/oauth2-proxy-$version"
if [ ! -x "$dir/oauth2-proxy" ]; then
  mkdir -p "$dir.tmp"
  echo "building oauth2-proxy $version into $dir (once)" >&2
  (cd "$root/tools/oauth2-proxy" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-X github.com/oauth2-proxy/oauth2-proxy/v7/pkg/version.VERSION=$version" \
    -o "$dir.tmp/oauth2-proxy" github.com/oauth2-proxy/oauth2-proxy/v7) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
