//! `mlcycle validate`: a model + feature spec (or a model that carries its own preprocessing,
//! fed the raw columns by name) against a labelled holdout CSV: metrics, slices,
//! latency on this machine, data quality, criteria → go (exit 0) / no-go (exit 1); errors exit 2.

use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::validation::{
    labels_from_records, parse_criteria_json, validate, Criterion, Metrics, ValidateOptions,
    ValidationReport,
};
use mlcycle::{LoadOptions, Model, Pipeline, Preprocessing};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// Feature spec (features.json). Without one the holdout's columns go straight into the
    /// model's inputs by name (models exported with their preprocessing, one input per column).
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Holdout CSV: raw records plus the label column.
    #[arg(long)]
    input: PathBuf,
    /// Name of the label column.
    #[arg(long)]
    label: String,
    /// Class labels in the model's output order, comma-separated, as the label column spells
    /// them (e.g. `Adelie,Chinstrap,Gentoo` for a model whose labels are 0,1,2).
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Criteria file: a JSON array (`["accuracy >= 0.95", {"metric":…,"op":…,"value":…}]`) or
    /// a validate-options object (`{"criteria": […], "evidence": {…}, "latency": {…}, …}`).
    #[arg(long)]
    criteria: Option<PathBuf>,
    /// An extra criterion, e.g. `--criterion "f1_macro >= 0.9"` (repeatable).
    #[arg(long = "criterion")]
    criterion: Vec<String>,
    /// Compute metrics per value of this field.
    #[arg(long)]
    slice: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Skip the latency benchmark.
    #[arg(long)]
    no_latency: bool,
    /// Include every evaluated row's truth and scores in the JSON.
    #[arg(long)]
    predictions: bool,
    /// Write the report here instead of stdout.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Model budget in bytes: the most any tensor whose size the model file fixes may take,
    /// and all its constants together (default 512 MiB; see docs/security.md).
    #[arg(long)]
    max_model_bytes: Option<u64>,
}

/// Options from a criteria file (array or options object).
fn options_from_file(path: &Path) -> Result<ValidateOptions> {
    let text = read_text(path)?;
    if text.trim_start().starts_with('[') {
        Ok(ValidateOptions {
            criteria: parse_criteria_json(&text)?,
            ..ValidateOptions::default()
        })
    } else {
        Ok(ValidateOptions::from_json(&text)?)
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut options = match &args.criteria {
        Some(p) => options_from_file(p)?,
        None => ValidateOptions::default(),
    };
    for c in &args.criterion {
        options.criteria.push(Criterion::parse(c)?);
    }
    if args.labels.is_some() {
        options.labels = args.labels.clone();
    }
    if args.slice.is_some() {
        options.slice_field = args.slice.clone();
    }
    if args.no_latency {
        options.latency.enabled = false;
    }
    options.include_predictions |= args.predictions;

    let bytes = crate::fsio::read(&args.model)?;
    let model = Model::from_bytes_with(
        &bytes,
        &LoadOptions {
            max_bytes: args.max_model_bytes,
            ..Default::default()
        },
    )?;
    let pipeline = match &args.spec {
        Some(p) => Some(std::sync::Arc::new(Pipeline::from_json(&read_text(p)?)?)),
        None => None,
    };
    let prep = Preprocessing::new(pipeline, &model)?;
    let csv = crate::csv_io::read(&args.input)?;
    prep.check_header(&csv.header)?;
    if !csv.header.contains(&args.label) {
        return Err(mlcycle::Error::Csv {
            line: Some(1),
            reason: format!(
                "the label column `{}` is not in the header ({})",
                args.label,
                csv.header.join(", ")
            ),
        }
        .into());
    }
    let labels = labels_from_records(&csv.records, &args.label);
    let clock = mlcycle::native::SystemClock::default();
    let report = validate(&model, &prep, &csv.records, &labels, &options, &clock)?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&report)?,
        Format::Text => render(&report),
    };
    match &args.output {
        Some(p) => crate::fsio::write_output(p, (text + "\n").as_bytes())?,
        None => println!("{text}"),
    }
    Ok(match report.decision {
        mlcycle::validation::Decision::Go => ExitCode::SUCCESS,
        mlcycle::validation::Decision::NoGo => ExitCode::from(1),
    })
}

