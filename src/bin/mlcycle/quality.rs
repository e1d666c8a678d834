//! `mlcycle quality`: the data quality report of a raw CSV against a feature spec. Exit 0 when
//! there is no error finding, 1 when there is one, 2 on failure.

use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::validation::{quality_report, QualityOptions, QualityReport};
use mlcycle::Pipeline;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Feature spec (features.json).
    #[arg(long)]
    spec: PathBuf,
    /// Raw CSV with a header row naming the spec's fields.
    #[arg(long)]
    input: PathBuf,
    /// Quality options JSON (`{"reference": {"field": {"min": …, "max": …}}, "missingRateWarning": …, "iqrFactor": …}`).
    #[arg(long)]
    options: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: crate::validate::Format,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let pipeline = Pipeline::from_json(&read_text(&args.spec)?)?;
    let options: QualityOptions = match &args.options {
        Some(p) => serde_json::from_str(&read_text(p)?)
            .map_err(|e| mlcycle::Error::invalid_argument("options", e.to_string()))?,
        None => QualityOptions::default(),
    };
    let csv = crate::csv_io::read(&args.input)?;
    pipeline.check_header(&csv.header)?;
    let report = quality_report(&pipeline, &csv.records, &options)?;
    match args.format {
        crate::validate::Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        crate::validate::Format::Text => println!("{}", render(&report)),
    }
    Ok(if report.summary.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn opt(v: Option<f64>) -> String {
    v.map_or("".into(), |x| format!("{x}"))
}

fn render(r: &QualityReport) -> String {
    let mut s = format!(
        "rows: {} ({} valid, {} rejected by the pipeline, {} duplicates); features {}\n",
        r.rows, r.valid_rows, r.invalid_rows, r.duplicate_rows, r.feature_version
    );
    s += "field                  type       missing   type err  range  unseen  distinct  min        max        iqr outl.\n";
    for f in &r.fields {
        s += &format!(
            "{:<22} {:<10} {:<9.3} {:<9} {:<6} {:<7} {:<9} {:<10} {:<10} {}\n",
            f.name,
            f.ty.as_str(),
            f.missing_rate,
            f.type_errors,
            f.out_of_range,
            f.unseen_categories,
            f.distinct,
            opt(f.min),
            opt(f.max),
            f.outliers_iqr
        );
    }
    s += &format!(
        "findings: {} errors, {} warnings, {} infos\n",
        r.summary.errors, r.summary.warnings, r.summary.infos
    );
    for f in &r.findings {
        s += &format!("  [{}] {}: {}\n", f.severity.as_str(), f.kind, f.message);
    }
    s.trim_end().to_string()
}
