//! mlcycle's f32 matrix-product kernel for wasm `simd128`: a 16 × 2 tile, registered with
//! tract-linalg's kernel inventory and chosen for f32 matrix products of more than one column
//! (a batch of more than one row).
//!
//! Why: tract picks its `wasm_f32_8x8` kernel for every batched f32 matmul. Its 16 `v128`
//! accumulators plus two A and two B vectors need more than the 16 SIMD registers V8 has on
//! x86-64, so the inner loop spills every k step (tract measured its wasm kernels on Apple M1,
//! which has 32). A tile with 8 accumulators keeps everything in registers: measured with a
//! stand-alone wasm module in Node 20 on this project's x86-64 VM (K = 512, M = 1020, N = 528,
//! the digits MLP's hidden layer), tract's 8×8 38 GFLOP/s, 4×8 and 2×16 50, 16×2 51; tiles of
//! 9 to 16 accumulators fed by splatted loads (6×8, 3×12, 4×16, 8×8) fell to 22–32 (issue 17,
//! notes). End to end, digits_mlp at batch 1000 ran 2.0× faster (`node bench/bench.mjs`).
//!
//! Why 16 × 2 rather than 4 × 8: with a batch dimension still symbolic at optimization time,
//! tract-core does not ask the platform tiers; it groups the suitable kernels by the packing of
//! the constant operand (the weights) and takes the group with the widest rows, pairing its
//! matrix-vector kernel (batch 1) with its widest matrix kernel
//! (`vendor/tract-core/src/ops/einsum/kernel_selection.rs`). A 16-row kernel joins the group
//! of tract's own `wasm_f32_16x1` (same weight packing) and that group wins, so a batch-1 call
//! runs `wasm_f32_16x1` and a batch of more runs this kernel, from one packed copy of the
//! weights. That choice ignores how many rows the weights have: a 3-class logistic regression
//! gets 16-row tiles too (measured faster than 8×8 all the same: 1.67× → 2.17× onnxruntime-web
//! at batch 1000). A concrete column count asks the tiers, where this module's tier names this
//! kernel above tract's wasm tier.
//!
//! Exactness: every output is `acc + a·b` accumulated in k order from zero, with a separate
//! multiply and add, and the fused operations (bias, ReLU, scaling…) apply the same operation
//! with the same operand order as tract's wasm kernels, so results are bit-identical to
//! `wasm_f32_8x8` and `wasm_f32_16x1` (tests/golden.rs compares the kernel with 8×8 bit for bit
//! on every fused operation, and a batch with its rows one at a time). That holds for builds
//! without `relaxed-simd` (`.cargo/config.toml` enables `simd128` only): with it, tract's wide
//! kernels switch to fused multiply-adds.
#![allow(unsafe_code)]

use std::arch::wasm32::*;

use tract_linalg::isa::{Arch, IsaSet};
use tract_linalg::mmm::{DynKernel, FusedKerSpec, OutputStoreKer, Query, Suitable};
use tract_linalg::pack::Packing;
use tract_nnef::internal::tract_linalg;
use tract_nnef::internal::{inventory, DatumType};

/// Rows of the tile (the packed left operand: for a dense layer its output units), as four
/// `v128` vectors of four rows.
const MR: usize = 16;
/// Columns of the tile (for a dense layer, rows of the batch).
const NR: usize = 2;
/// `v128` vectors per tile column.
const V: usize = MR / 4;

/// The name the kernel is registered and reported under (`tract` plan dumps, tests).
pub const NAME: &str = "mlcycle_wasm_f32_16x2";

/// Accumulators, column-major: `acc[column][rows 4v..4v+4]`.
type Tile = [[v128; V]; NR];

fn kernel_def() -> DynKernel<MR, NR, f32> {
    let mut k = DynKernel::<MR, NR, f32>::new(
        NAME,
        kernel,
        // The weights' packing is tract's `wasm_f32_16x1` one (16 rows, 16-byte aligned), so
        // the two kernels share one packed copy of the weights.
        f32::packing(MR).align(16),
        f32::packing(NR).align(NR),
    );
    k.arch = Some(Arch::Wasm32Simd128);
    k
}

inventory::submit! {
    tract_linalg::mmm_routines::MmmRoutine { make: || kernel_def().mmm() }
}

/// The platform tier: this kernel for an f32 product of a known number of columns above one.
/// No opinion on a matrix-vector product (tract's wasm tier routes those by rows) nor on an
/// unknown column count (what tract-core's convolution and recurrent lowerings ask; they keep
/// tract's choice).
fn preferred(
    _isa: &IsaSet,
    dt: DatumType,
    query: &Query,
    _suitable: &[Suitable],
) -> Option<&'static str> {
    match (dt, query.n) {
        (DatumType::F32, Some(n)) if n > 1 => Some(NAME),
        _ => None,
    }
}

