#!/usr/bin/env python3
"""Export a fitted scikit-learn preprocessing object to an mlcycle feature spec (features.json).

    python3 -m mlcycle.sklearn_export fitted.pkl --output features.json [--name NAME] [--sample X.csv]

(`python3 tools/sklearn_export.py …` from a checkout runs the same), or, from Python::

    from mlcycle.sklearn_export import export
    spec = export(fitted_column_transformer, X=X_train)   # -> dict, ready for json.dump

With `X` (the training data, or a sample of it), a field is `required` unless `X` has missing
values there: a record without it is then an error, never silently imputed. Without `X`
nothing is known about missing values and every field is optional.

Accepts a fitted ColumnTransformer, a Pipeline whose first step is one (the steps after it are
exported while they are transformers; a final model is ignored), a Pipeline of preprocessing
steps, or a single supported transformer. Anything it cannot represent with the same semantics
is refused with ExportError naming the step, never exported as something different.

Derived columns: use the helper functions below inside a FunctionTransformer, e.g.
``FunctionTransformer(sklearn_export.ratio, feature_names_out=sklearn_export.derived_names)``.
See docs/features.md.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import pickle
import sys
from decimal import Decimal

import numpy as np

SCHEMA = "mlcycle.features/1"

__all__ = [
    "export", "ExportError", "canonical_json", "content_hash",
    "ratio", "difference", "product", "sum_columns", "hour", "day_of_week", "month",
    "derived_names",
]


class ExportError(ValueError):
    """The fitted object holds something mlcycle cannot reproduce exactly."""


# --------------------------------------------------------------------------------------------
# Helper functions for derived columns (picklable, recognised by the exporter).
# --------------------------------------------------------------------------------------------

def _float2d(X):
    a = np.asarray(X, dtype=object)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    out = np.empty(a.shape, dtype=np.float64)
    for idx, v in np.ndenumerate(a):
        if v is None or (isinstance(v, str) and v.strip() == ""):
            out[idx] = np.nan
        else:
            out[idx] = float(v)
    return out


def ratio(X):
    """a / b (numpy division: x/0 = ±inf, 0/0 = NaN)."""
    X = _float2d(X)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (X[:, 0] / X[:, 1]).reshape(-1, 1)


def difference(X):
    """a - b."""
    X = _float2d(X)
    return (X[:, 0] - X[:, 1]).reshape(-1, 1)


def product(X):
    """a * b * ..., left to right."""
    X = _float2d(X)
    return functools.reduce(lambda acc, j: acc * X[:, j], range(1, X.shape[1]), X[:, 0]).reshape(-1, 1)


def sum_columns(X):
    """a + b + ..., left to right."""
    X = _float2d(X)
    return functools.reduce(lambda acc, j: acc + X[:, j], range(1, X.shape[1]), X[:, 0]).reshape(-1, 1)


def _epoch_ms(v):
    import pandas as pd

    if v is None:
        return np.nan
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    s = str(v).strip()
    if s == "" or s.lower() == "nan":
        return np.nan
    try:
        return float(s)
    except ValueError:
        pass
    ts = pd.Timestamp(s)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert("UTC").value / 1e6


def _timestamp_part(X, part):
    import pandas as pd

    a = np.asarray(X, dtype=object)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    out = np.full(a.shape, np.nan)
    for idx, v in np.ndenumerate(a):
        ms = _epoch_ms(v)
        if not math.isnan(ms):
            t = pd.Timestamp(int(math.floor(ms)), unit="ms", tz="UTC")
            out[idx] = {"hour": t.hour, "day_of_week": t.dayofweek, "month": t.month}[part]
    return out


def hour(X):
    """Hour of the day (0-23, UTC) of ISO-8601 strings or epoch milliseconds."""
    return _timestamp_part(X, "hour")


def day_of_week(X):
    """Day of the week, Monday = 0 (UTC)."""
    return _timestamp_part(X, "day_of_week")


def month(X):
    """Month, 1-12 (UTC)."""
    return _timestamp_part(X, "month")


_DERIVED = {  # helper name -> (mlcycle op, per-input?, name pattern)
    "ratio": ("ratio", False, "{0}_div_{1}"),
    "difference": ("difference", False, "{0}_minus_{1}"),
    "product": ("product", False, "_times_"),
    "sum_columns": ("sum", False, "_plus_"),
    "hour": ("hour", True, "{}_hour"),
    "day_of_week": ("day_of_week", True, "{}_day_of_week"),
    "month": ("month", True, "{}_month"),
}


def _derived_output_names(fname, names):
    op, per_input, pattern = _DERIVED[fname]
    names = [str(n) for n in names]
    if per_input:
        return [pattern.format(n) for n in names]
    if "{" in pattern:
        return [pattern.format(*names)]
    return [pattern.join(names)]


def derived_names(transformer, input_features):
    """`feature_names_out` callable for FunctionTransformers of the helpers above."""
    return np.asarray(_derived_output_names(transformer.func.__name__, list(input_features)), dtype=object)


def _helper_name(func):
    mod = getattr(func, "__module__", "") or ""
    name = getattr(func, "__name__", "")
    if name in _DERIVED and (mod.split(".")[-1] == "sklearn_export" or func is globals().get(name)):
        return name
    return None


# --------------------------------------------------------------------------------------------
# Canonical JSON and the content hash (must match src/features/spec.rs).
# --------------------------------------------------------------------------------------------

def _es_number(x):
    x = float(x)
    if not math.isfinite(x):
        return "null"
    if x == 0:
        return "0"
    if x < 0:
        return "-" + _es_number(-x)
    _, digs, exp = Decimal(repr(x)).normalize().as_tuple()
    digits = "".join(map(str, digs))
    k = len(digits)
    n = k + exp
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    mant = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mant}e{sign}{abs(e)}"


def canonical_json(v):
    """RFC 8785-style canonical JSON: sorted keys (UTF-16 order), no whitespace, ES numbers."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return _es_number(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(canonical_json(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical_json(v[k]) for k in keys) + "}"
    raise TypeError(f"not JSON: {type(v).__name__}")


