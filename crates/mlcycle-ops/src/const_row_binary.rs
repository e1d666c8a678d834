//! `ConstRowBinary`: `x ∘ c` (or `c ∘ x`) for an f32 tensor `x` and a constant `c` that
//! broadcasts along every axis but the last — a scaler's offset and scale rows, an MLP's output
//! intercept of shape `[1, 1]`, the `1 − p` of a binary classifier — as one loop.
//!
//! Why our own: tract 0.23's codegen gives a binary operator a kernel when both sides have
//! the same shape or one side is one value per row; a constant *row* broadcast over a batch
//! stays on `TypedBinOp`'s generic path, ndarray's `Zip` over dynamic dimensions, which pays
//! its per-row setup on every row. Profiled in wasm (Node, breast_cancer_mlp, 1000 rows): the
//! scaler's `Sub` and `Mul` on 30-wide rows and the output's `Add` and `Sub` on 1-wide rows took
//! 800 ms of a 1,470 ms run, the three matrix products 577 ms.
//!
//! Each element gets the very IEEE operation tract's kernel applies (`a + b`, `a - b`,
//! `a * b`, `a / b` in f32; `-` and `/` with tract's operand order, `+` and `*` commuted where
//! that saves a loop, which IEEE arithmetic allows bit for bit up to a NaN's payload), so
//! predictions are bit for bit those of the graph it rewrites (tests below, on every committed
//! fixture). [`rewrite`] runs on the
//! optimized model at load, in both load paths (ONNX and precompiled); the op is never
//! serialized (`Model::to_nnef` writes the decluttered graph).

use tract_nnef::internal::*;
use tract_nnef::tract_core::ops::binary::TypedBinOp;

/// The f32 operators rewritten (tract's `BinMiniOp` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl RowOp {
    /// `(op, swap)`: tract's `SubF` is `b - a`, a `Sub` with its operands swapped.
    fn of(name: &str) -> Option<(RowOp, bool)> {
        Some(match name {
            "Add" => (RowOp::Add, false),
            "Sub" => (RowOp::Sub, false),
            "SubF" => (RowOp::Sub, true),
            "Mul" => (RowOp::Mul, false),
            "Div" => (RowOp::Div, false),
            _ => return None,
        })
    }
}

/// The typed op: f32 tensor `x` of rank ≥ 1 → same shape, each last-axis row combined with
/// `row` (or with its single value, which then broadcasts to every element).
#[derive(Clone, Debug, PartialEq)]
pub struct ConstRowBinary {
    pub op: RowOp,
    /// The constant, one value per column of `x`'s last axis, or a single value.
    pub row: Arc<[f32]>,
    /// `c ∘ x` instead of `x ∘ c`.
    pub const_first: bool,
}

// Plan deduplication compares ops; a NaN in the row makes two copies unequal, which only
// costs a merge.
impl Eq for ConstRowBinary {}

impl ConstRowBinary {
    /// Applies the op in place to `data`, rows of `width` values.
    pub fn apply(&self, data: &mut [f32], width: usize) -> TractResult<()> {
        // A single value broadcasts to the whole row: one loop shape for every case (six
        // monomorphized loops instead of twelve: bytes, see budgets/wasm-size.json).
        let repeated;
        let row: &[f32] = if self.row.len() == 1 && width != 1 {
            repeated = vec![self.row[0]; width];
            &repeated
        } else {
            &self.row
        };
        ensure!(
            width == row.len() && data.len().is_multiple_of(width.max(1)),
            "rows of {width} values against a constant row of {}",
            row.len()
        );
        // `c + x` and `c * x` are `x + c` and `x * c` bit for bit (IEEE addition and
        // multiplication commute), so only `-` and `/` look at the side.
        match (self.op, self.const_first) {
            (RowOp::Add, _) => each::<Add>(data, row),
            (RowOp::Sub, false) => each::<Sub>(data, row),
            (RowOp::Sub, true) => each::<SubFrom>(data, row),
            (RowOp::Mul, _) => each::<Mul>(data, row),
            (RowOp::Div, false) => each::<Div>(data, row),
            (RowOp::Div, true) => each::<DivInto>(data, row),
        }
        Ok(())
    }
}

