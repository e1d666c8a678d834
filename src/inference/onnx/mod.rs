//! The ONNX front end (feature `onnx`, the full build): parsing ONNX protobufs, mlcycle's
//! `ai.onnx.ml` operators, reading the model's interface, and exporting the precompiled NNEF
//! form. Nothing outside this directory imports tract-onnx, so the slim edge build drops
//! tract-onnx, tract-hir and prost by leaving the feature off.

mod inspect;
mod knn_graph;
pub(crate) mod ml_ops;
mod strings;
mod tree_ensemble_v5;

use super::{chain, ensure_static_ctors, load_error, nnef, LoadOptions, Model, ModelInfo, Source};
use crate::error::{Error, Result};
use tract_onnx::pb;
use tract_onnx::prelude::*;

/// An ONNX model parsed up to its typed input fact, before any typing or optimization.
struct ParsedOnnx {
    model: InferenceModel,
    info: ModelInfo,
}

/// The ONNX framework with mlcycle's operators registered.
fn framework() -> tract_onnx::Onnx {
    ensure_static_ctors();
    let mut onnx = tract_onnx::onnx();
    ml_ops::register(&mut onnx.op_register);
    onnx
}

/// Every graph output and node input must name a value the graph has (a graph input, an
/// initializer or a node output): tract-onnx panics on a dangling output name, and a panic
/// in wasm poisons the whole instance. Node inputs inside subgraphs may name outer values and
/// are left to tract, which reports those as errors.
fn dangling_names(graph: &pb::GraphProto) -> Result<()> {
    let mut known: std::collections::HashSet<&str> = std::collections::HashSet::new();
    known.extend(graph.input.iter().map(|i| i.name.as_str()));
    known.extend(graph.initializer.iter().map(|t| t.name.as_str()));
    known.extend(
        graph
            .sparse_initializer
            .iter()
            .filter_map(|t| t.values.as_ref().map(|v| v.name.as_str())),
    );
    for node in &graph.node {
        known.extend(node.output.iter().map(String::as_str));
    }
    let missing = |name: &str| !name.is_empty() && !known.contains(name);
    if let Some(o) = graph.output.iter().find(|o| missing(&o.name)) {
        return Err(Error::ModelInvalid {
            reason: format!("graph output `{}` is computed by no node", o.name),
        });
    }
    for node in &graph.node {
        if let Some(i) = node.input.iter().find(|i| missing(i)) {
            return Err(Error::ModelInvalid {
                reason: format!(
                    "node `{}` ({}) reads `{i}`, which no input, initializer or node defines",
                    node.name, node.op_type
                ),
            });
        }
    }
    Ok(())
}

