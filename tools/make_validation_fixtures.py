#!/usr/bin/env python3
"""Fixtures of the validation tests (issue 6), every expected number from scikit-learn:

- tests/data/breast_cancer_features.json — passthrough spec of the 30 raw breast-cancer columns
  (ColumnTransformer 'passthrough' exported by tools/sklearn_export.py), for
  breast_cancer_gbt.onnx;
- tests/data/validation_edge_cases.json — awkward inputs (a class never predicted, a class
  absent from the truth, a single-class holdout, probabilities of exactly 0 and 1, ROC ties,
  regression edge cases) with sklearn's metrics, checked by tests/validation_metrics.rs;
- tests/data/validation_penguins_expected.json — sklearn's metrics (overall and per island)
  on the penguins holdout, from the probabilities `mlcycle predict` computes (MLCYCLE_BIN,
  default target/debug/mlcycle), checked by tests/validation_penguins.rs natively and in wasm.

    python3 tools/make_validation_fixtures.py

`sk_classification` / `sk_regression` are also the oracle of tests/python/test_metrics_oracle.py.
"""

import io
import json
import math
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.metrics import (
    accuracy_score, balanced_accuracy_score, brier_score_loss, confusion_matrix, log_loss,
    max_error, mean_absolute_error, mean_squared_error, precision_recall_fscore_support, r2_score,
    average_precision_score, precision_recall_curve, roc_auc_score, roc_curve,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
DATA = os.path.join(ROOT, "tests", "data")
sys.path.insert(0, HERE)
BIN = os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle"))
PENGUIN_LABELS = ["Adelie", "Chinstrap", "Gentoo"]


def num(x):
    """JSON-safe float: NaN/±inf → None."""
    x = float(x)
    return x if math.isfinite(x) else None


def sk_classification(labels, y, proba, n_bins=10):
    """sklearn's metrics in mlcycle's report shape (keys camelCase). y: class indices,
    proba: rows × k float64 (the model's float32 outputs widened)."""
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=np.float64)
    k = len(labels)
    idx = list(range(k))
    pred = np.argmax(proba, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(y, pred, labels=idx, zero_division=0)
        # macro over the labels present in y ∪ pred (sklearn's labels=None); weighted over all
        # (absent labels weigh 0 either way)
        avg = {"macro": precision_recall_fscore_support(y, pred, average="macro", zero_division=0),
               "weighted": precision_recall_fscore_support(y, pred, labels=idx, average="weighted",
                                                           zero_division=0)}
        if k == 2:
            brier = brier_score_loss((y == 1).astype(int), proba[:, 1])
            auc = roc_auc_score((y == 1).astype(int), proba[:, 1]) if len(set(y)) == 2 else float("nan")
        else:
            brier = brier_score_loss(y, proba, labels=idx)
            auc = roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=idx)
        per_auc = []
        for c in idx:
            yc = (y == c).astype(int)
            per_auc.append(roc_auc_score(yc, proba[:, c]) if 0 < yc.sum() < len(yc) else float("nan"))
        curves, calib, pr = [], [], []
        for c in ([1] if k == 2 else idx):
            yc = (y == c).astype(int)
            fpr, tpr, thr = roc_curve(yc, proba[:, c])
            curves.append({"label": labels[c], "fpr": [num(v) for v in fpr], "tpr": [num(v) for v in tpr],
                           "thresholds": [num(v) for v in thr]})
            pp_, rr_, tt_ = precision_recall_curve(yc, proba[:, c])
            pr.append({"label": labels[c], "precision": [float(v) for v in pp_], "recall": [float(v) for v in rr_],
                       "thresholds": [float(v) for v in tt_],
                       "averagePrecision": float(average_precision_score(yc, proba[:, c])) if yc.sum() else None})
            pt, pp = calibration_curve(yc, proba[:, c], n_bins=n_bins, strategy="uniform", pos_label=1)
            calib.append({"label": labels[c], "fractionPositive": [float(v) for v in pt],
                          "meanPredicted": [float(v) for v in pp]})
        out = {
            "rows": int(len(y)),
            "accuracy": accuracy_score(y, pred),
            "balancedAccuracy": balanced_accuracy_score(y, pred),
            "precisionMacro": avg["macro"][0], "recallMacro": avg["macro"][1], "f1Macro": avg["macro"][2],
            "precisionWeighted": avg["weighted"][0], "recallWeighted": avg["weighted"][1],
            "f1Weighted": avg["weighted"][2],
            "logLoss": log_loss(y, proba, labels=idx),
            "brierScore": brier,
            "rocAucOvr": num(auc),
            "confusionMatrix": confusion_matrix(y, pred, labels=idx).tolist(),
            "perClass": {labels[c]: {"precision": float(p[c]), "recall": float(r[c]), "f1": float(f[c]),
                                     "support": int(s[c]), "rocAuc": num(per_auc[c])} for c in idx},
            "rocCurves": curves,
            "prCurves": pr,
            "calibration": calib,
        }
    return {key: (float(v) if isinstance(v, np.floating) else v) for key, v in out.items()}


def sk_regression(y, yhat):
    y, yhat = np.asarray(y, dtype=np.float64), np.asarray(yhat, dtype=np.float64)
    mse = mean_squared_error(y, yhat)
    return {"rows": int(len(y)), "mae": float(mean_absolute_error(y, yhat)), "mse": float(mse),
            "rmse": float(np.sqrt(mse)), "r2": float(r2_score(y, yhat)), "maxError": float(max_error(y, yhat))}


