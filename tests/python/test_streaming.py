#!/usr/bin/env python3
"""`mlcycle predict` streams its input: peak memory is bounded by the chunk, not the file.

A 20 MB CSV (the penguins test rows repeated, 416,000 rows) is predicted by the CLI
(MLCYCLE_BIN, default target/debug/mlcycle); the child's peak resident set size
(getrusage RUSAGE_CHILDREN) must stay under 120 MB. Before streaming the CLI held every row as
a record (about 33x the file: ~650 MB here). The 1 GB measurement for the README is
scripts/measure-stream.sh.

    python3 tests/python/test_streaming.py        # exits non-zero on failure
"""

import os
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle"))
DATA = os.path.join(ROOT, "tests", "data")
LIMIT_MB = 120


def main():
    with open(os.path.join(DATA, "penguins_test.csv")) as fh:
        header, *rows = fh.read().splitlines()
    copies = 4000
    with tempfile.TemporaryDirectory() as d:
        big = os.path.join(d, "big.csv")
        with open(big, "w") as out:
            out.write(header + "\n")
            block = "\n".join(rows) + "\n"
            for _ in range(copies):
                out.write(block)
        size_mb = os.path.getsize(big) / 2**20
        pred = os.path.join(d, "pred.csv")
        r = subprocess.run([BIN, "predict", "--model", os.path.join(DATA, "penguins_logreg.onnx"),
                            "--spec", os.path.join(DATA, "penguins_features.json"),
                            "--input", big, "--output", pred], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with open(pred) as fh:
            n = sum(1 for _ in fh) - 1
        assert n == len(rows) * copies, n
        print(f"  {size_mb:.1f} MB, {n} rows: peak RSS {peak_mb:.0f} MB (limit {LIMIT_MB}); {r.stderr.strip()}")
        assert peak_mb < LIMIT_MB, f"peak RSS {peak_mb:.0f} MB"
    return 0


if __name__ == "__main__":
    sys.exit(main())
