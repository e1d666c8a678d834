#!/usr/bin/env python3
"""Drift oracle: an independent numpy/scipy computation of the monitoring formulas
(docs/monitoring.md) must match `mlcycle profile` + `mlcycle drift` within 1e-9.

Reference: tests/data/penguins_train.csv; current batches: penguins_test.csv (held out) and a
shifted batch (body mass +15 %, every Adelie relabelled to Torgersen, a few unseen islands and
missing values). Reads MLCYCLE_BIN (default target/debug/mlcycle; build it with
`cargo build --features cli`).

    python3 tests/python/test_drift_oracle.py        # exits non-zero on failure
"""

import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import chisquare

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle"))
DATA = os.path.join(ROOT, "tests", "data")
SPEC = os.path.join(DATA, "penguins_features.json")
TOL = 1e-9
BINS = 10
EPS = 1e-4
WARN, ALERT, MIN_SAMPLES = 0.1, 0.25, 100

max_diff = {"profile": 0.0, "drift": 0.0}
failures = []


def close(what, got, want, kind):
    if got is None or want is None or (isinstance(want, float) and math.isnan(want)):
        ok = (got is None) == (want is None or (isinstance(want, float) and math.isnan(want)))
        if not ok:
            failures.append(f"{what}: got {got}, want {want}")
        return
    d = abs(float(got) - float(want))
    max_diff[kind] = max(max_diff[kind], d)
    if not d <= TOL:
        failures.append(f"{what}: got {got!r}, want {want!r} (|diff| {d:.3g})")


