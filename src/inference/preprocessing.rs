//! How raw records reach a model. A version either ships a feature spec (`features.json`: the
//! training-time pipeline turns each record into the model's float vector), or its model
//! carries its own preprocessing (skl2onnx's DataFrame exports: one input per column, strings
//! included) and records go straight into the graph's inputs by field name.
//!
//! Serving, smoke tests, validation, data quality and the drift reference all read records
//! through this one type, so a version published without `features.json` is served, validated
//! and monitored from the same raw fields as one with a spec — no second code path per caller.

use super::{Model, Prediction};
use crate::error::{Error, Result};
use crate::features::{FeatureSpec, FieldSpec, FieldType, OnInvalid, Pipeline, Record};
use std::borrow::Borrow;
use std::sync::Arc;

/// Records fed per model run when predicting a large set (bounds the tensors' size).
const CHUNK: usize = 1024;

/// Raw records → model inputs.
#[derive(Clone, Debug)]
pub enum Preprocessing {
    /// Through the feature pipeline to one float vector per record (shared: a JS `Pipeline`
    /// object and the validations that borrow it hold the same one).
    Spec(Arc<Pipeline>),
    /// Straight into the graph's inputs ([`Model::predict_records`]).
    Graph(Box<GraphFields>),
}

/// The raw fields a graph reads, described as a feature spec with no transforms: a string
/// input's columns are `string` fields, numeric ones `number` fields; none is required (the
/// graph reads a missing number as NaN and a missing string as `""`, as onnxruntime is fed by
/// pandas). The spec is what quality checks, drift profiles and forms are built from.
#[derive(Clone, Debug)]
pub struct GraphFields {
    spec: FeatureSpec,
    version: String,
}

impl GraphFields {
    /// The fields `model`'s inputs read (`ModelInfo::input_columns`), in input order.
    pub fn of(model: &Model) -> Result<GraphFields> {
        let info = model.info();
        let mut fields: Vec<FieldSpec> = Vec::new();
        for (input, columns) in info.inputs.iter().zip(&info.input_columns) {
            let ty = if input.dtype == "string" {
                FieldType::String
            } else {
                FieldType::Number
            };
            for c in columns {
                match fields.iter().find(|f| &f.name == c) {
                    Some(f) if f.ty != ty => {
                        return Err(Error::invalid_argument(
                            "inputColumns",
                            format!("field `{c}` feeds both a string and a numeric input"),
                        ))
                    }
                    Some(_) => {}
                    None => fields.push(FieldSpec {
                        name: c.clone(),
                        ty,
                        required: false,
                        min: None,
                        max: None,
                        categories: None,
                        on_invalid: OnInvalid::Error,
                        description: Some(format!("read by model input `{}`", input.name)),
                    }),
                }
            }
        }
        if fields.is_empty() {
            return Err(Error::unsupported(
                "the model's inputs name no record fields: publish it with a feature spec",
            ));
        }
        let spec = FeatureSpec {
            schema: crate::features::SCHEMA.to_string(),
            name: Some("model inputs".into()),
            description: Some(
                "the raw fields the model's graph reads (it carries its own preprocessing)".into(),
            ),
            outputs: fields.iter().map(|f| f.name.clone()).collect(),
            fields,
            transforms: Vec::new(),
            output_names: None,
            source: None,
            hash: None,
        };
        let version = spec.content_hash()?;
        Ok(GraphFields { spec, version })
    }
}

impl Preprocessing {
    /// The preprocessing of a version: its pipeline (checked against the model's width), else
    /// the model's own inputs.
    pub fn new(pipeline: Option<Arc<Pipeline>>, model: &Model) -> Result<Preprocessing> {
        match pipeline {
            Some(p) => {
                if p.width() != model.n_features() {
                    return Err(Error::InputShape {
                        expected: format!("{} model features", model.n_features()),
                        actual: format!("a feature spec producing {}", p.width()),
                    });
                }
                Ok(Preprocessing::Spec(p))
            }
            None => Ok(Preprocessing::Graph(Box::new(GraphFields::of(model)?))),
        }
    }

    /// The feature pipeline, when the version has a spec.
    pub fn pipeline(&self) -> Option<&Pipeline> {
        match self {
            Preprocessing::Spec(p) => Some(p),
            Preprocessing::Graph(_) => None,
        }
    }

    /// The raw fields records carry (the spec's, or the graph's inputs').
    pub fn spec(&self) -> &FeatureSpec {
        match self {
            Preprocessing::Spec(p) => p.spec(),
            Preprocessing::Graph(g) => &g.spec,
        }
    }

    /// The feature version: the spec's content hash (for a graph, the hash of its field list).
    pub fn version(&self) -> &str {
        match self {
            Preprocessing::Spec(p) => p.version(),
            Preprocessing::Graph(g) => &g.version,
        }
    }

