//! Batch predictions of a deployment: many rows — records, or columns ([`Columns`]) — through
//! the serving version in one model run, every row answered or rejected on its own, every
//! answered row observed by the monitor.
//!
//! Why a separate path from [`Deployment::predict`]: a page scoring a table should cross into
//! the runtime once per column and run the model once, not once per row; and a bad row must not
//! fail its neighbours (it is reported with its field and rule, and counted as an error).

use super::deployment::Deployment;
use crate::error::Result;
use crate::features::{Columns, Record, RowError};
use crate::host::Clock;
use crate::inference::{argmax, ModelKind};
use serde::Serialize;
use std::borrow::Cow;

/// The rows of a batch, as they arrived.
#[derive(Clone, Copy, Debug)]
pub enum Batch<'a> {
    /// One record per row.
    Records(&'a [Record]),
    /// One column per field.
    Columns(&'a Columns),
}

/// What [`Deployment::predict_batch`] returns.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchPredictions {
    /// Rows in the batch.
    pub rows: usize,
    /// Outputs per row (classes of a classifier).
    pub width: usize,
    /// `rows × width` outputs, row-major (probabilities of a classifier); rejected rows are NaN.
    #[serde(skip)]
    pub values: Vec<f32>,
    /// Per row: the id to send feedback against, `None` for a rejected row.
    pub ids: Vec<Option<String>>,
    /// Per row: the winning class of a classifier (`None` for a rejected row or a regressor).
    pub labels: Vec<Option<String>>,
    /// Per row: answered.
    pub valid: Vec<bool>,
    /// One entry per rejected row, in row order.
    pub errors: Vec<RowError>,
    /// Whether `values` are class probabilities.
    pub classifier: bool,
    /// The version that answered.
    pub version: String,
    /// Pipeline + inference time of the whole batch.
    pub latency_ms: f64,
}

/// Rows scored, before the monitor sees them.
struct Scored {
    rows: usize,
    width: usize,
    values: Vec<f32>,
    valid: Vec<bool>,
    errors: Vec<RowError>,
}

impl Deployment {
    /// Predicts every row of a batch in one model run: see [`BatchPredictions`]. Rejected rows
    /// (a field breaking its rule) are reported and counted as `E_FEATURE_INVALID` errors; a
    /// malformed batch (a field without a column, columns of different lengths) or a failing
    /// model is an error for the whole batch, and nothing is observed.
    pub fn predict_batch(
        &mut self,
        batch: Batch<'_>,
        now_ms: f64,
        clock: &dyn Clock,
    ) -> Result<BatchPredictions> {
        let start = clock.now_ms();
        let scored = self.score(batch)?;
        let latency_ms = (clock.now_ms() - start).max(0.0);
        let rows = scored.rows;
        let per_row = latency_ms / rows.max(1) as f64;
        let classifier = self.current.model.info().kind == ModelKind::Classifier;
        let labels_of = self.current.labels().to_vec();
        let (counter, id_prefix) = (self.counter, self.id_prefix.clone());
        let mut ids = Vec::with_capacity(rows);
        let mut labels = Vec::with_capacity(rows);
        let (mut answered, mut rejected) = (0u64, 0u64);
        // One observation per row, the alert rules judged once after the batch.
        let mut observer = self.serving_monitor().map(|m| m.batch(now_ms));
        for r in 0..rows {
            if !scored.valid.get(r).copied().unwrap_or(false) {
                rejected += 1;
                ids.push(None);
                labels.push(None);
                if let Some(o) = observer.as_mut() {
                    o.observe_error("E_FEATURE_INVALID");
                }
                continue;
            }
            answered += 1;
            let out = scored
                .values
                .get(r * scored.width..(r + 1) * scored.width)
                .unwrap_or_default();
            labels.push(if classifier {
                labels_of.get(argmax(out)).cloned()
            } else {
                None
            });
            let id = match (observer.as_mut(), batch) {
                (Some(o), Batch::Records(recs)) => o.observe(&recs[r], out, per_row),
                (Some(o), Batch::Columns(cols)) => o.observe(&cols.row(r), out, per_row),
                (None, _) => format!("{id_prefix}-{}", counter + answered),
            };
            ids.push(Some(id));
        }
        drop(observer);
        self.counter += answered;
        self.failed += rejected;
        Ok(BatchPredictions {
            rows,
            width: scored.width,
            values: scored.values,
            ids,
            labels,
            valid: scored.valid,
            errors: scored.errors,
            classifier,
            version: self.current.selection.version.clone(),
            latency_ms,
        })
    }

    /// Runs the preprocessing and the model over the rows it accepts.
    fn score(&self, batch: Batch<'_>) -> Result<Scored> {
        let model = &self.current.model;
        if let Some(p) = self.current.preprocessing.pipeline() {
            let out = match batch {
                Batch::Records(r) => p.transform_batch(r),
                Batch::Columns(c) => p.transform_columns(c)?,
            };
            let rows = out.rows;
            let valid_rows = out.valid_indices();
            let mut width = 0;
            let mut values = Vec::new();
            if !valid_rows.is_empty() {
                let pred = model.predict(&out.valid_values(), valid_rows.len())?;
                width = pred.values.len() / valid_rows.len();
                values = vec![f32::NAN; rows * width];
                for (i, r) in valid_rows.iter().enumerate() {
                    put_row(&mut values, *r, width, pred.row(i));
                }
            }
            return Ok(Scored {
                rows,
                width,
                values,
                valid: out.valid,
                errors: out.errors,
            });
        }
        // A model that reads raw records itself (published without a feature spec).
        let records: Cow<'_, [Record]> = match batch {
            Batch::Records(r) => Cow::Borrowed(r),
            Batch::Columns(c) => {
                let n = c.rows_of(self.current.preprocessing.field_names())?;
                Cow::Owned((0..n).map(|r| c.record(r)).collect())
            }
        };
        let rows = records.len();
        let each = self.current.preprocessing.predict_each(model, &records)?;
        let width = each.rows.iter().flatten().map(Vec::len).next().unwrap_or(0);
        let mut values = vec![f32::NAN; rows * width];
        let mut valid = Vec::with_capacity(rows);
        let mut errors = Vec::new();
        for (r, out) in each.rows.iter().enumerate() {
            match out {
                Some(v) => {
                    put_row(&mut values, r, width, v);
                    valid.push(true);
                }
                None => {
                    valid.push(false);
                    errors.push(RowError {
                        row: r,
                        field: String::new(),
                        rule: "rejected".into(),
                        message: format!(
                            "the model's graph rejected this record{}",
                            each.first_rejection
                                .as_deref()
                                .map(|f| format!(" (first rejection: {f})"))
                                .unwrap_or_default()
                        ),
                    });
                }
            }
        }
        Ok(Scored {
            rows,
            width,
            values,
            valid,
            errors,
        })
    }
}

/// Writes `src` into row `r` of a `width`-wide row-major matrix; a shorter source leaves the
/// rest NaN, a longer one is cut (never `copy_from_slice`'s length panic).
fn put_row(values: &mut [f32], r: usize, width: usize, src: &[f32]) {
    if let Some(dst) = values.get_mut(r * width..(r + 1) * width) {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}
