"""From a fitted scikit-learn Pipeline to mlcycle artifacts and a published registry version.

    import mlcycle.sklearn
    spec, onnx = mlcycle.sklearn.export(pipeline, X_train)          # features.json dict, model bytes
    mlcycle.sklearn.publish(pipeline, X_train, y_train, X_holdout, y_holdout,
                            registry="registry", name="penguins", version="1.0.0", alias="production")

The pipeline is `Pipeline([...preprocessing..., model])`: the preprocessing becomes the feature
spec (`mlcycle.sklearn_export`: one implementation with the Rust pipeline, exact to scikit-learn),
the model becomes ONNX (skl2onnx, float32 input of the spec's width, probabilities without
ZipMap). String class labels stay strings: the ONNX model carries them, the registry serves
them. `publish` runs the `mlcycle` CLI (`cli=`, `$MLCYCLE_BIN`, `mlcycle` on PATH, or one in
this package's `bin/`), which validates the version on the holdout, profiles the training data
for drift, precompiles the model and writes everything into the registry atomically.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import sklearn_export
from .errors import MlcycleError

__all__ = ["export", "publish", "split", "find_cli", "MlcycleError"]


def split(pipeline):
    """(preprocessing, model) of a fitted `Pipeline` whose last step is the model."""
    from sklearn.pipeline import Pipeline

    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) < 2:
        raise MlcycleError("E_EXPORT", "expected a fitted Pipeline of preprocessing steps and a final model")
    model = pipeline.steps[-1][1]
    if not hasattr(model, "predict"):
        raise MlcycleError("E_EXPORT", f"the last step ({type(model).__name__}) is not a model (no predict)")
    return pipeline[:-1], model


def export(pipeline, X_sample, *, name=None, field_types=None, target_opset=None):
    """Returns `(spec, onnx_bytes)`: the feature spec (a dict for features.json) of the
    pipeline's preprocessing and its model as ONNX.

    `X_sample`: the training data or a sample of it (a DataFrame): fields without missing
    values there are `required` in the spec (a record lacking one is refused, not imputed).
    Raises `MlcycleError` (`E_EXPORT`) naming what cannot be exported exactly.
    """
    pre, model = split(pipeline)
    try:
        spec = sklearn_export.export(pre, name=name, field_types=field_types, X=X_sample)
    except sklearn_export.ExportError as e:
        raise MlcycleError("E_EXPORT", str(e)) from e
    width = len(spec["outputs"])
    expected = getattr(model, "n_features_in_", width)
    if expected != width:
        raise MlcycleError("E_EXPORT", f"the preprocessing makes {width} columns, the model was fitted on {expected}")
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType

    # Probabilities as a plain tensor (mlcycle drops ZipMap anyway; this keeps the file small).
    options = {id(model): {"zipmap": False}} if hasattr(model, "classes_") else None
    try:
        onx = convert_sklearn(
            model,
            initial_types=[("input", FloatTensorType([None, width]))],
            options=options,
            target_opset=target_opset,
        )
    except Exception as e:  # noqa: BLE001 - skl2onnx raises many types
        raise MlcycleError("E_EXPORT", f"skl2onnx cannot convert {type(model).__name__}: {e}") from e
    return spec, onx.SerializeToString()


def find_cli(cli=None):
    """The `mlcycle` CLI: `cli`, `$MLCYCLE_BIN`, `mlcycle` on PATH, or `bin/mlcycle` in this package."""
    candidates = [cli, os.environ.get("MLCYCLE_BIN"), shutil.which("mlcycle"),
                  str(Path(__file__).parent / "bin" / "mlcycle")]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise MlcycleError(
        "E_NOT_FOUND",
        "the mlcycle CLI was not found: pass cli=, set MLCYCLE_BIN, or put `mlcycle` on PATH "
        "(cargo build --release --features cli builds target/release/mlcycle)",
    )


def _cli_error(stderr):
    m = re.search(r"error\[(E_[A-Z_]+)\]: (.*)", stderr)
    if m:
        return MlcycleError(m.group(1), m.group(2).strip())
    return MlcycleError("E_CLI", stderr.strip() or "mlcycle failed")


def _with_label(X, y, label):
    import numpy as np
    import pandas as pd

    frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    if label in frame.columns:
        raise MlcycleError("E_INVALID_ARGUMENT", f"the label column `{label}` is also a feature column; pass label=")
    frame[label] = np.asarray(y)
    return frame


def publish(pipeline, X_train, y_train, X_holdout, y_holdout, *, registry, name, version,
            alias=None, rollout=None, sign_key=None, criteria=None, label=None, cli=None,
            expires_days=None):
    """Publishes the fitted `pipeline` as `name` `version` into the registry folder `registry`
    and returns the version.

    `X_*` are the raw records (DataFrames with the columns the pipeline reads), `y_*` their
    labels (strings stay strings). The CLI validates the version on the holdout (against
    `criteria`, e.g. `["accuracy >= 0.9"]`), profiles the training data as the drift
    reference, precompiles the model and writes the version atomically; `alias` points an
    alias at it, `rollout` (`{"canary": 20}`) rolls aliases out to a share of subjects,
    `sign_key` signs the manifest. Raises `MlcycleError` with the CLI's code on failure.
    """
    spec, onnx = export(pipeline, X_train, name=name)
    label = label or (getattr(y_train, "name", None) or "label")
    exe = find_cli(cli)
    with tempfile.TemporaryDirectory(prefix="mlcycle-publish-") as d:
        d = Path(d)
        (d / "features.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (d / "model.onnx").write_bytes(onnx)
        _with_label(X_train, y_train, label).to_csv(d / "train.csv", index=False)
        _with_label(X_holdout, y_holdout, label).to_csv(d / "holdout.csv", index=False)
        args = [exe, "publish", "--registry", str(registry), "--name", name, "--version", version,
                "--model", str(d / "model.onnx"), "--spec", str(d / "features.json"),
                "--train", str(d / "train.csv"), "--holdout", str(d / "holdout.csv"), "--label", label]
        if alias:
            args += ["--alias", alias]
        for a, pct in (rollout or {}).items():
            args += ["--rollout", f"{a}={pct}"]
        if sign_key:
            args += ["--sign-key", str(sign_key)]
        if criteria:
            (d / "criteria.json").write_text(json.dumps(list(criteria)), encoding="utf-8")
            args += ["--criteria", str(d / "criteria.json")]
        if expires_days is not None:
            args += ["--expires-days", str(expires_days)]
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode != 0:
            raise _cli_error(r.stderr)
    return version
