"""Interop fixtures for the ai.onnx.ml opset-5 `TreeEnsemble` operator, in the shared set's file
format (`<name>.onnx`, `<name>_input.csv`, `<name>_ort.csv`) plus `tree_ensemble_v5.json` (the
same per-model fields `tests/interop.rs` reads from `interop.json`).

No converter emits opset-5 trees by default yet, so the tree models are the committed legacy
exports (`lgbm.onnx`, `hgb.onnx`, `regressor_lgbm.onnx`: onnxmltools / skl2onnx, see README) and
one RandomForestRegressor exported here with skl2onnx, each legacy TreeEnsembleClassifier /
TreeEnsembleRegressor node rewritten by `legacy_to_v5` below into one `TreeEnsemble` node (what
the operator's spec describes: a classifier is `TreeEnsemble` + `ArgMax` + a `LabelEncoder` for
the class labels; `base_values`, dropped in opset 5, become an `Add` after the trees).

- `te5_lgbm`: LGBMClassifier, 300 trees, SOFTMAX_ZERO in the operator (code 3: SOFTMAX (1) and
  LOGISTIC (2) are read swapped by onnxruntime 1.32, see `legacy_fixtures`), NaN routed by
  `nodes_missing_value_tracks_true`; `ArgMax` + `LabelEncoder` for the string labels.
- `te5_hgb`: HistGradientBoostingClassifier, post_transform NONE, `Add(base_values)` then
  `Softmax`, NaN routing.
- `te5_regressor_lgbm`: LGBMRegressor, one target, SUM, NaN routing.
- `te5_rf_average`: RandomForestRegressor (20 trees, depth 6) on the median-imputed numerics,
  aggregate_function AVERAGE (leaf values as the trees hold them, onnxruntime divides by 20).
- `te5_rf_average_f64`: the same forest exported with double input: double `nodes_splits`
  (scikit-learn's float64 thresholds, not float32 numbers) and leaf weights, double output.
- `te5_member_sum`, `te5_member_max`: a hand-built ensemble over the raw numerics (NaN included)
  with every node mode: BRANCH_MEMBER with small integer sets (bill depth, which has decimals:
  17.5 must not match 17) and with a 50-member set (onnxruntime's "big set" path), BRANCH_EQ,
  BRANCH_NEQ (NaN), LT, LEQ, GT, GTE, missing-value tracking on and off, leaves as direct
  children of roots, a one-leaf tree, two targets; aggregate SUM and MAX.

`te5_refused_post.onnx` is `te5_member_sum` with post_transform 1 (SOFTMAX in the spec, LOGISTIC in
onnxruntime 1.32), which mlcycle refuses (E_MODEL_UNSUPPORTED_OP).

Each model is checked against `evaluate_v5` (the spec's semantics in plain Python) before it is
written, so a fixture where onnxruntime and the spec disagree is noticed here.

Deterministic (the committed exports, RandomForestRegressor(random_state=0, n_jobs=1)); run from
the repository root: `python3 tests/data/interop/make_tree_ensemble_v5.py` (onnx, onnxruntime,
scikit-learn, skl2onnx, pandas).
"""

import json
import math
import os

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType
from sklearn.ensemble import RandomForestRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..")
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
CLASSES = ["Adelie", "Chinstrap", "Gentoo"]
MODES = {b"BRANCH_LEQ": 0, b"BRANCH_LT": 1, b"BRANCH_GTE": 2, b"BRANCH_GT": 3, b"BRANCH_EQ": 4, b"BRANCH_NEQ": 5}
LEQ, LT, GTE, GT, EQ, NEQ, MEMBER = range(7)
AVERAGE, SUM, MIN, MAX = range(4)
NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO = 0, 1, 2, 3
OPSETS = [helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 5)]


def f32_text(v):
    """The shortest text that parses back to float32 `v`; NaN -> empty field."""
    v = np.float32(v)
    if np.isnan(v):
        return ""
    s = np.format_float_positional(v, unique=True, trim="-")
    assert np.float32(float(s)) == v, (v, s)
    return s


def read_input(name):
    """(header, text lines, float32 rows with NaN) of a committed `_input.csv`."""
    with open(os.path.join(HERE, name)) as f:
        lines = f.read().splitlines()
    header = lines[0].split(",")
    rows = [[np.float32("nan") if c == "" else np.float32(c) for c in l.split(",")] for l in lines[1:] if l]
    return header, lines, np.array(rows, np.float32)


