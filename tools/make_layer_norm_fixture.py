"""A small regressor with a LayerNormalization in front (as a PyTorch tabular MLP exports one):
tests/data/variants/layer_norm_regressor.onnx.

tract-core recognizes the normalization's `x·rsqrt(mean(x²)+eps)` core as its `RmsNorm`
operator while decluttering, so the precompiled (NNEF) form of such a model needs tract-nnef's
`tract_core_rms_norm` (tests/nnef_roundtrip.rs, `layer_norm_survives_the_precompiled_form`).

    python3 tools/make_layer_norm_fixture.py
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(17)
scale = numpy_helper.from_array(rng.uniform(0.5, 1.5, 4).astype(np.float32), "scale")
bias = numpy_helper.from_array(rng.uniform(-0.5, 0.5, 4).astype(np.float32), "bias")
w = numpy_helper.from_array(rng.uniform(-1, 1, (4, 1)).astype(np.float32), "w")
nodes = [
    helper.make_node("LayerNormalization", ["x", "scale", "bias"], ["n"], axis=-1, epsilon=1e-5),
    helper.make_node("MatMul", ["n", "w"], ["variable"]),
]
graph = helper.make_graph(
    nodes, "layer_norm_regressor",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
    [helper.make_tensor_value_info("variable", TensorProto.FLOAT, ["N", 1])],
    [scale, bias, w],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="make_layer_norm_fixture.py")
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, "tests/data/variants/layer_norm_regressor.onnx")
