#!/bin/sh
# Start tslab from the kit's root, so cells can `import ... from './src/...'` (no global install needed). The root is
# $GBM_KIT_ROOT when set, else the folder written here by scripts/install-kernel.sh (a kernel installed with
# `jupyter kernelspec install` is a copy, away from the repo), else this file's own place in the repo.
INSTALLED_ROOT=""
ROOT="${GBM_KIT_ROOT:-$INSTALLED_ROOT}"
[ -n "$ROOT" ] || ROOT="$(cd "$(dirname "$0")/../../.." 2>/dev/null && pwd)"
if [ ! -x "$ROOT/node_modules/.bin/tslab" ]; then
  echo "gbm kernel: no node_modules/.bin/tslab under '$ROOT' (the kit's folder was not found). Fix: set GBM_KIT_ROOT to the kit's folder, or run 'bash scripts/install-kernel.sh' there after npm ci." >&2
  exit 1
fi
if [ "$1" = "--print-root" ]; then echo "$ROOT"; exit 0; fi
cd "$ROOT" || exit 1
exec ./node_modules/.bin/tslab kernel --config-path "$1"
