#!/usr/bin/env bash
# Peak memory and throughput of `mlcycle predict` streaming a large CSV (issue 14; the README
# "Long files" numbers come from here): writes a CSV of SIZE_MB megabytes (default 1024) by
# repeating the rows of tests/data/penguins_test.csv, runs the CLI (MLCYCLE_BIN, default the
# release build: `make cli`) with the penguins spec and model under /usr/bin/time -v, prints
# the rows, rows/s and the peak resident set size.
#
#   ./scripts/measure-stream.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-1024}
BIN=${MLCYCLE_BIN:-target/release/mlcycle}
[ -x "$BIN" ] || { echo "no $BIN: run make cli (or set MLCYCLE_BIN)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/big.csv" "$SIZE_MB" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
with open("tests/data/penguins_test.csv") as fh:
    header, *rows = fh.read().splitlines()
block = ("\n".join(rows) + "\n").encode()
with open(path, "wb") as out:
    out.write((header + "\n").encode())
    for _ in range(mb * (1 << 20) // len(block) + 1):
        out.write(block)
PY
echo "input: $(du -h "$dir/big.csv" | cut -f1) ($(($(wc -l < "$dir/big.csv") - 1)) rows)"
/usr/bin/time -v "$BIN" predict --model tests/data/penguins_logreg.onnx \
  --spec tests/data/penguins_features.json --input "$dir/big.csv" --output "$dir/pred.csv" \
  2> "$dir/time.txt" || { cat "$dir/time.txt" >&2; exit 1; }
grep -E "^predicted" "$dir/time.txt"
grep -E "Maximum resident set size|Elapsed \(wall clock\)" "$dir/time.txt" | sed 's/^\s*//'
echo "output: $(($(wc -l < "$dir/pred.csv") - 1)) rows"
