//! `mlcycle profile`: the reference profile (`reference.json`) of the training data — per-field
//! bins and shares, and with `--model` the reference distribution of predicted classes and
//! confidence — that on-device drift is measured against (docs/monitoring.md).

use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::features::Pipeline;
use mlcycle::monitor::{ProfileOptions, ReferenceProfile};
use mlcycle::{LoadOptions, Model};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The feature spec (features.json).
    #[arg(long)]
    spec: PathBuf,
    /// The training data: raw CSV with a header row naming the spec's fields.
    #[arg(long)]
    input: PathBuf,
    /// Output file (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    /// ONNX model run over the rows the spec accepts, for the predicted-class reference.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Class labels, comma-separated, overriding the model's.
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Numeric bins (edges at the reference quantiles 1/bins … (bins−1)/bins).
    #[arg(long, default_value_t = 10)]
    bins: usize,
    /// Most frequent categories kept per categorical field (the rest go to "other").
    #[arg(long, default_value_t = 64)]
    max_categories: usize,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let pipeline = Pipeline::from_json(&read_text(&args.spec)?)?;
    let csv = crate::csv_io::read(&args.input)?;
    pipeline.check_header(&csv.header)?;
    let records = csv.records;
    let options = ProfileOptions {
        bins: args.bins,
        max_categories: args.max_categories,
    };
    let mut profile = ReferenceProfile::build_for(&pipeline, &records, &options)?;
    if let Some(model_path) = &args.model {
        let bytes = crate::fsio::read(model_path)?;
        let model = Model::from_bytes_with(
            &bytes,
            &LoadOptions {
                labels: args.labels.clone(),
                ..Default::default()
            },
        )?;
        let batch = pipeline.transform_batch(&records);
        let features = batch.valid_values();
        let rows = batch.valid_rows();
        if rows == 0 {
            return Err(mlcycle::Error::invalid_argument(
                "input",
                "no row passes the feature spec, cannot run the model",
            )
            .into());
        }
        let p = model.predict(&features, rows)?;
        profile = profile.with_predictions(model.labels(), &p.values)?;
        if !batch.errors.is_empty() {
            eprintln!(
                "note: {} row(s) rejected by the spec were left out of the prediction reference",
                batch.errors.len()
            );
        }
    }
    let text = profile.to_json_pretty()? + "\n";
    match &args.output {
        Some(path) => crate::fsio::write_output(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
