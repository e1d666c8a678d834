//! Registry commands: `publish`, `promote`, `rollback`, `rollout`, `renew`, `resolve`,
//! `verify`, `keygen`. Each writer takes the registry lock, reads `DIR/manifest.json`, edits it
//! with the library's pure functions, stamps it (version + 1, a new `expires`) and rewrites it
//! atomically (signing it again when it was signed).

use crate::fsio::{lock_registry, read, read_registry_file, write_atomic};
use crate::trust::FileTrustStore;
use anyhow::{bail, Result};
use mlcycle::features::{FeatureSpec, Pipeline};
use mlcycle::monitor::{ProfileOptions, ReferenceProfile};
use mlcycle::native::SystemClock;
use mlcycle::registry::publish::{self, NewArtifact, NewVersion};
use mlcycle::registry::{
    artifacts::verify_bytes, freshness, hash::sha256_hex, resolve, signing, FreshnessPolicy,
    Manifest, ResolveRequest, SmokeRows, TrustStore,
};
use mlcycle::validation::{labels_from_records, parse_criteria_json, validate, ValidateOptions};
use mlcycle::Preprocessing;
use mlcycle::{LoadOptions, Model};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn manifest_path(dir: &Path) -> PathBuf {
    dir.join("manifest.json")
}

/// Reads DIR/manifest.json, or a new empty manifest when `create` and absent.
fn load(dir: &Path, create: bool) -> Result<Manifest> {
    let path = manifest_path(dir);
    if create && !path.exists() {
        return Ok(Manifest::new());
    }
    Ok(Manifest::from_slice(&read(&path)?)?)
}

/// What every command that writes the manifest takes.
#[derive(clap::Args)]
pub struct WriteArgs {
    /// Hex Ed25519 secret key file: sign the manifest (required once it is signed).
    #[arg(long)]
    sign_key: Option<PathBuf>,
    /// Days the written manifest stays valid: clients refuse it afterwards (E_EXPIRED) until
    /// it is written again (any change, or `mlcycle renew`).
    #[arg(long, default_value_t = publish::DEFAULT_EXPIRES_DAYS)]
    expires_days: f64,
}

/// Stamps (version + 1, new expiry), signs (when a key is given) and writes the manifest
/// atomically. A signed manifest cannot be rewritten without the key: dropping the signature
/// would break every page that checks it.
fn save(dir: &Path, mut manifest: Manifest, was_signed: bool, write: &WriteArgs) -> Result<()> {
    publish::stamp(
        &mut manifest,
        mlcycle::native::unix_now_ms(),
        write.expires_days,
    )?;
    match write.sign_key.as_deref() {
        Some(key) => {
            let secret = String::from_utf8_lossy(&read(key)?).trim().to_string();
            signing::sign(&mut manifest, &secret)?;
        }
        None if was_signed => bail!(mlcycle::Error::Signature {
            reason: "the manifest is signed: pass --sign-key to re-sign it after this change"
                .into()
        }),
        None => manifest.signature = None,
    }
    manifest.validate()?;
    write_atomic(&manifest_path(dir), manifest.to_json_pretty()?.as_bytes())
}

fn now_iso() -> String {
    mlcycle::features::format_iso8601_utc(mlcycle::native::unix_now_ms())
}

