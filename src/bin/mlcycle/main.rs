//! The `mlcycle` command line: the native side of the lifecycle (predict, transform, publish,
//! validate, …). One file per subcommand; each parses its flags into core types, calls the
//! library, and prints. `anyhow` lives only here. On failure the process prints the error with
//! its stable code (`error[E_…]: …`) and exits non-zero.

mod csv_io;
mod predict;
mod serve;
mod transform;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mlcycle",
    version,
    about = "Client-side ML lifecycle: registry, features, inference, monitoring, validation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Predict a CSV of numeric features (or raw records with --spec) with an ONNX model.
    Predict(predict::Args),
    /// Raw records (CSV) through a feature spec: writes the model's input features as CSV.
    Transform(transform::Args),
    /// Serve a folder (the demo UI, a registry) on 127.0.0.1 with correct MIME types.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Predict(args) => predict::run(args),
        Command::Transform(args) => transform::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints an error with its stable code when it is an `mlcycle::Error`.
pub(crate) fn report(e: &anyhow::Error) {
    match e.downcast_ref::<mlcycle::Error>() {
        Some(me) => eprintln!("error[{}]: {me}", me.code()),
        None => eprintln!("error: {e:#}"),
    }
}
