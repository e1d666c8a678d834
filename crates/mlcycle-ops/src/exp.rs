//! `exp` over a slice of f32, written so that the compiler vectorizes it for wasm simd128 (its
//! `f32x4.nearest` rounds four at a time; x86-64's baseline SSE2 has no vector rounding, so the
//! native build calls `roundevenf` per value and is slower than glibc's `expf` — only the wasm
//! speed matters here):
//! the softmax of a classifier's batch takes one exp per output, and `f32::exp` is a call per
//! value into compiler-builtins' libm — 5 % of a 100,000-row penguins batch in a profile, as
//! much as the matmul.
//!
//! The method is Cephes' `expf` (as in onnxruntime's and tract's kernels): `n = round(x·log₂e)`,
//! `r = x − n·ln2` (in two parts, so `r` keeps its bits), `eʳ ≈ 1 + r + r²·P(r)` with P of degree
//! 5, scaled by `2ⁿ` built from its exponent bits. Within 1 ulp of the exact
//! value over the range it serves (tested against f64 `exp`); outside that range — below
//! `LOW` (where `2ⁿ` would be subnormal), above `HIGH`, NaN — the value is recomputed with
//! `f32::exp`, so underflow to subnormals, overflow to infinity and NaN are exactly libm's.

/// Smallest input of the polynomial path: `2ⁿ` stays a normal number.
const LOW: f32 = -87.0;
/// Largest input of the polynomial path: the result stays finite.
const HIGH: f32 = 88.0;

/// `log₂ e`, for `n = round(x·log₂e)`.
const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 = C1 + C2, C1 exact in few bits so that n·C1 is exact.
const C1: f32 = 0.693_359_4;
const C2: f32 = -2.121_944_4e-4;
/// Cephes' P, highest degree first, evaluated by Horner's rule (`p·r + c` per coefficient;
/// Cephes' 5.0000001e-1 is 0.5 in f32). Shared by the scalar and the four-lane forms.
const P: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    1.666_666_5e-1,
    0.5,
];

/// Values per block: the inputs of a block are kept to recompute the few out of range.
const BLOCK: usize = 64;

/// `x.exp()` for every element of `data`, in place (see the module docs for the accuracy).
pub fn exp_in_place(data: &mut [f32]) {
    let mut inputs = [0f32; BLOCK];
    for block in data.chunks_mut(BLOCK) {
        let inputs = inputs.get_mut(..block.len()).unwrap_or_default();
        inputs.copy_from_slice(block);
        // Branch-free over the block; the test below is one pass and rarely true.
        polynomial_block(block);
        if inputs.iter().any(|x| !(*x >= LOW && *x <= HIGH)) {
            for (v, x) in block.iter_mut().zip(inputs.iter()) {
                if !(*x >= LOW && *x <= HIGH) {
                    *v = x.exp();
                }
            }
        }
    }
}

/// [`polynomial`] of every value of `block`.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn polynomial_block(block: &mut [f32]) {
    for v in block.iter_mut() {
        *v = polynomial(*v);
    }
}

/// [`polynomial`] of every value of `block`, four at a time in wasm `simd128`: written with
/// the lane instructions rather than left to the loop vectorizer, which the package's
/// whole-program optimization for size does not run (`crates/mlcycle-wasm`). The same
/// operations in the same order as the scalar function, so the same bits (tested below,
/// `the_block_path_gives_the_scalar_polynomials_bits`, in wasm).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn polynomial_block(block: &mut [f32]) {
    let mut quads = block.chunks_exact_mut(4);
    for quad in &mut quads {
        let x = crate::simd::load(quad);
        crate::simd::store(quad, polynomial_x4(x));
    }
    for v in quads.into_remainder() {
        *v = polynomial(*v);
    }
}

