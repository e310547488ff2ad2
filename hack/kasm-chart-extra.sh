#!/usr/bin/env bash
# Extracts the values.yaml, values.schema.json and Chart.yaml of the kasm
# chart vdirender pins (1.1181.1: kasmtech/kasm-helm, charts/kasm at commit
# 00b104b570cfc67b8dddfd539852661de77a0382) from a git clone or bare mirror
# of kasm-helm into a cache outside git, where test/realcharts reads them to
# prove every key vdirender sends against the chart's schema. Nothing of the
# chart is committed here. Prints the directory.
#
#   KASM_HELM_GIT  the git directory (default /work/.mirror/kasmtech+kasm-helm/repo)
set -euo pipefail
commit=00b104b570cfc67b8dddfd539852661de77a0382
version=1.1181.1
git_dir="${KASM_HELM_GIT:-/work/.mirror/kasmtech+kasm-helm/repo}"
dir="${VDIRENDER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdirender}/real-charts-extra/kasm-$version"
if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "kasm-chart-extra: $git_dir has no commit $commit (kasm $version); fetch kasmtech/kasm-helm there or set KASM_HELM_GIT" >&2
  exit 1
fi
got="$(git --git-dir="$git_dir" show "$commit:charts/kasm/Chart.yaml" | awk '$1 == "version:" {print $2}')"
if [ "$got" != "$version" ]; then
  echo "kasm-chart-extra: charts/kasm/Chart.yaml at $commit says version $got, not $version" >&2
  exit 1
fi
mkdir -p "$dir.tmp"
for f in Chart.yaml values.yaml values.schema.json; do
  git --git-dir="$git_dir" show "$commit:charts/kasm/$f" >"$dir.tmp/$f"
done
echo "$commit" >"$dir.tmp/COMMIT"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
echo "$dir"
