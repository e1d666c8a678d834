//! The deployment lifecycle over an in-memory registry: verified loading, tampering refused
//! with the right codes, signatures, refresh with hot-swap, network failure during refresh
//! (zero failed predictions), and automatic rollback when a new version is corrupt.
//! Runs natively and as wasm (Node, Chromium): the registry lives in memory.

use mlcycle::features::Record;
use mlcycle::host::{Fetch, ManualClock};
use mlcycle::registry::publish::{
    add_version, set_alias, set_rollout, stamp, NewArtifact, NewVersion,
};
use mlcycle::registry::{
    prepare_update, signing, Deployment, Manifest, MemoryCache, MemoryTrustStore, ResolveRequest,
    SmokeRows, Target,
};
use mlcycle::{Error, Model};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen_test::wasm_bindgen_test;

const LOGREG: &[u8] = include_bytes!("data/penguins_logreg.onnx");
const GBT: &[u8] = include_bytes!("data/variants/penguins_gbt.onnx");
const SPEC: &str = include_str!("data/penguins_features.json");
const BASE: &str = "https://cdn.example/reg/manifest.json";

/// A fetch over an in-memory map, with a switch that makes every request fail.
#[derive(Clone, Default)]
struct MapFetch {
    files: Rc<RefCell<HashMap<String, Vec<u8>>>>,
    offline: Rc<RefCell<bool>>,
    requests: Rc<RefCell<usize>>,
}

impl MapFetch {
    fn put(&self, path: &str, bytes: Vec<u8>) {
        self.files
            .borrow_mut()
            .insert(format!("https://cdn.example/reg/{path}"), bytes);
    }
    fn set_manifest(&self, m: &Manifest) {
        self.put("manifest.json", m.to_json_pretty().unwrap().into_bytes());
    }
}

impl Fetch for MapFetch {
    async fn fetch(&self, url: &str) -> mlcycle::Result<Vec<u8>> {
        *self.requests.borrow_mut() += 1;
        if *self.offline.borrow() {
            return Err(Error::Fetch {
                url: url.into(),
                status: None,
                reason: "network down".into(),
            });
        }
        self.files.borrow().get(url).cloned().ok_or(Error::Fetch {
            url: url.into(),
            status: Some(404),
            reason: "not found".into(),
        })
    }
}

/// Polls a future whose awaits are all immediately ready (MapFetch, MemoryCache).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn record(i: usize) -> Record {
    let islands = ["Biscoe", "Dream", "Torgersen"];
    Record::from_json(&serde_json::json!({
        "island": islands[i % 3], "sex": if i % 2 == 0 { "male" } else { "female" },
        "bill_length_mm": 38.0 + (i % 17) as f64, "bill_depth_mm": 14.0 + (i % 6) as f64,
        "flipper_length_mm": 185.0 + (i % 40) as f64, "body_mass_g": 3300.0 + 60.0 * (i % 30) as f64
    }))
    .unwrap()
}

fn smoke(model: &[u8]) -> Vec<u8> {
    let p = mlcycle::features::Pipeline::from_json(SPEC).unwrap();
    let m = Model::from_bytes(model).unwrap();
    let mut rows = SmokeRows {
        tolerance: 1e-5,
        ..Default::default()
    };
    for i in 0..4 {
        let r = record(i);
        rows.expected
            .push(m.predict(&p.transform(&r).unwrap(), 1).unwrap().values);
        let islands = ["Biscoe", "Dream", "Torgersen"];
        rows.records.push(serde_json::json!({
            "island": islands[i % 3], "sex": if i % 2 == 0 { "male" } else { "female" },
            "bill_length_mm": 38.0 + (i % 17) as f64, "bill_depth_mm": 14.0 + (i % 6) as f64,
            "flipper_length_mm": 185.0 + (i % 40) as f64, "body_mass_g": 3300.0 + 60.0 * (i % 30) as f64
        }));
    }
    serde_json::to_vec(&serde_json::json!({"format": "mlcycle.validation/1", "smoke": rows}))
        .unwrap()
}

