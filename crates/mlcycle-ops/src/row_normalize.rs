//! `RowNormalize`: softmax and L1/L2/max normalization along the last axis, as one op.
//!
//! Why our own: classifier outputs are narrow rows (3 penguin species, 10 digits), and tract's
//! generic `Softmax` plus the `abs → sum_reduce → max(ε) → recip → mul` chain it wires for ONNX
//! `Normalizer` dispatch kernels and broadcast per op and per row. Profiled natively on the
//! penguins logistic regression at 1000 rows: matmul + bias 6.5 µs, softmax over 3-wide rows
//! 96 µs, the L1 normalizer chain 94 µs. One tight loop per row does both in a few µs.
//!
//! Semantics match what they replace: softmax is `exp(x - max) / Σ exp(x - max)`; the norms
//! follow tract's ONNX `Normalizer` (and onnxruntime's): `x / max(Σ|x|, 1e-12)` (L1),
//! `x · 1/√max(Σx², 1e-12)` (L2), `x / max(max|x|, 1e-12)` (MAX). Softmax's exp is a
//! vectorized polynomial within 1 ulp ([`super::exp`]), so values differ from tract's and
//! onnxruntime's (polynomial kernels too) in the last bits only; both of mlcycle's load paths
//! (ONNX, precompiled NNEF) use this op, so they stay bit-identical to each other.
//!
//! Where it comes from: the ONNX front end wires it for `Normalizer`, and [`rewrite_softmax`]
//! replaces tract's last-axis f32 `Softmax` in the decluttered model before it is optimized or
//! written as NNEF (primitive `mlcycle_row_normalize`, in both builds' registries).

use tract_nnef::internal::*;

/// What a row is divided by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowNorm {
    Softmax,
    L1,
    L2,
    Max,
}

impl RowNorm {
    #[cfg(feature = "nnef-writer")] // for the NNEF dumpers only
    pub fn name(self) -> &'static str {
        match self {
            RowNorm::Softmax => "SOFTMAX",
            RowNorm::L1 => "L1",
            RowNorm::L2 => "L2",
            RowNorm::Max => "MAX",
        }
    }

    pub fn parse(s: &str) -> TractResult<RowNorm> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "SOFTMAX" => RowNorm::Softmax,
            "L1" => RowNorm::L1,
            "L2" => RowNorm::L2,
            "MAX" => RowNorm::Max,
            other => bail!("unknown row normalization {other:?}"),
        })
    }
}

const EPS: f32 = 1e-12;

/// `f32::max` for the values a row holds, as a compare and a select: in wasm `f32::max` is a
/// call to `fmaxf` (wasm's `f32.max` treats NaN differently), 5 % of a logistic regression's
/// batch in a profile. The same result whenever `f32::max` defines it: a NaN never wins (it
/// compares false), and of two zeros either sign gives the same `exp(v − m)`, `|v| / d`.
#[inline(always)]
fn max(a: f32, b: f32) -> f32 {
    if b > a || a.is_nan() {
        b
    } else {
        a
    }
}

/// Softmax of each `width`-wide row of `data`, in three passes, so that the exps run down the
/// whole batch in a vectorized loop ([`exp`](super::exp)) rather than a libm call per value.
/// `W` is `width` when the caller knows it at compile time (0: it does not); the arithmetic is
/// the same either way (tested bit for bit).
fn softmax<const W: usize>(data: &mut [f32], width: usize) {
    let width = if W == 0 { width } else { W };
    let rows = data.len() / width * width;
    let data = data.get_mut(..rows).unwrap_or_default();
    for row in data.chunks_exact_mut(width) {
        let m = row.iter().copied().fold(f32::NEG_INFINITY, max);
        row.iter_mut().for_each(|v| *v -= m);
    }
    super::exp::exp_in_place(data);
    for row in data.chunks_exact_mut(width) {
        let sum = row.iter().fold(0f32, |s, v| s + v);
        row.iter_mut().for_each(|v| *v /= sum);
    }
}