def content_hash(spec):
    """`sha256:<hex>` of the canonical spec without its `hash` member."""
    body = {k: v for k, v in spec.items() if k != "hash"}
    return "sha256:" + hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# The exporter.
# --------------------------------------------------------------------------------------------

def _is_missing(v):
    if v is None:
        return True
    if isinstance(v, str):
        return v == ""
    try:
        return bool(v != v)  # NaN, pd.NA-like
    except (TypeError, ValueError):
        return v is getattr(__import__("pandas"), "NA", object())


def _same(a, b):
    """Whether two exported category values are the same category (None is missing)."""
    return (a is None and b is None) or (a is not None and b is not None and type(a) is type(b) and a == b)


def _num(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _json_scalar(v):
    if _is_missing(v):
        return None
    if isinstance(v, (bool, np.bool_)):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float, np.integer, np.floating)):
        return _num(v)
    if isinstance(v, str):
        return v
    raise ExportError(f"value {v!r} of type {type(v).__name__} cannot be written to a spec")


class _Col:
    __slots__ = ("id", "name", "kind", "field")

    def __init__(self, id, name, kind, field=None):
        self.id, self.name, self.kind, self.field = id, name, kind, field


class _Builder:
    def __init__(self, input_names):
        self.input_names = list(input_names)
        self.fields = {}  # name -> field dict
        self.transforms = []
        self.used_ids = set(self.input_names)

    # -- fields ------------------------------------------------------------------------------
    def raw(self, name):
        return _Col(name, str(name), None, field=name)

    def _need(self, col, kind, ftype, where):
        """Declare that `col` must be of `kind` ('num'|'cat'); fixes raw field types."""
        if col.field is not None and col.kind is None:
            f = self.fields.get(col.field)
            if f is None:
                self.fields[col.field] = f = {"type": ftype, "kind": kind, "categories": None}
            elif f["kind"] != kind:
                raise ExportError(
                    f"{where}: column `{col.field}` is used as {kind} here but as {f['kind']} elsewhere"
                )
            elif f["type"] != ftype and {f["type"], ftype} != {"number"}:
                if f["type"] == "number":
                    f["type"] = ftype
            col.kind = kind
            return
        if col.kind != kind:
            raise ExportError(f"{where}: needs {kind} input but `{col.name}` is {col.kind}")

    def new_id(self, base):
        cand, i = base, 1
        while cand in self.used_ids:
            i += 1
            cand = f"{base}#{i}"
        self.used_ids.add(cand)
        return cand

    def add(self, op, inputs, out_names, out_kind, params, prefix):
        ids = [self.new_id(f"{prefix}{n}") for n in out_names]
        self.transforms.append({"op": op, "inputs": [c.id for c in inputs], "outputs": ids, "params": params})
        return [_Col(i, n, out_kind) for i, n in zip(ids, out_names)]

    # -- steps -------------------------------------------------------------------------------
    def step(self, est, cols, where, prefix):
        from sklearn.pipeline import Pipeline

        if est is None or (isinstance(est, str) and est == "passthrough"):
            return cols
        if isinstance(est, str):
            raise ExportError(f"{where}: `{est}` is not a transformer")
        if isinstance(est, Pipeline):
            for i, (sname, sub) in enumerate(est.steps):
                cols = self.step(sub, cols, f"{where} > step {i} `{sname}`", f"{prefix}{sname}/")
            return cols
        kind = type(est).__name__
        handler = getattr(self, "_" + kind, None)
        if handler is None:
            raise ExportError(
                f"{where}: cannot export {kind}: mlcycle has no transform with the same semantics "
                f"(supported: {', '.join(sorted(_SUPPORTED))})"
            )
        return handler(est, cols, where, prefix)

    def _names_out(self, est, cols):
        try:
            return [str(n) for n in est.get_feature_names_out([c.name for c in cols])]
        except Exception as e:  # noqa: BLE001 - any failure means: cannot name
            raise ExportError(f"{type(est).__name__}: cannot compute output names: {e}") from e

    def _SimpleImputer(self, est, cols, where, prefix):
        if not _is_missing(est.missing_values):
            raise ExportError(
                f"{where}: SimpleImputer(missing_values={est.missing_values!r}) is not supported: "
                "mlcycle's missing values are null, NaN and the empty string; map that marker upstream"
            )
        if est.strategy not in ("mean", "median", "most_frequent", "constant"):
            raise ExportError(f"{where}: SimpleImputer(strategy={est.strategy!r}) is not supported")
        stats = list(est.statistics_)
        ins, out_stats = [], []
        for c, s in zip(cols, stats):
            if _is_missing(s):
                if getattr(est, "keep_empty_features", False):
                    raise ExportError(f"{where}: `{c.name}` has an empty statistic with keep_empty_features")
                continue  # sklearn drops all-missing columns
            if isinstance(s, str):
                self._need(c, "cat", "string", where)
                out_stats.append(s)
            else:
                self._need(c, "num", "number", where)
                out_stats.append(_num(s))
            ins.append(c)
        new = []
        if ins:
            new = self.add("impute", ins, [c.name for c in ins], None,
                           {"strategy": est.strategy, "statistics": out_stats}, prefix)
            for n, c in zip(new, ins):
                n.kind = c.kind
        if not est.add_indicator:
            return new
        # The indicator columns come after the imputed ones, one per feature that had missing
        # values in fit (MissingIndicator(features="missing-only", error_on_new=False)).
        flagged = [cols[int(j)] for j in est.indicator_.features_]
        if not flagged:
            return new
        for c in flagged:
            if c.kind is None:
                self._need(c, "num", "number", where)
        names = self._names_out(est, cols)[len(new):]
        if len(names) != len(flagged):
            raise ExportError(f"{where}: cannot name the indicator columns")
        return new + self.add("missing_indicator", flagged, names, "num", {}, f"{prefix}indicator/")

    def _numeric(self, cols, where):
        for c in cols:
            self._need(c, "num", "number", where)

    def _StandardScaler(self, est, cols, where, prefix):
        self._numeric(cols, where)
        params = {"withMean": bool(est.with_mean), "withStd": bool(est.with_std)}
        if est.with_mean:
            params["mean"] = [_num(x) for x in est.mean_]
        if est.with_std:
            params["scale"] = [_num(x) for x in est.scale_]
        return self.add("standard_scaler", cols, self._names_out(est, cols), "num", params, prefix)

    def _MinMaxScaler(self, est, cols, where, prefix):
        self._numeric(cols, where)
        params = {
            "featureRange": [float(est.feature_range[0]), float(est.feature_range[1])],
            "clip": bool(est.clip),
            "scale": [_num(x) for x in est.scale_],
            "min": [_num(x) for x in est.min_],
        }
        return self.add("min_max_scaler", cols, self._names_out(est, cols), "num", params, prefix)

    def _RobustScaler(self, est, cols, where, prefix):
        self._numeric(cols, where)
        params = {
            "withCentering": bool(est.with_centering),
            "withScaling": bool(est.with_scaling),
            "quantileRange": [float(q) for q in est.quantile_range],
            "unitVariance": bool(est.unit_variance),
        }
        if est.with_centering:
            params["center"] = [_num(x) for x in est.center_]
        if est.with_scaling:
            params["scale"] = [_num(x) for x in est.scale_]
        return self.add("robust_scaler", cols, self._names_out(est, cols), "num", params, prefix)

    def _MaxAbsScaler(self, est, cols, where, prefix):
        self._numeric(cols, where)
        params = {"scale": [_num(x) for x in est.scale_], "clip": bool(getattr(est, "clip", False))}
        return self.add("max_abs_scaler", cols, self._names_out(est, cols), "num", params, prefix)

    def _Normalizer(self, est, cols, where, prefix):
        self._numeric(cols, where)
        if est.norm not in ("l1", "l2", "max"):
            raise ExportError(f"{where}: Normalizer(norm={est.norm!r}) is not supported")
        return self.add("normalizer", cols, self._names_out(est, cols), "num", {"norm": est.norm}, prefix)

    def _Binarizer(self, est, cols, where, prefix):
        self._numeric(cols, where)
        return self.add("binarizer", cols, self._names_out(est, cols), "num",
                        {"threshold": float(est.threshold)}, prefix)

    def _PolynomialFeatures(self, est, cols, where, prefix):
        self._numeric(cols, where)
        powers = [[int(e) for e in row] for row in np.asarray(est.powers_)]
        return self.add("polynomial", cols, self._names_out(est, cols), "num", {"powers": powers}, prefix)

    def _QuantileTransformer(self, est, cols, where, prefix):
        self._numeric(cols, where)
        q = np.asarray(est.quantiles_, dtype=np.float64)
        params = {
            "quantiles": [[float(v) for v in q[:, j]] for j in range(q.shape[1])],
            "references": [float(v) for v in est.references_],
            "outputDistribution": est.output_distribution,
        }
        return self.add("quantile", cols, self._names_out(est, cols), "num", params, prefix)

    def _PowerTransformer(self, est, cols, where, prefix):
        self._numeric(cols, where)
        if est.method not in ("yeo-johnson", "box-cox"):
            raise ExportError(f"{where}: PowerTransformer(method={est.method!r}) is not supported")
        params = {"method": est.method, "lambdas": [float(v) for v in est.lambdas_]}
        if est.standardize:
            params["mean"] = [float(v) for v in est._scaler.mean_]
            params["scale"] = [float(v) for v in est._scaler.scale_]
        return self.add("power", cols, self._names_out(est, cols), "num", params, prefix)

    def _PCA(self, est, cols, where, prefix):
        self._numeric(cols, where)
        comps = np.asarray(est.components_, dtype=np.float64)
        # What sklearn's _BasePCA._transform subtracts and divides by, computed the same way.
        offset = (np.reshape(np.asarray(est.mean_, dtype=np.float64), (1, -1)) @ comps.T).ravel()
        params = {"components": [[float(v) for v in row] for row in comps],
                  "offset": [float(v) for v in offset]}
        if est.whiten:
            scale = np.sqrt(np.asarray(est.explained_variance_, dtype=np.float64))
            scale[scale < np.finfo(scale.dtype).eps] = np.finfo(scale.dtype).eps
            params["scale"] = [float(v) for v in scale]
        return self.add("pca", cols, self._names_out(est, cols), "num", params, prefix)

    def _TargetEncoder(self, est, cols, where, prefix):
        lists = self._categories(est, cols, where)
        enc = [np.asarray(e, dtype=np.float64) for e in est.encodings_]
        if est.target_type_ == "multiclass":
            k = len(est.classes_)
            per_input = [[[float(v) for v in enc[i * k + c]] for c in range(k)] for i in range(len(cols))]
            mean = [float(v) for v in np.ravel(est.target_mean_)]
        else:
            per_input = [[[float(v) for v in enc[i]]] for i in range(len(cols))]
            mean = [float(est.target_mean_)]
        params = {"categories": lists, "encodings": per_input, "targetMean": mean}
        return self.add("target_encoder", cols, self._names_out(est, cols), "num", params, prefix)

    def _categories(self, est, cols, where, allow_infrequent=False):
        if getattr(est, "_infrequent_enabled", False) and not allow_infrequent:
            param = "min_frequency" if getattr(est, "min_frequency", None) is not None else "max_categories"
            raise ExportError(f"{where}: {type(est).__name__}({param}=...) is not supported")
        lists = []
        for c, cats in zip(cols, est.categories_):
            vals = [_json_scalar(v) for v in cats]
            if len(set(map(repr, vals))) != len(vals):
                raise ExportError(
                    f"{where}: categories of `{c.name}` collide once missing markers (None, NaN, \"\") are unified"
                )
            present = [v for v in vals if v is not None]
            is_str = any(isinstance(v, str) for v in present)
            if is_str and not all(isinstance(v, str) for v in present):
                raise ExportError(f"{where}: `{c.name}` mixes string and numeric categories")
            self._need(c, "cat" if is_str else "num", "string" if is_str else "number", where)
            lists.append(vals)
        return lists

    def _field_categories(self, cols, lists):
        for c, vals in zip(cols, lists):
            if c.field is not None and c.id == c.field:
                f = self.fields[c.field]
                f["categories"] = [v for v in vals if v is not None]

    def _OneHotEncoder(self, est, cols, where, prefix):
        lists = self._categories(est, cols, where, allow_infrequent=True)
        rare = None
        if getattr(est, "_infrequent_enabled", False):
            rare = []
            for i, infrequent in enumerate(est.infrequent_categories_):
                group = [] if infrequent is None else [_json_scalar(v) for v in infrequent]
                rare.append(group)
                lists[i] = [v for v in lists[i] if not any(_same(v, r) for r in group)]
        hu = est.handle_unknown
        if hu == "error":
            handle = "error"
            self._field_categories(cols, [l + (r or []) for l, r in zip(lists, rare or [[]] * len(lists))])
        elif hu in ("ignore", "infrequent_if_exist", "warn"):
            handle = "infrequent_if_exist" if rare is not None and hu != "ignore" else "ignore"
        else:
            raise ExportError(f"{where}: OneHotEncoder(handle_unknown={hu!r}) is not supported")
        drop_idx = getattr(est, "drop_idx_", None)
        if rare is not None and drop_idx is not None:
            raise ExportError(f"{where}: OneHotEncoder(drop=...) with min_frequency/max_categories is not supported")
        params = {"categories": lists, "handleUnknown": handle}
        if rare is not None:
            params["infrequent"] = rare
        if drop_idx is not None:
            params["dropIndex"] = [None if d is None else int(d) for d in drop_idx]
        return self.add("one_hot", cols, self._names_out(est, cols), "num", params, prefix)

    def _OrdinalEncoder(self, est, cols, where, prefix):
        lists = self._categories(est, cols, where)
        params = {"categories": lists, "handleUnknown": est.handle_unknown}
        if est.handle_unknown == "use_encoded_value":
            params["unknownValue"] = _num(est.unknown_value)
        elif est.handle_unknown == "error":
            self._field_categories(cols, lists)
        else:
            raise ExportError(f"{where}: OrdinalEncoder(handle_unknown={est.handle_unknown!r}) is not supported")
        params["encodedMissingValue"] = _num(est.encoded_missing_value)
        return self.add("ordinal", cols, self._names_out(est, cols), "num", params, prefix)

    def _KBinsDiscretizer(self, est, cols, where, prefix):
        self._numeric(cols, where)
        encode = {"ordinal": "ordinal", "onehot": "onehot", "onehot-dense": "onehot"}.get(est.encode)
        if encode is None:
            raise ExportError(f"{where}: KBinsDiscretizer(encode={est.encode!r}) is not supported")
        params = {"binEdges": [[float(e) for e in edges] for edges in est.bin_edges_], "encode": encode}
        return self.add("bucketize", cols, self._names_out(est, cols), "num", params, prefix)

    def _FunctionTransformer(self, est, cols, where, prefix):
        f = est.func
        if getattr(est, "validate", False):
            raise ExportError(
                f"{where}: FunctionTransformer(validate=True) is not supported: it refuses NaN and "
                "infinity before the function; impute first and leave validate=False"
            )
        kw = dict(est.kw_args or {})
        helper = _helper_name(f) if f is not None else None
        if f is None:
            op, params = "passthrough", {}
        elif f is np.log1p:
            op, params = "log1p", {}
        elif any(f is g for g in _UNARY):
            op, params = next(name for g, name in _UNARY.items() if f is g), {}
        elif f is np.clip:
            lo = kw.pop("a_min", kw.pop("min", None))
            hi = kw.pop("a_max", kw.pop("max", None))
            if not (lo is None or np.isscalar(lo)) or not (hi is None or np.isscalar(hi)):
                lo = None if lo is None else [_num(x) for x in np.ravel(lo)]
                hi = None if hi is None else [_num(x) for x in np.ravel(hi)]
            else:
                lo = None if lo is None else _num(lo)
                hi = None if hi is None else _num(hi)
            op, params = "clip", {"min": lo, "max": hi}
        elif helper is not None:
            op, per_input, _ = _DERIVED[helper]
            params = {}
            if op in ("hour", "day_of_week", "month"):
                for c in cols:
                    self._need(c, "num", "timestamp", where)
            else:
                self._numeric(cols, where)
            if est.feature_names_out is not None:
                names = self._names_out(est, cols)
            else:
                names = _derived_output_names(helper, [c.name for c in cols])
            if kw:
                raise ExportError(f"{where}: {helper} takes no kw_args")
            return self.add(op, cols, names, "num", params, prefix)
        else:
            raise ExportError(
                f"{where}: cannot export FunctionTransformer(func={getattr(f, '__name__', f)!r}): "
                "only np.log1p, np.clip, " + ", ".join(f"np.{n}" for n in _UNARY.values())
                + " and the helpers of mlcycle.sklearn_export are supported"
            )
        if kw:
            raise ExportError(f"{where}: unsupported kw_args {sorted(kw)} for {getattr(f, '__name__', 'identity')}")
        self._numeric(cols, where)
        if est.feature_names_out is not None:
            names = self._names_out(est, cols)
        else:
            names = [c.name for c in cols]
        return self.add(op, cols, names, "num", params, prefix)


