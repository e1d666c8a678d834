//! Classification and regression metrics with scikit-learn's definitions and edge-case
//! conventions (sklearn 1.9.1; checked by tests/python/test_metrics_oracle.py and
//! tests/validation_metrics.rs).
//!
//! Inputs are plain slices: class indices into `labels` for the truth, row-major probabilities
//! (`rows × labels.len()`, widened to f64) for the scores. Everything is deterministic and
//! panic-free; undefined values are `None` (JSON `null`), as sklearn's NaN.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Options of the metric computations.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricOptions {
    /// Value of precision/recall/F1 when its denominator is zero (sklearn's `zero_division`,
    /// 0 or 1; sklearn's default `"warn"` behaves as 0 and warns, here listed in
    /// `zeroDivision`).
    pub zero_division: f64,
    /// Reliability bins (`calibration_curve(n_bins=…, strategy="uniform")`).
    pub calibration_bins: usize,
    /// Include ROC curve points.
    pub roc_curves: bool,
}

impl Default for MetricOptions {
    fn default() -> Self {
        MetricOptions {
            zero_division: 0.0,
            calibration_bins: 10,
            roc_curves: true,
        }
    }
}

/// Precision, recall, F1 and counts of one class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassMetrics {
    /// tp / (tp + fp); `zero_division` when nothing was predicted as this class.
    pub precision: f64,
    /// tp / (tp + fn); `zero_division` when the class has no true samples.
    pub recall: f64,
    /// 2·tp / (2·tp + fp + fn) (sklearn's form); `zero_division` when both are zero.
    pub f1: f64,
    /// Number of true samples of the class.
    pub support: u64,
    /// Number of samples predicted as the class.
    pub predicted: u64,
    /// One-vs-rest ROC AUC of the class; `null` when the holdout has no positive or no negative.
    pub roc_auc: Option<f64>,
}

/// A metric that hit a zero denominator and was set to `zero_division` (sklearn's
/// `UndefinedMetricWarning`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ZeroDivision {
    /// `precision`, `recall` or `f1`.
    pub metric: String,
    /// The class.
    pub label: String,
    /// Why it is ill-defined.
    pub reason: String,
}

/// ROC curve of one class (one-vs-rest), as `sklearn.metrics.roc_curve(drop_intermediate=True)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RocCurve {
    /// The positive class.
    pub label: String,
    /// False-positive rates (`null` everywhere when there is no negative sample).
    pub fpr: Vec<Option<f64>>,
    /// True-positive rates (`null` everywhere when there is no positive sample).
    pub tpr: Vec<Option<f64>>,
    /// Decision thresholds, decreasing; the first is +∞, serialized as `null`.
    pub thresholds: Vec<Option<f64>>,
}

/// Precision–recall curve of one class (one-vs-rest), as
/// `sklearn.metrics.precision_recall_curve(drop_intermediate=False)`, with its average precision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrCurve {
    /// The positive class.
    pub label: String,
    /// Precision per point, recall decreasing; the last point is (recall 0, precision 1).
    pub precision: Vec<f64>,
    /// Recall per point, decreasing to 0 (all 1 when the class has no true sample, as sklearn).
    pub recall: Vec<f64>,
    /// Thresholds, increasing (one fewer than the points).
    pub thresholds: Vec<f64>,
    /// `average_precision_score`: Σ (Rₙ − Rₙ₋₁)·Pₙ; `null` without a true sample of the class
    /// (sklearn warns and returns 0 there: a meaningless value is not reported as one).
    pub average_precision: Option<f64>,
}

/// One reliability bin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalibrationBin {
    /// Lower edge (inclusive except for the first bin, see docs/validation.md).
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Samples whose probability fell in the bin.
    pub count: u64,
    /// Mean predicted probability (`prob_pred`); `null` for an empty bin.
    pub mean_predicted: Option<f64>,
    /// Fraction of positives (`prob_true`); `null` for an empty bin.
    pub fraction_positive: Option<f64>,
}

/// Reliability curve of one class.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassCalibration {
    /// The positive class.
    pub label: String,
    /// `nBins` bins, empty ones included (sklearn returns only the non-empty ones).
    pub bins: Vec<CalibrationBin>,
    /// Expected calibration error: Σ count/n · |fractionPositive − meanPredicted|.
    pub ece: Option<f64>,
}

