//! The drift statistics and their numeric helpers, written to match numpy/scipy
//! (`np.quantile` linear, `scipy.spatial.distance.jensenshannon`, `scipy.stats.chisquare`).
//! Formulas: docs/monitoring.md.

/// Share that replaces an empty bin in PSI (as Evidently does).
pub const PSI_EPSILON: f64 = 1e-4;

/// `np.quantile(sorted, q)` with numpy's default linear method. `sorted` must be ascending and
/// free of NaN; `None` when it is empty.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
    let virtual_index = q * (n - 1) as f64;
    let prev = virtual_index.floor();
    let gamma = virtual_index - prev;
    let lo = (prev as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    let a = *sorted.get(lo)?;
    let b = *sorted.get(hi)?;
    // numpy's _lerp: a + (b - a) * t, computed from the upper end when t >= 0.5.
    let diff = b - a;
    Some(if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    })
}

/// Index of the bin a value falls in (the number of ascending inner edges `<= x`,
/// `np.searchsorted(edges, x, side="right")`): a loop of the batch paths, compiled for speed
/// in `mlcycle-ops`.
pub use mlcycle_ops::rows::bin_index;

/// `counts / sum(counts)`; all zeros when the sum is 0.
pub fn shares(counts: &[u64]) -> Vec<f64> {
    let total: u64 = saturating_sum(counts);
    counts
        .iter()
        .map(|c| {
            if total == 0 {
                0.0
            } else {
                *c as f64 / total as f64
            }
        })
        .collect()
}

/// Population stability index Σ (cᵢ − rᵢ)·ln(cᵢ/rᵢ), empty shares replaced by [`PSI_EPSILON`].
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    reference
        .iter()
        .zip(current)
        .map(|(r, c)| {
            let r = if *r == 0.0 { PSI_EPSILON } else { *r };
            let c = if *c == 0.0 { PSI_EPSILON } else { *c };
            (c - r) * (c / r).ln()
        })
        .sum()
}

fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// Jensen–Shannon distance, base 2 (`scipy.spatial.distance.jensenshannon(r, c, base=2)`): both
/// vectors normalized, unsmoothed. `None` when either sums to 0.
pub fn js_distance(reference: &[f64], current: &[f64]) -> Option<f64> {
    let sr: f64 = reference.iter().sum();
    let sc: f64 = current.iter().sum();
    if sr <= 0.0 || sc <= 0.0 {
        return None;
    }
    let (mut left, mut right) = (0.0, 0.0);
    for (r, c) in reference.iter().zip(current) {
        let p = r / sr;
        let q = c / sc;
        let m = (p + q) / 2.0;
        left += rel_entr(p, m);
        right += rel_entr(q, m);
    }
    let js = (left + right) / std::f64::consts::LN_2;
    Some((js / 2.0).max(0.0).sqrt())
}

/// Kolmogorov–Smirnov statistic on binned data: the largest gap between the cumulative shares.
pub fn ks_statistic(reference: &[f64], current: &[f64]) -> f64 {
    let (mut cr, mut cc, mut best) = (0.0f64, 0.0f64, 0.0f64);
    for (r, c) in reference.iter().zip(current) {
        cr += r;
        cc += c;
        best = best.max((cr - cc).abs());
    }
    best
}

/// Chi-squared goodness-of-fit p-value of `observed` counts against `expected_shares` scaled to
/// the observed total. Buckets with zero expected and zero observed count are dropped; a bucket
/// with zero expected but positive observed count makes the statistic infinite (p = 0, as
/// scipy). `None` when fewer than two buckets remain or nothing was observed.
pub fn chi2_p_value(observed: &[u64], expected_shares: &[f64]) -> Option<f64> {
    let n: u64 = saturating_sum(observed);
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let (mut stat, mut kept) = (0.0f64, 0usize);
    for (o, s) in observed.iter().zip(expected_shares) {
        let e = s * n;
        let o = *o as f64;
        if e <= 0.0 {
            if o > 0.0 {
                stat = f64::INFINITY;
                kept += 1;
            }
            continue;
        }
        kept += 1;
        let d = o - e;
        stat += d * d / e;
    }
    if kept < 2 {
        return None;
    }
    Some(chi2_sf(stat, (kept - 1) as f64))
}