/// One of the six element operations, on one value and (in wasm `simd128`) on four lanes:
/// the same IEEE operation with the same operand order.
trait Arith {
    fn one(x: f32, c: f32) -> f32;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    fn four(x: v128, c: v128) -> v128;
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use std::arch::wasm32::{f32x4_add, f32x4_div, f32x4_mul, f32x4_splat, f32x4_sub, v128};

macro_rules! arith {
    ($name:ident, |$x:ident, $c:ident| $one:expr, $four:expr) => {
        struct $name;
        impl Arith for $name {
            #[inline(always)]
            fn one($x: f32, $c: f32) -> f32 {
                $one
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            #[inline(always)]
            fn four($x: v128, $c: v128) -> v128 {
                $four
            }
        }
    };
}

arith!(Add, |x, c| x + c, f32x4_add(x, c));
arith!(Sub, |x, c| x - c, f32x4_sub(x, c));
arith!(SubFrom, |x, c| c - x, f32x4_sub(c, x));
arith!(Mul, |x, c| x * c, f32x4_mul(x, c));
arith!(Div, |x, c| x / c, f32x4_div(x, c));
arith!(DivInto, |x, c| c / x, f32x4_div(c, x));

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn each<A: Arith>(data: &mut [f32], row: &[f32]) {
    for chunk in data.chunks_exact_mut(row.len().max(1)) {
        for (x, &c) in chunk.iter_mut().zip(row) {
            *x = A::one(*x, c);
        }
    }
}

/// In wasm `simd128`, four lanes at a time (the package's size-optimized link runs no loop
/// vectorizer: `src/inference/simd.rs`): a one-value row as a splat over the whole buffer,
/// a wider row four columns at a time with its last `width % 4` one by one.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[inline(always)]
fn each<A: Arith>(data: &mut [f32], row: &[f32]) {
    use crate::simd::{load, store};
    if let [c] = row {
        let mut quads = data.chunks_exact_mut(4);
        for quad in &mut quads {
            let x = load(quad);
            store(quad, A::four(x, f32x4_splat(*c)));
        }
        for x in quads.into_remainder() {
            *x = A::one(*x, *c);
        }
        return;
    }
    for chunk in data.chunks_exact_mut(row.len().max(1)) {
        let mut quads = chunk.chunks_exact_mut(4);
        let mut consts = row.chunks_exact(4);
        for (quad, c) in (&mut quads).zip(&mut consts) {
            let x = load(quad);
            store(quad, A::four(x, load(c)));
        }
        for (x, &c) in quads.into_remainder().iter_mut().zip(consts.remainder()) {
            *x = A::one(*x, c);
        }
    }
}

impl Op for ConstRowBinary {
    fn name(&self) -> StaticName {
        "MlcycleConstRowBinary".into()
    }
    op_as_typed_op!();
}

impl EvalOp for ConstRowBinary {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        // In place when the input buffer is not shared (the usual case in a plan).
        let mut t = args_1!(inputs).into_tensor();
        ensure!(
            t.datum_type() == f32::datum_type(),
            "expected f32, got {:?}",
            t.datum_type()
        );
        let width = *t.shape().last().context("a row operation on a scalar")?;
        self.apply(t.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?, width)?;
        Ok(tvec!(t.into_tvalue()))
    }
}

impl TypedOp for ConstRowBinary {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].rank() >= 1, "a row operation needs rank ≥ 1");
        Ok(tvec!(f32::fact(inputs[0].shape.clone())))
    }
    as_op!();
}

/// What [`rewrite`] replaces a node with, if anything: an f32 `Add`/`Sub`/`Mul`/`Div` with no
/// operating type of its own, one constant side shaped `[1, …, 1, k]` (or `[…, 1]`) where `k`
/// is the other side's concrete last dimension, and an output shaped like the other side.
fn candidate(model: &TypedModel, node: &TypedNode) -> TractResult<Option<(usize, ConstRowBinary)>> {
    let Some(bin) = node.op_as::<TypedBinOp>() else {
        return Ok(None);
    };
    let Some((op, swap)) = RowOp::of(bin.0.name()) else {
        return Ok(None);
    };
    if bin.1.is_some() || node.inputs.len() != 2 {
        return Ok(None);
    }
    let a = model.outlet_fact(node.inputs[0])?;
    let b = model.outlet_fact(node.inputs[1])?;
    let (var, konst, const_first) = match (&a.konst, &b.konst) {
        (None, Some(k)) => (0, k, swap),
        (Some(k), None) => (1, k, !swap),
        _ => return Ok(None),
    };
    let x = if var == 0 { a } else { b };
    let out = &node.outputs[0].fact;
    let f32_dt = f32::datum_type();
    if x.datum_type != f32_dt || konst.datum_type() != f32_dt || out.datum_type != f32_dt {
        return Ok(None);
    }
    let rank = x.rank();
    let kshape = konst.shape();
    if rank == 0 || kshape.len() > rank || out.shape != x.shape {
        return Ok(None);
    }
    let k = kshape.last().copied().unwrap_or(1);
    if kshape.iter().rev().skip(1).any(|&d| d != 1) {
        return Ok(None);
    }
    if k != 1 && x.shape[rank - 1].to_usize().ok() != Some(k) {
        return Ok(None);
    }
    // A constant stored other than as plain f32 values is left to tract.
    let Ok(row) = konst
        .try_as_plain_ram()
        .and_then(|r| r.as_slice::<f32>().map(Arc::<[f32]>::from))
    else {
        return Ok(None);
    };
    Ok(Some((
        var,
        ConstRowBinary {
            op,
            row,
            const_first,
        },
    )))
}