/// Reliability diagrams (`sklearn.calibration.calibration_curve`, uniform strategy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calibration {
    /// Number of bins.
    pub n_bins: usize,
    /// Always `uniform`.
    pub strategy: String,
    /// Binary: the positive class only; multiclass: every class, one-vs-rest.
    pub classes: Vec<ClassCalibration>,
}

/// Classification metrics of a labelled set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClassificationMetrics {
    /// Rows evaluated.
    pub rows: u64,
    /// Class labels, in the model's output order (indices of `confusionMatrix`).
    pub labels: Vec<String>,
    /// Fraction of rows whose argmax is the true class.
    pub accuracy: f64,
    /// Mean recall over the classes present in the truth (sklearn drops the others).
    pub balanced_accuracy: f64,
    /// Unweighted mean over the labels present in the truth or the predictions (sklearn's
    /// default `labels=None`): a slice of one island where every row is one species correctly
    /// predicted scores 1, not 1/3 — classes it cannot contain do not count as failures.
    pub precision_macro: f64,
    /// Unweighted mean over the labels present (as `precisionMacro`).
    pub recall_macro: f64,
    /// Unweighted mean over the labels present (as `precisionMacro`).
    pub f1_macro: f64,
    /// Mean weighted by support.
    pub precision_weighted: f64,
    /// Mean weighted by support.
    pub recall_weighted: f64,
    /// Mean weighted by support.
    pub f1_weighted: f64,
    /// Cross-entropy; probabilities clipped to [ε, 1−ε], ε = f64 machine epsilon, not
    /// renormalized (sklearn 1.9.1 on float64 input).
    pub log_loss: f64,
    /// Binary: mean (1[y = positive] − p_positive)²; multiclass: mean Σ_c (1[y = c] − p_c)²
    /// (sklearn `brier_score_loss`, `scale_by_half="auto"`).
    pub brier_score: f64,
    /// Binary: ROC AUC of the positive class (`labels[1]`); multiclass: one-vs-rest macro
    /// average. `null` when a class has no positive or no negative sample (sklearn: NaN).
    pub roc_auc_ovr: Option<f64>,
    /// Counts, rows = true class, columns = predicted class, in `labels` order.
    pub confusion_matrix: Vec<Vec<u64>>,
    /// Per-class metrics keyed by label.
    pub per_class: BTreeMap<String, ClassMetrics>,
    /// Metrics that hit a zero denominator (set to `zero_division`).
    pub zero_division: Vec<ZeroDivision>,
    /// ROC curves (binary: positive class; multiclass: every class), when requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roc_curves: Vec<RocCurve>,
    /// Precision–recall curves of the same classes, when ROC curves are requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pr_curves: Vec<PrCurve>,
    /// Reliability bins.
    pub calibration: Calibration,
}

/// Regression metrics of a labelled set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegressionMetrics {
    /// Rows evaluated.
    pub rows: u64,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Coefficient of determination; a constant truth gives 1.0 when predicted exactly, else 0.0
    /// (sklearn's `force_finite=True`).
    pub r2: f64,
    /// Largest absolute error.
    pub max_error: f64,
}

/// Index of the largest value (first on ties; NaN never wins), like numpy's argmax on finite rows.
pub fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in row.iter().enumerate() {
        let b = row.get(best).copied().unwrap_or(f64::NAN);
        if *x > b || b.is_nan() {
            best = i;
        }
    }
    best
}

fn ratio(num: f64, den: f64) -> Option<f64> {
    if den == 0.0 {
        None
    } else {
        Some(num / den)
    }
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        s += x;
        n += 1;
    }
    if n == 0 {
        f64::NAN
    } else {
        s / n as f64
    }
}

fn check_shapes(labels: &[String], y_true: &[usize], proba: &[f64]) -> Result<usize> {
    let k = labels.len();
    if k < 2 {
        return Err(Error::invalid_argument(
            "labels",
            format!("a classifier needs at least 2 labels, got {k}"),
        ));
    }
    if y_true.is_empty() {
        return Err(Error::invalid_argument("labels", "no rows to evaluate"));
    }
    if proba.len() != y_true.len().saturating_mul(k) {
        return Err(Error::InputShape {
            expected: format!("{} rows × {k} probabilities", y_true.len()),
            actual: format!("{} values", proba.len()),
        });
    }
    if let Some(bad) = y_true.iter().find(|y| **y >= k) {
        return Err(Error::invalid_argument(
            "labels",
            format!("class index {bad} is out of range for {k} labels"),
        ));
    }
    if proba.iter().any(|p| !p.is_finite()) {
        return Err(Error::invalid_argument(
            "probabilities",
            "contain NaN or infinite values",
        ));
    }
    Ok(k)
}

