"""Hostile ONNX models (issue 13) that tract-onnx or mlcycle used to panic on; each must now be
refused at load with a typed error (`tests/hostile.rs`, natively and in wasm).

- `dangling_output.onnx`: penguins_logreg.onnx whose graph output names no value (tract-onnx
  panicked in model.rs: "an output that names no node").
- `dangling_input.onnx`: penguins_logreg.onnx whose first node reads a value nothing defines.
- `zero_classes.onnx`: a LinearClassifier with no class labels, coefficients or intercepts (the
  CLI's `predict` indexed out of bounds on its empty probability rows).

Deterministic; run from the repository root with the `onnx` package:
`python3 tests/data/hostile/make_hostile.py`.
"""

import onnx
from onnx import TensorProto, helper

OUT = "tests/data/hostile/"

m = onnx.load("tests/data/penguins_logreg.onnx")
m.graph.output[0].name = "nowhere"
onnx.save(m, OUT + "dangling_output.onnx")

m = onnx.load("tests/data/penguins_logreg.onnx")
m.graph.node[0].input[0] = "ghost"
onnx.save(m, OUT + "dangling_input.onnx")

node = helper.make_node(
    "LinearClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml",
    post_transform="NONE",
)
# Empty lists need their attribute type spelled out.
node.attribute.extend([
    helper.make_attribute("coefficients", [], attr_type=onnx.AttributeProto.FLOATS),
    helper.make_attribute("intercepts", [], attr_type=onnx.AttributeProto.FLOATS),
    helper.make_attribute("classlabels_ints", [], attr_type=onnx.AttributeProto.INTS),
])
graph = helper.make_graph(
    [node], "zero_classes",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
    [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
     helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, None])],
)
model = helper.make_model(
    graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("ai.onnx.ml", 1)],
    producer_name="make_hostile.py",
)
model.ir_version = 8
onnx.save(model, OUT + "zero_classes.onnx")