_UNARY = {  # numpy ufunc -> mlcycle op (same IEEE semantics)
    np.log: "log", np.sqrt: "sqrt", np.exp: "exp", np.expm1: "expm1", np.log2: "log2",
    np.log10: "log10", np.abs: "abs", np.square: "square",
}

_SUPPORTED = [
    "SimpleImputer", "StandardScaler", "MinMaxScaler", "RobustScaler", "OneHotEncoder",
    "OrdinalEncoder", "KBinsDiscretizer", "MaxAbsScaler", "Normalizer", "Binarizer",
    "PolynomialFeatures", "QuantileTransformer", "PowerTransformer", "PCA", "TargetEncoder",
    "FunctionTransformer(np.log1p | np.clip | np.log | np.sqrt | np.exp | np.expm1 | np.log2 | "
    "np.log10 | np.abs | np.square | sklearn_export helpers)", "passthrough", "drop",
]


def _input_names(est):
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        return [str(n) for n in names]
    n = getattr(est, "n_features_in_", None)
    if n is None:
        raise ExportError(f"{type(est).__name__} is not fitted (no n_features_in_)")
    return [f"x{i}" for i in range(n)]


def _resolve_columns(cols, names, where):
    if isinstance(cols, (str, int, np.integer)):
        raise ExportError(f"{where}: a scalar column selector gives 1-D input; use a list of columns")
    if isinstance(cols, slice):
        return names[cols]
    arr = list(np.asarray(cols).ravel()) if not isinstance(cols, list) else list(cols)
    if not arr:
        return []
    if all(isinstance(c, (bool, np.bool_)) for c in arr):
        return [n for n, keep in zip(names, arr) if keep]
    if all(isinstance(c, (int, np.integer)) for c in arr):
        return [names[int(c)] for c in arr]
    if all(isinstance(c, str) for c in arr):
        for c in arr:
            if c not in names:
                raise ExportError(f"{where}: column `{c}` is not an input of the fitted transformer")
        return [str(c) for c in arr]
    raise ExportError(f"{where}: cannot resolve column selector {cols!r}")


