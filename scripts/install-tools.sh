#!/usr/bin/env bash
# Installs what `make` needs and a fresh machine lacks; quick and silent when all is present.
# `make test` and `make demo` run it first, so a fresh machine never fails halfway through.
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
if ! python3 -c "import sklearn, scipy, numpy, pandas, skl2onnx, onnx, wheel, jsonschema, opentelemetry.proto" 2>/dev/null; then
  python3 -m pip install --quiet -r requirements-dev.txt
fi

# 5. The browser the Chromium tests drive: Debian's chromium + chromium-driver (never a
#    downloaded browser). Installed with apt when this user may (root, or sudo without a
#    password); otherwise stop now, before any build, with the exact command to run.
#    MLCYCLE_SKIP_BROWSER=1 skips this (for `make pkg`/`make demo` on a machine without apt).
if [ -z "${MLCYCLE_SKIP_BROWSER:-}" ]; then
  need=()
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
  [ -x "${CHROMEDRIVER:-/usr/bin/chromedriver}" ] || need+=(chromium-driver)
  if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "installing ${need[*]} (apt-get)"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null && command -v apt-get >/dev/null; then
      echo "installing ${need[*]} (sudo apt-get)"
      sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
      sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
    else
      echo "error: the browser tests need ${need[*]}, which this user cannot install. Run:" >&2
      echo "  sudo apt-get install -y ${need[*]}" >&2
      echo "then run make again (or set CHROMIUM_PATH / CHROMEDRIVER to existing binaries)." >&2
      exit 1
    fi
  fi
fi