/// The typed op: f32 tensor of any rank ≥ 1 → same shape, each last-axis row normalized.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RowNormalize {
    pub norm: RowNorm,
}

impl RowNormalize {
    /// Normalizes `data` in place, rows of `width` values.
    pub fn apply(&self, data: &mut [f32], width: usize) {
        if width == 0 {
            return;
        }
        match self.norm {
            // Rows as narrow as a classifier's (2 and 3 classes, 10 digits) with their width
            // known to the compiler: the per-row passes unrolled, no inner loop per row.
            RowNorm::Softmax => match width {
                2 => softmax::<2>(data, width),
                3 => softmax::<3>(data, width),
                10 => softmax::<10>(data, width),
                _ => softmax::<0>(data, width),
            },
            RowNorm::L1 => data.chunks_exact_mut(width).for_each(|row| {
                let d = max(row.iter().map(|v| v.abs()).sum::<f32>(), EPS);
                row.iter_mut().for_each(|v| *v /= d);
            }),
            RowNorm::L2 => data.chunks_exact_mut(width).for_each(|row| {
                let inv = 1.0 / max(row.iter().map(|v| v * v).sum::<f32>(), EPS).sqrt();
                row.iter_mut().for_each(|v| *v *= inv);
            }),
            RowNorm::Max => data.chunks_exact_mut(width).for_each(|row| {
                let d = max(row.iter().map(|v| v.abs()).fold(0f32, max), EPS);
                row.iter_mut().for_each(|v| *v /= d);
            }),
        }
    }
}

impl Op for RowNormalize {
    fn name(&self) -> StaticName {
        "MlcycleRowNormalize".into()
    }
    op_as_typed_op!();
}

impl EvalOp for RowNormalize {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        // In place when the input buffer is not shared (the usual case in a plan).
        let mut t = args_1!(inputs).into_tensor();
        if t.datum_type() != f32::datum_type() {
            t = t.cast_to::<f32>()?.into_owned();
        }
        let width = *t.shape().last().context("row normalization of a scalar")?;
        self.apply(t.try_as_plain_ram_mut()?.as_slice_mut::<f32>()?, width);
        Ok(tvec!(t.into_tvalue()))
    }
}

impl TypedOp for RowNormalize {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].rank() >= 1, "row normalization needs rank ≥ 1");
        Ok(tvec!(f32::fact(inputs[0].shape.clone())))
    }
    as_op!();
}

/// Replaces every f32 last-axis `Softmax` of `model` by [`RowNormalize`] (see the module docs).
/// Used by the ONNX front end only: precompiled models already carry the rewritten graph.
#[cfg(feature = "nnef-writer")]
pub fn rewrite_softmax(model: &mut TypedModel) -> TractResult<()> {
    use tract_nnef::tract_core::ops::nn::{Softmax, SoftmaxKind};
    for id in model.eval_order()? {
        let node = model.node(id);
        let Some(op) = node.op_as::<Softmax>() else {
            continue;
        };
        let fact = model.outlet_fact(node.inputs[0])?;
        let rank = fact.rank();
        let last_axis = rank >= 1 && op.axes.as_slice() == [rank - 1];
        if op.kind != SoftmaxKind::Softmax
            || op.quant_output_dt.is_some()
            || fact.datum_type != f32::datum_type()
            || !last_axis
        {
            continue;
        }
        let patch = TypedModelPatch::replace_single_op(
            model,
            node,
            &node.inputs,
            RowNormalize {
                norm: RowNorm::Softmax,
            },
        )?;
        patch.apply(model)?;
    }
    Ok(())
}

/// NNEF: `mlcycle_row_normalize(input, norm = "SOFTMAX" | "L1" | "L2" | "MAX")`.
pub fn register_nnef(registry: &mut Registry) {
    registry.register_primitive(
        "mlcycle_row_normalize",
        &[
            TypeName::Scalar.tensor().named("input"),
            TypeName::String.named("norm"),
        ],
        &[("output", TypeName::Scalar.tensor())],
        load,
    );
    // Dumpers only where NNEF is written: the slim build reads it, never writes it.
    #[cfg(feature = "nnef-writer")]
    registry.register_dumper(dump);
}

