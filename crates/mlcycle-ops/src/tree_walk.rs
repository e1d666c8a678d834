//! Branch-free lockstep tree walks: the fast path of [`super::tree_ensemble::Ensemble`].
//!
//! Every eligible branch is rewritten to one form, "`x <= t` goes to `a`", so a walk step is a
//! compare and a `select` with no branch to mispredict, and `LANES` rows walk one tree together
//! so their loads overlap. The other orderings reduce to it exactly for every non-NaN `f32`:
//! `x < t` is `x <= next_down(t)`, and `>` / `>=` are `<=` / `<` with the children swapped.
//! Missing values keep their exporter-given direction through a flag in the feature index: NaN
//! fails `x <= t` and goes to `b`, unless the node says NaN goes to `a` (LightGBM's and
//! XGBoost's `missing_value_tracks_true`), where the step tests `x > t` instead, which NaN also
//! fails. Only `==`, `!=`, NaN thresholds and `< -inf` / `>= -inf` stay on the general walk.

use super::tree_ensemble::{Cmp, Node, LEAF};

/// Rows walking one tree together.
pub const LANES: usize = 8;

/// Deepest forest laid out as complete trees (2^8 leaves per tree at most).
const MAX_HEAP_DEPTH: u32 = 8;

/// Set in a rewritten branch's `feature` when NaN goes to the true child `a`.
const NAN_TO_A: u32 = 1 << 31;

/// Trees re-laid for lockstep walks: branches in the one `x <= t` form, and a leaf points to
/// itself, so every row takes exactly `depth` steps.
#[derive(Clone, Debug, PartialEq)]
pub struct FastForest {
    nodes: Vec<Node>,
    /// Maximum depth of each tree (steps to reach any leaf).
    depths: Vec<u32>,
    /// Some branch sends NaN to `a` (the walk then reads the flag; without it, it need not).
    nan_to_a: bool,
    /// Shallow forests (gradient boosting's depth-3 trees): every tree padded to a complete
    /// binary tree of the forest's depth in heap order, so a step is
    /// `ix = 2·ix + 1 + (x goes to b)` with no child pointers to load.
    heap: Option<HeapForest>,
}

#[derive(Clone, Debug, PartialEq)]
struct HeapForest {
    depth: u32,
    /// Per tree, `2^depth − 1` (feature with flag, threshold) pairs in heap order.
    internal: Vec<(u32, f32)>,
    /// Per tree, `2^depth` source leaf node indices (bottom level, left to right).
    leaves: Vec<u32>,
}

/// A branch in the `x <= t` form, or `None` when it has none (see the module doc).
fn as_leq(node: &Node, (cmp, nan_to_a): (Cmp, bool)) -> Option<Node> {
    let t = node.threshold;
    if node.feature >= NAN_TO_A || t.is_nan() {
        return None;
    }
    let (threshold, swap) = match cmp {
        Cmp::Leq => (t, false),
        Cmp::Gt => (t, true),
        // x < -inf is never true, but x <= next_down(-inf) = -inf is for x = -inf.
        Cmp::Lt | Cmp::Gte if t == f32::NEG_INFINITY => return None,
        Cmp::Lt => (t.next_down(), false),
        Cmp::Gte => (t.next_down(), true),
        Cmp::Eq | Cmp::Neq => return None,
    };
    let (a, b) = if swap {
        (node.b, node.a)
    } else {
        (node.a, node.b)
    };
    // Swapping the children swaps which one NaN must reach.
    let flag = if nan_to_a != swap { NAN_TO_A } else { 0 };
    Some(Node {
        feature: node.feature | flag,
        threshold,
        a,
        b,
    })
}

