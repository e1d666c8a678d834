//! k-nearest-neighbours classification as one operator ([`KnnScores`]): what skl2onnx's
//! `KNeighborsClassifier` export computes with a `Scan` over the training rows, `Sqrt`, `TopK`
//! and one `Equal`/`ReduceSum` vote per class — here in one pass per row, without tract's
//! per-iteration `Scan` overhead (measured 17 ms per single-row call in wasm, 43× onnxruntime)
//! and with an NNEF form (`mlcycle_knn`) tract can reload (its own `Scan` NNEF cannot).
//!
//! Exactly onnxruntime's numbers: the distance of row `x` to training row `t` is
//! `sqrt(Σ_f (x_f − t_f)²)` summed in f32 in feature order (the `Sub` + `ReduceSumSquare` of the
//! Scan body, then `Sqrt`), the `k` smallest distances are taken with ties to the lower training
//! index (onnxruntime's `TopK`), and each class's probability is its votes divided by the total
//! votes (`Div` by `ReduceSum`), in f32. A NaN feature is refused (scikit-learn's kNN refuses it
//! too; onnxruntime's `TopK` order would be arbitrary). Uniform weights and the Euclidean
//! metric only: the graph rewrite (`onnx/knn_graph.rs`) applies to nothing else.

use tract_nnef::internal::*;

/// A validated kNN classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct Knn {
    /// Training rows, row-major `[m, n_features]`.
    train: Vec<f32>,
    /// Class index of each training row (`< n_classes`).
    classes: Vec<u32>,
    n_features: usize,
    n_classes: usize,
    k: usize,
}

impl Knn {
    /// Builds and validates (every index is checked once here, so evaluation never panics).
    pub fn new(
        train: Vec<f32>,
        classes: Vec<u32>,
        n_features: usize,
        n_classes: usize,
        k: usize,
    ) -> TractResult<Knn> {
        let m = classes.len();
        ensure!(n_features > 0 && m > 0, "kNN: no training rows or features");
        ensure!(
            train.len() == m.checked_mul(n_features).unwrap_or(usize::MAX),
            "kNN: {} training values for {m} rows of {n_features} features",
            train.len()
        );
        ensure!(k >= 1 && k <= m, "kNN: k = {k} with {m} training rows");
        ensure!(n_classes >= 1, "kNN: no classes");
        ensure!(
            classes.iter().all(|c| (*c as usize) < n_classes),
            "kNN: a training row's class is out of range"
        );
        Ok(Knn {
            train,
            classes,
            n_features,
            n_classes,
            k,
        })
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Class probabilities of `rows` rows of `x` (`[rows, n_features]`) into `out`
    /// (`[rows, n_classes]`).
    pub fn eval(&self, x: &[f32], rows: usize, out: &mut [f32]) -> TractResult<()> {
        let f = self.n_features;
        ensure!(
            x.len() == rows * f && out.len() == rows * self.n_classes,
            "kNN: input or output size does not match {rows} rows"
        );
        let m = self.classes.len();
        let mut dist: Vec<(f32, u32)> = Vec::with_capacity(m);
        let mut votes = vec![0u32; self.n_classes];
        for (r, (row, dst)) in x
            .chunks_exact(f)
            .zip(out.chunks_exact_mut(self.n_classes))
            .enumerate()
        {
            ensure!(
                row.iter().all(|v| !v.is_nan()),
                "kNN: row {r} has a missing (NaN) feature"
            );
            dist.clear();
            for (j, t) in self.train.chunks_exact(f).enumerate() {
                let mut s = 0f32;
                for (a, b) in row.iter().zip(t) {
                    let d = a - b;
                    s += d * d;
                }
                dist.push((s.sqrt(), j as u32));
            }
            // The k smallest, ties to the lower index (total order: no NaN here).
            let by = |a: &(f32, u32), b: &(f32, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if self.k < m {
                dist.select_nth_unstable_by(self.k - 1, by);
            }
            votes.iter_mut().for_each(|v| *v = 0);
            for (_, j) in &dist[..self.k] {
                votes[self.classes[*j as usize] as usize] += 1;
            }
            let total = self.k as f32;
            for (d, v) in dst.iter_mut().zip(&votes) {
                *d = *v as f32 / total;
            }
        }
        Ok(())
    }
}

/// The typed op: input `(N, F)` → class probabilities `(N, n_classes)` f32.
#[derive(Debug, Clone, PartialEq)]
pub struct KnnScores {
    pub knn: Knn,
}

impl std::hash::Hash for KnnScores {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.knn.classes.len().hash(state);
        self.knn.n_features.hash(state);
        self.knn.k.hash(state);
    }
}

impl Eq for KnnScores {}

impl Op for KnnScores {
    fn name(&self) -> StaticName {
        "MlcycleKnn".into()
    }
    op_as_typed_op!();
}

impl EvalOp for KnnScores {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let input = super::as_f32::as_f32(&input)?;
        let shape = input.shape();
        ensure!(shape.len() == 2, "kNN input must be rank 2, got {shape:?}");
        let rows = shape[0];
        let mut out = vec![0f32; rows * self.knn.n_classes];
        self.knn
            .eval(input.try_as_plain_ram()?.as_slice::<f32>()?, rows, &mut out)?;
        Ok(tvec!(Tensor::from_shape(
            &[rows, self.knn.n_classes],
            &out
        )?
        .into_tvalue()))
    }
}

