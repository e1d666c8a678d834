//! `ai.onnx.ml` SVMClassifier and SVMRegressor, evaluated the way onnxruntime's CPU kernels do.
//!
//! Why our own: converters (skl2onnx, onnxmltools) emit these operators for scikit-learn's
//! `SVC`/`NuSVC`/`SVR`/`NuSVR`/`OneClassSVM` and libsvm models, and the reference everybody
//! exports against is onnxruntime, whose output differs from libsvm/scikit-learn in several
//! places (its own pairwise-coupling loop in `f32`, its binary score layouts, labels from
//! votes). This module reproduces onnxruntime, not libsvm. Plain Rust, no tract, no
//! allocation per row besides reusable scratch.
//!
//! Followed files (microsoft/onnxruntime, `onnxruntime/core/providers/cpu/ml/`):
//! `svmclassifier.cc` / `svmclassifier.h` (the shared `SVMCommon::batched_kernel_dot`),
//! `svmregressor.cc`, and `ml_common.h` (`multiclass_probability`, `sigmoid_probability`,
//! `ComputeLogistic`, `ComputeProbit`/`ErfInv`, `ComputeSoftmax`, `ComputeSoftmaxZero`,
//! `batched_update_scores_inplace`).
//!
//! # Modes
//! onnxruntime picks a mode from the attributes:
//! - **SVC mode** (classifier with `sum(vectors_per_class) > 0`, regressor with
//!   `n_supports > 0`): the kernel `K(x, sv)` is evaluated against every support vector.
//!   A classifier then forms one one-vs-one decision value per class pair `(i, j)`, `i < j`:
//!   `Σ_{m∈i} coef[j-1][m]·K_m + Σ_{m∈j} coef[i][m]·K_m + rho[pair]`, with `coefficients`
//!   laid out `[n_classes - 1, n_sv]` (libsvm's `sv_coef`). A regressor computes
//!   `Σ coef[m]·K_m + rho[0]`.
//! - **Linear mode** (no support vectors, what onnxruntime calls `SVM_LINEAR`/liblinear):
//!   `coefficients` are weights `[n_classes, n_features]` (regressor: `[n_features]`) and the
//!   kernel is forced to LINEAR whatever `kernel_type` says. Every class score is
//!   `x·w_c + rho[0]`: onnxruntime adds the *first* `rho` to every class, extra entries are
//!   ignored.
//!
//! # Kernels (`kernel_params = [gamma, coef0, degree]`)
//! LINEAR `x·sv`; POLY `(gamma·x·sv + coef0)^degree`; RBF `exp(-gamma·‖x - sv‖²)`;
//! SIGMOID `tanh(gamma·x·sv + coef0)`. All in `f32` like onnxruntime: its GEMM (LINEAR,
//! POLY, SIGMOID, linear mode, the regressor's `Σ coef·K`) accumulates with `f32` fused
//! multiply-adds, reproduced with `mul_add`; the RBF distance is a plain sequential `f32`
//! sum. The classifier's pair sums are the only `f64` accumulation (each product is rounded
//! to `f32` first, as in the C++). Measured against onnxruntime 1.32 on x86-64 this is bit
//! for bit, except where onnxruntime calls MLAS approximations: `tanh` of the SIGMOID kernel
//! (≤ 3e-7 relative here) and LOGISTIC post-transforms (≤ 1.2e-7).
//!
//! # The classifier's second output (scores / probabilities), row-major `[rows, n_outputs()]`
//! - SVC mode with `prob_a`/`prob_b` (Platt): width `n_classes`. Each pair's decision value
//!   `d` becomes `r_ij = clamp(1 - logistic(d·A + B), 1e-7, 1 - 1e-7)`, `r_ji = 1 - r_ij`,
//!   and onnxruntime's `multiclass_probability` (Wu, Lin & Weng pairwise coupling, in `f32`,
//!   at most 100 iterations, stop when the max error < 0.005 / n_classes) gives the
//!   probabilities. libsvm/scikit-learn run the same method in `f64` with
//!   `max(100, n_classes)` iterations, so their values differ slightly from onnxruntime's.
//!   `post_transform` is then applied to the probabilities (converters set NONE).
//! - SVC mode without probabilities, `n_classes > 2`: width `n_classes·(n_classes-1)/2`, the
//!   raw pair decision values in pair order (0,1), (0,2), …, (1,2), …, then `post_transform`
//!   over that row.
//! - SVC mode without probabilities, 2 classes: width 2, from the single decision value `d`:
//!   NONE → `[-d, d]`; LOGISTIC → `[logistic(-d), logistic(d)]`; SOFTMAX and SOFTMAX_ZERO →
//!   `[1 - d, d]` (no softmax at all); PROBIT → `[probit(d), ?]` where onnxruntime never
//!   writes the second column (uninitialised memory): we write `0.0` there. These rows were
//!   measured on onnxruntime 1.32.0 (`tests/data/interop/svm_extra.json`); the LOGISTIC one
//!   differs from the source of `svmclassifier.cc` / `ml_common.h` as indexed
//!   (`add_second_class = 0` there would give `[1 - d, d]`), so the measured behaviour wins.
//! - Linear mode: width `n_classes`, `x·w_c + rho[0]`, then `post_transform` (with a single
//!   class only PROBIT applies).
//!
//! `post_transform` over a row of ≥ 2 values is elementwise PROBIT / LOGISTIC, or SOFTMAX /
//! SOFTMAX_ZERO over the row. onnxruntime uses MLAS for LOGISTIC and, for rows of ≥ 5 values,
//! for SOFTMAX; those are polynomial approximations, here we use the exact formulas (the
//! difference is a few ulps).
//!
//! The regressor's output is `[rows, 1]`; onnxruntime reads but **ignores** its
//! `post_transform`; with `one_class` it maps `y > 0 → 1`, else `-1` (NaN → -1).
//!
//! # Labels (the classifier's first output): NOT always the argmax of the second output
//! [`Svm::eval_with_labels`] returns onnxruntime's label as an index into the model's class
//! labels. How onnxruntime chooses it:
//! - SVC mode, with or without probabilities: one-vs-one **votes**. For each pair `(i, j)` a
//!   vote goes to `i` if the (`f64`) decision value is `> 0`, else to `j`; the label is the
//!   class with most votes, ties to the lowest index. With probabilities this can differ from
//!   the argmax of the probabilities (libsvm's known predict / predict_proba disagreement:
//!   Platt scaling is fitted separately and the coupling is not monotone in the votes).
//!   For 2 classes without probabilities the output is `[-d, d]` while the label is class 0
//!   when `d > 0`: the label is the argmax of the *negated* scores, the opposite of argmax.
//! - Linear mode: the first argmax of the raw scores (before `post_transform`), except for
//!   2 classes without `prob_a`: if every coefficient is ≥ 0, class 1 when the max score is
//!   ≥ 0.5; with mixed signs, class 1 when the max score is > 0; otherwise the argmax.
//!
//! # Validation
//! The constructors check every length and count up front (a hostile model must give an
//! error, never a panic or an out-of-bounds read). Where onnxruntime reads a prefix of an
//! attribute (`rho`, `prob_a`, `prob_b`, the SVC-mode `coefficients`) longer attributes are
//! accepted and the extra values ignored, as onnxruntime does; arrays whose length defines
//! a dimension (`support_vectors`, linear-mode `coefficients`) must divide exactly. Unknown
//! `kernel_type` / `post_transform` strings are rejected (onnxruntime silently maps them to
//! SIGMOID / PROBIT). A classifier in SVC mode needs ≥ 2 classes (onnxruntime leaves its
//! output unwritten with one). The input width must equal the model's feature count
//! (onnxruntime's classifier does not check it).

