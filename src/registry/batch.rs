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
use crate::inference::ModelKind;
use mlcycle_ops::rows::argmax_rows;
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
    /// What the ids of this batch start with: the answered rows' ids are
    /// `<id_prefix>-<first_id + k>` for the k-th answered row ([`BatchPredictions::ids`]).
    pub id_prefix: String,
    /// The number in the first answered row's id.
    pub first_id: u64,
    /// The class names of a classifier (empty for a regressor).
    pub class_names: Vec<String>,
    /// Per row: the index in `class_names` of the winning class (`None` for a rejected row or a
    /// regressor; [`BatchPredictions::labels`]).
    pub classes: Vec<Option<u32>>,
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

impl BatchPredictions {
    /// Per row: the id to send feedback against, `None` for a rejected row.
    pub fn ids(&self) -> Vec<Option<String>> {
        let mut next = self.first_id;
        self.valid
            .iter()
            .map(|v| {
                v.then(|| {
                    let id = format!("{}-{next}", self.id_prefix);
                    next += 1;
                    id
                })
            })
            .collect()
    }

    /// Per row: the winning class of a classifier (`None` for a rejected row or a regressor).
    pub fn labels(&self) -> Vec<Option<&str>> {
        self.classes
            .iter()
            .map(|c| {
                c.and_then(|c| self.class_names.get(c as usize))
                    .map(String::as_str)
            })
            .collect()
    }
}

/// Rows scored, before the monitor sees them.
struct Scored {
    rows: usize,
    width: usize,
    values: Vec<f32>,
    valid: Vec<bool>,
    errors: Vec<RowError>,
}

impl Scored {
    /// Row `r`'s outputs (empty out of range).
    fn row(&self, r: usize) -> &[f32] {
        self.values
            .get(r * self.width..(r + 1) * self.width)
            .unwrap_or_default()
    }

    fn answered(&self, r: usize) -> bool {
        self.valid.get(r) == Some(&true)
    }
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
        let class_names = if classifier {
            self.current.labels().to_vec()
        } else {
            Vec::new()
        };
        let winners = if classifier {
            argmax_rows(&scored.values, scored.width, rows)
        } else {
            Vec::new()
        };
        let classes: Vec<Option<u32>> = (0..rows)
            .map(|r| {
                winners
                    .get(r)
                    .filter(|_| scored.answered(r))
                    .copied()
                    .filter(|c| (*c as usize) < class_names.len())
            })
            .collect();
        let answered = scored.valid.iter().filter(|v| **v).count() as u64;
        let rejected = rows as u64 - answered;
        let (mut id_prefix, mut first_id) = (self.id_prefix.clone(), self.counter + 1);
        // Every row observed, the alert rules judged once after the batch.
        if let Some(mut o) = self.serving_monitor().map(|m| m.batch(now_ms)) {
            id_prefix = o.id_prefix().to_string();
            o.observe_errors("E_FEATURE_INVALID", rejected);
            let first = match batch {
                Batch::Columns(cols) => {
                    o.observe_columns(cols, &scored.valid, &scored.values, scored.width, per_row)
                }
                Batch::Records(recs) => {
                    let mut first = None;
                    for (r, rec) in recs.iter().enumerate() {
                        if scored.answered(r) {
                            let seq = o.observe(rec, scored.row(r), per_row);
                            first.get_or_insert(seq);
                        }
                    }
                    first
                }
            };
            first_id = first.unwrap_or(0);
        }
        self.counter += answered;
        self.failed += rejected;
        Ok(BatchPredictions {
            rows,
            width: scored.width,
            values: scored.values,
            id_prefix,
            first_id,
            class_names,
            classes,
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
            if valid_rows.len() == rows && rows > 0 {
                // Every row answered: the model reads the features and its output is the
                // batch's, no copies.
                let pred = model.predict(&out.values, rows)?;
                width = pred.values.len() / rows;
                values = pred.values;
                values.truncate(rows * width);
            } else if !valid_rows.is_empty() {
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
