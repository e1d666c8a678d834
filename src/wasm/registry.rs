//! `Registry` and `Deployment`: the static registry and the serving lifecycle from JS.
//!
//! `Registry.load(url, {publicKey})` → `registry.open(model, {subject, version, alias})` →
//! `deployment.predict(record)` / `deployment.refresh()`. The deployment lives in an
//! `Rc<RefCell<_>>`: `refresh()` clones what it needs, awaits the network without holding a
//! borrow (so `predict` keeps answering from the serving version meanwhile), then swaps in one
//! synchronous step.

use super::host::{JsClock, JsFetch, JsTrustStore};
use super::pipeline::RecordKeys;
use super::{options, to_js, JsResult};
use crate::error::Error;
use crate::registry::{self, ArtifactCache, FreshnessPolicy, MemoryCache, ResolveRequest, Target};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Artifact cache: the Cache API (`caches.open`) where the host has one, memory always.
/// Keys are content hashes, so a new version can never be served a stale artifact.
#[derive(Clone, Default)]
struct JsCache {
    memory: MemoryCache,
}

const CACHE_NAME: &str = "mlcycle-artifacts-v1";

fn cache_key(sha256: &str) -> String {
    format!("https://mlcycle.invalid/sha256/{sha256}")
}

async fn open_cache_storage() -> Option<JsValue> {
    let caches = js_sys::Reflect::get(&js_sys::global(), &"caches".into()).ok()?;
    let open = js_sys::Reflect::get(&caches, &"open".into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let promise = open.call1(&caches, &CACHE_NAME.into()).ok()?;
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
        .await
        .ok()
}

async fn call_async(target: &JsValue, method: &str, args: &[JsValue]) -> Option<JsValue> {
    let f = js_sys::Reflect::get(target, &method.into())
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let arr: js_sys::Array = args.iter().collect();
    let p = f.apply(target, &arr).ok()?;
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(p))
        .await
        .ok()
}

impl ArtifactCache for JsCache {
    async fn get(&self, sha256: &str) -> Option<Vec<u8>> {
        if let Some(b) = self.memory.get(sha256).await {
            return Some(b);
        }
        let cache = open_cache_storage().await?;
        let response = call_async(&cache, "match", &[cache_key(sha256).into()]).await?;
        if response.is_undefined() || response.is_null() {
            return None;
        }
        let buf = call_async(&response, "arrayBuffer", &[]).await?;
        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
        self.memory.put(sha256, &bytes).await;
        Some(bytes)
    }

