#!/usr/bin/env bash
# Installs what `make` needs and a fresh machine lacks; quick and silent when all is present.
# System packages (chromium, chromium-driver) are .ci/run's job (they need apt and root).
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. The wasm target.
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli, exactly the wasm-bindgen version pinned in Cargo.lock (the CLI and the
#    library must match byte for byte).
WANT=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
HAVE=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$HAVE" != "$WANT" ]; then
  echo "installing wasm-bindgen-cli $WANT (found: ${HAVE:-none})"
  # Not --locked: its lock file names a webpki-roots release the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WANT"
fi

# 3. npm dev dependencies (wasm-opt from binaryen, playwright-core, onnxruntime-web, workerd, uPlot).
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# 4. Python oracles (scikit-learn, scipy) for the parity tests and the exporter.
if ! python3 -c "import sklearn, scipy, numpy, pandas" 2>/dev/null; then
  python3 -m pip install --quiet -r requirements-dev.txt
fi
