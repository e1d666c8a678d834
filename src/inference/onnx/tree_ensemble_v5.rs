//! ai.onnx.ml opset-5 `TreeEnsemble`, rewritten before tract parses the protobuf into the
//! equivalent legacy `TreeEnsembleRegressor` node, so mlcycle's tree op
//! ([`crate::inference::tree_ensemble`]), its NNEF primitive and the slim build run it unchanged.
//! onnxruntime does the same (`TreeEnsembleAttributesV5::convert_to_v3`).
//!
//! The mapping: interior nodes (`nodes_*`) and leaves (`leaf_*`, one target and weight each)
//! become legacy nodes numbered per tree in visiting order (root 0); a leaf shared by several
//! parents stays one legacy leaf. `BRANCH_MEMBER` becomes a chain of `BRANCH_EQ` nodes on the
//! same feature sharing the true child (what onnxruntime does for small sets; its "big set"
//! path is the same test). `aggregate_function` / `post_transform` become the legacy strings.
//!
//! Where onnxruntime 1.32 and the spec disagree, the model is refused rather than run one way:
//! - `post_transform` 1 and 2 with several targets: the spec says SOFTMAX and LOGISTIC,
//!   onnxruntime reads its own enum (1 = LOGISTIC, 2 = SOFTMAX). With one target onnxruntime
//!   applies only PROBIT, so SOFTMAX / LOGISTIC / SOFTMAX_ZERO on one target are refused too.
//!   Use NONE and a `Softmax` / `Sigmoid` node, or SOFTMAX_ZERO (3), which both read alike.
//! - a one-entry tree (root with both branches on the same leaf) whose leaf index is not the
//!   root's index: the spec means that leaf, onnxruntime reads leaf number `root`.
//!
//! `BRANCH_NEQ` sends NaN to the true branch whatever `nodes_missing_value_tracks_true` says
//! (NaN != t is true in IEEE and in onnxruntime), so it is written with missing-tracks-true.
//!
//! Double splits: the tree op compares in float32 (input cast to f32, f32 thresholds). Each
//! double split is rounded to the float32 that keeps every float32 input on its side (down
//! for `<=` and `>`, up for `<` and `>=`; an `==` with a non-float32 value never holds), so
//! results equal onnxruntime's for every input that is a float32 number (values read from
//! float32 data). A double input that is not one is rounded to the nearest float32 first and
//! may go the other way when it lies within half a float32 step of a split. The output of a
//! double model is cast back to double. float16 splits are refused.
//!
//! Everything the rewrite cannot map is refused with the reason, as `(op, reason)` for
//! [`crate::error::Error::UnsupportedOp`]; every length and index is checked, nothing panics.

use std::collections::HashMap;
use tract_onnx::pb::{self, attribute_proto::AttributeType, tensor_proto::DataType, NodeProto};

const OP: &str = "TreeEnsemble";
const MEMBER: u8 = 6;

type Refusal = (String, String);

fn refuse(reason: impl Into<String>) -> Refusal {
    (OP.to_string(), reason.into())
}

/// True for the nodes [`rewrite`] replaces (known to the loader's up-front op check).
pub(super) fn handles(node: &NodeProto) -> bool {
    node.op_type == OP && node.domain == "ai.onnx.ml"
}

/// Replaces every top-level opset-5 `TreeEnsemble` node by a legacy `TreeEnsembleRegressor`
/// (followed by a `Cast` to double for double models).
pub(super) fn rewrite(proto: &mut pb::ModelProto) -> Result<(), Refusal> {
    let Some(graph) = proto.graph.as_mut() else {
        return Ok(());
    };
    let mut out = Vec::with_capacity(graph.node.len());
    for node in std::mem::take(&mut graph.node) {
        if handles(&node) {
            out.extend(convert(&node)?);
        } else {
            out.push(node);
        }
    }
    graph.node = out;
    Ok(())
}

fn attr<'a>(node: &'a NodeProto, name: &str) -> Option<&'a pb::AttributeProto> {
    node.attribute.iter().find(|a| a.name == name)
}

fn ints(node: &NodeProto, name: &str) -> Vec<i64> {
    attr(node, name).map(|a| a.ints.clone()).unwrap_or_default()
}

