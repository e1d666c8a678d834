//! The `mlcycle` command line: the native side of the lifecycle (predict, transform, publish,
//! validate, …). One file per subcommand; each parses its flags into core types, calls the
//! library, and prints. `anyhow` lives only here. On failure the process prints the error with
//! its stable code (`error[E_…]: …`) and exits non-zero.

mod compile;
mod csv_io;
mod drift;
mod fleet;
mod fsio;
mod observe;
mod predict;
mod profile;
mod quality;
mod registry;
mod serve;
mod stream;
mod transform;
mod trust;
mod validate;

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
    #[command(flatten)]
    csv: csv_io::CsvArgs,
    /// No progress bar and no summary line on stderr (errors are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Predict a CSV of numeric features (or raw records with --spec) with an ONNX model.
    Predict(predict::Args),
    /// Raw records (CSV) through a feature spec: writes the model's input features as CSV.
    Transform(transform::Args),
    /// Precompile an ONNX model into tract NNEF (what the slim package loads).
    Compile(compile::Args),
    /// Serve a folder (the demo UI, a registry) on 127.0.0.1 with correct MIME types.
    Serve(serve::Args),
    /// Publish a model version into a registry folder (hashes, smoke rows, manifest).
    Publish(registry::PublishArgs),
    /// Point an alias (default production) at a version.
    Promote(registry::AliasArgs),
    /// Move an alias back to the version it pointed to before.
    Rollback(registry::AliasArgs),
    /// Set a percentage rollout: --set canary=20.
    Rollout(registry::RolloutArgs),
    /// Print the version a subject gets.
    Resolve(registry::ResolveArgs),
    /// Check the manifest (signature, version, expiry) and every artifact's hash and size.
    Verify(registry::VerifyArgs),
    /// Re-sign the manifest with a new version and expiry, changing nothing else.
    Renew(registry::RenewArgs),
    /// Create an Ed25519 key pair for signing manifests.
    Keygen(registry::KeygenArgs),
    /// Validate a model version on a labelled holdout: metrics, latency, quality, go/no-go.
    Validate(validate::Args),
    /// Data quality of a raw CSV against a feature spec.
    Quality(quality::Args),
    /// Reference profile of training data (reference.json) for on-device drift monitoring.
    Profile(profile::Args),
    /// Drift of a raw CSV against a reference profile (PSI, JS, KS, chi², status per field).
    Drift(drift::Args),
    /// The monitor snapshot a device would hold after seeing the rows of a CSV.
    Observe(observe::Args),
    /// Fleet tooling: merge device monitor snapshots into the fleet's drift.
    #[command(subcommand)]
    Fleet(fleet::Command),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    stream::set_quiet(cli.quiet);
    let result = csv_io::configure(&cli.csv).and_then(|()| match cli.command {
        Command::Predict(args) => predict::run(args),
        Command::Transform(args) => transform::run(args),
        Command::Compile(args) => compile::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Publish(args) => registry::publish(args),
        Command::Promote(args) => registry::promote(args),
        Command::Rollback(args) => registry::rollback(args),
        Command::Rollout(args) => registry::rollout(args),
        Command::Resolve(args) => registry::resolve_cmd(args),
        Command::Verify(args) => registry::verify(args),
        Command::Renew(args) => registry::renew(args),
        Command::Keygen(args) => registry::keygen(args),
        Command::Validate(args) => validate::run(args),
        Command::Quality(args) => quality::run(args),
        Command::Profile(args) => profile::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Observe(args) => observe::run(args),
        Command::Fleet(command) => fleet::run(command),
    });
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
