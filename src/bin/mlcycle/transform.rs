//! `mlcycle transform`: raw records (CSV) through a feature spec (features.json), written as a
//! CSV whose header is the output column names, one row per input row, in order.

use crate::csv_io::cell;
use crate::fsio::read_text;
use anyhow::Result;
use mlcycle::features::Pipeline;
use std::collections::BTreeMap;
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

pub fn run(args: Args) -> Result<ExitCode> {
    let p = load_pipeline(&args.spec)?;
    let mut input = crate::stream::open(&args.input)?;
    p.check_header(input.header())?;
    let header: Vec<String> = p.output_names().iter().map(|n| cell(n)).collect();
    let mut output = crate::stream::create(args.output.as_deref(), &header)?;
    let fmt = |x: f64| {
        if x.is_nan() {
            String::new()
        } else {
            x.to_string()
        }
    };
    let mut skipped = 0u64;
    let mut coerced: BTreeMap<String, u64> = BTreeMap::new();
    loop {
        let first_row = input.rows();
        let chunk = input.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        let out = p.transform_batch(&chunk);
        if !args.skip_invalid {
            // Fails on the first invalid row, naming it.
            crate::predict::fail_on_first_error(&out, first_row, &args.input)?;
        }
        for (r, rec) in chunk.iter().enumerate() {
            if out.valid.get(r) != Some(&true) {
                continue;
            }
            let row: Vec<String> = if args.f64 {
                p.transform_f64(rec)?.into_iter().map(fmt).collect()
            } else {
                // f32's own shortest form (what the model is fed), not its f64 widening.
                out.row(r)
                    .iter()
                    .map(|x| {
                        if x.is_nan() {
                            String::new()
                        } else {
                            x.to_string()
                        }
                    })
                    .collect()
            };
            output.row(&row)?;
        }
        for e in &out.errors {
            let row = first_row + e.row as u64;
            eprintln!(
                "skipped row {row} (line {}): field `{}` violates rule `{}`: {}",
                row + 2,
                e.field,
                e.rule,
                e.message
            );
        }
        skipped += out.errors.len() as u64;
        for (field, n) in out.coerced {
            *coerced.entry(field).or_default() += n;
        }
    }
    output.finish()?;
    for (field, n) in &coerced {
        eprintln!(
            "note: {n} invalid value(s) of `{field}` treated as missing (onInvalid: missing)"
        );
    }
    input.finish("transformed");
    Ok(if skipped == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
