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

use super::tree_walk::{FastForest, LANES};
use tract_nnef::internal::*;

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

/// Marks a leaf in [`Node::feature`].
pub const LEAF: u32 = u32::MAX;

/// One node of a flattened tree, 16 bytes so a tree's hot path stays in cache.
/// Branch: `feature`, `threshold`, `a` = true child, `b` = false child (absolute indices).
/// Leaf: `feature == LEAF`, weights are `weights[a..b]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Node {
    pub feature: u32,
    pub threshold: f32,
    pub a: u32,
    pub b: u32,
}

/// The parsed ensemble, ready to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct Ensemble {
    pub nodes: Vec<Node>,
    /// Per node: comparison and missing-value direction (read only off the fast path).
    pub modes: Vec<(Cmp, bool)>,
    /// When every branch is an ordering (`<=`, `<`, `>=`, `>`, either missing direction; see
    /// [`super::tree_walk`]): the same trees laid out for branch-free lockstep walks.
    fast: Option<FastForest>,
    pub roots: Vec<u32>,
    /// (target or class index, weight) pairs, grouped per leaf.
    pub weights: Vec<(u32, f64)>,
    pub n_outputs: usize,
    pub n_features_used: usize,
    pub base_values: Vec<f64>,
    pub post: PostTransform,
    pub aggregate: Aggregate,
    /// Classifier with two classes whose weights name one class only (ORT's "binary case").
    pub binary_single_score: bool,
    /// In the binary single-score case, the one class id that carries weights.
    pub single_class: usize,
    pub weights_all_positive: bool,
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

impl PostTransform {
    /// Parses the ONNX spelling (`NONE`, `LOGISTIC`, `SOFTMAX`, `SOFTMAX_ZERO`, `PROBIT`),
    /// shared by every ai.onnx.ml operator that has the attribute (tree ensembles, SVMs).
    pub fn parse(s: &str) -> Result<PostTransform, String> {
        match s {
            "NONE" => Ok(PostTransform::None),
            "LOGISTIC" => Ok(PostTransform::Logistic),
            "SOFTMAX" => Ok(PostTransform::Softmax),
            "SOFTMAX_ZERO" => Ok(PostTransform::SoftmaxZero),
            "PROBIT" => Ok(PostTransform::Probit),
            other => Err(format!(
                "unsupported post_transform {other:?} (expected NONE, LOGISTIC, SOFTMAX, \
                 SOFTMAX_ZERO or PROBIT)"
            )),
        }
    }

    /// The ONNX spelling (written by the NNEF dumpers, which only the full build has).
    #[cfg(any(feature = "nnef-writer", test))]
    pub fn as_onnx_str(self) -> &'static str {
        match self {
            PostTransform::None => "NONE",
            PostTransform::Logistic => "LOGISTIC",
            PostTransform::Softmax => "SOFTMAX",
            PostTransform::SoftmaxZero => "SOFTMAX_ZERO",
            PostTransform::Probit => "PROBIT",
        }
    }
}

/// [`PostTransform::parse`] for tract's error type.
pub fn parse_post(s: &str) -> TractResult<PostTransform> {
    PostTransform::parse(s).map_err(|e| format_err!("{e}"))
}