/// Every classification metric of `rows = y_true.len()` rows.
pub fn classification_metrics(
    labels: &[String],
    y_true: &[usize],
    proba: &[f64],
    options: &MetricOptions,
) -> Result<ClassificationMetrics> {
    let k = check_shapes(labels, y_true, proba)?;
    if options.zero_division != 0.0 && options.zero_division != 1.0 {
        return Err(Error::invalid_argument("zeroDivision", "must be 0 or 1"));
    }
    let n = y_true.len();
    let rows: Vec<&[f64]> = proba.chunks(k).collect();
    let y_pred: Vec<usize> = rows.iter().map(|r| argmax(r)).collect();
    let mut cm = vec![vec![0u64; k]; k];
    for (t, p) in y_true.iter().zip(&y_pred) {
        if let Some(c) = cm.get_mut(*t).and_then(|row| row.get_mut(*p)) {
            *c += 1;
        }
    }
    let correct: u64 = (0..k).map(|c| cm[c][c]).sum();
    let accuracy = correct as f64 / n as f64;
    let support: Vec<u64> = cm.iter().map(|r| r.iter().sum()).collect();
    let predicted: Vec<u64> = (0..k).map(|c| cm.iter().map(|r| r[c]).sum()).collect();

    // balanced accuracy: sklearn's confusion matrix over the labels present in y_true ∪ y_pred,
    // recall per row, NaN rows (absent from y_true) dropped.
    let recalls_present: Vec<f64> = (0..k)
        .filter(|c| support[*c] > 0)
        .map(|c| cm[c][c] as f64 / support[c] as f64)
        .collect();
    let balanced_accuracy = mean(recalls_present.iter().copied());

    let zd = options.zero_division;
    let mut zero_division = Vec::new();
    let mut per_class = BTreeMap::new();
    let (mut p_all, mut r_all, mut f_all) = (Vec::new(), Vec::new(), Vec::new());
    let present: Vec<bool> = (0..k).map(|c| support[c] + predicted[c] > 0).collect();
    for c in 0..k {
        let tp = cm[c][c] as f64;
        let label = labels[c].clone();
        let precision = ratio(tp, predicted[c] as f64).unwrap_or_else(|| {
            zero_division.push(ZeroDivision {
                metric: "precision".into(),
                label: label.clone(),
                reason: "no sample was predicted as this class".into(),
            });
            zd
        });
        let recall = ratio(tp, support[c] as f64).unwrap_or_else(|| {
            zero_division.push(ZeroDivision {
                metric: "recall".into(),
                label: label.clone(),
                reason: "the class has no true sample".into(),
            });
            zd
        });
        let f1 = ratio(2.0 * tp, (support[c] + predicted[c]) as f64).unwrap_or_else(|| {
            zero_division.push(ZeroDivision {
                metric: "f1".into(),
                label: label.clone(),
                reason: "the class is neither true nor predicted".into(),
            });
            zd
        });
        p_all.push(precision);
        r_all.push(recall);
        f_all.push(f1);
        per_class.insert(
            label,
            ClassMetrics {
                precision,
                recall,
                f1,
                support: support[c],
                predicted: predicted[c],
                roc_auc: None,
            },
        );
    }
    let macro_mean =
        |v: &[f64]| -> f64 { mean(v.iter().zip(&present).filter(|(_, p)| **p).map(|(x, _)| *x)) };
    let weighted = |v: &[f64]| -> f64 {
        let total: u64 = support.iter().sum();
        if total == 0 {
            return zd;
        }
        v.iter()
            .zip(&support)
            .map(|(x, w)| x * *w as f64)
            .sum::<f64>()
            / total as f64
    };

    // log loss (true-class term only: xlogy(0, ·) = 0)
    let eps = f64::EPSILON;
    let log_loss = -mean(
        y_true
            .iter()
            .zip(&rows)
            .map(|(t, r)| r.get(*t).copied().unwrap_or(0.0).clamp(eps, 1.0 - eps).ln()),
    );

    // Brier
    let brier_score = if k == 2 {
        mean(y_true.iter().zip(&rows).map(|(t, r)| {
            let y = if *t == 1 { 1.0 } else { 0.0 };
            let p = r.get(1).copied().unwrap_or(0.0);
            (y - p) * (y - p)
        }))
    } else {
        mean(y_true.iter().zip(&rows).map(|(t, r)| {
            r.iter()
                .enumerate()
                .map(|(c, p)| {
                    let y = if c == *t { 1.0 } else { 0.0 };
                    (y - p) * (y - p)
                })
                .sum::<f64>()
        }))
    };

    // ROC
    let classes: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
    let mut roc_curves = Vec::new();
    let mut pr_curves = Vec::new();
    let mut aucs = Vec::new();
    let mut calib = Vec::new();
    for &c in &classes {
        let truth: Vec<bool> = y_true.iter().map(|t| *t == c).collect();
        let score: Vec<f64> = rows
            .iter()
            .map(|r| r.get(c).copied().unwrap_or(0.0))
            .collect();
        let curve = roc_curve(&truth, &score);
        let auc = roc_auc(&truth, &curve);
        aucs.push(auc);
        if let Some(m) = per_class.get_mut(&labels[c]) {
            m.roc_auc = auc;
        }
        if options.roc_curves {
            roc_curves.push(RocCurve {
                label: labels[c].clone(),
                fpr: curve.fpr.iter().map(|x| finite(*x)).collect(),
                tpr: curve.tpr.iter().map(|x| finite(*x)).collect(),
                thresholds: curve.thresholds.iter().map(|x| finite(*x)).collect(),
            });
            pr_curves.push(pr_curve(&labels[c], &truth, &score));
        }
        calib.push(calibration_curve(
            &labels[c],
            &truth,
            &score,
            options.calibration_bins,
        )?);
    }
    if k == 2 {
        // the negative class's AUC, for perClass completeness (not part of the average)
        let truth: Vec<bool> = y_true.iter().map(|t| *t == 0).collect();
        let score: Vec<f64> = rows
            .iter()
            .map(|r| r.first().copied().unwrap_or(0.0))
            .collect();
        let auc = roc_auc(&truth, &roc_curve(&truth, &score));
        if let Some(m) = per_class.get_mut(&labels[0]) {
            m.roc_auc = auc;
        }
    }
    let roc_auc_ovr = if aucs.iter().all(Option::is_some) {
        Some(mean(aucs.iter().flatten().copied()))
    } else {
        None
    };

    Ok(ClassificationMetrics {
        rows: n as u64,
        labels: labels.to_vec(),
        accuracy,
        balanced_accuracy,
        precision_macro: macro_mean(&p_all),
        recall_macro: macro_mean(&r_all),
        f1_macro: macro_mean(&f_all),
        precision_weighted: weighted(&p_all),
        recall_weighted: weighted(&r_all),
        f1_weighted: weighted(&f_all),
        log_loss,
        brier_score,
        roc_auc_ovr,
        confusion_matrix: cm,
        per_class,
        zero_division,
        roc_curves,
        pr_curves,
        calibration: Calibration {
            n_bins: options.calibration_bins,
            strategy: "uniform".into(),
            classes: calib,
        },
    })
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Raw ROC curve points (NaN rates when a side is empty, +∞ first threshold).
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// False-positive rates.
    pub fpr: Vec<f64>,
    /// True-positive rates.
    pub tpr: Vec<f64>,
    /// Thresholds, decreasing, `+∞` first.
    pub thresholds: Vec<f64>,
}

