#!/usr/bin/env python3
"""Regenerates the every-transform fixture: a small synthetic dataset, a ColumnTransformer that
uses every transform mlcycle supports (each option at least once), its exported spec, and
sklearn's float64 output on the test rows.

    python3 tools/make_synthetic_fixture.py

Writes tests/data/synthetic_{train,test}.csv, synthetic_features.json, synthetic_golden.json.
"""

import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    Binarizer,
    FunctionTransformer,
    KBinsDiscretizer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
    TargetEncoder,
)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import sklearn_export as sx  # noqa: E402

DATA = os.path.join(HERE, "..", "tests", "data")
NUMERIC = ["a", "b", "c", "d", "e", "grade"]
STRINGS = ["color", "shape", "yesno", "size", "ts", "unused"]


def make_rows(rng, n, test):
    lo, hi = (-8, 8) if test else (-5, 5)  # the test range is wider: MinMaxScaler clip matters
    a = rng.normal(10, 3, n)
    b = rng.lognormal(0, 1, n)
    a[rng.random(n) < 0.1] = np.nan
    b[rng.random(n) < 0.1] = np.nan
    sizes = ["S", "M", "L", "XL"] + (["XXL", "XS"] if test else [])
    base = pd.Timestamp("2024-01-01T00:00:00Z").value // 1_000_000
    ts = []
    for i in range(n):
        ms = int(base + rng.integers(0, 366 * 86_400_000))
        k = i % 5
        if k == 0:
            ts.append(str(ms))
        elif k == 1:
            ts.append(pd.Timestamp(ms, unit="ms", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))
        elif k == 2:
            t = pd.Timestamp(ms, unit="ms", tz="UTC").tz_convert("Asia/Kolkata")
            ts.append(t.isoformat())
        elif k == 3:
            ts.append(pd.Timestamp(ms, unit="ms").strftime("%Y-%m-%d %H:%M:%S.%f")[:-3])
        else:
            ts.append("" if rng.random() < 0.5 else pd.Timestamp(ms, unit="ms").strftime("%Y-%m-%d"))
    grade = rng.choice([1.0, 2.0, 3.0, np.nan], n, p=[0.3, 0.3, 0.3, 0.1])
    return pd.DataFrame(
        {
            "a": a,
            "b": b,
            "c": rng.uniform(lo, hi, n),
            "d": rng.exponential(2.0, n),
            "e": rng.integers(0, 21, n).astype(float),
            "grade": grade,
            "color": rng.choice(["red", "green", "blue", ""], n, p=[0.3, 0.3, 0.3, 0.1]),
            "shape": rng.choice(["circle", "square", "triangle"], n),
            "yesno": rng.choice(["yes", "no"], n),
            "size": rng.choice(sizes, n),
            "ts": ts,
            "flag": rng.choice(["true", "false"], n),
            "unused": rng.choice(["x", "y"], n),
        }
    )


def write_csv(df, path):
    out = df.copy()
    for c in NUMERIC:
        out[c] = [("" if np.isnan(v) else repr(float(v))) for v in out[c]]
    out.to_csv(path, index=False)


