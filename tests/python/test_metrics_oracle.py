#!/usr/bin/env python3
"""Validation metrics oracle: `mlcycle validate --format json` (MLCYCLE_BIN, default
target/debug/mlcycle; build with `cargo build --features cli`) against scikit-learn on the
penguins (3 classes, raw records through the feature spec) and breast-cancer (binary, tree
ensemble, passthrough spec) holdouts: every metric, per-class, confusion matrix, log loss, Brier,
ROC AUC and curve points, calibration bins and per-slice metrics within 1e-9, computed by
sklearn from the same float32 probabilities mlcycle's model produced (`--predictions`).
Also: the committed edge-case fixture is what sklearn computes today, exit codes 0/1/2 and the
quality command's findings on a holdout with injected problems.

    python3 tests/python/test_metrics_oracle.py        # exits non-zero on failure
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import traceback

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import make_validation_fixtures as mv  # noqa: E402

BIN = os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle"))
DATA = os.path.join(ROOT, "tests", "data")
TOL = 1e-9
MAX = {"diff": 0.0}


def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def validate_json(model, spec, csv, label, *extra):
    r = cli("validate", "--model", os.path.join(DATA, model), "--spec", os.path.join(DATA, spec),
            "--input", os.path.join(DATA, csv), "--label", label, "--format", "json", "--predictions",
            "--no-latency", *extra)
    assert r.returncode == 0, f"validate exited {r.returncode}: {r.stderr}"
    return json.loads(r.stdout)


def compare(path, got, want, tol=TOL):
    if want is None:
        assert got is None, f"{path}: expected null (sklearn NaN), got {got}"
    elif isinstance(want, bool) or isinstance(want, str):
        assert got == want, f"{path}: got {got!r}, want {want!r}"
    elif isinstance(want, (int, float)):
        assert got is not None, f"{path}: got null, sklearn {want}"
        d = abs(float(got) - float(want))
        assert d <= tol, f"{path}: got {got}, sklearn {want} (|Δ| {d:.3g})"
        MAX["diff"] = max(MAX["diff"], d)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: {got} vs {want}"
        for i, (a, b) in enumerate(zip(got, want)):
            compare(f"{path}[{i}]", a, b, tol)
    elif isinstance(want, dict):
        for k, v in want.items():
            assert k in got, f"{path}.{k} missing"
            compare(f"{path}.{k}", got[k], v, tol)
    else:
        raise AssertionError(f"{path}: unexpected {want!r}")


def comparable(metrics):
    """Our metrics with calibration reduced to sklearn's non-empty bins."""
    m = dict(metrics)
    m["calibration"] = [
        {"label": c["label"],
         "fractionPositive": [b["fractionPositive"] for b in c["bins"] if b["count"]],
         "meanPredicted": [b["meanPredicted"] for b in c["bins"] if b["count"]]}
        for c in metrics["calibration"]["classes"]]
    return m


def check_against_sklearn(report, slice_field=None, records=None):
    labels = report["model"]["labels"]
    pred = report["predictions"]
    y = np.array([labels.index(t) for t in pred["truth"]])
    proba = np.array(pred["scores"], dtype=np.float64)
    # the scores are the model's float32 outputs, exactly
    assert np.array_equal(proba.astype(np.float32).astype(np.float64), proba)
    want = mv.sk_classification(labels, y, proba)
    compare("metrics", comparable(report["metrics"]), want)
    assert report["metrics"]["task"] == "classification"
    if slice_field:
        values = [records[r] for r in pred["rows"]]
        got = {s["value"]: s for s in report["slices"]["slices"]}
        assert sorted(got) == sorted(set(values)), (sorted(got), sorted(set(values)))
        for v in sorted(set(values)):
            m = np.array([x == v for x in values])
            w = mv.sk_classification(labels, y[m], proba[m])
            del w["rocCurves"], w["prCurves"]
            assert got[v]["rows"] == int(m.sum())
            compare(f"slices.{v}", comparable(got[v]["metrics"]), w)


def test_penguins():
    import pandas as pd
    report = validate_json("penguins_logreg.onnx", "penguins_features.json", "penguins_test.csv", "species",
                           "--labels", "Adelie,Chinstrap,Gentoo", "--slice", "island")
    raw = pd.read_csv(os.path.join(DATA, "penguins_test.csv"), keep_default_na=False, dtype=str)
    assert report["dataset"]["evaluated"] == len(raw) == 104
    check_against_sklearn(report, "island", raw["island"].tolist())
    # the same probabilities as `mlcycle predict`
    y, proba, _ = mv.penguins_probabilities()
    assert np.array_equal(np.array(report["predictions"]["scores"]), proba)
    assert report["decision"] == "go"