# ---------------------------------------------------------------- legacy -> opset 5


def legacy_to_v5(node):
    """The opset-5 attributes (as Python lists) equivalent to a legacy tree node: interior nodes
    in pre-order per tree, leaves in the order they are met, one (target, weight) per leaf."""
    a = {x.name: helper.get_attribute_value(x) for x in node.attribute}
    pre = "class" if node.op_type == "TreeEnsembleClassifier" else "target"
    values = a.get("nodes_values") or list(numpy_helper.to_array(a["nodes_values_as_tensor"]))
    weights = a.get(pre + "_weights") or list(numpy_helper.to_array(a[pre + "_weights_as_tensor"]))
    ids = list(zip(a["nodes_treeids"], a["nodes_nodeids"]))
    row = {k: i for i, k in enumerate(ids)}
    missing = a.get("nodes_missing_value_tracks_true") or [0] * len(ids)
    leafw = {}
    for t, n, c, w in zip(a[pre + "_treeids"], a[pre + "_nodeids"], a[pre + "_ids"], weights):
        leafw.setdefault((t, n), []).append((c, w))
    v5 = {k: [] for k in ["splits", "features", "modes", "true", "false", "trueleaf", "falseleaf", "missing",
                          "leaf_targets", "leaf_weights", "roots"]}

    def emit(t, n):
        i = row[(t, n)]
        if a["nodes_modes"][i] == b"LEAF":
            (c, w), = leafw[(t, n)]  # exactly one weight per leaf in these exports
            v5["leaf_targets"].append(c)
            v5["leaf_weights"].append(w)
            return 1, len(v5["leaf_targets"]) - 1
        k = len(v5["splits"])
        v5["splits"].append(values[i])
        v5["features"].append(a["nodes_featureids"][i])
        v5["modes"].append(MODES[a["nodes_modes"][i]])
        v5["missing"].append(missing[i])
        for key in ["true", "false", "trueleaf", "falseleaf"]:
            v5[key].append(None)
        v5["trueleaf"][k], v5["true"][k] = emit(t, a["nodes_truenodeids"][i])
        v5["falseleaf"][k], v5["false"][k] = emit(t, a["nodes_falsenodeids"][i])
        return 0, k

    for t in sorted(set(a["nodes_treeids"])):
        leaf, k = emit(t, 0)
        if leaf:
            # A one-leaf tree: a branch with two equal leaves, not the spec's one-entry idiom
            # (both branches on one leaf), which onnxruntime reads as leaf `root` instead.
            v5["leaf_targets"].append(v5["leaf_targets"][k])
            v5["leaf_weights"].append(v5["leaf_weights"][k])
            for key, v in [("splits", 0.0), ("features", 0), ("modes", LEQ), ("missing", 0), ("true", k),
                           ("false", k + 1), ("trueleaf", 1), ("falseleaf", 1)]:
                v5[key].append(v)
            k = len(v5["splits"]) - 1
        v5["roots"].append(k)
    return v5, a


def tree_ensemble(x, y, v5, n_targets, aggregate, post, dtype, members=None):
    npt = np.float64 if dtype == TensorProto.DOUBLE else np.float32
    kw = dict(
        n_targets=n_targets, aggregate_function=aggregate, post_transform=post, tree_roots=v5["roots"],
        nodes_featureids=v5["features"], nodes_truenodeids=v5["true"], nodes_falsenodeids=v5["false"],
        nodes_trueleafs=v5["trueleaf"], nodes_falseleafs=v5["falseleaf"],
        nodes_missing_value_tracks_true=v5["missing"], leaf_targetids=v5["leaf_targets"],
        nodes_splits=numpy_helper.from_array(np.array(v5["splits"], npt), "nodes_splits"),
        nodes_modes=numpy_helper.from_array(np.array(v5["modes"], np.uint8), "nodes_modes"),
        leaf_weights=numpy_helper.from_array(np.array(v5["leaf_weights"], npt), "leaf_weights"),
    )
    if members is not None:
        kw["membership_values"] = numpy_helper.from_array(np.array(members, npt), "membership_values")
    return helper.make_node("TreeEnsemble", [x], [y], domain="ai.onnx.ml", name="trees", **kw)