/// The first node, in the graph or in any subgraph body (an `If`'s branches, a `Loop`'s or
/// `Scan`'s body: graph attributes), whose operator `known` does not take. Without the
/// subgraphs, such a node inside a body reached tract's parser and failed with whatever error
/// it gave. Bounded: `admission::check_onnx` has already limited the nesting depth and the
/// node count.
fn unsupported_node<'g>(
    graph: &'g pb::GraphProto,
    known: &impl Fn(&pb::NodeProto) -> bool,
) -> Option<&'g pb::NodeProto> {
    for node in &graph.node {
        if !known(node) {
            return Some(node);
        }
        for a in &node.attribute {
            for body in a.g.iter().chain(&a.graphs) {
                if let Some(found) = unsupported_node(body, known) {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// Parses an ONNX model up to its typed input fact (shared by loading and NNEF export).
fn parse_onnx(bytes: &[u8], options: &LoadOptions) -> Result<ParsedOnnx> {
    if bytes.is_empty() {
        return Err(Error::ModelInvalid {
            reason: "the model is empty (0 bytes)".into(),
        });
    }
    let onnx = framework();
    let mut proto = onnx
        .proto_model_for_read(&mut &*bytes)
        .map_err(|e| Error::ModelInvalid {
            reason: format!("not an ONNX protobuf: {}", chain(&e)),
        })?;
    let graph = proto.graph.as_ref().ok_or_else(|| Error::ModelInvalid {
        reason: "the file has no graph".into(),
    })?;
    if graph.node.is_empty() {
        return Err(Error::ModelInvalid {
            reason: "the graph has no nodes".into(),
        });
    }
    super::admission::check_onnx(graph, &super::Budget::with_max_bytes(options.max_bytes)?)?;
    dangling_names(graph)?;
    // Refuse operators nobody implements up front, with their name, subgraph bodies included.
    let known = |n: &pb::NodeProto| {
        onnx.op_register.0.contains_key(&n.op_type) || tree_ensemble_v5::handles(n)
    };
    if let Some(node) = unsupported_node(graph, &known) {
        let domain = if node.domain.is_empty() {
            "ai.onnx"
        } else {
            &node.domain
        };
        return Err(Error::UnsupportedOp {
            op: node.op_type.clone(),
            reason: format!("{domain} operator not implemented by tract or mlcycle"),
        });
    }
    let mut inspection = inspect::inspect(
        &proto,
        options.labels.clone(),
        options.input_columns.as_ref(),
    )
    .map_err(|reason| Error::ModelInvalid { reason })?;
    // Opset-5 trees become legacy TreeEnsembleRegressor nodes (after `inspect`, so the model's
    // interface and operator list are the file's).
    tree_ensemble_v5::rewrite(&mut proto)
        .map_err(|(op, reason)| Error::UnsupportedOp { op, reason })?;
    let interned =
        strings::intern(&mut proto).map_err(|(op, reason)| Error::UnsupportedOp { op, reason })?;
    knn_graph::rewrite(&mut proto);
    inspection.info.vocabulary = interned.vocabulary;
    inspection.info.strict_inputs = interned.strict_inputs;
    let mut model = onnx.model_for_proto_model(&proto).map_err(load_error)?;
    // The read output by name: a rewrite (kNN) may have dropped outputs before it.
    let output_index = proto
        .graph
        .as_ref()
        .and_then(|g| {
            g.output
                .iter()
                .position(|o| o.name == inspection.info.output)
        })
        .unwrap_or(inspection.output_index);
    let outlet = *model
        .outputs
        .get(output_index)
        .ok_or_else(|| Error::ModelInvalid {
            reason: "output index out of range".into(),
        })?;
    model.select_output_outlets(&[outlet]).map_err(load_error)?;
    let n = model.sym("N");
    for (ix, feed) in super::feed::feeds(&inspection.info).iter().enumerate() {
        let shape = if feed.rank1 {
            tvec![n.to_dim()]
        } else {
            tvec![n.to_dim(), feed.width.to_dim()]
        };
        model = model
            .with_input_fact(ix, InferenceFact::dt_shape(feed.dt, shape))
            .map_err(load_error)?;
    }
    Ok(ParsedOnnx {
        model,
        info: inspection.info,
    })
}

/// Types and declutters a parsed model, then applies mlcycle's rewrites: what both the loader
/// (which optimizes it) and the NNEF writer (which serializes it) start from, so the two paths
/// run the same operators.
fn decluttered(model: InferenceModel) -> Result<TypedModel> {
    let mut typed = model
        .into_typed()
        .and_then(|m| m.into_decluttered())
        .map_err(load_error)?;
    super::row_normalize::rewrite_softmax(&mut typed).map_err(load_error)?;
    Ok(typed)
}

/// Loads and optimizes an ONNX model (see [`Model::from_bytes_with`]).
pub(super) fn load(bytes: &[u8], options: &LoadOptions) -> Result<Model> {
    let ParsedOnnx { model, info } = parse_onnx(bytes, options)?;
    let typed = decluttered(model)?.into_optimized().map_err(load_error)?;
    Model::from_optimized(
        typed,
        info,
        Source::Onnx {
            bytes: bytes.into(),
            options: options.clone(),
        },
    )
}

/// The decluttered typed model in mlcycle's NNEF form (see [`Model::to_nnef`]).
pub(super) fn to_nnef(bytes: &[u8], options: &LoadOptions, info: &ModelInfo) -> Result<Vec<u8>> {
    let parsed = parse_onnx(bytes, options)?;
    let typed = decluttered(parsed.model)?;
    nnef::write(&typed, info).map_err(|e| Error::ModelInvalid {
        reason: format!("cannot write NNEF: {}", chain(&e)),
    })
}
