//! mlcycle's own tract operators for tabular models and the wasm loops they run: tree
//! ensembles (`TreeEnsembleClassifier`/`Regressor` of any exporter, walked in lockstep), SVMs,
//! k-nearest neighbours, binarizer, row normalizations (softmax, logistic, the `Normalizer`
//! norms), row-constant arithmetic, an f32 matrix kernel for wasm `simd128`, and a vectorized
//! `exp`; also tract's plan loop ([`plan`]) and the per-row loops of a batch's bookkeeping
//! ([`rows`]: argmax, histogram bins, the monitor's column tallies). The `mlcycle` crate parses
//! models into these operators (ONNX `ai.onnx.ml` nodes and their NNEF primitives) and runs
//! them through tract.
//!
//! Why a crate of its own: the wasm package is optimized for size (the `mlcycle` crate at
//! `opt-level = "z"` rather than 3: slim 1,359,791 → 1,218,005 B gzip, full 1,999,312 →
//! 1,796,348, `make check-size`), but these loops are where a prediction's time goes: with
//! them at "z", tree ensembles ran at a third of their speed, kNN at 0.53×, the dense layers
//! at 0.63× and a columnar batch with monitoring at 0.7× (`bench/`, issue 17). Cargo sets
//! optimization levels per crate, and a function keeps its crate's level through the final
//! whole-program (LTO) pass, so this crate is built at opt-level 3
//! (`[profile.release.package.mlcycle-ops]` in the workspace `Cargo.toml`) and everything else
//! at "z". Its loops are not generic for the same reason: a generic function is compiled in
//! the crate that instantiates it, at that crate's level (the `simd` loads and stores are
//! generic and always inlined on purpose: they are the lanes of the caller's own loops). The
//! column loops called from `mlcycle` are `#[inline(never)]`: inlined by the link into a caller
//! built for size, their bodies are optimized as the caller is. `argmax` and `bin_index` are
//! not, so the column loops here inline them.
//!
//! Host-agnostic like mlcycle's core: no I/O, no clock, no JS; wasm-specific code is behind
//! `target_arch = "wasm32"` with a portable form beside it.
// Two audited exceptions, both wasm only: the `v128` loads and stores (simd.rs) and the
// matrix kernel (wasm_matmul.rs).
#![deny(unsafe_code)]

pub mod as_f32;
pub mod binarizer;
pub mod const_row_binary;
pub mod exp;
pub mod knn;
pub mod plan;
pub mod row_normalize;
pub mod rows;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd;
pub mod svm;
pub mod svm_op;
pub mod tree_ensemble;
mod tree_walk;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod wasm_matmul;