    async fn put(&self, sha256: &str, bytes: &[u8]) {
        self.memory.put(sha256, bytes).await;
        let Some(cache) = open_cache_storage().await else {
            return;
        };
        let Some(response_ctor) = js_sys::Reflect::get(&js_sys::global(), &"Response".into())
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
        else {
            return;
        };
        let body = js_sys::Uint8Array::from(bytes);
        let args: js_sys::Array = [JsValue::from(body)].into_iter().collect();
        let Ok(response) = js_sys::Reflect::construct(&response_ctor, &args) else {
            return;
        };
        // Best effort: a full or unavailable cache only costs a refetch next time.
        let _ = call_async(&cache, "put", &[cache_key(sha256).into(), response]).await;
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LoadOptions {
    public_key: Option<String>,
    subject: Option<String>,
    /// Operator escape hatch: accept a manifest older than one trusted before.
    #[serde(default)]
    allow_rollback: bool,
    /// Operator escape hatch: accept a manifest past its `expires` time.
    #[serde(default)]
    allow_expired: bool,
    /// Abort any request of this registry (manifest, artifacts, refreshes) after this many
    /// milliseconds (default 30,000).
    timeout_ms: Option<f64>,
    /// OTLP `service.name` of this app (default `mlcycle`).
    service_name: Option<String>,
    /// OTLP `service.version` of this app (default: the model version).
    service_version: Option<String>,
    /// OTLP `service.instance.id` (default: a random id kept in localStorage where there is
    /// one, else per module instance).
    instance_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PostOtlpOptions {
    #[serde(default)]
    keepalive: bool,
    timeout_ms: Option<f64>,
    retry_base_ms: Option<f64>,
    max_payloads: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OtlpDelivery {
    status: Option<u16>,
    #[serde(flatten)]
    stats: crate::monitor::outbox::OutboxStats,
}

thread_local! {
    /// Outboxes per collector URL (also where there is no localStorage).
    static OUTBOXES: RefCell<std::collections::HashMap<String, String>> = RefCell::default();
}

fn outbox_key(url: &str) -> String {
    format!("mlcycle.otlpOutbox:{url}")
}

/// The outbox of a collector URL: this module's, else the one a previous page left in
/// localStorage, else a new one. A stored outbox that cannot be read is replaced.
fn load_outbox(
    url: &str,
    policy: &crate::monitor::outbox::OutboxPolicy,
) -> Result<crate::monitor::outbox::Outbox, Error> {
    use crate::monitor::outbox::Outbox;
    let text = OUTBOXES
        .with(|m| m.borrow().get(url).cloned())
        .or_else(|| super::monitor::storage_get(&outbox_key(url)).ok().flatten());
    match text.map(|t| Outbox::from_json(&t, policy.clone())) {
        Some(Ok(o)) => Ok(o),
        _ => Outbox::new(policy.clone()),
    }
}

fn save_outbox(url: &str, outbox: &crate::monitor::outbox::Outbox) {
    if let Ok(text) = outbox.to_json() {
        let _ = super::monitor::storage_set(&outbox_key(url), &text);
        OUTBOXES.with(|m| m.borrow_mut().insert(url.to_string(), text));
    }
}

/// `localStorage` key of the instance id this browser profile reports as.
const INSTANCE_KEY: &str = "mlcycle.instanceId";

thread_local! {
    /// The instance id where there is no localStorage: one per module instance.
    static SESSION_INSTANCE: String = random_id();
}

fn random_id() -> String {
    // Identifies a device in telemetry; not a secret.
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{a:08x}{b:08x}")
}

/// This device's stable instance id: from localStorage (created once), else per module.
fn instance_id() -> String {
    use super::monitor::{storage_get, storage_set};
    match storage_get(INSTANCE_KEY) {
        Ok(Some(id)) if !id.is_empty() && id.len() <= 128 => id,
        Ok(_) => {
            let id = random_id();
            match storage_set(INSTANCE_KEY, &id) {
                Ok(()) => id,
                Err(_) => SESSION_INSTANCE.with(Clone::clone),
            }
        }
        Err(_) => SESSION_INSTANCE.with(Clone::clone),
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OpenOptions {
    subject: Option<String>,
    version: Option<String>,
    alias: Option<String>,
}

/// Calls a page's `onProgress(event)` (exceptions in it are the page's; the load goes on).
struct JsProgress {
    callback: Option<js_sys::Function>,
    last: std::cell::Cell<Option<registry::LoadProgress>>,
}

impl registry::Progress for JsProgress {
    fn report(&self, event: registry::LoadProgress) {
        self.last.set(Some(event));
        if let (Some(f), Ok(v)) = (&self.callback, to_js(&event)) {
            let _ = f.call1(&JsValue::UNDEFINED, &v);
        }
    }
}

impl JsProgress {
    /// `ready`, with the byte counts of the load.
    fn ready(&self) {
        let (loaded_bytes, total_bytes) = self
            .last
            .get()
            .map_or((0, None), |e| (e.loaded_bytes, e.total_bytes));
        registry::Progress::report(
            self,
            registry::LoadProgress {
                phase: registry::LoadPhase::Ready,
                loaded_bytes,
                total_bytes,
            },
        );
    }
}

/// Splits a callback member off an options object (serde cannot read functions): the function,
/// if `key` holds one, and a copy of the object without it. A non-function there is an error.
fn take_callback(v: &JsValue, key: &str) -> JsResult<(Option<js_sys::Function>, JsValue)> {
    if !v.is_object() {
        return Ok((None, v.clone()));
    }
    let member = js_sys::Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED);
    let f = if member.is_undefined() || member.is_null() {
        None
    } else if let Some(f) = member.dyn_ref::<js_sys::Function>() {
        Some(f.clone())
    } else {
        return Err(Error::invalid_argument(key, "must be a function").into());
    };
    // The rest without the member (also when it is `null`: the option structs refuse unknown
    // members, and `{onProgress: null}` means "no callback").
    let rest = js_sys::Object::assign(&js_sys::Object::new(), v.unchecked_ref());
    let _ = js_sys::Reflect::delete_property(&rest, &key.into());
    Ok((f, rest.into()))
}

fn absolute_url(url: &str) -> String {
    // Relative manifest URLs resolve against the page/worker location when there is one.
    if url.contains("://") {
        return url.to_string();
    }
    let href = js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .ok()
        .and_then(|l| js_sys::Reflect::get(&l, &"href".into()).ok())
        .and_then(|h| h.as_string());
    match href {
        Some(base) => registry::artifacts::join_url(&base, url),
        None => url.to_string(),
    }
}

/// A registry manifest, loaded and verified.
#[wasm_bindgen]
pub struct Registry {
    url: String,
    manifest: registry::Manifest,
    public_key: Option<String>,
    subject: Option<String>,
    fetch: JsFetch,
    cache: JsCache,
    otlp: crate::monitor::OtlpResource,
}

#[wasm_bindgen]
impl Registry {
    /// Loads `manifest.json` from `url`. Options: `publicKey` (hex Ed25519: the manifest must be
    /// signed with it), `subject` (default subject for `open`), and the operator escape hatches
    /// `allowRollback` / `allowExpired` (see docs/security.md). A manifest older than one this
    /// page trusted before is `E_ROLLBACK`, one past its `expires` time `E_EXPIRED`.
    pub async fn load(
        url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "RegistryLoadOptions")]
        options_value: Option<JsValue>,
    ) -> JsResult<Registry> {
        let opts: LoadOptions = options("options", options_value.unwrap_or(JsValue::UNDEFINED))?;
        let url = absolute_url(&url);
        let fetch = match opts.timeout_ms {
            // setTimeout fires at once past 2^31 - 1 ms.
            Some(ms) if ms.is_finite() && ms > 0.0 && ms <= 2_147_483_647.0 => {
                JsFetch { timeout_ms: ms }
            }
            Some(ms) => {
                return Err(Error::invalid_argument(
                    "timeoutMs",
                    format!("must be 1 to 2147483647 milliseconds, not {ms}"),
                )
                .into())
            }
            None => JsFetch::default(),
        };
        let freshness = FreshnessPolicy {
            allow_rollback: opts.allow_rollback,
            allow_expired: opts.allow_expired,
        };
        let trust = registry::Trust {
            public_key: opts.public_key.as_deref(),
            store: &JsTrustStore,
            policy: &freshness,
        };
        let manifest = registry::load_manifest(&fetch, &url, trust, js_sys::Date::now()).await?;
        Ok(Registry {
            url,
            manifest,
            public_key: opts.public_key,
            subject: opts.subject,
            fetch,
            cache: JsCache::default(),
            otlp: crate::monitor::OtlpResource {
                service_name: opts.service_name,
                service_version: opts.service_version,
                instance_id: Some(opts.instance_id.unwrap_or_else(instance_id)),
                ..Default::default()
            },
        })
    }

    /// The manifest as a plain object.
    #[wasm_bindgen(getter, unchecked_return_type = "Manifest")]
    pub fn manifest(&self) -> JsResult<JsValue> {
        to_js(&self.manifest)
    }

    /// The manifest URL.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Whether the manifest carried a signature that was verified with the given key.
    #[wasm_bindgen(getter)]
    pub fn verified(&self) -> bool {
        self.public_key.is_some() && self.manifest.signature.is_some()
    }

    /// Which version `{subject, version, alias}` gets, and why.
    #[wasm_bindgen(unchecked_return_type = "Resolution")]
    pub fn resolve(
        &self,
        model: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "ResolveOptions")] options_value: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        let o: OpenOptions = options("options", options_value.unwrap_or(JsValue::UNDEFINED))?;
        let req = ResolveRequest {
            subject: o.subject.or_else(|| self.subject.clone()),
            version: o.version,
            alias: o.alias,
        };
        to_js(&registry::resolve(
            &self.manifest,
            model,
            &req,
            js_sys::Date::now(),
        )?)
    }

    /// Opens a deployment of `model`: resolves, fetches and verifies every artifact it serves
    /// with (concurrently; the validation report is fetched on demand), loads the pipeline and
    /// model, runs the smoke test. Resolves to a `Deployment`. `onProgress(event)` in the
    /// options receives `download` / `load` / `smoke` / `ready` events.
    #[wasm_bindgen(unchecked_return_type = "Promise<Deployment>")]
    pub fn open(
        &self,
        model: String,
        #[wasm_bindgen(unchecked_optional_param_type = "OpenOptions")] options_value: Option<
            JsValue,
        >,
    ) -> JsResult<js_sys::Promise> {
        let options_value = options_value.unwrap_or(JsValue::UNDEFINED);
        let (on_progress, options_value) = take_callback(&options_value, "onProgress")?;
        let progress = JsProgress {
            callback: on_progress,
            last: std::cell::Cell::new(None),
        };
        let o: OpenOptions = options("options", options_value)?;
        let target = Target {
            manifest_url: self.url.clone(),
            model,
            request: ResolveRequest {
                subject: o.subject.or_else(|| self.subject.clone()),
                version: o.version,
                alias: o.alias,
            },
            public_key: self.public_key.clone(),
            // The escape hatches were for `Registry.load`; refreshes check freshness again.
            freshness: FreshnessPolicy::default(),
        };
        let manifest = self.manifest.clone();
        let cache = self.cache.clone();
        let fetch = self.fetch;
        let otlp = self.otlp.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let now = js_sys::Date::now();
            let selection = registry::resolve(&manifest, &target.model, &target.request, now)?;
            let loaded = registry::load_version_with(
                &fetch,
                &cache,
                &target.manifest_url,
                &manifest,
                selection,
                &progress,
            )
            .await?;
            let prefix = format!("{:08x}", (js_sys::Math::random() * 4_294_967_295.0) as u32);
            let keys = RecordKeys::of(&loaded.preprocessing, &[]);
            let mut inner = registry::Deployment::new(target, loaded, prefix, now)?;
            inner.set_otlp_resource(otlp);
            progress.ready();
            Ok(JsValue::from(Deployment {
                inner: Rc::new(RefCell::new(inner)),
                keys: Rc::new(RefCell::new(keys)),
                cache,
                fetch,
                alert_handlers: Rc::new(RefCell::new(Vec::new())),
            }))
        }))
    }
}