fn int(node: &NodeProto, name: &str, default: i64) -> i64 {
    attr(node, name).map(|a| a.i).unwrap_or(default)
}

/// A tensor attribute's values as f64, with its element type (float or double; `None` when
/// the attribute is absent).
fn reals(node: &NodeProto, name: &str) -> Result<Option<(Vec<f64>, DataType)>, Refusal> {
    let Some(t) = attr(node, name).and_then(|a| a.t.as_ref()) else {
        return Ok(None);
    };
    let dt = DataType::try_from(t.data_type).unwrap_or(DataType::Undefined);
    let values: Vec<f64> = match dt {
        DataType::Float if !t.float_data.is_empty() => {
            t.float_data.iter().map(|&v| v as f64).collect()
        }
        DataType::Float => t
            .raw_data
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64)
            .collect(),
        DataType::Double if !t.double_data.is_empty() => t.double_data.clone(),
        DataType::Double => t
            .raw_data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
        other => {
            return Err(refuse(format!(
                "{name} has element type {other:?}; mlcycle reads float and double trees"
            )))
        }
    };
    Ok(Some((values, dt)))
}

fn modes(node: &NodeProto) -> Result<Vec<u8>, Refusal> {
    let t = attr(node, "nodes_modes")
        .and_then(|a| a.t.as_ref())
        .ok_or_else(|| refuse("nodes_modes (uint8 tensor) is missing"))?;
    if t.data_type != DataType::Uint8 as i32 {
        return Err(refuse("nodes_modes must be a uint8 tensor"));
    }
    if !t.int32_data.is_empty() {
        return t
            .int32_data
            .iter()
            .map(|&m| u8::try_from(m).map_err(|_| refuse(format!("node mode {m} out of range"))))
            .collect();
    }
    Ok(t.raw_data.clone())
}

/// The largest float32 <= `t` (`down`) or the smallest >= `t`; NaN stays NaN.
fn to_f32(t: f64, down: bool) -> f32 {
    let n = t as f32;
    if n.is_nan() || n as f64 == t {
        n
    } else if down == ((n as f64) > t) {
        if down {
            n.next_down()
        } else {
            n.next_up()
        }
    } else {
        n
    }
}

/// A legacy comparison (mode, threshold, missing-tracks-true) exact for float32 inputs.
fn legacy_cmp(mode: u8, split: f64, missing: bool) -> Result<(&'static str, f32, bool), Refusal> {
    // "never" / "always" for a comparison no non-NaN float32 can satisfy / fail.
    let never = ("BRANCH_GT", f32::INFINITY, missing);
    Ok(match mode {
        0 => ("BRANCH_LEQ", to_f32(split, true), missing),
        1 => ("BRANCH_LT", to_f32(split, false), missing),
        2 => ("BRANCH_GTE", to_f32(split, false), missing),
        3 => ("BRANCH_GT", to_f32(split, true), missing),
        4 if split as f32 as f64 == split => ("BRANCH_EQ", split as f32, missing),
        4 => never,
        5 if split as f32 as f64 == split => ("BRANCH_NEQ", split as f32, true),
        5 => ("BRANCH_LEQ", f32::INFINITY, true),
        m => return Err(refuse(format!("unknown node mode {m}"))),
    })
}

/// The legacy node's attribute lists under construction.
#[derive(Default)]
struct Legacy {
    tree: Vec<i64>,
    id: Vec<i64>,
    feature: Vec<i64>,
    mode: Vec<&'static str>,
    value: Vec<f32>,
    t: Vec<i64>,
    f: Vec<i64>,
    missing: Vec<i64>,
    l_tree: Vec<i64>,
    l_node: Vec<i64>,
    l_target: Vec<i64>,
    l_weight: Vec<f64>,
}

impl Legacy {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        tree: i64,
        id: i64,
        f: i64,
        m: &'static str,
        v: f32,
        t: i64,
        fl: i64,
        miss: bool,
    ) {
        self.tree.push(tree);
        self.id.push(id);
        self.feature.push(f);
        self.mode.push(m);
        self.value.push(v);
        self.t.push(t);
        self.f.push(fl);
        self.missing.push(i64::from(miss));
    }
}

