#!/usr/bin/env python3
"""Builds the SVM fixtures read by the unit tests in `crates/mlcycle-ops/src/svm.rs`.

Outputs (next to this script):

* `svm_extra.json`: small SVMClassifier / SVMRegressor cases. Each case holds the
  operator's attributes, float32 inputs, and what onnxruntime returns for a
  *single-node* model made of exactly that operator (so the test checks the
  operator, not whatever a converter puts around it). Class labels are always
  `classlabels_ints = [0, 1, ..., k-1]`, so onnxruntime's label output is the
  class index. Most attributes come from scikit-learn models exported with
  skl2onnx; a few cases reuse them with another `post_transform` / `one_class`,
  or are written by hand (the "linear mode" classifier and regressor with no
  support vectors, which no converter emits but onnxruntime implements).
* `svc_svm_attrs.json`: the Scaler and SVMClassifier attributes of the penguins
  interop fixture `svc.onnx` (next to this script, or the path given as argument).

Deterministic: fixed seeds, single-threaded onnxruntime.
Usage: python3 make_svm_extra.py [path/to/svc.onnx]
Versions used: scikit-learn 1.9.1, skl2onnx 1.20.0, onnx 1.23.2, onnxruntime 1.32.0.
"""

import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import make_classification, make_regression
from sklearn.svm import SVC, SVR

HERE = os.path.dirname(os.path.abspath(__file__))
ML = "ai.onnx.ml"


def f32list(a):
    # float(np.float32) is exactly the f32 value, so parsing as f64 and casting back is lossless.
    # NaN (onnxruntime's PROBIT of a score outside [0, 1]) is written as null: JSON has no NaN.
    return [None if np.isnan(v) else float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def node_attrs(model, op_type):
    (node,) = [n for n in model.graph.node if n.op_type == op_type]
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode()
        elif isinstance(v, list) and v and isinstance(v[0], bytes):
            v = [s.decode() for s in v]
        out[a.name] = v
    return out


def export(est, n_features):
    return convert_sklearn(
        est,
        initial_types=[("input", FloatTensorType([None, n_features]))],
        options={id(est): {"zipmap": False}} if hasattr(est, "classes_") else None,
    )


def run_single(op, attrs, x):
    """Runs one SVM node in onnxruntime; returns (labels or None, float output)."""
    n_features = x.shape[1]
    kw = {k: v for k, v in attrs.items() if k not in ("n_classes",)}
    if op == "SVMClassifier":
        kw = dict(kw)
        kw.pop("classlabels_strings", None)
        kw["classlabels_ints"] = list(range(attrs["n_classes"]))
        outputs = [
            helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, None]),
        ]
        out_names = ["label", "scores"]
    else:
        outputs = [helper.make_tensor_value_info("value", TensorProto.FLOAT, [None, 1])]
        out_names = ["value"]
    node = helper.make_node(op, ["X"], out_names, domain=ML, **kw)
    graph = helper.make_graph(
        [node], "svm", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])], outputs
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 1)], ir_version=8
    )
    onnx.checker.check_model(model)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    res = sess.run(None, {"X": x})
    if op == "SVMClassifier":
        return [int(v) for v in res[0]], res[1]
    return None, res[0]


def svm_attrs(model, op):
    a = node_attrs(model, op)
    if op == "SVMClassifier":
        labels = a.pop("classlabels_ints", None) or a.pop("classlabels_strings")
        a["n_classes"] = len(labels)
    return a


def case(name, op, attrs, x):
    x = np.asarray(x, dtype=np.float32)
    labels, out = run_single(op, attrs, x)
    out = np.asarray(out, dtype=np.float32)
    c = {
        "name": name,
        "op": op,
        "attrs": {k: (f32list(v) if isinstance(v, list) and v and isinstance(v[0], float) else v) for k, v in attrs.items()},
        "n_features": int(x.shape[1]),
        "rows": int(x.shape[0]),
        "inputs": f32list(x),
        "ort_output_width": int(out.shape[1]) if out.ndim == 2 else 1,
        "ort_output": f32list(out),
    }
    if labels is not None:
        c["ort_labels"] = labels
    return c


