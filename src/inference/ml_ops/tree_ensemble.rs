//! `ai.onnx.ml` TreeEnsembleClassifier and TreeEnsembleRegressor, replacing tract's.
//!
//! Why our own: tract 0.23 refuses binary classifiers with one `base_values` entry (what
//! skl2onnx emits for GradientBoostingClassifier), has no regressor, its label output is
//! wrong for binary random forests, and its leaf lookup measured 360–670× slower than
//! onnxruntime at batch 1000.
//!
//! Layout: every tree is flattened into one `Vec<Node>` (struct of small fields, children as
//! absolute indices), leaves point into one contiguous `weights` array. Evaluation is a tight
//! loop per row and tree with no allocation besides the output.
//!
//! Semantics follow onnxruntime's CPU kernel (the reference everybody exports against),
//! including its binary-classification conventions: when only one class id carries weights in
//! a two-class model, the single score `s` is expanded to `[1 - s, s]` (all weights ≥ 0) or
//! `[σ(-s), σ(s)]` / `[-s, s]` (mixed signs, LOGISTIC / otherwise).

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

pub fn register(reg: &mut OnnxOpRegister) {
    reg.insert("TreeEnsembleClassifier", classifier);
    reg.insert("TreeEnsembleRegressor", regressor);
}

/// Split comparison of a branch node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cmp {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Neq,
}

/// Post-evaluation transform of the aggregated scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostTransform {
    None,
    Softmax,
    Logistic,
    SoftmaxZero,
    Probit,
}

/// How leaf values of several trees combine (regressors only; classifiers always sum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

/// One node of a flattened tree. Leaves have `leaf = true` and `[w_start, w_end)` into the
/// ensemble's weights; branches have `feature`, `threshold`, `cmp` and absolute child indices.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Node {
    feature: u32,
    threshold: f32,
    cmp: Cmp,
    missing_true: bool,
    leaf: bool,
    true_child: u32,
    false_child: u32,
    w_start: u32,
    w_end: u32,
}

/// The parsed ensemble, ready to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    nodes: Vec<Node>,
    roots: Vec<u32>,
    /// (target or class index, weight) pairs, grouped per leaf.
    weights: Vec<(u32, f64)>,
    n_outputs: usize,
    n_features_used: usize,
    base_values: Vec<f64>,
    post: PostTransform,
    aggregate: Aggregate,
    /// Classifier with two classes whose weights name one class only (ORT's "binary case").
    binary_single_score: bool,
    weights_all_positive: bool,
}

impl std::hash::Hash for Ensemble {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Hashing the shape is enough for tract's op dedup; equality still compares all.
        self.nodes.len().hash(state);
        self.weights.len().hash(state);
        self.n_outputs.hash(state);
    }
}
impl Eq for Ensemble {}

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

fn parse_post(s: &str) -> TractResult<PostTransform> {
    Ok(match s {
        "NONE" => PostTransform::None,
        "SOFTMAX" => PostTransform::Softmax,
        "LOGISTIC" => PostTransform::Logistic,
        "SOFTMAX_ZERO" => PostTransform::SoftmaxZero,
        "PROBIT" => PostTransform::Probit,
        other => bail!("unsupported post_transform {other}"),
    })
}

