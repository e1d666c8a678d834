//! The per-row loops of a batch's bookkeeping, after the model: the winning class of a row of
//! scores, the histogram bin of a value, and the monitor's two column loops built on them
//! (a numeric field's drift counts, a classifier's class and confidence counts). A
//! 100,000-row `Deployment.predictBatch` runs each once per row.
//!
//! Why here: compiled for size in the `mlcycle` crate, these loops took a 100,000-row
//! columnar `predictBatch` with monitoring from 8.5 to 12.1 ms (`node --cpu-prof`, issue 17):
//! at "z" nothing is unrolled and the bin search is a call per value. The monitor keeps its
//! state and rules; what it hands over here is slices in, counts out.

/// Index of the largest value (first on ties; NaN never wins).
pub fn argmax(v: &[f32]) -> usize {
    let Some(&first) = v.first() else {
        return 0;
    };
    // Selects, not branches: which class wins varies row to row, and a mispredicted branch
    // per row was most of a batch's per-row output counting.
    let (mut best, mut top) = (0, first);
    for (i, x) in v.iter().enumerate().skip(1) {
        let take = *x > top || top.is_nan();
        best = if take { i } else { best };
        top = if take { *x } else { top };
    }
    best
}

/// The [`argmax`] of each of the first `rows` rows of `width` values in `outputs` (row-major);
/// a row past the end of `outputs`, or of no values, is class 0 as [`argmax`] has it.
#[inline(never)]
pub fn argmax_rows(outputs: &[f32], width: usize, rows: usize) -> Vec<u32> {
    let mut out = Vec::with_capacity(rows);
    if width > 0 {
        out.extend(
            outputs
                .chunks_exact(width)
                .take(rows)
                .map(|p| argmax(p) as u32),
        );
    }
    out.resize(rows, 0);
    out
}

/// Index of the bin a value falls in, given ascending inner edges: the number of edges `<= x`
/// (`np.searchsorted(edges, x, side="right")`), so a value equal to an edge goes to the bin
/// above it; bins are open-ended at both ends.
///
/// Up to [`COUNTED_EDGES`] edges (deciles have 9) the edges are counted rather than searched:
/// the same index for ascending edges, without a binary search's unpredictable branches — on
/// varied data those mispredictions were most of a monitor's cost per numeric value.
pub fn bin_index(edges: &[f64], x: f64) -> usize {
    if edges.len() <= COUNTED_EDGES {
        edges.iter().map(|e| usize::from(*e <= x)).sum()
    } else {
        edges.partition_point(|e| *e <= x)
    }
}

/// Above this many edges [`bin_index`] searches instead of counting.
const COUNTED_EDGES: usize = 32;

/// The validity rule of a number field in a reference profile: an integer field takes only
/// whole finite numbers; `min`/`max` bound the value when present.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NumberRule {
    pub integer: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl NumberRule {
    /// Whether `x` (not NaN: NaN is missing, not invalid) breaks the rule.
    #[inline]
    pub fn breaks(&self, x: f64) -> bool {
        (self.integer && (!x.is_finite() || x.fract() != 0.0))
            || self.min.is_some_and(|m| x < m)
            || self.max.is_some_and(|m| x > m)
    }
}

/// What [`tally_numbers`] counted besides the bins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NumberTally {
    /// NaN values (missing).
    pub missing: u64,
    /// Values breaking the field's rule.
    pub invalid: u64,
    /// The smallest and largest finite values binned (`lo > hi` when none was).
    pub lo: f64,
    pub hi: f64,
}

/// Counts a numeric column as the monitor counts each of its values: NaN is missing, a value
/// breaking `rule` invalid, any other value goes to its bin of `edges` in `counts` (when the
/// field has a histogram) and, when finite, into the extremes. The extremes keep the first of
/// equal values (`-0.0` and `0.0` stay as they came).
#[inline(never)] // see the module doc: inlined into a caller built for size, it runs at that size level
pub fn tally_numbers(
    xs: &[f64],
    rule: NumberRule,
    edges: Option<&[f64]>,
    counts: &mut [u64],
) -> NumberTally {
    let (mut missing, mut invalid) = (0u64, 0u64);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &x in xs {
        if x.is_nan() {
            missing += 1;
        } else if rule.breaks(x) {
            invalid += 1;
        } else if let Some(edges) = edges {
            if let Some(c) = counts.get_mut(bin_index(edges, x)) {
                *c += 1;
            }
            if x.is_finite() {
                lo = if x < lo { x } else { lo };
                hi = if x > hi { x } else { hi };
            }
        }
    }
    NumberTally {
        missing,
        invalid,
        lo,
        hi,
    }
}

