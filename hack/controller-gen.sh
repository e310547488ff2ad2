#!/usr/bin/env bash
# Builds controller-gen from the module pinned in tools/controller-gen/go.mod,
# once per version, into a cache outside git. Prints the directory that holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "sigs.k8s.io/controller-tools" {print $3; exit}' "$root/tools/controller-gen/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/controller-gen-$version"
if [ ! -x "$dir/controller-gen" ]; then
  mkdir -p "$dir.tmp"
  echo "building controller-gen $version into $dir (once)" >&2
  (cd "$root/tools/controller-gen" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" sigs.k8s.io/controller-tools/cmd/controller-gen) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
