//! Reads a model's interface ([`ModelInfo`]) from its ONNX protobuf before tract touches it.
//! See [`crate::inference::signature`] for why mlcycle reads it itself.

use crate::inference::signature::{default_input_columns, ModelInfo, ModelKind, TensorInfo};
use tract_onnx::pb::{self, tensor_proto::DataType, type_proto, ModelProto, NodeProto};

pub(crate) fn dtype_name(elem_type: i32) -> &'static str {
    match DataType::try_from(elem_type).unwrap_or(DataType::Undefined) {
        DataType::Float => "float32",
        DataType::Double => "float64",
        DataType::Float16 => "float16",
        DataType::Int64 => "int64",
        DataType::Int32 => "int32",
        DataType::Int16 => "int16",
        DataType::Int8 => "int8",
        DataType::Uint8 => "uint8",
        DataType::Uint16 => "uint16",
        DataType::Uint32 => "uint32",
        DataType::Uint64 => "uint64",
        DataType::String => "string",
        DataType::Bool => "bool",
        _ => "unknown",
    }
}

fn tensor_info(v: &pb::ValueInfoProto) -> TensorInfo {
    let (dtype, shape) = match v.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => {
            let shape = t
                .shape
                .as_ref()
                .map(|s| {
                    s.dim
                        .iter()
                        .map(|d| match &d.value {
                            Some(pb::tensor_shape_proto::dimension::Value::DimValue(v))
                                if *v >= 0 =>
                            {
                                Some(*v as u64)
                            }
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            (dtype_name(t.elem_type).to_string(), shape)
        }
        // tract's protobuf schema only models tensor types: sequences and maps (ZipMap)
        // arrive with no value.
        None => ("sequence".to_string(), vec![]),
    };
    TensorInfo {
        name: v.name.clone(),
        dtype,
        shape,
    }
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

/// Class labels declared by a node attribute (classifiers and ZipMap).
fn node_labels(node: &NodeProto) -> Option<Vec<String>> {
    for name in ["classlabels_int64s", "classlabels_ints"] {
        if let Some(a) = attr(node, name) {
            if !a.ints.is_empty() {
                return Some(a.ints.iter().map(|i| i.to_string()).collect());
            }
        }
    }
    if let Some(a) = attr(node, "classlabels_strings") {
        if !a.strings.is_empty() {
            return Some(
                a.strings
                    .iter()
                    .map(|s| String::from_utf8_lossy(s).into_owned())
                    .collect(),
            );
        }
    }
    None
}

/// Labels held by an initializer (the `classes` tensor skl2onnx feeds to
/// ArrayFeatureExtractor in MLP exports).
fn initializer_labels(graph: &pb::GraphProto, name: &str) -> Option<Vec<String>> {
    let t = graph.initializer.iter().find(|t| t.name == name)?;
    match DataType::try_from(t.data_type).ok()? {
        DataType::Int64 if !t.int64_data.is_empty() => {
            Some(t.int64_data.iter().map(|v| v.to_string()).collect())
        }
        DataType::Int64 if !t.raw_data.is_empty() => Some(
            t.raw_data
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .map(|v| v.to_string())
                .collect(),
        ),
        DataType::Int32 if !t.int32_data.is_empty() => {
            Some(t.int32_data.iter().map(|v| v.to_string()).collect())
        }
        DataType::Int32 if !t.raw_data.is_empty() => Some(
            t.raw_data
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]).to_string())
                .collect(),
        ),
        DataType::String => Some(
            t.string_data
                .iter()
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .collect(),
        ),
        _ => None,
    }
}

/// The values of a `LabelEncoder` whose int64 keys are exactly `0..n` (class index → label).
fn label_encoder_labels(node: &NodeProto) -> Option<Vec<String>> {
    let keys = &attr(node, "keys_int64s")?.ints;
    if !keys.iter().enumerate().all(|(i, k)| *k == i as i64) {
        return None;
    }
    let labels: Vec<String> = if let Some(a) = attr(node, "values_strings") {
        a.strings
            .iter()
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect()
    } else {
        attr(node, "values_int64s")?
            .ints
            .iter()
            .map(|v| v.to_string())
            .collect()
    };
    (labels.len() == keys.len() && !labels.is_empty()).then_some(labels)
}

const CLASSIFIER_OPS: &[&str] = &[
    "LinearClassifier",
    "TreeEnsembleClassifier",
    "SVMClassifier",
    "ZipMap",
];
/// `TreeEnsemble` (ai.onnx.ml opset 5) reads as a regressor unless a probabilities output
/// makes the model a classifier (`TreeEnsemble` + `ArgMax`, as the spec builds one).
const REGRESSOR_OPS: &[&str] = &[
    "LinearRegressor",
    "TreeEnsembleRegressor",
    "SVMRegressor",
    "TreeEnsemble",
];

/// The result of reading a model file's declarations.
pub(crate) struct Inspection {
    pub info: ModelInfo,
    /// Index of the read output among the graph outputs.
    pub output_index: usize,
}

/// Reads the interface of a parsed model. `labels` from the caller override the file's.
pub(crate) fn inspect(
    proto: &ModelProto,
    caller_labels: Option<Vec<String>>,
    caller_columns: Option<&std::collections::HashMap<String, Vec<String>>>,
) -> Result<Inspection, String> {
    let graph = proto.graph.as_ref().ok_or("the file has no graph")?;
    let initializers: std::collections::HashSet<&str> =
        graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<TensorInfo> = graph
        .input
        .iter()
        .filter(|i| !initializers.contains(i.name.as_str()))
        .map(tensor_info)
        .collect();
    let outputs: Vec<TensorInfo> = graph.output.iter().map(tensor_info).collect();
    let mut ops: Vec<String> = graph
        .node
        .iter()
        .map(|n| {
            if n.domain.is_empty() {
                n.op_type.clone()
            } else {
                format!("{}:{}", n.domain, n.op_type)
            }
        })
        .collect();
    ops.sort();
    ops.dedup();

    if inputs.is_empty() {
        return Err("the model has no input tensor".into());
    }
    for input in &inputs {
        if !matches!(
            input.dtype.as_str(),
            "float32" | "float64" | "int64" | "int32" | "string"
        ) {
            return Err(format!(
                "input `{}` has element type {}; mlcycle feeds float, int and string tensors",
                input.name, input.dtype
            ));
        }
        if input.width().is_none() {
            return Err(format!(
                "input `{}` must be (batch, columns) or (batch) with a known column count, got {:?}",
                input.name, input.shape
            ));
        }
    }
    let n_features = inputs.iter().filter_map(|i| i.width()).sum();

    let producer_of = |name: &str| {
        graph
            .node
            .iter()
            .find(|n| n.output.iter().any(|o| o == name))
    };
    let has_op = |list: &[&str]| {
        graph
            .node
            .iter()
            .any(|n| list.contains(&n.op_type.as_str()))
    };

    // Pick the output to read.
    let is_prob_name = |n: &str| n.to_ascii_lowercase().contains("prob");
    let float_2d = |o: &TensorInfo| {
        matches!(o.dtype.as_str(), "float32" | "float64")
            && (o.shape.len() == 2 || o.shape.is_empty())
    };
    let prob_index = outputs
        .iter()
        .position(|o| is_prob_name(&o.name) && (float_2d(o) || o.dtype == "sequence"))
        .or_else(|| {
            // A label output (int/string rank 1) beside a float (N, C) output.
            let has_label = outputs
                .iter()
                .any(|o| matches!(o.dtype.as_str(), "int64" | "string") && o.shape.len() == 1);
            if has_label && outputs.len() == 2 {
                outputs.iter().position(float_2d)
            } else {
                None
            }
        });

    let (kind, output_index) = if let Some(ix) = prob_index {
        (ModelKind::Classifier, ix)
    } else if has_op(REGRESSOR_OPS) || (outputs.len() == 1 && outputs[0].name == "variable") {
        (ModelKind::Regressor, 0)
    } else if has_op(CLASSIFIER_OPS) {
        let ix = outputs.iter().position(float_2d).unwrap_or(0);
        (ModelKind::Classifier, ix)
    } else {
        (ModelKind::Tensor, 0)
    };
    let output = outputs
        .get(output_index)
        .ok_or("the model declares no output")?;
    let n_outputs = match output.shape.as_slice() {
        [_, Some(c)] => *c as usize,
        _ => 0, // learnt from the first run / labels below
    };

    let mut labels = Vec::new();
    if kind == ModelKind::Classifier {
        let meta = proto
            .metadata_props
            .iter()
            .find(|p| p.key == "mlcycle.labels" || p.key == "classes")
            .and_then(|p| serde_json::from_str::<Vec<serde_json::Value>>(&p.value).ok())
            .map(|v| {
                v.into_iter()
                    .map(|x| match x {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
            });
        let from_nodes = || {
            graph
                .node
                .iter()
                .filter(|n| CLASSIFIER_OPS.contains(&n.op_type.as_str()))
                .find_map(node_labels)
        };
        let from_afe = || {
            // label = Cast(Reshape(ArrayFeatureExtractor(classes, ArgMax(probabilities)))):
            // walk back from the label output, so that another ArrayFeatureExtractor (a kNN
            // export's training targets) is never taken for the classes.
            let label_output = outputs
                .iter()
                .find(|o| matches!(o.dtype.as_str(), "int64" | "string") && o.shape.len() == 1)?;
            let mut name = label_output.name.as_str();
            for _ in 0..16 {
                let node = producer_of(name)?;
                match node.op_type.as_str() {
                    "ArrayFeatureExtractor" => {
                        return node
                            .input
                            .first()
                            .and_then(|c| initializer_labels(graph, c))
                    }
                    // label = LabelEncoder(ArgMax(scores)) with keys 0..n (what the ONNX spec
                    // suggests for TreeEnsemble classifiers): the values are the labels.
                    "LabelEncoder" => return label_encoder_labels(node),
                    "Identity" | "Cast" | "Reshape" | "Squeeze" | "Flatten" => {
                        name = node.input.first()?.as_str()
                    }
                    _ => return None,
                }
            }
            None
        };
        labels = caller_labels
            .or(meta)
            .or_else(from_nodes)
            .or_else(from_afe)
            .unwrap_or_else(|| (0..n_outputs).map(|i| i.to_string()).collect());
        if n_outputs != 0 && labels.len() != n_outputs {
            return Err(format!(
                "{} class labels given for a model with {} classes",
                labels.len(),
                n_outputs
            ));
        }
    }
    let n_outputs = if n_outputs == 0 {
        labels.len()
    } else {
        n_outputs
    };
    if kind == ModelKind::Classifier && n_outputs == 0 {
        // Nothing to predict, and every argmax over zero columns would be out of range.
        return Err("the classifier declares no classes".into());
    }
    let declared_columns: Option<std::collections::HashMap<String, Vec<String>>> = proto
        .metadata_props
        .iter()
        .find(|p| p.key == "mlcycle.input_columns")
        .and_then(|p| serde_json::from_str(&p.value).ok());
    let input_columns = input_columns(&inputs, caller_columns, declared_columns)?;
    let producer = format!("{} {}", proto.producer_name, proto.producer_version)
        .trim()
        .to_string();
    Ok(Inspection {
        info: ModelInfo {
            kind,
            inputs,
            outputs: outputs.clone(),
            output: output.name.clone(),
            n_features,
            n_outputs,
            labels,
            ops,
            producer,
            input_columns,
            vocabulary: Vec::new(),
            strict_inputs: Vec::new(),
        },
        output_index,
    })
}

/// The record fields of each input (see [`ModelInfo::input_columns`]): the caller's map, then
/// the model's `mlcycle.input_columns` metadata, then the default naming. Each list must have
/// one field per column of its input.
fn input_columns(
    inputs: &[TensorInfo],
    caller: Option<&std::collections::HashMap<String, Vec<String>>>,
    declared: Option<std::collections::HashMap<String, Vec<String>>>,
) -> Result<Vec<Vec<String>>, String> {
    if let Some(map) = caller {
        if let Some(unknown) = map.keys().find(|k| !inputs.iter().any(|i| &i.name == *k)) {
            return Err(format!(
                "input columns given for `{unknown}`, which is not an input of the model"
            ));
        }
    }
    inputs
        .iter()
        .zip(default_input_columns(inputs))
        .map(|(input, default)| {
            let given = caller
                .and_then(|m| m.get(&input.name).cloned())
                .or_else(|| declared.as_ref().and_then(|m| m.get(&input.name).cloned()));
            match given {
                Some(cols) if Some(cols.len()) != input.width() => Err(format!(
                    "{} columns given for input `{}`, which has {}",
                    cols.len(),
                    input.name,
                    input.width().unwrap_or(0)
                )),
                Some(cols) => Ok(cols),
                None => Ok(default),
            }
        })
        .collect()
}
