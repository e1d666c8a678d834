//! `mlcycle predict`: a model over a CSV of features.

use crate::csv_io::{cell, read_matrix, write_table};
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
    let pred = if args.spec.is_none() && named_inputs(&model) {
        predict_named(&model, &args.input)?
    } else {
        predict_matrix(&model, &args)?
    };
    write_prediction(&model, &pred, args.output.as_deref())
}

/// A CSV of raw records, each model input reading its columns by name.
fn predict_named(model: &Model, input: &std::path::Path) -> Result<mlcycle::Prediction> {
    let csv = crate::csv_io::read(input)?;
    for (info, cols) in model.info().inputs.iter().zip(&model.info().input_columns) {
        if let Some(c) = cols.iter().find(|c| !csv.header.contains(c)) {
            return Err(mlcycle::Error::Csv {
                line: Some(1),
                reason: format!(
                    "no column `{c}` for model input `{}` in {} (columns: {}; map a wide input with --input-columns INPUT=col1,col2)",
                    info.name,
                    input.display(),
                    csv.header.join(", ")
                ),
            }
            .into());
        }
    }
    if csv.records.is_empty() {
        return Err(mlcycle::Error::Csv {
            line: None,
            reason: "no data rows".into(),
        }
        .into());
    }
    Ok(model.predict_records(&csv.records)?)
}

fn predict_matrix(model: &Model, args: &Args) -> Result<mlcycle::Prediction> {
    let m = match &args.spec {
        Some(spec) => {
            let (values, rows, width) = crate::transform::features(spec, &args.input)?;
            crate::csv_io::Matrix {
                header: vec![String::new(); width],
                values,
                rows,
            }
        }
        None => read_matrix(&args.input)?,
    };
    let f = model.n_features();
    if m.header.len() != f {
        return Err(mlcycle::Error::InputShape {
            expected: format!("{f} feature columns"),
            actual: format!("{} columns in {}", m.header.len(), args.input.display()),
        }
        .into());
    }
    if m.rows == 0 {
        return Err(mlcycle::Error::Csv {
            line: None,
            reason: "no data rows".into(),
        }
        .into());
    }
    Ok(model.predict(&m.values, m.rows)?)
}

fn write_prediction(
    model: &Model,
    pred: &mlcycle::Prediction,
    output: Option<&std::path::Path>,
) -> Result<ExitCode> {
    let info = model.info();
    let (header, rows): (Vec<String>, Vec<Vec<String>>) = match info.kind {
        ModelKind::Classifier => {
            let mut header = vec!["label".to_string()];
            header.extend(info.labels.iter().map(|l| cell(&format!("p_{l}"))));
            let rows = (0..pred.rows)
                .map(|r| {
                    let p = pred.row(r);
                    let label = info
                        .labels
                        .get(mlcycle::inference::argmax(p))
                        .map(String::as_str)
                        .unwrap_or("");
                    let mut row = vec![cell(label)];
                    row.extend(p.iter().map(|v| v.to_string()));
                    row
                })
                .collect();
            (header, rows)
        }
        _ if pred.cols == 1 => (
            vec!["value".to_string()],
            (0..pred.rows)
                .map(|r| vec![pred.row(r)[0].to_string()])
                .collect(),
        ),
        _ => (
            (0..pred.cols).map(|c| format!("value_{c}")).collect(),
            (0..pred.rows)
                .map(|r| pred.row(r).iter().map(|v| v.to_string()).collect())
                .collect(),
        ),
    };
    write_table(output, &header, &rows)?;
    Ok(ExitCode::SUCCESS)
}