def _export_ct(ct, b):
    names = b.input_names
    outs = []
    fmt = ct.verbose_feature_names_out
    for bname, trans, cols in ct.transformers_:
        where = f"ColumnTransformer branch `{bname}`"
        if isinstance(trans, str) and trans == "drop":
            continue
        cnames = _resolve_columns(cols, names, where)
        if not cnames:
            continue
        raw = [b.raw(c) for c in cnames]
        res = b.step(trans, raw, where, f"{bname}/")
        if not (isinstance(trans, str) and trans == "passthrough"):
            pass
        for c in res:
            if c.kind != "num":
                if c.field is not None and c.kind is None:
                    b._need(c, "num", "number", where)
                else:
                    raise ExportError(f"{where}: output `{c.name}` is not numeric")
            if fmt is True:
                final = f"{bname}__{c.name}"
            elif fmt is False:
                final = c.name
            elif isinstance(fmt, str):
                final = fmt.format(transformer_name=bname, feature_name=c.name)
            else:
                raise ExportError("ColumnTransformer(verbose_feature_names_out=<callable>) is not supported")
            outs.append((c, final))
    try:
        official = [str(n) for n in ct.get_feature_names_out()]
        if len(official) == len(outs):
            outs = [(c, n) for (c, _), n in zip(outs, official)]
    except Exception:  # noqa: BLE001 - names from our own construction then
        pass
    return outs