fn convert(node: &NodeProto) -> Result<Vec<NodeProto>, Refusal> {
    if node.input.len() != 1 || node.output.len() != 1 {
        return Err(refuse("expected one input and one output"));
    }
    let features = ints(node, "nodes_featureids");
    let n = features.len();
    let (splits, dt) =
        reals(node, "nodes_splits")?.ok_or_else(|| refuse("nodes_splits is missing"))?;
    let modes = modes(node)?;
    let (true_ids, false_ids) = (
        ints(node, "nodes_truenodeids"),
        ints(node, "nodes_falsenodeids"),
    );
    let (true_leaf, false_leaf) = (
        ints(node, "nodes_trueleafs"),
        ints(node, "nodes_falseleafs"),
    );
    let missing = ints(node, "nodes_missing_value_tracks_true");
    if n == 0 {
        return Err(refuse("the ensemble has no nodes"));
    }
    for (name, len) in [
        ("nodes_splits", splits.len()),
        ("nodes_modes", modes.len()),
        ("nodes_truenodeids", true_ids.len()),
        ("nodes_falsenodeids", false_ids.len()),
        ("nodes_trueleafs", true_leaf.len()),
        ("nodes_falseleafs", false_leaf.len()),
    ] {
        if len != n {
            return Err(refuse(format!(
                "{name} has {len} entries, nodes_featureids has {n}"
            )));
        }
    }
    if !missing.is_empty() && missing.len() != n {
        return Err(refuse(format!(
            "nodes_missing_value_tracks_true has {} entries for {n} nodes",
            missing.len()
        )));
    }
    let targets = ints(node, "leaf_targetids");
    let (weights, w_dt) =
        reals(node, "leaf_weights")?.ok_or_else(|| refuse("leaf_weights is missing"))?;
    if weights.len() != targets.len() || weights.is_empty() {
        return Err(refuse(format!(
            "leaf_targetids has {} entries, leaf_weights {} (need the same, at least one)",
            targets.len(),
            weights.len()
        )));
    }
    let n_targets = int(node, "n_targets", 0);
    if !(1..=1 << 16).contains(&n_targets) {
        return Err(refuse(format!(
            "n_targets {n_targets} out of range (1..=65536)"
        )));
    }
    if let Some(t) = targets.iter().find(|t| !(0..n_targets).contains(*t)) {
        return Err(refuse(format!(
            "leaf target id {t} out of range (< {n_targets})"
        )));
    }
    let double = match (dt, w_dt) {
        (DataType::Float, DataType::Float) => false,
        (DataType::Double, DataType::Double) => true,
        _ => {
            return Err(refuse(
                "nodes_splits and leaf_weights must both be float or both double",
            ))
        }
    };
    let aggregate = match int(node, "aggregate_function", 1) {
        0 => "AVERAGE",
        1 => "SUM",
        2 => "MIN",
        3 => "MAX",
        a => return Err(refuse(format!("unknown aggregate_function {a}"))),
    };
    let post = match (int(node, "post_transform", 0), n_targets) {
        (0, _) => "NONE",
        (3, t) if t > 1 => "SOFTMAX_ZERO",
        (4, 1) => "PROBIT",
        (p @ (1 | 2), t) if t > 1 => {
            return Err(refuse(format!(
                "post_transform {p}: the ONNX spec reads {}, onnxruntime 1.32 {}; export NONE and \
                 a Softmax or Sigmoid node (or SOFTMAX_ZERO, 3)",
                if p == 1 { "SOFTMAX" } else { "LOGISTIC" },
                if p == 1 { "LOGISTIC" } else { "SOFTMAX" }
            )))
        }
        (p @ 1..=3, 1) => {
            return Err(refuse(format!(
                "post_transform {p} with one target: the ONNX spec applies it, onnxruntime 1.32 \
                 ignores it; export NONE and a Sigmoid node"
            )))
        }
        (4, _) => return Err(refuse("post_transform PROBIT needs one target")),
        (p, _) => return Err(refuse(format!("unknown post_transform {p}"))),
    };
    let members = membership(node, &modes)?;
    let roots = ints(node, "tree_roots");
    if roots.is_empty() {
        return Err(refuse("tree_roots is empty"));
    }

    let mut legacy = Legacy::default();
    // Legacy node id of each interior node (each is visited once: no sharing, no cycles).
    let mut seen = vec![false; n];
    for (tree, &root) in roots.iter().enumerate() {
        let tree = tree as i64;
        let r = usize::try_from(root)
            .ok()
            .filter(|&r| r < n)
            .ok_or_else(|| refuse(format!("tree root {root} out of range (< {n})")))?;
        if true_leaf[r] != 0 && false_leaf[r] != 0 && true_ids[r] == false_ids[r] {
            // A one-leaf tree in the spec's idiom: only unambiguous when leaf == root index.
            if true_ids[r] != root {
                return Err(refuse(format!(
                    "tree {tree} is one leaf ({}) given at root entry {root}: the spec reads leaf \
                     {}, onnxruntime reads leaf {root}",
                    true_ids[r], true_ids[r]
                )));
            }
            let l = leaf_index(root, weights.len())?;
            push_leaf(&mut legacy, tree, 0, targets[l], weights[l]);
            continue;
        }
        let mut next_id = 0i64;
        let mut leaf_ids: HashMap<usize, i64> = HashMap::new();
        // (interior node, its legacy id)
        let mut stack = vec![(r, 0i64)];
        if std::mem::replace(&mut seen[r], true) {
            return Err(refuse(format!(
                "node {r} is the root of two trees or shared"
            )));
        }
        next_id += 1;
        while let Some((i, id)) = stack.pop() {
            let miss = missing.get(i).is_some_and(|&m| m != 0);
            let mut child = |is_leaf: i64, c: i64| -> Result<i64, Refusal> {
                if is_leaf != 0 {
                    let l = leaf_index(c, weights.len())?;
                    if let Some(&lid) = leaf_ids.get(&l) {
                        return Ok(lid);
                    }
                    let lid = next_id;
                    next_id += 1;
                    leaf_ids.insert(l, lid);
                    push_leaf(&mut legacy, tree, lid, targets[l], weights[l]);
                    return Ok(lid);
                }
                let c = usize::try_from(c)
                    .ok()
                    .filter(|&c| c < n)
                    .ok_or_else(|| refuse(format!("node {i} points to node {c}, out of range")))?;
                if std::mem::replace(&mut seen[c], true) {
                    return Err(refuse(format!(
                        "node {c} is reached twice (a shared subtree or a cycle)"
                    )));
                }
                let cid = next_id;
                next_id += 1;
                stack.push((c, cid));
                Ok(cid)
            };
            let t = child(true_leaf[i], true_ids[i])?;
            let f = child(false_leaf[i], false_ids[i])?;
            let feature = features[i];
            if !(0..u32::MAX as i64).contains(&feature) {
                return Err(refuse(format!("node {i} has feature id {feature}")));
            }
            if modes[i] == MEMBER {
                let set = members.get(&i).map(Vec::as_slice).unwrap_or_default();
                // Members no float32 equals can never match (see the module doc).
                let exact: Vec<f32> = set
                    .iter()
                    .filter(|&&m| m as f32 as f64 == m)
                    .map(|&m| m as f32)
                    .collect();
                if exact.is_empty() {
                    legacy.push(tree, id, feature, "BRANCH_GT", f32::INFINITY, t, f, miss);
                    continue;
                }
                // x == m0 ? t : (x == m1 ? t : ... (x == mk ? t : f)); the head keeps `id`.
                let mut this = id;
                for (k, &m) in exact.iter().enumerate() {
                    let next = if k + 1 == exact.len() {
                        f
                    } else {
                        next_id += 1;
                        next_id - 1
                    };
                    legacy.push(tree, this, feature, "BRANCH_EQ", m, t, next, miss);
                    this = next;
                }
            } else {
                let (mode, value, miss) = legacy_cmp(modes[i], splits[i], miss)?;
                legacy.push(tree, id, feature, mode, value, t, f, miss);
            }
        }
    }
    if legacy.tree.len() + legacy.l_tree.len() >= u32::MAX as usize {
        return Err(refuse("too many nodes"));
    }
    Ok(nodes(node, legacy, n_targets, aggregate, post, double))
}

