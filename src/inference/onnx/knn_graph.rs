//! Recognizes skl2onnx's `KNeighborsClassifier` subgraph and replaces it by one `MlcycleKnn`
//! node (`crates/mlcycle-ops/src/knn.rs`), before tract parses the protobuf.
//!
//! The export computes, for input `x` (`[N, F]`): a `Scan` over the training rows `T`
//! (`[M, F]` initializer) whose body is `Sub` + `ReduceSumSquare`, `Transpose`, `Sqrt`,
//! `TopK(k, largest = 0)`, `ArrayFeatureExtractor(y, indices)` with `y` the training rows'
//! class indices, then per class `c` (in column order) `ReduceSum(Cast(Equal(neighbours, c)))`,
//! a `Concat`, and `probabilities = Div(votes, ReduceSum(votes))`. Every piece is checked (op
//! types, attributes, constants, shapes); anything else — distance weights, other metrics,
//! regressors, a different class coding — leaves the graph untouched for tract to run as is.
//! The rewritten graph keeps what feeds `x` (a preprocessing pipeline), drops everything the
//! Scan feeds (the label branch included: mlcycle derives labels from the probabilities) and
//! produces the same probabilities output.

use std::collections::{HashMap, HashSet};
use tract_onnx::pb::{self, attribute_proto::AttributeType, tensor_proto::DataType, NodeProto};

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn int_attr(node: &NodeProto, name: &str) -> Option<i64> {
    attr(node, name).map(|a| a.i)
}

/// An initializer's values as i64 / f32 (typed fields or raw little-endian data).
fn ints(t: &pb::TensorProto) -> Option<Vec<i64>> {
    if t.data_type != DataType::Int64 as i32 {
        return None;
    }
    if !t.int64_data.is_empty() {
        return Some(t.int64_data.clone());
    }
    Some(
        t.raw_data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
    )
}

fn floats(t: &pb::TensorProto) -> Option<Vec<f32>> {
    if t.data_type != DataType::Float as i32 {
        return None;
    }
    if !t.float_data.is_empty() {
        return Some(t.float_data.clone());
    }
    Some(
        t.raw_data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
    )
}

struct Found {
    scan: usize,
    x: String,
    train: Vec<f32>,
    n_features: usize,
    classes: Vec<u32>,
    n_classes: usize,
    k: usize,
    probabilities: String,
}