use super::tree_ensemble::PostTransform;
use std::fmt;

/// Upper bound on the class count, as onnxruntime's SVMClassifier enforces.
const MAX_CLASSES: usize = 65_535;

/// SVM kernel, from the ONNX `kernel_type` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kernel {
    Linear,
    Poly,
    Rbf,
    Sigmoid,
}

impl Kernel {
    /// Parses the ONNX spelling (`LINEAR`, `POLY`, `RBF`, `SIGMOID`).
    pub fn parse(s: &str) -> Result<Kernel, String> {
        match s {
            "LINEAR" => Ok(Kernel::Linear),
            "POLY" => Ok(Kernel::Poly),
            "RBF" => Ok(Kernel::Rbf),
            "SIGMOID" => Ok(Kernel::Sigmoid),
            other => Err(format!(
                "SVM: unknown kernel_type {other:?} (expected LINEAR, POLY, RBF or SIGMOID)"
            )),
        }
    }

    /// The ONNX spelling.
    pub fn as_onnx_str(self) -> &'static str {
        match self {
            Kernel::Linear => "LINEAR",
            Kernel::Poly => "POLY",
            Kernel::Rbf => "RBF",
            Kernel::Sigmoid => "SIGMOID",
        }
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_onnx_str())
    }
}

/// The raw ONNX attributes of an SVMClassifier / SVMRegressor node, as read from the model.
/// Missing list attributes are empty vectors; missing strings are `None` (onnxruntime's
/// defaults: `kernel_type` LINEAR, `post_transform` NONE).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SvmAttrs {
    pub kernel_type: Option<String>,
    /// `[gamma, coef0, degree]`; empty means all zero.
    pub kernel_params: Vec<f32>,
    pub post_transform: Option<String>,
    pub support_vectors: Vec<f32>,
    pub coefficients: Vec<f32>,
    pub rho: Vec<f32>,
    /// Classifier only.
    pub prob_a: Vec<f32>,
    /// Classifier only.
    pub prob_b: Vec<f32>,
    /// Classifier only.
    pub vectors_per_class: Vec<i64>,
    /// Regressor only (required there).
    pub n_supports: Option<i64>,
    /// Regressor only; non-zero means one-class SVM.
    pub one_class: i64,
}

/// What the SVM predicts, with the attributes specific to that task.
#[derive(Clone, Debug, PartialEq)]
pub enum SvmTask {
    Classifier {
        /// Number of class labels (`classlabels_strings` or `classlabels_ints`).
        n_classes: usize,
        /// Support vectors per class, in class order; empty (or all zero) selects linear mode.
        vectors_per_class: Vec<usize>,
        /// Platt scaling slopes, one per class pair; empty for no probabilities.
        prob_a: Vec<f32>,
        /// Platt scaling offsets, same length as `prob_a`.
        prob_b: Vec<f32>,
    },
    Regressor {
        /// Number of support vectors; 0 selects linear mode.
        n_supports: usize,
        /// One-class SVM: the output is the sign of the decision value (±1).
        one_class: bool,
    },
}

/// Everything an [`Svm`] is made of, as plain vectors and enums, for storing a model and
/// rebuilding it with [`Svm::from_parts`] (which validates again).
#[derive(Clone, Debug, PartialEq)]
pub struct SvmParts {
    pub task: SvmTask,
    /// Kernel as onnxruntime uses it (LINEAR in linear mode, whatever the model said).
    pub kernel: Kernel,
    pub gamma: f32,
    pub coef0: f32,
    pub degree: f32,
    pub post_transform: PostTransform,
    /// Row-major `[n_sv, n_features]`; empty in linear mode.
    pub support_vectors: Vec<f32>,
    pub coefficients: Vec<f32>,
    pub rho: Vec<f32>,
}

/// How onnxruntime evaluates this model (derived from the parts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Classifier with support vectors; `proba` when `prob_a`/`prob_b` are given.
    ClassifierSvc {
        proba: bool,
    },
    /// Classifier without support vectors; `proba` only changes the binary label rule.
    ClassifierLinear {
        proba: bool,
    },
    RegressorSvc,
    RegressorLinear,
}

/// A validated SVMClassifier or SVMRegressor, ready to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct Svm {
    parts: SvmParts,
    mode: Mode,
    n_features: usize,
    /// Total number of support vectors (0 in linear mode).
    n_sv: usize,
    /// Classifier: number of classes; regressor: 1.
    n_classes: usize,
    /// Classifier SVC mode: index of each class's first support vector.
    starting_vector: Vec<usize>,
    /// Every coefficient ≥ 0 (onnxruntime's binary linear-mode label rule).
    weights_are_all_positive: bool,
}

