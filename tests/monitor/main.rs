//! The monitor's tests that run natively and as wasm (Node, Chromium), one file per concept in
//! one test binary: every wasm test binary links the whole crate with tract, so three binaries
//! cost `make test` two more links per wasm target.

#[path = "../common/rng.rs"]
mod rng;

mod drift;
mod fleet;
mod windows;