/// The serving side of a model: predict, refresh (hot-swap), status.
#[wasm_bindgen]
pub struct Deployment {
    inner: Rc<RefCell<registry::Deployment>>,
    keys: Rc<RefCell<RecordKeys>>,
    cache: JsCache,
    fetch: JsFetch,
    alert_handlers: Rc<RefCell<Vec<js_sys::Function>>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefreshResult {
    changed: bool,
    version: String,
    error: Option<ErrorView>,
}

#[derive(Serialize)]
struct ErrorView {
    code: &'static str,
    message: String,
}

fn busy() -> JsValue {
    Error::invalid_argument("deployment", "busy (re-entrant call from a callback)").into()
}

#[wasm_bindgen]
impl Deployment {
    /// Predicts one record (a plain object keyed by the spec's field names):
    /// `{id, label, probabilities, values, version, latencyMs}`.
    #[wasm_bindgen(unchecked_return_type = "Prediction")]
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord")] record: JsValue,
    ) -> JsResult<JsValue> {
        let result = {
            let keys = self.keys.try_borrow().map_err(|_| busy())?;
            let mut d = self.inner.try_borrow_mut().map_err(|_| busy())?;
            match keys.read(&record, None) {
                Ok(rec) => d.predict(&rec, js_sys::Date::now(), &JsClock),
                Err(e) => {
                    // A non-object is still a failed prediction for the error counters.
                    let _ = d.predict_error(&e, js_sys::Date::now());
                    Err(e)
                }
            }
        };
        self.dispatch_alerts();
        to_js(&result?)
    }

