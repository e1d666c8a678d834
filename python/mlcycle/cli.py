"""`mlcycle-sklearn`: the same as `mlcycle.sklearn` from a shell, for a pickled (or joblib)
fitted Pipeline and CSV files.

    mlcycle-sklearn export pipeline.pkl --sample train.csv [--label species] --out-dir out/
    mlcycle-sklearn publish pipeline.pkl --train train.csv --holdout holdout.csv --label species \\
        --registry registry --name penguins --version 1.0.0 [--alias production] \\
        [--rollout canary=20] [--sign-key registry.key] [--criteria 'accuracy >= 0.9']
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

from . import sklearn as mls
from .errors import MlcycleError


def _load(path):
    with open(path, "rb") as fh:
        try:
            return pickle.load(fh)
        except Exception:  # noqa: BLE001 - maybe joblib
            import joblib

            return joblib.load(path)


def _frame(path, label=None):
    import pandas as pd

    frame = pd.read_csv(path, sep=None, engine="python")
    if label is None:
        return frame, None
    if label not in frame.columns:
        raise MlcycleError("E_CSV", f"{path}: no label column `{label}` (columns: {', '.join(frame.columns)})")
    return frame.drop(columns=[label]), frame[label]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="mlcycle-sklearn", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="features.json + model.onnx of a fitted Pipeline")
    e.add_argument("pipeline")
    e.add_argument("--sample", required=True, help="training data CSV (fields without missing values become required)")
    e.add_argument("--label", help="label column of the sample, left out of the features")
    e.add_argument("--name")
    e.add_argument("--out-dir", default=".")
    p = sub.add_parser("publish", help="publish a fitted Pipeline into a registry folder")
    p.add_argument("pipeline")
    for flag in ("--train", "--holdout", "--label", "--registry", "--name", "--version"):
        p.add_argument(flag, required=True)
    p.add_argument("--alias")
    p.add_argument("--rollout", action="append", default=[], metavar="ALIAS=PERCENT")
    p.add_argument("--sign-key")
    p.add_argument("--criteria", action="append", default=[], metavar="'METRIC OP VALUE'")
    p.add_argument("--cli", help="the mlcycle CLI (default: $MLCYCLE_BIN or PATH)")
    args = ap.parse_args(argv)
    try:
        fitted = _load(args.pipeline)
        if args.command == "export":
            X, _ = _frame(args.sample, args.label)
            spec, onnx = mls.export(fitted, X, name=args.name)
            out = Path(args.out_dir)
            out.mkdir(parents=True, exist_ok=True)
            (out / "features.json").write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            (out / "model.onnx").write_bytes(onnx)
            print(f"wrote {out / 'features.json'} and {out / 'model.onnx'}")
        else:
            X_train, y_train = _frame(args.train, args.label)
            X_holdout, y_holdout = _frame(args.holdout, args.label)
            rollout = dict(r.split("=", 1) for r in args.rollout)
            version = mls.publish(fitted, X_train, y_train, X_holdout, y_holdout, registry=args.registry,
                                  name=args.name, version=args.version, alias=args.alias, rollout=rollout,
                                  sign_key=args.sign_key, criteria=args.criteria or None, label=args.label,
                                  cli=args.cli)
            print(f"published {args.name} {version} into {args.registry}")
    except MlcycleError as err:
        print(f"error[{err.code}]: {err.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