/// Survival function of the chi-squared distribution: Q(k/2, x/2).
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    if x.is_nan() || k <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    gamma_q(k / 2.0, x / 2.0)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1−x) = π / sin(πx).
        let s = (std::f64::consts::PI * x).sin();
        return std::f64::consts::PI.ln() - s.abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized upper incomplete gamma Q(a, x) (series below a + 1, Lentz continued fraction
/// above, as in Numerical Recipes §6.2).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 {
        (1.0 - gamma_p_series(a, x)).clamp(0.0, 1.0)
    } else {
        gamma_q_fraction(a, x).clamp(0.0, 1.0)
    }
}

const ITERATIONS: usize = 10_000;
const EPS: f64 = 1e-16;

fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..ITERATIONS {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

fn gamma_q_fraction(a: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..ITERATIONS {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    (-x + a * x.ln() - ln_gamma(a)).exp() * h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        let x = [1.0, 2.0, 3.0, 4.0, 10.0];
        // np.quantile([1,2,3,4,10], [0, .1, .5, .9, 1]) -> 1, 1.4, 3, 7.6, 10
        let want = [(0.0, 1.0), (0.1, 1.4), (0.5, 3.0), (0.9, 7.6), (1.0, 10.0)];
        for (q, w) in want {
            let got = quantile_sorted(&x, q).unwrap_or(f64::NAN);
            assert!((got - w).abs() < 1e-12, "{q}: {got} vs {w}");
        }
        assert_eq!(quantile_sorted(&[], 0.5), None);
    }

    #[test]
    fn bins_put_edge_values_above() {
        let e = [1.0, 2.0, 3.0];
        assert_eq!(bin_index(&e, 0.5), 0);
        assert_eq!(bin_index(&e, 1.0), 1);
        assert_eq!(bin_index(&e, 2.5), 2);
        assert_eq!(bin_index(&e, 3.0), 3);
        assert_eq!(bin_index(&e, f64::INFINITY), 3);
        assert_eq!(bin_index(&e, f64::NEG_INFINITY), 0);
        // Counted (few edges) and searched (many) agree on every kind of value.
        let many: Vec<f64> = (0..100).map(|i| i as f64 * 0.5 - 10.0).collect();
        for edges in [&e[..], &many[..], &[][..]] {
            for x in [
                -11.0,
                -10.0,
                -0.0,
                0.0,
                0.25,
                3.0,
                39.5,
                40.0,
                f64::INFINITY,
                f64::NAN,
            ] {
                let want = edges.partition_point(|v| *v <= x);
                assert_eq!(bin_index(edges, x), want, "{x} in {} edges", edges.len());
            }
        }
    }

    #[test]
    fn distances() {
        let r = [0.5, 0.5, 0.0];
        assert_eq!(psi(&r, &r), 0.0);
        assert_eq!(js_distance(&r, &r), Some(0.0));
        // scipy: jensenshannon([1,0],[0,1],base=2) == 1
        let js = js_distance(&[1.0, 0.0], &[0.0, 1.0]).unwrap_or(0.0);
        assert!((js - 1.0).abs() < 1e-12);
        assert!((ks_statistic(&[0.5, 0.5], &[0.0, 1.0]) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn chi2_survival_matches_scipy() {
        // scipy.stats.chi2.sf(x, k)
        let cases = [
            (3.0, 2.0, 0.22313016014842982),
            (1.0, 1.0, 0.31731050786291115),
            (10.0, 3.0, 0.01856613546304325),
            (0.5, 5.0, 0.9921232932326296),
            (50.0, 10.0, 2.669083424904495e-07),
            (200.0, 100.0, 1.1784500720979781e-08),
        ];
        for (x, k, want) in cases {
            let got = chi2_sf(x, k);
            assert!(
                (got - want).abs() <= 1e-12 + 1e-9 * want,
                "chi2.sf({x},{k}) = {got}, want {want}"
            );
        }
        assert_eq!(chi2_sf(f64::INFINITY, 2.0), 0.0);
        assert_eq!(chi2_p_value(&[0, 0], &[0.5, 0.5]), None);
        assert_eq!(chi2_p_value(&[5, 1], &[1.0, 0.0]), Some(0.0));
    }
}

/// The sum of counters, saturating at `u64::MAX` (merged fleet counters may sit near the limit:
/// a total must never wrap below its parts).
pub(crate) fn saturating_sum<'a>(counts: impl IntoIterator<Item = &'a u64>) -> u64 {
    counts.into_iter().fold(0u64, |a, b| a.saturating_add(*b))
}

/// Adds counters element-wise, saturating (merging two summaries' bins, classes, confusion
/// cells): never wraps below either part.
pub(crate) fn add_counts(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a = a.saturating_add(*b);
    }
}