def classifier_graph(name, width, te_node, base=None):
    """TreeEnsemble [+ Add(base) + Softmax] -> probabilities; ArgMax + LabelEncoder -> label."""
    nodes = [te_node]
    inits = []
    if base is not None:
        inits.append(numpy_helper.from_array(np.array([base], np.float32), "base_values"))
        nodes += [helper.make_node("Add", [te_node.output[0], "base_values"], ["raw"]),
                  helper.make_node("Softmax", ["raw"], ["probabilities"], axis=1)]
    nodes += [
        helper.make_node("ArgMax", ["probabilities"], ["label_index"], axis=1, keepdims=0),
        helper.make_node("LabelEncoder", ["label_index"], ["label"], domain="ai.onnx.ml",
                         keys_int64s=list(range(len(CLASSES))), values_strings=CLASSES, default_string=""),
    ]
    g = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, width])],
        [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, len(CLASSES)])],
        inits,
    )
    return helper.make_model(g, opset_imports=OPSETS, producer_name="make_tree_ensemble_v5.py")


def regressor_graph(name, width, te_node, dtype=TensorProto.FLOAT, n_targets=1):
    g = helper.make_graph(
        [te_node], name,
        [helper.make_tensor_value_info("input", dtype, [None, width])],
        [helper.make_tensor_value_info("variable", dtype, [None, n_targets])],
    )
    return helper.make_model(g, opset_imports=OPSETS, producer_name="make_tree_ensemble_v5.py")


# ---------------------------------------------------------------- the spec, in plain Python


def evaluate_v5(attrs, X, npt=np.float32):
    """TreeEnsemble by the letter of the spec: splits, members and weights in the tensors' type
    `npt`, comparisons and sums in float64; NaN != t is true (IEEE, and onnxruntime)."""
    a = dict(attrs)
    for k in ["splits", "leaf_weights", "membership_values"]:
        if k in a:
            a[k] = [float(v) for v in np.array(a[k], npt)]
    members, cur = {}, []
    it = iter(a.get("membership_values", []))
    for i, m in enumerate(a["modes"]):
        if m == MEMBER:
            s = set()
            for v in it:
                if math.isnan(v):
                    break
                s.add(float(v))
            members[i] = s
    out = np.zeros((len(X), a["n_targets"]))
    for r, x in enumerate(np.asarray(X, np.float64)):
        acc = [[] for _ in range(a["n_targets"])]
        for root in a["roots"]:
            i, leaf = root, False
            if a["trueleaf"][root] and a["falseleaf"][root] and a["true"][root] == a["false"][root]:
                i, leaf = a["true"][root], True
            while not leaf:
                v, t, m = x[a["features"][i]], float(a["splits"][i]), a["modes"][i]
                go = {LEQ: v <= t, LT: v < t, GTE: v >= t, GT: v > t, EQ: v == t, NEQ: v != t,
                      MEMBER: v in members.get(i, ())}[m]
                go = go or (bool(a["missing"][i]) and math.isnan(v))
                i, leaf = (a["true"][i], a["trueleaf"][i]) if go else (a["false"][i], a["falseleaf"][i])
            acc[a["leaf_targets"][i]].append(float(a["leaf_weights"][i]))
        for k, ws in enumerate(acc):
            agg = a["aggregate"]
            out[r, k] = (sum(ws) / len(a["roots"]) if agg == AVERAGE else sum(ws) if agg == SUM
                         else (min(ws) if agg == MIN else max(ws)) if ws else 0.0)
    return out


def run(model, X):
    onnx.checker.check_model(model)
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": X})