/// The class counts of a classifier's batch: for each answered row of `width` scores in
/// `outputs` (row-major) — the first `rows` rows, or the rows `some` lists — its [`argmax`]
/// class is counted in `classes` and, when that score is finite, the score's bin of
/// `confidence_edges` in `confidences`. A row past the end of `outputs` is not counted, nor is
/// an index out of either range.
#[inline(never)]
pub fn tally_classes(
    outputs: &[f32],
    width: usize,
    rows: usize,
    some: Option<&[usize]>,
    confidence_edges: &[f64],
    classes: &mut [u64],
    confidences: &mut [u64],
) {
    if width == 0 {
        return;
    }
    let count = |p: &[f32]| {
        let c = argmax(p);
        if let Some(t) = classes.get_mut(c) {
            *t += 1;
        }
        let conf = p.get(c).copied().unwrap_or(f32::NAN) as f64;
        if conf.is_finite() {
            if let Some(t) = confidences.get_mut(bin_index(confidence_edges, conf)) {
                *t += 1;
            }
        }
    };
    match some {
        None => outputs.chunks_exact(width).take(rows).for_each(count),
        Some(some) => some
            .iter()
            .filter_map(|r| outputs.get(r * width..(r + 1) * width))
            .for_each(count),
    }
}

#[cfg(test)]
mod tests {
    // Also run in wasm (`make test-wasm-node`), the build that ships them.
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn argmax_rows_is_argmax_of_each_row_and_zero_past_the_end() {
        let out = [0.1f32, 0.7, 0.2, 0.5, 0.5, 0.0, f32::NAN, 0.3, 0.9];
        assert_eq!(argmax_rows(&out, 3, 3), vec![1, 0, 2]);
        // Five rows asked, three present; no width: every row is class 0.
        assert_eq!(argmax_rows(&out, 3, 5), vec![1, 0, 2, 0, 0]);
        assert_eq!(argmax_rows(&out, 0, 2), vec![0, 0]);
        assert_eq!(argmax_rows(&out, 3, 1), vec![1]);
    }

    /// The loop against the rule applied value by value (the monitor's `observe` of one row).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn tally_numbers_counts_as_value_by_value() {
        let edges = [0.0, 1.0, 2.5];
        let xs = [
            -3.0,
            0.0,
            1.0,
            1.5,
            2.5,
            7.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.0,
            3.25,
            100.0,
        ];
        for rule in [
            NumberRule::default(),
            NumberRule {
                integer: true,
                min: None,
                max: None,
            },
            NumberRule {
                integer: false,
                min: Some(-1.0),
                max: Some(50.0),
            },
        ] {
            let mut counts = [0u64; 4];
            let t = tally_numbers(&xs, rule, Some(&edges), &mut counts);
            let (mut want, mut missing, mut invalid) = ([0u64; 4], 0, 0);
            let mut finite = vec![];
            for x in xs {
                if x.is_nan() {
                    missing += 1;
                } else if rule.breaks(x) {
                    invalid += 1;
                } else {
                    want[edges.iter().filter(|e| **e <= x).count()] += 1;
                    if x.is_finite() {
                        finite.push(x);
                    }
                }
            }
            assert_eq!(counts, want, "{rule:?}");
            assert_eq!((t.missing, t.invalid), (missing, invalid), "{rule:?}");
            let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!((t.lo, t.hi), (lo, hi), "{rule:?}");
        }
        // Without a histogram nothing is binned and no extreme is kept.
        let t = tally_numbers(&xs, NumberRule::default(), None, &mut []);
        assert_eq!((t.missing, t.invalid), (1, 0));
        assert!(t.lo > t.hi);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn tally_classes_counts_winners_and_finite_confidences() {
        let out = [0.1f32, 0.9, 0.6, 0.4, f32::INFINITY, 0.0, 0.2, 0.8];
        let (mut classes, mut conf) = ([0u64; 2], [0u64; 3]);
        tally_classes(&out, 2, 4, None, &[0.5, 0.85], &mut classes, &mut conf);
        assert_eq!(classes, [2, 2]);
        // 0.9 and 0.8 and 0.6 binned; infinity is not.
        assert_eq!(conf, [0, 2, 1]);
        // Rows past the outputs are not counted.
        let (mut classes, mut conf) = ([0u64; 2], [0u64; 3]);
        tally_classes(&out, 2, 9, None, &[0.5, 0.85], &mut classes, &mut conf);
        assert_eq!(classes, [2, 2]);
        // Some rows: rows 0 and 3, and row 7 past the end (not counted).
        let (mut classes, mut conf) = ([0u64; 2], [0u64; 3]);
        tally_classes(
            &out,
            2,
            3,
            Some(&[0, 3, 7]),
            &[0.5, 0.85],
            &mut classes,
            &mut conf,
        );
        assert_eq!((classes, conf), ([0, 2], [0, 1, 1]));
    }
}
