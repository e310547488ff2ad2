#!/usr/bin/env bash
# Builds the helm CLI from the module pinned in tools/helm/go.mod, once per
# version, into a cache outside git. Prints the directory that holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "helm.sh/helm/v4" {print $3; exit}' "$root/tools/helm/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/helm-$version"
if [ ! -x "$dir/helm" ]; then
  mkdir -p "$dir.tmp"
  echo "building helm $version into $dir (once)" >&2
  (cd "$root/tools/helm" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" helm.sh/helm/v4/cmd/helm) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