/// `sklearn.metrics.roc_curve(truth, score, drop_intermediate=True)`: one point per distinct
/// score (ties grouped), collinear intermediate points dropped, `(0, 0)` at threshold +∞ first.
pub fn roc_curve(truth: &[bool], score: &[f64]) -> Curve {
    let (mut tps, mut fps, mut thr) = binary_clf_curve(truth, score);
    if fps.len() > 2 {
        let m = fps.len();
        let keep: Vec<usize> = (0..m)
            .filter(|i| {
                *i == 0
                    || *i == m - 1
                    || (fps[i + 1] - 2.0 * fps[*i] + fps[i - 1]) != 0.0
                    || (tps[i + 1] - 2.0 * tps[*i] + tps[i - 1]) != 0.0
            })
            .collect();
        fps = keep.iter().map(|i| fps[*i]).collect();
        tps = keep.iter().map(|i| tps[*i]).collect();
        thr = keep.iter().map(|i| thr[*i]).collect();
    }
    fps.insert(0, 0.0);
    tps.insert(0, 0.0);
    thr.insert(0, f64::INFINITY);
    let fmax = fps.last().copied().unwrap_or(0.0);
    let tmax = tps.last().copied().unwrap_or(0.0);
    Curve {
        fpr: fps
            .iter()
            .map(|f| if fmax <= 0.0 { f64::NAN } else { f / fmax })
            .collect(),
        tpr: tps
            .iter()
            .map(|t| if tmax <= 0.0 { f64::NAN } else { t / tmax })
            .collect(),
        thresholds: thr,
    }
}

