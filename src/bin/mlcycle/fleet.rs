//! `mlcycle fleet merge`: the monitor snapshots of many devices (from `Deployment` persistence
//! or `mlcycle observe`) merged into the fleet's drift, class mix, feedback accuracy and
//! latency quantiles. The JSON has `mlcycle drift`'s shape (`features`, `driftedShare`, `rows`)
//! plus the fleet's sections; the drift is exactly that of the pooled rows (docs/monitoring.md).

use crate::drift::Format;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Merge device snapshots of one model version and report the fleet's drift.
    Merge(MergeArgs),
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Snapshot files or glob patterns (`snapshots/*.json`), repeatable; `-` reads one from stdin.
    #[arg(long, required = true, num_args = 1..)]
    input: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Exit with status 1 when a feature is in alert.
    #[arg(long)]
    fail_on_alert: bool,
    /// What to report: `total` (everything observed), `latest` (the latest complete tumbling
    /// window on the fleet's clock) or a window's start in epoch ms. The JSON lists every
    /// window either way (`windows`).
    #[arg(long, default_value = "total")]
    window: String,
}

pub fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::Merge(args) => merge(args),
    }
}

/// The files the arguments name, patterns expanded (sorted), in argument order.
fn expand(inputs: &[String]) -> Result<Vec<PathBuf>> {
    let mut paths = Vec::new();
    for arg in inputs {
        if arg == "-" || !arg.contains(['*', '?', '[']) {
            paths.push(PathBuf::from(arg));
            continue;
        }
        let mut matched: Vec<PathBuf> = glob::glob(arg)
            .map_err(|e| {
                mlcycle::Error::invalid_argument("input", format!("`{arg}` is not a pattern: {e}"))
            })?
            .filter_map(std::result::Result::ok)
            .collect();
        if matched.is_empty() {
            return Err(mlcycle::Error::invalid_argument(
                "input",
                format!("`{arg}` matches no file"),
            )
            .into());
        }
        matched.sort();
        paths.extend(matched);
    }
    Ok(paths)
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let paths = expand(&args.input)?;
    let texts = paths
        .iter()
        .map(|p| crate::fsio::read_text(p))
        .collect::<Result<Vec<String>>>()?;
    // Errors name the file.
    let fleet = mlcycle::monitor::merge_named(
        paths
            .iter()
            .map(|p| p.display())
            .zip(texts.iter().map(String::as_str)),
    )?;
    let window: mlcycle::monitor::FleetWindow = args.window.parse()?;
    let report = mlcycle::monitor::report_of_window(&fleet, texts.len(), window)?;
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Text => {
            println!(
                "fleet: {} device(s), model {} {}, {}",
                report.devices,
                report.model.as_deref().unwrap_or("-"),
                report.version.as_deref().unwrap_or("-"),
                match report.selected_window_ms {
                    Some(s) => format!("window from {s} ms ({} ms)", report.window_ms),
                    None => "running total".to_string(),
                }
            );
            crate::drift::print_table(&report.drift)?;
            let classes: Vec<String> = report
                .classes
                .iter()
                .map(|c| format!("{} {}", c.label, c.count))
                .collect();
            println!("classes: {}", classes.join(", "));
            println!(
                "feedback: {} labeled, accuracy {}",
                report.feedback.labeled,
                report
                    .feedback
                    .accuracy
                    .map_or_else(|| "-".into(), |a| format!("{a:.4}"))
            );
            let q = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.3}"));
            println!(
                "latency ms: p50 {} p90 {} p99 {} ({} observations)",
                q(report.latency_ms.p50),
                q(report.latency_ms.p90),
                q(report.latency_ms.p99),
                report.latency_ms.count
            );
            if !report.windows.is_empty() {
                println!("windows (start ms, rows, drifted share):");
                for w in &report.windows {
                    println!(
                        "  {} {} {:.3}{}",
                        w.start_ms,
                        w.predictions,
                        w.drifted_share,
                        if w.complete { "" } else { " (filling)" }
                    );
                }
            }
        }
    }
    Ok(crate::drift::exit_code(&report.drift, args.fail_on_alert))
}
