#!/usr/bin/env bash
# System packages the kit needs beyond npm (Debian/Ubuntu): headless notebook execution (nbclient + tslab kernel),
# Chromium for saving figures, Fashion-MNIST's official IDX files for fast tests, numpy for reference scripts.
set -euo pipefail
PKGS=(jupyter-nbconvert python3-nbclient jupyter-client jupyter-core chromium dataset-fashion-mnist python3-numpy)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PKGS[*]})"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "gbm setup: apt-get not found; install these with your package manager: ${missing[*]}" >&2
  echo "gbm setup: (Chromium: set GBM_CHROMIUM to its path; Fashion-MNIST: put the IDX files in \$GBM_DATA_DIR/fashion-mnist/)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"
  else
    echo "gbm setup: installing system packages needs root. Fix: run \`sudo bash scripts/install-system.sh\` once, or ask an admin to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "system packages: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: done"
