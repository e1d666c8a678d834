//! `mlcycle predict`: a model over a CSV of features.

use crate::csv_io::cell;
use anyhow::Result;
use mlcycle::{LoadOptions, Model, ModelKind};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// CSV with a header row and one numeric column per model feature (raw records with --spec).
    #[arg(long)]
    input: PathBuf,
    /// Feature spec (features.json): --input holds raw records, transformed before predicting.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Class labels, comma-separated, overriding the model's.
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Output CSV (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    /// The CSV columns of a multi-column model input, `INPUT=col1,col2,…` (repeatable). A model
    /// with several inputs or string inputs reads its columns by name: a one-column input
    /// from the column of its own name.
    #[arg(long = "input-columns", value_name = "INPUT=COLS")]
    input_columns: Vec<String>,
    /// Model budget in bytes: the most any tensor whose size the model file fixes may take,
    /// and all its constants together (default 512 MiB; see docs/security.md).
    #[arg(long)]
    max_model_bytes: Option<u64>,
}

/// `INPUT=a,b,c` pairs as the loader's column map.
fn column_map(pairs: &[String]) -> Result<Option<HashMap<String, Vec<String>>>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut map = HashMap::new();
    for p in pairs {
        let (input, cols) = p.split_once('=').ok_or_else(|| {
            mlcycle::Error::invalid_argument(
                "input-columns",
                format!("{p:?} is not INPUT=col1,col2"),
            )
        })?;
        map.insert(
            input.to_string(),
            cols.split(',').map(|c| c.trim().to_string()).collect(),
        );
    }
    Ok(Some(map))
}

/// Whether the model is fed by named inputs (several inputs, or strings) rather than one
/// numeric matrix.
fn named_inputs(model: &Model) -> bool {
    let inputs = &model.info().inputs;
    inputs.len() > 1 || inputs.iter().any(|i| i.dtype == "string")
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bytes = crate::fsio::read(&args.model)?;
    let model = Model::from_bytes_with(
        &bytes,
        &LoadOptions {
            labels: args.labels.clone(),
            input_columns: column_map(&args.input_columns)?,
            max_bytes: args.max_model_bytes,
        },
    )?;
    drop(bytes);
    let pipeline = match &args.spec {
        Some(spec) => Some(crate::transform::load_pipeline(spec)?),
        None => None,
    };
    let named = pipeline.is_none() && named_inputs(&model);
    let mut input = crate::stream::open(&args.input)?;
    let header = input.header().to_vec();
    match &pipeline {
        Some(p) => {
            p.check_header(&header)?;
            if !named_inputs(&model) && p.width() != model.n_features() {
                return Err(mlcycle::Error::InputShape {
                    expected: format!("{} features for the model", model.n_features()),
                    actual: format!("{} outputs of the feature spec", p.width()),
                }
                .into());
            }
        }
        None if named => check_named_columns(&model, &header, &args.input)?,
        None => {
            let f = model.n_features();
            if header.len() != f {
                return Err(mlcycle::Error::InputShape {
                    expected: format!("{f} feature columns"),
                    actual: format!("{} columns in {}", header.len(), args.input.display()),
                }
                .into());
            }
        }
    }
    let mut output: Option<crate::stream::Output> = None;
    loop {
        let first_row = input.rows();
        let chunk = input.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        let pred = match &pipeline {
            Some(p) => {
                let values = strict_features(p, &chunk, first_row, &args.input)?;
                model.predict(&values, chunk.len())?
            }
            None if named => model.predict_records(&chunk)?,
            None => model.predict(
                &crate::csv_io::numeric_rows(&header, &chunk, first_row)?,
                chunk.len(),
            )?,
        };
        let out = match &mut output {
            Some(out) => out,
            None => output.insert(crate::stream::create(
                args.output.as_deref(),
                &prediction_header(&model, &pred),
            )?),
        };
        for r in 0..pred.rows {
            out.row(&prediction_row(&model, &pred, r))?;
        }
    }
    match output {
        Some(out) => out.finish()?,
        None => {
            return Err(mlcycle::Error::Csv {
                line: None,
                reason: "no data rows".into(),
            }
            .into())
        }
    }
    input.finish("predicted");
    Ok(ExitCode::SUCCESS)
}

/// Every column a named model input reads must be in the header.
fn check_named_columns(model: &Model, header: &[String], input: &std::path::Path) -> Result<()> {
    for (info, cols) in model.info().inputs.iter().zip(&model.info().input_columns) {
        if let Some(c) = cols.iter().find(|c| !header.contains(c)) {
            return Err(mlcycle::Error::Csv {
                line: Some(1),
                reason: format!(
                    "no column `{c}` for model input `{}` in {} (columns: {}; map a wide input with --input-columns INPUT=col1,col2)",
                    info.name,
                    input.display(),
                    header.join(", ")
                ),
            }
            .into());
        }
    }
    Ok(())
}

/// The features of a chunk of raw records; the first invalid row is an error naming its row
/// and line in the file (`first_row`: the chunk's first row index).
fn strict_features(
    p: &mlcycle::features::Pipeline,
    chunk: &[mlcycle::Record],
    first_row: u64,
    input: &std::path::Path,
) -> Result<Vec<f32>> {
    let out = p.transform_batch(chunk);
    fail_on_first_error(&out, first_row, input)?;
    Ok(out.values)
}

/// The first rejected row of a chunk's batch as an error naming its row and line in the file
/// (`first_row`: the chunk's first row index).
pub fn fail_on_first_error(
    out: &mlcycle::features::BatchOutput,
    first_row: u64,
    input: &std::path::Path,
) -> Result<()> {
    match out.errors.first() {
        None => Ok(()),
        Some(e) => {
            let row = first_row + e.row as u64;
            Err(mlcycle::Error::FeatureInvalid {
                field: e.field.clone(),
                rule: e.rule.clone(),
                reason: format!(
                    "{}: row {row} (line {}): {}",
                    input.display(),
                    row + 2,
                    e.message
                ),
            }
            .into())
        }
    }
}

fn prediction_header(model: &Model, pred: &mlcycle::Prediction) -> Vec<String> {
    let info = model.info();
    match info.kind {
        ModelKind::Classifier => {
            let mut header = vec!["label".to_string()];
            header.extend(info.labels.iter().map(|l| cell(&format!("p_{l}"))));
            header
        }
        _ if pred.cols == 1 => vec!["value".to_string()],
        _ => (0..pred.cols).map(|c| format!("value_{c}")).collect(),
    }
}

fn prediction_row(model: &Model, pred: &mlcycle::Prediction, r: usize) -> Vec<String> {
    let info = model.info();
    let p = pred.row(r);
    match info.kind {
        ModelKind::Classifier => {
            let label = info
                .labels
                .get(mlcycle::inference::argmax(p))
                .map(String::as_str)
                .unwrap_or("");
            let mut row = vec![cell(label)];
            row.extend(p.iter().map(|v| v.to_string()));
            row
        }
        _ => p.iter().map(|v| v.to_string()).collect(),
    }
}