def main():
    cases = []
    rng = np.random.RandomState(7)

    # ---------------- regressors ----------------
    xr, yr = make_regression(n_samples=30, n_features=3, noise=5.0, random_state=1)
    xr = (xr / 2).astype(np.float32)
    yr = yr / 50
    xt = (rng.randn(12, 3)).astype(np.float32)
    for kname, est in [
        ("svr_rbf", SVR(kernel="rbf", gamma=0.4, C=2.0, epsilon=0.1)),
        ("svr_linear", SVR(kernel="linear", C=1.0, epsilon=0.2)),
        ("svr_poly", SVR(kernel="poly", degree=3, gamma=0.5, coef0=1.0, C=1.0, epsilon=0.2)),
        ("svr_sigmoid", SVR(kernel="sigmoid", gamma=0.2, coef0=0.3, C=1.0, epsilon=0.1)),
    ]:
        est.fit(xr, yr)
        a = svm_attrs(export(est, 3), "SVMRegressor")
        assert a["n_supports"] <= 40, (kname, a["n_supports"])
        cases.append(case(kname, "SVMRegressor", a, xt))
        if kname == "svr_rbf":
            b = dict(a)
            b["one_class"] = 1
            cases.append(case("svr_rbf_one_class", "SVMRegressor", b, xt))
    # "linear mode" regressor: no support vectors, coefficients are the weights.
    lin = {
        "kernel_type": "RBF",  # ignored by onnxruntime in linear mode
        "kernel_params": [0.5, 0.0, 3.0],
        "n_supports": 0,
        "coefficients": f32list([0.5, -1.25, 2.0]),
        "rho": f32list([0.75]),
        "post_transform": "NONE",
    }
    cases.append(case("svr_linear_mode", "SVMRegressor", lin, xt))

    # ---------------- classifiers ----------------
    xb, yb = make_classification(
        n_samples=36, n_features=3, n_informative=2, n_redundant=0, n_clusters_per_class=1,
        flip_y=0.1, class_sep=0.8, random_state=3,
    )
    xb = xb.astype(np.float32)
    # test rows: some random, some near the training points (around the boundary)
    xbt = np.vstack([rng.randn(10, 3), xb[:10] + 0.05 * rng.randn(10, 3)]).astype(np.float32)

    est = SVC(kernel="rbf", gamma=0.7, C=1.0, probability=True, random_state=0).fit(xb, yb)
    a = svm_attrs(export(est, 3), "SVMClassifier")
    assert len(a["coefficients"]) <= 40
    cases.append(case("svc_bin_proba_rbf", "SVMClassifier", a, xbt))

    est = SVC(kernel="linear", C=0.5).fit(xb, yb)
    a = svm_attrs(export(est, 3), "SVMClassifier")
    assert len(a["coefficients"]) <= 40
    cases.append(case("svc_bin_linear", "SVMClassifier", a, xbt))
    for pt in ("LOGISTIC", "SOFTMAX", "PROBIT"):
        b = dict(a)
        b["post_transform"] = pt
        if pt == "PROBIT":
            # onnxruntime leaves the second column unwritten (uninitialised memory: it shows
            # whatever an earlier run left there) for a binary SVC without probabilities under
            # PROBIT, so only the first column is comparable.
            c = case("svc_bin_linear_probit", "SVMClassifier", b, xbt)
            c["compare_columns"] = [0]
            c["ort_output"][1::2] = [None] * c["rows"]  # keep the file deterministic
            cases.append(c)
        else:
            cases.append(case("svc_bin_linear_" + pt.lower(), "SVMClassifier", b, xbt))

    xm, ym = make_classification(
        n_samples=45, n_features=3, n_informative=3, n_redundant=0, n_classes=3,
        n_clusters_per_class=1, class_sep=1.2, random_state=5,
    )
    xm = xm.astype(np.float32)
    xmt = np.vstack([rng.randn(10, 3), xm[:10] + 0.1 * rng.randn(10, 3)]).astype(np.float32)
    est = SVC(kernel="poly", degree=3, gamma=0.3, coef0=1.0, C=0.5).fit(xm, ym)
    a = svm_attrs(export(est, 3), "SVMClassifier")
    assert len(a["support_vectors"]) // 3 <= 40
    cases.append(case("svc_multi_poly", "SVMClassifier", a, xmt))
    for pt in ("SOFTMAX", "SOFTMAX_ZERO", "LOGISTIC"):
        b = dict(a)
        b["post_transform"] = pt
        cases.append(case("svc_multi_poly_" + pt.lower(), "SVMClassifier", b, xmt))

    x4, y4 = make_classification(
        n_samples=48, n_features=3, n_informative=3, n_redundant=0, n_classes=4,
        n_clusters_per_class=1, class_sep=1.5, random_state=11,
    )
    x4 = x4.astype(np.float32)
    x4t = np.vstack([rng.randn(8, 3), x4[:8] + 0.1 * rng.randn(8, 3)]).astype(np.float32)
    est = SVC(kernel="sigmoid", gamma=0.2, coef0=0.1, C=1.0, probability=True, random_state=0).fit(x4, y4)
    a = svm_attrs(export(est, 3), "SVMClassifier")
    assert len(a["support_vectors"]) // 3 <= 40, len(a["support_vectors"]) // 3
    cases.append(case("svc_4class_proba_sigmoid", "SVMClassifier", a, x4t))
    b = dict(a)
    b["post_transform"] = "SOFTMAX"
    cases.append(case("svc_4class_proba_sigmoid_softmax", "SVMClassifier", b, x4t))

    # "linear mode" classifiers (no vectors_per_class): scores = X . W^T + rho[0].
    lin3 = {
        "kernel_type": "LINEAR",
        "kernel_params": [0.0, 0.0, 0.0],
        "n_classes": 3,
        "coefficients": f32list([0.5, -1.0, 0.25, -0.5, 0.75, 1.5, 1.0, 0.2, -0.3]),
        "rho": f32list([0.1, 9.0, -9.0]),  # only rho[0] is used by onnxruntime
        "post_transform": "NONE",
    }
    cases.append(case("linear_mode_3class", "SVMClassifier", lin3, xmt))
    b = dict(lin3)
    b["post_transform"] = "SOFTMAX"
    cases.append(case("linear_mode_3class_softmax", "SVMClassifier", b, xmt))
    lin2 = {
        "kernel_type": "LINEAR",
        "kernel_params": [0.0, 0.0, 0.0],
        "n_classes": 2,
        "coefficients": f32list([0.3, -0.6, 0.9, -0.2, 0.4, 0.1]),
        "rho": f32list([0.05]),
        "post_transform": "NONE",
    }
    cases.append(case("linear_mode_binary_mixed", "SVMClassifier", lin2, xbt))
    b = dict(lin2)
    b["coefficients"] = f32list([0.3, 0.6, 0.9, 0.2, 0.4, 0.1])
    cases.append(case("linear_mode_binary_positive", "SVMClassifier", b, xbt))
    b = dict(lin2)
    b["prob_a"] = f32list([1.0])
    b["prob_b"] = f32list([0.0])
    cases.append(case("linear_mode_binary_mixed_proba_flag", "SVMClassifier", b, xbt))

    with open(os.path.join(HERE, "svm_extra.json"), "w") as f:
        json.dump({"generator": "make_svm_extra.py", "onnxruntime": ort.__version__, "cases": cases}, f, allow_nan=False)
        f.write("\n")

    svc_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "svc.onnx")
    if os.path.exists(svc_path):
        m = onnx.load(svc_path)
        sc = node_attrs(m, "Scaler")
        sv = node_attrs(m, "SVMClassifier")
        out = {
            "source": "svc.onnx (shared penguins interop fixture)",
            "scaler": {"offset": f32list(sc["offset"]), "scale": f32list(sc["scale"])},
            "svm": {
                "classlabels_strings": sv["classlabels_strings"],
                "n_classes": len(sv["classlabels_strings"]),
                **{k: (f32list(v) if isinstance(v, list) and v and isinstance(v[0], float) else v)
                   for k, v in sv.items() if k != "classlabels_strings"},
            },
        }
        with open(os.path.join(HERE, "svc_svm_attrs.json"), "w") as f:
            json.dump(out, f)
            f.write("\n")


if __name__ == "__main__":
    main()
