#!/usr/bin/env python3
"""Exporter coverage: the preprocessing configurations people fit (issue 14: the 47 common
ones, and the extras PCA, Binarizer, KBinsDiscretizer in every strategy and encoding), each
fitted with scikit-learn on the penguins training rows, exported with mlcycle.sklearn_export,
run through `mlcycle transform --f64` (MLCYCLE_BIN, default target/debug/mlcycle) and compared
with scikit-learn's float64 `transform` on the held-out rows within 1e-6. Configurations whose
encoders tolerate unknown categories also run on a copy of the rows with categories never seen
in fit and missing cells. What is still refused is refused naming the class and parameter.

    python3 tests/python/test_coverage.py        # exits non-zero on failure
"""

import os
import sys
import tempfile
import traceback
import warnings

import numpy as np
import pandas as pd

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
sys.path.insert(0, os.path.dirname(__file__))
from mlcycle import sklearn_export as sx  # noqa: E402
from runner import run_tests  # noqa: E402
from test_exporter import compare, run_transform  # noqa: E402

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    Binarizer, FunctionTransformer, KBinsDiscretizer, MaxAbsScaler, MinMaxScaler, Normalizer,
    OneHotEncoder, OrdinalEncoder, PolynomialFeatures, PowerTransformer, QuantileTransformer,
    RobustScaler, SplineTransformer, StandardScaler, TargetEncoder,
)

DATA = os.path.join(ROOT, "tests", "data")
NUM = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CAT = ["island", "sex"]


def load(name):
    df = pd.read_csv(os.path.join(DATA, name))
    for c in CAT:
        df[c] = df[c].astype(object).where(df[c].notna(), np.nan)
    return df


def _schema_check():
    """Every exported spec is valid against schemas/features.schema.json."""
    import json

    import jsonschema

    with open(os.path.join(ROOT, "schemas", "features.schema.json")) as fh:
        validator = jsonschema.Draft202012Validator(json.load(fh))
    return validator.validate


SCHEMA_CHECK = _schema_check()
TRAIN = load("penguins_train.csv")
TEST = load("penguins_test.csv")


def with_unknowns(df):
    """Rows with categories never seen in fit, and missing cells where training had some
    (`sex`; `island` was never missing in training, so the exported spec requires it)."""
    df = df.copy()
    df.loc[df.index[:3], "island"] = "Atlantis"
    df.loc[df.index[3:5], "sex"] = "unknown"
    df.loc[df.index[5:7], "sex"] = np.nan
    return df


def imputed(*steps):
    """Numeric columns, median-imputed first (for transformers that refuse NaN)."""
    return make_pipeline(SimpleImputer(strategy="median"), *steps)


def ct(*branches, **kw):
    return ColumnTransformer(list(branches), **kw)


def num(est):
    return ("num", est, NUM)


def cat(est):
    return ("cat", est, CAT)