fn leaf_index(c: i64, n_leaves: usize) -> Result<usize, Refusal> {
    usize::try_from(c)
        .ok()
        .filter(|&l| l < n_leaves)
        .ok_or_else(|| refuse(format!("leaf index {c} out of range (< {n_leaves})")))
}

fn push_leaf(legacy: &mut Legacy, tree: i64, id: i64, target: i64, weight: f64) {
    legacy.push(tree, id, 0, "LEAF", 0.0, 0, 0, false);
    legacy.l_tree.push(tree);
    legacy.l_node.push(id);
    legacy.l_target.push(target);
    legacy.l_weight.push(weight);
}

/// `membership_values` split per BRANCH_MEMBER node, in node order, NaN-separated (the last set
/// may omit its NaN), as onnxruntime reads them. Empty sets and leftover values are refused.
fn membership(node: &NodeProto, modes: &[u8]) -> Result<HashMap<usize, Vec<f64>>, Refusal> {
    let values = reals(node, "membership_values")?
        .map(|v| v.0)
        .unwrap_or_default();
    let mut sets = HashMap::new();
    let mut it = values.into_iter();
    for (i, _) in modes.iter().enumerate().filter(|(_, &m)| m == MEMBER) {
        let set: Vec<f64> = it.by_ref().take_while(|v| !v.is_nan()).collect();
        if set.is_empty() {
            return Err(refuse(format!("BRANCH_MEMBER node {i} has an empty set")));
        }
        sets.insert(i, set);
    }
    if it.next().is_some() {
        return Err(refuse(
            "membership_values has more sets than BRANCH_MEMBER nodes",
        ));
    }
    Ok(sets)
}

