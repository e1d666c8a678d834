#!/usr/bin/env python3
"""Exporter end-to-end: fit sklearn preprocessing, export with tools/sklearn_export.py, run
`mlcycle transform` (MLCYCLE_BIN, default target/debug/mlcycle; build it with
`cargo build --features cli`) and compare with sklearn's transform within 1e-6; check that
unsupported transformers are refused with a clear message.

    python3 tests/python/test_exporter.py        # exits non-zero on failure
"""

import io
import json
import os
import pickle
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import sklearn_export as sx  # noqa: E402
import make_penguins_fixture as mp  # noqa: E402
import make_synthetic_fixture as ms  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import run_tests  # noqa: E402

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    FunctionTransformer, OrdinalEncoder, SplineTransformer, StandardScaler,
)

BIN = os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle"))
DATA = os.path.join(ROOT, "tests", "data")
TOL = 1e-6


def run_transform(spec, csv_path, extra=()):
    with tempfile.TemporaryDirectory() as d:
        spec_path = os.path.join(d, "features.json")
        out_path = os.path.join(d, "out.csv")
        with open(spec_path, "w") as fh:
            json.dump(spec, fh)
        r = subprocess.run([BIN, "transform", "--spec", spec_path, "--input", csv_path, "--output", out_path, *extra],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"mlcycle transform failed ({r.returncode}): {r.stderr}"
        return pd.read_csv(out_path)


def compare(name, got, want, names):
    assert list(got.columns) == list(names), f"{name}: header {list(got.columns)} != {list(names)}"
    g = got.to_numpy(dtype=np.float64)
    w = np.asarray(want, dtype=np.float64)
    assert g.shape == w.shape, f"{name}: shape {g.shape} != {w.shape}"
    both_nan = np.isnan(g) & np.isnan(w)
    diff = np.where(both_nan, 0.0, np.abs(g - w))
    assert not np.isnan(diff).any(), f"{name}: NaN mismatch"
    m = float(diff.max())
    assert m <= TOL, f"{name}: max |diff| {m:g} > {TOL}"
    print(f"  {name}: {g.shape[0]} rows x {g.shape[1]}, max |diff| (f64 output) = {m:.3g}")
    return m


def test_penguins():
    train, test = mp.load("penguins_train.csv"), mp.load("penguins_test.csv")
    ct = mp.fit(train)
    spec = sx.export(ct)
    got = run_transform(spec, os.path.join(DATA, "penguins_test.csv"), ["--f64"])
    compare("penguins", got, ct.transform(test), ct.get_feature_names_out())
    got32 = run_transform(spec, os.path.join(DATA, "penguins_test.csv"))
    d = np.abs(got32.to_numpy() - ct.transform(test)).max()
    assert d <= TOL, d


def test_every_transform():
    import warnings

    train = ms.load(os.path.join(DATA, "synthetic_train.csv"))
    test = ms.load(os.path.join(DATA, "synthetic_test.csv"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ct = ms.column_transformer().fit(train, ms.target(train))
        want = ct.transform(test)
    spec = sx.export(ct, field_types={"flag": "boolean", "e": "integer"})
    got = run_transform(spec, os.path.join(DATA, "synthetic_test.csv"), ["--f64"])
    compare("every transform", got, want, ct.get_feature_names_out())


def test_pipeline_with_model_and_pickle_cli():
    train = mp.load("penguins_train.csv")
    model = Pipeline([("pre", mp.fit(train)), ("clf", LogisticRegression(max_iter=500))])
    model.fit(train, train["species"])
    spec = sx.export(model)
    assert len(spec["outputs"]) == 9, spec["outputs"]
    # Plain preprocessing Pipeline on a numpy array: x0, x1 … names.
    X = np.array([[1.0, np.nan], [2.0, 3.0], [4.0, 5.0], [np.nan, 1.0]])
    pre = Pipeline([("imp", SimpleImputer()), ("std", StandardScaler())]).fit(X)
    spec2 = sx.export(pre)
    assert [f["name"] for f in spec2["fields"]] == ["x0", "x1"], spec2["fields"]
    with tempfile.TemporaryDirectory() as d:
        csv_path = os.path.join(d, "x.csv")
        pd.DataFrame(X, columns=["x0", "x1"]).to_csv(csv_path, index=False, na_rep="")
        got = run_transform(spec2, csv_path, ["--f64"])
        compare("numpy pipeline", got, pre.transform(X), ["x0", "x1"])
        # The CLI on a pickle.
        pkl = os.path.join(d, "fitted.pkl")
        with open(pkl, "wb") as fh:
            pickle.dump(model, fh)
        out = os.path.join(d, "features.json")
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "sklearn_export.py"), pkl, "--output", out],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        with open(out) as fh:
            assert json.load(fh)["hash"] == spec["hash"]


def refused(est, X, needle):
    est.fit(X)
    try:
        sx.export(est)
    except sx.ExportError as e:
        msg = str(e)
        assert needle in msg, f"message {msg!r} lacks {needle!r}"
        print(f"  refused: {msg}")
        return
    raise AssertionError(f"{est} was exported but should have been refused")


def test_refusals():
    """What has no transform with the same semantics is refused, naming the class and
    parameter (tests/python/test_coverage.py covers what is exported)."""
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.5, 0.1, 0.2, 0.9], "c": ["x", "y", "x", "z"]})
    refused(ColumnTransformer([("s", SplineTransformer(n_knots=3), ["a", "b"])]), df, "SplineTransformer")
    refused(ColumnTransformer([("f", FunctionTransformer(np.tanh), ["a"])]), df, "tanh")
    refused(ColumnTransformer([("i", SimpleImputer(missing_values=-1.0), ["a"])]), df, "missing_values=-1.0")
    refused(ColumnTransformer([("o", OrdinalEncoder(min_frequency=2), ["c"])]), df, "min_frequency")
    # The CLI reports a refusal on stderr with exit code 2.
    with tempfile.TemporaryDirectory() as d:
        pkl = os.path.join(d, "bad.pkl")
        with open(pkl, "wb") as fh:
            pickle.dump(ColumnTransformer([("s", SplineTransformer(n_knots=3), ["a"])]).fit(df), fh)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "sklearn_export.py"), pkl],
                           capture_output=True, text=True)
        assert r.returncode == 2 and "SplineTransformer" in r.stderr, (r.returncode, r.stderr)


def test_canonical_hash_matches_rust_fixture():
    for name in ("penguins_features.json", "synthetic_features.json"):
        with open(os.path.join(DATA, name)) as fh:
            spec = json.load(fh)
        assert sx.content_hash(spec) == spec["hash"], name
        try:
            import jsonschema
        except ImportError:
            continue
        with open(os.path.join(ROOT, "schemas", "features.schema.json")) as fh:
            jsonschema.validate(spec, json.load(fh))
    assert sx.canonical_json({"b": 1.0, "a": [1e21, 1e-7, 0.5, -0.0, "x\ny"]}) == '{"a":[1e+21,1e-7,0.5,0,"x\\ny"],"b":1}'


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