    /// Predicts a batch in one model run — an array of records, or columns (`{field:
    /// Float64Array | string[] | …}`, as `Pipeline.transformColumns`) — every row answered or
    /// rejected on its own and observed by the monitor: `{rows, width, probabilities |
    /// values: Float32Array (rows × width, rejected rows NaN), ids, labels, valid, errors,
    /// version, latencyMs}`. Throws only for a malformed batch (a field without a column,
    /// columns of different lengths) or a failing model.
    #[wasm_bindgen(js_name = predictBatch, unchecked_return_type = "BatchPrediction")]
    pub fn predict_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord[] | FeatureColumns")] batch: JsValue,
    ) -> JsResult<JsValue> {
        let result = {
            let keys = self.keys.try_borrow().map_err(|_| busy())?;
            let mut d = self.inner.try_borrow_mut().map_err(|_| busy())?;
            let (records, columns);
            let rows = match batch.dyn_ref::<js_sys::Array>() {
                Some(list) => {
                    records = keys.read_all(list)?;
                    registry::Batch::Records(&records)
                }
                None => {
                    columns = keys.read_columns(&batch)?;
                    registry::Batch::Columns(&columns)
                }
            };
            d.predict_batch(rows, js_sys::Date::now(), &JsClock)
        };
        self.dispatch_alerts();
        batch_result(&result?)
    }

    /// Calls the `onAlert` handlers with the alert transitions since the last call.
    fn dispatch_alerts(&self) {
        let events = match self.inner.try_borrow_mut() {
            Ok(mut d) => d.drain_alerts(),
            Err(_) => return,
        };
        if events.is_empty() {
            return;
        }
        let handlers = self.alert_handlers.borrow().clone();
        for e in &events {
            if let Ok(v) = to_js(e) {
                for h in &handlers {
                    // A throwing handler must not break predictions; its error is dropped.
                    let _ = h.call1(&JsValue::NULL, &v);
                }
            }
        }
    }

    /// Registers `fn(event)` for alert transitions (`{signal, from, to, value, atMs, …}`).
    #[wasm_bindgen(js_name = onAlert)]
    pub fn on_alert(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: AlertEvent) => void")]
        handler: js_sys::Function,
    ) {
        self.alert_handlers.borrow_mut().push(handler);
    }

    /// Joins a delayed true label to a prediction id: `matched`, `late`, `unmatched`,
    /// `duplicate` or `unknownLabel`.
    #[wasm_bindgen(unchecked_return_type = "FeedbackOutcome")]
    pub fn feedback(&self, prediction_id: &str, true_label: &str) -> JsResult<JsValue> {
        let outcome = self.inner.try_borrow_mut().map_err(|_| busy())?.feedback(
            prediction_id,
            true_label,
            js_sys::Date::now(),
        )?;
        self.dispatch_alerts();
        to_js(&outcome)
    }

    /// The serving version's monitoring report (plain object), or `null` without a reference.
    #[wasm_bindgen(unchecked_return_type = "MonitorReport | null")]
    pub fn monitor(&self) -> JsResult<JsValue> {
        let mut d = self.inner.try_borrow_mut().map_err(|_| busy())?;
        d.evaluate(js_sys::Date::now());
        let report = d.monitor_report();
        drop(d);
        self.dispatch_alerts();
        match report {
            Some(r) => to_js(&r),
            None => Ok(JsValue::NULL),
        }
    }

    /// OTLP/JSON (`ExportMetricsServiceRequest`) of the serving version's telemetry.
    #[wasm_bindgen(js_name = exportOtlp)]
    pub fn export_otlp(&self) -> JsResult<Option<String>> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .export_otlp(js_sys::Date::now()))
    }

    /// The serving version's monitor state as a versioned JSON string (`null` without one).
    pub fn snapshot(&self) -> JsResult<Option<String>> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .monitor_snapshot()?)
    }

    /// Restores a monitor snapshot of the serving version (`E_SNAPSHOT` for another version).
    pub fn restore(&self, snapshot: &str) -> JsResult<()> {
        Ok(self
            .inner
            .try_borrow_mut()
            .map_err(|_| busy())?
            .restore_monitor(snapshot)?)
    }

    /// Saves the monitor snapshot in localStorage under `key` (`E_UNSUPPORTED` without it).
    pub fn save(&self, key: &str) -> JsResult<bool> {
        let Some(snapshot) = self.snapshot()? else {
            return Ok(false);
        };
        super::monitor::storage_set(key, &snapshot)?;
        Ok(true)
    }

    /// Restores the monitor from localStorage `key` if a snapshot of this version is there.
    /// Returns whether one was restored (a snapshot of another version is left alone).
    pub fn load(&self, key: &str) -> JsResult<bool> {
        let Some(text) = super::monitor::storage_get(key)? else {
            return Ok(false);
        };
        match self.restore(&text) {
            Ok(()) => Ok(true),
            Err(_) => Ok(false),
        }
    }

    /// Persists the monitor to localStorage `key` every `interval_ms` and on `pagehide`, after
    /// restoring what a previous page left there, so a reload loses nothing. Returns whether a
    /// previous state was restored. `E_UNSUPPORTED` where there is no localStorage.
    #[wasm_bindgen(js_name = autoPersist)]
    pub fn auto_persist(&self, key: String, interval_ms: Option<u32>) -> JsResult<bool> {
        super::monitor::storage_get(&key)?; // fail early without localStorage
        let restored = self.load(&key)?;
        let inner = self.inner.clone();
        let save = move || {
            if let Ok(d) = inner.try_borrow() {
                if let Ok(Some(s)) = d.monitor_snapshot() {
                    let _ = super::monitor::storage_set(&key, &s);
                }
            }
        };
        let save = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(save);
        let global = js_sys::global();
        let f: &js_sys::Function = save.as_ref().unchecked_ref();
        if let Ok(set_interval) = js_sys::Reflect::get(&global, &"setInterval".into()) {
            if let Some(set_interval) = set_interval.dyn_ref::<js_sys::Function>() {
                let _ = set_interval.call2(&global, f, &JsValue::from(interval_ms.unwrap_or(5000)));
            }
        }
        if let Ok(add) = js_sys::Reflect::get(&global, &"addEventListener".into()) {
            if let Some(add) = add.dyn_ref::<js_sys::Function>() {
                let _ = add.call2(&global, &"pagehide".into(), f);
                let _ = add.call2(&global, &"visibilitychange".into(), f);
            }
        }
        // The page keeps these handlers for its lifetime.
        save.forget();
        Ok(restored)
    }

    /// Queues the serving version's OTLP/JSON metrics for a collector URL and sends every
    /// payload due in that URL's outbox (`fetch` POST, `application/json`, `options.headers`
    /// such as `Authorization`, `keepalive` for posts started on page hide, `timeoutMs`
    /// default 10,000). Network errors, timeouts, 408, 429 and 5xx are retried on later calls
    /// with exponential backoff (`retryBaseMs` default 1,000, doubling, at most 5 min); other
    /// 4xx are refused payloads, dropped and counted; the outbox is bounded (`maxPayloads` 64,
    /// 4 MiB; oldest dropped and counted) and kept in `localStorage` where there is one.
    /// Resolves with `{status, delivered, rejected, dropped, retries, pending}`: `status` is
    /// the collector's answer to this call's newest payload (`null`: no answer).
    #[wasm_bindgen(js_name = postOtlp, unchecked_return_type = "Promise<OtlpDelivery>")]
    pub fn post_otlp(
        &self,
        url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "PostOtlpOptions | boolean")]
        options_value: Option<JsValue>,
    ) -> js_sys::Promise {
        let body = self.export_otlp();
        wasm_bindgen_futures::future_to_promise(async move {
            let options_value = options_value.unwrap_or(JsValue::UNDEFINED);
            // `true` (the former `beacon` flag): a post on page hide.
            let (opts, headers) = if let Some(keepalive) = options_value.as_bool() {
                (
                    PostOtlpOptions {
                        keepalive,
                        ..Default::default()
                    },
                    JsValue::UNDEFINED,
                )
            } else {
                let headers = if options_value.is_object() {
                    js_sys::Reflect::get(&options_value, &"headers".into())
                        .unwrap_or(JsValue::UNDEFINED)
                } else {
                    JsValue::UNDEFINED
                };
                // A copy without `headers` (a JS object, read as is): the caller's object is
                // never changed.
                let rest = if options_value.is_object() {
                    let copy = js_sys::Object::assign(
                        &js_sys::Object::new(),
                        &js_sys::Object::from(options_value.clone()),
                    );
                    let _ = js_sys::Reflect::delete_property(&copy, &"headers".into());
                    JsValue::from(copy)
                } else {
                    options_value
                };
                let o: PostOtlpOptions = options("options", rest)?;
                (o, headers)
            };
            let policy = crate::monitor::outbox::OutboxPolicy {
                max_payloads: opts.max_payloads.unwrap_or(64),
                retry_base_ms: opts.retry_base_ms.unwrap_or(1_000.0),
                ..Default::default()
            };
            let timeout = opts.timeout_ms.unwrap_or(10_000.0);
            if !(timeout.is_finite() && timeout > 0.0 && timeout <= 2_147_483_647.0) {
                return Err(Error::invalid_argument(
                    "timeoutMs",
                    "must be 1 to 2147483647 milliseconds",
                )
                .into());
            }
            let mut outbox = load_outbox(&url, &policy)?;
            let newest = match body? {
                Some(b) => Some(outbox.push(b, js_sys::Date::now())),
                None => None,
            };
            let mut status = None;
            for (id, payload) in outbox.due(js_sys::Date::now()) {
                let answer =
                    super::host::post_json(&url, &payload, &headers, opts.keepalive, timeout)
                        .await?;
                outbox.settle(
                    id,
                    match answer {
                        Some(s) => crate::monitor::outbox::Attempt::Status(s),
                        None => crate::monitor::outbox::Attempt::NoAnswer,
                    },
                    js_sys::Date::now(),
                );
                if Some(id) == newest {
                    status = answer;
                }
            }
            save_outbox(&url, &outbox);
            to_js(&OtlpDelivery {
                status,
                stats: outbox.stats(),
            })
        })
    }

    /// Validates the serving version on labelled records in this browser/worker: metrics,
    /// latency here, data quality, the manifest's criteria and the go/no-go. `records` is an
    /// array of records or columns (`{field: Float64Array | string[] | …}`, one crossing per
    /// column, as `predictBatch`).
    #[wasm_bindgen(unchecked_return_type = "ValidationReport")]
    pub fn validate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord[] | FeatureColumns")] records: JsValue,
        labels: Vec<String>,
        #[wasm_bindgen(unchecked_optional_param_type = "ValidateOptions")] options_value: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        let options: crate::validation::ValidateOptions =
            options("options", options_value.unwrap_or(JsValue::UNDEFINED))?;
        let keys = self.keys.try_borrow().map_err(|_| busy())?;
        let recs = keys.read_table(&records)?;
        let d = self.inner.try_borrow().map_err(|_| busy())?;
        to_js(&d.validate(&recs, &labels, &options, &JsClock)?)
    }

    /// The serving version's published validation report (`validation.json`'s report), or
    /// `null` when it has none. Fetched and verified on the first call, not at `open`: it is
    /// not needed to serve, so it stays off the path to the first prediction.
    #[wasm_bindgen(
        js_name = publishedValidation,
        unchecked_return_type = "Promise<ValidationReport | null>"
    )]
    pub fn published_validation(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        let cache = self.cache.clone();
        let fetch = self.fetch;
        wasm_bindgen_futures::future_to_promise(async move {
            let report = |v: &serde_json::Value| match v.get("report") {
                Some(r) => to_js(r),
                None => Ok(JsValue::NULL),
            };
            let (url, entry, version) = {
                let d = inner.try_borrow().map_err(|_| busy())?;
                if let Some(v) = &d.current().validation {
                    return report(v);
                }
                (
                    d.target().manifest_url.clone(),
                    d.current().entry.clone(),
                    d.version().to_string(),
                )
            };
            let Some(v) =
                registry::fetch_published_validation(&fetch, &cache, &url, &entry).await?
            else {
                return Ok(JsValue::NULL);
            };
            let out = report(&v);
            if let Ok(mut d) = inner.try_borrow_mut() {
                d.remember_validation(&version, v);
            }
            out
        })
    }

    /// The serving version's reference profile (plain object), or `null`.
    #[wasm_bindgen(getter, unchecked_return_type = "ReferenceProfile | null")]
    pub fn reference(&self) -> JsResult<JsValue> {
        let d = self.inner.try_borrow().map_err(|_| busy())?;
        match &d.current().reference {
            Some(r) => to_js(r),
            None => Ok(JsValue::NULL),
        }
    }

    /// Re-reads the manifest; when the subject now resolves to another version, loads it beside
    /// the serving one, smoke-tests it and swaps. Never rejects: resolves to
    /// `{changed, version, error}` — on any failure the serving version stays and `error` says
    /// why (`code`, `message`).
    #[wasm_bindgen(unchecked_return_type = "Promise<RefreshResult>")]
    pub fn refresh(&self) -> js_sys::Promise {
        let inner = self.inner.clone();
        let keys = self.keys.clone();
        let cache = self.cache.clone();
        let fetch = self.fetch;
        wasm_bindgen_futures::future_to_promise(async move {
            let (target, current) = {
                let d = inner.try_borrow().map_err(|_| busy())?;
                (d.target().clone(), d.version().to_string())
            };
            let outcome = registry::prepare_update(
                &fetch,
                &cache,
                &JsTrustStore,
                &target,
                &current,
                js_sys::Date::now(),
            )
            .await;
            let new_keys = match &outcome {
                Ok(Some(v)) => Some(RecordKeys::of(&v.preprocessing, &[])),
                _ => None,
            };
            let mut d = inner.try_borrow_mut().map_err(|_| busy())?;
            let result = match d.commit(outcome, js_sys::Date::now()) {
                Ok(changed) => {
                    if let (true, Some(k)) = (changed, new_keys) {
                        if let Ok(mut slot) = keys.try_borrow_mut() {
                            *slot = k;
                        }
                    }
                    RefreshResult {
                        changed,
                        version: d.version().to_string(),
                        error: None,
                    }
                }
                Err(e) => RefreshResult {
                    changed: false,
                    version: d.version().to_string(),
                    error: Some(ErrorView {
                        code: e.code(),
                        message: e.to_string(),
                    }),
                },
            };
            to_js(&result)
        })
    }

    /// `{model, version, selection, labels, featureVersion, predictions, failedPredictions, events}`.
    #[wasm_bindgen(unchecked_return_type = "DeploymentStatus")]
    pub fn status(&self) -> JsResult<JsValue> {
        to_js(&self.inner.try_borrow().map_err(|_| busy())?.status())
    }

    /// The serving version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> JsResult<String> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .version()
            .to_string())
    }

    /// Class labels of the serving version.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> JsResult<Vec<String>> {
        Ok(self
            .inner
            .try_borrow()
            .map_err(|_| busy())?
            .current()
            .labels()
            .to_vec())
    }

    /// The serving version's feature spec (plain object), for building forms; for a version
    /// published without one, the raw fields its model's graph reads (no transforms).
    #[wasm_bindgen(getter, js_name = featureSpec, unchecked_return_type = "FeatureSpec")]
    pub fn feature_spec(&self) -> JsResult<JsValue> {
        let d = self.inner.try_borrow().map_err(|_| busy())?;
        to_js(d.current().preprocessing.spec())
    }

    /// The serving version's features for a record (the transformed vector), for display.
    pub fn features(
        &self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord")] record: JsValue,
    ) -> JsResult<Vec<f32>> {
        let keys = self.keys.try_borrow().map_err(|_| busy())?;
        let rec = keys.read(&record, None)?;
        let d = self.inner.try_borrow().map_err(|_| busy())?;
        Ok(d.current().features(&rec)?)
    }
}

