//! `mlcycle drift`: drift of a batch of raw records (CSV) against a reference profile —
//! PSI, Jensen–Shannon distance, KS statistic (numeric), chi² p-value (categorical), missing
//! rate and status per field, and the drifted share (docs/monitoring.md).

use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::monitor::{DriftCounter, MonitorConfig, ReferenceProfile};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(clap::Args)]
pub struct Args {
    /// The reference profile (reference.json from `mlcycle profile`).
    #[arg(long)]
    reference: PathBuf,
    /// Current data: raw CSV with a header row.
    #[arg(long)]
    input: PathBuf,
    /// Monitor config JSON (thresholds, minSamples); defaults when absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Exit with status 1 when a feature is in alert.
    #[arg(long)]
    fail_on_alert: bool,
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| format!("{v:.4}"))
}

pub fn run(args: Args) -> Result<ExitCode> {
    let reference = ReferenceProfile::from_json(&read_text(&args.reference)?)?;
    let config = match &args.config {
        Some(p) => MonitorConfig::from_json(&read_text(p)?)?,
        None => MonitorConfig::default(),
    };
    let mut counter = DriftCounter::new(&reference, &config)?;
    let mut input = crate::stream::open(&args.input)?;
    loop {
        let chunk = input.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        counter.observe(&chunk);
    }
    input.finish("measured drift on");
    let report = counter.report();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => print_table(&report)?,
    }
    Ok(exit_code(&report, args.fail_on_alert))
}

/// 1 when asked to fail on an alert and a feature is in alert, else 0.
pub fn exit_code(report: &mlcycle::monitor::DriftReport, fail_on_alert: bool) -> ExitCode {
    let alert = report
        .features
        .iter()
        .any(|f| f.status == mlcycle::monitor::Status::Alert);
    if fail_on_alert && alert {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The text table of a drift report (also `mlcycle fleet merge --format text`).
pub fn print_table(report: &mlcycle::monitor::DriftReport) -> Result<()> {
    println!(
        "{:<24} {:<12} {:>8} {:>8} {:>8} {:>10} {:>8}  status",
        "feature", "kind", "psi", "js", "ks", "chi2 p", "missing"
    );
    for f in &report.features {
        println!(
            "{:<24} {:<12} {:>8} {:>8} {:>8} {:>10} {:>8}  {}",
            f.name,
            f.kind.as_str(),
            num(f.psi),
            num(f.js_distance),
            num(f.ks_statistic),
            f.chi2_p_value
                .map_or_else(|| "-".into(), |p| format!("{p:.3e}")),
            num(f.missing_rate),
            serde_json::to_value(f.status)?.as_str().unwrap_or("?")
        );
    }
    println!(
        "rows {}, drifted share {:.3}",
        report.rows, report.drifted_share
    );
    Ok(())
}