#[derive(clap::Args)]
pub struct PublishArgs {
    /// Registry folder (manifest.json is created when absent).
    #[arg(long)]
    registry: PathBuf,
    /// Model name.
    #[arg(long)]
    name: String,
    /// Semver version to publish (immutable once published).
    #[arg(long)]
    version: String,
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// The feature spec (features.json) the model was trained with. Leave it out for a model
    /// that carries its own preprocessing (skl2onnx's one-input-per-column exports): the CSV
    /// columns then go straight into its inputs by name, when serving too.
    #[arg(long)]
    spec: Option<PathBuf>,
    /// Training CSV (raw records): hashed for provenance, profiled as the drift reference.
    #[arg(long)]
    train: PathBuf,
    /// Holdout CSV (raw records with the label column): validation and smoke rows.
    #[arg(long)]
    holdout: PathBuf,
    /// Label column of the holdout/train CSVs.
    #[arg(long)]
    label: String,
    /// Class labels in model output order (default: the model's).
    #[arg(long, value_delimiter = ',')]
    labels: Option<Vec<String>>,
    /// Point this alias at the new version (e.g. production, canary).
    #[arg(long)]
    alias: Vec<String>,
    /// Roll an alias out to a share of subjects: ALIAS=PERCENT.
    #[arg(long)]
    rollout: Vec<String>,
    /// Acceptance criteria (JSON array), stored in the manifest.
    #[arg(long)]
    criteria: Option<PathBuf>,
    /// Monitoring thresholds (JSON object), stored in the manifest.
    #[arg(long)]
    monitoring: Option<PathBuf>,
    /// Extra provenance (JSON object: hyperparameters, source, …), merged into the record.
    #[arg(long)]
    provenance: Option<PathBuf>,
    #[command(flatten)]
    write: WriteArgs,
    /// Model budget in bytes: the most any tensor whose size the model file fixes may take,
    /// and all its constants together (default 512 MiB; see docs/security.md).
    #[arg(long)]
    max_model_bytes: Option<u64>,
    /// Smoke rows to store (first N holdout rows).
    #[arg(long, default_value_t = 5)]
    smoke_rows: usize,
}

/// A CSV record as the JSON object a page would send: spec fields only, typed by the spec
/// (numbers as numbers, empty cells as null), so smoke rows exercise the JS record path.
fn record_to_json(spec: &FeatureSpec, record: &mlcycle::features::Record) -> Value {
    use mlcycle::features::{FieldType, RawValue};
    let mut obj = serde_json::Map::new();
    for field in &spec.fields {
        let v = match record.get(&field.name) {
            None | Some(RawValue::Null) => Value::Null,
            Some(RawValue::Number(n)) => json!(n),
            Some(RawValue::Bool(b)) => json!(b),
            Some(RawValue::String(s)) | Some(RawValue::Text(s)) | Some(RawValue::Other(s)) => {
                let t = s.trim();
                match field.ty {
                    _ if t.is_empty() => Value::Null,
                    FieldType::Number | FieldType::Integer => t
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| json!(f))
                        .unwrap_or(json!(s)),
                    FieldType::Boolean => match t.to_ascii_lowercase().as_str() {
                        "true" | "1" => json!(true),
                        "false" | "0" => json!(false),
                        _ => json!(s),
                    },
                    _ => json!(s),
                }
            }
        };
        obj.insert(field.name.clone(), v);
    }
    Value::Object(obj)
}

fn report_decision(validation: &Value) -> Value {
    validation
        .get("report")
        .and_then(|r| r.get("decision"))
        .cloned()
        .unwrap_or(Value::Null)
}

fn parse_rollout(s: &str) -> Result<(String, f64)> {
    let (alias, pct) = s.split_once('=').ok_or_else(|| {
        mlcycle::Error::invalid_argument("rollout", format!("`{s}`: expected ALIAS=PERCENT"))
    })?;
    let pct: f64 = pct.trim_end_matches('%').parse().map_err(|_| {
        mlcycle::Error::invalid_argument("rollout", format!("`{pct}` is not a number"))
    })?;
    Ok((alias.to_string(), pct))
}

fn json_file(path: &Option<PathBuf>) -> Result<Option<Value>> {
    match path {
        Some(p) => Ok(Some(serde_json::from_slice(&read(p)?).map_err(|e| {
            mlcycle::Error::invalid_argument(p.display().to_string(), format!("not JSON: {e}"))
        })?)),
        None => Ok(None),
    }
}

/// The model's NNEF form, checked to predict bit-for-bit what the ONNX model predicts on every
/// holdout row. `Ok(Err(why))`: the model has no faithful NNEF form (an operator tract cannot
/// serialize, or a difference), which is a warning, not a failed publish.
fn precompile(
    model: &Model,
    prep: &Preprocessing,
    holdout: &[mlcycle::features::Record],
) -> Result<std::result::Result<Vec<u8>, String>> {
    let bytes = match model.to_nnef() {
        Ok(b) => b,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let loaded = match Model::from_nnef(&bytes) {
        Ok(m) => m,
        Err(e) => return Ok(Err(format!("the NNEF form does not load back: {e}"))),
    };
    let a = prep.predict_each(model, holdout)?;
    let b = match prep.predict_each(&loaded, holdout) {
        Ok(b) => b,
        Err(e) => return Ok(Err(format!("the NNEF form fails on the holdout: {e}"))),
    };
    let (a, b) = (a.rows, b.rows);
    let bits = |v: &Option<Vec<f32>>| {
        v.as_ref()
            .map(|v| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>())
    };
    let same = a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| bits(x) == bits(y));
    if !same {
        return Ok(Err(
            "the NNEF form's predictions differ from the ONNX model's on the holdout".into(),
        ));
    }
    Ok(Ok(bytes))
}

