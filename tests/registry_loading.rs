//! Loading a version (registry/loading.rs): the artifacts serving needs are fetched
//! concurrently, the published validation report stays off the path to the first prediction
//! (fetched on demand), golden rows come from `smoke.json` (or, for versions published before
//! it, from the validation report), and progress is reported in order with honest byte counts.

use mlcycle::features::{Pipeline, Record};
use mlcycle::host::Fetch;
use mlcycle::registry::publish::{add_version, set_alias, NewArtifact, NewVersion};
use mlcycle::registry::{
    fetch_published_validation, load_version_with, resolve, LoadPhase, LoadProgress, Manifest,
    MemoryCache, ResolveRequest, SmokeRows,
};
use mlcycle::{Error, Model};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

const LOGREG: &[u8] = include_bytes!("data/penguins_logreg.onnx");
const SPEC: &str = include_str!("data/penguins_features.json");
const BASE: &str = "https://cdn.example/reg/manifest.json";

/// Pending once, then ready: a request that is "on the wire" for one poll, so requests issued
/// together overlap and requests issued one after another do not.
struct OnTheWire(bool);

impl Future for OnTheWire {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// An in-memory registry that records which URLs were requested and how many were in flight
/// at once.
#[derive(Default)]
struct WireFetch {
    files: HashMap<String, Vec<u8>>,
    requested: RefCell<Vec<String>>,
    in_flight: Cell<usize>,
    max_in_flight: Cell<usize>,
}

impl Fetch for WireFetch {
    async fn fetch(&self, url: &str) -> mlcycle::Result<Vec<u8>> {
        self.requested.borrow_mut().push(url.to_string());
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        OnTheWire(false).await;
        self.in_flight.set(self.in_flight.get() - 1);
        self.files.get(url).cloned().ok_or(Error::Fetch {
            url: url.into(),
            status: Some(404),
            reason: "not found".into(),
        })
    }
}

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(std::task::Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn rows(tamper: bool) -> SmokeRows {
    let p = Pipeline::from_json(SPEC).unwrap();
    let m = Model::from_bytes(LOGREG).unwrap();
    let record = serde_json::json!({"island": "Biscoe", "sex": "male", "bill_length_mm": 50.7,
        "bill_depth_mm": 15.0, "flipper_length_mm": 223, "body_mass_g": 5550});
    let r = Record::from_json(&record).unwrap();
    let mut expected = m.predict(&p.transform(&r).unwrap(), 1).unwrap().values;
    if tamper {
        expected[0] += 0.5;
    }
    SmokeRows {
        records: vec![record],
        expected: vec![expected],
        tolerance: 1e-5,
    }
}

fn artifact(kind: &str, file_name: &str, bytes: Vec<u8>) -> NewArtifact {
    NewArtifact {
        kind: kind.into(),
        file_name: file_name.into(),
        bytes,
        media_type: "application/octet-stream".into(),
    }
}

/// A registry with penguins 1.0.0: model, features, validation (its report, and golden rows
/// `in_validation`), and `smoke` (golden rows) when given.
fn registry(smoke: Option<SmokeRows>, in_validation: SmokeRows) -> (WireFetch, Manifest) {
    registry_with(smoke, in_validation, None)
}

/// [`registry`], plus an `nnef` artifact with these bytes.
fn registry_with(
    smoke: Option<SmokeRows>,
    in_validation: SmokeRows,
    nnef: Option<&[u8]>,
) -> (WireFetch, Manifest) {
    let validation = serde_json::json!({"format": "mlcycle.validation/1",
        "smoke": in_validation, "report": {"decision": "go", "metrics": {"accuracy": 0.97}}});
    let mut artifacts = vec![
        artifact("model", "model.onnx", LOGREG.to_vec()),
        artifact("features", "features.json", SPEC.as_bytes().to_vec()),
        artifact(
            "validation",
            "validation.json",
            serde_json::to_vec(&validation).unwrap(),
        ),
    ];
    if let Some(s) = smoke {
        artifacts.push(artifact(
            "smoke",
            "smoke.json",
            serde_json::to_vec(&s).unwrap(),
        ));
    }
    if let Some(bytes) = nnef {
        artifacts.push(artifact("nnef", "model.nnef.tar", bytes.to_vec()));
    }
    let mut m = Manifest::new();
    let files = add_version(
        &mut m,
        NewVersion {
            model: "penguins".into(),
            version: "1.0.0".into(),
            created_at: "2026-12-05T00:00:00Z".into(),
            labels: vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()],
            artifacts,
            ..Default::default()
        },
    )
    .unwrap();
    set_alias(&mut m, "penguins", "production", "1.0.0").unwrap();
    let mut fetch = WireFetch::default();
    for (path, bytes) in files {
        fetch
            .files
            .insert(format!("https://cdn.example/reg/{path}"), bytes);
    }
    (fetch, m)
}

fn load(
    fetch: &WireFetch,
    m: &Manifest,
    progress: &dyn Fn(LoadProgress),
) -> mlcycle::Result<mlcycle::registry::LoadedVersion> {
    let request = ResolveRequest {
        alias: Some("production".into()),
        ..Default::default()
    };
    let selection = resolve(m, "penguins", &request, 0.0)?;
    block_on(load_version_with(
        fetch,
        &MemoryCache::new(0),
        BASE,
        m,
        selection,
        &progress,
    ))
}

#[test]
fn artifacts_are_fetched_together_and_the_report_is_not_on_the_path() {
    // The rows inside validation.json are wrong: were they used, the smoke test would fail.
    let (fetch, m) = registry(Some(rows(false)), rows(true));
    let events = RefCell::new(Vec::new());
    let loaded = load(&fetch, &m, &|e| events.borrow_mut().push(e)).unwrap();
    assert_eq!(loaded.model_format, "model");
    assert!(loaded.validation.is_none());
    let requested = fetch.requested.borrow().clone();
    assert_eq!(requested.len(), 3, "{requested:?}");
    assert!(
        !requested.iter().any(|u| u.ends_with("validation.json")),
        "the report was fetched at load: {requested:?}"
    );
    assert_eq!(
        fetch.max_in_flight.get(),
        3,
        "model, features and smoke rows must be on the wire together"
    );

    // Progress: download from 0 to the declared total, then load and smoke (the host reports
    // `ready` once the deployment exists).
    let entry = &m.models["penguins"].versions["1.0.0"];
    let total: u64 = ["model", "features", "smoke"]
        .iter()
        .map(|k| entry.artifacts[*k].size)
        .sum();
    let events = events.into_inner();
    let phases: Vec<LoadPhase> = events.iter().map(|e| e.phase).collect();
    use LoadPhase::*;
    assert_eq!(
        phases,
        [Download, Download, Download, Download, Load, Smoke]
    );
    assert_eq!(events[0].loaded_bytes, 0);
    assert!(events
        .windows(2)
        .all(|w| w[0].loaded_bytes <= w[1].loaded_bytes));
    assert_eq!(events[3].loaded_bytes, total);
    assert!(events.iter().all(|e| e.total_bytes == Some(total)));

    // The report, on demand.
    fetch.requested.borrow_mut().clear();
    let v = block_on(fetch_published_validation(
        &fetch,
        &MemoryCache::new(0),
        BASE,
        &loaded.entry,
    ))
    .unwrap()
    .unwrap();
    assert_eq!(v["report"]["metrics"]["accuracy"], 0.97);
    assert_eq!(fetch.requested.borrow().len(), 1);
}

#[test]
fn golden_rows_come_from_smoke_json_and_older_versions_from_the_report() {
    // smoke.json's rows are checked: wrong ones fail the load.
    let (fetch, m) = registry(Some(rows(true)), rows(false));
    let e = load(&fetch, &m, &|_| {}).unwrap_err();
    assert_eq!(e.code(), "E_SMOKE_TEST", "{e}");

    // Published before smoke.json: the rows inside validation.json are used (and checked).
    let (fetch, m) = registry(None, rows(false));
    let loaded = load(&fetch, &m, &|_| {}).unwrap();
    assert!(loaded.smoke.is_some() && loaded.validation.is_some());
    assert!(fetch
        .requested
        .borrow()
        .iter()
        .any(|u| u.ends_with("validation.json")));
    let (fetch, m) = registry(None, rows(true));
    assert_eq!(
        load(&fetch, &m, &|_| {}).unwrap_err().code(),
        "E_SMOKE_TEST"
    );
}

#[test]
fn an_unreadable_precompiled_model_falls_back_to_onnx_with_honest_progress() {
    // Hash-valid bytes this build cannot read as NNEF (e.g. from a newer mlcycle).
    let (fetch, m) = registry_with(Some(rows(false)), rows(false), Some(b"not a tar"));
    let events = RefCell::new(Vec::new());
    let loaded = load(&fetch, &m, &|e| events.borrow_mut().push(e)).unwrap();
    assert_eq!(loaded.model_format, "model");
    let events = events.into_inner();
    let entry = &m.models["penguins"].versions["1.0.0"];
    let all: u64 = ["nnef", "model", "features", "smoke"]
        .iter()
        .map(|k| entry.artifacts[*k].size)
        .sum();
    for e in &events {
        let total = e.total_bytes.unwrap();
        assert!(e.loaded_bytes <= total, "{e:?}");
    }
    let last = events.last().unwrap();
    assert_eq!(last.phase, LoadPhase::Smoke);
    assert_eq!((last.loaded_bytes, last.total_bytes), (all, Some(all)));
    let phases: Vec<LoadPhase> = events.iter().map(|e| e.phase).collect();
    let n = phases.len();
    assert_eq!(
        &phases[n - 4..],
        [
            LoadPhase::Load,
            LoadPhase::Download,
            LoadPhase::Load,
            LoadPhase::Smoke
        ],
        "after the fallback download, `load` again"
    );
}
