#!/usr/bin/env bash
# Builds kustomize from the module pinned in tools/kustomize/go.mod, once per
# version, into a cache outside git. Prints the directory that holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "sigs.k8s.io/kustomize/kustomize/v5" {print $3; exit}' "$root/tools/kustomize/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/kustomize-$version"
if [ ! -x "$dir/kustomize" ]; then
  mkdir -p "$dir.tmp"
  echo "building kustomize $version into $dir (once)" >&2
  (cd "$root/tools/kustomize" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" sigs.k8s.io/kustomize/kustomize/v5) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
