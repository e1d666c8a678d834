//! `mlcycle observe`: the monitor snapshot a device would hold after seeing the rows of a CSV —
//! per-field drift counts, and with `--model` the predicted classes, confidence and latency —
//! for fleet tooling and tests (`mlcycle fleet merge` merges such snapshots; docs/monitoring.md).

use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::features::{Pipeline, RawValue};
use mlcycle::monitor::{Monitor, MonitorConfig, ReferenceProfile};
use mlcycle::{LoadOptions, Model};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// The reference profile (reference.json from `mlcycle profile`).
    #[arg(long)]
    reference: PathBuf,
    /// Raw records (CSV with a header row) the device saw.
    #[arg(long)]
    input: PathBuf,
    /// The snapshot to write (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Monitor config JSON (thresholds, model, version, labels); defaults when absent.
    #[arg(long)]
    config: Option<PathBuf>,
    /// ONNX model run over the rows (predicted classes, confidence, latency).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Feature spec turning the raw rows into the model's features (with --model).
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Class labels, comma-separated, overriding the model's.
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// The device: the prefix of the prediction ids this monitor issues.
    #[arg(long, default_value = "device")]
    device: String,
    /// The time the rows are observed at, epoch ms (default: now).
    #[arg(long)]
    now_ms: Option<f64>,
    /// Each row's time (epoch ms) from this column instead, so the rows fall into the monitor's
    /// tumbling windows as they happened; a row without a number there is E_CSV.
    #[arg(long)]
    time_column: Option<String>,
    /// Also write the monitor's OTLP/JSON metrics (ExportMetricsServiceRequest) to this file.
    #[arg(long)]
    otlp: Option<PathBuf>,
    /// Also write the same request in OTLP protobuf (application/x-protobuf) to this file.
    #[arg(long)]
    otlp_protobuf: Option<PathBuf>,
    /// OTLP `service.name` (default mlcycle).
    #[arg(long)]
    service_name: Option<String>,
    /// OTLP `service.instance.id` (default: --device).
    #[arg(long)]
    instance_id: Option<String>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let reference = ReferenceProfile::from_json(&read_text(&args.reference)?)?;
    let config = match &args.config {
        Some(p) => MonitorConfig::from_json(&read_text(p)?)?,
        None => MonitorConfig::default(),
    };
    let now = args.now_ms.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    });
    let model = match &args.model {
        Some(path) => Some(Model::from_bytes_with(
            &crate::fsio::read(path)?,
            &LoadOptions {
                labels: args.labels.clone(),
                ..Default::default()
            },
        )?),
        None => None,
    };
    let pipeline = match &args.spec {
        Some(p) => Some(Pipeline::from_json(&read_text(p)?)?),
        None => None,
    };
    if model.is_some() && pipeline.is_none() {
        return Err(mlcycle::Error::invalid_argument(
            "spec",
            "--model needs --spec (the features the model reads from the raw rows)",
        )
        .into());
    }
    let mut monitor = Monitor::new(reference, config, &args.device)?;
    let mut input = crate::stream::open(&args.input)?;
    if let Some(p) = &pipeline {
        p.check_header(input.header())?;
    }
    if let Some(col) = &args.time_column {
        if !input.header().iter().any(|h| h == col) {
            return Err(mlcycle::Error::Csv {
                line: Some(1),
                reason: format!("no column `{col}` (--time-column)"),
            }
            .into());
        }
    }
    let mut seen = 0usize;
    loop {
        let chunk = input.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        let times = row_times(&chunk, args.time_column.as_deref(), seen)?;
        seen += chunk.len();
        let at = |i: usize| times.get(i).copied().unwrap_or(now);
        let (Some(model), Some(p)) = (&model, &pipeline) else {
            for (i, r) in chunk.iter().enumerate() {
                monitor.observe(at(i), r, &[], f64::NAN);
            }
            continue;
        };
        let batch = p.transform_batch(&chunk);
        let valid = batch.valid_indices();
        let features = batch.valid_values();
        let started = Instant::now();
        let pred = if valid.is_empty() {
            None
        } else {
            Some(model.predict(&features, valid.len())?)
        };
        let latency = started.elapsed().as_secs_f64() * 1000.0 / valid.len().max(1) as f64;
        for (i, (row, record)) in valid
            .iter()
            .filter_map(|r| chunk.get(*r).map(|x| (*r, x)))
            .enumerate()
        {
            let probs = pred.as_ref().map(|p| p.row(i)).unwrap_or_default();
            monitor.observe(at(row), record, probs, latency);
        }
        for e in &batch.errors {
            monitor.observe_error("E_FEATURE_INVALID", at(e.row));
        }
    }
    input.finish("observed");
    let resource = mlcycle::monitor::OtlpResource {
        service_name: args.service_name.clone(),
        instance_id: Some(
            args.instance_id
                .clone()
                .unwrap_or_else(|| args.device.clone()),
        ),
        ..Default::default()
    };
    if let Some(path) = &args.otlp {
        let text = monitor.export_otlp_json_with(now, &resource) + "\n";
        crate::fsio::write_output(path, text.as_bytes())?;
    }
    if let Some(path) = &args.otlp_protobuf {
        crate::fsio::write_output(path, &monitor.export_otlp_protobuf_with(now, &resource)?)?;
    }
    let text = monitor.snapshot()? + "\n";
    match &args.output {
        Some(path) => crate::fsio::write_output(path, text.as_bytes())?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The time of each row of a chunk from `--time-column` (epoch ms); empty without one.
fn row_times(
    chunk: &[mlcycle::features::Record],
    column: Option<&str>,
    before: usize,
) -> Result<Vec<f64>> {
    let Some(col) = column else {
        return Ok(Vec::new());
    };
    chunk
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let t = match r.get(col) {
                Some(RawValue::Number(x)) => Some(*x),
                Some(RawValue::Text(t)) | Some(RawValue::String(t)) => t.trim().parse::<f64>().ok(),
                _ => None,
            };
            t.filter(|t| t.is_finite()).ok_or_else(|| {
                mlcycle::Error::Csv {
                    line: None,
                    reason: format!(
                        "data row {}: `{col}` is not a time in epoch ms (--time-column)",
                        before + i + 1
                    ),
                }
                .into()
            })
        })
        .collect()
}
