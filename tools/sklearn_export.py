#!/usr/bin/env python3
"""The exporter lives in the `mlcycle` Python package: python/mlcycle/sklearn_export.py
(`pip install ./python`, then `python3 -m mlcycle.sklearn_export` or `mlcycle-sklearn export`).

This shim keeps a checkout's `python3 tools/sklearn_export.py fitted.pkl …` and
`import sklearn_export` (tools/ on sys.path; pickles that reference `sklearn_export.ratio`)
working: both reach that one implementation.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import mlcycle.sklearn_export as _impl  # noqa: E402

if __name__ == "__main__":
    sys.exit(_impl.main())
sys.modules[__name__] = _impl