/// Replaces every f32 binary operator of the optimized `model` that combines a tensor with a
/// constant row by [`ConstRowBinary`] (see the module docs). The node is rewired in place (it
/// keeps its id and its output, whose fact is unchanged, and drops its constant input): a
/// `TypedModelPatch` did the same in 24 kB of inlined wasm.
pub fn rewrite(model: &mut TypedModel) -> TractResult<()> {
    for id in model.eval_order()? {
        let Some((var, op)) = candidate(model, model.node(id))? else {
            continue;
        };
        let inputs = std::mem::take(&mut model.nodes[id].inputs);
        for (slot, outlet) in inputs.iter().enumerate() {
            let inlet = InletId::new(id, slot);
            model.nodes[outlet.node].outputs[outlet.slot]
                .successors
                .retain(|s| *s != inlet);
        }
        let x = inputs[var];
        model.nodes[x.node].outputs[x.slot]
            .successors
            .push(InletId::new(id, 0));
        model.nodes[id].inputs = vec![x];
        model.nodes[id].op = Box::new(op);
    }
    Ok(())
}

/// Runs `model` on `x` (one f32 input) with and without [`rewrite`]: the first output's bits
/// both ways and how many binary operators the rewrite left. For checking the rewrite on a
/// model: this crate's tests, and mlcycle's on its committed precompiled models (which only
/// mlcycle can read). Nothing calls it in the packages, so the link drops it.
#[doc(hidden)]
pub fn bits_with_and_without_rewrite(
    model: TypedModel,
    x: &Tensor,
) -> TractResult<(Vec<u32>, Vec<u32>, usize)> {
    let run = |m: TypedModel| -> TractResult<Vec<u32>> {
        let out = m.into_runnable()?.run(tvec!(x.clone().into_tvalue()))?;
        let v = out[0].to_plain_array_view::<f32>()?;
        Ok(v.iter().map(|f| f.to_bits()).collect())
    };
    let mut rewritten = model.clone();
    rewrite(&mut rewritten)?;
    rewritten.check_edges()?;
    let left = rewritten
        .nodes
        .iter()
        .filter(|n| n.op_is::<TypedBinOp>())
        .count();
    Ok((run(model)?, run(rewritten)?, left))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_nnef::tract_core::ops::math;

    fn both(model: TypedModel, x: &Tensor) -> (Vec<u32>, Vec<u32>, usize) {
        bits_with_and_without_rewrite(model, x).unwrap()
    }

    /// Every operator on both sides, against tract's generic path, for rows of one value (a
    /// splat over the buffer), of four (whole lanes) and of six and nine (lanes and a tail);
    /// also run in wasm (`make test-wasm-node`, `-p mlcycle-ops --lib`), where the rewrite is written with lanes.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn rows_scalars_and_swapped_operands_are_bit_identical() {
        for width in [1usize, 4, 6, 9] {
            let mut model = TypedModel::default();
            let x = model.add_source("x", f32::fact([5, width])).unwrap();
            let row = |k: f32| {
                let v: Vec<f32> = (0..width).map(|i| (i as f32 + k).cos() * 3.0).collect();
                Tensor::from_shape(&[1, width], &v).unwrap()
            };
            let offset = model.add_const("offset", row(0.5)).unwrap();
            let scale = model.add_const("scale", row(2.0)).unwrap();
            let one = model.add_const("one", tensor2(&[[1f32]])).unwrap();
            let w = model.wire_node("sub", math::sub(), &[x, offset]).unwrap();
            let w = model.wire_node("mul", math::mul(), &[w[0], scale]).unwrap();
            let w = model.wire_node("rsub", math::sub(), &[one, w[0]]).unwrap();
            let w = model.wire_node("div", math::div(), &[w[0], scale]).unwrap();
            let w = model.wire_node("rdiv", math::div(), &[one, w[0]]).unwrap();
            let w = model
                .wire_node("add", math::add(), &[offset, w[0]])
                .unwrap();
            let w = model.wire_node("half", math::mul(), &[w[0], one]).unwrap();
            model.select_output_outlets(&w).unwrap();
            let values: Vec<f32> = (0..5 * width)
                .map(|i| (i as f32 * 0.37).sin() * 7.0)
                .collect();
            let x = Tensor::from_shape(&[5, width], &values).unwrap();
            let (before, after, left) = both(model, &x);
            assert_eq!(left, 0, "every binary operator rewritten (width {width})");
            assert_eq!(before, after, "width {width}");
        }
    }

    #[test]
    fn a_constant_that_is_not_a_row_is_left_alone() {
        let mut model = TypedModel::default();
        let x = model.add_source("x", f32::fact([2, 3])).unwrap();
        let col = model.add_const("col", tensor2(&[[1f32], [2.0]])).unwrap();
        let w = model.wire_node("add", math::add(), &[x, col]).unwrap();
        model.select_output_outlets(&w).unwrap();
        let x = tensor2(&[[1f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        let (before, after, left) = both(model, &x);
        assert_eq!(left, 1);
        assert_eq!(before, after);
    }
}
