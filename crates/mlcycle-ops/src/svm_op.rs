//! The SVM as a tract operator ([`SvmScores`]: input `(N, F)` → `(N, outputs)` f32, evaluated
//! by [`super::svm`]) and its NNEF primitive `mlcycle_svm`, so SVMs load in both builds and
//! survive the precompiled form bit for bit.
//!
//! NNEF form: `mlcycle_svm(input, support_vectors, coefficients, rho, prob_a, prob_b,
//! vectors_per_class, task, n_classes, n_supports, one_class, kernel, gamma, coef0, degree,
//! post_transform)`; the arrays are f32 tensors (`vectors_per_class` i64), the rest scalar
//! attributes. The loader rebuilds the model through [`Svm::from_parts`], the constructor
//! the ONNX parser uses, which validates every length (a hostile file is refused at load).

use super::svm::{Kernel, Svm, SvmParts, SvmTask};
use super::tree_ensemble::PostTransform;
use tract_nnef::internal::*;

/// The typed op.
#[derive(Debug, Clone, PartialEq)]
pub struct SvmScores {
    pub svm: Svm,
}

impl std::hash::Hash for SvmScores {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // The shape is enough for tract's op dedup; equality compares everything.
        let p = self.svm.parts();
        p.support_vectors.len().hash(state);
        p.coefficients.len().hash(state);
        self.svm.n_outputs().hash(state);
    }
}

impl Eq for SvmScores {}

impl Op for SvmScores {
    fn name(&self) -> StaticName {
        "MlcycleSvm".into()
    }
    op_as_typed_op!();
}

impl EvalOp for SvmScores {
    op_out_of_plan!();

    fn eval(&self, _ctx: &EvalContext, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = args_1!(inputs);
        let input = super::as_f32::as_f32(&input)?;
        let shape = input.shape();
        let rows = match shape.len() {
            1 => 1,
            2 => shape[0],
            _ => bail!("SVM input must be rank 1 or 2, got shape {shape:?}"),
        };
        let mut out = Vec::new();
        self.svm
            .eval(input.try_as_plain_ram()?.as_slice::<f32>()?, rows, &mut out)
            .map_err(|e| format_err!("{e}"))?;
        let t = Tensor::from_shape(&[rows, self.svm.n_outputs()], &out)?;
        Ok(tvec!(t.into_tvalue()))
    }
}

impl TypedOp for SvmScores {
    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        let fact = inputs[0];
        let (n, f) = match fact.rank() {
            2 => (fact.shape[0].clone(), fact.shape[1].clone()),
            1 => (1.to_dim(), fact.shape[0].clone()),
            r => bail!("SVM input must be rank 1 or 2, got rank {r}"),
        };
        if let Ok(f) = f.to_usize() {
            ensure!(
                f == self.svm.n_features(),
                "the SVM takes {} features, its input has {f}",
                self.svm.n_features()
            );
        }
        Ok(tvec!(f32::fact([n, self.svm.n_outputs().to_dim()])))
    }
    as_op!();
}

/// Registers `mlcycle_svm` (loader and dumper) in mlcycle's NNEF registry.
pub fn register_nnef(registry: &mut Registry) {
    registry.register_primitive(
        "mlcycle_svm",
        &[
            TypeName::Scalar.tensor().named("input"),
            TypeName::Scalar.tensor().named("support_vectors"),
            TypeName::Scalar.tensor().named("coefficients"),
            TypeName::Scalar.tensor().named("rho"),
            TypeName::Scalar.tensor().named("prob_a"),
            TypeName::Scalar.tensor().named("prob_b"),
            TypeName::Scalar.tensor().named("vectors_per_class"),
            TypeName::String.named("task"),
            TypeName::Integer.named("n_classes"),
            TypeName::Integer.named("n_supports"),
            TypeName::Logical.named("one_class"),
            TypeName::String.named("kernel"),
            TypeName::Scalar.named("gamma"),
            TypeName::Scalar.named("coef0"),
            TypeName::Scalar.named("degree"),
            TypeName::String.named("post_transform"),
        ],
        &[("output", TypeName::Scalar.tensor())],
        load,
    );
    // Dumpers only where NNEF is written: the slim build reads it, never writes it.
    #[cfg(feature = "nnef-writer")]
    registry.register_dumper(dump);
}