def test_breast_cancer():
    report = validate_json("breast_cancer_gbt.onnx", "breast_cancer_features.json", "breast_cancer_test.csv",
                           "target")
    assert report["model"]["labels"] == ["0", "1"], report["model"]["labels"]
    assert report["dataset"]["evaluated"] == 171
    check_against_sklearn(report)
    assert report["metrics"]["rocAucOvr"] is not None and report["metrics"]["brierScore"] > 0


def test_edge_case_fixture_is_current():
    with open(os.path.join(DATA, "validation_edge_cases.json")) as fh:
        committed = json.load(fh)
    fresh = json.loads(json.dumps(mv.edge_cases(), allow_nan=False))
    compare("edge_cases", committed["classification"], fresh["classification"], 1e-15)
    compare("edge_cases", committed["regression"], fresh["regression"], 1e-15)


def write(d, name, text):
    p = os.path.join(d, name)
    with open(p, "w") as fh:
        fh.write(text)
    return p


def test_exit_codes_and_quality():
    args = ["validate", "--model", os.path.join(DATA, "penguins_logreg.onnx"),
            "--spec", os.path.join(DATA, "penguins_features.json"),
            "--input", os.path.join(DATA, "penguins_test.csv"), "--label", "species",
            "--labels", "Adelie,Chinstrap,Gentoo", "--format", "json"]
    with tempfile.TemporaryDirectory() as d:
        ok = write(d, "ok.json", json.dumps(["accuracy >= 0.95", {"metric": "f1_macro", "op": ">=", "value": 0.9},
                                             "latency_p95_ms <= 1000", "missing_rate.body_mass_g <= 0.05"]))
        r = cli(*args, "--criteria", ok)
        assert r.returncode == 0, r.stderr
        rep = json.loads(r.stdout)
        assert rep["decision"] == "go" and all(c["pass"] for c in rep["criteria"])
        assert rep["latency"]["p95Ms"] > 0 and rep["latency"]["device"] == "native"
        assert len(rep["readiness"]["tests"]) == 28
        strict = write(d, "strict.json", json.dumps({"criteria": ["accuracy >= 0.999"],
                                                     "evidence": {"model-1": {"status": "manual", "note": "reviewed"}}}))
        r = cli(*args, "--criteria", strict, "--no-latency")
        assert r.returncode == 1, (r.returncode, r.stderr)
        rep = json.loads(r.stdout)
        assert rep["decision"] == "no-go" and rep["criteria"][0]["pass"] is False
        assert [t for t in rep["readiness"]["tests"] if t["id"] == "model-1"][0]["score"] == 0.5
        bad = write(d, "bad.json", json.dumps(["acuracy >= 0.9"]))
        r = cli(*args, "--criteria", bad, "--no-latency")
        assert r.returncode == 2 and "E_INVALID_ARGUMENT" in r.stderr, (r.returncode, r.stderr)
        r = cli(*args[:-4], "--no-latency")  # no --labels: species names vs labels 0,1,2
        assert r.returncode == 2 and "--labels" in r.stderr, r.stderr

        # quality on a holdout with injected problems
        with open(os.path.join(DATA, "penguins_test.csv")) as fh:
            lines = fh.read().splitlines()
        header = lines[0].split(",")
        rows = [l.split(",") for l in lines[1:]]
        rows[0][header.index("island")] = "Atlantis"
        rows[1][header.index("bill_length_mm")] = "forty"
        rows.append(list(rows[2]))
        csv = write(d, "bad.csv", "\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n")
        r = cli("quality", "--spec", os.path.join(DATA, "penguins_features.json"), "--input", csv, "--format", "json")
        assert r.returncode == 1, (r.returncode, r.stderr)
        q = json.loads(r.stdout)
        kinds = {(f["kind"], f["severity"], f["field"]): f["count"] for f in q["findings"]}
        assert kinds[("unseen_category", "warning", "island")] == 1, kinds
        assert kinds[("type_error", "error", "bill_length_mm")] == 1, kinds
        assert kinds[("duplicate_rows", "warning", None)] == 1, kinds
        assert kinds[("invalid_rows", "error", None)] == 1, kinds
        assert q["rows"] == 105 and q["invalidRows"] == 1
        r = cli("quality", "--spec", os.path.join(DATA, "penguins_features.json"),
                "--input", os.path.join(DATA, "penguins_test.csv"))
        assert r.returncode == 0 and "missing_values" in r.stdout, r.stdout


def main():
    if not os.path.exists(BIN):
        print(f"missing {BIN}: cargo build --features cli", file=sys.stderr)
        return 1
    failed = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("test_") and callable(fn):
            try:
                fn()
                print(f"ok   {name}")
            except Exception:
                failed += 1
                print(f"FAIL {name}")
                traceback.print_exc()
    print(f"max |Δ| vs sklearn: {MAX['diff']:.3g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
