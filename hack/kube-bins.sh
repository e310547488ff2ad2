#!/usr/bin/env bash
# Builds kube-apiserver and kube-scheduler from the k8s.io/kubernetes module
# pinned in tools/kube/go.mod, once per version, into a cache outside git.
# Prints the directory that holds them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit} $2 == "k8s.io/kubernetes" {print $3; exit}' "$root/tools/kube/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/kube-$version"
if [ ! -x "$dir/kube-apiserver" ] || [ ! -x "$dir/kube-scheduler" ]; then
  mkdir -p "$dir.tmp"
  echo "building kube-apiserver and kube-scheduler $version into $dir (once)" >&2
  (cd "$root/tools/kube" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-scheduler) >&2
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir"