    /// Record field names, in spec order.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.spec().fields.iter().map(|f| f.name.as_str())
    }

    /// The fields the records feed that `header` lacks, in field order.
    pub fn missing_columns(&self, header: &[String]) -> Vec<&str> {
        self.field_names()
            .filter(|f| !header.iter().any(|h| h == f))
            .collect()
    }

    /// Checks a CSV header: every field the records feed (spec fields, or the graph's named
    /// inputs) must be a column — see [`Pipeline::check_header`] for why an absent column is an
    /// error (`E_CSV`) rather than a value missing on every row.
    pub fn check_header(&self, header: &[String]) -> Result<()> {
        if let Some(p) = self.pipeline() {
            return p.check_header(header);
        }
        let missing = self.missing_columns(header);
        if missing.is_empty() {
            return Ok(());
        }
        Err(crate::error::Error::Csv {
            line: Some(1),
            reason: format!(
                "column(s) the model reads missing from the header: {}",
                missing.join(", ")
            ),
        })
    }

    /// Whether `record` reaches the model (the graph path runs it to know).
    pub fn accepts(&self, model: &Model, record: &Record) -> bool {
        match self {
            Preprocessing::Spec(p) => p.transform(record).is_ok(),
            Preprocessing::Graph(_) => self.predict(model, record).is_ok(),
        }
    }

    /// Predicts one record.
    pub fn predict(&self, model: &Model, record: &Record) -> Result<Prediction> {
        match self {
            Preprocessing::Spec(p) => model.predict(&p.transform(record)?, 1),
            Preprocessing::Graph(_) => model.predict_records(std::slice::from_ref(record)),
        }
    }

    /// Predicts a batch in one model run; any rejected record fails the whole batch.
    pub fn predict_batch<R: Borrow<Record>>(
        &self,
        model: &Model,
        records: &[R],
    ) -> Result<Prediction> {
        match self {
            Preprocessing::Spec(p) => {
                let mut x = Vec::with_capacity(records.len() * p.width());
                for r in records {
                    x.extend(p.transform(r.borrow())?);
                }
                model.predict(&x, records.len())
            }
            Preprocessing::Graph(_) => model.predict_records(records),
        }
    }

    /// Predicts every record the preprocessing accepts, `CHUNK` rows per run: `None` for a
    /// record it rejects (`E_FEATURE_INVALID`); any other failure is the caller's error.
    pub fn predict_each(&self, model: &Model, records: &[Record]) -> Result<EachPrediction> {
        let mut out: Vec<Option<Vec<f32>>> = Vec::with_capacity(records.len());
        let mut first_rejection: Option<String> = None;
        let mut reject = |row: usize, why: &dyn std::fmt::Display| {
            if first_rejection.is_none() {
                first_rejection = Some(format!("row {row}: {why}"));
            }
        };
        for chunk in records.chunks(CHUNK) {
            match self {
                Preprocessing::Spec(p) => {
                    let batch = p.transform_batch(chunk);
                    if let Some(e) = batch.errors.first() {
                        let why = format!("`{}`, rule `{}`", e.field, e.rule);
                        reject(out.len() + e.row, &why);
                    }
                    let valid = batch.valid_indices();
                    let x = batch.valid_values();
                    let p = match valid.is_empty() {
                        true => None,
                        false => match model.predict(&x, valid.len()) {
                            Ok(p) => Some(p),
                            // A row the model cannot score (a non-finite probability): find
                            // it row by row; the other rows keep their predictions.
                            Err(Error::Inference { .. }) => {
                                let base = out.len();
                                let mut rows = vec![None; chunk.len()];
                                for &r in &valid {
                                    match model.predict(batch.row(r), 1) {
                                        Ok(p) => rows[r] = Some(p.values),
                                        Err(e @ Error::Inference { .. }) => reject(base + r, &e),
                                        Err(e) => return Err(e),
                                    }
                                }
                                out.extend(rows);
                                continue;
                            }
                            Err(e) => return Err(e),
                        },
                    };
                    spread(&mut out, chunk.len(), &valid, p.as_ref());
                }
                Preprocessing::Graph(_) => match model.predict_records(chunk) {
                    Ok(p) => {
                        let all: Vec<usize> = (0..chunk.len()).collect();
                        spread(&mut out, chunk.len(), &all, Some(&p));
                    }
                    // One bad record fails the batch: find it (and its like) row by row.
                    Err(Error::FeatureInvalid { .. } | Error::Inference { .. }) => {
                        for r in chunk {
                            match model.predict_records(std::slice::from_ref(r)) {
                                Ok(p) => out.push(Some(p.values)),
                                Err(
                                    e @ (Error::FeatureInvalid { .. } | Error::Inference { .. }),
                                ) => {
                                    reject(out.len(), &e);
                                    out.push(None);
                                }
                                Err(e) => return Err(e),
                            }
                        }
                    }
                    Err(e) => return Err(e),
                },
            }
        }
        Ok(EachPrediction {
            rows: out,
            first_rejection,
        })
    }
}

/// What [`Preprocessing::predict_each`] returns.
#[derive(Clone, Debug, Default)]
pub struct EachPrediction {
    /// Per record, in order: the model's outputs, or `None` when the record was rejected.
    pub rows: Vec<Option<Vec<f32>>>,
    /// The first rejection (`row N: why`), for reports.
    pub first_rejection: Option<String>,
}

impl EachPrediction {
    /// Records that reached the model.
    pub fn accepted(&self) -> usize {
        self.rows.iter().filter(|r| r.is_some()).count()
    }
}

/// Appends `n` rows to `out`: the prediction's rows at the `valid` positions, `None` elsewhere.
fn spread(out: &mut Vec<Option<Vec<f32>>>, n: usize, valid: &[usize], p: Option<&Prediction>) {
    let mut next = 0;
    for r in 0..n {
        if valid.get(next) == Some(&r) {
            out.push(p.map(|p| p.row(next).to_vec()));
            next += 1;
        } else {
            out.push(None);
        }
    }
}
