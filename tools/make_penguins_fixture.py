#!/usr/bin/env python3
"""Regenerates tests/data/penguins_features.json: refits the penguins ColumnTransformer on
penguins_train.csv, checks it reproduces penguins_preprocess.json and penguins_golden.json, and
exports it with tools/sklearn_export.py.

    python3 tools/make_penguins_fixture.py
"""

import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sklearn_export import export  # noqa: E402

DATA = os.path.join(HERE, "..", "tests", "data")
NUM = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CAT = ["island", "sex"]


def load(name):
    """Raw CSV as the fixtures define it: empty numeric → NaN, empty categorical → ""."""
    df = pd.read_csv(os.path.join(DATA, name), keep_default_na=False, dtype={c: str for c in CAT})
    for c in NUM:
        df[c] = pd.to_numeric(df[c].replace("", np.nan))
    return df


def fit(train):
    ct = ColumnTransformer(
        [
            ("num", Pipeline([("imputer", SimpleImputer(strategy="median")), ("scaler", StandardScaler())]), NUM),
            (
                "cat",
                Pipeline(
                    [
                        ("imputer", SimpleImputer(strategy="most_frequent", missing_values="")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore")),
                    ]
                ),
                CAT,
            ),
        ],
        remainder="drop",
    )
    return ct.fit(train)


def main():
    train, test = load("penguins_train.csv"), load("penguins_test.csv")
    ct = fit(train)
    ref = json.load(open(os.path.join(DATA, "penguins_preprocess.json")))
    num, cat = ct.named_transformers_["num"], ct.named_transformers_["cat"]
    np.testing.assert_allclose(num["imputer"].statistics_, ref["numeric_imputer"]["statistics"], rtol=0, atol=0)
    np.testing.assert_allclose(num["scaler"].mean_, ref["scaler"]["mean"], rtol=1e-15)
    np.testing.assert_allclose(num["scaler"].scale_, ref["scaler"]["scale"], rtol=1e-15)
    assert list(cat["imputer"].statistics_) == ref["categorical_imputer"]["statistics"]
    for c, cats in zip(CAT, cat["onehot"].categories_):
        assert list(cats) == ref["onehot"]["categories"][c], (c, cats)
    assert list(ct.get_feature_names_out()) == ref["output_feature_order"]
    golden = json.load(open(os.path.join(DATA, "penguins_golden.json")))
    X = np.asarray(ct.transform(test), dtype=np.float64)
    G = np.array([r["features"] for r in golden["rows"]])
    diff = np.abs(X - G).max()
    assert diff <= 1e-12, diff
    spec = export(ct, name="penguins")
    out = os.path.join(DATA, "penguins_features.json")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    print(f"refit matches penguins_preprocess.json; transform vs golden max |diff| = {diff:.3g}; wrote {out}")


if __name__ == "__main__":
    main()
