#!/usr/bin/env bash
# Builds kwok from the sigs.k8s.io/kwok module pinned in tools/kwok/go.mod,
# once per version, into a cache outside git. Prints the directory that
# holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "sigs.k8s.io/kwok" {print $3; exit}' "$root/tools/kwok/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/kwok-$version"
if [ ! -x "$dir/kwok" ]; then
  mkdir -p "$dir.tmp"
  echo "building kwok $version into $dir (once)" >&2
  (cd "$root/tools/kwok" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" sigs.k8s.io/kwok/cmd/kwok) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