def _chain(b, steps, cols, where_prefix):
    for i, (sname, est) in enumerate(steps):
        cols = b.step(est, cols, f"{where_prefix}step {i} `{sname}`", f"{sname}/")
    return cols


def _finish_outputs(b, outs):
    """Returns (column ids, output names), adding passthrough copies where a raw field is output."""
    ids, names = [], []
    raws = [(c, n) for c, n in outs if c.field is not None and c.id == c.field]
    if raws:
        copies = b.add("passthrough", [c for c, _ in raws], [n for _, n in raws], "num", {}, "out/")
        repl = {id(c): k for (c, _), k in zip(raws, copies)}
        outs = [(repl.get(id(c), c), n) for c, n in outs]
    for c, n in outs:
        ids.append(c.id)
        names.append(n)
    # Use the output names as column ids where free, for readability.
    producing = {}
    for t in b.transforms:
        for j, o in enumerate(t["outputs"]):
            producing[o] = (t, j)
    final_ids = []
    for cid, n in zip(ids, names):
        if n not in b.used_ids and cid in producing and ids.count(cid) == 1:
            t, j = producing[cid]
            t["outputs"][j] = n
            for t2 in b.transforms:
                t2["inputs"] = [n if x == cid else x for x in t2["inputs"]]
            b.used_ids.add(n)
            final_ids.append(n)
        else:
            final_ids.append(cid)
    return final_ids, names


