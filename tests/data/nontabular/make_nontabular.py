"""Small, valid ONNX graphs of operators outside tabular models (mlcycle issue 17, bytes).

The vendored tract-onnx registers no loader for these (feature `non-tabular-ops`, off; see
vendor/README.md), so mlcycle's full build refuses each one up front with
E_MODEL_UNSUPPORTED_OP naming it (tests/interop.rs, `non_tabular_operators_are_refused_by_name`).
Each graph passes onnx.checker, and onnxruntime-web 1.30 runs each one (checked when made).

    python3 tests/data/nontabular/make_nontabular.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, os.path.join(HERE, f"{name}.onnx"))


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


w = numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")
save("conv", [helper.make_node("Conv", ["x", "w"], ["y"])],
     [f32("x", [1, 1, 5, 5])], [f32("y", [1, 2, 3, 3])], [w])
save("max_pool", [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])],
     [f32("x", [1, 1, 4, 4])], [f32("y", [1, 1, 3, 3])])
lw = numpy_helper.from_array(np.full((1, 8, 3), 0.1, np.float32), "w")
lr = numpy_helper.from_array(np.full((1, 8, 2), 0.1, np.float32), "r")
save("lstm", [helper.make_node("LSTM", ["x", "w", "r"], ["y"], hidden_size=2)],
     [f32("x", [4, 1, 3])], [f32("y", [4, 1, 1, 2])], [lw, lr])
save("dft", [helper.make_node("DFT", ["x"], ["y"])],
     [f32("x", [1, 8, 1])], [f32("y", [1, 8, 2])])
scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")
save("resize", [helper.make_node("Resize", ["x", "", "scales"], ["y"])],
     [f32("x", [1, 1, 2, 2])], [f32("y", [1, 1, 4, 4])], [scales])
scale = numpy_helper.from_array(np.array(0.5, np.float32), "scale")
zero = numpy_helper.from_array(np.array(0, np.uint8), "zero")
save("quantize_linear", [helper.make_node("QuantizeLinear", ["x", "scale", "zero"], ["y"])],
     [f32("x", [1, 4])], [helper.make_tensor_value_info("y", TensorProto.UINT8, [1, 4])],
     [scale, zero])
sc = numpy_helper.from_array(np.ones(2, np.float32), "scale")
bi = numpy_helper.from_array(np.zeros(2, np.float32), "bias")
save("instance_norm", [helper.make_node("InstanceNormalization", ["x", "scale", "bias"], ["y"])],
     [f32("x", [1, 2, 3])], [f32("y", [1, 2, 3])], [sc, bi])

# A Conv inside an If's branch: the refusal walks subgraph bodies too.
cw = numpy_helper.from_array(np.ones((1, 1, 1, 1), np.float32), "w")
then_g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["t"])], "then", [],
                           [f32("t", [1, 1, 2, 2])])
else_g = helper.make_graph([helper.make_node("Identity", ["x"], ["e"])], "else", [],
                           [f32("e", [1, 1, 2, 2])])
cond = numpy_helper.from_array(np.array(True), "cond")
save("if_conv", [helper.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)],
     [f32("x", [1, 1, 2, 2])], [f32("y", [1, 1, 2, 2])], [cw, cond])
