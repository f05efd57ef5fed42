#!/usr/bin/env bash
# Install the kit's notebook kernel ("TypeScript (GBM kit, tslab)") into Jupyter the usual way, with this checkout's
# absolute path written into the installed copy, so it works from any folder. Usage: bash scripts/install-kernel.sh
# [jupyter kernelspec install options, e.g. --user (default) or --prefix DIR]. Needs npm ci first (tslab).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$root/node_modules/.bin/tslab" ]; then echo "gbm: no tslab in $root/node_modules. Fix: run npm ci in $root first." >&2; exit 2; fi
if ! command -v jupyter >/dev/null 2>&1; then echo "gbm: jupyter not found. Fix: bash scripts/install-system.sh (or install jupyter-client)." >&2; exit 2; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/.jupyter/kernels/gbm-tslab" "$tmp/gbm-tslab"
# The root, quoted for sh, in place of the empty default.
quoted=$(printf '%s' "$root" | sed "s/'/'\\\\''/g")
sed -i "s|^INSTALLED_ROOT=\"\"$|INSTALLED_ROOT='$quoted'|" "$tmp/gbm-tslab/run.sh"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--user)
jupyter kernelspec install "${args[@]}" --name gbm-tslab "$tmp/gbm-tslab"
echo "installed the gbm-tslab kernel for $root"
