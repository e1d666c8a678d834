//! `mlcycle compile`: an ONNX model to its precompiled form (tract NNEF tar with mlcycle's
//! metadata), the file `publish` stores as a version's `nnef` artifact and the only model form
//! the slim edge package loads. Useful outside a registry (`Model.fromNnef` in JS).

use crate::fsio::{read, write_atomic};
use anyhow::Result;
use mlcycle::{LoadOptions, Model};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The ONNX model.
    model: PathBuf,
    /// Output file (conventionally `*.nnef.tar`).
    #[arg(long, short)]
    output: PathBuf,
    /// Class labels, comma-separated, overriding the model's (stored in the output).
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Model budget in bytes: the most any tensor whose size the model file fixes may take,
    /// and all its constants together (default 512 MiB; see docs/security.md).
    #[arg(long)]
    max_model_bytes: Option<u64>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let bytes = read(&args.model)?;
    let model = Model::from_bytes_with(
        &bytes,
        &LoadOptions {
            labels: args.labels,
            max_bytes: args.max_model_bytes,
            ..Default::default()
        },
    )?;
    let nnef = model.to_nnef()?;
    // Load it back before writing: a file that would not load is never produced.
    Model::from_nnef_with(
        &nnef,
        &LoadOptions {
            max_bytes: args.max_model_bytes,
            ..Default::default()
        },
    )?;
    if crate::fsio::is_stdio(&args.output) {
        // The tar on stdout; the summary goes to stderr so the stream stays clean.
        crate::fsio::write_output(&args.output, &nnef)?;
        eprintln!(
            "compiled {} ({} B ONNX) into stdout ({} B NNEF)",
            args.model.display(),
            bytes.len(),
            nnef.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    write_atomic(&args.output, &nnef)?;
    println!(
        "compiled {} ({} B ONNX) into {} ({} B NNEF)",
        args.model.display(),
        bytes.len(),
        args.output.display(),
        nnef.len()
    );
    Ok(ExitCode::SUCCESS)
}
