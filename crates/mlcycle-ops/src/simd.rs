//! Loads and stores of `v128`s from f32 and f64 slices, for the few loops mlcycle writes with wasm
//! `simd128` lane instructions (this crate's `exp` and `const_row_binary`; the `mlcycle` crate's
//! feature pipeline, `center_scale` and `impute` columns and the columnar finite check).
//!
//! Why by hand: the wasm package is linked by `crates/mlcycle-wasm`, whose whole-program (LTO)
//! optimization is for size; rustc runs no loop vectorizer at that level, and with LTO the
//! per-crate passes leave vectorizing to that final step, so a loop the compiler used to
//! vectorize now runs one value at a time (the penguins logistic regression's softmax `exp`
//! took 2.8× as long). The lane operations are IEEE's per lane, so a loop written with them
//! gives the scalar loop's bits.
#![allow(unsafe_code)]

use std::arch::wasm32::{v128, v128_load, v128_store};

/// A lane type: any bit pattern is a valid value, so a vector's bytes can be stored as lanes.
pub trait Lane: Copy {}
impl Lane for f32 {}
impl Lane for f64 {}

/// The 16 bytes of `lanes` (four f32 or two f64) as one vector.
#[inline(always)]
pub fn load<T: Lane>(lanes: &[T]) -> v128 {
    assert!(std::mem::size_of_val(lanes) == 16);
    // SAFETY: `lanes` holds 16 readable bytes (checked above); wasm's `v128.load` takes any
    // alignment.
    unsafe { v128_load(lanes.as_ptr().cast::<v128>()) }
}

/// Writes the vector `v` over the 16 bytes of `lanes`.
#[inline(always)]
pub fn store<T: Lane>(lanes: &mut [T], v: v128) {
    assert!(std::mem::size_of_val(lanes) == 16);
    // SAFETY: as in `load`, 16 writable bytes; every bit pattern is a valid `T` (`Lane`).
    unsafe { v128_store(lanes.as_mut_ptr().cast::<v128>(), v) }
}

/// `one` applied to every value of `xs` in place, two values at a time with `two` (which must
/// be the same operation on lanes).
#[inline(always)]
pub fn map_f64(xs: &mut [f64], one: impl Fn(f64) -> f64, two: impl Fn(v128) -> v128) {
    let mut pairs = xs.chunks_exact_mut(2);
    for pair in &mut pairs {
        let v = load(pair);
        store(pair, two(v));
    }
    for x in pairs.into_remainder() {
        *x = one(*x);
    }
}