def breast_cancer_spec():
    from sklearn_export import export
    df = pd.read_csv(os.path.join(DATA, "breast_cancer_test.csv"))
    cols = [c for c in df.columns if c != "target"]
    ct = ColumnTransformer([("num", "passthrough", cols)], verbose_feature_names_out=False)
    ct.fit(df[cols])
    return export(ct, name="breast-cancer-raw")


def edge_cases():
    rng = np.random.default_rng(6)
    cases = []

    def add(name, labels, y, proba):
        proba = np.asarray(proba, dtype=np.float64)
        cases.append({"name": name, "labels": labels, "yTrue": [int(v) for v in y],
                      "proba": proba.tolist(), "expected": sk_classification(labels, y, proba)})

    three = ["a", "b", "c"]
    # class "b" never predicted
    add("class_never_predicted", three, [0, 1, 2, 2, 0, 1],
        [[.9, .05, .05], [.1, .2, .7], [.2, .1, .7], [.1, .1, .8], [.6, .3, .1], [.5, .4, .1]])
    # class "c" absent from the truth (still predicted once): recall/F1 ill-defined, AUC undefined
    add("class_absent_from_truth", three, [0, 1, 0, 1, 1],
        [[.7, .2, .1], [.2, .7, .1], [.2, .2, .6], [.4, .5, .1], [.3, .6, .1]])
    # single-class holdout, multiclass model
    add("single_class_multiclass", three, [2, 2, 2, 2],
        [[.1, .1, .8], [.2, .1, .7], [.5, .2, .3], [.0, .0, 1.0]])
    # single-class holdout, binary model
    add("single_class_binary", ["neg", "pos"], [1, 1, 1], [[.2, .8], [.6, .4], [0.0, 1.0]])
    # probabilities of exactly 0 and 1, including a confident mistake (log loss clipping)
    add("exact_zero_one", ["neg", "pos"], [0, 1, 1, 0, 1, 0],
        [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    # heavy ROC ties (scores on a coarse grid)
    y = rng.integers(0, 2, 60)
    s = np.round(np.clip(0.3 * y + rng.random(60) * 0.7, 0, 1) * 4) / 4
    add("binary_roc_ties", ["0", "1"], y, np.stack([1 - s, s], axis=1))
    # multiclass with ties and bin edges exactly on 0.1·i
    y = rng.integers(0, 3, 40)
    raw = rng.integers(0, 10, (40, 3)).astype(np.float64) + 1
    raw[np.arange(40), y] += 4
    add("multiclass_ties", three, y, raw / raw.sum(axis=1, keepdims=True))
    # calibration edges: probabilities exactly on bin edges
    add("calibration_edges", ["0", "1"], [0, 1, 0, 1, 1, 0, 1, 0, 1, 1],
        [[1 - p, p] for p in [0.1, 0.2, 0.30000000000000004, 0.3, 0.5, 0.7, 0.9, 0.0, 1.0, 0.6]])

    regression = []
    for name, yt, yp in [
        ("regression_basic", [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]),
        ("regression_constant_truth_exact", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]),
        ("regression_constant_truth_off", [2.0, 2.0, 2.0], [2.0, 1.0, 3.0]),
        ("regression_random", list(rng.normal(size=25)), list(rng.normal(size=25))),
    ]:
        regression.append({"name": name, "yTrue": [float(v) for v in yt], "yPred": [float(v) for v in yp],
                           "expected": sk_regression(yt, yp)})
    return {"sklearn": __import__("sklearn").__version__, "classification": cases, "regression": regression}


def penguins_probabilities():
    """(truth indices, float64 probabilities, islands) from `mlcycle predict` on the holdout."""
    r = subprocess.run([BIN, "predict", "--model", os.path.join(DATA, "penguins_logreg.onnx"),
                        "--spec", os.path.join(DATA, "penguins_features.json"),
                        "--input", os.path.join(DATA, "penguins_test.csv")],
                       capture_output=True, text=True, check=True)
    out = pd.read_csv(io.StringIO(r.stdout))
    proba = out[[c for c in out.columns if c.startswith("p_")]].to_numpy(dtype=np.float32).astype(np.float64)
    raw = pd.read_csv(os.path.join(DATA, "penguins_test.csv"), keep_default_na=False, dtype=str)
    y = np.array([PENGUIN_LABELS.index(s) for s in raw["species"]])
    return y, proba, raw["island"].tolist()


def penguins_expected():
    y, proba, islands = penguins_probabilities()
    slices = {}
    for v in sorted(set(islands)):
        m = np.array([i == v for i in islands])
        slices[v] = sk_classification(PENGUIN_LABELS, y[m], proba[m])
        del slices[v]["rocCurves"], slices[v]["prCurves"]  # slices carry no curve points
    return {"sklearn": __import__("sklearn").__version__, "labels": PENGUIN_LABELS,
            "metrics": sk_classification(PENGUIN_LABELS, y, proba), "slices": slices}


def write(name, obj):
    with open(os.path.join(DATA, name), "w") as fh:
        json.dump(obj, fh, indent=1, allow_nan=False)
        fh.write("\n")
    print("wrote", os.path.join("tests", "data", name))


def main():
    write("breast_cancer_features.json", breast_cancer_spec())
    write("validation_edge_cases.json", edge_cases())
    write("validation_penguins_expected.json", penguins_expected())


if __name__ == "__main__":
    main()
