//! `mlcycle transform`: raw records (CSV) through a feature spec (features.json), written as a
//! CSV whose header is the output column names, one row per input row, in order.

use crate::csv_io::{cell, write_table};
use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::features::{BatchOutput, Pipeline};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The feature spec (features.json).
    #[arg(long)]
    spec: PathBuf,
    /// Raw CSV with a header row naming the spec's fields (extra columns are ignored).
    #[arg(long)]
    input: PathBuf,
    /// Output CSV (stdout when absent).
    #[arg(long)]
    output: Option<PathBuf>,
    /// Leave invalid rows out (listed on stderr, exit code 1) instead of failing on the first.
    #[arg(long)]
    skip_invalid: bool,
    /// Write the f64 values computed before the final f32 cast (for parity checks).
    #[arg(long)]
    f64: bool,
}

/// Loads a spec file.
pub fn load_pipeline(spec: &Path) -> Result<Pipeline> {
    Ok(Pipeline::from_json(&read_text(spec)?)?)
}

/// Parses and transforms a raw CSV; the first invalid row is an error naming its line.
fn transform_file(p: &Pipeline, input: &Path, strict: bool) -> Result<BatchOutput> {
    let out = p.transform_csv_with(&read_text(input)?, &crate::csv_io::options())?;
    if strict {
        if let Some(e) = out.errors.first() {
            return Err(mlcycle::Error::FeatureInvalid {
                field: e.field.clone(),
                rule: e.rule.clone(),
                reason: format!(
                    "{}: row {} (line {}): {}",
                    input.display(),
                    e.row,
                    e.row + 2,
                    e.message
                ),
            }
            .into());
        }
    }
    Ok(out)
}

/// Features of every row of a raw CSV (for `predict --spec`): row-major values, rows, width.
pub fn features(spec: &Path, input: &Path) -> Result<(Vec<f32>, usize, usize)> {
    let p = load_pipeline(spec)?;
    let out = transform_file(&p, input, true)?;
    Ok((out.values, out.rows, out.width))
}

pub fn run(args: Args) -> Result<ExitCode> {
    let p = load_pipeline(&args.spec)?;
    let out = transform_file(&p, &args.input, !args.skip_invalid)?;
    let records = if args.f64 {
        Some(crate::csv_io::read(&args.input)?.records)
    } else {
        None
    };
    let fmt32 = |x: f32| {
        if x.is_nan() {
            String::new()
        } else {
            x.to_string()
        }
    };
    let fmt64 = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            x.to_string()
        }
    };
    let mut rows = Vec::with_capacity(out.valid_rows());
    for r in (0..out.rows).filter(|r| out.valid.get(*r) == Some(&true)) {
        let row = match records.as_ref().and_then(|recs| recs.get(r)) {
            Some(rec) => p.transform_f64(rec)?.into_iter().map(fmt64).collect(),
            None => out.row(r).iter().map(|x| fmt32(*x)).collect(),
        };
        rows.push(row);
    }
    let header: Vec<String> = p.output_names().iter().map(|n| cell(n)).collect();
    write_table(args.output.as_deref(), &header, &rows)?;
    for e in &out.errors {
        eprintln!(
            "skipped row {} (line {}): field `{}` violates rule `{}`: {}",
            e.row,
            e.row + 2,
            e.field,
            e.rule,
            e.message
        );
    }
    for (field, n) in &out.coerced {
        eprintln!(
            "note: {n} invalid value(s) of `{field}` treated as missing (onInvalid: missing)"
        );
    }
    Ok(if out.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