/// Reads a float list attribute, or its `_as_tensor` (double) twin from ai.onnx.ml opset 3.
impl Ensemble {
    /// Rebuilds an ensemble from its basic arrays (what the NNEF form stores), validating
    /// everything evaluation relies on and re-deriving `n_features_used` and the fast layouts
    /// with the same code as the ONNX parser, so the result equals the parsed ensemble.
    #[allow(clippy::too_many_arguments)]
    pub fn from_parts(
        nodes: Vec<Node>,
        modes: Vec<(Cmp, bool)>,
        roots: Vec<u32>,
        weights: Vec<(u32, f64)>,
        n_outputs: usize,
        base_values: Vec<f64>,
        post: PostTransform,
        aggregate: Aggregate,
        binary_single_score: bool,
        single_class: usize,
        weights_all_positive: bool,
    ) -> TractResult<Ensemble> {
        ensure!(n_outputs > 0, "the ensemble has no classes or targets");
        ensure!(!nodes.is_empty(), "the ensemble has no nodes");
        ensure!(!roots.is_empty(), "the ensemble has no trees");
        ensure!(
            modes.len() == nodes.len(),
            "{} modes for {} nodes",
            modes.len(),
            nodes.len()
        );
        let mut n_features_used = 0usize;
        for n in &nodes {
            if n.feature == LEAF {
                ensure!(
                    n.a <= n.b && (n.b as usize) <= weights.len(),
                    "leaf weight range {}..{} out of bounds ({} weights)",
                    n.a,
                    n.b,
                    weights.len()
                );
            } else {
                n_features_used = n_features_used.max(n.feature as usize + 1);
            }
        }
        for (id, _) in &weights {
            ensure!(
                (*id as usize) < n_outputs,
                "weight class/target id {id} out of range (< {n_outputs})"
            );
        }
        if binary_single_score {
            ensure!(
                n_outputs == 2 && single_class < 2,
                "binary single-score ensemble needs 2 outputs and class 0 or 1"
            );
        }
        if post == PostTransform::Probit && n_outputs != 1 {
            bail!("PROBIT post_transform is only supported with one output");
        }
        let depths = check_acyclic(&nodes, &roots)?;
        let fast = FastForest::new(&nodes, &modes, &roots, depths);
        Ok(Ensemble {
            nodes,
            modes,
            fast,
            roots,
            weights,
            n_outputs,
            n_features_used,
            base_values,
            post,
            aggregate,
            binary_single_score,
            single_class,
            weights_all_positive,
        })
    }
}

/// Proves every walk from a root ends at a leaf (no cycles), so evaluation can loop without a
/// step bound. Iterative DFS with on-path marks; a malicious cyclic model is refused at load.
fn check_acyclic(nodes: &[Node], roots: &[u32]) -> TractResult<Vec<u32>> {
    // 0 = unseen, 1 = on the current path, 2 = finished
    let mut state = vec![0u8; nodes.len()];
    let mut depth = vec![0u32; nodes.len()];
    let mut depths = Vec::with_capacity(roots.len());
    let mut stack: Vec<(u32, bool)> = Vec::new();
    for &root in roots {
        let mut max_depth = 0;
        ensure!(
            (root as usize) < nodes.len(),
            "root index {root} out of range"
        );
        depth[root as usize] = 0;
        stack.push((root, false));
        while let Some((ix, children_done)) = stack.pop() {
            let i = ix as usize;
            ensure!(i < nodes.len(), "node index {i} out of range");
            if children_done {
                state[i] = 2;
                continue;
            }
            match state[i] {
                2 => continue,
                1 => bail!("the tree ensemble contains a cycle at node {i}"),
                _ => {}
            }
            state[i] = 1;
            stack.push((ix, true));
            let n = nodes[i];
            if n.feature == LEAF {
                max_depth = max_depth.max(depth[i]);
            } else {
                for c in [n.a, n.b] {
                    ensure!((c as usize) < nodes.len(), "child index {c} out of range");
                    if state[c as usize] == 1 {
                        bail!("the tree ensemble contains a cycle at node {c}");
                    }
                    depth[c as usize] = depth[i] + 1;
                    stack.push((c, false));
                }
            }
        }
        depths.push(max_depth);
    }
    Ok(depths)
}