/// `predictBatch`'s result object. The per-row arrays cross compactly — probabilities as one
/// `Float32Array`, answered flags and class indices as typed arrays, ids as their prefix and
/// first number — and the package's `columns.js` makes them the `ids` / `labels` / `valid`
/// arrays, each on first read (a string per row built here would cross one by one, or as a
/// JSON text).
fn batch_result(out: &registry::BatchPredictions) -> JsResult<JsValue> {
    let obj = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| js_sys::Reflect::set(&obj, &k.into(), v).map(|_| ());
    set("rows", &(out.rows as f64).into())?;
    set("width", &(out.width as f64).into())?;
    set(
        if out.classifier {
            "probabilities"
        } else {
            "values"
        },
        &js_sys::Float32Array::from(&out.values[..]).into(),
    )?;
    let valid: Vec<u8> = out.valid.iter().map(|v| u8::from(*v)).collect();
    let classes: Vec<i32> = out
        .classes
        .iter()
        .map(|c| c.map_or(-1, |c| c as i32))
        .collect();
    let names: js_sys::Array = out
        .class_names
        .iter()
        .map(|n| JsValue::from_str(n))
        .collect();
    super::pipeline::batch_rows(
        &obj,
        &out.id_prefix,
        out.first_id as f64,
        &js_sys::Uint8Array::from(&valid[..]),
        &js_sys::Int32Array::from(&classes[..]),
        &names,
    )?;
    set("errors", &to_js(&out.errors)?)?;
    set("classifier", &out.classifier.into())?;
    set("version", &JsValue::from_str(&out.version))?;
    set("latencyMs", &out.latency_ms.into())?;
    Ok(obj.into())
}
