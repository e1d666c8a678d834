//! `ai.onnx.ml.Binarizer` as mlcycle's own operator: `x > threshold ? 1 : 0`, same type and
//! shape as the input, and a **NaN input is an error**, as in onnxruntime ("Input data with
//! index … is NaN") — tract core ops could compare but not refuse, and a NaN silently turned
//! into 0 would give a confident prediction from a missing value. NNEF primitive
//! `mlcycle_binarizer(input, threshold)`, so it loads in both builds.

use tract_nnef::internal::*;

/// The typed op (f32 and f64 inputs; others are cast to f32).
#[derive(Debug, Clone, PartialEq)]
pub struct Binarize {
    pub threshold: f32,
}

impl std::hash::Hash for Binarize {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.threshold.to_bits().hash(state);
    }
}

impl Eq for Binarize {}

impl Binarize {
    /// `data[i] = data[i] > threshold ? one : zero`, refusing NaN.
    fn apply<T: Copy + PartialOrd>(
        &self,
        data: &mut [T],
        threshold: T,
        (zero, one): (T, T),
    ) -> TractResult<()> {
        for (i, v) in data.iter_mut().enumerate() {
            #[allow(clippy::eq_op)]
            if *v != *v {
                bail!("Binarizer: input value {i} is NaN");
            }
            *v = if *v > threshold { one } else { zero };
        }
        Ok(())
    }
}

impl Op for Binarize {
    fn name(&self) -> StaticName {
        "MlcycleBinarizer".into()
    }
    op_as_typed_op!();
}

impl EvalOp for Binarize {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let mut t = args_1!(inputs).into_tensor();
        if t.datum_type() == f64::datum_type() {
            let mut plain = t.try_as_plain_ram_mut()?;
            self.apply(
                plain.as_slice_mut::<f64>()?,
                self.threshold as f64,
                (0.0, 1.0),
            )?;
        } else {
            if t.datum_type() != f32::datum_type() {
                t = t.cast_to::<f32>()?.into_owned();
            }
            let mut plain = t.try_as_plain_ram_mut()?;
            self.apply(plain.as_slice_mut::<f32>()?, self.threshold, (0.0, 1.0))?;
        }
        Ok(tvec!(t.into_tvalue()))
    }
}

impl TypedOp for Binarize {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let dt = if inputs[0].datum_type == f64::datum_type() {
            f64::datum_type()
        } else {
            f32::datum_type()
        };
        Ok(tvec!(dt.fact(inputs[0].shape.clone())))
    }
    as_op!();
}

/// NNEF: `mlcycle_binarizer(input, threshold)`.
pub fn register_nnef(registry: &mut Registry) {
    registry.register_primitive(
        "mlcycle_binarizer",
        &[
            TypeName::Scalar.tensor().named("input"),
            TypeName::Scalar.named("threshold"),
        ],
        &[("output", TypeName::Scalar.tensor())],
        load,
    );
    // Dumpers only where NNEF is written: the slim build reads it, never writes it.
    #[cfg(feature = "nnef-writer")]
    registry.register_dumper(dump);
}

#[cfg(feature = "nnef-writer")]
fn dump(ast: &mut IntoAst, node: &TypedNode, op: &Binarize) -> TractResult<Option<Arc<RValue>>> {
    let input = ast
        .mapping
        .get(&node.inputs[0])
        .cloned()
        .ok_or_else(|| format_err!("binarizer input not serialized"))?;
    Ok(Some(invocation(
        "mlcycle_binarizer",
        &[input],
        &[("threshold", numeric(op.threshold))],
    )))
}

fn load(builder: &mut ModelBuilder, invocation: &ResolvedInvocation) -> TractResult<Value> {
    let input = invocation.named_arg_as(builder, "input")?;
    let threshold: f32 = invocation.named_arg_as(builder, "threshold")?;
    builder.wire(Binarize { threshold }, &[input])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictly_greater_is_one_and_nan_is_refused() {
        let op = Binarize { threshold: 1.0 };
        let mut v = vec![0.5f32, 1.0, 1.5, f32::INFINITY, f32::NEG_INFINITY];
        op.apply(&mut v, 1.0, (0.0, 1.0)).unwrap();
        assert_eq!(v, vec![0.0, 0.0, 1.0, 1.0, 0.0]);
        let mut nan = vec![2.0f32, f32::NAN];
        assert!(op.apply(&mut nan, 1.0, (0.0, 1.0)).is_err());
    }
}