/// Reads a float list attribute, or its `_as_tensor` (double) twin from ai.onnx.ml opset 3.
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
    let modes: Vec<String> = node
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
        ("nodes_modes", modes.len()),
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
    let mut n_features_used = 0usize;
    for &i in &order {
        let cmp = parse_cmp(&modes[i])?;
        let (t, nid) = (tree_ids[i], node_ids[i]);
        let node = match cmp {
            None => {
                let (w_start, w_end) = leaf_ranges.get(&(t, nid)).copied().unwrap_or((0, 0));
                Node {
                    feature: 0,
                    threshold: 0.0,
                    cmp: Cmp::Leq,
                    missing_true: false,
                    leaf: true,
                    true_child: 0,
                    false_child: 0,
                    w_start,
                    w_end,
                }
            }
            Some(cmp) => {
                let f = usize_of(feature_ids[i], "feature id")?;
                n_features_used = n_features_used.max(f + 1);
                let child = |c: i64| -> TractResult<u32> {
                    key_to_ix.get(&(t, c)).copied().ok_or_else(|| {
                        format_err!("tree {t} node {nid} points to missing node {c}")
                    })
                };
                Node {
                    feature: f as u32,
                    threshold: values[i] as f32,
                    cmp,
                    missing_true: missing.get(i).copied().unwrap_or(0) != 0,
                    leaf: false,
                    true_child: child(true_ids[i])?,
                    false_child: child(false_ids[i])?,
                    w_start: 0,
                    w_end: 0,
                }
            }
        };
        nodes.push(node);
    }
    // Roots: node 0 of each tree (or the smallest id).
    let mut roots = Vec::with_capacity(tree_order.len());
    for t in &tree_order {
        let first = order
            .iter()
            .position(|&i| tree_ids[i] == *t)
            .ok_or_else(|| format_err!("tree {t} has no nodes"))?;
        roots.push(first as u32);
    }
    // A malformed tree could cycle: make sure every child index is strictly after its parent
    // within a tree walk. We check that every walk terminates within nodes.len() steps lazily
    // in eval instead of proving it here (bounded loop).

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
    if post == PostTransform::Probit && n_outputs != 1 {
        bail!("PROBIT post_transform is only supported with one output");
    }
    Ok(Ensemble {
        nodes,
        roots,
        weights,
        n_outputs,
        n_features_used,
        base_values,
        post,
        aggregate,
        binary_single_score,
        weights_all_positive,
    })
}

#[inline]
fn goes_true(node: &Node, x: f32) -> bool {
    if x.is_nan() {
        return node.missing_true;
    }
    let t = node.threshold;
    match node.cmp {
        Cmp::Leq => x <= t,
        Cmp::Lt => x < t,
        Cmp::Gte => x >= t,
        Cmp::Gt => x > t,
        Cmp::Eq => x == t,
        Cmp::Neq => x != t,
    }
}

fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn softmax(v: &mut [f64], zero: bool) {
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        if zero && *x == 0.0 {
            continue;
        }
        *x = (*x - max).exp();
        sum += *x;
    }
    if sum > 0.0 {
        for x in v.iter_mut() {
            *x /= sum;
        }
    }
}

