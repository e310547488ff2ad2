#!/usr/bin/env bash
# Builds rancher's local-path-provisioner from the module pinned in
# tools/local-path/go.mod (its root package is the command), once per
# version, into a cache outside git. Prints the directory that holds it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "require" && $2 == "github.com/rancher/local-path-provisioner" {print $3; exit}' "$root/tools/local-path/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/local-path-provisioner-$version"
if [ ! -x "$dir/local-path-provisioner" ]; then
  mkdir -p "$dir.tmp"
  echo "building local-path-provisioner $version into $dir (once)" >&2
  (cd "$root/tools/local-path" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" github.com/rancher/local-path-provisioner) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
