"""Hostile ONNX models (issue 13) that tract-onnx or mlcycle used to panic on; each must now be
refused at load with a typed error (`tests/hostile.rs`, natively and in wasm).

- `dangling_output.onnx`: penguins_logreg.onnx whose graph output names no value (tract-onnx
  panicked in model.rs: "an output that names no node").
- `dangling_input.onnx`: penguins_logreg.onnx whose first node reads a value nothing defines.
- `zero_classes.onnx`: a LinearClassifier with no class labels, coefficients or intercepts (the
  CLI's `predict` indexed out of bounds on its empty probability rows).

Resource-budget cases (each asked tract for terabytes or gigabytes at load: an abort natively,
a trap that poisons the wasm instance), refused by `inference::admission` before tract runs:

- `constant_of_shape.onnx`: ConstantOfShape with the constant shape [1e6, 1e6] (263 bytes).
- `expand.onnx`, `tile.onnx`: Expand to [1e5, 1e5] / Tile with repeats [1e5, 1e5] of an input.
- `range.onnx`: Range(0, 1e12, 1) of constants.
- `lying_initializer.onnx`: an initializer declaring dims [1<<30, 2] that holds no data.
- `external_data.onnx`: an initializer whose data lives in an external file.
- `deep_scan.onnx`: Scan bodies nested 12 deep.

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


def model_of(nodes, name, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_hostile.py")
    m.ir_version = 8
    return m


X = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])
Y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)

shape = helper.make_tensor("shape", TensorProto.INT64, [2], [1000000, 1000000])
m = model_of([helper.make_node("ConstantOfShape", ["shape"], ["big"]),
              helper.make_node("Add", ["X", "big"], ["Y"])],
             "constant_of_shape", [X], [Y], [shape])
onnx.save(m, OUT + "constant_of_shape.onnx")

shape = helper.make_tensor("shape", TensorProto.INT64, [2], [100000, 100000])
onnx.save(model_of([helper.make_node("Expand", ["X", "shape"], ["Y"])], "expand", [X], [Y], [shape]),
          OUT + "expand.onnx")
onnx.save(model_of([helper.make_node("Tile", ["X", "shape"], ["Y"])], "tile", [X], [Y], [shape]),
          OUT + "tile.onnx")

consts = [helper.make_tensor("start", TensorProto.FLOAT, [], [0.0]),
          helper.make_tensor("limit", TensorProto.FLOAT, [], [1e12]),
          helper.make_tensor("delta", TensorProto.FLOAT, [], [1.0])]
m = model_of([helper.make_node("Range", ["start", "limit", "delta"], ["r"]),
              helper.make_node("Add", ["X", "r"], ["Y"])], "range", [X], [Y], consts, opset=13)
onnx.save(m, OUT + "range.onnx")

lie = TensorProto()
lie.name = "W"
lie.data_type = TensorProto.FLOAT
lie.dims.extend([1 << 30, 2])
onnx.save(model_of([helper.make_node("MatMul", ["X", "W"], ["Y"])], "lying_initializer", [X], [Y], [lie]),
          OUT + "lying_initializer.onnx")

ext = TensorProto()
ext.name = "W"
ext.data_type = TensorProto.FLOAT
ext.dims.extend([4, 2])
ext.data_location = TensorProto.EXTERNAL
entry = ext.external_data.add()
entry.key, entry.value = "location", "/etc/passwd"
onnx.save(model_of([helper.make_node("MatMul", ["X", "W"], ["Y"])], "external_data", [X], [Y], [ext]),
          OUT + "external_data.onnx")

# An integer matmul (an int64 input times an int64 weight, cast to float): no matrix kernel
# takes int64, and tract 0.23.9's kernel selection panicked on it ("Can't build a WeightType
# from I64"), which aborted a wasm module; the vendored tract-core evaluates it
# (X = [[1, 2, 3, 4]] gives [[10, 20]]).
W64 = helper.make_tensor("W", TensorProto.INT64, [4, 2], [1, 2, 1, 2, 1, 2, 1, 2])
m = model_of([helper.make_node("MatMul", ["X", "W"], ["Yi"]),
              helper.make_node("Cast", ["Yi"], ["Y"], to=TensorProto.FLOAT)],
             "integer_matmul", [helper.make_tensor_value_info("X", TensorProto.INT64, [None, 4])],
             [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])], [W64])
onnx.checker.check_model(m, full_check=True)
onnx.save(m, OUT + "integer_matmul.onnx")

# Scan bodies nested 12 deep: each body passes its state through the next Scan.
S = helper.make_tensor_value_info("s", TensorProto.FLOAT, [4])
body = helper.make_graph([helper.make_node("Identity", ["s"], ["s_out"])], "leaf",
                         [S], [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [4])])
for depth in range(12):
    scan = helper.make_node("Scan", ["s"], ["s_out"], num_scan_inputs=0, body=body)
    body = helper.make_graph([scan], f"level{depth}", [S],
                             [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [4])])
V = helper.make_tensor_value_info("V", TensorProto.FLOAT, [4])
top = helper.make_node("Scan", ["V"], ["W"], num_scan_inputs=0, body=body)
m = model_of([top], "deep_scan", [V], [helper.make_tensor_value_info("W", TensorProto.FLOAT, [4])])
onnx.save(m, OUT + "deep_scan.onnx")

# Precompiled (NNEF) cases, from penguins_logreg's precompiled form: tract's NNEF parser
# recursed into a stack overflow on deep brackets, and trapped on bad transpose axes, huge
# tiles and variables, and tensor headers declaring more bytes than the archive holds.
import io
import struct
import tarfile

SRC = "tests/data/nnef/penguins_logreg.nnef.tar"


def nnef_variant(out, edit_graph=None, edit_tensor=None):
    with tarfile.open(SRC) as src:
        entries = [(m, src.extractfile(m).read()) for m in src.getmembers()]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as dst:
        for member, data in entries:
            if member.name == "graph.nnef" and edit_graph:
                data = edit_graph(data.decode()).encode()
            if member.name.endswith(".dat") and edit_tensor:
                data = edit_tensor(data)
            info = tarfile.TarInfo(member.name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            dst.addfile(info, io.BytesIO(data))
    with open(OUT + out, "wb") as f:
        f.write(buf.getvalue())


CLOSE = "  probabilities = Normalizer;\n}"
nnef_variant("nnef_deep.nnef.tar", lambda g: g.replace(
    "probabilities = Normalizer;", "probabilities = " + "(" * 5000 + "Normalizer" + ")" * 5000 + ";"))
nnef_variant("nnef_transpose.nnef.tar", lambda g: g.replace(
    CLOSE, "  t = transpose(input, axes = [0, 7]);\n" + CLOSE))
nnef_variant("nnef_tile.nnef.tar", lambda g: g.replace(
    CLOSE, "  t = tile(input, repeats = [100000, 100000]);\n" + CLOSE))
nnef_variant("nnef_variable.nnef.tar", lambda g: g.replace("shape = [9, 3]", "shape = [9, 3000000000]"))
nnef_variant("nnef_tensor_size.nnef.tar",
             edit_tensor=lambda d: d[:4] + struct.pack("<I", 1 << 30) + d[8:])
# The control: the same repacking with no edit loads and predicts (so the refusals above are
# the budget's, not the archive's).
nnef_variant("nnef_repacked.nnef.tar")