/// Inverse of the standard normal CDF, sqrt(2)·erfinv(2p − 1) as onnxruntime computes it.
fn probit(p: f64) -> f64 {
    // Acklam's rational approximation, refined by one Halley step; |error| < 1e-9.
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.383_577_518_672_69e2,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    let pl = 0.02425;
    let x = if p < pl {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - pl {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    x
}

impl Ensemble {
    /// Walks one tree for one row and returns the leaf's node index.
    #[inline]
    fn leaf_of(&self, root: u32, row: &[f32]) -> TractResult<&Node> {
        let mut ix = root as usize;
        // A well-formed tree reaches a leaf in fewer steps than it has nodes; the bound turns
        // a cyclic (malicious) model into an error instead of a hang.
        for _ in 0..=self.nodes.len() {
            let node = &self.nodes[ix];
            if node.leaf {
                return Ok(node);
            }
            let x = row.get(node.feature as usize).copied().unwrap_or(f32::NAN);
            ix = if goes_true(node, x) {
                node.true_child
            } else {
                node.false_child
            } as usize;
        }
        bail!("tree walk did not reach a leaf: the ensemble contains a cycle")
    }

    /// Scores `rows` rows of `n_cols` features into `out` (rows × n_outputs).
    pub fn eval(&self, input: &[f32], n_cols: usize, out: &mut [f32]) -> TractResult<()> {
        ensure!(
            n_cols >= self.n_features_used,
            "input has {n_cols} features, the trees use {}",
            self.n_features_used
        );
        let rows = if n_cols == 0 { 0 } else { input.len() / n_cols };
        let k = self.n_outputs;
        let mut acc = vec![0f64; k];
        let mut has = vec![false; k];
        for r in 0..rows {
            let row = &input[r * n_cols..(r + 1) * n_cols];
            acc.iter_mut().for_each(|a| *a = 0.0);
            has.iter_mut().for_each(|h| *h = false);
            for &root in &self.roots {
                let leaf = self.leaf_of(root, row)?;
                for &(id, w) in &self.weights[leaf.w_start as usize..leaf.w_end as usize] {
                    let id = id as usize;
                    match self.aggregate {
                        Aggregate::Sum | Aggregate::Average => acc[id] += w,
                        Aggregate::Min => acc[id] = if has[id] { acc[id].min(w) } else { w },
                        Aggregate::Max => acc[id] = if has[id] { acc[id].max(w) } else { w },
                    }
                    has[id] = true;
                }
            }
            self.finalize(&mut acc, &has, &mut out[r * k..(r + 1) * k]);
        }
        Ok(())
    }

    fn finalize(&self, acc: &mut [f64], has: &[bool], out: &mut [f32]) {
        if self.aggregate == Aggregate::Average && !self.roots.is_empty() {
            let n = self.roots.len() as f64;
            acc.iter_mut().for_each(|a| *a /= n);
        }
        if self.binary_single_score {
            // One score: the sum over the only class that has weights.
            let cls = if has[1] { 1 } else { 0 };
            let mut s = acc[cls];
            match self.base_values.len() {
                1 => s += self.base_values[0],
                2 => s += self.base_values[cls],
                _ => {}
            }
            let (p0, p1) = if self.weights_all_positive {
                (1.0 - s, s)
            } else if self.post == PostTransform::Logistic {
                (sigmoid(-s), sigmoid(s))
            } else {
                (-s, s)
            };
            out[0] = p0 as f32;
            out[1] = p1 as f32;
            return;
        }
        if self.base_values.len() == acc.len() {
            for (a, b) in acc.iter_mut().zip(&self.base_values) {
                *a += b;
            }
        } else if self.base_values.len() == 1 && acc.len() == 1 {
            acc[0] += self.base_values[0];
        }
        match self.post {
            PostTransform::None => {}
            PostTransform::Logistic => acc.iter_mut().for_each(|a| *a = sigmoid(*a)),
            PostTransform::Softmax => softmax(acc, false),
            PostTransform::SoftmaxZero => softmax(acc, true),
            PostTransform::Probit => acc.iter_mut().for_each(|a| *a = probit(*a)),
        }
        for (o, a) in out.iter_mut().zip(acc.iter()) {
            *o = *a as f32;
        }
    }
}

/// The typed op: input (N, F) numeric → scores (N, n_outputs) f32.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TreeEnsembleScores {
    pub ensemble: Ensemble,
}

impl Op for TreeEnsembleScores {
    fn name(&self) -> StaticName {
        "MlcycleTreeEnsemble".into()
    }
    op_as_typed_op!();
}

impl EvalOp for TreeEnsembleScores {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let input = input.cast_to::<f32>()?;
        let shape = input.shape();
        let (rows, cols) = match shape.len() {
            1 => (1, shape[0]),
            2 => (shape[0], shape[1]),
            _ => bail!("tree ensemble input must be rank 1 or 2, got shape {shape:?}"),
        };
        let mut out = vec![0f32; rows * self.ensemble.n_outputs];
        self.ensemble
            .eval(input.try_as_plain_ram()?.as_slice::<f32>()?, cols, &mut out)?;
        let t = Tensor::from_shape(&[rows, self.ensemble.n_outputs], &out)?;
        Ok(tvec!(t.into_tvalue()))
    }
}

impl TypedOp for TreeEnsembleScores {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let n = if inputs[0].rank() == 2 {
            inputs[0].shape[0].clone()
        } else {
            1.to_dim()
        };
        Ok(tvec!(f32::fact([n, self.ensemble.n_outputs.to_dim()])))
    }
    as_op!();
}

/// Inference-level wrapper: wires the scores op and, for classifiers, the label output.
#[derive(Debug, Clone, Hash)]
struct TreeEnsembleExpansion {
    ensemble: Ensemble,
    /// Classifier labels (i64 or String tensor); None for regressors.
    labels: Option<Arc<Tensor>>,
}

