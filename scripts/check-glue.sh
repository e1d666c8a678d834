#!/usr/bin/env bash
# The glue rule (ARCHITECTURE.md): wasm-bindgen, js-sys, web-sys, serde-wasm-bindgen and
# wasm-bindgen-futures appear only under src/wasm/; nothing in src/ calls `window()`. The
# operators' crate (crates/mlcycle-ops) has no JS dependency at all (its wasm unit tests use
# wasm-bindgen-test's attribute, which these names do not match), checked the same way.
# Prints offending lines and exits 1 when the rule is broken.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
glue=$(grep -rnE '\b(wasm_bindgen|js_sys|web_sys|serde_wasm_bindgen|wasm_bindgen_futures)\b' src crates/mlcycle-ops/src --include='*.rs' | grep -v '^src/wasm/' || true)
if [ -n "$glue" ]; then
  echo "glue rule: JS glue outside src/wasm/:"; echo "$glue"; status=1
fi
win=$(grep -rnE '(web_sys::)?\bwindow\(\)' src crates/mlcycle-ops/src --include='*.rs' || true)
if [ -n "$win" ]; then
  echo "glue rule: window() is forbidden, use js_sys::global():"; echo "$win"; status=1
fi
[ $status -eq 0 ] && echo "glue rule: ok (JS glue only in src/wasm/, no window())"
exit $status