def read_raw(path):
    """Raw CSV as strings (no pandas NA guessing): the same cells mlcycle reads."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def numeric_values(col):
    """Missing: blank or 'nan' text (the feature pipeline's rule)."""
    out = []
    for c in col:
        t = c.strip()
        if t == "" or t.lower() == "nan":
            continue
        out.append(float(t))
    return np.array(out, dtype=np.float64)


def categorical_values(col):
    return [c for c in col if c.strip() != ""]


def ref_numeric(values):
    edges = np.unique(np.quantile(values, np.arange(1, BINS) / BINS))
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return edges, counts


def shares(counts):
    counts = np.asarray(counts, dtype=np.float64)
    return counts / counts.sum() if counts.sum() > 0 else counts


def psi(r, c):
    r = np.where(r == 0, EPS, r)
    c = np.where(c == 0, EPS, c)
    return float(np.sum((c - r) * np.log(c / r)))


def run(*args):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({p.returncode}): {p.stderr}")
    return p.stdout


def check_profile(ref, train, spec):
    n = len(train)
    assert ref["format"] == "mlcycle.reference/1", ref["format"]
    assert ref["rows"] == n
    for f, fp in zip(spec["fields"], ref["fields"]):
        name = f["name"]
        assert fp["name"] == name
        col = train[name]
        if f["type"] == "number":
            v = numeric_values(col)
            close(f"{name}.missingRate", fp["missingRate"], (n - len(v)) / n, "profile")
            edges, counts = ref_numeric(v)
            np_ = fp["numeric"]
            if len(np_["edges"]) != len(edges):
                failures.append(f"{name}: {len(np_['edges'])} edges, want {len(edges)}")
                continue
            for i, (g, w) in enumerate(zip(np_["edges"], edges)):
                close(f"{name}.edges[{i}]", g, w, "profile")
            if list(np_["counts"]) != [int(c) for c in counts]:
                failures.append(f"{name}.counts: {np_['counts']} vs {list(counts)}")
            for i, (g, w) in enumerate(zip(np_["shares"], shares(counts))):
                close(f"{name}.shares[{i}]", g, w, "profile")
            close(f"{name}.min", np_["min"], v.min(), "profile")
            close(f"{name}.max", np_["max"], v.max(), "profile")
            close(f"{name}.mean", np_["mean"], v.mean(), "profile")
            close(f"{name}.std", np_["std"], v.std(), "profile")
            for q in np_["quantiles"]:
                close(f"{name}.quantile({q['q']})", q["value"], np.quantile(v, q["q"]), "profile")
        else:
            v = categorical_values(col)
            close(f"{name}.missingRate", fp["missingRate"], (n - len(v)) / n, "profile")
            vc = pd.Series(v).value_counts()
            cp = fp["categorical"]
            if sorted(cp["categories"]) != sorted(vc.index):
                failures.append(f"{name}.categories: {cp['categories']} vs {list(vc.index)}")
                continue
            for i, c in enumerate(cp["categories"]):
                close(f"{name}.shares[{c}]", cp["shares"][i], vc[c] / len(v), "profile")
            close(f"{name}.shares[other]", cp["shares"][-1], 0.0, "profile")


def expected_drift(ref, train, cur, spec):
    """The drift report computed from scratch (reference from the training CSV, not the JSON)."""
    feats = []
    for f in spec["fields"]:
        name = f["name"]
        rows = len(cur)
        if f["type"] == "number":
            rv = numeric_values(train[name])
            cv = numeric_values(cur[name])
            edges, rcounts = ref_numeric(rv)
            ccounts = np.bincount(np.searchsorted(edges, cv, side="right"), minlength=len(edges) + 1)
            r, c = shares(rcounts), shares(ccounts)
            d = {
                "name": name, "kind": "numeric", "count": len(cv),
                "psi": psi(r, c),
                "jsDistance": float(jensenshannon(r, c, base=2)),
                "ksStatistic": float(np.max(np.abs(np.cumsum(r) - np.cumsum(c)))),
                "missingRate": (rows - len(cv)) / rows,
            }
        else:
            rv = categorical_values(train[name])
            cv = categorical_values(cur[name])
            cats = sorted(set(rv))
            rcounts = np.array([rv.count(k) for k in cats] + [0], dtype=np.float64)
            ccounts = np.array([cv.count(k) for k in cats] + [sum(1 for x in cv if x not in cats)],
                               dtype=np.float64)
            r, c = shares(rcounts), shares(ccounts)
            # chi²: current counts against reference shares × n; buckets with zero expected are
            # dropped when nothing was observed there, and make p = 0 otherwise.
            exp = r * ccounts.sum()
            keep = exp > 0
            if np.any((exp == 0) & (ccounts > 0)):
                p = 0.0
            else:
                p = float(chisquare(ccounts[keep], exp[keep]).pvalue)
            d = {
                "name": name, "kind": "categorical", "count": len(cv),
                "psi": psi(r, c),
                "jsDistance": float(jensenshannon(r, c, base=2)),
                "chi2PValue": p,
                "missingRate": (rows - len(cv)) / rows,
            }
        judged = d["psi"]
        if d["count"] < MIN_SAMPLES:
            d["status"] = "pending"
        else:
            d["status"] = "alert" if judged >= ALERT else "warn" if judged >= WARN else "ok"
        feats.append(d)
    share = sum(1 for d in feats if d["status"] == "alert") / len(feats)
    return {"features": feats, "driftedShare": share, "rows": len(cur)}


def check_drift(label, got, want):
    assert got["rows"] == want["rows"], (got["rows"], want["rows"])
    close(f"{label}.driftedShare", got["driftedShare"], want["driftedShare"], "drift")
    names = [f["name"] for f in got["features"]]
    if names != [f["name"] for f in want["features"]]:
        failures.append(f"{label}: features {names}")
        return
    for g, w in zip(got["features"], want["features"]):
        where = f"{label}.{w['name']}"
        for k in ("psi", "jsDistance", "ksStatistic", "chi2PValue", "missingRate"):
            if k in w:
                close(f"{where}.{k}", g.get(k), w[k], "drift")
            elif k in g:
                failures.append(f"{where}: unexpected {k}")
        for k in ("kind", "count", "status"):
            if g[k] != w[k]:
                failures.append(f"{where}.{k}: got {g[k]!r}, want {w[k]!r}")


def shifted_batch(test):
    s = test.copy()
    mass = []
    for c in s["body_mass_g"]:
        t = c.strip()
        mass.append(repr(float(t) * 1.15) if t and t.lower() != "nan" else c)
    s["body_mass_g"] = mass
    s.loc[s["species"] == "Adelie", "island"] = "Torgersen"
    s.loc[s.index[:5], "island"] = "Atlantis"  # unseen category -> "other"
    s.loc[s.index[5:9], "flipper_length_mm"] = ""  # missing
    s.loc[s.index[9:11], "sex"] = ""
    return s


def main():
    if not os.path.exists(BIN):
        raise SystemExit(f"{BIN} not found: cargo build --features cli")
    spec = json.load(open(SPEC))
    train = read_raw(os.path.join(DATA, "penguins_train.csv"))
    test = read_raw(os.path.join(DATA, "penguins_test.csv"))
    with tempfile.TemporaryDirectory() as tmp:
        ref_path = os.path.join(tmp, "reference.json")
        run("profile", "--spec", SPEC, "--input", os.path.join(DATA, "penguins_train.csv"),
            "--output", ref_path)
        ref = json.load(open(ref_path))
        check_profile(ref, train, spec)
        shifted = shifted_batch(test)
        shifted_path = os.path.join(tmp, "shifted.csv")
        shifted.to_csv(shifted_path, index=False)
        batches = [("heldout", os.path.join(DATA, "penguins_test.csv"), test),
                   ("shifted", shifted_path, shifted)]
        statuses = {}
        for label, path, frame in batches:
            got = json.loads(run("drift", "--reference", ref_path, "--input", path, "--format", "json"))
            want = expected_drift(ref, train, frame, spec)
            check_drift(label, got, want)
            statuses[label] = {f["name"]: f["status"] for f in got["features"]}
            text = run("drift", "--reference", ref_path, "--input", path, "--format", "text")
            if "drifted share" not in text:
                failures.append(f"{label}: --format text lacks the summary line")
        # The shift is detected on exactly the shifted fields.
        alerts = sorted(k for k, v in statuses["shifted"].items() if v == "alert")
        if alerts != ["body_mass_g", "island"]:
            failures.append(f"shifted batch alerts on {alerts}, want ['body_mass_g', 'island']")
        if any(v == "alert" for v in statuses["heldout"].values()):
            failures.append(f"held-out batch alerts: {statuses['heldout']}")
    print(f"profile max |diff| {max_diff['profile']:.3g}, drift max |diff| {max_diff['drift']:.3g}")
    if failures:
        print("FAILED:")
        for f in failures:
            print("  " + f)
        sys.exit(1)
    print("drift oracle: ok (profile and drift match numpy/scipy within 1e-9)")


if __name__ == "__main__":
    main()