def load(path):
    """The CSV as sklearn sees it: numbers (empty → NaN), strings ("" kept), flag → 0/1."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    for c in NUMERIC:
        df[c] = pd.to_numeric(df[c].replace("", np.nan))
    df["flag"] = (df["flag"] == "true").astype(float)
    return df


def column_transformer():
    derived = dict(feature_names_out=sx.derived_names)
    return ColumnTransformer(
        [
            ("mean_std", Pipeline([("imp", SimpleImputer(strategy="mean")), ("std", StandardScaler())]), ["a"]),
            ("median_std", Pipeline([("imp", SimpleImputer(strategy="median")), ("std", StandardScaler(with_mean=False))]), ["b"]),
            ("const_minmax", Pipeline([("imp", SimpleImputer(strategy="constant", fill_value=0.0)), ("mm", MinMaxScaler())]), ["b"]),
            ("minmax_clip", MinMaxScaler(feature_range=(-1, 2), clip=True), ["c"]),
            ("robust", RobustScaler(quantile_range=(10.0, 90.0)), ["c", "d"]),
            ("robust_nc", RobustScaler(with_centering=False, unit_variance=True), ["d"]),
            ("std_nostd", StandardScaler(with_std=False), ["e"]),
            ("color", Pipeline([("imp", SimpleImputer(strategy="most_frequent", missing_values="")), ("ohe", OneHotEncoder(handle_unknown="ignore"))]), ["color"]),
            ("shape", OneHotEncoder(drop="first"), ["shape"]),
            ("binary", OneHotEncoder(drop="if_binary", sparse_output=False), ["yesno", "shape"]),
            ("size_ohe", OneHotEncoder(handle_unknown="ignore"), ["size"]),
            ("grade_ohe", OneHotEncoder(), ["grade"]),
            ("size_ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["size"]),
            ("grade_ord", OrdinalEncoder(encoded_missing_value=-2), ["grade"]),
            ("shape_ord", OrdinalEncoder(), ["shape"]),
            ("kb_q", KBinsDiscretizer(n_bins=4, encode="ordinal", strategy="quantile"), ["d"]),
            ("kb_u", KBinsDiscretizer(n_bins=3, encode="onehot-dense", strategy="uniform"), ["c", "e"]),
            ("log", Pipeline([("imp", SimpleImputer(strategy="median")), ("log", FunctionTransformer(np.log1p, feature_names_out="one-to-one"))]), ["b"]),
            ("log_raw", FunctionTransformer(np.log1p, feature_names_out="one-to-one"), ["b"]),
            ("clip", FunctionTransformer(np.clip, kw_args={"a_min": 5.0, "a_max": 15.0}, feature_names_out="one-to-one"), ["a"]),
            ("ratio", FunctionTransformer(sx.ratio, **derived), ["a", "b"]),
            ("difference", FunctionTransformer(sx.difference, **derived), ["c", "d"]),
            ("product", FunctionTransformer(sx.product, **derived), ["c", "d", "e"]),
            ("sum", FunctionTransformer(sx.sum_columns, **derived), ["c", "d", "e"]),
            ("hour", FunctionTransformer(sx.hour, **derived), ["ts"]),
            ("dow", FunctionTransformer(sx.day_of_week, **derived), ["ts"]),
            ("month", FunctionTransformer(sx.month, **derived), ["ts"]),
            ("flag", "passthrough", ["flag"]),
            ("maxabs", MaxAbsScaler(), ["c", "d"]),
            ("norm_l2", Normalizer(), ["c", "d"]),
            ("norm_l1", Normalizer("l1"), ["c", "e"]),
            ("binarize", Binarizer(threshold=1.0), ["d"]),
            ("poly", PolynomialFeatures(2), ["c", "d"]),
            ("quant_u", QuantileTransformer(n_quantiles=50), ["c"]),
            ("quant_n", QuantileTransformer(n_quantiles=60, output_distribution="normal"), ["d", "b"]),
            ("yeo", PowerTransformer(), ["c", "b"]),
            ("boxcox", PowerTransformer(method="box-cox", standardize=False), ["d"]),
            ("pca", PCA(2, whiten=True), ["c", "d", "e"]),
            ("target", TargetEncoder(random_state=0), ["color", "size"]),
            ("indicator", SimpleImputer(add_indicator=True), ["a", "b"]),
            ("rare", OneHotEncoder(min_frequency=40, handle_unknown="infrequent_if_exist"), ["size"]),
        ]
        + [
            (f"np_{f.__name__}", FunctionTransformer(f, feature_names_out="one-to-one"), cols)
            for f, cols in [
                (np.log, ["d"]), (np.sqrt, ["d"]), (np.exp, ["c"]), (np.expm1, ["c"]), (np.log2, ["d"]),
                (np.log10, ["d"]), (np.abs, ["c"]), (np.square, ["c"]),
            ]
        ],
        remainder="drop",
        sparse_threshold=0,
    )


def target(df):
    """The target the TargetEncoder branch is fitted on (continuous: `d`); the other branches
    ignore it."""
    return df["d"]


def main():
    rng = np.random.default_rng(42)
    train_path = os.path.join(DATA, "synthetic_train.csv")
    test_path = os.path.join(DATA, "synthetic_test.csv")
    write_csv(make_rows(rng, 240, False), train_path)
    write_csv(make_rows(rng, 80, True), test_path)
    train, test = load(train_path), load(test_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ct = column_transformer().fit(train, target(train))
        X = np.asarray(ct.transform(test), dtype=np.float64)
    names = [str(n) for n in ct.get_feature_names_out()]
    spec = sx.export(ct, name="synthetic-every-transform", field_types={"flag": "boolean", "e": "integer"})
    with open(os.path.join(DATA, "synthetic_features.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    golden = {
        "description": "sklearn float64 ColumnTransformer.transform of synthetic_test.csv (null = NaN), "
        "see tools/make_synthetic_fixture.py",
        "featureNames": names,
        "rows": [{"features": [None if np.isnan(v) else float(v) for v in row]} for row in X],
    }
    with open(os.path.join(DATA, "synthetic_golden.json"), "w", encoding="utf-8") as fh:
        json.dump(golden, fh, indent=0)
        fh.write("\n")
    ops = sorted({t["op"] for t in spec["transforms"]})
    print(f"{X.shape[0]} rows x {X.shape[1]} features; ops: {', '.join(ops)}")


if __name__ == "__main__":
    main()