/// A file to publish with a version.
fn artifact(kind: &str, file_name: &str, bytes: Vec<u8>, media_type: &str) -> NewArtifact {
    NewArtifact {
        kind: kind.into(),
        file_name: file_name.into(),
        bytes,
        media_type: media_type.into(),
    }
}

/// Opens subject "a"'s deployment from `fetch` with an empty cache.
fn open_fresh(fetch: &MapFetch) -> mlcycle::Result<Deployment> {
    open(
        fetch,
        &MemoryCache::new(0),
        &MemoryTrustStore::default(),
        target("a"),
        "s",
        0.0,
    )
}

fn publish(fetch: &MapFetch, m: &mut Manifest, version: &str, model: &[u8], validation: Vec<u8>) {
    let files = add_version(
        m,
        NewVersion {
            model: "penguins".into(),
            version: version.into(),
            created_at: "2026-11-27T00:00:00Z".into(),
            labels: vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()],
            artifacts: vec![
                artifact("model", "model.onnx", model.to_vec(), "application/onnx"),
                artifact(
                    "features",
                    "features.json",
                    SPEC.as_bytes().to_vec(),
                    "application/json",
                ),
                artifact(
                    "validation",
                    "validation.json",
                    validation,
                    "application/json",
                ),
            ],
            ..Default::default()
        },
    )
    .unwrap();
    for (path, bytes) in files {
        fetch.put(&path, bytes);
    }
}

fn registry() -> (MapFetch, Manifest) {
    let fetch = MapFetch::default();
    let mut m = Manifest::new();
    publish(&fetch, &mut m, "1.0.0", LOGREG, smoke(LOGREG));
    set_alias(&mut m, "penguins", "production", "1.0.0").unwrap();
    fetch.set_manifest(&m);
    (fetch, m)
}

/// Opens a deployment of `t` (blocking: the map fetch is synchronous).
fn open(
    fetch: &MapFetch,
    cache: &MemoryCache,
    trust: &MemoryTrustStore,
    t: Target,
    prefix: &str,
    now_ms: f64,
) -> mlcycle::Result<Deployment> {
    block_on(Deployment::open(fetch, cache, trust, t, prefix, now_ms))
}

/// Prepares a refresh of `d` (what `Deployment.refresh` does before it commits).
fn update(
    fetch: &MapFetch,
    cache: &MemoryCache,
    trust: &MemoryTrustStore,
    d: &Deployment,
    now_ms: f64,
) -> mlcycle::Result<Option<mlcycle::registry::LoadedVersion>> {
    block_on(prepare_update(
        fetch,
        cache,
        trust,
        d.target(),
        d.version(),
        now_ms,
    ))
}

