//! The publishing CLI end to end on a temporary registry folder: publish, resolve, promote,
//! rollback, signed manifests, and `verify` failing with E_INTEGRITY after one flipped byte.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The CLI, with its trusted-manifest memory in this test process's own folder (never the
/// user's state folder).
fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mlcycle"));
    c.env("MLCYCLE_STATE_DIR", state_dir());
    c
}

fn state_dir() -> PathBuf {
    std::env::temp_dir().join(format!("mlcycle-cli-state-{}", std::process::id()))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run mlcycle")
}

fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlcycle-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn publish(reg: &Path, version: &str, model: &str, extra: &[&str]) {
    let reg = reg.to_str().unwrap();
    let mut args = vec![
        "publish",
        "--registry",
        reg,
        "--name",
        "penguins",
        "--version",
        version,
        "--model",
        model,
        "--spec",
        "tests/data/penguins_features.json",
        "--train",
        "tests/data/penguins_train.csv",
        "--holdout",
        "tests/data/penguins_test.csv",
        "--label",
        "species",
        "--labels",
        "Adelie,Chinstrap,Gentoo",
    ];
    args.extend_from_slice(extra);
    ok(&args);
}

#[test]
fn publish_resolve_promote_rollback_verify() {
    let dir = tempdir("flow");
    let reg = dir.join("reg");
    let r = reg.to_str().unwrap();
    publish(
        &reg,
        "1.0.0",
        "tests/data/penguins_logreg.onnx",
        &["--alias", "production"],
    );
    publish(
        &reg,
        "1.1.0",
        "tests/data/variants/penguins_gbt.onnx",
        &["--alias", "canary", "--rollout", "canary=20"],
    );
    // Versions are immutable.
    let again = run(&[
        "publish",
        "--registry",
        r,
        "--name",
        "penguins",
        "--version",
        "1.1.0",
        "--model",
        "tests/data/penguins_logreg.onnx",
        "--spec",
        "tests/data/penguins_features.json",
        "--train",
        "tests/data/penguins_train.csv",
        "--holdout",
        "tests/data/penguins_test.csv",
        "--label",
        "species",
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("E_INVALID_ARGUMENT"));

    let mut canary = 0;
    for i in 0..500 {
        let v = ok(&[
            "resolve",
            "--registry",
            r,
            "--name",
            "penguins",
            "--subject",
            &format!("s{i}"),
        ]);
        let again = ok(&[
            "resolve",
            "--registry",
            r,
            "--name",
            "penguins",
            "--subject",
            &format!("s{i}"),
        ]);
        assert_eq!(v, again, "stable per subject");
        if v.trim() == "1.1.0" {
            canary += 1;
        }
    }
    assert!((60..=140).contains(&canary), "≈20 % of 500: {canary}");

    ok(&[
        "promote",
        "--registry",
        r,
        "--name",
        "penguins",
        "--version",
        "1.1.0",
    ]);
    assert_eq!(
        ok(&[
            "resolve",
            "--registry",
            r,
            "--name",
            "penguins",
            "--alias",
            "production"
        ])
        .trim(),
        "1.1.0"
    );
    ok(&["rollback", "--registry", r, "--name", "penguins"]);
    assert_eq!(
        ok(&[
            "resolve",
            "--registry",
            r,
            "--name",
            "penguins",
            "--alias",
            "production"
        ])
        .trim(),
        "1.0.0"
    );
    assert!(
        ok(&["verify", "--registry", r]).contains("verified 12 artifacts"),
        "model, nnef, features, reference, smoke and validation of two versions"
    );
    // Each version carries its precompiled form, which predicts what the ONNX model does.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reg.join("manifest.json")).unwrap()).unwrap();
    for version in ["1.0.0", "1.1.0"] {
        let a = &manifest["models"]["penguins"]["versions"][version]["artifacts"]["nnef"];
        assert_eq!(a["mediaType"], "application/x-tract-nnef+tar", "{version}");
        let nnef = std::fs::read(reg.join(a["url"].as_str().unwrap())).unwrap();
        let onnx = std::fs::read(reg.join(format!("penguins/{version}/model.onnx"))).unwrap();
        let (a, b) = (
            mlcycle::Model::from_nnef(&nnef).unwrap(),
            mlcycle::Model::from_bytes(&onnx).unwrap(),
        );
        mlcycle::Model::check_slim(&nnef).unwrap();
        let x = [0.3f32, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];
        assert_eq!(
            a.predict(&x, 1).unwrap(),
            b.predict(&x, 1).unwrap(),
            "{version}"
        );
    }

    // Flip one byte of a model file: verify fails with E_INTEGRITY and a non-zero exit.
    let model = reg.join("penguins/1.1.0/model.onnx");
    let mut bytes = std::fs::read(&model).unwrap();
    bytes[42] ^= 0x01;
    std::fs::write(&model, bytes).unwrap();
    let o = run(&["verify", "--registry", r]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("E_INTEGRITY") && err.contains("penguins/1.1.0/model.onnx"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A fresh key pair and a registry with penguins 1.0.0 in production, signed with it: (temp
/// dir, registry, secret key path, public key path).
fn signed_registry(name: &str) -> (PathBuf, PathBuf, String, String) {
    let dir = tempdir(name);
    let reg = dir.join("reg");
    let key = dir.join("key");
    ok(&["keygen", "--out", key.to_str().unwrap()]);
    let k = key.to_str().unwrap().to_string();
    let pubk = format!("{k}.pub");
    publish(
        &reg,
        "1.0.0",
        "tests/data/penguins_logreg.onnx",
        &["--alias", "production", "--sign-key", &k],
    );
    (dir, reg, k, pubk)
}

#[test]
fn signed_manifests_verify_and_refuse_unsigned_edits() {
    let (dir, reg, _, pubk) = signed_registry("signed");
    let r = reg.to_str().unwrap();
    assert!(ok(&["verify", "--registry", r, "--public-key", &pubk]).contains("signature: ok"));
    // Editing a signed manifest without the key is refused (it would drop the signature).
    let o = run(&[
        "promote",
        "--registry",
        r,
        "--name",
        "penguins",
        "--alias",
        "canary",
        "--version",
        "1.0.0",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("E_SIGNATURE"));
    // A hand edit breaks the signature.
    let m = reg.join("manifest.json");
    let text = std::fs::read_to_string(&m).unwrap().replace(
        "\"production\": \"1.0.0\"",
        "\"production\": \"1.0.0\", \"evil\": \"1.0.0\"",
    );
    std::fs::write(&m, text).unwrap();
    let o = run(&["verify", "--registry", r, "--public-key", &pubk]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("E_SIGNATURE"));
    let _ = std::fs::remove_dir_all(&dir);
}

fn fails_with(args: &[&str], code: &str) -> String {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!o.status.success() && err.contains(code), "{args:?}: {err}");
    err
}

/// TUF-style freshness from the CLI: every write bumps the manifest version and sets
/// `expires`; `verify` refuses a replayed older manifest (validly signed), an expired one, a
/// present-but-broken signature even without a key, artifact URLs outside the registry, and
/// artifacts that are not regular files inside it (a FIFO would block a naive read forever).
#[test]
fn verify_refuses_rollback_expiry_bad_signatures_and_escapes() {
    let (dir, reg, k, pubk) = signed_registry("fresh");
    let r = reg.to_str().unwrap();
    let key = PathBuf::from(&k);
    let sign = ["--sign-key", k.as_str()];
    let manifest = reg.join("manifest.json");
    let v1 = std::fs::read(&manifest).unwrap();
    let m1: serde_json::Value = serde_json::from_slice(&v1).unwrap();
    assert_eq!(m1["version"], 1);
    let expires = m1["expires"].as_str().unwrap();
    let parsed = mlcycle::registry::Manifest::from_slice(&v1).unwrap();
    let days = (mlcycle::registry::freshness::expires_ms(&parsed).unwrap()
        - mlcycle::native::unix_now_ms())
        / 86_400_000.0;
    assert!(
        (29.9..30.1).contains(&days),
        "expires {expires}: {days} days"
    );
    publish(
        &reg,
        "1.1.0",
        "tests/data/variants/penguins_gbt.onnx",
        &["--alias", "production", sign[0], sign[1]],
    );
    let out = ok(&["verify", "--registry", r, "--public-key", &pubk]);
    assert!(out.contains("manifest version 2"), "{out}");

    // Replay: the older, validly signed manifest put back.
    let v2 = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &v1).unwrap();
    let err = fails_with(
        &["verify", "--registry", r, "--public-key", &pubk],
        "E_ROLLBACK",
    );
    assert!(
        err.contains("version 1") && err.contains("version 2"),
        "{err}"
    );
    fails_with(&["verify", "--registry", r], "E_ROLLBACK");
    std::fs::write(&manifest, &v2).unwrap();
    ok(&["verify", "--registry", r]);

    // `renew` writes version 3 with a new expiry; a 1-day manifest checked 2 days later (by
    // putting `expires` in the past and re-signing) is refused, and accepted when allowed.
    let out = ok(&[
        "renew",
        "--registry",
        r,
        sign[0],
        sign[1],
        "--expires-days",
        "1",
    ]);
    assert!(out.contains("manifest version 3"), "{out}");
    let mut m: mlcycle::registry::Manifest =
        mlcycle::registry::Manifest::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    m.expires = Some("2020-01-01T00:00:00Z".into());
    m.version = Some(4);
    let secret = std::fs::read_to_string(&key).unwrap();
    mlcycle::registry::signing::sign(&mut m, secret.trim()).unwrap();
    std::fs::write(&manifest, m.to_json_pretty().unwrap()).unwrap();
    let err = fails_with(
        &["verify", "--registry", r, "--public-key", &pubk],
        "E_EXPIRED",
    );
    assert!(err.contains("2020-01-01T00:00:00Z"), "{err}");
    ok(&[
        "verify",
        "--registry",
        r,
        "--public-key",
        &pubk,
        "--allow-expired",
    ]);
    fails_with(
        &[
            "renew",
            "--registry",
            r,
            "--expires-days",
            "0",
            sign[0],
            sign[1],
        ],
        "E_INVALID_ARGUMENT",
    );
    ok(&["renew", "--registry", r, sign[0], sign[1]]);

    // A signature that no longer matches fails without --public-key too.
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("\"production\": \"1.1.0\"", "\"production\": \"1.0.0\"");
    std::fs::write(&manifest, &text).unwrap();
    fails_with(&["verify", "--registry", r], "E_SIGNATURE");

    // Artifact URLs must stay inside the registry.
    let escaped = text.replace("penguins/1.0.0/features.json", "/etc/passwd");
    std::fs::write(&manifest, escaped).unwrap();
    let err = fails_with(&["verify", "--registry", r], "E_MANIFEST_INVALID");
    assert!(err.contains("/etc/passwd"), "{err}");

    // Unsigned registry: a FIFO or a symlink out of the folder in place of an artifact is
    // refused before anything is read.
    let plain = dir.join("plain");
    let p = plain.to_str().unwrap();
    publish(&plain, "1.0.0", "tests/data/penguins_logreg.onnx", &[]);
    let features = plain.join("penguins/1.0.0/features.json");
    std::fs::remove_file(&features).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &features).unwrap();
    let err = fails_with(&["verify", "--registry", p], "E_IO");
    assert!(err.contains("outside the registry"), "{err}");
    std::fs::remove_file(&features).unwrap();
    let status = Command::new("mkfifo").arg(&features).status().unwrap();
    assert!(status.success());
    let err = fails_with(&["verify", "--registry", p], "E_IO");
    assert!(err.contains("not a regular file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A classifier fitted on string labels (skl2onnx defaults: `classlabels_strings`, ZipMap)
/// goes the whole way without `--labels`: publish → verify → predict (string labels) →
/// validate (metrics keyed by the string classes) → the published reference's class mix.
#[test]
fn string_labelled_classifier_publishes_validates_and_predicts() {
    let dir = tempdir("strlabels");
    let reg = dir.join("reg");
    let r = reg.to_str().unwrap();
    let common = [
        "--spec",
        "tests/data/interop/numeric4_features.json",
        "--model",
        "tests/data/interop/rf_strlabels.onnx",
    ];
    let mut args = vec![
        "publish",
        "--registry",
        r,
        "--name",
        "penguins",
        "--version",
        "1.0.0",
        "--train",
        "tests/data/penguins_train.csv",
        "--holdout",
        "tests/data/penguins_test.csv",
        "--label",
        "species",
        "--alias",
        "production",
    ];
    args.extend_from_slice(&common);
    ok(&args);
    ok(&["verify", "--registry", r]);

    // The precompiled artifact was published (it reproduced the ONNX model on the holdout).
    let manifest = std::fs::read_to_string(reg.join("manifest.json")).unwrap();
    assert!(manifest.contains("model.nnef.tar"), "{manifest}");
    // The published reference profile carries the class mix by string label.
    let version_dir = reg.join("penguins").join("1.0.0");
    let reference = std::fs::read_to_string(version_dir.join("reference.json")).unwrap();
    assert!(
        reference.contains("\"Gentoo\""),
        "reference: {reference:.400}"
    );

    let mut args = vec!["predict", "--input", "tests/data/penguins_test.csv"];
    args.extend_from_slice(&common);
    let preds = ok(&args);
    let mut lines = preds.lines();
    assert_eq!(
        lines.next(),
        Some("label,p_Adelie,p_Chinstrap,p_Gentoo"),
        "{preds:.300}"
    );
    let ort = std::fs::read_to_string("tests/data/interop/rf_strlabels_ort.csv").unwrap();
    let want: Vec<&str> = ort
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let got: Vec<&str> = lines.map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(got, want, "labels equal onnxruntime's");

    let mut args = vec![
        "validate",
        "--input",
        "tests/data/penguins_test.csv",
        "--label",
        "species",
        "--format",
        "json",
    ];
    args.extend_from_slice(&common);
    let o = run(&args);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let text = report.to_string();
    for class in ["Adelie", "Chinstrap", "Gentoo"] {
        assert!(
            text.contains(&format!("\"{class}\"")),
            "{class} in {text:.600}"
        );
    }
    let accuracy = report["metrics"]["accuracy"].as_f64().expect("accuracy");
    assert!(accuracy > 0.9, "accuracy {accuracy}");
}

/// onnxruntime's probabilities for the holdout rows (`<name>_ort.csv`: label, p_…).
fn ort_rows(name: &str) -> Vec<(String, Vec<f32>)> {
    let text = std::fs::read_to_string(format!("tests/data/interop/{name}_ort.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let mut cells = l.split(',');
            let label = cells.next().unwrap().to_string();
            (label, cells.map(|c| c.parse().unwrap()).collect())
        })
        .collect()
}

/// A DataFrame-style export (one input per column, string columns, imputers and one-hot in the
/// graph) is published with no features.json: the registry version is served from raw records
/// (strings and missing values), validated and profiled from the raw fields, and its
/// predictions equal onnxruntime's.
#[test]
fn dataframe_pipeline_is_published_and_served_without_a_spec() {
    use mlcycle::features::read_records;
    use mlcycle::native::{block_on, FileFetch};
    use mlcycle::registry::{Deployment, MemoryCache, MemoryTrustStore, ResolveRequest, Target};

    let dir = tempdir("dataframe");
    let reg = dir.join("reg");
    let r = reg.to_str().unwrap();
    let publish = |version: &str, train: &str| {
        run(&[
            "publish",
            "--registry",
            r,
            "--name",
            "penguins",
            "--version",
            version,
            "--model",
            "tests/data/interop/pipeline_columns.onnx",
            "--train",
            train,
            "--holdout",
            "tests/data/penguins_test.csv",
            "--label",
            "species",
            "--alias",
            "production",
        ])
    };

    // A training CSV that lacks a column the graph reads is refused by name.
    let narrow = dir.join("narrow.csv");
    let train = std::fs::read_to_string("tests/data/penguins_train.csv").unwrap();
    let cut: String = train
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    std::fs::write(&narrow, cut).unwrap();
    let o = publish("0.9.0", narrow.to_str().unwrap());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("body_mass_g") && err.contains("--spec"),
        "{err}"
    );

    let o = publish("1.0.0", "tests/data/penguins_train.csv");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    ok(&["verify", "--registry", r]);
    let manifest = std::fs::read_to_string(reg.join("manifest.json")).unwrap();
    assert!(
        !manifest.contains("features.json"),
        "no spec artifact: {manifest}"
    );
    assert!(manifest.contains("model.nnef.tar"), "{manifest}");

    // The drift reference profiles the raw fields, strings included.
    let version_dir = reg.join("penguins").join("1.0.0");
    let reference: serde_json::Value =
        serde_json::from_slice(&std::fs::read(version_dir.join("reference.json")).unwrap())
            .unwrap();
    let text = reference.to_string();
    for needle in [
        "\"island\"",
        "\"Torgersen\"",
        "\"body_mass_g\"",
        "\"Gentoo\"",
    ] {
        assert!(text.contains(needle), "{needle} in {text:.600}");
    }
    // The published validation ran on the raw holdout: every row evaluated.
    let validation: serde_json::Value =
        serde_json::from_slice(&std::fs::read(version_dir.join("validation.json")).unwrap())
            .unwrap();
    let report = &validation["report"];
    assert_eq!(report["dataset"]["evaluated"], 104, "{report:.400}");
    assert!(report["metrics"]["accuracy"].as_f64().unwrap() > 0.95);
    assert!(!validation["smoke"]["records"]
        .as_array()
        .unwrap()
        .is_empty());

    // `mlcycle validate` without --spec reads the same raw columns.
    let o = run(&[
        "validate",
        "--model",
        "tests/data/interop/pipeline_columns.onnx",
        "--input",
        "tests/data/penguins_test.csv",
        "--label",
        "species",
        "--format",
        "json",
        "--no-latency",
    ]);
    let cli: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(cli["metrics"]["accuracy"], report["metrics"]["accuracy"]);
    assert_eq!(cli["quality"]["invalidRows"], 0, "{:.400}", cli["quality"]);

    // Served: raw records (strings, empty cells) straight into the graph, equal to onnxruntime.
    let target = Target {
        manifest_url: reg.join("manifest.json").display().to_string(),
        model: "penguins".into(),
        request: ResolveRequest {
            alias: Some("production".into()),
            ..Default::default()
        },
        public_key: None,
        freshness: Default::default(),
    };
    let mut d = block_on(Deployment::open(
        &FileFetch,
        &MemoryCache::new(0),
        &MemoryTrustStore::default(),
        target,
        "t",
        0.0,
    ))
    .expect("open the version");
    assert_eq!(d.status().model_format, "nnef");
    let holdout = read_records(&std::fs::read_to_string("tests/data/penguins_test.csv").unwrap())
        .unwrap()
        .records;
    let ort = ort_rows("pipeline_columns");
    assert_eq!(holdout.len(), ort.len());
    let clock = mlcycle::native::SystemClock::default();
    for (i, (record, (label, p))) in holdout.iter().zip(&ort).enumerate() {
        let got = d.predict(record, 0.0, &clock).unwrap();
        assert_eq!(got.label.as_deref(), Some(label.as_str()), "row {i}");
        let probs = got.probabilities.unwrap();
        for (g, w) in probs.iter().zip(p) {
            assert!((g - w).abs() <= 1e-5, "row {i}: {probs:?} vs {p:?}");
        }
    }
    // A record that lacks a field the graph reads is refused, not read as missing.
    let mut partial = mlcycle::Record::new();
    for f in [
        "sex",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
    ] {
        partial.insert(f, holdout[0].get(f).unwrap().clone());
    }
    let e = d.predict(&partial, 0.0, &clock).unwrap_err();
    assert_eq!(e.code(), "E_FEATURE_INVALID", "{e}");
    // Monitoring counts by raw field and string class.
    let report = d.monitor_report().expect("a monitor");
    let text = serde_json::to_string(&report).unwrap();
    assert!(
        text.contains("\"island\"") && text.contains("\"Chinstrap\""),
        "{text:.600}"
    );
}

/// Ten concurrent `publish` runs of different versions into one registry: they take turns on
/// the registry lock, so every version is in the manifest and `verify` passes (before the lock,
/// two concurrent publishes both exited 0 and one version was missing).
#[test]
fn concurrent_publishes_all_land() {
    let dir = tempdir("concurrent");
    let reg = dir.join("reg");
    let r = reg.to_str().unwrap().to_string();
    let children: Vec<_> = (0..10)
        .map(|i| {
            bin()
                .args([
                    "publish",
                    "--registry",
                    &r,
                    "--name",
                    "penguins",
                    "--version",
                    &format!("1.0.{i}"),
                    "--model",
                    "tests/data/interop/rf_strlabels.onnx",
                    "--spec",
                    "tests/data/interop/numeric4_features.json",
                    "--train",
                    "tests/data/penguins_train.csv",
                    "--holdout",
                    "tests/data/penguins_test.csv",
                    "--label",
                    "species",
                    "--smoke-rows",
                    "1",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn publish")
        })
        .collect();
    for child in children {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reg.join("manifest.json")).unwrap()).unwrap();
    let versions = manifest["models"]["penguins"]["versions"]
        .as_object()
        .unwrap();
    assert_eq!(
        versions.len(),
        10,
        "{:?}",
        versions.keys().collect::<Vec<_>>()
    );
    assert_eq!(manifest["version"], 10, "one manifest version per write");
    ok(&["verify", "--registry", &r]);

    // A writer that cannot get the lock in time fails with a clear error and changes nothing.
    let lock = std::fs::File::open(reg.join(".mlcycle.lock")).unwrap();
    lock.lock().unwrap();
    let o = bin()
        .args([
            "promote",
            "--registry",
            &r,
            "--name",
            "penguins",
            "--version",
            "1.0.3",
        ])
        .env("MLCYCLE_LOCK_WAIT_SECS", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("E_IO") && err.contains("registry lock"),
        "{err}"
    );
    drop(lock);
    ok(&[
        "promote",
        "--registry",
        &r,
        "--name",
        "penguins",
        "--version",
        "1.0.3",
    ]);
    // Nothing is created for a registry folder that does not exist.
    let missing = dir.join("nope");
    let o = run(&[
        "rollback",
        "--registry",
        missing.to_str().unwrap(),
        "--name",
        "penguins",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!missing.exists());
}

/// `predict` without `--spec` reads the numeric CSV with RFC 4180 quoting (a quoted cell with a
/// comma is one cell, not two shifted columns) and refuses an infinite value, naming the line.
#[test]
fn predict_matrix_csv_honours_quoting_and_refuses_infinity() {
    let dir = tempdir("matrix");
    let header = (0..9)
        .map(|i| format!("f{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let good = "\"0.3\",-1.2,0.8,0.1,1,0,0,1,0";
    let input = dir.join("in.csv");
    let run_with = |rows: &[&str]| {
        std::fs::write(&input, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        run(&[
            "predict",
            "--model",
            "tests/data/penguins_logreg.onnx",
            "--input",
            input.to_str().unwrap(),
            "--labels",
            "Adelie,Chinstrap,Gentoo",
        ])
    };
    let o = run_with(&[good]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("label,p_Adelie"));
    for (row, want) in [
        (
            "\"0,3\",-1.2,0.8,0.1,1,0,0,1,0",
            "`0,3` is not a finite number",
        ),
        ("0.3,-1.2,inf,0.1,1,0,0,1,0", "`inf` is not a finite number"),
    ] {
        let o = run_with(&[good, row]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success() && err.contains("E_CSV"), "{row}: {err}");
        assert!(err.contains(want) && err.contains("line 3"), "{row}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