/// Whether a row with value `x` at a rewritten branch goes to `b`.
#[inline(always)]
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(x <= t)` is the point: NaN must go to `b`
fn to_b<const NAN_FLAGS: bool>(feature: u32, threshold: f32, x: f32) -> bool {
    if NAN_FLAGS && feature & NAN_TO_A != 0 {
        x > threshold
    } else {
        !(x <= threshold)
    }
}

#[inline(always)]
fn feature_index(feature: u32) -> usize {
    (feature & !NAN_TO_A) as usize
}

impl HeapForest {
    fn new(nodes: &[Node], roots: &[u32], depth: u32) -> HeapForest {
        let n_int = (1usize << depth) - 1;
        let n_leaves = 1usize << depth;
        let mut internal = vec![(0u32, f32::INFINITY); roots.len() * n_int];
        let mut leaves = vec![0u32; roots.len() * n_leaves];
        for (t, &root) in roots.iter().enumerate() {
            // (source node, heap position, level); a leaf above the bottom fills both children
            // with itself behind a threshold every number passes and NaN fails, so both paths
            // end on the same leaf.
            let mut stack = vec![(root as usize, 0usize, 0u32)];
            while let Some((src, pos, level)) = stack.pop() {
                let node = nodes[src];
                if level == depth {
                    leaves[t * n_leaves + (pos - n_int)] = src as u32;
                    continue;
                }
                let (left, right) = if node.a == src as u32 && node.b == src as u32 {
                    (src, src)
                } else {
                    internal[t * n_int + pos] = (node.feature, node.threshold);
                    (node.a as usize, node.b as usize)
                };
                stack.push((left, 2 * pos + 1, level + 1));
                stack.push((right, 2 * pos + 2, level + 1));
            }
        }
        HeapForest {
            depth,
            internal,
            leaves,
        }
    }

    /// Source leaf indices of `L` rows in tree `t`.
    #[inline(always)]
    fn walk<const NAN_FLAGS: bool, const L: usize>(
        &self,
        t: usize,
        input: &[f32],
        offsets: &[usize; L],
    ) -> [usize; L] {
        let n_int = (1usize << self.depth) - 1;
        let tree = &self.internal[t * n_int..(t + 1) * n_int];
        let mut ix = [0usize; L];
        for _ in 0..self.depth {
            for j in 0..L {
                let (f, thr) = tree[ix[j]];
                let x = input[offsets[j] + feature_index(f)];
                ix[j] = 2 * ix[j] + 1 + usize::from(to_b::<NAN_FLAGS>(f, thr, x));
            }
        }
        let leaves = &self.leaves[t * (n_int + 1)..(t + 1) * (n_int + 1)];
        std::array::from_fn(|j| leaves[ix[j] - n_int] as usize)
    }
}

impl FastForest {
    /// The lockstep layout, or `None` when some branch has no `x <= t` form.
    pub fn new(
        nodes: &[Node],
        modes: &[(Cmp, bool)],
        roots: &[u32],
        depths: Vec<u32>,
    ) -> Option<FastForest> {
        let mut nan_to_a = false;
        let mut fast = Vec::with_capacity(nodes.len());
        for (i, (n, mode)) in nodes.iter().zip(modes).enumerate() {
            fast.push(if n.feature == LEAF {
                Node {
                    feature: 0,
                    threshold: f32::INFINITY,
                    a: i as u32,
                    b: i as u32,
                }
            } else {
                let leq = as_leq(n, *mode)?;
                nan_to_a |= leq.feature & NAN_TO_A != 0;
                leq
            });
        }
        let max_depth = depths.iter().copied().max().unwrap_or(0);
        let heap = (1..=MAX_HEAP_DEPTH)
            .contains(&max_depth)
            .then(|| HeapForest::new(&fast, roots, max_depth));
        Some(FastForest {
            nodes: fast,
            depths,
            nan_to_a,
            heap,
        })
    }

    /// Source leaf indices of `L` rows (given by their offsets into `input`) in tree `t`
    /// rooted at `root`: `L = LANES` for full groups, `L = 1` for a few rows (a lockstep walk
    /// of one row repeated would do `LANES` times the work).
    #[inline(always)]
    pub fn leaves<const L: usize>(
        &self,
        t: usize,
        root: u32,
        input: &[f32],
        offsets: &[usize; L],
    ) -> [usize; L] {
        match (&self.heap, self.nan_to_a) {
            // One row: stop at its leaf rather than pad every path to the forest's depth
            // (LightGBM's unbalanced trees); nothing to overlap with anyway.
            (_, false) if L == 1 => [self.walk_one::<false>(root, input, offsets[0]); L],
            (_, true) if L == 1 => [self.walk_one::<true>(root, input, offsets[0]); L],
            (Some(heap), false) => heap.walk::<false, L>(t, input, offsets),
            (Some(heap), true) => heap.walk::<true, L>(t, input, offsets),
            (None, false) => self.walk::<false, L>(root, self.depths[t], input, offsets),
            (None, true) => self.walk::<true, L>(root, self.depths[t], input, offsets),
        }
    }

    /// The leaf of one row: steps until a leaf (a node that points to itself) is reached.
    /// Terminates: every path ends at a leaf (the ensemble checked for cycles at load).
    #[inline(always)]
    fn walk_one<const NAN_FLAGS: bool>(&self, root: u32, input: &[f32], offset: usize) -> usize {
        let nodes = &self.nodes[..];
        let mut ix = root as usize;
        loop {
            let n = nodes[ix];
            let x = input[offset + feature_index(n.feature)];
            let next = if to_b::<NAN_FLAGS>(n.feature, n.threshold, x) {
                n.b
            } else {
                n.a
            } as usize;
            if next == ix {
                return ix;
            }
            ix = next;
        }
    }

    #[inline(always)]
    fn walk<const NAN_FLAGS: bool, const L: usize>(
        &self,
        root: u32,
        depth: u32,
        input: &[f32],
        offsets: &[usize; L],
    ) -> [usize; L] {
        let nodes = &self.nodes[..];
        let mut ix = [root as usize; L];
        for _ in 0..depth {
            for j in 0..L {
                let n = nodes[ix[j]];
                let x = input[offsets[j] + feature_index(n.feature)];
                ix[j] = if to_b::<NAN_FLAGS>(n.feature, n.threshold, x) {
                    n.b
                } else {
                    n.a
                } as usize;
            }
        }
        ix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_leq` agrees with the comparison it replaces on every value class, NaN included.
    #[test]
    fn every_ordering_keeps_its_branch() {
        let values = [
            f32::NEG_INFINITY,
            -1.5,
            -0.0,
            0.0,
            f32::from_bits(1),
            0.5,
            1.0,
            1.0f32.next_up(),
            f32::MAX,
            f32::INFINITY,
            f32::NAN,
        ];
        let thresholds = [-1.5, 0.0, 1.0, f32::MAX, f32::INFINITY, f32::NEG_INFINITY];
        for cmp in [Cmp::Leq, Cmp::Lt, Cmp::Gte, Cmp::Gt] {
            for nan_true in [false, true] {
                for t in thresholds {
                    let node = Node {
                        feature: 3,
                        threshold: t,
                        a: 10,
                        b: 20,
                    };
                    let Some(fast) = as_leq(&node, (cmp, nan_true)) else {
                        assert!(matches!(cmp, Cmp::Lt | Cmp::Gte) && t == f32::NEG_INFINITY);
                        continue;
                    };
                    assert_eq!(feature_index(fast.feature), 3);
                    for x in values {
                        let want_a = if x.is_nan() {
                            nan_true
                        } else {
                            match cmp {
                                Cmp::Leq => x <= t,
                                Cmp::Lt => x < t,
                                Cmp::Gte => x >= t,
                                Cmp::Gt => x > t,
                                _ => unreachable!(),
                            }
                        };
                        let got = if to_b::<true>(fast.feature, fast.threshold, x) {
                            fast.b
                        } else {
                            fast.a
                        };
                        assert_eq!(
                            got,
                            if want_a { 10 } else { 20 },
                            "{cmp:?} nan_true={nan_true} t={t} x={x}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn equality_and_nan_thresholds_stay_on_the_general_walk() {
        let node = Node {
            feature: 0,
            threshold: 1.0,
            a: 1,
            b: 2,
        };
        assert!(as_leq(&node, (Cmp::Eq, false)).is_none());
        assert!(as_leq(&node, (Cmp::Neq, true)).is_none());
        let nan = Node {
            threshold: f32::NAN,
            ..node
        };
        assert!(as_leq(&nan, (Cmp::Leq, false)).is_none());
    }
}