def write(name, model, lines, cols, outputs, meta, note):
    path = os.path.join(HERE, name)
    onnx.save(model, path + ".onnx")
    with open(path + "_input.csv", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(path + "_ort.csv", "w") as f:
        if len(outputs) == 2:  # classifier: label, probabilities
            label, proba = outputs
            f.write("label," + ",".join(f"p_{c}" for c in CLASSES) + "\n")
            for l, p in zip(label, proba):
                f.write(str(l) + "," + ",".join(str(np.float32(v)) for v in p) + "\n")
        else:
            (y,) = outputs
            f.write(",".join(["value"] + [f"value_{k}" for k in range(1, y.shape[1])]) + "\n")
            for row in y:
                f.write(",".join(repr(float(v)) for v in row) + "\n")
    meta.append({
        "name": name,
        "input_csv_columns": [{"input": "input", "columns": cols}],
        "operators": sorted({n.op_type for n in model.graph.node}),
        "exercises": note,
        "onnxruntime": ort.__version__,
    })


def spec_attrs(v5, n_targets, aggregate, members=None):
    d = dict(v5, n_targets=n_targets, aggregate=aggregate)
    if members is not None:
        d["membership_values"] = members
    return d


def check(name, got, want, atol):
    d = float(np.max(np.abs(np.asarray(got, np.float64) - want)))
    assert d <= atol, (name, d)
    print(f"{name}: onnxruntime vs spec max |d| = {d:.3g}")


def legacy_fixtures(meta):
    header, lines, X = read_input("lgbm_input.csv")
    lgbm = onnx.load(os.path.join(HERE, "lgbm.onnx"))
    v5, _ = legacy_to_v5(next(n for n in lgbm.graph.node if n.op_type == "TreeEnsembleClassifier"))
    raw = evaluate_v5(spec_attrs(v5, 3, SUM), X)
    # post_transform 1 and 2: onnxruntime reads them with its own enum (1 = LOGISTIC,
    # 2 = SOFTMAX), the spec says 1 = SOFTMAX, 2 = LOGISTIC. mlcycle refuses both codes with
    # several targets; this notices an onnxruntime that changes its reading.
    e = np.exp(raw - raw.max(1, keepdims=True))
    softmax, sigmoid = e / e.sum(1, keepdims=True), 1 / (1 + np.exp(-raw))
    for code, want in [(1, sigmoid), (2, softmax)]:
        m = classifier_graph("swap", 4, tree_ensemble("input", "probabilities", v5, 3, SUM, code, TensorProto.FLOAT))
        check(f"post_transform {code} (onnxruntime's reading)", run(m, X)[1], want, 1e-5)
    m = classifier_graph("te5_lgbm", 4, tree_ensemble("input", "probabilities", v5, 3, SUM, SOFTMAX_ZERO, TensorProto.FLOAT))
    out = run(m, X)
    check("te5_lgbm", out[1], softmax, 1e-5)
    write("te5_lgbm", m, lines, header, out, meta,
          "TreeEnsemble (300 trees, SOFTMAX_ZERO, missing-value tracking) + ArgMax + LabelEncoder")

    hgb = onnx.load(os.path.join(HERE, "hgb.onnx"))
    node = next(n for n in hgb.graph.node if n.op_type == "TreeEnsembleClassifier")
    v5, a = legacy_to_v5(node)
    m = classifier_graph("te5_hgb", 4, tree_ensemble("input", "scores", v5, 3, SUM, NONE, TensorProto.FLOAT),
                         base=a["base_values"])
    out = run(m, X)
    raw = evaluate_v5(spec_attrs(v5, 3, SUM), X) + np.array(a["base_values"], np.float64)
    e = np.exp(raw - raw.max(1, keepdims=True))
    check("te5_hgb", out[1], e / e.sum(1, keepdims=True), 1e-5)
    write("te5_hgb", m, lines, header, out, meta,
          "TreeEnsemble (post NONE, missing-value tracking) + Add(base_values) + Softmax + ArgMax + LabelEncoder")

    header, lines, X = read_input("regressor_lgbm_input.csv")
    reg = onnx.load(os.path.join(HERE, "regressor_lgbm.onnx"))
    v5, _ = legacy_to_v5(next(n for n in reg.graph.node if n.op_type == "TreeEnsembleRegressor"))
    m = regressor_graph("te5_regressor_lgbm", 3, tree_ensemble("input", "variable", v5, 1, SUM, NONE, TensorProto.FLOAT))
    out = run(m, X)
    check("te5_regressor_lgbm", out[0], evaluate_v5(spec_attrs(v5, 1, SUM), X), 1e-2)
    write("te5_regressor_lgbm", m, lines, header, out, meta, "TreeEnsemble regressor (100 trees, SUM, missing-value tracking)")
    # onnxruntime ignores LOGISTIC / SOFTMAX with one target (only PROBIT applies): mlcycle must too.
    m = regressor_graph("one_target_logistic", 3, tree_ensemble("input", "variable", v5, 1, SUM, LOGISTIC, TensorProto.FLOAT))
    assert np.array_equal(run(m, X)[0], out[0]), "onnxruntime now applies LOGISTIC to one target"


def rf_fixtures(meta):
    def frame(name):
        df = pd.read_csv(os.path.join(DATA, name))
        medians = {"bill_length_mm": 44.5, "bill_depth_mm": 17.3, "flipper_length_mm": 197.0, "body_mass_g": 4100.0}
        for c in NUMERIC:
            df[c] = df[c].fillna(medians[c]).astype(np.float32)
        return df

    train, test = frame("penguins_train.csv"), frame("penguins_test.csv")
    cols = NUMERIC[:3]
    rf = RandomForestRegressor(n_estimators=20, max_depth=6, random_state=0, n_jobs=1)
    rf.fit(train[cols].to_numpy(np.float32), train["body_mass_g"].to_numpy(np.float64))
    X = test[cols].to_numpy(np.float32)
    lines = [",".join(cols)] + [",".join(f32_text(v) for v in r) for r in X]
    for name, ttype, dtype, npt in [("te5_rf_average", FloatTensorType, TensorProto.FLOAT, np.float32),
                                    ("te5_rf_average_f64", DoubleTensorType, TensorProto.DOUBLE, np.float64)]:
        legacy = convert_sklearn(rf, initial_types=[("input", ttype([None, 3]))], target_opset={"": 17, "ai.onnx.ml": 3})
        node = next(n for n in legacy.graph.node if n.op_type == "TreeEnsembleRegressor")
        v5, a = legacy_to_v5(node)
        if npt is np.float64:
            # scikit-learn's thresholds are float32 numbers (it trains on float32): move each a
            # quarter float32 step down or up, which leaves every float32 input on the same
            # side, so the splits are true doubles and onnxruntime's results do not change.
            s = np.array(v5["splits"], np.float32)
            step = (np.nextafter(s, np.float32(np.inf)) - s).astype(np.float64) / 4
            v5["splits"] = list(s.astype(np.float64) + np.where(np.arange(len(s)) % 2 == 0, -step, step))
        agg = a.get("aggregate_function", b"SUM")
        if agg == b"SUM":  # skl2onnx folds 1/n_trees into the weights: undo it for AVERAGE
            v5["leaf_weights"] = [w * len(v5["roots"]) for w in v5["leaf_weights"]]
        m = regressor_graph(name, 3, tree_ensemble("input", "variable", v5, 1, AVERAGE, NONE, dtype), dtype)
        out = run(m, X.astype(npt))
        check(name, out[0], evaluate_v5(spec_attrs(v5, 1, AVERAGE), X, npt), 1e-2)
        if npt is np.float64:
            s = np.array(v5["splits"], np.float64)
            near = dict(v5, splits=list(s.astype(np.float32).astype(np.float64)))
            moved = np.abs(evaluate_v5(spec_attrs(near, 1, AVERAGE), X, npt) - out[0]).max(1) > 1e-6
            print(f"{name}: {int(np.sum(s.astype(np.float32).astype(np.float64) != s))} of {len(s)} splits are "
                  f"not float32 numbers; rounding them to the nearest float32 would change {int(moved.sum())} rows")
        write(name, m, lines, cols, out, meta,
              f"TreeEnsemble regressor, aggregate AVERAGE (20 trees), {'double' if npt is np.float64 else 'float'} splits and input")


def member_v5():
    """The hand-built ensemble (see the module doc). Tree 0 is a one-leaf tree: its root entry
    is node 0 with both branches on leaf 0 (the spec's idiom; onnxruntime reads leaf `root`)."""
    nodes = []  # (feature, mode, split, missing, (trueleaf, true), (falseleaf, false))
    leaves = []  # (target, weight)

    def leaf(t, w):
        leaves.append((t, w))
        return (1, len(leaves) - 1)

    def node(feature, mode, split, missing):
        nodes.append([feature, mode, split, missing, None, None])
        return len(nodes) - 1

    def link(k, t, f):
        nodes[k][4], nodes[k][5] = t, f
        return (0, k)

    roots = []
    # tree 0: one leaf
    r = node(0, LEQ, 0.0, 0)
    l0 = leaf(1, 0.125)
    link(r, l0, l0)
    roots.append(r)
    # tree 1: flipper in {181, 190, 195, 210, 215} (NaN true) -> leaf; else bill length < 45 ...
    r = node(2, MEMBER, 0.0, 1)
    n1 = node(0, LT, 45.0, 0)
    n2 = node(1, MEMBER, 0.0, 0)  # bill depth in {15..19}: 17.5 and 16.6 are no members
    link(n2, leaf(0, 3.0), leaf(1, 4.0))
    link(n1, leaf(1, 2.0), (0, n2))
    link(r, leaf(0, 1.0), (0, n1))
    roots.append(r)
    # tree 2: body mass != 3800 (NaN: true, as IEEE) -> GTE bill depth 17.3 (NaN true) -> EQ flipper 190
    r = node(3, NEQ, 3800.0, 0)
    n4 = node(1, GTE, 17.3, 1)
    n5 = node(2, EQ, 190.0, 0)
    link(n5, leaf(0, 7.0), leaf(1, 0.5))
    link(n4, (0, n5), leaf(1, -5.0))
    link(r, (0, n4), leaf(0, 10.0))
    roots.append(r)
    # tree 3: flipper > 200 -> body mass in a 50-member set (NaN true); else leaf
    r = node(2, GT, 200.0, 0)
    n7 = node(3, MEMBER, 0.0, 1)
    link(n7, leaf(0, 100.0), leaf(0, -100.0))
    link(r, (0, n7), leaf(1, 0.25))
    roots.append(r)
    # tree 4: body mass <= 4000 (NaN true), two leaves on two targets
    r = node(3, LEQ, 4000.0, 1)
    link(r, leaf(0, 0.5), leaf(1, 0.75))
    roots.append(r)

    members = [181.0, 190.0, 195.0, 210.0, 215.0, math.nan, 15.0, 16.0, 17.0, 18.0, 19.0, math.nan]
    members += [float(v) for v in range(4000, 6500, 50)]  # last set: no trailing NaN needed
    v5 = {
        "splits": [n[2] for n in nodes], "features": [n[0] for n in nodes], "modes": [n[1] for n in nodes],
        "missing": [n[3] for n in nodes], "trueleaf": [n[4][0] for n in nodes], "true": [n[4][1] for n in nodes],
        "falseleaf": [n[5][0] for n in nodes], "false": [n[5][1] for n in nodes],
        "leaf_targets": [l[0] for l in leaves], "leaf_weights": [l[1] for l in leaves], "roots": roots,
    }
    return v5, members


def member_fixtures(meta):
    header, lines, X = read_input("lgbm_input.csv")
    v5, members = member_v5()
    for name, agg in [("te5_member_sum", SUM), ("te5_member_max", MAX)]:
        te = tree_ensemble("input", "variable", v5, 2, agg, NONE, TensorProto.FLOAT, members)
        m = regressor_graph(name, 4, te, n_targets=2)
        out = run(m, X)
        check(name, out[0], evaluate_v5(spec_attrs(v5, 2, agg, members), X), 0.0)
        if agg == SUM:
            # post_transform 1 with two targets: SOFTMAX to the spec, LOGISTIC to onnxruntime.
            te = tree_ensemble("input", "variable", v5, 2, agg, SOFTMAX, TensorProto.FLOAT, members)
            onnx.save(regressor_graph("te5_refused_post", 4, te, n_targets=2), os.path.join(HERE, "te5_refused_post.onnx"))
        write(name, m, lines, header, out, meta,
              f"hand-built TreeEnsemble, every node mode (BRANCH_MEMBER small and 50-member sets), one-leaf tree, "
              f"leaves under roots, NaN with and without tracking, 2 targets, aggregate {'SUM' if agg == SUM else 'MAX'}")


def main():
    meta = []
    legacy_fixtures(meta)
    rf_fixtures(meta)
    member_fixtures(meta)
    with open(os.path.join(HERE, "tree_ensemble_v5.json"), "w") as f:
        json.dump({"generator": "make_tree_ensemble_v5.py", "models": meta}, f, indent=1)
        f.write("\n")
    for m in meta:
        print(m["name"], m["operators"])


if __name__ == "__main__":
    main()