pub fn publish(args: PublishArgs) -> Result<ExitCode> {
    // Held from reading the manifest to writing it back: a concurrent publish waits its turn.
    let _lock = lock_registry(&args.registry, true)?;
    let mut manifest = load(&args.registry, true)?;
    let was_signed = manifest.signature.is_some();
    let model_bytes = read(&args.model)?;
    let spec_bytes = args.spec.as_deref().map(read).transpose()?;
    let pipeline = spec_bytes
        .as_ref()
        .map(|b| Pipeline::from_json(&String::from_utf8_lossy(b)).map(std::sync::Arc::new))
        .transpose()?;
    let model = Model::from_bytes_with(
        &model_bytes,
        &LoadOptions {
            labels: args.labels.clone(),
            max_bytes: args.max_model_bytes,
            ..Default::default()
        },
    )?;
    if let Err(e) = model.check_wasm_datum_types() {
        eprintln!("warning: {e}; the native CLI and Python still run it");
    }
    let prep = Preprocessing::new(pipeline, &model)?;
    let train_bytes = read(&args.train)?;
    let holdout_bytes = read(&args.holdout)?;
    let holdout_csv = crate::csv_io::parse(&String::from_utf8_lossy(&holdout_bytes))?;
    let train_csv = crate::csv_io::parse(&String::from_utf8_lossy(&train_bytes))?;
    // Every field the records feed must be a column of both CSVs, or every row would be
    // refused (better said here, once, with the names).
    for (what, csv) in [("training", &train_csv), ("holdout", &holdout_csv)] {
        if let Some(p) = prep.pipeline() {
            p.check_header(&csv.header)?;
            continue;
        }
        let missing = prep.missing_columns(&csv.header);
        if !missing.is_empty() {
            bail!(mlcycle::Error::invalid_argument(
                "spec",
                format!(
                    "no --spec: the model reads the record fields [{}], and the {what} CSV lacks [{}]; \
                     publish with the feature spec it was trained with",
                    prep.field_names().collect::<Vec<_>>().join(", "),
                    missing.join(", ")
                ),
            ));
        }
    }
    let holdout = holdout_csv.records;

    // Smoke rows: the first holdout records (label removed) and this build's outputs for them.
    let mut smoke = SmokeRows {
        records: vec![],
        expected: vec![],
        tolerance: 1e-5,
    };
    for record in holdout.iter().take(args.smoke_rows) {
        let json = record_to_json(prep.spec(), record);
        // The row as the page will send it must give what the CSV row gives.
        let Ok(p) = mlcycle::Record::from_json(&json).and_then(|r| prep.predict(&model, &r)) else {
            continue;
        };
        smoke.records.push(json);
        smoke.expected.push(p.values);
    }
    // The holdout validation report against the version's criteria (stored with the version,
    // shown by the UI, and the go/no-go the promoter reads).
    let criteria_value = json_file(&args.criteria)?;
    let mut options = ValidateOptions {
        labels: args.labels.clone(),
        ..ValidateOptions::default()
    };
    if let Some(c) = &criteria_value {
        options.criteria = parse_criteria_json(&c.to_string())?;
    }
    let truth = labels_from_records(&holdout, &args.label);
    let report = validate(
        &model,
        &prep,
        &holdout,
        &truth,
        &options,
        &SystemClock::default(),
    )?;
    let decision = report.decision;
    let accuracy = match &report.metrics {
        mlcycle::validation::Metrics::Classification(c) => Some(c.accuracy),
        _ => None,
    };
    let validation_value = json!({
        "format": "mlcycle.validation/1",
        "model": args.name,
        "version": args.version,
        "smoke": smoke,
        "report": report,
    });

    // The drift reference: the training data's profile plus the model's predictions on it.
    let train = train_csv.records;
    let mut probabilities = Vec::new();
    for p in prep.predict_each(&model, &train)?.rows {
        match p {
            Some(values) => probabilities.extend(values),
            None => probabilities.extend(std::iter::repeat_n(f32::NAN, model.labels().len())),
        }
    }
    let labels_for_profile = args
        .labels
        .clone()
        .unwrap_or_else(|| model.labels().to_vec());
    let options = ProfileOptions::default();
    let mut reference = match prep.pipeline() {
        Some(p) => ReferenceProfile::build_for(p, &train, &options)?,
        None => ReferenceProfile::build(prep.spec(), &train, &options)?,
    };
    if model.info().kind == mlcycle::ModelKind::Classifier {
        reference = reference.with_predictions(&labels_for_profile, &probabilities)?;
    }

    // The precompiled form (issue 8): tract NNEF, loaded by every build and the only form the
    // slim edge package can load. Published only when it reproduces the ONNX path exactly on
    // every holdout row the pipeline accepts, so either artifact gives one answer.
    let nnef = precompile(&model, &prep, &holdout)?;

    let mut artifacts = vec![
        NewArtifact {
            kind: "model".into(),
            file_name: "model.onnx".into(),
            bytes: model_bytes,
            media_type: "application/onnx".into(),
        },
        NewArtifact {
            kind: mlcycle::registry::VALIDATION_ARTIFACT.into(),
            file_name: "validation.json".into(),
            bytes: serde_json::to_vec_pretty(&validation_value)?,
            media_type: "application/json".into(),
        },
        // The golden rows alone: what `open` needs before serving, so the (larger) report
        // stays off the path to the first prediction. Also kept in validation.json for
        // runtimes that predate smoke.json.
        NewArtifact {
            kind: mlcycle::registry::SMOKE_ARTIFACT.into(),
            file_name: "smoke.json".into(),
            bytes: serde_json::to_vec(&json!({
                "format": "mlcycle.smoke/1",
                "records": smoke.records,
                "expected": smoke.expected,
                "tolerance": smoke.tolerance,
            }))?,
            media_type: "application/json".into(),
        },
    ];
    if let Some(bytes) = spec_bytes {
        artifacts.push(NewArtifact {
            kind: "features".into(),
            file_name: "features.json".into(),
            bytes,
            media_type: "application/json".into(),
        });
    }
    if let Ok(bytes) = &nnef {
        if let Err(e) = Model::check_slim(bytes) {
            eprintln!("warning: {e}; the full package still loads it");
        }
    }
    match nnef {
        Ok(bytes) => artifacts.push(NewArtifact {
            kind: mlcycle::registry::NNEF_ARTIFACT.into(),
            file_name: "model.nnef.tar".into(),
            bytes,
            media_type: "application/x-tract-nnef+tar".into(),
        }),
        Err(why) => eprintln!(
            "warning: no precompiled (NNEF) artifact: {why}; the slim package cannot serve this version"
        ),
    }
    artifacts.push(NewArtifact {
        kind: "reference".into(),
        file_name: "reference.json".into(),
        bytes: reference.to_json_pretty()?.into_bytes(),
        media_type: "application/json".into(),
    });

    let mut provenance = json!({
        "trainingDataSha256": sha256_hex(&train_bytes),
        "trainingRows": train.len(),
        "metrics": {"accuracy": accuracy, "decision": decision},
        "holdoutSha256": sha256_hex(&holdout_bytes),
        "holdoutRows": holdout.len(),
        "source": args.model.file_name().map(|n| n.to_string_lossy().to_string()),
        "producer": model.info().producer,
        "labelColumn": args.label,
    });
    if let (Some(extra), Some(obj)) = (json_file(&args.provenance)?, provenance.as_object_mut()) {
        if let Some(e) = extra.as_object() {
            obj.extend(e.clone());
        }
    }
    let criteria = match criteria_value {
        Some(Value::Array(a)) => a,
        Some(other) => vec![other],
        None => vec![],
    };
    let labels = args
        .labels
        .clone()
        .unwrap_or_else(|| model.labels().to_vec());
    let files = publish::add_version(
        &mut manifest,
        NewVersion {
            model: args.name.clone(),
            version: args.version.clone(),
            created_at: now_iso(),
            task: Some(
                if model.info().kind == mlcycle::ModelKind::Regressor {
                    "regression"
                } else {
                    "classification"
                }
                .into(),
            ),
            labels,
            feature_spec_hash: prep.pipeline().map(|p| p.version().to_string()),
            artifacts,
            criteria,
            monitoring: json_file(&args.monitoring)?,
            provenance: Some(provenance),
        },
    )?;
    for alias in &args.alias {
        publish::set_alias(&mut manifest, &args.name, alias, &args.version)?;
    }
    for r in &args.rollout {
        let (alias, pct) = parse_rollout(r)?;
        publish::set_rollout(&mut manifest, &args.name, &alias, pct, None)?;
    }
    for (path, bytes) in &files {
        write_atomic(&args.registry.join(path), bytes)?;
    }
    save(&args.registry, manifest, was_signed, &args.write)?;
    println!(
        "published {} {} ({} artifacts) into {}; holdout decision: {}",
        args.name,
        args.version,
        files.len(),
        args.registry.display(),
        report_decision(&validation_value)
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct AliasArgs {
    #[arg(long)]
    registry: PathBuf,
    #[arg(long)]
    name: String,
    /// Alias to move (default production).
    #[arg(long, default_value = "production")]
    alias: String,
    /// Version to point it at (promote only).
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn promote(args: AliasArgs) -> Result<ExitCode> {
    let _lock = lock_registry(&args.registry, false)?;
    let mut m = load(&args.registry, false)?;
    let was_signed = m.signature.is_some();
    let version = args
        .version
        .ok_or_else(|| mlcycle::Error::invalid_argument("version", "promote needs --version"))?;
    publish::set_alias(&mut m, &args.name, &args.alias, &version)?;
    save(&args.registry, m, was_signed, &args.write)?;
    println!("{} {} -> {}", args.name, args.alias, version);
    Ok(ExitCode::SUCCESS)
}

pub fn rollback(args: AliasArgs) -> Result<ExitCode> {
    let _lock = lock_registry(&args.registry, false)?;
    let mut m = load(&args.registry, false)?;
    let was_signed = m.signature.is_some();
    let version = publish::rollback_alias(&mut m, &args.name, &args.alias)?;
    save(&args.registry, m, was_signed, &args.write)?;
    println!("{} {} rolled back to {}", args.name, args.alias, version);
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct RolloutArgs {
    #[arg(long)]
    registry: PathBuf,
    #[arg(long)]
    name: String,
    /// ALIAS=PERCENT
    #[arg(long)]
    set: String,
    #[arg(long)]
    salt: Option<String>,
    #[command(flatten)]
    write: WriteArgs,
}

pub fn rollout(args: RolloutArgs) -> Result<ExitCode> {
    let _lock = lock_registry(&args.registry, false)?;
    let mut m = load(&args.registry, false)?;
    let was_signed = m.signature.is_some();
    let (alias, pct) = parse_rollout(&args.set)?;
    publish::set_rollout(&mut m, &args.name, &alias, pct, args.salt.as_deref())?;
    save(&args.registry, m, was_signed, &args.write)?;
    println!("{} rollout {alias} = {pct}%", args.name);
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct ResolveArgs {
    #[arg(long)]
    registry: PathBuf,
    #[arg(long)]
    name: String,
    /// Subject key (user/device id).
    #[arg(long)]
    subject: Option<String>,
    #[arg(long)]
    version: Option<String>,
    #[arg(long)]
    alias: Option<String>,
    /// Print the whole selection as JSON instead of the version.
    #[arg(long)]
    json: bool,
}

pub fn resolve_cmd(args: ResolveArgs) -> Result<ExitCode> {
    let m = load(&args.registry, false)?;
    let req = ResolveRequest {
        subject: args.subject,
        version: args.version,
        alias: args.alias,
    };
    let sel = resolve(&m, &args.name, &req, mlcycle::native::unix_now_ms())?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&sel)?);
    } else {
        println!("{}", sel.version);
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct RenewArgs {
    #[arg(long)]
    registry: PathBuf,
    #[command(flatten)]
    write: WriteArgs,
}

/// Writes the manifest again with the next version and a new expiry, nothing else changed: what
/// a registry that publishes rarely runs on a schedule (before `expires`) so clients never see
/// it expire.
pub fn renew(args: RenewArgs) -> Result<ExitCode> {
    let _lock = lock_registry(&args.registry, false)?;
    let m = load(&args.registry, false)?;
    let was_signed = m.signature.is_some();
    save(&args.registry, m, was_signed, &args.write)?;
    let m = load(&args.registry, false)?;
    println!(
        "manifest version {} expires {}",
        freshness::manifest_version(&m),
        m.expires.as_deref().unwrap_or("never")
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    #[arg(long)]
    registry: PathBuf,
    /// Trusted public key file (hex): the manifest signature must verify with it.
    #[arg(long)]
    public_key: Option<PathBuf>,
    /// Accept a manifest older than one verified before (a registry deliberately rebuilt), and
    /// remember it as the latest.
    #[arg(long)]
    allow_rollback: bool,
    /// Accept a manifest past its `expires` time.
    #[arg(long)]
    allow_expired: bool,
}

/// Checks what a client would before trusting the registry: the signature (with the trusted
/// key; without one, a present signature must at least match the key it names, so a tampered
/// signed manifest never passes), the version against the highest one verified before
/// (E_ROLLBACK), the expiry (E_EXPIRED), then every artifact: a regular file inside the folder,
/// of its declared size and hash.
pub fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let path = manifest_path(&args.registry);
    // The manifest too: a regular file inside the folder, at most 16 MiB.
    let bytes = read_registry_file(
        &args.registry,
        "manifest.json",
        0,
        mlcycle::host::MAX_MANIFEST_BYTES,
    )?;
    let m = Manifest::from_slice(&bytes)?;
    match (&args.public_key, &m.signature) {
        (Some(k), _) => {
            let key = String::from_utf8_lossy(&read(k)?).trim().to_string();
            signing::verify(&m, &key)?;
            println!("signature: ok");
        }
        (None, Some(sig)) => match &sig.public_key {
            Some(named) => {
                signing::verify(&m, named)?;
                println!(
                    "signature: matches the key it names ({named}); pass --public-key to check \
                     it is the key you trust"
                );
            }
            None => println!("signature: present but names no key; pass --public-key to check it"),
        },
        (None, None) => println!("signature: none"),
    }
    let store = FileTrustStore::open();
    let id = std::fs::canonicalize(&path)
        .unwrap_or_else(|_| path.clone())
        .display()
        .to_string();
    let policy = FreshnessPolicy {
        allow_rollback: args.allow_rollback,
        allow_expired: args.allow_expired,
    };
    freshness::check(
        &m,
        &id,
        store.trusted_version(&id),
        mlcycle::native::unix_now_ms(),
        &policy,
    )?;
    println!(
        "manifest version {} expires {} (trusted versions: {})",
        freshness::manifest_version(&m),
        m.expires.as_deref().unwrap_or("never"),
        store.location()
    );
    let mut checked = 0;
    for (name, model) in &m.models {
        for (version, entry) in &model.versions {
            for (kind, a) in &entry.artifacts {
                if a.url.contains("://") {
                    println!("skip {name} {version} {kind} {} (remote)", a.url);
                    continue;
                }
                let bytes = read_registry_file(
                    &args.registry,
                    &a.url,
                    a.size,
                    mlcycle::host::MAX_UNSIZED_ARTIFACT_BYTES,
                )?;
                verify_bytes(&args.registry.join(&a.url).display().to_string(), a, &bytes)?;
                checked += 1;
                println!("ok  {name} {version} {kind} {}", a.sha256);
            }
        }
    }
    println!("verified {checked} artifacts");
    // Remembered only now, and only when the trusted key verified the signature: an unsigned
    // manifest's version could be anything.
    if args.public_key.is_some() {
        store.remember(&id, freshness::manifest_version(&m));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (hex); the public key goes to <FILE>.pub.
    #[arg(long)]
    out: PathBuf,
}

pub fn keygen(args: KeygenArgs) -> Result<ExitCode> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| mlcycle::Error::unsupported(format!("no OS randomness: {e}")))?;
    let (secret, public) = signing::keypair_from_seed(seed);
    write_atomic(&args.out, format!("{secret}\n").as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&args.out, std::fs::Permissions::from_mode(0o600));
    }
    let pub_path = PathBuf::from(format!("{}.pub", args.out.display()));
    write_atomic(&pub_path, format!("{public}\n").as_bytes())?;
    println!(
        "secret key: {} (keep it private)\npublic key: {} = {public}",
        args.out.display(),
        pub_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