#[cfg(feature = "nnef-writer")]
fn dump(ast: &mut IntoAst, node: &TypedNode, op: &SvmScores) -> TractResult<Option<Arc<RValue>>> {
    let input = ast
        .mapping
        .get(&node.inputs[0])
        .cloned()
        .ok_or_else(|| format_err!("SVM input not serialized"))?;
    let p = op.svm.parts();
    let (task, n_classes, vpc, prob_a, prob_b, n_supports, one_class) = match &p.task {
        SvmTask::Classifier {
            n_classes,
            vectors_per_class,
            prob_a,
            prob_b,
        } => (
            "classifier",
            *n_classes,
            vectors_per_class
                .iter()
                .map(|v| *v as i64)
                .collect::<Vec<i64>>(),
            prob_a.clone(),
            prob_b.clone(),
            0,
            false,
        ),
        SvmTask::Regressor {
            n_supports,
            one_class,
        } => (
            "regressor",
            0,
            vec![],
            vec![],
            vec![],
            *n_supports,
            *one_class,
        ),
    };
    let name = &node.name;
    let mut konst = |suffix: &str, t: Tensor| {
        ast.konst_variable(format!("{name}_{suffix}"), &t.into_arc_tensor())
    };
    let sv = konst("support_vectors", tensor1(&p.support_vectors))?;
    let coefficients = konst("coefficients", tensor1(&p.coefficients))?;
    let rho = konst("rho", tensor1(&p.rho))?;
    let prob_a = konst("prob_a", tensor1(&prob_a))?;
    let prob_b = konst("prob_b", tensor1(&prob_b))?;
    let vpc = konst("vectors_per_class", tensor1(&vpc))?;
    Ok(Some(invocation(
        "mlcycle_svm",
        &[input, sv, coefficients, rho, prob_a, prob_b, vpc],
        &[
            ("task", string(task)),
            ("n_classes", numeric(n_classes)),
            ("n_supports", numeric(n_supports)),
            ("one_class", logical(one_class)),
            ("kernel", string(p.kernel.as_onnx_str())),
            ("gamma", numeric(p.gamma)),
            ("coef0", numeric(p.coef0)),
            ("degree", numeric(p.degree)),
            ("post_transform", string(p.post_transform.as_onnx_str())),
        ],
    )))
}

fn floats(t: &Tensor, what: &str) -> TractResult<Vec<f32>> {
    ensure!(
        t.datum_type() == f32::datum_type() && t.rank() == 1,
        "{what}: expected a rank-1 f32 tensor, found {:?} {:?}",
        t.datum_type(),
        t.shape()
    );
    Ok(t.try_as_plain_ram()?.as_slice::<f32>()?.to_vec())
}

fn load(builder: &mut ModelBuilder, invocation: &ResolvedInvocation) -> TractResult<Value> {
    let input = invocation.named_arg_as(builder, "input")?;
    let mut arg =
        |name: &str| -> TractResult<Arc<Tensor>> { invocation.named_arg_as(builder, name) };
    let support_vectors = floats(&*arg("support_vectors")?, "support_vectors")?;
    let coefficients = floats(&*arg("coefficients")?, "coefficients")?;
    let rho = floats(&*arg("rho")?, "rho")?;
    let prob_a = floats(&*arg("prob_a")?, "prob_a")?;
    let prob_b = floats(&*arg("prob_b")?, "prob_b")?;
    let vpc_t = arg("vectors_per_class")?;
    ensure!(
        vpc_t.datum_type() == i64::datum_type() && vpc_t.rank() == 1,
        "vectors_per_class: expected a rank-1 i64 tensor"
    );
    let vectors_per_class = vpc_t
        .try_as_plain_ram()?
        .as_slice::<i64>()?
        .iter()
        .map(|v| usize::try_from(*v).map_err(|_| format_err!("negative vectors_per_class")))
        .collect::<TractResult<Vec<usize>>>()?;
    let task: String = invocation.named_arg_as(builder, "task")?;
    let n_classes: usize = invocation.named_arg_as(builder, "n_classes")?;
    let n_supports: usize = invocation.named_arg_as(builder, "n_supports")?;
    let one_class: bool = invocation.named_arg_as(builder, "one_class")?;
    let kernel: String = invocation.named_arg_as(builder, "kernel")?;
    let gamma: f32 = invocation.named_arg_as(builder, "gamma")?;
    let coef0: f32 = invocation.named_arg_as(builder, "coef0")?;
    let degree: f32 = invocation.named_arg_as(builder, "degree")?;
    let post: String = invocation.named_arg_as(builder, "post_transform")?;
    let task = match task.as_str() {
        "classifier" => SvmTask::Classifier {
            n_classes,
            vectors_per_class,
            prob_a,
            prob_b,
        },
        "regressor" => SvmTask::Regressor {
            n_supports,
            one_class,
        },
        other => bail!("unknown SVM task {other:?}"),
    };
    let svm = Svm::from_parts(SvmParts {
        task,
        kernel: Kernel::parse(&kernel).map_err(|e| format_err!("{e}"))?,
        gamma,
        coef0,
        degree,
        post_transform: PostTransform::parse(&post).map_err(|e| format_err!("{e}"))?,
        support_vectors,
        coefficients,
        rho,
    })
    .map_err(|e| format_err!("{e}"))?;
    builder.wire(SvmScores { svm }, &[input])
}