impl Expansion for TreeEnsembleExpansion {
    fn name(&self) -> StaticName {
        if self.labels.is_some() {
            "TreeEnsembleClassifier".into()
        } else {
            "TreeEnsembleRegressor".into()
        }
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        let k = self.ensemble.n_outputs.to_dim();
        if let Some(labels) = &self.labels {
            check_output_arity(outputs, 2)?;
            s.equals(&outputs[0].datum_type, labels.datum_type())?;
            s.equals(&outputs[0].rank, 1)?;
            s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
            s.equals(&outputs[1].datum_type, DatumType::F32)?;
            s.equals(&outputs[1].rank, 2)?;
            s.equals(&outputs[1].shape[0], &inputs[0].shape[0])?;
            s.equals(&outputs[1].shape[1], k)?;
        } else {
            check_output_arity(outputs, 1)?;
            s.equals(&outputs[0].datum_type, DatumType::F32)?;
            s.equals(&outputs[0].rank, 2)?;
            s.equals(&outputs[0].shape[0], &inputs[0].shape[0])?;
            s.equals(&outputs[0].shape[1], k)?;
        }
        Ok(())
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let scores = model.wire_node(
            format!("{prefix}.scores"),
            TreeEnsembleScores {
                ensemble: self.ensemble.clone(),
            },
            inputs,
        )?[0];
        let Some(labels) = &self.labels else {
            return Ok(tvec!(scores));
        };
        let label = super::wire_argmax_label(model, prefix, scores, labels.clone())?;
        Ok(tvec!(label, scores))
    }

    fn nboutputs(&self) -> TractResult<usize> {
        Ok(if self.labels.is_some() { 2 } else { 1 })
    }
}

fn classifier(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let ensemble = parse(node, true)?;
    let labels = super::class_labels_tensor(node)?;
    Ok((
        expand(TreeEnsembleExpansion {
            ensemble,
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
        expand(TreeEnsembleExpansion {
            ensemble,
            labels: None,
        }),
        vec![],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(w: (u32, u32)) -> Node {
        Node {
            feature: 0,
            threshold: 0.0,
            cmp: Cmp::Leq,
            missing_true: false,
            leaf: true,
            true_child: 0,
            false_child: 0,
            w_start: w.0,
            w_end: w.1,
        }
    }

    fn stump(missing_true: bool) -> Ensemble {
        // x0 <= 1 → leaf weight 0.2 on class 0; else 0.9 on class 0 (binary single-score).
        let branch = Node {
            feature: 0,
            threshold: 1.0,
            cmp: Cmp::Leq,
            missing_true,
            leaf: false,
            true_child: 1,
            false_child: 2,
            w_start: 0,
            w_end: 0,
        };
        Ensemble {
            nodes: vec![branch, leaf((0, 1)), leaf((1, 2))],
            roots: vec![0],
            weights: vec![(0, 0.2), (0, 0.9)],
            n_outputs: 2,
            n_features_used: 1,
            base_values: vec![],
            post: PostTransform::None,
            aggregate: Aggregate::Sum,
            binary_single_score: true,
            weights_all_positive: true,
        }
    }

    #[test]
    fn binary_single_score_expands_to_two_columns() {
        let e = stump(false);
        let mut out = vec![0f32; 4];
        e.eval(&[0.5, 3.0], 1, &mut out).unwrap();
        assert_eq!(out, vec![0.8, 0.2, 1.0 - 0.9, 0.9]);
    }

    #[test]
    fn nan_follows_missing_track() {
        let mut out = vec![0f32; 2];
        stump(true).eval(&[f32::NAN], 1, &mut out).unwrap();
        assert_eq!(out[1], 0.2);
        stump(false).eval(&[f32::NAN], 1, &mut out).unwrap();
        assert_eq!(out[1], 0.9);
    }

    #[test]
    fn cyclic_tree_is_an_error_not_a_hang() {
        let mut e = stump(false);
        e.nodes[0].true_child = 0;
        let mut out = vec![0f32; 2];
        assert!(e.eval(&[0.0], 1, &mut out).is_err());
    }

    #[test]
    fn probit_is_inverse_normal_cdf() {
        assert!((probit(0.5)).abs() < 1e-12);
        assert!((probit(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((probit(0.01) + 2.326347874040841).abs() < 1e-8);
    }
}
