//! The standard normal quantile function (inverse CDF), for `quantile` with
//! `outputDistribution: "normal"` (scipy's `stats.norm.ppf`). Wichura's AS 241 (PPND16),
//! accurate to about 1e-16 relative; the coefficients are the published ones, written out as
//! in CPython's `statistics.NormalDist.inv_cdf`. `p <= 0` is `-inf`, `p >= 1` is `+inf`, NaN
//! stays NaN (as scipy).
#![allow(clippy::excessive_precision, clippy::unreadable_literal)]

// Coefficients, highest power first.
const A: [f64; 8] = [
    2.5090809287301226727e+3,
    3.3430575583588128105e+4,
    6.7265770927008700853e+4,
    4.5921953931549871457e+4,
    1.3731693765509461125e+4,
    1.9715909503065514427e+3,
    1.3314166789178437745e+2,
    3.3871328727963666080e+0,
];
const B: [f64; 8] = [
    5.2264952788528545610e+3,
    2.8729085735721942674e+4,
    3.9307895800092710610e+4,
    2.1213794301586595867e+4,
    5.3941960214247511077e+3,
    6.8718700749205790830e+2,
    4.2313330701600911252e+1,
    1.0,
];
const C: [f64; 8] = [
    7.74545014278341407640e-4,
    2.27238449892691845833e-2,
    2.41780725177450611770e-1,
    1.27045825245236838258e+0,
    3.64784832476320460504e+0,
    5.76949722146069140550e+0,
    4.63033784615654529590e+0,
    1.42343711074968357734e+0,
];
const D: [f64; 8] = [
    1.05075007164441684324e-9,
    5.47593808499534494600e-4,
    1.51986665636164571966e-2,
    1.48103976427480074590e-1,
    6.89767334985100004550e-1,
    1.67638483018380384940e+0,
    2.05319162663775882187e+0,
    1.0,
];
const E: [f64; 8] = [
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    1.24266094738807843860e-3,
    2.65321895265761230930e-2,
    2.96560571828504891230e-1,
    1.78482653991729133580e+0,
    5.46378491116411436990e+0,
    6.65790464350110377720e+0,
];
const F: [f64; 8] = [
    2.04426310338993978564e-15,
    1.42151175831644588870e-7,
    1.84631831751005468180e-5,
    7.86869131145613259100e-4,
    1.48753612908506148525e-2,
    1.36929880922735805310e-1,
    5.99832206555887937690e-1,
    1.0,
];

/// Evaluates the degree-7 polynomial with coefficients `c` (highest first) at `r` (Horner).
fn horner(c: &[f64; 8], r: f64) -> f64 {
    c.iter().fold(0.0, |acc, k| acc * r + k)
}

/// Φ⁻¹(p).
pub(crate) fn ppf(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return horner(&A, r) * q / horner(&B, r);
    }
    let tail = if q <= 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let x = if r <= 5.0 {
        horner(&C, r - 1.6) / horner(&D, r - 1.6)
    } else {
        horner(&E, r - 5.0) / horner(&F, r - 5.0)
    };
    if q < 0.0 {
        -x
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::ppf;

    #[test]
    fn known_quantiles() {
        // scipy.stats.norm.ppf.
        for (p, want) in [
            (0.5f64, 0.0f64),
            (0.975, 1.959963984540054),
            (0.025, -1.959963984540054),
            (0.8413447460685429, 1.0),
            (1e-7, -5.1993375821928165),
            (1e-300, -37.0470962993612),
        ] {
            let got = ppf(p);
            let tol = 1e-12 * f64::max(want.abs(), 1.0);
            assert!((got - want).abs() <= tol, "{p}: {got} vs {want}");
        }
        assert_eq!(ppf(0.0), f64::NEG_INFINITY);
        assert_eq!(ppf(1.0), f64::INFINITY);
        assert!(ppf(f64::NAN).is_nan());
    }
}
