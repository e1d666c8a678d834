#!/usr/bin/env bash
# Fails when a built wasm package is larger than its budget in budgets/wasm-size.json.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import gzip, json, sys
budget = json.load(open("budgets/wasm-size.json"))
failed = False
for name, b in budget.items():
    if not isinstance(b, dict):
        continue
    try:
        data = open(b["file"], "rb").read()
    except FileNotFoundError:
        print(f"size: {name}: {b['file']} not built"); failed = True; continue
    raw, gz = len(data), len(gzip.compress(data, 9))
    ok = raw <= b["rawBytes"] and gz <= b["gzipBytes"]
    print(f"size: {name}: raw {raw} B (budget {b['rawBytes']}), gzip {gz} B (budget {b['gzipBytes']}) {'ok' if ok else 'OVER BUDGET'}")
    failed |= not ok
sys.exit(1 if failed else 0)
PY
