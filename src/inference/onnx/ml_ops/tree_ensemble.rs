//! Parsing `ai.onnx.ml` TreeEnsembleClassifier / TreeEnsembleRegressor nodes into mlcycle's
//! tree ensemble ([`crate::inference::tree_ensemble`], which also evaluates it and is all the
//! NNEF-only build carries). Only in builds with the `onnx` feature.

use super::ScoresExpansion;
use crate::inference::tree_ensemble::{
    parse_post, Aggregate, Cmp, Ensemble, Node, TreeEnsembleScores, LEAF,
};
use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("TreeEnsembleClassifier", classifier);
    reg.insert("TreeEnsembleRegressor", regressor);
}

fn parse_cmp(s: &str) -> TractResult<Option<Cmp>> {
    Ok(Some(match s {
        "BRANCH_LEQ" => Cmp::Leq,
        "BRANCH_LT" => Cmp::Lt,
        "BRANCH_GTE" => Cmp::Gte,
        "BRANCH_GT" => Cmp::Gt,
        "BRANCH_EQ" => Cmp::Eq,
        "BRANCH_NEQ" => Cmp::Neq,
        "LEAF" => return Ok(None),
        other => bail!("unsupported node mode {other}"),
    }))
}

fn floats(node: &NodeProto, name: &str) -> TractResult<Option<Vec<f64>>> {
    if let Some(v) = node.get_attr_opt_vec::<f32>(name)? {
        return Ok(Some(v.into_iter().map(|x| x as f64).collect()));
    }
    let tname = format!("{name}_as_tensor");
    if let Some(t) = node.get_attr_opt::<&tract_onnx::pb::TensorProto>(&tname)? {
        let t =
            tract_onnx::tensor::load_tensor(&tract_onnx::data_resolver::MmapDataResolver, t, None)?;
        let t = t.cast_to::<f64>()?;
        return Ok(Some(t.try_as_plain_ram()?.as_slice::<f64>()?.to_vec()));
    }
    Ok(None)
}

fn ints(node: &NodeProto, name: &str) -> TractResult<Vec<i64>> {
    Ok(node.get_attr_opt_vec::<i64>(name)?.unwrap_or_default())
}

fn usize_of(v: i64, what: &str) -> TractResult<usize> {
    usize::try_from(v).map_err(|_| format_err!("negative {what}: {v}"))
}

