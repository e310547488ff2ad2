#!/usr/bin/env bash
# Builds traefik from the github.com/traefik/traefik/v3 module pinned in
# tools/traefik/go.mod, once per version, into a cache outside git, stamping
# the version as Traefik's own Makefile does. Prints the directory that
# holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/traefik/traefik/v3" {print $3; exit}' "$root/tools/traefik/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/traefik-$version"
if [ ! -x "$dir/traefik" ]; then
  mkdir -p "$dir.tmp"
  echo "building traefik $version into $dir (once)" >&2
  (cd "$root/tools/traefik" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath \
    -ldflags "-X github.com/traefik/traefik/v3/pkg/version.Version=$version" \
    -o "$dir.tmp/" github.com/traefik/traefik/v3/cmd/traefik) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
