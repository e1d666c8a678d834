"""Interop fixtures for ai.onnx.ml operators the shared set does not cover, in the shared set's
file format (`<name>.onnx`, `<name>_input.csv`, `<name>_ort.csv`) plus `extra_ops.json` (the
same per-model fields `tests/interop.rs` reads from `interop.json`).

- `columns_logreg`: Pipeline(StandardScaler, LogisticRegression) on the four numeric penguins
  columns, exported with one float input per column (DataFrame-style initial types): skl2onnx
  joins them with a `FeatureVectorizer` before the Scaler.
- `lgbm_nozipmap.onnx`: `lgbm.onnx` with its ZipMap removed (its probabilities tensor becomes the
  output `probabilities`, the same numbers in the same class order): what `make bench` feeds
  onnxruntime-web, which cannot return ZipMap's `seq(map)`.
- `binarizer_logreg`: Pipeline(ColumnTransformer(Binarizer(threshold=200) on flipper length,
  passthrough for the rest), LogisticRegression), one input per column: a `Binarizer`.

Deterministic (fixed data, lbfgs, no randomness); run from the repository root:
`python3 tests/data/interop/make_extra_ops.py` (scikit-learn, skl2onnx, onnxruntime).
"""

import json
import os

import numpy as np
import onnxruntime as ort
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Binarizer, StandardScaler
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..")
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]


def frame(name):
    df = pd.read_csv(os.path.join(DATA, name))
    medians = {"bill_length_mm": 44.5, "bill_depth_mm": 17.3, "flipper_length_mm": 197.0, "body_mass_g": 4100.0}
    for c in NUMERIC:
        df[c] = df[c].fillna(medians[c]).astype(np.float32)
    return df


def write(name, onnx_model, test, meta):
    path = os.path.join(HERE, name)
    onnx_model.graph.name = name  # skl2onnx sets a random uuid
    with open(path + ".onnx", "wb") as f:
        f.write(onnx_model.SerializeToString())
    with open(path + "_input.csv", "w") as f:
        f.write(",".join(NUMERIC) + "\n")
        for _, r in test.iterrows():
            f.write(",".join(str(np.float32(r[c])) for c in NUMERIC) + "\n")
    sess = ort.InferenceSession(path + ".onnx", providers=["CPUExecutionProvider"])
    feed = {c: test[[c]].to_numpy(np.float32) for c in NUMERIC}
    label, proba = sess.run(None, feed)
    with open(path + "_ort.csv", "w") as f:
        f.write("label," + ",".join(f"p_{c}" for c in CLASSES) + "\n")
        for l, p in zip(label, proba):
            f.write(str(l) + "," + ",".join(str(np.float32(v)) for v in p) + "\n")
    meta.append(
        {
            "name": name,
            "input_csv_columns": [{"input": c, "columns": [c]} for c in NUMERIC],
            "operators": sorted({n.op_type for n in onnx_model.graph.node}),
            "onnxruntime": ort.__version__,
        }
    )


def strip_zipmap(name):
    import onnx

    m = onnx.load(os.path.join(HERE, name + ".onnx"))
    g = m.graph
    zipmap = next(n for n in g.node if n.op_type == "ZipMap")
    source = zipmap.input[0]
    g.node.remove(zipmap)
    for n in g.node:
        n.output[:] = ["probabilities" if o == source else o for o in n.output]
        n.input[:] = ["probabilities" if i == source else i for i in n.input]
    old = next(o for o in g.output if o.name == zipmap.output[0])
    g.output.remove(old)
    g.output.append(onnx.helper.make_tensor_value_info("probabilities", onnx.TensorProto.FLOAT, [None, len(CLASSES)]))
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(HERE, name + "_nozipmap.onnx"))


def main():
    train, test = frame("penguins_train.csv"), frame("penguins_test.csv")
    y = train["species"]
    types = [(c, FloatTensorType([None, 1])) for c in NUMERIC]
    opts = {"zipmap": False}
    meta = []

    scaled = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=2000))])
    scaled.fit(train[NUMERIC].to_numpy(np.float32), y)
    m = convert_sklearn(scaled, initial_types=types, options={LogisticRegression: opts}, target_opset={"": 17, "ai.onnx.ml": 1})
    write("columns_logreg", m, test, meta)

    pipe = Pipeline(
        [
            (
                "pre",
                ColumnTransformer(
                    [
                        ("bin", Binarizer(threshold=200.0), ["flipper_length_mm"]),
                        ("num", "passthrough", ["bill_length_mm", "bill_depth_mm", "body_mass_g"]),
                    ]
                ),
            ),
            ("clf", LogisticRegression(max_iter=2000)),
        ]
    ).fit(train[NUMERIC], y)
    m = convert_sklearn(pipe, initial_types=types, options={LogisticRegression: opts}, target_opset={"": 17, "ai.onnx.ml": 1})
    write("binarizer_logreg", m, test, meta)

    strip_zipmap("lgbm")

    with open(os.path.join(HERE, "extra_ops.json"), "w") as f:
        json.dump({"models": meta}, f, indent=1)
        f.write("\n")
    for m in meta:
        print(m["name"], m["operators"])


if __name__ == "__main__":
    main()
