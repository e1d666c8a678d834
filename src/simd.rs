//! Loads and stores of four-lane `v128`s from slices, for the few loops mlcycle writes with wasm
//! `simd128` lane instructions (inference's `exp` and `const_row_binary`, the feature
//! pipeline's `center_scale` and `impute` columns).
//!
//! Why by hand: the wasm package is linked by `crates/mlcycle-wasm`, whose whole-program (LTO)
//! optimization is for size; rustc runs no loop vectorizer at that level, and with LTO the
//! per-crate passes leave vectorizing to that final step, so a loop the compiler used to
//! vectorize now runs one value at a time (the penguins logistic regression's softmax `exp`
//! took 2.8× as long). The lane operations are IEEE's per lane, so a loop written with them
//! gives the scalar loop's bits.
#![allow(unsafe_code)]

use std::arch::wasm32::{v128, v128_load, v128_store};

/// The four values of `quad` as one vector.
#[inline(always)]
pub(crate) fn load_f32x4(quad: &[f32]) -> v128 {
    assert!(quad.len() == 4);
    // SAFETY: `quad` holds 4 f32 (16 bytes, checked above); wasm's `v128.load` takes any
    // alignment.
    unsafe { v128_load(quad.as_ptr().cast::<v128>()) }
}

/// Writes the four lanes of `v` to `quad`.
#[inline(always)]
pub(crate) fn store_f32x4(quad: &mut [f32], v: v128) {
    assert!(quad.len() == 4);
    // SAFETY: as in `load_f32x4`, 16 writable bytes.
    unsafe { v128_store(quad.as_mut_ptr().cast::<v128>(), v) }
}

/// The two values of `pair` as one vector.
#[inline(always)]
pub(crate) fn load_f64x2(pair: &[f64]) -> v128 {
    assert!(pair.len() == 2);
    // SAFETY: `pair` holds 2 f64 (16 bytes, checked above); any alignment.
    unsafe { v128_load(pair.as_ptr().cast::<v128>()) }
}

/// Writes the two lanes of `v` to `pair`.
#[inline(always)]
pub(crate) fn store_f64x2(pair: &mut [f64], v: v128) {
    assert!(pair.len() == 2);
    // SAFETY: as in `load_f64x2`, 16 writable bytes.
    unsafe { v128_store(pair.as_mut_ptr().cast::<v128>(), v) }
}

/// `one` applied to every value of `xs` in place, two values at a time with `two` (which must
/// be the same operation on lanes).
#[inline(always)]
pub(crate) fn map_f64(xs: &mut [f64], one: impl Fn(f64) -> f64, two: impl Fn(v128) -> v128) {
    let mut pairs = xs.chunks_exact_mut(2);
    for pair in &mut pairs {
        let v = load_f64x2(pair);
        store_f64x2(pair, two(v));
    }
    for x in pairs.into_remainder() {
        *x = one(*x);
    }
}