# name -> (fitted-on-demand estimator factory, target column or None, tolerates unknown categories)
CONFIGS = {
    # Scalers.
    "StandardScaler": (lambda: ct(num(StandardScaler())), None, False),
    "StandardScaler(with_mean=False)": (lambda: ct(num(StandardScaler(with_mean=False))), None, False),
    "StandardScaler(with_std=False)": (lambda: ct(num(StandardScaler(with_std=False))), None, False),
    "MinMaxScaler": (lambda: ct(num(MinMaxScaler())), None, False),
    "MinMaxScaler(feature_range=(-1, 1), clip=True)": (lambda: ct(num(MinMaxScaler((-1, 1), clip=True))), None, False),
    "RobustScaler": (lambda: ct(num(RobustScaler())), None, False),
    "RobustScaler(quantile_range=(10, 90), unit_variance=True)":
        (lambda: ct(num(RobustScaler(quantile_range=(10, 90), unit_variance=True))), None, False),
    "RobustScaler(with_centering=False)": (lambda: ct(num(RobustScaler(with_centering=False))), None, False),
    "MaxAbsScaler": (lambda: ct(num(MaxAbsScaler())), None, False),
    "Normalizer(l2)": (lambda: ct(num(imputed(Normalizer()))), None, False),
    "Normalizer(l1)": (lambda: ct(num(imputed(Normalizer("l1")))), None, False),
    "Normalizer(max)": (lambda: ct(num(imputed(Normalizer("max")))), None, False),
    # Imputers.
    "SimpleImputer(mean)": (lambda: ct(num(SimpleImputer())), None, False),
    "SimpleImputer(median)": (lambda: ct(num(SimpleImputer(strategy="median"))), None, False),
    "SimpleImputer(most_frequent)": (lambda: ct(num(SimpleImputer(strategy="most_frequent"))), None, False),
    "SimpleImputer(constant, fill_value=0)": (lambda: ct(num(SimpleImputer(strategy="constant", fill_value=0))), None, False),
    "SimpleImputer(add_indicator=True)": (lambda: ct(num(SimpleImputer(add_indicator=True))), None, False),
    "SimpleImputer(add_indicator=True) on strings":
        (lambda: ct(cat(make_pipeline(SimpleImputer(strategy="most_frequent", add_indicator=True),
                                      OneHotEncoder(handle_unknown="ignore")))), None, True),
    "SimpleImputer(constant 'missing') + OneHotEncoder":
        (lambda: ct(cat(make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                      OneHotEncoder(handle_unknown="ignore")))), None, True),
    # Categorical encoders.
    "OneHotEncoder": (lambda: ct(cat(OneHotEncoder())), None, False),
    "OneHotEncoder(handle_unknown=ignore)": (lambda: ct(cat(OneHotEncoder(handle_unknown="ignore"))), None, True),
    "OneHotEncoder(drop=first)": (lambda: ct(cat(OneHotEncoder(drop="first"))), None, False),
    "OneHotEncoder(drop=if_binary)": (lambda: ct(cat(OneHotEncoder(drop="if_binary"))), None, False),
    "OneHotEncoder(min_frequency=30)":
        (lambda: ct(cat(OneHotEncoder(min_frequency=30, handle_unknown="infrequent_if_exist"))), None, True),
    "OneHotEncoder(max_categories=2)": (lambda: ct(cat(OneHotEncoder(max_categories=2))), None, False),
    "OneHotEncoder(min_frequency=0.2, handle_unknown=ignore)":
        (lambda: ct(cat(OneHotEncoder(min_frequency=0.2, handle_unknown="ignore"))), None, True),
    "OrdinalEncoder": (lambda: ct(cat(OrdinalEncoder())), None, False),
    "OrdinalEncoder(use_encoded_value)":
        (lambda: ct(cat(OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))), None, True),
    "TargetEncoder(multiclass)": (lambda: ct(cat(TargetEncoder(random_state=0))), "species", True),
    "TargetEncoder(binary)": (lambda: ct(cat(TargetEncoder(random_state=0))), "is_adelie", True),
    "TargetEncoder(continuous)": (lambda: ct(cat(TargetEncoder(random_state=0))), "body_mass_g", True),
    # Non-linear numeric transforms.
    "FunctionTransformer(np.log1p)": (lambda: ct(num(FunctionTransformer(np.log1p, feature_names_out="one-to-one"))), None, False),
    "FunctionTransformer(np.log)": (lambda: ct(num(FunctionTransformer(np.log, feature_names_out="one-to-one"))), None, False),
    "FunctionTransformer(np.sqrt)": (lambda: ct(num(FunctionTransformer(np.sqrt, feature_names_out="one-to-one"))), None, False),
    "FunctionTransformer(np.clip)":
        (lambda: ct(num(FunctionTransformer(np.clip, kw_args={"a_min": 0, "a_max": 1000},
                                             feature_names_out="one-to-one"))), None, False),
    "QuantileTransformer(uniform)": (lambda: ct(num(QuantileTransformer(n_quantiles=50))), None, False),
    "QuantileTransformer(normal)":
        (lambda: ct(num(QuantileTransformer(n_quantiles=100, output_distribution="normal"))), None, False),
    "PowerTransformer(yeo-johnson)": (lambda: ct(num(PowerTransformer())), None, False),
    "PowerTransformer(box-cox)": (lambda: ct(num(PowerTransformer(method="box-cox"))), None, False),
    "PowerTransformer(standardize=False)": (lambda: ct(num(PowerTransformer(standardize=False))), None, False),
    "PolynomialFeatures(2)": (lambda: ct(num(imputed(PolynomialFeatures(2)))), None, False),
    "PolynomialFeatures(3, interaction_only, no bias)":
        (lambda: ct(num(imputed(PolynomialFeatures(3, interaction_only=True, include_bias=False)))), None, False),
    # Column plumbing.
    "passthrough + remainder=drop":
        (lambda: ct(("keep", "passthrough", ["bill_length_mm"]), num(SimpleImputer())), None, False),
    "remainder=passthrough": (lambda: ct(("drop_some", "drop", ["row_id", "species"]), cat(OneHotEncoder()),
                                         remainder=SimpleImputer()), None, False),
    "verbose_feature_names_out=False":
        (lambda: ct(num(StandardScaler()), cat(OneHotEncoder()), verbose_feature_names_out=False), None, False),
    "Pipeline(ColumnTransformer, StandardScaler)":
        (lambda: Pipeline([("ct", ct(num(SimpleImputer()), cat(OneHotEncoder()))), ("std", StandardScaler())]),
         None, False),
    "numeric + categorical penguins preprocessing":
        (lambda: ct(num(imputed(StandardScaler())),
                    cat(make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder()))), None, False),
    # Extras.
    "PCA(2)": (lambda: make_pipeline(ct(num(imputed(StandardScaler()))), PCA(2)), None, False),
    "PCA(3, whiten=True)": (lambda: make_pipeline(ct(num(imputed(StandardScaler()))), PCA(3, whiten=True)), None, False),
    "Binarizer(threshold=45)": (lambda: ct(num(imputed(Binarizer(threshold=45.0)))), None, False),
}
for strategy in ("uniform", "quantile", "kmeans"):
    for encode in ("ordinal", "onehot-dense", "onehot"):
        kw = {"quantile_method": "averaged_inverted_cdf"} if strategy == "quantile" else {}
        CONFIGS[f"KBinsDiscretizer({strategy}, {encode})"] = (
            lambda s=strategy, e=encode, kw=kw: ct(num(imputed(KBinsDiscretizer(4, encode=e, strategy=s, **kw)))),
            None, False)