#[inline]
fn goes_true(node: &Node, mode: (Cmp, bool), x: f32) -> bool {
    if x.is_nan() {
        return mode.1;
    }
    let t = node.threshold;
    match mode.0 {
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
    /// Walks one tree for one row and returns the leaf (general modes and missing values).
    #[inline]
    fn leaf_general(&self, root: u32, row: &[f32]) -> Node {
        let mut ix = root as usize;
        loop {
            let node = self.nodes[ix];
            if node.feature == LEAF {
                return node;
            }
            let x = row[node.feature as usize];
            ix = if goes_true(&node, self.modes[ix], x) {
                node.a
            } else {
                node.b
            } as usize;
        }
    }

    /// Scores `rows` rows of `n_cols` features into `out` (rows × n_outputs).
    ///
    /// Rows are processed in blocks, tree by tree, so one tree's nodes stay in cache while the
    /// block's rows walk it. Loops terminate: [`check_acyclic`] ran at load.
    pub fn eval(&self, input: &[f32], n_cols: usize, out: &mut [f32]) -> TractResult<()> {
        ensure!(
            n_cols >= self.n_features_used,
            "input has {n_cols} features, the trees use {}",
            self.n_features_used
        );
        const BLOCK: usize = 64;
        let rows = if n_cols == 0 { 0 } else { input.len() / n_cols };
        ensure!(
            out.len() >= rows * self.n_outputs,
            "output buffer too small"
        );
        let k = self.n_outputs;
        let mut acc = vec![0f64; BLOCK * k];
        let mut has = vec![false; BLOCK * k];
        let mut start = 0;
        while start < rows {
            let end = (start + BLOCK).min(rows);
            let n = end - start;
            acc[..n * k].iter_mut().for_each(|a| *a = 0.0);
            has[..n * k].iter_mut().for_each(|h| *h = false);
            if let Some(fast) = &self.fast {
                for (t, &root) in self.roots.iter().enumerate() {
                    let mut g = 0;
                    while g < n {
                        let lanes = (n - g).min(LANES);
                        if 2 * lanes <= LANES {
                            // A few rows left: one at a time (a lockstep group would repeat
                            // the last row up to LANES times; batch 1 is all remainder).
                            let [leaf] = fast.leaves::<1>(t, root, input, &[(start + g) * n_cols]);
                            self.accumulate(
                                &self.nodes[leaf],
                                &mut acc[g * k..(g + 1) * k],
                                &mut has[g * k..(g + 1) * k],
                            );
                            g += 1;
                            continue;
                        }
                        // Partial groups repeat their last row; only `lanes` results are used.
                        let offsets: [usize; LANES] =
                            std::array::from_fn(|j| (start + g + j.min(lanes - 1)) * n_cols);
                        let leaves = fast.leaves::<LANES>(t, root, input, &offsets);
                        for (j, &leaf) in leaves.iter().enumerate().take(lanes) {
                            let r = g + j;
                            self.accumulate(
                                &self.nodes[leaf],
                                &mut acc[r * k..(r + 1) * k],
                                &mut has[r * k..(r + 1) * k],
                            );
                        }
                        g += LANES;
                    }
                }
            } else {
                for &root in &self.roots {
                    for r in 0..n {
                        let row = &input[(start + r) * n_cols..(start + r + 1) * n_cols];
                        let leaf = self.leaf_general(root, row);
                        self.accumulate(
                            &leaf,
                            &mut acc[r * k..(r + 1) * k],
                            &mut has[r * k..(r + 1) * k],
                        );
                    }
                }
            }
            for r in 0..n {
                self.finalize(
                    &mut acc[r * k..(r + 1) * k],
                    &mut out[(start + r) * k..(start + r + 1) * k],
                );
            }
            start = end;
        }
        Ok(())
    }

    /// Adds a leaf's weights into one row's accumulators.
    #[inline(always)]
    fn accumulate(&self, leaf: &Node, acc: &mut [f64], has: &mut [bool]) {
        let weights = &self.weights[leaf.a as usize..leaf.b as usize];
        match self.aggregate {
            // The common case (every scikit-learn ensemble): plain sums, `has` is not needed.
            Aggregate::Sum | Aggregate::Average => {
                for &(id, w) in weights {
                    if let Some(a) = acc.get_mut(id as usize) {
                        *a += w;
                    }
                }
            }
            Aggregate::Min | Aggregate::Max => {
                let min = self.aggregate == Aggregate::Min;
                for &(id, w) in weights {
                    let id = id as usize;
                    let (Some(a), Some(h)) = (acc.get(id).copied(), has.get(id).copied()) else {
                        continue;
                    };
                    acc[id] = if !h {
                        w
                    } else if min {
                        a.min(w)
                    } else {
                        a.max(w)
                    };
                    has[id] = true;
                }
            }
        }
    }

    fn finalize(&self, acc: &mut [f64], out: &mut [f32]) {
        if self.aggregate == Aggregate::Average && !self.roots.is_empty() {
            let n = self.roots.len() as f64;
            acc.iter_mut().for_each(|a| *a /= n);
        }
        if self.binary_single_score {
            // One score: the sum over the only class that has weights.
            let cls = self.single_class;
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
        let input = super::as_f32::as_f32(&input)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(w: (u32, u32)) -> Node {
        Node {
            feature: LEAF,
            threshold: 0.0,
            a: w.0,
            b: w.1,
        }
    }

    fn stump(missing_true: bool) -> Ensemble {
        // x0 <= 1 → leaf weight 0.2 on class 0; else 0.9 on class 0 (binary single-score).
        let branch = Node {
            feature: 0,
            threshold: 1.0,
            a: 1,
            b: 2,
        };
        Ensemble {
            nodes: vec![branch, leaf((0, 1)), leaf((1, 2))],
            modes: vec![
                (Cmp::Leq, missing_true),
                (Cmp::Leq, false),
                (Cmp::Leq, false),
            ],
            fast: None,
            roots: vec![0],
            weights: vec![(0, 0.2), (0, 0.9)],
            n_outputs: 2,
            n_features_used: 1,
            base_values: vec![],
            post: PostTransform::None,
            aggregate: Aggregate::Sum,
            binary_single_score: true,
            single_class: 0,
            weights_all_positive: true,
        }
    }

    #[test]
    fn binary_single_score_expands_to_two_columns() {
        let e = stump(false);
        let mut out = vec![0f32; 4];
        e.eval(&[0.5, 3.0], 1, &mut out).unwrap();
        assert_eq!(out, vec![0.8, 0.2, 0.1, 0.9]);
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
    fn cyclic_tree_is_refused_at_load() {
        let mut e = stump(false);
        assert!(check_acyclic(&e.nodes, &e.roots).is_ok());
        e.nodes[0].a = 0;
        assert!(check_acyclic(&e.nodes, &e.roots).is_err());
        e.nodes[0].a = 7;
        assert!(check_acyclic(&e.nodes, &e.roots).is_err());
    }

    #[test]
    fn blocks_larger_than_one_give_the_same_rows() {
        let mut e = stump(false);
        let depths = check_acyclic(&e.nodes, &e.roots).unwrap();
        e.fast = FastForest::new(&e.nodes, &e.modes, &e.roots, depths);
        assert!(e.fast.is_some());
        let input: Vec<f32> = (0..200).map(|i| (i % 3) as f32).collect();
        let mut out = vec![0f32; 400];
        e.eval(&input, 1, &mut out).unwrap();
        for (i, x) in input.iter().enumerate() {
            let want = if *x <= 1.0 { 0.2 } else { 0.9 };
            assert_eq!(out[2 * i + 1], want);
        }
    }

    /// LightGBM and XGBoost send NaN to the true child on some nodes and compare with `<`: the
    /// lockstep walk must agree with the general one on every ordering and direction.
    #[test]
    fn lockstep_walk_equals_the_general_walk_for_every_ordering() {
        let input: Vec<f32> = (0..300)
            .map(|i| match i % 5 {
                0 => f32::NAN,
                1 => 1.0,
                2 => 1.0f32.next_up(),
                3 => -4.0,
                _ => 7.5,
            })
            .collect();
        for cmp in [Cmp::Leq, Cmp::Lt, Cmp::Gte, Cmp::Gt] {
            for missing_true in [false, true] {
                let mut e = stump(missing_true);
                e.modes[0] = (cmp, missing_true);
                let mut general = vec![0f32; 600];
                e.eval(&input, 1, &mut general).unwrap();
                let depths = check_acyclic(&e.nodes, &e.roots).unwrap();
                e.fast = FastForest::new(&e.nodes, &e.modes, &e.roots, depths);
                assert!(e.fast.is_some(), "{cmp:?}");
                let mut fast = vec![0f32; 600];
                e.eval(&input, 1, &mut fast).unwrap();
                assert_eq!(
                    general.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    fast.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                    "{cmp:?} missing_true={missing_true}"
                );
            }
        }
    }

    #[test]
    fn probit_is_inverse_normal_cdf() {
        assert!((probit(0.5)).abs() < 1e-12);
        assert!((probit(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((probit(0.01) + 2.326347874040841).abs() < 1e-8);
    }
}
