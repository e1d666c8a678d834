//! `mlcycle predict`: a model over a CSV of features.

use crate::csv_io::{cell, read_matrix, write_table};
use anyhow::Result;
use mlcycle::{LoadOptions, Model, ModelKind};
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
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bytes = crate::fsio::read(&args.model)?;
    let model = Model::from_bytes_with(
        &bytes,
        &LoadOptions {
            labels: args.labels,
        },
    )?;
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
    let pred = model.predict(&m.values, m.rows)?;
    let info = model.info();
    let (header, rows): (Vec<String>, Vec<Vec<String>>) = match info.kind {
        ModelKind::Classifier => {
            let mut header = vec!["label".to_string()];
            header.extend(info.labels.iter().map(|l| cell(&format!("p_{l}"))));
            let rows = (0..pred.rows)
                .map(|r| {
                    let p = pred.row(r);
                    let mut row = vec![cell(&info.labels[mlcycle::inference::argmax(p)])];
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
    write_table(args.output.as_deref(), &header, &rows)?;
    Ok(ExitCode::SUCCESS)
}