fn list_attr(name: &str, ty: AttributeType) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: ty as i32,
        ..Default::default()
    }
}

/// The legacy node (and the Cast back to double for double models).
fn nodes(
    node: &NodeProto,
    l: Legacy,
    n_targets: i64,
    aggregate: &str,
    post: &str,
    double: bool,
) -> Vec<NodeProto> {
    let ints_attr = |name: &str, v: Vec<i64>| pb::AttributeProto {
        ints: v,
        ..list_attr(name, AttributeType::Ints)
    };
    let str_attr = |name: &str, s: &str| pb::AttributeProto {
        s: s.as_bytes().to_vec(),
        ..list_attr(name, AttributeType::String)
    };
    let weights = pb::TensorProto {
        name: "target_weights_as_tensor".into(),
        dims: vec![l.l_weight.len() as i64],
        data_type: DataType::Double as i32,
        double_data: l.l_weight,
        ..Default::default()
    };
    let output = node.output[0].clone();
    let scores = if double {
        format!("{output}__mlcycle_f32")
    } else {
        output.clone()
    };
    let legacy = NodeProto {
        name: node.name.clone(),
        op_type: "TreeEnsembleRegressor".into(),
        domain: "ai.onnx.ml".into(),
        input: node.input.clone(),
        output: vec![scores.clone()],
        attribute: vec![
            pb::AttributeProto {
                i: n_targets,
                ..list_attr("n_targets", AttributeType::Int)
            },
            str_attr("aggregate_function", aggregate),
            str_attr("post_transform", post),
            ints_attr("nodes_treeids", l.tree),
            ints_attr("nodes_nodeids", l.id),
            ints_attr("nodes_featureids", l.feature),
            pb::AttributeProto {
                strings: l.mode.iter().map(|m| m.as_bytes().to_vec()).collect(),
                ..list_attr("nodes_modes", AttributeType::Strings)
            },
            pb::AttributeProto {
                floats: l.value,
                ..list_attr("nodes_values", AttributeType::Floats)
            },
            ints_attr("nodes_truenodeids", l.t),
            ints_attr("nodes_falsenodeids", l.f),
            ints_attr("nodes_missing_value_tracks_true", l.missing),
            ints_attr("target_treeids", l.l_tree),
            ints_attr("target_nodeids", l.l_node),
            ints_attr("target_ids", l.l_target),
            pb::AttributeProto {
                t: Some(weights),
                ..list_attr("target_weights_as_tensor", AttributeType::Tensor)
            },
        ],
        ..Default::default()
    };
    if !double {
        return vec![legacy];
    }
    let cast = NodeProto {
        name: format!("{}__mlcycle_to_f64", node.name),
        op_type: "Cast".into(),
        input: vec![scores],
        output: vec![output],
        attribute: vec![pb::AttributeProto {
            i: DataType::Double as i64,
            ..list_attr("to", AttributeType::Int)
        }],
        ..Default::default()
    };
    vec![legacy, cast]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints_a(name: &str, v: &[i64]) -> pb::AttributeProto {
        pb::AttributeProto {
            ints: v.to_vec(),
            ..list_attr(name, AttributeType::Ints)
        }
    }

    fn int_a(name: &str, i: i64) -> pb::AttributeProto {
        pb::AttributeProto {
            i,
            ..list_attr(name, AttributeType::Int)
        }
    }

    fn tensor_a(name: &str, dt: DataType, v: &[f64]) -> pb::AttributeProto {
        let mut t = pb::TensorProto {
            dims: vec![v.len() as i64],
            data_type: dt as i32,
            ..Default::default()
        };
        match dt {
            DataType::Float => t.float_data = v.iter().map(|&x| x as f32).collect(),
            DataType::Double => t.double_data = v.to_vec(),
            DataType::Uint8 => t.int32_data = v.iter().map(|&x| x as i32).collect(),
            _ => t.raw_data = vec![0; 2 * v.len()],
        }
        pb::AttributeProto {
            t: Some(t),
            ..list_attr(name, AttributeType::Tensor)
        }
    }

    /// One stump on feature 0: `x <mode> split` → leaf 0 (target 0, weight 1), else leaf 1
    /// (target 0, weight 2).
    fn stump(mode: u8, split: f64, dt: DataType) -> NodeProto {
        NodeProto {
            op_type: OP.into(),
            domain: "ai.onnx.ml".into(),
            input: vec!["x".into()],
            output: vec!["y".into()],
            attribute: vec![
                int_a("n_targets", 1),
                ints_a("tree_roots", &[0]),
                ints_a("nodes_featureids", &[0]),
                tensor_a("nodes_splits", dt, &[split]),
                tensor_a("nodes_modes", DataType::Uint8, &[mode as f64]),
                ints_a("nodes_truenodeids", &[0]),
                ints_a("nodes_falsenodeids", &[1]),
                ints_a("nodes_trueleafs", &[1]),
                ints_a("nodes_falseleafs", &[1]),
                ints_a("leaf_targetids", &[0, 0]),
                tensor_a("leaf_weights", dt, &[1.0, 2.0]),
            ],
            ..Default::default()
        }
    }

    fn set(node: &mut NodeProto, a: pb::AttributeProto) {
        node.attribute.retain(|x| x.name != a.name);
        node.attribute.push(a);
    }

    fn refused(node: &NodeProto) -> String {
        match convert(node) {
            Err((op, reason)) => {
                assert_eq!(op, "TreeEnsemble");
                reason
            }
            Ok(_) => panic!("accepted"),
        }
    }

    /// The legacy node's `nodes_modes`, `nodes_values` and missing flags in node-id order
    /// (one-tree models).
    fn legacy_nodes(node: &NodeProto) -> (Vec<String>, Vec<f32>, Vec<i64>) {
        let out = convert(node).expect("converts");
        let a = |n: &str| {
            out[0]
                .attribute
                .iter()
                .find(|a| a.name == n)
                .unwrap()
                .clone()
        };
        let ids = a("nodes_nodeids").ints;
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i]);
        let (modes, values, missing) = (
            a("nodes_modes").strings,
            a("nodes_values").floats,
            a("nodes_missing_value_tracks_true").ints,
        );
        (
            order
                .iter()
                .map(|&i| String::from_utf8_lossy(&modes[i]).into_owned())
                .collect(),
            order.iter().map(|&i| values[i]).collect(),
            order.iter().map(|&i| missing[i]).collect(),
        )
    }

    fn legacy_modes(node: &NodeProto) -> (Vec<String>, Vec<f32>) {
        let (m, v, _) = legacy_nodes(node);
        (m, v)
    }

    #[test]
    fn a_stump_becomes_a_legacy_regressor() {
        let out = convert(&stump(0, 1.5, DataType::Float)).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].op_type, "TreeEnsembleRegressor");
        let (modes, values) = legacy_modes(&stump(0, 1.5, DataType::Float));
        assert_eq!(modes, ["BRANCH_LEQ", "LEAF", "LEAF"]);
        assert_eq!(values[0], 1.5);
    }

    #[test]
    fn hostile_lengths_and_indices_are_refused() {
        let cases: Vec<(pb::AttributeProto, &str)> = vec![
            (ints_a("nodes_truenodeids", &[]), "nodes_truenodeids has 0"),
            (
                ints_a("nodes_falseleafs", &[1, 1]),
                "nodes_falseleafs has 2",
            ),
            (
                tensor_a("nodes_splits", DataType::Float, &[]),
                "nodes_splits has 0",
            ),
            (
                tensor_a("nodes_modes", DataType::Uint8, &[0.0, 0.0]),
                "nodes_modes has 2",
            ),
            (
                ints_a("nodes_missing_value_tracks_true", &[1, 1]),
                "missing",
            ),
            (ints_a("leaf_targetids", &[0]), "leaf_targetids has 1"),
            (
                ints_a("leaf_targetids", &[0, 1]),
                "target id 1 out of range",
            ),
            (ints_a("leaf_targetids", &[0, -1]), "target id -1"),
            (ints_a("tree_roots", &[]), "tree_roots is empty"),
            (ints_a("tree_roots", &[1]), "tree root 1 out of range"),
            (ints_a("tree_roots", &[0, 0]), "root of two trees"),
            (ints_a("nodes_falsenodeids", &[7]), "leaf index 7"),
            (ints_a("nodes_featureids", &[-1]), "feature id -1"),
            (int_a("n_targets", 0), "n_targets 0"),
            (int_a("n_targets", 1 << 40), "out of range"),
            (int_a("aggregate_function", 9), "aggregate_function 9"),
            (int_a("post_transform", 7), "post_transform 7"),
            (
                tensor_a("nodes_modes", DataType::Uint8, &[9.0]),
                "node mode 9",
            ),
            (
                tensor_a("nodes_splits", DataType::Float16, &[0.0]),
                "element type",
            ),
            (
                tensor_a("leaf_weights", DataType::Double, &[1.0, 2.0]),
                "both double",
            ),
        ];
        for (a, want) in cases {
            let mut node = stump(0, 0.5, DataType::Float);
            let name = a.name.clone();
            set(&mut node, a);
            let reason = refused(&node);
            assert!(reason.contains(want), "{name}: {reason}");
        }
    }

    #[test]
    fn cycles_and_shared_subtrees_are_refused() {
        // node 0 -> node 1 (true) -> node 0 (true): a cycle.
        let mut node = stump(0, 0.5, DataType::Float);
        set(&mut node, ints_a("nodes_featureids", &[0, 0]));
        set(
            &mut node,
            tensor_a("nodes_splits", DataType::Float, &[0.5, 0.5]),
        );
        set(
            &mut node,
            tensor_a("nodes_modes", DataType::Uint8, &[0.0, 0.0]),
        );
        set(&mut node, ints_a("nodes_truenodeids", &[1, 0]));
        set(&mut node, ints_a("nodes_falsenodeids", &[1, 1]));
        set(&mut node, ints_a("nodes_trueleafs", &[0, 0]));
        set(&mut node, ints_a("nodes_falseleafs", &[1, 1]));
        assert!(refused(&node).contains("reached twice"));
        // both branches of node 0 on interior node 1: a shared subtree.
        set(&mut node, ints_a("nodes_truenodeids", &[1, 0]));
        set(&mut node, ints_a("nodes_falsenodeids", &[1, 1]));
        set(&mut node, ints_a("nodes_falseleafs", &[0, 1]));
        set(&mut node, ints_a("nodes_trueleafs", &[0, 1]));
        assert!(refused(&node).contains("reached twice"));
    }

    #[test]
    fn post_transforms_read_differently_by_onnxruntime_are_refused() {
        for (post, targets, ok) in [
            (1, 2, false),
            (2, 2, false),
            (3, 2, true),
            (1, 1, false),
            (2, 1, false),
            (3, 1, false),
            (4, 1, true),
            (4, 2, false),
            (0, 2, true),
        ] {
            let mut node = stump(0, 0.5, DataType::Float);
            set(&mut node, int_a("post_transform", post));
            set(&mut node, int_a("n_targets", targets));
            assert_eq!(convert(&node).is_ok(), ok, "post {post}, {targets} targets");
        }
    }

    #[test]
    fn one_leaf_trees_need_leaf_equal_to_root() {
        let mut node = stump(0, 0.5, DataType::Float);
        set(&mut node, ints_a("nodes_falsenodeids", &[0]));
        let (modes, _) = legacy_modes(&node);
        assert_eq!(modes, ["LEAF"]);
        set(&mut node, ints_a("nodes_truenodeids", &[1]));
        set(&mut node, ints_a("nodes_falsenodeids", &[1]));
        assert!(refused(&node).contains("onnxruntime reads leaf 0"));
    }

    #[test]
    fn membership_sets_become_eq_chains() {
        let mut node = stump(6, 0.0, DataType::Float);
        set(
            &mut node,
            tensor_a("membership_values", DataType::Float, &[1.0, 3.0, 5.0]),
        );
        let (modes, values) = legacy_modes(&node);
        assert_eq!(
            modes,
            ["BRANCH_EQ", "LEAF", "LEAF", "BRANCH_EQ", "BRANCH_EQ"]
        );
        assert_eq!([values[0], values[3], values[4]], [1.0, 3.0, 5.0]);
        // NaN-terminated is the same set; an empty set, a missing one or an extra one is refused.
        set(
            &mut node,
            tensor_a("membership_values", DataType::Float, &[1.0, f64::NAN]),
        );
        assert!(convert(&node).is_ok());
        for bad in [&[f64::NAN][..], &[], &[1.0, f64::NAN, 2.0]] {
            set(
                &mut node,
                tensor_a("membership_values", DataType::Float, bad),
            );
            let reason = refused(&node);
            assert!(reason.contains("set"), "{bad:?}: {reason}");
        }
    }

    #[test]
    fn double_splits_round_toward_the_float32_inputs_side() {
        let t = 0.1f64; // between two float32 numbers
        let (lo, hi) = (0.1f32.next_down().max(to_f32(t, true)), to_f32(t, false));
        assert!((lo as f64) < t && (hi as f64) > t && lo.next_up() == hi);
        for (mode, want_mode, want) in [
            (0, "BRANCH_LEQ", lo),
            (1, "BRANCH_LT", hi),
            (2, "BRANCH_GTE", hi),
            (3, "BRANCH_GT", lo),
        ] {
            let (modes, values) = legacy_modes(&stump(mode, t, DataType::Double));
            assert_eq!((modes[0].as_str(), values[0]), (want_mode, want));
        }
        // == a non-float32 double never holds; != always does (NaN included).
        let (modes, values) = legacy_modes(&stump(4, t, DataType::Double));
        assert_eq!((modes[0].as_str(), values[0]), ("BRANCH_GT", f32::INFINITY));
        let (modes, values) = legacy_modes(&stump(5, t, DataType::Double));
        assert_eq!(
            (modes[0].as_str(), values[0]),
            ("BRANCH_LEQ", f32::INFINITY)
        );
        // float32 splits are kept as they are; the double model's output is cast back.
        assert_eq!(legacy_modes(&stump(0, 0.5, DataType::Double)).1[0], 0.5);
        let out = convert(&stump(0, 0.5, DataType::Double)).unwrap();
        assert_eq!(out[1].op_type, "Cast");
        assert_eq!(out[1].output, ["y"]);
    }

    #[test]
    fn neq_sends_nan_to_the_true_branch() {
        assert_eq!(legacy_nodes(&stump(5, 0.5, DataType::Float)).2[0], 1);
        assert_eq!(legacy_nodes(&stump(4, 0.5, DataType::Float)).2[0], 0);
    }
}