fn target(subject: &str) -> Target {
    Target {
        manifest_url: BASE.into(),
        model: "penguins".into(),
        request: ResolveRequest {
            subject: Some(subject.into()),
            ..Default::default()
        },
        public_key: None,
        freshness: Default::default(),
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn opens_verifies_and_predicts() {
    let (fetch, _) = registry();
    let cache = MemoryCache::new(0);
    let clock = ManualClock::new(0.0, 0.25);
    let mut d = open(
        &fetch,
        &cache,
        &MemoryTrustStore::default(),
        target("alice"),
        "s",
        0.0,
    )
    .unwrap();
    let out = d.predict(&record(0), 0.0, &clock).unwrap();
    assert_eq!(out.version, "1.0.0");
    assert_eq!(out.id, "s-1");
    assert!(out.label.is_some());
    let p = out.probabilities.unwrap();
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert_eq!(out.latency_ms, 0.25);
    // Reopening hits the sha256-keyed cache for every artifact: only the manifest is fetched.
    let before = *fetch.requests.borrow();
    open(
        &fetch,
        &cache,
        &MemoryTrustStore::default(),
        target("bob"),
        "s",
        0.0,
    )
    .unwrap();
    assert_eq!(*fetch.requests.borrow() - before, 1);
}

#[wasm_bindgen_test(unsupported = test)]
fn tampered_artifact_is_refused_with_e_integrity() {
    let (fetch, _) = registry();
    let url = "https://cdn.example/reg/penguins/1.0.0/model.onnx";
    fetch.files.borrow_mut().get_mut(url).unwrap()[100] ^= 1;
    let e = open_fresh(&fetch).unwrap_err();
    assert_eq!(e.code(), "E_INTEGRITY");
    assert!(e.to_string().contains(url));
}

#[wasm_bindgen_test(unsupported = test)]
fn signatures_are_checked_with_the_trusted_key() {
    let (fetch, mut m) = registry();
    let (sk, pk) = signing::keypair_from_seed([3; 32]);
    signing::sign(&mut m, &sk).unwrap();
    fetch.set_manifest(&m);
    let mut t = target("a");
    t.public_key = Some(pk.clone());
    open(
        &fetch,
        &MemoryCache::new(0),
        &MemoryTrustStore::default(),
        t.clone(),
        "s",
        0.0,
    )
    .unwrap();
    // Tampered manifest: point production's model at other bytes with a matching hash.
    let mut evil = m.clone();
    evil.models
        .get_mut("penguins")
        .unwrap()
        .versions
        .get_mut("1.0.0")
        .unwrap()
        .artifacts
        .get_mut("model")
        .unwrap()
        .size += 1;
    fetch.set_manifest(&evil);
    let e = open(
        &fetch,
        &MemoryCache::new(0),
        &MemoryTrustStore::default(),
        t.clone(),
        "s",
        0.0,
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_SIGNATURE");
    // Wrong key.
    fetch.set_manifest(&m);
    t.public_key = Some(signing::keypair_from_seed([4; 32]).1);
    let e = open(
        &fetch,
        &MemoryCache::new(0),
        &MemoryTrustStore::default(),
        t,
        "s",
        0.0,
    )
    .unwrap_err();
    assert_eq!(e.code(), "E_SIGNATURE");
}

#[wasm_bindgen_test(unsupported = test)]
fn refresh_swaps_to_a_new_version_and_network_failure_keeps_serving() {
    let (fetch, mut m) = registry();
    let cache = MemoryCache::new(0);
    let clock = ManualClock::new(0.0, 0.1);
    let trust = MemoryTrustStore::default();
    let mut d = open(&fetch, &cache, &trust, target("alice"), "s", 0.0).unwrap();
    // Network down during refresh: predictions keep working on 1.0.0.
    *fetch.offline.borrow_mut() = true;
    let mut failed = 0;
    for i in 0..50 {
        if d.predict(&record(i), 0.0, &clock).is_err() {
            failed += 1;
        }
        if i == 25 {
            let outcome = update(&fetch, &cache, &trust, &d, 1.0);
            assert_eq!(d.commit(outcome, 1.0).unwrap_err().code(), "E_FETCH");
        }
    }
    assert_eq!(failed, 0);
    assert_eq!(d.version(), "1.0.0");
    // Back online, production moves to 1.1.0: the refresh swaps.
    *fetch.offline.borrow_mut() = false;
    publish(&fetch, &mut m, "1.1.0", GBT, smoke(GBT));
    set_alias(&mut m, "penguins", "production", "1.1.0").unwrap();
    fetch.set_manifest(&m);
    let outcome = update(&fetch, &cache, &trust, &d, 2.0);
    assert!(d.commit(outcome, 2.0).unwrap());
    assert_eq!(d.predict(&record(1), 0.0, &clock).unwrap().version, "1.1.0");
    let status = d.status();
    assert_eq!(status.failed_predictions, 0);
    assert_eq!(
        status.events.len(),
        3,
        "deployed, refresh failed, swapped: {:?}",
        status.events
    );
}

/// TUF-style freshness: a replayed older signed manifest (rollback) and an expired one
/// (freeze) are refused at refresh and at open, and serving goes on with 0 failed predictions.
#[wasm_bindgen_test(unsupported = test)]
fn replayed_and_expired_manifests_are_refused_while_serving_continues() {
    const DAY: f64 = 86_400_000.0;
    let now = 1_800_000_000_000.0;
    let (fetch, mut m) = registry();
    let (sk, pk) = signing::keypair_from_seed([3; 32]);
    stamp(&mut m, now, 30.0).unwrap();
    signing::sign(&mut m, &sk).unwrap();
    let v1 = m.clone();
    fetch.set_manifest(&m);
    let trust = MemoryTrustStore::default();
    let cache = MemoryCache::new(0);
    let clock = ManualClock::new(0.0, 0.1);
    let mut t = target("alice");
    t.public_key = Some(pk);
    let mut d = open(&fetch, &cache, &trust, t.clone(), "s", now).unwrap();
    // 1.1.0 is published, then promoted: two writes, manifest version 3.
    publish(&fetch, &mut m, "1.1.0", GBT, smoke(GBT));
    stamp(&mut m, now, 30.0).unwrap();
    set_alias(&mut m, "penguins", "production", "1.1.0").unwrap();
    stamp(&mut m, now, 30.0).unwrap();
    signing::sign(&mut m, &sk).unwrap();
    assert_eq!(m.version, Some(3));
    fetch.set_manifest(&m);
    let outcome = update(&fetch, &cache, &trust, &d, now);
    assert!(d.commit(outcome, now).unwrap());
    // The attacker replays version 1: validly signed, production on 1.0.0.
    fetch.set_manifest(&v1);
    let mut failed = 0;
    for i in 0..40 {
        if i == 20 {
            let outcome = update(&fetch, &cache, &trust, &d, now);
            let e = d.commit(outcome, now).unwrap_err();
            assert_eq!(e.code(), "E_ROLLBACK", "{e}");
        }
        match d.predict(&record(i), now, &clock) {
            Ok(p) => assert_eq!(p.version, "1.1.0"),
            Err(_) => failed += 1,
        }
    }
    assert_eq!(failed, 0);
    // A new deployment with the same trust store (a reload with persisted trust) refuses it too.
    let e = open(&fetch, &cache, &trust, t.clone(), "s", now).unwrap_err();
    assert_eq!(e.code(), "E_ROLLBACK");
    // Freeze: the current manifest, still served 31 days later.
    fetch.set_manifest(&m);
    let later = now + 31.0 * DAY;
    let outcome = update(&fetch, &cache, &trust, &d, later);
    assert_eq!(d.commit(outcome, later).unwrap_err().code(), "E_EXPIRED");
    assert_eq!(
        d.predict(&record(0), later, &clock).unwrap().version,
        "1.1.0"
    );
    assert_eq!(d.status().failed_predictions, 0);
    // The operator's escape hatches: an expired manifest, a deliberate rollback.
    let mut lenient = t.clone();
    lenient.freshness.allow_expired = true;
    open(&fetch, &cache, &trust, lenient, "s", later).unwrap();
    fetch.set_manifest(&v1);
    let mut reset = t;
    reset.freshness.allow_rollback = true;
    let back = open(&fetch, &cache, &trust, reset, "s", now).unwrap();
    assert_eq!(back.version(), "1.0.0");
}

#[wasm_bindgen_test(unsupported = test)]
fn corrupted_new_model_rolls_back_automatically() {
    let (fetch, mut m) = registry();
    let cache = MemoryCache::new(0);
    let clock = ManualClock::new(0.0, 0.1);
    let trust = MemoryTrustStore::default();
    let mut d = open(&fetch, &cache, &trust, target("alice"), "s", 0.0).unwrap();
    // 1.2.0 is published with a model that is not ONNX (hash consistent, content broken).
    publish(
        &fetch,
        &mut m,
        "1.2.0",
        b"garbage, not a model",
        smoke(LOGREG),
    );
    set_alias(&mut m, "penguins", "production", "1.2.0").unwrap();
    fetch.set_manifest(&m);
    let outcome = update(&fetch, &cache, &trust, &d, 1.0);
    assert_eq!(
        d.commit(outcome, 1.0).unwrap_err().code(),
        "E_MODEL_INVALID"
    );
    assert_eq!(d.predict(&record(0), 0.0, &clock).unwrap().version, "1.0.0");
    // 1.3.0's model loads but its published smoke rows do not reproduce (the GBT served with
    // the logistic regression's golden rows): the smoke test refuses it.
    publish(&fetch, &mut m, "1.3.0", GBT, smoke(LOGREG));
    set_alias(&mut m, "penguins", "production", "1.3.0").unwrap();
    fetch.set_manifest(&m);
    let outcome = update(&fetch, &cache, &trust, &d, 2.0);
    assert_eq!(d.commit(outcome, 2.0).unwrap_err().code(), "E_SMOKE_TEST");
    assert_eq!(d.version(), "1.0.0");
}

#[wasm_bindgen_test(unsupported = test)]
fn canary_share_and_stability_over_100k_subjects() {
    let (fetch, mut m) = registry();
    publish(&fetch, &mut m, "1.1.0", GBT, smoke(GBT));
    set_alias(&mut m, "penguins", "canary", "1.1.0").unwrap();
    for pct in [10.0, 30.0] {
        set_rollout(&mut m, "penguins", "canary", pct, None).unwrap();
        let mut canary = 0;
        for i in 0..100_000 {
            let r = ResolveRequest {
                subject: Some(format!("device-{i}")),
                ..Default::default()
            };
            if mlcycle::registry::resolve(&m, "penguins", &r, 0.0)
                .unwrap()
                .version
                == "1.1.0"
            {
                canary += 1;
            }
        }
        let share = canary as f64 / 1000.0;
        assert!((share - pct).abs() <= 1.0, "{pct}% → {share}%");
    }
}

/// A registry whose version 2.0.0 publishes a reference (monitoring on), opened for "alice"
/// with id prefix `prefix`; also returns the training records.
fn monitored_deployment(prefix: &str) -> (Deployment, Vec<Record>) {
    use mlcycle::monitor::{ProfileOptions, ReferenceProfile};
    let train = mlcycle::features::read_records(include_str!("data/penguins_train.csv"))
        .unwrap()
        .records;
    let pipeline = mlcycle::features::Pipeline::from_json(SPEC).unwrap();
    let reference =
        ReferenceProfile::build_for(&pipeline, &train, &ProfileOptions::default()).unwrap();
    let fetch = MapFetch::default();
    let mut m = Manifest::new();
    let files = add_version(
        &mut m,
        NewVersion {
            model: "penguins".into(),
            version: "2.0.0".into(),
            labels: vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()],
            artifacts: vec![
                artifact("model", "model.onnx", LOGREG.to_vec(), "application/onnx"),
                artifact(
                    "features",
                    "features.json",
                    SPEC.as_bytes().to_vec(),
                    "application/json",
                ),
                artifact(
                    "reference",
                    "reference.json",
                    reference.to_json_pretty().unwrap().into_bytes(),
                    "application/json",
                ),
            ],
            monitoring: Some(serde_json::json!({"minSamples": 20, "evaluateEvery": 10})),
            ..Default::default()
        },
    )
    .unwrap();
    for (p, b) in files {
        fetch.put(&p, b);
    }
    set_alias(&mut m, "penguins", "production", "2.0.0").unwrap();
    fetch.set_manifest(&m);
    let d = open(
        &fetch,
        &MemoryCache::new(0),
        &MemoryTrustStore::default(),
        target("alice"),
        prefix,
        0.0,
    )
    .unwrap();
    (d, train)
}

#[wasm_bindgen_test(unsupported = test)]
fn deployments_monitor_per_version_and_join_feedback() {
    let (mut d, train) = monitored_deployment("tab1");
    let clock = ManualClock::new(0.0, 0.05);
    let mut ids = Vec::new();
    for (i, r) in train.iter().enumerate().take(60) {
        let out = d.predict(r, 1000.0 + i as f64, &clock).unwrap();
        assert!(out.id.starts_with("tab1.2.0.0-"), "{}", out.id);
        ids.push((out.id, out.label.unwrap()));
    }
    assert!(d
        .predict(
            &Record::from_json_str(r#"{"body_mass_g": "x"}"#).unwrap(),
            2000.0,
            &clock
        )
        .is_err());
    for (id, label) in ids.iter().take(30) {
        assert_eq!(
            d.feedback(id, label, 3000.0).unwrap(),
            mlcycle::monitor::FeedbackOutcome::Matched
        );
    }
    assert_eq!(
        d.feedback("someone-else-1", "Adelie", 3000.0).unwrap(),
        mlcycle::monitor::FeedbackOutcome::Unmatched
    );
    let report = serde_json::to_value(d.monitor_report().unwrap()).unwrap();
    assert_eq!(report["telemetry"]["predictions"], 60, "{report}");
    assert_eq!(
        report["telemetry"]["errors"]["E_FEATURE_INVALID"], 1,
        "{report}"
    );
    assert_eq!(report["feedback"]["labeled"], 30, "{report}");
    assert_eq!(report["feedback"]["unmatched"], 1, "{report}");
    // Snapshot → restore gives the identical report; another version's snapshot is refused.
    let snap = d.monitor_snapshot().unwrap().unwrap();
    d.restore_monitor(&snap).unwrap();
    assert_eq!(
        serde_json::to_value(d.monitor_report().unwrap()).unwrap(),
        report
    );
    let foreign = snap.replace("\"2.0.0\"", "\"9.9.9\"");
    assert_eq!(
        d.restore_monitor(&foreign).unwrap_err().code(),
        "E_SNAPSHOT"
    );
}

/// A version with both forms: the precompiled `nnef` artifact is what serves (same answers as
/// the ONNX model); an `nnef` artifact this build cannot read falls back to ONNX; a tampered
/// one is E_INTEGRITY, never a silent fallback.
#[wasm_bindgen_test(unsupported = test)]
fn nnef_artifact_is_preferred_and_unreadable_ones_fall_back_to_onnx() {
    let add = |nnef: Vec<u8>| {
        let (fetch, mut m) = registry();
        let files = add_version(
            &mut m,
            NewVersion {
                model: "penguins".into(),
                version: "2.0.0".into(),
                created_at: "2026-11-27T00:00:00Z".into(),
                labels: vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()],
                artifacts: vec![
                    artifact("model", "model.onnx", LOGREG.to_vec(), "application/onnx"),
                    artifact(
                        mlcycle::registry::NNEF_ARTIFACT,
                        "model.nnef.tar",
                        nnef,
                        "application/x-tract-nnef+tar",
                    ),
                    artifact(
                        "features",
                        "features.json",
                        SPEC.as_bytes().to_vec(),
                        "application/json",
                    ),
                ],
                ..Default::default()
            },
        )
        .unwrap();
        for (path, bytes) in files {
            fetch.put(&path, bytes);
        }
        set_alias(&mut m, "penguins", "production", "2.0.0").unwrap();
        fetch.set_manifest(&m);
        fetch
    };
    let clock = ManualClock::new(0.0, 0.25);
    let nnef = mlcycle::Model::from_bytes(LOGREG)
        .unwrap()
        .to_nnef()
        .unwrap();
    let fetch = add(nnef.clone());
    let mut d = open_fresh(&fetch).unwrap();
    assert_eq!(d.status().model_format, "nnef");
    let from_nnef = d.predict(&record(3), 0.0, &clock).unwrap().probabilities;

    let fetch = add(b"not an nnef archive".to_vec());
    let mut d = open_fresh(&fetch).unwrap();
    assert_eq!(d.status().model_format, "model");
    assert_eq!(
        d.predict(&record(3), 0.0, &clock).unwrap().probabilities,
        from_nnef
    );

    let fetch = add(nnef);
    let url = "https://cdn.example/reg/penguins/2.0.0/model.nnef.tar";
    fetch.files.borrow_mut().get_mut(url).unwrap()[600] ^= 1;
    let e = open_fresh(&fetch).unwrap_err();
    assert_eq!(e.code(), "E_INTEGRITY");
}

/// A batch — as records or as columns — answers every row as single predictions do, rejects
/// bad rows on their own (reported with field and rule, counted as errors), and the monitor
/// observes each answered row exactly as it would have observed the single predictions.
#[wasm_bindgen_test(unsupported = test)]
fn batch_predictions_equal_single_ones_and_are_monitored() {
    use mlcycle::features::{Column, Columns, RawValue};
    use mlcycle::registry::Batch;
    let (mut single, train) = monitored_deployment("one");
    let (mut batched, _) = monitored_deployment("many");
    let (mut columnar, _) = monitored_deployment("cols");
    let clock = ManualClock::new(0.0, 0.0);
    let mut rows: Vec<Record> = train.iter().take(50).cloned().collect();
    rows[7] = rows[7]
        .clone()
        .with("body_mass_g", RawValue::Text("heavy".into()));
    let mut want = Vec::new();
    for r in &rows {
        want.push(single.predict(r, 5000.0, &clock).ok());
    }
    let by_records = batched
        .predict_batch(Batch::Records(&rows), 5000.0, &clock)
        .unwrap();
    let names = [
        "island",
        "sex",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
    ];
    let mut cols = Columns::new();
    for n in names {
        let values: Vec<RawValue> = rows
            .iter()
            .map(|r| r.get(n).cloned().unwrap_or(RawValue::Null))
            .collect();
        cols.insert(n, Column::dictionary(values));
    }
    let by_columns = columnar
        .predict_batch(Batch::Columns(&cols), 5000.0, &clock)
        .unwrap();
    // The same with the number fields as plain f64 columns (body_mass_g, with its bad "heavy",
    // stays a dictionary of raw values).
    let (mut numeric, _) = monitored_deployment("nums");
    let mut num_cols = cols.clone();
    for n in ["bill_length_mm", "bill_depth_mm", "flipper_length_mm"] {
        let values: Vec<f64> = rows
            .iter()
            .map(|r| match r.get(n) {
                Some(RawValue::Text(t)) => t.parse().unwrap_or(f64::NAN),
                Some(RawValue::Number(x)) => *x,
                _ => f64::NAN,
            })
            .collect();
        num_cols.insert(n, Column::Numbers(values));
    }
    let by_numbers = numeric
        .predict_batch(Batch::Columns(&num_cols), 5000.0, &clock)
        .unwrap();
    assert_eq!(by_numbers.values.len(), by_columns.values.len());
    assert!(by_numbers
        .values
        .iter()
        .zip(&by_columns.values)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    for out in [&by_records, &by_columns] {
        let (ids, labels) = (out.ids(), out.labels());
        assert_eq!(out.rows, 50);
        assert_eq!(out.width, 3);
        assert_eq!(out.valid.iter().filter(|v| !**v).count(), 1);
        assert!(!out.valid[7] && ids[7].is_none() && labels[7].is_none());
        assert_eq!(out.errors.len(), 1);
        assert_eq!(
            (
                out.errors[0].row,
                out.errors[0].field.as_str(),
                out.errors[0].rule.as_str()
            ),
            (7, "body_mass_g", "type")
        );
        for (r, w) in want.iter().enumerate() {
            let row = &out.values[r * 3..(r + 1) * 3];
            match w {
                Some(w) => {
                    assert_eq!(row, w.probabilities.as_deref().unwrap(), "row {r}");
                    assert_eq!(labels[r], w.label.as_deref(), "row {r}");
                    // The same sequence numbers as the single predictions' ids.
                    let number = |id: &str| id.rsplit('-').next().unwrap().to_string();
                    assert_eq!(number(ids[r].as_deref().unwrap()), number(&w.id), "row {r}");
                }
                None => assert!(row.iter().all(|x| x.is_nan())),
            }
        }
    }
    // The monitors counted the same thing (latency aside: the batch's is shared out per row).
    // What differs is when the rules were judged: single predictions every `evaluateEvery`
    // rows on the way (an early, noisier state can raise an alert that hysteresis keeps), a
    // batch once, on its final counts.
    let strip = |d: &Deployment| {
        let mut v = serde_json::to_value(d.monitor_report().unwrap()).unwrap();
        v["telemetry"]["latencyMs"] = serde_json::Value::Null;
        v["telemetry"]["latencyHistogram"] = serde_json::Value::Null;
        // Windows: their counts compared too, their latency aside.
        fn no_latency(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(o) => {
                    o.retain(|k, _| !k.starts_with("latency"));
                    o.values_mut().for_each(no_latency);
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(no_latency),
                _ => {}
            }
        }
        no_latency(&mut v["windows"]);
        // Judged once per batch: the window's levels too (see below).
        for w in v["windows"]["items"].as_array_mut().into_iter().flatten() {
            w["driftedShare"] = serde_json::Value::Null;
            for f in w["features"].as_array_mut().into_iter().flatten() {
                f["status"] = serde_json::Value::Null;
            }
        }
        let judged = v["alerts"].take();
        v["drift"]["driftedShare"] = serde_json::Value::Null;
        for f in v["drift"]["features"].as_array_mut().unwrap() {
            f["status"] = serde_json::Value::Null;
        }
        (v, judged)
    };
    let (one, _) = strip(&single);
    assert_eq!(one["telemetry"]["predictions"], 49);
    assert_eq!(one["telemetry"]["errors"]["E_FEATURE_INVALID"], 1);
    assert!(
        one["windows"]["items"]
            .as_array()
            .is_some_and(|w| !w.is_empty()),
        "the window's counts are compared: {}",
        one["windows"]
    );
    let (by_rec, rec_alerts) = strip(&batched);
    let (by_col, col_alerts) = strip(&columnar);
    assert_eq!(by_rec, one);
    assert_eq!(by_col, one);
    let (by_num, num_alerts) = strip(&numeric);
    assert_eq!(by_num, one);
    assert_eq!(rec_alerts, col_alerts);
    assert_eq!(num_alerts, col_alerts);
    // Judged once, on the batch's final drift: each feature's level is its PSI against the
    // thresholds, every transition at the batch's instant.
    let report = serde_json::to_value(columnar.monitor_report().unwrap()).unwrap();
    for f in report["drift"]["features"].as_array().unwrap() {
        let psi = f["psi"].as_f64().unwrap();
        let want = if psi >= f["alert"].as_f64().unwrap() {
            "alert"
        } else if psi >= f["warn"].as_f64().unwrap() {
            "warn"
        } else {
            "ok"
        };
        let name = format!("drift:{}", f["name"].as_str().unwrap());
        let signal = col_alerts["signals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name.as_str())
            .unwrap();
        assert_eq!(signal["level"], want, "{name}");
    }
    let history = col_alerts["history"].as_array().unwrap();
    assert!(!history.is_empty());
    assert!(history
        .iter()
        .all(|h| h["atMs"] == 5000.0 && h["from"] == "ok"));
    // Feedback joins a batch's ids.
    let id = by_columns.ids()[0].clone().unwrap();
    let label = by_columns.labels()[0].unwrap().to_string();
    assert_eq!(
        columnar.feedback(&id, &label, 6000.0).unwrap(),
        mlcycle::monitor::FeedbackOutcome::Matched
    );
    // A malformed batch is one error and observes nothing.
    let mut short = cols.clone();
    short.insert("sex", Column::Numbers(vec![1.0]));
    let e = columnar
        .predict_batch(Batch::Columns(&short), 7000.0, &clock)
        .unwrap_err();
    assert_eq!(e.code(), "E_INVALID_ARGUMENT");
    assert_eq!(
        serde_json::to_value(columnar.monitor_report().unwrap()).unwrap()["telemetry"]
            ["predictions"],
        49
    );
}
