//! The wasm package's link unit: the `cdylib` that `scripts/build-pkg.sh` builds and
//! wasm-bindgen turns into `pkg/` (full) and `pkg-slim/` (`--no-default-features`). Everything
//! it exports is the `mlcycle` crate's (`src/wasm/`); this crate holds no code.
//!
//! Why a crate of its own: with `lto = true` the whole program is optimized once more when the
//! final artifact links, at the opt-level of the crate that links it. Linked by `mlcycle` itself
//! (opt-level 3, for its hot loops), that last pass ran at opt-level 3 over tract and every
//! other dependency too, which the workspace optimizes for size; linked here (opt-level "z") the
//! slim package went from 1,493,718 to 1,401,292 B gzip and the full one lost ~0.1 MB
//! (`scripts/build-pkg.sh`, issue 17). `mlcycle` itself is compiled for size too (another
//! 0.14 MB gzip off the slim package); its operators and their loops, where a prediction's time
//! goes, are a crate of their own compiled at opt-level 3 (`crates/mlcycle-ops`, which says
//! why). That last pass at "z" runs no loop vectorizer, so the few loops that depended on it
//! are written with wasm `simd128` lanes (`crates/mlcycle-ops/src/simd.rs`).
pub use mlcycle::*;
