//! String tensors, interned before tract sees the graph.
//!
//! scikit-learn exports carry strings in three places: string **inputs** (one tensor per
//! DataFrame column: `island`, `sex`), string **constants** (the categories of a
//! `OneHotEncoder`, the keys of the `LabelEncoder`s skl2onnx uses for string imputation, string
//! initializers) and string **class labels** (`classlabels_strings` on every classifier).
//! tract's typed ops cannot carry strings through arithmetic-free plumbing (`Concat`, `Where`,
//! `Gather`) reliably and not at all through its ai.onnx.ml label lookups (`String doesn't
//! implement Zero`), and string tensors cost code and bytes in both builds.
//!
//! So mlcycle rewrites the protobuf once, before parsing: every string constant in the graph
//! goes into a sorted **vocabulary**, every string becomes its `int64` index in it, every string
//! tensor becomes an `int64` tensor, and the string-keyed ai.onnx.ml attributes become their
//! `int64` twins (`keys_strings` → `keys_int64s`, `cats_strings` → `cats_int64s`,
//! `classlabels_strings` → `classlabels_int64s`, `CategoryMapper` → an int64 `LabelEncoder`).
//! At prediction time [`crate::inference::Model`] maps each input string to its index once per
//! distinct value; a string the vocabulary does not hold gets a fresh index past its end (one
//! per distinct string in the batch), so it matches no category and no key — exactly what
//! onnxruntime does with an unknown string — and two unknown strings still compare unequal.
//!
//! What the rewrite refuses (with `E_MODEL_UNSUPPORTED_OP` naming the operator): any operator
//! other than the plumbing, comparison and encoder operators below reading a string tensor
//! (e.g. `Cast` from string to number, string concatenation, a `Scan`/`If`/`Loop` whose
//! subgraph would see them) and a `Cast` to string from numbers.

use std::collections::{BTreeSet, HashMap, HashSet};
use tract_onnx::pb::{
    self, attribute_proto::AttributeType, tensor_proto::DataType, type_proto, ModelProto, NodeProto,
};

/// ONNX's default for a missing `default_string` (LabelEncoder, CategoryMapper).
const UNUSED: &str = "_Unused";

/// Operators that move string values without looking at them: `(op, data inputs)` where
/// `None` means every input. Their outputs are strings when a data input is.
const PLUMBING: &[(&str, Option<&[usize]>)] = &[
    ("Identity", None),
    ("Concat", None),
    ("Gather", Some(&[0])),
    ("GatherElements", Some(&[0])),
    ("Reshape", Some(&[0])),
    ("Squeeze", Some(&[0])),
    ("Unsqueeze", Some(&[0])),
    ("Flatten", Some(&[0])),
    ("Transpose", Some(&[0])),
    ("Slice", Some(&[0])),
    ("Expand", Some(&[0])),
    ("Tile", Some(&[0])),
    ("Split", Some(&[0])),
    ("ArrayFeatureExtractor", Some(&[0])),
    ("Where", Some(&[1, 2])),
];

/// Operators that may read interned strings and produce numbers (or, for LabelEncoder and
/// CategoryMapper with string values, interned strings again).
const STRING_READERS: &[&str] = &["LabelEncoder", "OneHotEncoder", "CategoryMapper", "Equal"];

const CLASSIFIERS: &[&str] = &[
    "TreeEnsembleClassifier",
    "LinearClassifier",
    "SVMClassifier",
    "ZipMap",
];

/// What the rewrite produced.
#[derive(Debug, Default)]
pub(crate) struct Interned {
    /// Every string constant of the graph, sorted; a string's index is its int64 value.
    pub vocabulary: Vec<String>,
    /// Inputs whose unknown strings must be refused: they reach a `OneHotEncoder` with
    /// `zeros = 0` (scikit-learn's `handle_unknown='error'`), where onnxruntime fails the run.
    pub strict_inputs: Vec<String>,
}