impl Svm {
    /// Builds an SVMClassifier from its ONNX attributes; `n_classes` is the length of
    /// `classlabels_strings` or `classlabels_ints`.
    pub fn classifier(n_classes: usize, attrs: SvmAttrs) -> Result<Svm, String> {
        let (kernel, gamma, coef0, degree, post_transform) = common_attrs(&attrs)?;
        if attrs.n_supports.is_some() || attrs.one_class != 0 {
            return Err(
                "SVMClassifier: unexpected regressor attribute (n_supports or one_class)".into(),
            );
        }
        let vectors_per_class = attrs
            .vectors_per_class
            .iter()
            .map(|&v| {
                usize::try_from(v)
                    .map_err(|_| format!("SVMClassifier: negative vectors_per_class entry {v}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Svm::from_parts(SvmParts {
            task: SvmTask::Classifier {
                n_classes,
                vectors_per_class,
                prob_a: attrs.prob_a,
                prob_b: attrs.prob_b,
            },
            kernel,
            gamma,
            coef0,
            degree,
            post_transform,
            support_vectors: attrs.support_vectors,
            coefficients: attrs.coefficients,
            rho: attrs.rho,
        })
    }

    /// Builds an SVMRegressor from its ONNX attributes.
    pub fn regressor(attrs: SvmAttrs) -> Result<Svm, String> {
        let (kernel, gamma, coef0, degree, post_transform) = common_attrs(&attrs)?;
        if !attrs.prob_a.is_empty()
            || !attrs.prob_b.is_empty()
            || !attrs.vectors_per_class.is_empty()
        {
            return Err(
                "SVMRegressor: unexpected classifier attribute (prob_a, prob_b or vectors_per_class)".into(),
            );
        }
        let n_supports = attrs
            .n_supports
            .ok_or("SVMRegressor: missing attribute n_supports")?;
        let n_supports = usize::try_from(n_supports)
            .map_err(|_| format!("SVMRegressor: negative n_supports {n_supports}"))?;
        Svm::from_parts(SvmParts {
            task: SvmTask::Regressor {
                n_supports,
                one_class: attrs.one_class != 0,
            },
            kernel,
            gamma,
            coef0,
            degree,
            post_transform,
            support_vectors: attrs.support_vectors,
            coefficients: attrs.coefficients,
            rho: attrs.rho,
        })
    }

    /// Validates `parts` and derives what evaluation needs. After this, evaluation indexes
    /// only within the checked lengths.
    pub fn from_parts(mut parts: SvmParts) -> Result<Svm, String> {
        let what = match parts.task {
            SvmTask::Classifier { .. } => "SVMClassifier",
            SvmTask::Regressor { .. } => "SVMRegressor",
        };
        if parts.coefficients.is_empty() {
            return Err(format!("{what}: coefficients are empty"));
        }
        if parts.rho.is_empty() {
            return Err(format!("{what}: rho is empty"));
        }
        let weights_are_all_positive = parts.coefficients.iter().all(|&c| c >= 0.0);
        let n_coef = parts.coefficients.len();

        let (mode, n_classes, n_sv, starting_vector) = match &parts.task {
            SvmTask::Classifier {
                n_classes,
                vectors_per_class,
                prob_a,
                prob_b,
            } => {
                let n_classes = *n_classes;
                if n_classes == 0 {
                    return Err(format!("{what}: no class labels"));
                }
                if n_classes > MAX_CLASSES {
                    return Err(format!(
                        "{what}: {n_classes} classes, more than the {MAX_CLASSES} onnxruntime supports"
                    ));
                }
                if prob_a.len() != prob_b.len() {
                    return Err(format!(
                        "{what}: prob_a has {} values but prob_b has {}",
                        prob_a.len(),
                        prob_b.len()
                    ));
                }
                let proba = !prob_a.is_empty();
                let mut starting_vector = Vec::with_capacity(vectors_per_class.len());
                let mut n_sv = 0usize;
                for &v in vectors_per_class {
                    starting_vector.push(n_sv);
                    n_sv = n_sv
                        .checked_add(v)
                        .ok_or_else(|| format!("{what}: vectors_per_class overflows"))?;
                }
                if n_sv > 0 {
                    if vectors_per_class.len() != n_classes {
                        return Err(format!(
                            "{what}: vectors_per_class has {} entries for {n_classes} classes",
                            vectors_per_class.len()
                        ));
                    }
                    if n_classes < 2 {
                        return Err(format!("{what}: support vectors need at least 2 classes"));
                    }
                    let n_pairs = n_classes * (n_classes - 1) / 2;
                    let need_coef = (n_classes - 1)
                        .checked_mul(n_sv)
                        .ok_or_else(|| format!("{what}: coefficient count overflows"))?;
                    if n_coef < need_coef {
                        return Err(format!(
                            "{what}: {n_coef} coefficients, expected (n_classes - 1) × n_sv = {need_coef}"
                        ));
                    }
                    if parts.rho.len() < n_pairs {
                        return Err(format!(
                            "{what}: {} rho values, expected one per class pair ({n_pairs})",
                            parts.rho.len()
                        ));
                    }
                    if proba && prob_a.len() < n_pairs {
                        return Err(format!(
                            "{what}: {} prob_a/prob_b values, expected one per class pair ({n_pairs})",
                            prob_a.len()
                        ));
                    }
                    (
                        Mode::ClassifierSvc { proba },
                        n_classes,
                        n_sv,
                        starting_vector,
                    )
                } else {
                    (Mode::ClassifierLinear { proba }, n_classes, 0, Vec::new())
                }
            }
            SvmTask::Regressor { n_supports, .. } => {
                if *n_supports > 0 {
                    if n_coef < *n_supports {
                        return Err(format!(
                            "{what}: {n_coef} coefficients for {n_supports} support vectors"
                        ));
                    }
                    (Mode::RegressorSvc, 1, *n_supports, Vec::new())
                } else {
                    (Mode::RegressorLinear, 1, 0, Vec::new())
                }
            }
        };

        let n_features = if n_sv > 0 {
            let n_values = parts.support_vectors.len();
            if n_values == 0 || !n_values.is_multiple_of(n_sv) {
                return Err(format!(
                    "{what}: {n_values} support vector values are not a multiple of the {n_sv} support vectors"
                ));
            }
            n_values / n_sv
        } else {
            if !parts.support_vectors.is_empty() {
                return Err(format!(
                    "{what}: support_vectors given but no support vector counted (vectors_per_class / n_supports)"
                ));
            }
            // onnxruntime forces the LINEAR kernel when there are no support vectors.
            parts.kernel = Kernel::Linear;
            match mode {
                Mode::ClassifierLinear { .. } => {
                    if !n_coef.is_multiple_of(n_classes) {
                        return Err(format!(
                            "{what}: {n_coef} coefficients are not a multiple of the {n_classes} classes (linear mode)"
                        ));
                    }
                    n_coef / n_classes
                }
                _ => n_coef,
            }
        };

        if n_features == 0 {
            // Unreachable with the checks above; kept so evaluation can rely on it.
            return Err(format!("{what}: no features"));
        }

        Ok(Svm {
            parts,
            mode,
            n_features,
            n_sv,
            n_classes,
            starting_vector,
            weights_are_all_positive,
        })
    }

    /// The parts this model was built from (after normalisation: LINEAR kernel in linear mode),
    /// for serialisation; [`Svm::from_parts`] rebuilds an identical model.
    pub fn parts(&self) -> &SvmParts {
        &self.parts
    }

    /// Consumes the model and returns its parts.
    #[allow(dead_code)] // for callers that take the model apart
    pub fn into_parts(self) -> SvmParts {
        self.parts
    }

    /// Number of input features per row.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Number of classes for a classifier, `None` for a regressor.
    pub fn n_classes(&self) -> Option<usize> {
        match self.parts.task {
            SvmTask::Classifier { .. } => Some(self.n_classes),
            SvmTask::Regressor { .. } => None,
        }
    }

    /// Width of the float output per row (onnxruntime's shape `[rows, n_outputs()]`):
    /// `n_classes` with probabilities or in linear mode, `n_classes·(n_classes-1)/2` raw
    /// pair scores for an SVC without probabilities and more than 2 classes, 2 for a binary
    /// SVC without probabilities, 1 for a regressor.
    pub fn n_outputs(&self) -> usize {
        match self.mode {
            Mode::ClassifierSvc { proba: false } if self.n_classes > 2 => self.n_pairs(),
            Mode::ClassifierSvc { proba: false } => 2,
            Mode::ClassifierSvc { proba: true } | Mode::ClassifierLinear { .. } => self.n_classes,
            Mode::RegressorSvc | Mode::RegressorLinear => 1,
        }
    }

    fn n_pairs(&self) -> usize {
        self.n_classes * (self.n_classes - 1) / 2
    }

    /// Evaluates `rows` rows of `x` (row-major `[rows, n_features()]`) into `out`
    /// (cleared, then `[rows, n_outputs()]`): the classifier's second output or the
    /// regressor's output, as onnxruntime returns them. Labels: see [`Svm::eval_with_labels`].
    pub fn eval(&self, x: &[f32], rows: usize, out: &mut Vec<f32>) -> Result<(), String> {
        self.run(x, rows, out, None)
    }

    /// Like [`Svm::eval`], and also fills `labels` (cleared, then one per row for a
    /// classifier, empty for a regressor) with onnxruntime's label as an index into the
    /// class labels. This is NOT always the argmax of `out` (see the module documentation:
    /// SVC mode labels come from one-vs-one votes; for a binary SVC without probabilities
    /// the label is class 0 when the decision value is positive, while `out` is `[-d, d]`).
    #[allow(dead_code)] // onnxruntime's own labels: pinned by the tests
    pub fn eval_with_labels(
        &self,
        x: &[f32],
        rows: usize,
        out: &mut Vec<f32>,
        labels: &mut Vec<usize>,
    ) -> Result<(), String> {
        self.run(x, rows, out, Some(labels))
    }

    fn run(
        &self,
        x: &[f32],
        rows: usize,
        out: &mut Vec<f32>,
        mut labels: Option<&mut Vec<usize>>,
    ) -> Result<(), String> {
        let expected = rows
            .checked_mul(self.n_features)
            .ok_or("SVM: input size overflows")?;
        if x.len() != expected {
            return Err(format!(
                "SVM: input has {} values, expected {rows} rows × {} features",
                x.len(),
                self.n_features
            ));
        }
        let width = self.n_outputs();
        out.clear();
        out.resize(
            rows.checked_mul(width)
                .ok_or("SVM: output size overflows")?,
            0.0,
        );
        if let Some(l) = labels.as_deref_mut() {
            l.clear();
            if self.n_classes().is_some() {
                l.reserve(rows);
            }
        }
        if rows == 0 {
            return Ok(());
        }

        let mut scratch = Scratch::new(self);
        for (row, dst) in x
            .chunks_exact(self.n_features)
            .zip(out.chunks_exact_mut(width))
        {
            let label = self.eval_row(row, dst, &mut scratch);
            if let (Some(l), Some(label)) = (labels.as_deref_mut(), label) {
                l.push(label);
            }
        }
        Ok(())
    }

    /// One row into `dst` (`n_outputs()` values); returns the label index for classifiers.
    fn eval_row(&self, x: &[f32], dst: &mut [f32], s: &mut Scratch) -> Option<usize> {
        let p = &self.parts;
        match self.mode {
            Mode::RegressorLinear => {
                let y = linear_dot(x, &p.coefficients[..self.n_features], p.rho[0]);
                dst[0] = self.one_class(y);
                None
            }
            Mode::RegressorSvc => {
                self.kernels(x, &mut s.kernels);
                // Second GEMM of svmregressor.cc: f32 FMA dot of kernels and coefficients,
                // + rho[0].
                let y = dot(&s.kernels, &p.coefficients[..self.n_sv]);
                dst[0] = self.one_class(y + p.rho[0]);
                None
            }
            Mode::ClassifierLinear { proba } => {
                let rho0 = p.rho[0];
                let weights = p.coefficients[..self.n_classes * self.n_features]
                    .chunks_exact(self.n_features);
                for (d, w) in dst.iter_mut().zip(weights) {
                    *d = linear_dot(x, w, rho0);
                }
                let (max_class, max_weight) = first_argmax(dst);
                let label = if self.n_classes == 2 && !proba {
                    if (self.weights_are_all_positive && max_weight >= 0.5)
                        || (max_weight > 0.0 && !self.weights_are_all_positive)
                    {
                        1
                    } else {
                        max_class
                    }
                } else {
                    max_class
                };
                post_transform_row(p.post_transform, dst);
                Some(label)
            }
            Mode::ClassifierSvc { proba } => {
                self.kernels(x, &mut s.kernels);
                s.votes.iter_mut().for_each(|v| *v = 0);
                let n_pairs = self.n_pairs();
                let scores: &mut [f32] = if proba {
                    &mut s.pair_scores[..n_pairs]
                } else {
                    &mut dst[..n_pairs]
                };
                self.pair_scores(&s.kernels, scores, &mut s.votes);
                let label = first_argmax_votes(&s.votes);

                if proba {
                    self.probabilities(
                        &s.pair_scores[..n_pairs],
                        &mut s.probsp2,
                        &mut s.q,
                        &mut s.qp,
                        dst,
                    );
                    post_transform_row(p.post_transform, dst);
                } else if self.n_classes > 2 {
                    post_transform_row(p.post_transform, dst);
                } else {
                    // Binary without probabilities: one decision value expanded to two
                    // columns (batched_update_scores_inplace with one score per row). The
                    // LOGISTIC row is what onnxruntime 1.32 returns (measured, see the
                    // module documentation), not what its add_second_class = 0 reading gives.
                    let d = dst[0];
                    let (a, b) = match p.post_transform {
                        PostTransform::None => (-d, d),
                        PostTransform::Logistic => (compute_logistic(-d), compute_logistic(d)),
                        PostTransform::Softmax | PostTransform::SoftmaxZero => (1.0 - d, d),
                        // onnxruntime leaves the second slot unwritten here.
                        PostTransform::Probit => (compute_probit(d), 0.0),
                    };
                    dst[0] = a;
                    dst[1] = b;
                }
                Some(label)
            }
        }
    }

    fn one_class(&self, y: f32) -> f32 {
        match self.parts.task {
            SvmTask::Regressor {
                one_class: true, ..
            } => {
                if y > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
            _ => y,
        }
    }

    /// `SVMCommon::batched_kernel_dot` against every support vector (scalar C = 0).
    fn kernels(&self, x: &[f32], out: &mut [f32]) {
        let p = &self.parts;
        let svs = p.support_vectors.chunks_exact(self.n_features);
        match p.kernel {
            Kernel::Rbf => {
                for (o, sv) in out.iter_mut().zip(svs) {
                    let mut sum = 0.0f32;
                    for (a, b) in x.iter().zip(sv) {
                        let v = a - b;
                        sum += v * v;
                    }
                    *o = (-p.gamma * sum).exp();
                }
            }
            Kernel::Linear => {
                for (o, sv) in out.iter_mut().zip(svs) {
                    *o = dot(x, sv);
                }
            }
            Kernel::Poly => {
                for (o, sv) in out.iter_mut().zip(svs) {
                    let v = gemm_alpha_c(dot(x, sv), p.gamma, p.coef0);
                    *o = if p.degree == 2.0 {
                        v * v
                    } else if p.degree == 3.0 {
                        v * v * v
                    } else {
                        v.powf(p.degree)
                    };
                }
            }
            Kernel::Sigmoid => {
                for (o, sv) in out.iter_mut().zip(svs) {
                    *o = gemm_alpha_c(dot(x, sv), p.gamma, p.coef0).tanh();
                }
            }
        }
    }

    /// One-vs-one decision values (pair order (0,1), (0,2), …) and votes, as
    /// svmclassifier.cc: `f32` products accumulated in `f64`, plus `rho[pair]`.
    fn pair_scores(&self, kernels: &[f32], scores: &mut [f32], votes: &mut [u64]) {
        let p = &self.parts;
        let SvmTask::Classifier {
            vectors_per_class, ..
        } = &p.task
        else {
            return;
        };
        let k = self.n_classes;
        let n_sv = self.n_sv;
        let mut pair = 0usize;
        for i in 0..k.saturating_sub(1) {
            let start_i = self.starting_vector[i];
            let count_i = vectors_per_class[i];
            let kern_i = &kernels[start_i..start_i + count_i];
            for j in (i + 1)..k {
                let start_j = self.starting_vector[j];
                let count_j = vectors_per_class[j];
                let kern_j = &kernels[start_j..start_j + count_j];
                let coef_ji = &p.coefficients[n_sv * (j - 1) + start_i..][..count_i];
                let coef_ij = &p.coefficients[n_sv * i + start_j..][..count_j];
                let mut sum = 0.0f64;
                for (c, kv) in coef_ji.iter().zip(kern_i) {
                    sum += f64::from(c * kv);
                }
                for (c, kv) in coef_ij.iter().zip(kern_j) {
                    sum += f64::from(c * kv);
                }
                sum += f64::from(p.rho[pair]);
                scores[pair] = sum as f32;
                votes[if sum > 0.0 { i } else { j }] += 1;
                pair += 1;
            }
        }
    }

    /// Platt-scaled pairwise probabilities, then onnxruntime's `multiclass_probability`.
    fn probabilities(
        &self,
        pair_scores: &[f32],
        r: &mut [f32],
        q: &mut [f32],
        qp: &mut [f32],
        out: &mut [f32],
    ) {
        let SvmTask::Classifier { prob_a, prob_b, .. } = &self.parts.task else {
            return;
        };
        let k = self.n_classes;
        r.iter_mut().for_each(|v| *v = 0.0);
        let mut pair = 0usize;
        for i in 0..k.saturating_sub(1) {
            for j in (i + 1)..k {
                let val1 = sigmoid_probability(pair_scores[pair], prob_a[pair], prob_b[pair]);
                // clamp, not max/min: like std::max/std::min it keeps a NaN.
                let val2 = val1.clamp(1.0e-7, 1.0 - 1.0e-7);
                r[i * k + j] = val2;
                r[j * k + i] = 1.0 - val2;
                pair += 1;
            }
        }
        multiclass_probability(k, r, q, qp, out);
    }
}

/// Per-call scratch buffers, sized once.
struct Scratch {
    kernels: Vec<f32>,
    votes: Vec<u64>,
    pair_scores: Vec<f32>,
    probsp2: Vec<f32>,
    q: Vec<f32>,
    qp: Vec<f32>,
}

impl Scratch {
    fn new(svm: &Svm) -> Scratch {
        let (votes, pairs, k2, k) = match svm.mode {
            Mode::ClassifierSvc { proba: true } => {
                let k = svm.n_classes;
                (k, svm.n_pairs(), k * k, k)
            }
            Mode::ClassifierSvc { proba: false } => (svm.n_classes, 0, 0, 0),
            _ => (0, 0, 0, 0),
        };
        Scratch {
            kernels: vec![0.0; svm.n_sv],
            votes: vec![0; votes],
            pair_scores: vec![0.0; pairs],
            probsp2: vec![0.0; k2],
            q: vec![0.0; k2],
            qp: vec![0.0; k],
        }
    }
}

/// The `f32` dot product of onnxruntime's GEMM: MLAS SGEMM kernels (x86-64 FMA3/AVX-512,
/// ARM64 NEON) accumulate each output with a chain of fused multiply-adds along K, so a
/// sequential `mul_add` chain reproduces them bit for bit (K up to MLAS's K-block of a few
/// hundred; beyond, MLAS adds block partial sums and the result can differ by an ulp).
/// `mul_add` is exactly rounded everywhere (a libm call where the target has no FMA, e.g.
/// wasm: slower, same result).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        s = x.mul_add(*y, s);
    }
    s
}

/// The GEMM of a linear-mode model: `x·w`, plus `c` when `c != 0` (onnxruntime passes no C
/// matrix when the scalar is zero).
fn linear_dot(x: &[f32], w: &[f32], c: f32) -> f32 {
    let d = dot(x, w);
    if c != 0.0 {
        d + c
    } else {
        d
    }
}

/// POLY / SIGMOID GEMM: `alpha·(x·sv) + c` (one FMA, as MLAS applies alpha and adds C),
/// C omitted when `c == 0`.
fn gemm_alpha_c(d: f32, alpha: f32, c: f32) -> f32 {
    if c != 0.0 {
        alpha.mul_add(d, c)
    } else {
        alpha * d
    }
}

/// `std::max_element` semantics: first maximum, NaN never replaces the current best.
fn first_argmax(v: &[f32]) -> (usize, f32) {
    let mut best = 0usize;
    let mut best_v = v.first().copied().unwrap_or(0.0);
    for (i, &x) in v.iter().enumerate().skip(1) {
        if best_v < x {
            best = i;
            best_v = x;
        }
    }
    (best, best_v)
}

/// Class with most votes, ties to the lowest index (`std::max_element`).
fn first_argmax_votes(v: &[u64]) -> usize {
    let mut best = 0usize;
    let mut best_v = v.first().copied().unwrap_or(0);
    for (i, &x) in v.iter().enumerate().skip(1) {
        if best_v < x {
            best = i;
            best_v = x;
        }
    }
    best
}

/// `post_transform` over one row of `batch_size = row.len()` scores, as
/// `batched_update_scores_inplace` with `add_second_class = -1`: with one score only
/// PROBIT applies.
fn post_transform_row(t: PostTransform, row: &mut [f32]) {
    if row.len() < 2 {
        if t == PostTransform::Probit {
            row.iter_mut().for_each(|v| *v = compute_probit(*v));
        }
        return;
    }
    match t {
        PostTransform::None => {}
        PostTransform::Probit => row.iter_mut().for_each(|v| *v = compute_probit(*v)),
        PostTransform::Logistic => row.iter_mut().for_each(|v| *v = compute_logistic(*v)),
        PostTransform::Softmax => compute_softmax(row),
        PostTransform::SoftmaxZero => compute_softmax_zero(row),
    }
}

fn compute_logistic(val: f32) -> f32 {
    let v = 1.0 / (1.0 + (-val.abs()).exp());
    if val < 0.0 {
        1.0 - v
    } else {
        v
    }
}

fn erf_inv(x: f32) -> f32 {
    let sgn = if x < 0.0 { -1.0f32 } else { 1.0 };
    let x = (1.0 - x) * (1.0 + x);
    let log = x.ln();
    let v = 2.0 / (std::f32::consts::PI * 0.147) + 0.5 * log;
    let v2 = 1.0 / 0.147f32 * log;
    let v3 = -v + (v * v - v2).sqrt();
    sgn * v3.sqrt()
}

fn compute_probit(val: f32) -> f32 {
    std::f32::consts::SQRT_2 * erf_inv(2.0 * val - 1.0)
}

fn sigmoid_probability(score: f32, proba: f32, probb: f32) -> f32 {
    let val = score * proba + probb;
    1.0 - compute_logistic(val)
}

fn compute_softmax(values: &mut [f32]) {
    let mut v_max = -f32::MAX;
    for &v in values.iter() {
        if v > v_max {
            v_max = v;
        }
    }
    let mut sum = 0.0f32;
    for v in values.iter_mut() {
        *v = (*v - v_max).exp();
        sum += *v;
    }
    for v in values.iter_mut() {
        *v /= sum;
    }
}

/// Softmax that leaves (near-)zero scores out of the sum (scaled by `exp(-max)` instead).
fn compute_softmax_zero(values: &mut [f32]) {
    let mut v_max = -f32::MAX;
    for &v in values.iter() {
        if v > v_max {
            v_max = v;
        }
    }
    let exp_neg_v_max = (-v_max).exp();
    let mut sum = 0.0f32;
    for v in values.iter_mut() {
        if *v > 0.000_000_1 || *v < -0.000_000_1 {
            *v = (*v - v_max).exp();
            sum += *v;
        } else {
            *v *= exp_neg_v_max;
        }
    }
    for v in values.iter_mut() {
        *v /= sum;
    }
}

/// onnxruntime's `multiclass_probability` (ml_common.h): pairwise coupling of Wu, Lin & Weng
/// (<https://www.csie.ntu.edu.tw/~cjlin/papers/svmprob/svmprob.pdf>, method 2) in `f32`,
/// at most 100 iterations, stopping when the max error < 0.005 / k. `r` is `[k, k]` with
/// `r[i][j]` the probability of `i` over `j`; `q` is `[k, k]` and `qp` `[k]` scratch; the
/// result goes to `p[..k]`. All slices were sized from the validated class count.
fn multiclass_probability(k: usize, r: &[f32], q: &mut [f32], qp: &mut [f32], p: &mut [f32]) {
    q.iter_mut().for_each(|v| *v = 0.0);
    qp.iter_mut().for_each(|v| *v = 0.0);
    let kf = k as f32;
    let eps = 0.005f32 / kf;
    for i in 0..k {
        p[i] = 1.0 / kf;
        for j in 0..i {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = q[j * k + i];
        }
        for j in (i + 1)..k {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = -r[j * k + i] * r[i * k + j];
        }
    }
    for _ in 0..100 {
        // stopping condition, recalculate Qp, pQp for numerical accuracy
        let mut pqp = 0.0f32;
        for i in 0..k {
            qp[i] = 0.0;
            for j in 0..k {
                qp[i] += q[i * k + j] * p[j];
            }
            pqp += p[i] * qp[i];
        }
        let mut max_error = 0.0f32;
        for &qpi in qp.iter().take(k) {
            let error = (qpi - pqp).abs();
            if error > max_error {
                max_error = error;
            }
        }
        if max_error < eps {
            break;
        }
        for i in 0..k {
            let qii = q[i * k + i];
            let diff = (-qp[i] + pqp) / qii;
            p[i] += diff;
            pqp = (pqp + diff * (diff * qii + 2.0 * qp[i])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[i * k + j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
}

/// Kernel, `[gamma, coef0, degree]` and post transform, shared by both operators.
fn common_attrs(attrs: &SvmAttrs) -> Result<(Kernel, f32, f32, f32, PostTransform), String> {
    let kernel = Kernel::parse(attrs.kernel_type.as_deref().unwrap_or("LINEAR"))?;
    let post = PostTransform::parse(attrs.post_transform.as_deref().unwrap_or("NONE"))?;
    let (gamma, coef0, degree) = match attrs.kernel_params.as_slice() {
        [] => (0.0, 0.0, 0.0),
        [g, c, d, ..] => (*g, *c, *d),
        short => {
            return Err(format!(
                "SVM: kernel_params has {} values, expected [gamma, coef0, degree]",
                short.len()
            ))
        }
    };
    Ok((kernel, gamma, coef0, degree, post))
}

#[cfg(test)]
mod tests {
    use super::*;
    // The fixtures are the workspace's (tests/data/interop/, from tools/).
    use serde_json::Value;

    const SVC_ATTRS: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/interop/svc_svm_attrs.json"
    ));
    const SVC_INPUT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/interop/svc_input.csv"
    ));
    const SVC_ORT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/interop/svc_ort.csv"
    ));
    const EXTRA: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/interop/svm_extra.json"
    ));

    fn f32s(v: &Value) -> Vec<f32> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|x| x.as_f64().unwrap_or(f64::NAN) as f32)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn i64s(v: &Value) -> Vec<i64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    }

    fn attrs_from_json(a: &Value) -> SvmAttrs {
        SvmAttrs {
            kernel_type: a["kernel_type"].as_str().map(str::to_owned),
            kernel_params: f32s(&a["kernel_params"]),
            post_transform: a["post_transform"].as_str().map(str::to_owned),
            support_vectors: f32s(&a["support_vectors"]),
            coefficients: f32s(&a["coefficients"]),
            rho: f32s(&a["rho"]),
            prob_a: f32s(&a["prob_a"]),
            prob_b: f32s(&a["prob_b"]),
            vectors_per_class: i64s(&a["vectors_per_class"]),
            n_supports: a["n_supports"].as_i64(),
            one_class: a["one_class"].as_i64().unwrap_or(0),
        }
    }

    /// Same value, or both NaN (onnxruntime's PROBIT of a score outside [0, 1]; `null` in JSON).
    fn diff(a: f32, b: f32) -> f32 {
        if a.is_nan() && b.is_nan() {
            0.0
        } else if a.is_nan() || b.is_nan() {
            f32::INFINITY
        } else {
            (a - b).abs()
        }
    }

    #[test]
    fn hand_computed_linear_kernel_binary() {
        // SVs (1,0) for class 0 and (0,1) for class 1, coefficients [0.5, -0.5], rho 0.25.
        let svm = Svm::classifier(
            2,
            SvmAttrs {
                kernel_type: Some("LINEAR".into()),
                kernel_params: vec![0.0, 0.0, 0.0],
                support_vectors: vec![1.0, 0.0, 0.0, 1.0],
                coefficients: vec![0.5, -0.5],
                rho: vec![0.25],
                vectors_per_class: vec![1, 1],
                ..SvmAttrs::default()
            },
        )
        .unwrap();
        assert_eq!(svm.n_outputs(), 2);
        assert_eq!(svm.n_features(), 2);
        let (mut out, mut labels) = (Vec::new(), Vec::new());
        // x=(2,1): d = 0.5·2 - 0.5·1 + 0.25 = 0.75 > 0 → vote class 0, output [-d, d].
        // x=(0,2): d = -1 + 0.25 = -0.75 → class 1.
        svm.eval_with_labels(&[2.0, 1.0, 0.0, 2.0], 2, &mut out, &mut labels)
            .unwrap();
        assert_eq!(out, vec![-0.75, 0.75, 0.75, -0.75]);
        assert_eq!(labels, vec![0, 1]);
    }

    #[test]
    fn hand_computed_regressors() {
        // Linear mode: y = 1·1 + 2·1 + 0.5.
        let lin = Svm::regressor(SvmAttrs {
            kernel_type: Some("RBF".into()),
            kernel_params: vec![1.0, 0.0, 0.0],
            coefficients: vec![1.0, 2.0],
            rho: vec![0.5],
            n_supports: Some(0),
            ..SvmAttrs::default()
        })
        .unwrap();
        assert_eq!(lin.parts().kernel, Kernel::Linear);
        let mut out = Vec::new();
        lin.eval(&[1.0, 1.0], 1, &mut out).unwrap();
        assert_eq!(out, vec![3.5]);
        // POLY degree 2: (0.5·(1·1 + 1·2) + 1)² = 6.25; y = 2·6.25 - 1 = 11.5.
        let poly = Svm::regressor(SvmAttrs {
            kernel_type: Some("POLY".into()),
            kernel_params: vec![0.5, 1.0, 2.0],
            support_vectors: vec![1.0, 1.0],
            coefficients: vec![2.0],
            rho: vec![-1.0],
            n_supports: Some(1),
            ..SvmAttrs::default()
        })
        .unwrap();
        poly.eval(&[1.0, 2.0], 1, &mut out).unwrap();
        assert_eq!(out, vec![11.5]);
        let mut parts = poly.parts().clone();
        parts.task = SvmTask::Regressor {
            n_supports: 1,
            one_class: true,
        };
        let one = Svm::from_parts(parts).unwrap();
        // x=(-1,-1): (0.5·(-2) + 1)² = 0, y = -1.
        one.eval(&[1.0, 2.0, -1.0, -1.0], 2, &mut out).unwrap();
        assert_eq!(out, vec![1.0, -1.0]);
    }

    #[test]
    fn rejects_hostile_attributes() {
        let good = || SvmAttrs {
            kernel_type: Some("RBF".into()),
            kernel_params: vec![0.5, 0.0, 3.0],
            support_vectors: vec![1.0, 0.0, 0.0, 1.0, 1.0, 1.0],
            coefficients: vec![0.5, -0.5, 1.0, 0.25, 0.5, -1.0],
            rho: vec![0.1, 0.2, 0.3],
            prob_a: vec![-1.0, -2.0, -3.0],
            prob_b: vec![0.0, 0.1, 0.2],
            vectors_per_class: vec![1, 1, 1],
            ..SvmAttrs::default()
        };
        assert!(Svm::classifier(3, good()).is_ok());
        let cases: Vec<(&str, usize, SvmAttrs)> = vec![
            ("no classes", 0, good()),
            ("vpc length", 2, good()),
            (
                "negative vpc",
                3,
                SvmAttrs {
                    vectors_per_class: vec![1, -1, 3],
                    ..good()
                },
            ),
            (
                "sv count",
                3,
                SvmAttrs {
                    vectors_per_class: vec![1, 1, 2],
                    ..good()
                },
            ),
            (
                "sv values",
                3,
                SvmAttrs {
                    support_vectors: vec![1.0; 5],
                    ..good()
                },
            ),
            (
                "coefficients",
                3,
                SvmAttrs {
                    coefficients: vec![1.0; 5],
                    ..good()
                },
            ),
            (
                "rho",
                3,
                SvmAttrs {
                    rho: vec![0.1, 0.2],
                    ..good()
                },
            ),
            (
                "prob_b",
                3,
                SvmAttrs {
                    prob_b: vec![0.0],
                    ..good()
                },
            ),
            (
                "prob pairs",
                3,
                SvmAttrs {
                    prob_a: vec![1.0],
                    prob_b: vec![1.0],
                    ..good()
                },
            ),
            (
                "kernel",
                3,
                SvmAttrs {
                    kernel_type: Some("CUBIC".into()),
                    ..good()
                },
            ),
            (
                "kernel_params",
                3,
                SvmAttrs {
                    kernel_params: vec![0.5, 1.0],
                    ..good()
                },
            ),
            (
                "post",
                3,
                SvmAttrs {
                    post_transform: Some("EXP".into()),
                    ..good()
                },
            ),
            (
                "empty coefficients",
                3,
                SvmAttrs {
                    coefficients: vec![],
                    ..good()
                },
            ),
            (
                "empty rho",
                3,
                SvmAttrs {
                    rho: vec![],
                    ..good()
                },
            ),
            (
                "sv without count",
                3,
                SvmAttrs {
                    vectors_per_class: vec![],
                    ..good()
                },
            ),
            (
                "linear not divisible",
                3,
                SvmAttrs {
                    vectors_per_class: vec![],
                    support_vectors: vec![],
                    coefficients: vec![1.0; 7],
                    ..good()
                },
            ),
            (
                "one class with svs",
                1,
                SvmAttrs {
                    vectors_per_class: vec![3],
                    ..good()
                },
            ),
            ("too many classes", 70_000, good()),
            (
                "n_supports on classifier",
                3,
                SvmAttrs {
                    n_supports: Some(3),
                    ..good()
                },
            ),
            (
                "one_class on classifier",
                3,
                SvmAttrs {
                    one_class: 1,
                    ..good()
                },
            ),
        ];
        for (name, k, attrs) in cases {
            let err = Svm::classifier(k, attrs);
            assert!(err.is_err(), "{name} accepted");
        }
        let reg = || SvmAttrs {
            kernel_type: Some("RBF".into()),
            kernel_params: vec![0.5, 0.0, 3.0],
            support_vectors: vec![1.0, 0.0, 0.0, 1.0],
            coefficients: vec![0.5, -0.5],
            rho: vec![0.1],
            n_supports: Some(2),
            ..SvmAttrs::default()
        };
        assert!(Svm::regressor(reg()).is_ok());
        for (name, attrs) in [
            (
                "missing n_supports",
                SvmAttrs {
                    n_supports: None,
                    ..reg()
                },
            ),
            (
                "negative n_supports",
                SvmAttrs {
                    n_supports: Some(-2),
                    ..reg()
                },
            ),
            (
                "coefficients",
                SvmAttrs {
                    coefficients: vec![0.5],
                    ..reg()
                },
            ),
            (
                "sv values",
                SvmAttrs {
                    support_vectors: vec![1.0; 3],
                    ..reg()
                },
            ),
            (
                "empty rho",
                SvmAttrs {
                    rho: vec![],
                    ..reg()
                },
            ),
            (
                "prob_a",
                SvmAttrs {
                    prob_a: vec![1.0],
                    prob_b: vec![1.0],
                    ..reg()
                },
            ),
            (
                "linear with svs",
                SvmAttrs {
                    n_supports: Some(0),
                    ..reg()
                },
            ),
        ] {
            assert!(Svm::regressor(attrs).is_err(), "{name} accepted");
        }
        // Input of the wrong width is an error, not a panic.
        let svm = Svm::regressor(reg()).unwrap();
        let mut out = Vec::new();
        assert!(svm.eval(&[1.0, 2.0, 3.0], 1, &mut out).is_err());
        assert!(svm.eval(&[1.0, 2.0], 2, &mut out).is_err());
        assert!(svm.eval(&[], 0, &mut out).is_ok() && out.is_empty());
    }

    #[test]
    fn parts_round_trip() {
        let a: Value = serde_json::from_str(SVC_ATTRS).unwrap();
        let k = a["svm"]["n_classes"].as_u64().unwrap() as usize;
        let svm = Svm::classifier(k, attrs_from_json(&a["svm"])).unwrap();
        let back = Svm::from_parts(svm.parts().clone()).unwrap();
        assert_eq!(back, svm);
        assert_eq!(Svm::from_parts(svm.clone().into_parts()).unwrap(), svm);
        assert_eq!(
            Kernel::parse(svm.parts().kernel.as_onnx_str()),
            Ok(Kernel::Rbf)
        );
        for t in [
            PostTransform::None,
            PostTransform::Logistic,
            PostTransform::Softmax,
            PostTransform::SoftmaxZero,
            PostTransform::Probit,
        ] {
            assert_eq!(PostTransform::parse(t.as_onnx_str()), Ok(t));
        }
    }

    /// Pipeline(StandardScaler, SVC(probability=True)) on the penguins test rows, against
    /// onnxruntime's recorded outputs.
    #[test]
    fn penguins_svc_matches_onnxruntime() {
        let a: Value = serde_json::from_str(SVC_ATTRS).unwrap();
        let offset = f32s(&a["scaler"]["offset"]);
        let scale = f32s(&a["scaler"]["scale"]);
        let names: Vec<&str> = a["svm"]["classlabels_strings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let svm = Svm::classifier(names.len(), attrs_from_json(&a["svm"])).unwrap();
        assert_eq!(svm.n_outputs(), 3);

        let mut x = Vec::new();
        for line in SVC_INPUT.lines().skip(1).filter(|l| !l.is_empty()) {
            for (j, f) in line.split(',').enumerate() {
                let v: f32 = f.parse().unwrap();
                x.push((v - offset[j]) * scale[j]); // ai.onnx.ml Scaler, in f32
            }
        }
        let rows = x.len() / 4;
        let (mut out, mut labels) = (Vec::new(), Vec::new());
        svm.eval_with_labels(&x, rows, &mut out, &mut labels)
            .unwrap();

        let mut max_diff = 0.0f32;
        let mut argmax_disagrees = Vec::new();
        let ort_lines: Vec<&str> = SVC_ORT.lines().skip(1).filter(|l| !l.is_empty()).collect();
        assert_eq!(ort_lines.len(), rows);
        for (r, line) in ort_lines.iter().enumerate() {
            let mut fields = line.split(',');
            let label = fields.next().unwrap();
            let probs: Vec<f32> = fields.map(|f| f.parse().unwrap()).collect();
            let ours = &out[r * 3..r * 3 + 3];
            for (o, p) in ours.iter().zip(&probs) {
                max_diff = max_diff.max(diff(*o, *p));
            }
            assert_eq!(names[labels[r]], label, "row {r}: label");
            if names[first_argmax(ours).0] != label {
                argmax_disagrees.push(r);
            }
        }
        eprintln!("penguins svc: max |Δp| = {max_diff:e}, rows where ORT label != argmax p: {argmax_disagrees:?}");
        assert!(max_diff <= 1e-5, "max diff {max_diff}");
        assert!(argmax_disagrees.is_empty(), "rows {argmax_disagrees:?}");
    }

    /// Small single-node cases generated by `tests/data/interop/make_svm_extra.py`.
    #[test]
    fn extra_cases_match_onnxruntime() {
        let d: Value = serde_json::from_str(EXTRA).unwrap();
        let cases = d["cases"].as_array().unwrap();
        assert!(cases.len() >= 10);
        let mut worst = 0.0f32;
        for c in cases {
            let name = c["name"].as_str().unwrap();
            let attrs = attrs_from_json(&c["attrs"]);
            let svm = match c["op"].as_str().unwrap() {
                "SVMClassifier" => {
                    Svm::classifier(c["attrs"]["n_classes"].as_u64().unwrap() as usize, attrs)
                }
                _ => Svm::regressor(attrs),
            }
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let rows = c["rows"].as_u64().unwrap() as usize;
            let x = f32s(&c["inputs"]);
            let want = f32s(&c["ort_output"]);
            let width = c["ort_output_width"].as_u64().unwrap() as usize;
            assert_eq!(svm.n_outputs(), width, "{name}: width");
            assert_eq!(svm.n_features(), c["n_features"].as_u64().unwrap() as usize);
            let (mut out, mut labels) = (Vec::new(), Vec::new());
            svm.eval_with_labels(&x, rows, &mut out, &mut labels)
                .unwrap();
            assert_eq!(out.len(), want.len(), "{name}");
            let columns: Vec<usize> = match c.get("compare_columns") {
                Some(cols) => i64s(cols).into_iter().map(|v| v as usize).collect(),
                None => (0..width).collect(),
            };
            let mut case_max = 0.0f32;
            for r in 0..rows {
                for &j in &columns {
                    let (o, w) = (out[r * width + j], want[r * width + j]);
                    let e = diff(o, w) / w.abs().max(1.0);
                    assert!(e <= 1e-5, "{name}: row {r} col {j}: ours {o} ort {w}");
                    case_max = case_max.max(e);
                }
            }
            if let Some(want_labels) = c.get("ort_labels") {
                let want_labels: Vec<usize> =
                    i64s(want_labels).into_iter().map(|v| v as usize).collect();
                assert_eq!(labels, want_labels, "{name}: labels");
                let not_argmax = (0..rows)
                    .filter(|&r| first_argmax(&out[r * width..(r + 1) * width]).0 != labels[r])
                    .count();
                eprintln!("{name}: max rel |Δ| = {case_max:e}, label != argmax on {not_argmax}/{rows} rows");
            } else {
                assert!(labels.is_empty());
                eprintln!("{name}: max rel |Δ| = {case_max:e}");
            }
            worst = worst.max(case_max);
        }
        eprintln!("extra cases: worst |Δ| = {worst:e}");
    }
}