/// [`polynomial`] on four lanes. `pmax`/`pmin` clamp like `f32::clamp` for every non-NaN
/// input (a NaN lane is recomputed by the caller).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn polynomial_x4(x: std::arch::wasm32::v128) -> std::arch::wasm32::v128 {
    use std::arch::wasm32::*;
    let (add, mul, splat) = (f32x4_add, f32x4_mul, f32x4_splat);
    let x = f32x4_pmin(splat(HIGH), f32x4_pmax(splat(LOW), x));
    let n = f32x4_nearest(mul(x, splat(LOG2E)));
    let r = f32x4_sub(f32x4_sub(x, mul(n, splat(C1))), mul(n, splat(C2)));
    let p = P
        .iter()
        .skip(1)
        .fold(splat(P[0]), |p, c| add(mul(p, r), splat(*c)));
    let e = add(add(mul(p, mul(r, r)), r), splat(1.0));
    let scale = i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(n), i32x4_splat(127)), 23);
    mul(e, scale)
}

/// Cephes' polynomial `expf` for `x` in `[LOW, HIGH]` (anything else is clamped into the
/// range, and its result replaced by the caller).
#[inline(always)]
fn polynomial(x: f32) -> f32 {
    let x = x.clamp(LOW, HIGH);
    let n = (x * LOG2E).round_ties_even();
    let r = x - n * C1 - n * C2;
    let p = P.iter().skip(1).fold(P[0], |p, c| p * r + c);
    let e = p * (r * r) + r + 1.0;
    // n is in [-126, 127] here, so the exponent field 127 + n is in [1, 254].
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    e * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(got: f32, want: f64) -> f64 {
        let w = want as f32;
        let ulp = f32::from_bits(w.to_bits() + 1) - w;
        (got as f64 - want).abs() / ulp as f64
    }

    /// Within 1 ulp of the exact value (measured: 0.97) across the polynomial range, densely sampled.
    #[test]
    fn exp_is_within_one_ulp_over_its_range() {
        let n = 2_000_000;
        let mut xs: Vec<f32> = (0..=n)
            .map(|i| LOW + (HIGH - LOW) * i as f32 / n as f32)
            .collect();
        xs.extend([-1e-7, 0.0, -0.0, 1e-7, 0.5, -0.5, 1.0, -1.0]);
        let mut ys = xs.clone();
        exp_in_place(&mut ys);
        let worst = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| ulps(*y, (*x as f64).exp()))
            .fold(0.0, f64::max);
        assert!(worst < 1.0, "worst error {worst} ulp");
        assert_eq!(ys[n + 2], 1.0, "exp(0) = 1");
    }

    /// The wasm `simd128` lanes give the scalar polynomial's bits, every value of the range
    /// in every lane and in the tail (run in wasm by `make test-wasm-node`: `-p mlcycle-ops --lib exp`).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_block_path_gives_the_scalar_polynomials_bits() {
        let n = 400_003;
        let mut xs: Vec<f32> = (0..n)
            .map(|i| LOW + (HIGH - LOW) * i as f32 / n as f32)
            .collect();
        xs.extend([LOW, HIGH, -1e-7, 0.0, -0.0, 1e-7, 0.5, -0.5]);
        let mut ys = xs.clone();
        polynomial_block(&mut ys);
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(y.to_bits(), polynomial(*x).to_bits(), "exp({x})");
        }
    }

    /// Outside the polynomial's range the values are `f32::exp`'s, bit for bit, wherever they
    /// fall in a block.
    #[test]
    fn exp_outside_its_range_is_libms() {
        let odd = [
            f32::NEG_INFINITY,
            -1000.0,
            -103.0,
            -100.0,
            -87.5,
            -87.000_01,
            88.000_01,
            88.7,
            89.0,
            f32::INFINITY,
            f32::NAN,
        ];
        let mut plain = vec![0.25f32; 131];
        exp_in_place(&mut plain);
        for at in [0, 5, 63, 64, 130] {
            for x in odd {
                let mut ys = vec![0.25f32; 131];
                ys[at] = x;
                exp_in_place(&mut ys);
                let want = x.exp();
                assert!(
                    ys[at].to_bits() == want.to_bits() || (want.is_nan() && ys[at].is_nan()),
                    "exp({x}) = {} at {at}, libm {want}",
                    ys[at]
                );
                ys[at] = plain[at];
                assert_eq!(ys, plain, "the rest of the block is unchanged");
            }
        }
    }
}
