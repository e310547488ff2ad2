#!/usr/bin/env bash
# Builds kube-apiserver, kube-scheduler and kube-controller-manager from the
# k8s.io/kubernetes module pinned in tools/kube/go.mod, once per version, into
# a cache outside git; a cache dir missing some of them (one from before the
# controller-manager was added) gets only those built. Prints the directory
# that holds them.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit} $2 == "k8s.io/kubernetes" {print $3; exit}' "$root/tools/kube/go.mod")"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/kube-$version"
missing=()
for b in kube-apiserver kube-scheduler kube-controller-manager; do
  [ -x "$dir/$b" ] || missing+=("$b")
done
if [ "${#missing[@]}" -gt 0 ]; then
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  echo "building ${missing[*]} $version into $dir (once)" >&2
  (cd "$root/tools/kube" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -o "$dir.tmp/" \
    "${missing[@]/#/k8s.io/kubernetes/cmd/}") >&2
  mkdir -p "$dir"
  for b in "${missing[@]}"; do mv "$dir.tmp/$b" "$dir/$b"; done
  rm -rf "$dir.tmp"
fi
echo "$dir"
