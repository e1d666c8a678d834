#!/usr/bin/env bash
# Builds an npm package (ES module + .d.ts + wasm) that loads in pages, Web Workers,
# Node ≥ 20 and workerd from the same files. Prints raw and gzip sizes.
#
#   scripts/build-pkg.sh full   → pkg/       everything (ONNX + NNEF loading)
#   scripts/build-pkg.sh slim   → pkg-slim/  the edge build: NNEF only, no ONNX parser
#                                            (cargo --no-default-features)
# PKG_OUT overrides the output folder; SKIP_WASM_OPT=1 skips wasm-opt (faster, bigger).
set -euo pipefail
cd "$(dirname "$0")/.."
FLAVOR=${1:-full}
case "$FLAVOR" in
  full) OUT=${PKG_OUT:-pkg}; CARGO_FLAGS=(); NAME=mlcycle ;;
  slim) OUT=${PKG_OUT:-pkg-slim}; CARGO_FLAGS=(--no-default-features); NAME=mlcycle-slim ;;
  *) echo "usage: $0 [full|slim]" >&2; exit 2 ;;
esac

cargo build --release --lib --target wasm32-unknown-unknown "${CARGO_FLAGS[@]}"
rm -rf "$OUT" && mkdir -p "$OUT"
wasm-bindgen target/wasm32-unknown-unknown/release/mlcycle.wasm \
  --out-dir "$OUT" --out-name mlcycle --target web --typescript

WASM="$OUT/mlcycle_bg.wasm"
RAW_BEFORE=$(stat -c %s "$WASM")
if [ -n "${SKIP_WASM_OPT:-}" ]; then
  echo "note: SKIP_WASM_OPT set, wasm-opt not run" >&2
elif [ -x node_modules/.bin/wasm-opt ]; then
  node_modules/.bin/wasm-opt -Oz \
    --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --strip-debug --strip-producers \
    "$WASM" -o "$WASM.opt" && mv "$WASM.opt" "$WASM"
else
  echo "note: wasm-opt not found (run npm install); the wasm is not post-optimized" >&2
fi

# Trap recovery (js/resilient.js): a plain ES module beside the glue.
cp js/resilient.js js/resilient.d.ts "$OUT/"

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
cat > "$OUT/package.json" <<JSON
{
  "name": "$NAME",
  "version": "$VERSION",
  "description": "Client-side ML lifecycle in one wasm package: verified model registry, feature pipeline, ONNX inference, monitoring, validation",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "mlcycle.js",
  "module": "mlcycle.js",
  "types": "mlcycle.d.ts",
  "exports": {
    ".": { "types": "./mlcycle.d.ts", "default": "./mlcycle.js" },
    "./resilient": { "types": "./resilient.d.ts", "default": "./resilient.js" },
    "./mlcycle_bg.wasm": "./mlcycle_bg.wasm"
  },
  "files": ["mlcycle.js", "mlcycle.d.ts", "mlcycle_bg.wasm", "mlcycle_bg.wasm.d.ts", "resilient.js", "resilient.d.ts"],
  "sideEffects": false
}
JSON

RAW=$(stat -c %s "$WASM")
GZ=$(gzip -9 -c "$WASM" | wc -c)
echo "pkg ($FLAVOR): $OUT/mlcycle_bg.wasm raw $RAW B (before wasm-opt $RAW_BEFORE B), gzip -9 $GZ B"
