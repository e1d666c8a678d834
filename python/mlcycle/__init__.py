"""mlcycle for Python: export a fitted scikit-learn Pipeline (feature spec + ONNX model) and
publish it to an mlcycle registry with the `mlcycle` CLI. See `mlcycle.sklearn`."""

__version__ = "0.1.0"

from .errors import MlcycleError  # noqa: E402,F401