def target(df, name):
    if name == "is_adelie":
        return (df["species"] == "Adelie").astype(int)
    if name == "species":
        return df[name]
    return df[name].fillna(df[name].median())


def fitted(name):
    make, y_col, _ = CONFIGS[name]
    est = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if y_col is None:
            est.fit(TRAIN)
        else:
            est.fit(TRAIN, target(TRAIN, y_col))
    return est


def check(name, est, df, tag):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = est.transform(df)
    if hasattr(want, "toarray"):
        want = want.toarray()
    spec = sx.export(est, X=TRAIN)
    SCHEMA_CHECK(spec)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "rows.csv")
        df.to_csv(path, index=False, na_rep="")
        got = run_transform(spec, path, ["--f64"])
    return compare(f"{name}{tag}", got, want, est.get_feature_names_out())


def test_configurations():
    failures = []
    worst = 0.0
    for name, (_, _, tolerant) in CONFIGS.items():
        try:
            est = fitted(name)
            worst = max(worst, check(name, est, TEST, ""))
            if tolerant:
                worst = max(worst, check(name, est, with_unknowns(TEST), " [unknown categories]"))
        except Exception as e:  # noqa: BLE001 - collect every failure
            traceback.print_exc()
            failures.append(f"{name}: {e}")
    print(f"  {len(CONFIGS)} configurations, {len(CONFIGS) - len(failures)} exact; worst |diff| {worst:.3g}")
    assert not failures, "\n".join(failures)
    assert len(CONFIGS) >= 47 + 3


def refused(est, needles, X=TRAIN):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    try:
        sx.export(est)
    except sx.ExportError as e:
        msg = str(e)
        for needle in needles:
            assert needle in msg, f"message {msg!r} lacks {needle!r}"
        print(f"  refused: {msg}")
        return
    raise AssertionError(f"{est} was exported but should have been refused")


def test_still_refused_names_class_and_parameter():
    refused(ct(cat(OrdinalEncoder(min_frequency=30))), ["OrdinalEncoder", "min_frequency"])
    refused(ct(cat(OneHotEncoder(min_frequency=30, drop="first"))), ["OneHotEncoder", "drop", "min_frequency"])
    refused(ct(num(FunctionTransformer(np.tanh))), ["FunctionTransformer", "tanh"])
    refused(ct(num(imputed(FunctionTransformer(np.log, validate=True)))), ["FunctionTransformer", "validate=True"])
    refused(ct(num(SimpleImputer(strategy="constant", missing_values=-1.0))), ["SimpleImputer", "missing_values=-1.0"],
            X=TRAIN.fillna({c: 0.0 for c in NUM}))
    refused(ct(num(imputed(SplineTransformer()))), ["SplineTransformer"])


def test_missing_values_where_sklearn_refuses_them_are_errors():
    """Normalizer, PolynomialFeatures, PCA, Binarizer refuse NaN in scikit-learn; without an
    imputer before them a missing cell is an E_FEATURE_INVALID naming the field, not NaN out."""
    import subprocess
    import json

    est = ct(num(Normalizer())).fit(TRAIN.dropna(subset=NUM))
    spec = sx.export(est)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "rows.csv")
        TEST.assign(bill_depth_mm=np.nan).head(3).to_csv(path, index=False, na_rep="")
        spec_path = os.path.join(d, "features.json")
        with open(spec_path, "w") as fh:
            json.dump(spec, fh)
        r = subprocess.run([os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle")),
                            "transform", "--spec", spec_path, "--input", path], capture_output=True, text=True)
        assert r.returncode != 0, r.stdout
        assert "E_FEATURE_INVALID" in r.stderr and "bill_depth_mm" in r.stderr and "finite" in r.stderr, r.stderr
        print(f"  {r.stderr.strip().splitlines()[0]}")


if __name__ == "__main__":
    sys.exit(run_tests(globals()))