#[cfg(feature = "nnef-writer")]
fn dump(
    ast: &mut IntoAst,
    node: &TypedNode,
    op: &RowNormalize,
) -> TractResult<Option<Arc<RValue>>> {
    let input = ast
        .mapping
        .get(&node.inputs[0])
        .cloned()
        .ok_or_else(|| format_err!("row normalization input not serialized"))?;
    Ok(Some(invocation(
        "mlcycle_row_normalize",
        &[input],
        &[("norm", string(op.norm.name()))],
    )))
}

fn load(builder: &mut ModelBuilder, invocation: &ResolvedInvocation) -> TractResult<Value> {
    let input = invocation.named_arg_as(builder, "input")?;
    let norm = RowNorm::parse(&invocation.named_arg_as::<String>(builder, "norm")?)?;
    builder.wire(RowNormalize { norm }, &[input])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(norm: RowNorm, mut v: Vec<f32>, width: usize) -> Vec<f32> {
        RowNormalize { norm }.apply(&mut v, width);
        v
    }

    #[test]
    fn softmax_rows_sum_to_one_and_are_shift_invariant() {
        let a = run(
            RowNorm::Softmax,
            vec![1.0, 2.0, 3.0, 1001.0, 1002.0, 1003.0],
            3,
        );
        assert!((a[0..3].iter().sum::<f32>() - 1.0).abs() < 1e-6);
        for i in 0..3 {
            assert!((a[i] - a[i + 3]).abs() < 1e-6, "{a:?}");
        }
        assert!((a[2] - 0.66524096).abs() < 1e-6);
    }

    /// The fixed-width passes compute what the general ones do, bit for bit, on rows with
    /// ties, large spreads, infinities and NaN.
    #[test]
    fn fixed_width_softmax_is_the_general_one() {
        let pool = [
            0.0f32,
            -0.0,
            1.5,
            -3.25,
            40.0,
            -95.0,
            88.5,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            1e-3,
        ];
        for width in [2usize, 3, 10] {
            let data: Vec<f32> = (0..width * 60)
                .map(|i| pool[(i * 7 + i / 5) % pool.len()])
                .collect();
            let (mut fixed, mut general) = (data.clone(), data.clone());
            match width {
                2 => softmax::<2>(&mut fixed, width),
                3 => softmax::<3>(&mut fixed, width),
                _ => softmax::<10>(&mut fixed, width),
            }
            softmax::<0>(&mut general, width);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fixed), bits(&general), "width {width}");
        }
    }

    #[test]
    fn max_is_f32_max() {
        let vals = [
            f32::NAN,
            f32::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            1e-12,
            2.0,
            f32::INFINITY,
        ];
        for a in vals {
            for b in vals {
                let (got, want) = (max(a, b), a.max(b));
                // `f32::max` may return either zero; both give the same normalized row.
                let same = got.to_bits() == want.to_bits() || (got == 0.0 && want == 0.0);
                assert!(same, "max({a}, {b}) = {got}, f32::max = {want}");
            }
        }
    }

    #[test]
    fn norms_follow_the_onnx_normalizer() {
        assert_eq!(run(RowNorm::L1, vec![1.0, -3.0], 2), vec![0.25, -0.75]);
        assert_eq!(run(RowNorm::Max, vec![1.0, -4.0], 2), vec![0.25, -1.0]);
        let l2 = run(RowNorm::L2, vec![3.0, 4.0], 2);
        assert!((l2[0] - 0.6).abs() < 1e-7 && (l2[1] - 0.8).abs() < 1e-7);
        // All-zero rows stay zero (the ε clamp), never NaN.
        assert_eq!(run(RowNorm::L1, vec![0.0, 0.0], 2), vec![0.0, 0.0]);
    }
}