impl TypedOp for KnnScores {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        ensure!(inputs[0].rank() == 2, "kNN input must be rank 2");
        if let Ok(f) = inputs[0].shape[1].to_usize() {
            ensure!(
                f == self.knn.n_features,
                "the kNN takes {} features, its input has {f}",
                self.knn.n_features
            );
        }
        Ok(tvec!(f32::fact([
            inputs[0].shape[0].clone(),
            self.knn.n_classes.to_dim()
        ])))
    }
    as_op!();
}

/// NNEF: `mlcycle_knn(input, train, classes, k, n_classes)`; `train` is `[m, F]` f32,
/// `classes` `[m]` u32.
pub fn register_nnef(registry: &mut Registry) {
    registry.register_primitive(
        "mlcycle_knn",
        &[
            TypeName::Scalar.tensor().named("input"),
            TypeName::Scalar.tensor().named("train"),
            TypeName::Scalar.tensor().named("classes"),
            TypeName::Integer.named("k"),
            TypeName::Integer.named("n_classes"),
        ],
        &[("output", TypeName::Scalar.tensor())],
        load,
    );
    // Dumpers only where NNEF is written: the slim build reads it, never writes it.
    #[cfg(feature = "nnef-writer")]
    registry.register_dumper(dump);
}

#[cfg(feature = "nnef-writer")]
fn dump(ast: &mut IntoAst, node: &TypedNode, op: &KnnScores) -> TractResult<Option<Arc<RValue>>> {
    let input = ast
        .mapping
        .get(&node.inputs[0])
        .cloned()
        .ok_or_else(|| format_err!("kNN input not serialized"))?;
    let knn = &op.knn;
    let m = knn.classes.len();
    let train = Tensor::from_shape(&[m, knn.n_features], &knn.train)?.into_arc_tensor();
    let train = ast.konst_variable(format!("{}_train", node.name), &train)?;
    let classes = ast.konst_variable(
        format!("{}_classes", node.name),
        &tensor1(&knn.classes).into_arc_tensor(),
    )?;
    Ok(Some(invocation(
        "mlcycle_knn",
        &[input, train, classes],
        &[("k", numeric(knn.k)), ("n_classes", numeric(knn.n_classes))],
    )))
}

fn load(builder: &mut ModelBuilder, invocation: &ResolvedInvocation) -> TractResult<Value> {
    let input = invocation.named_arg_as(builder, "input")?;
    let train: Arc<Tensor> = invocation.named_arg_as(builder, "train")?;
    let classes: Arc<Tensor> = invocation.named_arg_as(builder, "classes")?;
    let k: usize = invocation.named_arg_as(builder, "k")?;
    let n_classes: usize = invocation.named_arg_as(builder, "n_classes")?;
    ensure!(
        train.datum_type() == f32::datum_type() && train.rank() == 2,
        "kNN train: expected a rank-2 f32 tensor"
    );
    ensure!(
        classes.datum_type() == u32::datum_type() && classes.rank() == 1,
        "kNN classes: expected a rank-1 u32 tensor"
    );
    let knn = Knn::new(
        train.try_as_plain_ram()?.as_slice::<f32>()?.to_vec(),
        classes.try_as_plain_ram()?.as_slice::<u32>()?.to_vec(),
        train.shape()[1],
        n_classes,
        k,
    )?;
    builder.wire(KnnScores { knn }, &[input])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_with_ties_to_the_lower_index() {
        // Training rows on a line; x = 1.5 is equally far from rows 1 and 2.
        let knn = Knn::new(vec![0.0, 1.0, 2.0, 3.0], vec![0, 0, 1, 1], 1, 2, 3).unwrap();
        let mut out = vec![0f32; 2];
        knn.eval(&[1.5], 1, &mut out).unwrap();
        // Neighbours: rows 1, 2 (d = 0.5), then row 0 over row 3 (d = 1.5, lower index).
        assert_eq!(out, vec![2.0 / 3.0, 1.0 / 3.0]);
        assert!(knn.eval(&[f32::NAN], 1, &mut out).is_err());
        assert!(Knn::new(vec![0.0], vec![2], 1, 2, 1).is_err());
        assert!(Knn::new(vec![0.0], vec![0], 1, 1, 2).is_err());
    }
}