/// sklearn's `_binary_clf_curve`: cumulative true and false positives at each distinct score,
/// scores decreasing (ties grouped), stable order.
fn binary_clf_curve(truth: &[bool], score: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut order: Vec<usize> = (0..score.len()).collect();
    // stable sort by decreasing score (numpy argsort(stable=True, descending=True))
    order.sort_by(|a, b| {
        let (x, y) = (score[*b], score[*a]);
        x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut tps = Vec::new();
    let mut fps = Vec::new();
    let mut thr = Vec::new();
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    for (i, idx) in order.iter().enumerate() {
        if truth.get(*idx).copied().unwrap_or(false) {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        let s = score[*idx];
        let last = i + 1 == order.len();
        let next_differs = order.get(i + 1).is_some_and(|j| score[*j] != s);
        if last || next_differs {
            tps.push(tp);
            fps.push(fp);
            thr.push(s);
        }
    }
    (tps, fps, thr)
}

/// `sklearn.metrics.precision_recall_curve(truth, score)` and `average_precision_score`.
pub fn pr_curve(label: &str, truth: &[bool], score: &[f64]) -> PrCurve {
    let (tps, fps, thr) = binary_clf_curve(truth, score);
    let total = tps.last().copied().unwrap_or(0.0);
    let mut precision: Vec<f64> = tps
        .iter()
        .zip(&fps)
        .rev()
        .map(|(t, f)| if t + f != 0.0 { t / (t + f) } else { 0.0 })
        .collect();
    let mut recall: Vec<f64> = tps
        .iter()
        .rev()
        .map(|t| if total == 0.0 { 1.0 } else { t / total })
        .collect();
    precision.push(1.0);
    recall.push(0.0);
    // -Σ diff(recall) · precision[:-1]
    let average_precision = (total > 0.0).then(|| {
        -recall
            .windows(2)
            .zip(&precision)
            .map(|(r, p)| (r[1] - r[0]) * p)
            .sum::<f64>()
    });
    PrCurve {
        label: label.to_string(),
        precision,
        recall,
        thresholds: thr.into_iter().rev().collect(),
        average_precision,
    }
}

/// Area under the ROC curve by the trapezoidal rule (ties contribute a diagonal segment, i.e.
/// half credit); `None` unless both classes are present (sklearn: NaN + warning).
pub fn roc_auc(truth: &[bool], curve: &Curve) -> Option<f64> {
    let pos = truth.iter().filter(|t| **t).count();
    if pos == 0 || pos == truth.len() {
        return None;
    }
    let area: f64 = curve
        .fpr
        .windows(2)
        .zip(curve.tpr.windows(2))
        .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
        .sum();
    Some(area)
}

/// Most calibration bins [`calibration_curve`] accepts (far more than a holdout can fill).
pub const MAX_CALIBRATION_BINS: usize = 10_000;

/// `calibration_curve(truth, score, n_bins, strategy="uniform")` with every bin kept.
pub fn calibration_curve(
    label: &str,
    truth: &[bool],
    score: &[f64],
    n_bins: usize,
) -> Result<ClassCalibration> {
    if n_bins == 0 || n_bins > MAX_CALIBRATION_BINS {
        // The bins are allocated per class: a huge count from a page's options must be an
        // error, not an allocation that traps the wasm instance.
        return Err(Error::invalid_argument(
            "calibrationBins",
            format!("must be between 1 and {MAX_CALIBRATION_BINS}, not {n_bins}"),
        ));
    }
    if score.iter().any(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::invalid_argument(
            "probabilities",
            "calibration needs probabilities in [0, 1]",
        ));
    }
    // numpy linspace(0, 1, n_bins + 1): i * (1 / n_bins), last edge exactly 1
    let step = 1.0 / n_bins as f64;
    let edges: Vec<f64> = (0..=n_bins)
        .map(|i| if i == n_bins { 1.0 } else { i as f64 * step })
        .collect();
    let inner = edges.get(1..n_bins).unwrap_or_default();
    let mut sums = vec![0.0f64; n_bins];
    let mut trues = vec![0.0f64; n_bins];
    let mut counts = vec![0u64; n_bins];
    for (t, p) in truth.iter().zip(score) {
        // searchsorted(side="left"): number of inner edges strictly below p
        let b = inner.partition_point(|e| e < p).min(n_bins - 1);
        sums[b] += p;
        trues[b] += if *t { 1.0 } else { 0.0 };
        counts[b] += 1;
    }
    let n = truth.len() as f64;
    let mut ece = 0.0;
    let bins = (0..n_bins)
        .map(|b| {
            let c = counts[b] as f64;
            let (mp, fp) = if counts[b] == 0 {
                (None, None)
            } else {
                let mp = sums[b] / c;
                let fp = trues[b] / c;
                ece += c / n * (fp - mp).abs();
                (Some(mp), Some(fp))
            };
            CalibrationBin {
                lower: edges[b],
                upper: edges[b + 1],
                count: counts[b],
                mean_predicted: mp,
                fraction_positive: fp,
            }
        })
        .collect();
    Ok(ClassCalibration {
        label: label.to_string(),
        bins,
        ece: (n > 0.0).then_some(ece),
    })
}

/// Regression metrics of predictions against the truth.
pub fn regression_metrics(y_true: &[f64], y_pred: &[f64]) -> Result<RegressionMetrics> {
    if y_true.is_empty() {
        return Err(Error::invalid_argument("labels", "no rows to evaluate"));
    }
    if y_true.len() != y_pred.len() {
        return Err(Error::InputShape {
            expected: format!("{} predictions", y_true.len()),
            actual: format!("{}", y_pred.len()),
        });
    }
    if y_true.iter().chain(y_pred).any(|x| !x.is_finite()) {
        return Err(Error::invalid_argument(
            "labels",
            "targets and predictions must be finite",
        ));
    }
    let errs = || y_true.iter().zip(y_pred).map(|(t, p)| t - p);
    let mae = mean(errs().map(f64::abs));
    let mse = mean(errs().map(|e| e * e));
    let y_mean = mean(y_true.iter().copied());
    let ss_res: f64 = errs().map(|e| e * e).sum();
    let ss_tot: f64 = y_true.iter().map(|t| (t - y_mean) * (t - y_mean)).sum();
    let r2 = if ss_tot != 0.0 {
        1.0 - ss_res / ss_tot
    } else if ss_res == 0.0 {
        1.0
    } else {
        0.0
    };
    let max_error = errs().map(f64::abs).fold(0.0, f64::max);
    Ok(RegressionMetrics {
        rows: y_true.len() as u64,
        mae,
        mse,
        rmse: mse.sqrt(),
        r2,
        max_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(k: usize) -> Vec<String> {
        (0..k).map(|i| i.to_string()).collect()
    }

    #[test]
    fn roc_with_ties_matches_sklearn() {
        // sklearn: roc_auc_score([0,0,1,1,1], [0.1,0.4,0.4,0.8,0.8]) = 11/12
        let t = [false, false, true, true, true];
        let s = [0.1, 0.4, 0.4, 0.8, 0.8];
        let c = roc_curve(&t, &s);
        let auc = roc_auc(&t, &c).unwrap_or(f64::NAN);
        assert!((auc - 11.0 / 12.0).abs() < 1e-15, "{auc}");
        assert_eq!(c.thresholds[0], f64::INFINITY);
        assert_eq!(c.fpr.len(), c.tpr.len());
        assert_eq!(
            roc_auc(&[true, true], &roc_curve(&[true, true], &[0.1, 0.2])),
            None
        );
    }

    #[test]
    fn never_predicted_class_is_zero_with_flag() {
        let y = [0, 1, 2, 2];
        let p = [0.9, 0.05, 0.05, 0.1, 0.1, 0.8, 0.2, 0.1, 0.7, 0.1, 0.2, 0.7];
        let m = classification_metrics(&labels(3), &y, &p, &MetricOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.per_class["1"].precision, 0.0);
        assert!(m
            .zero_division
            .iter()
            .any(|z| z.metric == "precision" && z.label == "1"));
        assert_eq!(m.accuracy, 0.75);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let o = MetricOptions::default();
        assert!(classification_metrics(&labels(2), &[], &[], &o).is_err());
        assert!(classification_metrics(&labels(2), &[0], &[0.5], &o).is_err());
        assert!(classification_metrics(&labels(2), &[3], &[0.5, 0.5], &o).is_err());
        assert!(classification_metrics(&labels(2), &[0], &[f64::NAN, 0.5], &o).is_err());
        assert!(regression_metrics(&[], &[]).is_err());
        let r = regression_metrics(&[1.0, 1.0], &[1.0, 1.0]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.r2, 1.0);
    }
}