def _required_fields(X, names):
    """Fields of `X` (DataFrame or mapping of columns) without a missing value."""
    if X is None:
        return set()
    import pandas as pd

    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    return {n for n in names if n in frame.columns and not frame[n].isna().any()}


def export(fitted, name=None, field_types=None, X=None):
    """Returns the mlcycle feature spec (a dict) of a fitted preprocessing object.

    `X`: the data it was fitted on (or a sample): fields without missing values there are
    `required` (a record lacking one is refused rather than imputed).

    `field_types` overrides inferred field types by name, e.g. {"flag": "boolean"} for a 0/1
    column that records carry as true/false (types cannot all be inferred from fitted
    statistics: a boolean or integer column looks like any number).
    """
    import sklearn
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    steps_after = []
    if isinstance(fitted, ColumnTransformer):
        head = fitted
    elif isinstance(fitted, Pipeline):
        first = fitted.steps[0][1]
        head = first if isinstance(first, ColumnTransformer) else None
        rest = fitted.steps[1:] if head is not None else fitted.steps
        for i, (sname, est) in enumerate(rest):
            last = i == len(rest) - 1
            if last and not hasattr(est, "transform") and est not in (None, "passthrough"):
                break  # the model
            steps_after.append((sname, est))
    else:
        head = None
        steps_after = [(type(fitted).__name__, fitted)]
    b = _Builder(_input_names(head if head is not None else fitted))
    if head is not None:
        outs = _export_ct(head, b)
        cols = []
        for c, n in outs:
            c.name = n
            cols.append(c)
    else:
        cols = [b.raw(n) for n in b.input_names]
    if steps_after:
        cols = _chain(b, steps_after, cols, "Pipeline ")
        outs = [(c, c.name) for c in cols]
    for c, _ in outs:
        if c.kind is None and c.field is not None:
            b._need(c, "num", "number", "output")
        if c.kind != "num":
            raise ExportError(f"output `{c.name}` is not numeric: encode it before the model")
    if not outs:
        raise ExportError("the fitted object produces no output columns")
    out_ids, out_names = _finish_outputs(b, outs)
    order = {n: i for i, n in enumerate(b.input_names)}
    required = _required_fields(X, list(b.fields))
    fields = []
    for fname in sorted(b.fields, key=lambda n: order.get(n, len(order))):
        f = b.fields[fname]
        override = (field_types or {}).get(fname)
        if override is not None:
            allowed = {"num": ("number", "integer", "boolean", "timestamp"), "cat": ("string",)}[f["kind"]]
            if override not in allowed:
                raise ExportError(f"field `{fname}` is {f['kind']}; its type can be one of {allowed}, not {override!r}")
            f["type"] = override
            if override in ("boolean", "timestamp"):
                f["categories"] = None
        fields.append({
            "name": fname, "type": f["type"], "required": fname in required, "min": None, "max": None,
            "categories": f["categories"], "onInvalid": "error", "description": None,
        })
    spec = {
        "schema": SCHEMA,
        "name": name,
        "description": None,
        "fields": fields,
        "transforms": b.transforms,
        "outputs": out_ids,
        "outputNames": None if out_ids == out_names else out_names,
        "source": {
            "exporter": "mlcycle.sklearn_export",
            "estimator": type(fitted).__name__,
            "sklearn": sklearn.__version__,
        },
    }
    spec["hash"] = content_hash(spec)
    return spec


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("fitted", help="pickle (or joblib file) of the fitted ColumnTransformer / Pipeline")
    ap.add_argument("--output", "-o", help="features.json to write (stdout when absent)")
    ap.add_argument("--name", help="spec name")
    ap.add_argument("--field-type", action="append", default=[], metavar="NAME=TYPE",
                    help="override an inferred field type (number, integer, boolean, timestamp, string)")
    ap.add_argument("--sample", metavar="CSV",
                    help="the training data (or a sample): fields without missing values there are required")
    args = ap.parse_args(argv)
    sys.modules.setdefault("sklearn_export", sys.modules[__name__])
    with open(args.fitted, "rb") as fh:
        try:
            fitted = pickle.load(fh)
        except Exception:  # noqa: BLE001 - maybe joblib
            import joblib

            fitted = joblib.load(args.fitted)
    try:
        types = dict(ft.split("=", 1) for ft in args.field_type)
        sample = None
        if args.sample:
            import pandas as pd

            sample = pd.read_csv(args.sample, sep=None, engine="python")
        spec = export(fitted, name=args.name, field_types=types, X=sample)
    except ExportError as e:
        print(f"error: cannot export: {e}", file=sys.stderr)
        return 2
    text = json.dumps(spec, indent=1, ensure_ascii=False) + "\n"
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
