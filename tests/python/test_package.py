#!/usr/bin/env python3
"""The Python package as a new user meets it: `pip install ./python` in a fresh virtualenv,
then the README's Python block — fit a penguins Pipeline on string labels and publish it — run
as written, and the JS runtime (pkg/) serving the published version with scikit-learn's
predictions (labels equal, probabilities within 1e-5). Also the `mlcycle-sklearn` entry point
and the errors (a refused transformer, a missing CLI).

    MLCYCLE_BIN=target/debug/mlcycle python3 tests/python/test_package.py
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.abspath(os.environ.get("MLCYCLE_BIN", os.path.join(ROOT, "target", "debug", "mlcycle")))

# Appended to the README block: what scikit-learn predicts, for the JS side to match.
EPILOGUE = """
import json as _json, pickle as _pickle
_X = holdout[num + cat]
_json.dump({
    "records": [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in _X.to_dict("records")],
    "labels": [str(v) for v in pipeline.predict(_X)],
    "probabilities": pipeline.predict_proba(_X).tolist(),
    "classes": [str(c) for c in pipeline.classes_],
}, open("expected.json", "w"))
_pickle.dump(pipeline, open("pipeline.pkl", "wb"))
"""


def readme_block():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    blocks = [b for b in blocks if "mlcycle.sklearn.publish" in b]
    assert len(blocks) == 1, f"{len(blocks)} README Python blocks publish"
    return blocks[0]


def run(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{args[:3]} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def main():
    with tempfile.TemporaryDirectory(prefix="mlcycle-py-") as d:
        venv = os.path.join(d, "venv")
        # A fresh venv; scikit-learn, skl2onnx, numpy and pandas come from this machine's site
        # packages (requirements-dev.txt), so nothing is downloaded.
        run([sys.executable, "-m", "venv", "--system-site-packages", venv])
        py = os.path.join(venv, "bin", "python")
        # Installed from a copy: building writes build/ and *.egg-info/ next to the sources.
        src = os.path.join(d, "python")
        shutil.copytree(os.path.join(ROOT, "python"), src,
                        ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
        run([py, "-m", "pip", "install", "--quiet", "--no-build-isolation", src])
        assert os.path.exists(os.path.join(venv, "bin", "mlcycle-sklearn")), "no console entry point"

        work = os.path.join(d, "work")
        os.makedirs(os.path.join(work, "tests"))
        os.symlink(os.path.join(ROOT, "tests", "data"), os.path.join(work, "tests", "data"))
        script = os.path.join(work, "readme.py")
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(readme_block() + EPILOGUE)
        env = dict(os.environ, MLCYCLE_BIN=BIN)
        env.pop("PYTHONPATH", None)  # the installed package, not the checkout
        run([py, script], cwd=work, env=env)
        registry = os.path.join(work, "my-registry")
        manifest = json.load(open(os.path.join(registry, "manifest.json")))
        entry = manifest["models"]["penguins"]["versions"]["1.0.0"]
        assert entry["labels"] == ["Adelie", "Chinstrap", "Gentoo"], entry["labels"]
        assert manifest["models"]["penguins"]["aliases"]["production"] == "1.0.0"
        spec = json.load(open(os.path.join(registry, "penguins", "1.0.0", "features.json")))
        required = {f["name"]: f["required"] for f in spec["fields"]}
        assert required["island"] is True and required["sex"] is False, required  # sex has NaN in training

        r = run(["node", os.path.join(ROOT, "tests", "python", "serve_check.mjs"), registry,
                 os.path.join(work, "expected.json")])
        print(r.stdout.strip())

        # The console entry point publishes a pickled pipeline from CSV files.
        cli = os.path.join(venv, "bin", "mlcycle-sklearn")
        data = os.path.join(ROOT, "tests", "data")
        r = run([cli, "publish", "pipeline.pkl", "--train", os.path.join(data, "penguins_train.csv"),
                 "--holdout", os.path.join(data, "penguins_test.csv"), "--label", "species",
                 "--registry", "my-registry", "--name", "penguins", "--version", "1.1.0", "--alias", "canary",
                 "--rollout", "canary=20"], cwd=work, env=env)
        manifest = json.load(open(os.path.join(registry, "manifest.json")))
        assert "1.1.0" in manifest["models"]["penguins"]["versions"], r.stdout
        # The CSVs hold extra columns (row_id): the spec reads its own fields.

        # Errors carry the CLI's codes.
        r = subprocess.run([cli, "publish", "pipeline.pkl", "--train", os.path.join(data, "penguins_train.csv"),
                            "--holdout", os.path.join(data, "penguins_test.csv"), "--label", "species",
                            "--registry", "my-registry", "--name", "penguins", "--version", "1.1.0"],
                           cwd=work, env=env, capture_output=True, text=True)
        assert r.returncode == 2 and "error[E_INVALID_ARGUMENT]" in r.stderr and "immutable" in r.stderr, r.stderr
        r = subprocess.run([cli, "publish", "pipeline.pkl", "--train", os.path.join(data, "penguins_train.csv"),
                            "--holdout", os.path.join(data, "penguins_test.csv"), "--label", "species",
                            "--registry", "r2", "--name", "p", "--version", "1.0.0", "--cli", "/nonexistent"],
                           cwd=work, env=dict(env, MLCYCLE_BIN="/nonexistent", PATH="/usr/bin:/bin"),
                           capture_output=True, text=True)
        assert r.returncode == 2 and "error[E_NOT_FOUND]" in r.stderr, r.stderr
        refused = subprocess.run([py, "-c", (
            "import pandas as pd, mlcycle.sklearn as m\n"
            "from sklearn.pipeline import make_pipeline\n"
            "from sklearn.preprocessing import SplineTransformer\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "X = pd.DataFrame({'a': [1.0, 2.0, 3.0, 4.0]}); y = ['x', 'y', 'x', 'y']\n"
            "p = make_pipeline(SplineTransformer(n_knots=3), LogisticRegression()).fit(X, y)\n"
            "try:\n    m.export(p, X)\nexcept m.MlcycleError as e:\n    print(e.code, e.message)\n")],
            cwd=work, env=env, capture_output=True, text=True)
        assert refused.stdout.startswith("E_EXPORT") and "SplineTransformer" in refused.stdout, refused
    print("python package: pip install ./python, README block, JS serving, entry point, errors: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