/// Parses the shared node/leaf attributes of both ensemble ops.
fn parse(node: &NodeProto, classifier: bool) -> TractResult<Ensemble> {
    let prefix = if classifier { "class" } else { "target" };
    let n_outputs = if classifier {
        let ints = node.get_attr_opt_vec::<i64>("classlabels_int64s")?;
        let strs = node.get_attr_opt_vec::<String>("classlabels_strings")?;
        match (ints, strs) {
            (Some(i), None) => i.len(),
            (None, Some(s)) => s.len(),
            _ => bail!("exactly one of classlabels_int64s and classlabels_strings must be set"),
        }
    } else {
        usize_of(node.get_attr::<i64>("n_targets")?, "n_targets")?
    };
    ensure!(n_outputs > 0, "the ensemble has no classes or targets");

    let tree_ids = ints(node, "nodes_treeids")?;
    let node_ids = ints(node, "nodes_nodeids")?;
    let feature_ids = ints(node, "nodes_featureids")?;
    let true_ids = ints(node, "nodes_truenodeids")?;
    let false_ids = ints(node, "nodes_falsenodeids")?;
    let values = floats(node, "nodes_values")?.unwrap_or_default();
    let modes_attr: Vec<String> = node
        .get_attr_opt_vec::<String>("nodes_modes")?
        .unwrap_or_default();
    let missing: Vec<i64> = ints(node, "nodes_missing_value_tracks_true")?;
    let n = tree_ids.len();
    ensure!(n > 0, "the ensemble has no nodes");
    for (name, len) in [
        ("nodes_nodeids", node_ids.len()),
        ("nodes_featureids", feature_ids.len()),
        ("nodes_truenodeids", true_ids.len()),
        ("nodes_falsenodeids", false_ids.len()),
        ("nodes_values", values.len()),
        ("nodes_modes", modes_attr.len()),
    ] {
        ensure!(
            len == n,
            "attribute {name} has {len} entries, nodes_treeids has {n}"
        );
    }
    ensure!(
        missing.is_empty() || missing.len() == n,
        "nodes_missing_value_tracks_true length"
    );

    let l_tree = ints(node, &format!("{prefix}_treeids"))?;
    let l_node = ints(node, &format!("{prefix}_nodeids"))?;
    let l_id = ints(node, &format!("{prefix}_ids"))?;
    let l_w = floats(node, &format!("{prefix}_weights"))?.unwrap_or_default();
    let nl = l_tree.len();
    ensure!(
        l_node.len() == nl && l_id.len() == nl && l_w.len() == nl,
        "{prefix}_* attributes have different lengths"
    );

    // Map (tree, node) -> flat index. Trees are laid out in order of first appearance.
    let mut tree_order: Vec<i64> = Vec::new();
    let mut key_to_ix = std::collections::HashMap::with_capacity(n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (tree_ids[i], node_ids[i]));
    for (flat, &i) in order.iter().enumerate() {
        if key_to_ix
            .insert((tree_ids[i], node_ids[i]), flat as u32)
            .is_some()
        {
            bail!("duplicate node id {} in tree {}", node_ids[i], tree_ids[i]);
        }
        if tree_order.last() != Some(&tree_ids[i]) {
            tree_order.push(tree_ids[i]);
        }
    }
    // Leaf weights grouped by (tree, node).
    let mut leaf_order: Vec<usize> = (0..nl).collect();
    leaf_order.sort_by_key(|&i| (l_tree[i], l_node[i]));
    let mut weights = Vec::with_capacity(nl);
    let mut leaf_ranges = std::collections::HashMap::new();
    let mut k = 0;
    while k < leaf_order.len() {
        let key = (l_tree[leaf_order[k]], l_node[leaf_order[k]]);
        let start = weights.len() as u32;
        while k < leaf_order.len() && (l_tree[leaf_order[k]], l_node[leaf_order[k]]) == key {
            let i = leaf_order[k];
            let id = usize_of(l_id[i], "class/target id")?;
            ensure!(
                id < n_outputs,
                "{prefix}_ids entry {id} out of range (< {n_outputs})"
            );
            weights.push((id as u32, l_w[i]));
            k += 1;
        }
        leaf_ranges.insert(key, (start, weights.len() as u32));
    }

    let mut nodes = Vec::with_capacity(n);
    let mut modes = Vec::with_capacity(n);
    for &i in &order {
        let cmp = parse_cmp(&modes_attr[i])?;
        let (t, nid) = (tree_ids[i], node_ids[i]);
        match cmp {
            None => {
                let (w_start, w_end) = leaf_ranges.get(&(t, nid)).copied().unwrap_or((0, 0));
                nodes.push(Node {
                    feature: LEAF,
                    threshold: 0.0,
                    a: w_start,
                    b: w_end,
                });
                modes.push((Cmp::Leq, false));
            }
            Some(cmp) => {
                let f = usize_of(feature_ids[i], "feature id")?;
                ensure!(f < LEAF as usize, "feature id {f} too large");
                let child = |c: i64| -> TractResult<u32> {
                    key_to_ix.get(&(t, c)).copied().ok_or_else(|| {
                        format_err!("tree {t} node {nid} points to missing node {c}")
                    })
                };
                nodes.push(Node {
                    feature: f as u32,
                    threshold: values[i] as f32,
                    a: child(true_ids[i])?,
                    b: child(false_ids[i])?,
                });
                modes.push((cmp, missing.get(i).copied().unwrap_or(0) != 0));
            }
        }
    }
    // Roots: the first node (smallest id) of each tree.
    let mut roots = Vec::with_capacity(tree_order.len());
    for t in &tree_order {
        let first = order
            .iter()
            .position(|&i| tree_ids[i] == *t)
            .ok_or_else(|| format_err!("tree {t} has no nodes"))?;
        roots.push(first as u32);
    }
    let base_values = floats(node, "base_values")?.unwrap_or_default();
    let post = parse_post(
        node.get_attr_opt::<&str>("post_transform")?
            .unwrap_or("NONE"),
    )?;
    let aggregate = if classifier {
        Aggregate::Sum
    } else {
        match node
            .get_attr_opt::<&str>("aggregate_function")?
            .unwrap_or("SUM")
        {
            "SUM" => Aggregate::Sum,
            "AVERAGE" => Aggregate::Average,
            "MIN" => Aggregate::Min,
            "MAX" => Aggregate::Max,
            other => bail!("unsupported aggregate_function {other}"),
        }
    };
    let mut classes_used: Vec<u32> = weights.iter().map(|w| w.0).collect();
    classes_used.sort_unstable();
    classes_used.dedup();
    let binary_single_score = classifier && n_outputs == 2 && classes_used.len() == 1;
    let weights_all_positive = weights.iter().all(|w| w.1 >= 0.0);
    // One constructor derives the rest (features used, cycle check, fast layouts) for both
    // the ONNX parser and the NNEF loader.
    Ensemble::from_parts(
        nodes,
        modes,
        roots,
        weights,
        n_outputs,
        base_values,
        post,
        aggregate,
        binary_single_score,
        classes_used.first().map(|c| *c as usize).unwrap_or(0),
        weights_all_positive,
    )
}

fn classifier(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let ensemble = parse(node, true)?;
    let labels = super::class_labels_tensor(node)?;
    Ok((
        expand(ScoresExpansion {
            name: "TreeEnsembleClassifier",
            n_outputs: ensemble.n_outputs,
            op: TreeEnsembleScores { ensemble },
            labels: Some(labels),
        }),
        vec![],
    ))
}

fn regressor(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let ensemble = parse(node, false)?;
    Ok((
        expand(ScoresExpansion {
            name: "TreeEnsembleRegressor",
            n_outputs: ensemble.n_outputs,
            op: TreeEnsembleScores { ensemble },
            labels: None,
        }),
        vec![],
    ))
}