/// Above tract's own wasm tier (precedence 1).
pub const TIER_PRECEDENCE: u8 = 2;

inventory::submit! {
    tract_linalg::mmm_tiers::MmmTier {
        arch: Some(Arch::Wasm32Simd128),
        precedence: TIER_PRECEDENCE,
        name: "mlcycle-wasm-simd128",
        applies: |_| true,
        preferred,
    }
}

/// Keeps this module's registrations in the link: an object nothing references is dropped by
/// wasm-ld together with its `inventory` constructors. Called before any model loads.
pub fn keep() {
    std::hint::black_box(kernel as *const ());
}

#[inline(always)]
unsafe fn map(acc: &mut Tile, f: impl Fn(v128) -> v128) {
    for col in acc.iter_mut() {
        for x in col.iter_mut() {
            *x = f(*x);
        }
    }
}

/// `acc[j][v] = op(rows[4v..], acc)` (or flipped): a per-row operand along the lanes.
#[inline(always)]
unsafe fn per_row(acc: &mut Tile, rows: *const f32, f: impl Fn(v128, v128) -> v128) {
    let p = rows as *const v128;
    for v in 0..V {
        let r = v128_load(p.add(v));
        for col in acc.iter_mut() {
            col[v] = f(r, col[v]);
        }
    }
}

/// `acc[j][v] = op(splat(cols[j]), acc)` (or flipped): a per-column operand across lanes.
#[inline(always)]
unsafe fn per_col(acc: &mut Tile, cols: *const f32, f: impl Fn(v128, v128) -> v128) {
    for (j, col) in acc.iter_mut().enumerate() {
        let c = f32x4_splat(*cols.add(j));
        for x in col.iter_mut() {
            *x = f(c, *x);
        }
    }
}

/// The four rows `4v..4v+4` of column `j` of a strided f32 tile.
#[inline(always)]
unsafe fn read_rows(tile: &OutputStoreKer, j: usize, v: usize) -> v128 {
    let base = tile.ptr.offset(tile.col_byte_stride * j as isize);
    if tile.row_byte_stride == 4 {
        return v128_load(base.add(16 * v) as *const v128);
    }
    let at = |r: usize| *(base.offset(tile.row_byte_stride * (4 * v + r) as isize) as *const f32);
    f32x4(at(0), at(1), at(2), at(3))
}

#[inline(always)]
unsafe fn write_rows(tile: &OutputStoreKer, j: usize, v: usize, x: v128) {
    let base = tile.ptr.offset(tile.col_byte_stride * j as isize);
    if tile.row_byte_stride == 4 {
        v128_store(base.add(16 * v) as *mut v128, x);
        return;
    }
    let at = |r: usize| base.offset(tile.row_byte_stride * (4 * v + r) as isize) as *mut f32;
    *at(0) = f32x4_extract_lane::<0>(x);
    *at(1) = f32x4_extract_lane::<1>(x);
    *at(2) = f32x4_extract_lane::<2>(x);
    *at(3) = f32x4_extract_lane::<3>(x);
}

