#!/usr/bin/env bash
# Build the kit's own WebAssembly kernels from C (src/*/kernels/*.c -> *.wasm, committed beside them; given a folder,
# write them all there instead).
# Needs clang and lld with the wasm32 target (Debian: apt-get install clang lld). The output is deterministic for a
# given clang; test/wasm-kernels.test.ts rebuilds into a temporary folder and compares, when clang is installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for c in "$root"/src/*/kernels/*.c; do
  name="$(basename "$c" .c)"
  src_dir="$(dirname "$c")"
  out_dir="${1:-$src_dir}"
  clang --target=wasm32 -I"$root/src/util/kernels" -O3 -msimd128 -mbulk-memory -ffast-math -fno-math-errno -nostdlib -ffile-prefix-map="$src_dir"=. -ffile-prefix-map="$root"=. \
    -Wl,--no-entry -Wl,--export-dynamic -Wl,--export=__heap_base -Wl,--growable-table -Wl,--strip-all \
    -o "$out_dir/$name.wasm" "$c"
  echo "built $out_dir/$name.wasm ($(stat -c %s "$out_dir/$name.wasm") bytes)"
done
