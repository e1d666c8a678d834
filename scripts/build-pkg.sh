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

cargo build --release --lib --target wasm32-unknown-unknown -p mlcycle-wasm "${CARGO_FLAGS[@]}"
rm -rf "$OUT" && mkdir -p "$OUT"
wasm-bindgen target/wasm32-unknown-unknown/release/mlcycle_wasm.wasm \
  --out-dir "$OUT" --out-name mlcycle --target web --typescript

# The crate's JS snippet (src/wasm/columns.js: dictionary-encoding plain arrays before they
# cross) is emitted under snippets/<crate>-<hash>/, a hash that differs between builds; it is
# moved next to the glue as columns.js so hosts that list modules (workerd) name it stably.
SNIPPET=$(ls "$OUT"/snippets/*/src/wasm/columns.js)
mv "$SNIPPET" "$OUT/columns.js" && rm -rf "$OUT/snippets"
sed -i -E "s|'\./snippets/[^']*/src/wasm/columns\.js'|'./columns.js'|" "$OUT/mlcycle.js"
grep -q "from './columns.js'" "$OUT/mlcycle.js" || { echo "build-pkg: columns.js import not rewritten" >&2; exit 1; }
! grep -q "snippets/" "$OUT/mlcycle.js" || { echo "build-pkg: mlcycle.js still imports a snippet" >&2; exit 1; }

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

# The package layer (js/): entries per host (index.js for pages/workers/bundlers, node.js,
# workerd.js) around the wasm-bindgen glue, their types, trap recovery, README and licences.
cp js/init.js js/index.js js/node.js js/workerd.js js/index.d.ts js/resilient.js js/resilient.d.ts "$OUT/"
RAW=$(stat -c %s "$WASM")
sed -i "s|/\* WASM_BYTES \*/ null|$RAW|" "$OUT/index.js"
grep -q "^const WASM_BYTES = $RAW;" "$OUT/index.js" || { echo "build-pkg: WASM_BYTES not set in index.js" >&2; exit 1; }
# The generated .d.ts must compile with TypeScript's default lib (no esnext.disposable): the
# `[Symbol.dispose]` members are dropped from the types (the runtime keeps them), and the raw
# wasm exports (`InitOutput`) say `unknown` where wasm-bindgen writes `any`.
sed -i -e '/\[Symbol\.dispose\]()/d' -e '/^    readonly .*: (/s/\bany\b/unknown/g' "$OUT/mlcycle.d.ts"
# ...and without the DOM lib (a Node project: `lib: ["ES2022"]` + @types/node, which has URL,
# Request and Response but not RequestInfo, BufferSource or the WebAssembly namespace): those
# are spelled out, and the WebAssembly interfaces the glue names are declared (empty
# declarations merge with the DOM's when it is there).
sed -i -e 's/\bRequestInfo\b/Request | string/g' -e 's/\bBufferSource\b/ArrayBuffer | ArrayBufferView/g' "$OUT/mlcycle.d.ts"
cat >> "$OUT/mlcycle.d.ts" <<'TS'

declare global {
    namespace WebAssembly {
        interface Module {}
        interface Memory {}
        interface Table {}
    }
}
TS

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
REPOSITORY=$(sed -n 's/^repository = "\(.*\)"/\1/p' Cargo.toml | head -1)
case "$FLAVOR" in
  full) DESCRIPTION="Client-side ML lifecycle in one wasm package: verified model registry, feature pipeline, ONNX and precompiled-model inference, monitoring, validation" ;;
  slim) DESCRIPTION="The edge build of mlcycle: verified model registry, feature pipeline, inference of precompiled (NNEF) models, monitoring, validation, without the ONNX parser" ;;
esac
sed -e "s|__NAME__|$NAME|g" -e "s|__DESCRIPTION__|$DESCRIPTION|g" -e "s|__REPOSITORY__|$REPOSITORY|g" js/README.md > "$OUT/README.md"
cp LICENSE-MIT LICENSE-APACHE "$OUT/"

cat > "$OUT/package.json" <<JSON
{
  "name": "$NAME",
  "version": "$VERSION",
  "description": "$DESCRIPTION",
  "license": "MIT OR Apache-2.0",
  "repository": { "type": "git", "url": "git+$REPOSITORY.git" },
  "homepage": "$REPOSITORY#readme",
  "keywords": ["machine-learning", "onnx", "webassembly", "wasm", "inference", "model-registry", "mlops", "monitoring", "drift", "edge"],
  "type": "module",
  "main": "node.js",
  "module": "index.js",
  "browser": "index.js",
  "types": "index.d.ts",
  "exports": {
    ".": {
      "types": "./index.d.ts",
      "workerd": "./workerd.js",
      "node": "./node.js",
      "browser": "./index.js",
      "default": "./index.js"
    },
    "./resilient": { "types": "./resilient.d.ts", "default": "./resilient.js" },
    "./mlcycle_bg.wasm": "./mlcycle_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["index.js", "index.d.ts", "node.js", "workerd.js", "init.js", "mlcycle.js", "columns.js", "mlcycle.d.ts",
            "mlcycle_bg.wasm", "mlcycle_bg.wasm.d.ts",
            "resilient.js", "resilient.d.ts", "README.md", "LICENSE-MIT", "LICENSE-APACHE"],
  "engines": { "node": ">=20" },
  "sideEffects": false
}
JSON

# Precompressed copies for servers that send them (`mlcycle serve` does; see README "Serving
# the wasm compressed"). Not in the npm tarball: npm compresses it anyway, and hosts differ.
node scripts/compress.mjs "$WASM"
GZ=$(stat -c %s "$WASM.gz")
BR=$(stat -c %s "$WASM.br")
echo "pkg ($FLAVOR): $OUT/mlcycle_bg.wasm raw $RAW B (before wasm-opt $RAW_BEFORE B), gzip -9 $GZ B, brotli -q11 $BR B"