/// The rewrite's refusals: `(operator, reason)`.
pub(crate) type Refusal = (String, String);

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn attr_mut<'a>(node: &'a mut NodeProto, name: &str) -> Option<&'a mut pb::AttributeProto> {
    node.attribute.iter_mut().find(|a| a.name == name)
}

fn utf8(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn is_string_tensor(t: &pb::TensorProto) -> bool {
    t.data_type == DataType::String as i32
}

fn refuse(node: &NodeProto, reason: impl Into<String>) -> Refusal {
    (node.op_type.clone(), reason.into())
}

/// Whether the graph has anything to intern (string inputs, initializers or attributes).
fn has_strings(graph: &pb::GraphProto) -> bool {
    let string_type = |v: &pb::ValueInfoProto| {
        matches!(
            v.r#type.as_ref().and_then(|t| t.value.as_ref()),
            Some(type_proto::Value::TensorType(t)) if t.elem_type == DataType::String as i32
        )
    };
    graph.input.iter().any(string_type)
        || graph.initializer.iter().any(is_string_tensor)
        || graph.node.iter().any(|n| {
            n.attribute.iter().any(|a| {
                STRING_ATTRIBUTES.contains(&a.name.as_str())
                    || a.t.as_ref().is_some_and(is_string_tensor)
            })
        })
}

/// The string-valued attributes the rewrite turns into int64 ones.
const STRING_ATTRIBUTES: &[&str] = &[
    "classlabels_strings",
    "keys_strings",
    "values_strings",
    "cats_strings",
    "default_string",
    "value_strings",
];

/// Rewrites every string of `proto` to its index in the graph's vocabulary (module docs).
pub(crate) fn intern(proto: &mut ModelProto) -> Result<Interned, Refusal> {
    let Some(graph) = proto.graph.as_mut() else {
        return Ok(Interned::default());
    };
    if !has_strings(graph) {
        return Ok(Interned::default());
    }

    // 1. Which tensors hold strings, and which string inputs each one derives from.
    let mut origins: HashMap<String, BTreeSet<usize>> = HashMap::new();
    for (i, input) in graph.input.iter().enumerate() {
        if let Some(type_proto::Value::TensorType(t)) =
            input.r#type.as_ref().and_then(|t| t.value.as_ref())
        {
            if t.elem_type == DataType::String as i32 {
                origins.insert(input.name.clone(), BTreeSet::from([i]));
            }
        }
    }
    for t in graph.initializer.iter().filter(|t| is_string_tensor(t)) {
        origins.entry(t.name.clone()).or_default();
    }
    let mut strict: BTreeSet<usize> = BTreeSet::new();
    let mut vocabulary: BTreeSet<String> = BTreeSet::new();
    for t in graph.initializer.iter().filter(|t| is_string_tensor(t)) {
        vocabulary.extend(t.string_data.iter().map(|s| utf8(s)));
    }
    for node in &graph.node {
        let op = node.op_type.as_str();
        let string_inputs: Vec<usize> = node
            .input
            .iter()
            .enumerate()
            .filter(|(_, name)| origins.contains_key(name.as_str()))
            .map(|(i, _)| i)
            .collect();
        let from = |ixs: &[usize]| -> BTreeSet<usize> {
            ixs.iter()
                .filter_map(|i| node.input.get(*i))
                .filter_map(|n| origins.get(n))
                .flatten()
                .copied()
                .collect()
        };
        let mut string_outputs: Option<BTreeSet<usize>> = None;
        if let Some((_, data)) = PLUMBING.iter().find(|(p, _)| *p == op) {
            let data: Vec<usize> = match data {
                Some(d) => d.to_vec(),
                None => (0..node.input.len()).collect(),
            };
            if let Some(bad) = string_inputs.iter().find(|i| !data.contains(i)) {
                return Err(refuse(node, format!("input {bad} is a string tensor")));
            }
            if !string_inputs.is_empty() {
                string_outputs = Some(from(&data));
            }
        } else if op == "Constant" {
            if let Some(t) = attr(node, "value").and_then(|a| a.t.as_ref()) {
                if is_string_tensor(t) {
                    vocabulary.extend(t.string_data.iter().map(|s| utf8(s)));
                    string_outputs = Some(BTreeSet::new());
                }
            }
            if let Some(a) = attr(node, "value_strings") {
                vocabulary.extend(a.strings.iter().map(|s| utf8(s)));
                string_outputs = Some(BTreeSet::new());
            }
        } else if op == "Cast" {
            let to = attr(node, "to").map(|a| a.i).unwrap_or(0);
            match (string_inputs.is_empty(), to == DataType::String as i64) {
                (true, false) => {}
                (false, true) => string_outputs = Some(from(&[0])),
                (true, true) => return Err(refuse(node, "Cast from numbers to strings")),
                (false, false) => return Err(refuse(node, "Cast from strings to numbers")),
            }
        } else if STRING_READERS.contains(&op) {
            for name in ["keys_strings", "values_strings", "cats_strings"] {
                if let Some(a) = attr(node, name) {
                    vocabulary.extend(a.strings.iter().map(|s| utf8(s)));
                }
            }
            for name in ["keys_tensor", "values_tensor", "default_tensor"] {
                if attr(node, name)
                    .and_then(|a| a.t.as_ref())
                    .is_some_and(is_string_tensor)
                {
                    return Err(refuse(
                        node,
                        format!("string `{name}` (opset-4 LabelEncoder) is not supported yet"),
                    ));
                }
            }
            let values_are_strings = match op {
                "LabelEncoder" => attr(node, "values_strings").is_some(),
                // CategoryMapper maps strings to ints or ints to strings.
                "CategoryMapper" => string_inputs.is_empty(),
                _ => false,
            };
            if values_are_strings {
                let default = attr(node, "default_string")
                    .map(|a| utf8(&a.s))
                    .unwrap_or_else(|| UNUSED.to_string());
                vocabulary.insert(default);
                string_outputs = Some(BTreeSet::new());
            }
            if op == "OneHotEncoder"
                && !string_inputs.is_empty()
                && attr(node, "zeros").map(|a| a.i).unwrap_or(1) == 0
            {
                strict.extend(from(&[0]));
            }
        } else if CLASSIFIERS.contains(&op) {
            if let Some(a) = attr(node, "classlabels_strings") {
                vocabulary.extend(a.strings.iter().map(|s| utf8(s)));
                if op != "ZipMap" {
                    // The label output (first) holds class labels.
                    if let Some(label) = node.output.first() {
                        origins.insert(label.clone(), BTreeSet::new());
                    }
                }
            }
            if !string_inputs.is_empty() {
                return Err(refuse(node, "a string tensor as the model's features"));
            }
        } else if !string_inputs.is_empty() {
            return Err(refuse(
                node,
                format!(
                    "{op} does not read string tensors in mlcycle (string inputs reach only \
                     encoders, comparisons and plumbing)"
                ),
            ));
        }
        if let Some(o) = string_outputs {
            for out in &node.output {
                origins.insert(out.clone(), o.clone());
            }
        }
    }

    // 2. Rewrite.
    let vocabulary: Vec<String> = vocabulary.into_iter().collect();
    let ids: HashMap<&str, i64> = vocabulary
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i as i64))
        .collect();
    let id = |b: &[u8]| -> i64 { ids.get(utf8(b).as_str()).copied().unwrap_or(-1) };
    let string_tensors: HashSet<String> = origins.keys().cloned().collect();
    for node in graph.node.iter_mut() {
        let reads_strings = node.input.iter().any(|i| string_tensors.contains(i));
        match node.op_type.as_str() {
            "LabelEncoder" => {
                to_ints(node, "keys_strings", "keys_int64s", &id);
                let string_values = attr(node, "values_strings").is_some();
                to_ints(node, "values_strings", "values_int64s", &id);
                if string_values {
                    let default = attr(node, "default_string")
                        .map(|a| id(&a.s))
                        .unwrap_or_else(|| id(UNUSED.as_bytes()));
                    node.attribute.retain(|a| a.name != "default_string");
                    set_int(node, "default_int64", default);
                }
            }
            "OneHotEncoder" => to_ints(node, "cats_strings", "cats_int64s", &id),
            "CategoryMapper" => {
                let strings: Vec<i64> = attr(node, "cats_strings")
                    .map(|a| a.strings.iter().map(|s| id(s)).collect())
                    .unwrap_or_default();
                let ints: Vec<i64> = attr(node, "cats_int64s")
                    .map(|a| a.ints.clone())
                    .unwrap_or_default();
                let default = if reads_strings {
                    attr(node, "default_int64").map(|a| a.i).unwrap_or(-1)
                } else {
                    attr(node, "default_string")
                        .map(|a| id(&a.s))
                        .unwrap_or_else(|| id(UNUSED.as_bytes()))
                };
                let (keys, values) = if reads_strings {
                    (strings, ints)
                } else {
                    (ints, strings)
                };
                node.op_type = "LabelEncoder".into();
                node.attribute = vec![
                    ints_attr("keys_int64s", keys),
                    ints_attr("values_int64s", values),
                    int_attr("default_int64", default),
                ];
            }
            "Cast" if reads_strings => set_int(node, "to", DataType::Int64 as i64),
            "Constant" => {
                if let Some(t) = attr_mut(node, "value").and_then(|a| a.t.as_mut()) {
                    tensor_to_ints(t, &id);
                }
                if let Some(a) = attr_mut(node, "value_strings") {
                    let v = a.strings.iter().map(|s| id(s)).collect();
                    *a = ints_attr("value_ints", v);
                }
            }
            op if CLASSIFIERS.contains(&op) => {
                let to = if op == "LinearClassifier" {
                    "classlabels_ints"
                } else {
                    "classlabels_int64s"
                };
                to_ints(node, "classlabels_strings", to, &id)
            }
            _ => {}
        }
    }
    for t in graph.initializer.iter_mut() {
        tensor_to_ints(t, &id);
    }
    let retype = |v: &mut pb::ValueInfoProto| {
        if let Some(type_proto::Value::TensorType(t)) =
            v.r#type.as_mut().and_then(|t| t.value.as_mut())
        {
            if t.elem_type == DataType::String as i32 {
                t.elem_type = DataType::Int64 as i32;
            }
        }
    };
    graph.input.iter_mut().for_each(retype);
    graph.output.iter_mut().for_each(retype);
    graph.value_info.iter_mut().for_each(retype);

    let strict_inputs = strict
        .into_iter()
        .filter_map(|i| graph.input.get(i).map(|v| v.name.clone()))
        .collect();
    Ok(Interned {
        vocabulary,
        strict_inputs,
    })
}

fn ints_attr(name: &str, ints: Vec<i64>) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints,
        ..Default::default()
    }
}

fn int_attr(name: &str, i: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Int as i32,
        i,
        ..Default::default()
    }
}

fn set_int(node: &mut NodeProto, name: &str, value: i64) {
    node.attribute.retain(|a| a.name != name);
    node.attribute.push(int_attr(name, value));
}

/// Replaces the string list attribute `from` by the int64 list attribute `to`.
fn to_ints(node: &mut NodeProto, from: &str, to: &str, id: &dyn Fn(&[u8]) -> i64) {
    if let Some(a) = attr_mut(node, from) {
        let ints = a.strings.iter().map(|s| id(s)).collect();
        *a = ints_attr(to, ints);
    }
}

fn tensor_to_ints(t: &mut pb::TensorProto, id: &dyn Fn(&[u8]) -> i64) {
    if is_string_tensor(t) {
        t.int64_data = t.string_data.iter().map(|s| id(s)).collect();
        t.string_data.clear();
        t.data_type = DataType::Int64 as i32;
    }
}
