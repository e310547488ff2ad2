#!/usr/bin/env bash
# Makes sure etcd (Debian's etcd-server) is installed for the end-to-end tests.
set -euo pipefail
if ! command -v etcd >/dev/null 2>&1; then
  echo "installing etcd-server" >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq etcd-server >&2
  # The package starts a system etcd where it can; the tests run their own.
  $sudo systemctl disable --now etcd >/dev/null 2>&1 || true
fi
command -v etcd
