#!/usr/bin/env bash
# System packages the kit needs beyond npm (Debian/Ubuntu): headless notebook execution (nbclient + tslab kernel),
# Chromium for saving figures, Fashion-MNIST's official IDX files for fast tests, numpy for reference scripts,
# redis-server for sweeps on a queue (gbm sweep --queue; its tests start their own on a free port).
# GBM_WEBGPU_SOFTWARE=1 also installs a software WebGPU adapter (Mesa >= 25's lavapipe, from bookworm-backports on
# Debian 12; Debian 12's own Mesa 22 is refused by Dawn) so the webgpu kernels can be tested without a GPU (CI does).
set -euo pipefail

webgpu_software() {
  [ "${GBM_WEBGPU_SOFTWARE:-0}" = "1" ] || return 0
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  if [ -n "$v" ] && dpkg --compare-versions "$v" ge 25 && dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q "install ok installed"; then
    echo "software WebGPU adapter: present (Mesa $v)"
    return 0
  fi
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" != "bookworm" ]; then
    echo "gbm setup: GBM_WEBGPU_SOFTWARE=1 knows Debian 12 (bookworm-backports) only; install mesa-vulkan-drivers >= 25 and libvulkan1 yourself" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
    echo "gbm setup: installing Mesa >= 25 needs root. Fix: run \`sudo GBM_WEBGPU_SOFTWARE=1 bash scripts/install-system.sh\`" >&2
    exit 1
  fi
  echo "software WebGPU adapter: installing Mesa >= 25 (lavapipe) from bookworm-backports"
  echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee /etc/apt/sources.list.d/gbm-bookworm-backports.list >/dev/null
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  echo "software WebGPU adapter: done"
}

# GBM_KERNEL_TOOLCHAIN=1 also installs clang and lld, which rebuild the kit's WebAssembly kernels from their C
# (scripts/build-kernels.sh); the built .wasm files are committed, so running the kit never needs them (CI checks them).
kernel_toolchain() {
  [ "${GBM_KERNEL_TOOLCHAIN:-0}" = "1" ] || return 0
  if command -v clang >/dev/null 2>&1 && command -v wasm-ld >/dev/null 2>&1; then
    echo "kernel toolchain: present ($(clang --version | head -1))"
    return 0
  fi
  echo "kernel toolchain: installing clang and lld"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang lld >/dev/null
}

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; fi
PKGS=(jupyter-nbconvert python3-nbclient jupyter-client jupyter-core chromium dataset-fashion-mnist python3-numpy redis-server)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PKGS[*]})"
  webgpu_software
  kernel_toolchain
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "gbm setup: apt-get not found; install these with your package manager: ${missing[*]}" >&2
  echo "gbm setup: (Chromium: set GBM_CHROMIUM to its path; Fashion-MNIST: put the IDX files in \$GBM_DATA_DIR/fashion-mnist/)" >&2
  exit 1
fi
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
webgpu_software
kernel_toolchain