fn opt(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |x| format!("{x:.4}"))
}

/// A human-readable summary of a report.
pub(crate) fn render(r: &ValidationReport) -> String {
    let mut s = String::new();
    let d = &r.dataset;
    s += &format!(
        "model: {} ({} features), features {}\nrows: {} given, {} evaluated ({} rejected by the pipeline, {} without label, {} unknown label)\n",
        r.model.kind.as_str(),
        r.model.n_features,
        r.feature_version,
        d.rows,
        d.evaluated,
        d.invalid_features,
        d.missing_label,
        d.unknown_label
    );
    match &r.metrics {
        Metrics::Classification(m) => {
            s += &format!(
                "accuracy {:.4}  balanced {:.4}  f1 macro {:.4}  f1 weighted {:.4}  precision macro {:.4}  recall macro {:.4}\nlog loss {:.4}  brier {:.4}  roc auc {}\n",
                m.accuracy, m.balanced_accuracy, m.f1_macro, m.f1_weighted, m.precision_macro,
                m.recall_macro, m.log_loss, m.brier_score, opt(m.roc_auc_ovr)
            );
            s += "class            precision  recall   f1       support\n";
            for l in &m.labels {
                if let Some(c) = m.per_class.get(l) {
                    s += &format!(
                        "{:<16} {:<10.4} {:<8.4} {:<8.4} {}\n",
                        l, c.precision, c.recall, c.f1, c.support
                    );
                }
            }
            s += &format!(
                "confusion (rows true, columns predicted): {:?}\n",
                m.confusion_matrix
            );
            for z in &m.zero_division {
                s += &format!(
                    "note: {} of `{}` set to 0: {}\n",
                    z.metric, z.label, z.reason
                );
            }
        }
        Metrics::Regression(m) => {
            s += &format!(
                "mae {:.6}  rmse {:.6}  r2 {:.6}  max error {:.6}\n",
                m.mae, m.rmse, m.r2, m.max_error
            );
        }
    }
    if let Some(sl) = &r.slices {
        s += &format!("slices by `{}`:\n", sl.field);
        for x in &sl.slices {
            let main = match &x.metrics {
                Metrics::Classification(m) => {
                    format!("accuracy {:.4}  f1 macro {:.4}", m.accuracy, m.f1_macro)
                }
                Metrics::Regression(m) => format!("mae {:.6}  rmse {:.6}", m.mae, m.rmse),
            };
            s += &format!("  {:<16} {:>5} rows  {main}\n", x.value, x.rows);
        }
    }
    if let Some(l) = &r.latency {
        s += &format!(
            "latency on {} (pipeline + model): single p50 {:.4} ms  p95 {:.4} ms  p99 {:.4} ms; batch of {}: p50 {:.3} ms ({} rows/s)\n",
            l.device, l.p50_ms, l.p95_ms, l.p99_ms, l.batch.rows, l.batch.p50_ms,
            l.batch.throughput_per_s.map_or("n/a".into(), |t| format!("{t:.0}"))
        );
    }
    let q = &r.quality;
    s += &format!(
        "quality: {} errors, {} warnings, {} infos\n",
        q.summary.errors, q.summary.warnings, q.summary.infos
    );
    for f in &q.findings {
        s += &format!("  [{}] {}: {}\n", f.severity.as_str(), f.kind, f.message);
    }
    if !r.criteria.is_empty() {
        s += "criteria:\n";
        for c in &r.criteria {
            s += &format!(
                "  {} {}  (actual {})\n",
                if c.pass { "PASS" } else { "FAIL" },
                c.criterion,
                opt(c.actual)
            );
        }
    }
    s += &format!(
        "ML Test Score: {} ({}); sections {:?}\n",
        r.readiness.final_score, r.readiness.band, r.readiness.sections
    );
    s += &format!("decision: {}", r.decision.as_str());
    for reason in &r.reasons {
        s += &format!("\n  {reason}");
    }
    s
}