/// The kernel: runs tract's fused operation list over one 16 × 2 tile.
///
/// SAFETY (caller, tract-linalg): the list ends with `Done`, and every pointer in it addresses a
/// tile, row or column vector, or packed panel of this kernel's geometry, as tract-linalg
/// guarantees for the kernel it selected.
unsafe fn kernel(spec: &[FusedKerSpec<f32>]) -> isize {
    let zero = f32x4_splat(0.0);
    let mut acc: Tile = [[zero; V]; NR];
    for op in spec {
        match *op {
            FusedKerSpec::Done => break,
            FusedKerSpec::Clear => acc = [[zero; V]; NR],
            FusedKerSpec::LoadTile(col_major, _row_major) => {
                let p = col_major as *const v128;
                for (j, col) in acc.iter_mut().enumerate() {
                    for (v, x) in col.iter_mut().enumerate() {
                        *x = v128_load(p.add(j * V + v));
                    }
                }
            }
            FusedKerSpec::ScalarMin(s) => map(&mut acc, |x| f32x4_min(f32x4_splat(s), x)),
            FusedKerSpec::ScalarMax(s) => map(&mut acc, |x| f32x4_max(f32x4_splat(s), x)),
            FusedKerSpec::ScalarAdd(s) => map(&mut acc, |x| f32x4_add(f32x4_splat(s), x)),
            FusedKerSpec::ScalarMul(s) => map(&mut acc, |x| f32x4_mul(f32x4_splat(s), x)),
            FusedKerSpec::ScalarSub(s) => map(&mut acc, |x| f32x4_sub(f32x4_splat(s), x)),
            FusedKerSpec::ScalarSubF(s) => map(&mut acc, |x| f32x4_sub(x, f32x4_splat(s))),
            FusedKerSpec::LeakyRelu(alpha) => map(&mut acc, |x| {
                let keep = f32x4_gt(x, zero);
                v128_bitselect(x, f32x4_mul(f32x4_splat(alpha), x), keep)
            }),
            FusedKerSpec::PerRowMin(r) => per_row(&mut acc, r, |r, x| f32x4_min(r, x)),
            FusedKerSpec::PerRowMax(r) => per_row(&mut acc, r, |r, x| f32x4_max(r, x)),
            FusedKerSpec::PerRowAdd(r) => per_row(&mut acc, r, |r, x| f32x4_add(r, x)),
            FusedKerSpec::PerRowMul(r) => per_row(&mut acc, r, |r, x| f32x4_mul(r, x)),
            FusedKerSpec::PerRowSub(r) => per_row(&mut acc, r, |r, x| f32x4_sub(r, x)),
            FusedKerSpec::PerRowSubF(r) => per_row(&mut acc, r, |r, x| f32x4_sub(x, r)),
            FusedKerSpec::PerColMin(c) => per_col(&mut acc, c, |c, x| f32x4_min(c, x)),
            FusedKerSpec::PerColMax(c) => per_col(&mut acc, c, |c, x| f32x4_max(c, x)),
            FusedKerSpec::PerColAdd(c) => per_col(&mut acc, c, |c, x| f32x4_add(c, x)),
            FusedKerSpec::PerColMul(c) => per_col(&mut acc, c, |c, x| f32x4_mul(c, x)),
            FusedKerSpec::PerColSub(c) => per_col(&mut acc, c, |c, x| f32x4_sub(c, x)),
            FusedKerSpec::PerColSubF(c) => per_col(&mut acc, c, |c, x| f32x4_sub(x, c)),
            // Quantization steps on a float accumulator are scalings, as in tract's kernels.
            FusedKerSpec::QScale(shift, policy, mult) => {
                let scale = tract_linalg::Scaler::from_fuse_params(shift, policy, mult).scale;
                map(&mut acc, |x| f32x4_mul(f32x4_splat(scale), x))
            }
            FusedKerSpec::RoundingShiftRight(shift, _) => {
                let scale = 2f32.powi(-(shift as i32));
                map(&mut acc, |x| f32x4_mul(f32x4_splat(scale), x))
            }
            FusedKerSpec::ShiftLeft(shift) => {
                let scale = 2f32.powi(shift as i32);
                map(&mut acc, |x| f32x4_mul(f32x4_splat(scale), x))
            }
            FusedKerSpec::AddUnicast(tile) => {
                for (j, col) in acc.iter_mut().enumerate() {
                    for (v, x) in col.iter_mut().enumerate() {
                        *x = f32x4_add(*x, read_rows(&tile, j, v));
                    }
                }
            }
            FusedKerSpec::AddRowColProducts(rows, cols) => {
                let p = rows as *const v128;
                for (j, col) in acc.iter_mut().enumerate() {
                    let c = f32x4_splat(*cols.add(j));
                    for (v, x) in col.iter_mut().enumerate() {
                        *x = f32x4_add(*x, f32x4_mul(v128_load(p.add(v)), c));
                    }
                }
            }
            FusedKerSpec::Store(tile) => {
                for (j, col) in acc.iter().enumerate() {
                    for (v, x) in col.iter().enumerate() {
                        write_rows(&tile, j, v, *x);
                    }
                }
            }
            FusedKerSpec::AddMatMul { k, pa, pb, .. } => {
                // A: packed [k][16] (four v128 per step); B: packed [k][2], each splatted.
                let a = pa as *const v128;
                let b = pb as *const f32;
                let [mut c0, mut c1] = acc;
                for i in 0..k {
                    let a0 = v128_load(a.add(4 * i));
                    let a1 = v128_load(a.add(4 * i + 1));
                    let a2 = v128_load(a.add(4 * i + 2));
                    let a3 = v128_load(a.add(4 * i + 3));
                    let b0 = v128_load32_splat(b.add(2 * i) as *const u32);
                    let b1 = v128_load32_splat(b.add(2 * i + 1) as *const u32);
                    c0[0] = f32x4_add(c0[0], f32x4_mul(a0, b0));
                    c0[1] = f32x4_add(c0[1], f32x4_mul(a1, b0));
                    c0[2] = f32x4_add(c0[2], f32x4_mul(a2, b0));
                    c0[3] = f32x4_add(c0[3], f32x4_mul(a3, b0));
                    c1[0] = f32x4_add(c1[0], f32x4_mul(a0, b1));
                    c1[1] = f32x4_add(c1[1], f32x4_mul(a1, b1));
                    c1[2] = f32x4_add(c1[2], f32x4_mul(a2, b1));
                    c1[3] = f32x4_add(c1[3], f32x4_mul(a3, b1));
                }
                acc = [c0, c1];
            }
        }
    }
    0
}