/// Looks for the pattern; `None` when the graph is anything else.
fn find(graph: &pb::GraphProto) -> Option<Found> {
    let init: HashMap<&str, &pb::TensorProto> = graph
        .initializer
        .iter()
        .map(|t| (t.name.as_str(), t))
        .collect();
    let producer = |name: &str| {
        graph
            .node
            .iter()
            .find(|n| n.output.iter().any(|o| o == name))
    };
    let consumers = |name: &str| -> Vec<&NodeProto> {
        graph
            .node
            .iter()
            .filter(|n| n.input.iter().any(|i| i == name))
            .collect()
    };
    let single = |name: &str, op: &str| -> Option<&NodeProto> {
        match consumers(name).as_slice() {
            [n] if n.op_type == op => Some(*n),
            _ => None,
        }
    };

    let (scan_ix, scan) = graph
        .node
        .iter()
        .enumerate()
        .find(|(_, n)| n.op_type == "Scan")?;
    if int_attr(scan, "num_scan_inputs")? != 1 || scan.input.len() != 2 || scan.output.len() != 2 {
        return None;
    }
    let body = attr(scan, "body")?.g.as_ref()?;
    let body_ops: Vec<&str> = body.node.iter().map(|n| n.op_type.as_str()).collect();
    let allowed = ["Identity", "Sub", "ReduceSumSquare"];
    if !body_ops.iter().all(|o| allowed.contains(o))
        || !body_ops.contains(&"Sub")
        || body_ops.iter().filter(|o| **o == "ReduceSumSquare").count() != 1
    {
        return None;
    }
    let rss = body.node.iter().find(|n| n.op_type == "ReduceSumSquare")?;
    if int_attr(rss, "keepdims") != Some(0) {
        return None;
    }
    let t = init.get(scan.input[1].as_str())?;
    let (m, f) = match t.dims.as_slice() {
        [m, f] if *m > 0 && *f > 0 => (*m as usize, *f as usize),
        _ => return None,
    };
    let train = floats(t)?;
    if train.len() != m * f {
        return None;
    }

    // scan_out → Transpose([1, 0]) → Sqrt → TopK(k, smallest)
    let transpose = single(&scan.output[1], "Transpose")?;
    if attr(transpose, "perm").map(|a| a.ints.as_slice()) != Some(&[1, 0]) {
        return None;
    }
    let sqrt = single(&transpose.output[0], "Sqrt")?;
    let topk = single(&sqrt.output[0], "TopK")?;
    if int_attr(topk, "largest") != Some(0) || topk.output.len() != 2 {
        return None;
    }
    let k = match ints(init.get(topk.input.get(1)?.as_str())?)?.as_slice() {
        [k] if *k >= 1 && (*k as usize) <= m => *k as usize,
        _ => return None,
    };
    if !consumers(&topk.output[0]).is_empty() {
        return None; // distances used elsewhere (weights='distance')
    }
    // indices → Flatten → ArrayFeatureExtractor(y, ·) → Reshape
    let flatten = single(&topk.output[1], "Flatten")?;
    let afe = single(&flatten.output[0], "ArrayFeatureExtractor")?;
    if afe.input.get(1) != Some(&flatten.output[0]) {
        return None;
    }
    let y = ints(init.get(afe.input[0].as_str())?)?;
    if y.len() != m {
        return None;
    }
    let reshape = single(&afe.output[0], "Reshape")?;
    // Per class: Equal(neighbours, c) → Cast(float) → ReduceSum(axis 1, keepdims)
    let mut column_of: Vec<(String, i64)> = Vec::new();
    for eq in consumers(&reshape.output[0]) {
        if eq.op_type != "Equal" || eq.input.first() != Some(&reshape.output[0]) {
            return None;
        }
        let c = match ints(init.get(eq.input.get(1)?.as_str())?)?.as_slice() {
            [c] => *c,
            _ => return None,
        };
        let cast = single(&eq.output[0], "Cast")?;
        if int_attr(cast, "to") != Some(DataType::Float as i64) {
            return None;
        }
        let sum = single(&cast.output[0], "ReduceSum")?;
        if int_attr(sum, "keepdims") != Some(1) {
            return None;
        }
        column_of.push((sum.output[0].clone(), c));
    }
    // Concat (classes in column order) → Div(votes, ReduceSum(votes)) = probabilities
    let concat = graph.node.iter().find(|n| {
        n.op_type == "Concat"
            && int_attr(n, "axis") == Some(1)
            && n.input.len() == column_of.len()
            && n.input
                .iter()
                .all(|i| column_of.iter().any(|(o, _)| o == i))
    })?;
    let coding: Vec<i64> = concat
        .input
        .iter()
        .filter_map(|i| column_of.iter().find(|(o, _)| o == i).map(|(_, c)| *c))
        .collect();
    let n_classes = coding.len();
    if n_classes == 0 || coding.iter().enumerate().any(|(i, c)| *c != i as i64) {
        return None;
    }
    let div = consumers(&concat.output[0])
        .into_iter()
        .find(|n| n.op_type == "Div" && n.input.first() == Some(&concat.output[0]))?;
    let total = producer(div.input.get(1)?)?;
    if total.op_type != "ReduceSum" || total.input.first() != Some(&concat.output[0]) {
        return None;
    }
    let probabilities = div.output[0].clone();
    if !graph.output.iter().any(|o| o.name == probabilities) {
        return None;
    }
    let classes = y
        .iter()
        .map(|c| u32::try_from(*c).ok().filter(|c| (*c as usize) < n_classes))
        .collect::<Option<Vec<u32>>>()?;
    Some(Found {
        scan: scan_ix,
        x: scan.input[0].clone(),
        train,
        n_features: f,
        classes,
        n_classes,
        k,
        probabilities,
    })
}

/// Rewrites a recognized kNN classifier to one `MlcycleKnn` node; returns whether it did.
pub(crate) fn rewrite(proto: &mut pb::ModelProto) -> bool {
    let Some(graph) = proto.graph.as_mut() else {
        return false;
    };
    let Some(found) = find(graph) else {
        return false;
    };
    // Everything downstream of the Scan goes (its outputs, transitively).
    let mut dropped: HashSet<String> = graph.node[found.scan].output.iter().cloned().collect();
    let mut keep = Vec::with_capacity(graph.node.len());
    for (i, node) in graph.node.drain(..).enumerate() {
        if i == found.scan || node.input.iter().any(|n| dropped.contains(n)) {
            dropped.extend(node.output.iter().cloned());
        } else {
            keep.push(node);
        }
    }
    let float_attr = |name: &str, floats: Vec<f32>| pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Floats as i32,
        floats,
        ..Default::default()
    };
    let ints_attr = |name: &str, ints: Vec<i64>| pb::AttributeProto {
        name: name.into(),
        r#type: AttributeType::Ints as i32,
        ints,
        ..Default::default()
    };
    keep.push(NodeProto {
        op_type: "MlcycleKnn".into(),
        domain: "mlcycle".into(),
        name: "MlcycleKnn".into(),
        input: vec![found.x],
        output: vec![found.probabilities.clone()],
        attribute: vec![
            float_attr("train", found.train),
            ints_attr(
                "shape",
                vec![found.classes.len() as i64, found.n_features as i64],
            ),
            ints_attr("classes", found.classes.iter().map(|c| *c as i64).collect()),
            ints_attr("k", vec![found.k as i64]),
            ints_attr("n_classes", vec![found.n_classes as i64]),
        ],
        ..Default::default()
    });
    graph.node = keep;
    // Outputs only the dropped nodes produced (the label) go; the probabilities stay.
    graph
        .output
        .retain(|o| o.name == found.probabilities || !dropped.contains(&o.name));
    true
}
