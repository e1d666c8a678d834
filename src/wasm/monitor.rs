//! `Monitor`: on-device monitoring from JS. Records are plain objects read field by field
//! (only the reference's fields); probabilities are a `Float32Array` row (or omitted).
//! Reports are plain objects; snapshots and OTLP exports are JSON strings. `persist`/`load`
//! use `localStorage` found on the global object (pages); elsewhere they throw `E_UNSUPPORTED`.

use super::pipeline::js_record;
use super::{to_js, JsResult};
use crate::features::Record;
use crate::{monitor, Error};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Prediction telemetry, drift, feedback and alerts for one model version.
#[wasm_bindgen]
pub struct Monitor {
    inner: monitor::Monitor,
    keys: Vec<(String, JsValue)>,
    on_alert: Option<js_sys::Function>,
}

fn random_salt() -> String {
    // Only needs to differ between sessions/devices; not a secret.
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 65_536.0) as u64;
    format!("{a:08x}{b:04x}")
}

fn no_storage(reason: &str) -> Error {
    Error::unsupported(format!(
        "localStorage is not available on this host ({reason}); use snapshot()/Monitor.restore() \
         and store the string yourself"
    ))
}

fn local_storage() -> Result<JsValue, Error> {
    let storage = js_sys::Reflect::get(&js_sys::global(), &"localStorage".into())
        .map_err(|_| no_storage("access denied"))?;
    if storage.is_undefined() || storage.is_null() {
        return Err(no_storage("no localStorage global"));
    }
    Ok(storage)
}

fn storage_method(storage: &JsValue, name: &str) -> Result<js_sys::Function, Error> {
    js_sys::Reflect::get(storage, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| no_storage(&format!("localStorage.{name} is not a function")))
}

/// `localStorage.setItem(key, text)` (`E_UNSUPPORTED` without it, `E_IO` when it fails).
pub(crate) fn storage_set(key: &str, text: &str) -> Result<(), Error> {
    let storage = local_storage()?;
    let set = storage_method(&storage, "setItem")?;
    set.call2(&storage, &key.into(), &text.into())
        .map_err(|e| Error::Io {
            path: format!("localStorage[{key}]"),
            reason: js_message(&e),
        })?;
    Ok(())
}

/// `localStorage.getItem(key)`: `None` when absent.
pub(crate) fn storage_get(key: &str) -> Result<Option<String>, Error> {
    let storage = local_storage()?;
    let get = storage_method(&storage, "getItem")?;
    let v = get.call1(&storage, &key.into()).map_err(|e| Error::Io {
        path: format!("localStorage[{key}]"),
        reason: js_message(&e),
    })?;
    Ok(v.as_string())
}

fn js_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

impl Monitor {
    fn wrap(inner: monitor::Monitor) -> Monitor {
        let keys = inner
            .reference()
            .fields
            .iter()
            .map(|f| (f.name.clone(), JsValue::from_str(&f.name)))
            .collect();
        Monitor {
            inner,
            keys,
            on_alert: None,
        }
    }

    fn record(&self, value: &JsValue) -> Result<Record, Error> {
        js_record(value, &self.keys, None)
    }

    /// Calls the onAlert callback with each queued transition (errors it throws are ignored:
    /// a failing listener must not break predictions).
    fn dispatch(&mut self) {
        let Some(f) = self.on_alert.clone() else {
            return;
        };
        for ev in self.inner.drain_events() {
            if let Ok(v) = to_js(&ev) {
                let _ = f.call1(&JsValue::NULL, &v);
            }
        }
    }
}

/// `Monitor.fleetReport` options.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FleetReportOptions {
    window: Option<WindowChoice>,
}

/// `"total"`, `"latest"` or a window start in epoch ms.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum WindowChoice {
    Start(f64),
    Named(String),
}

#[wasm_bindgen]
impl Monitor {
    /// `new Monitor(referenceJson, configJson?, salt?)`: `reference.json` text, the monitor
    /// config (thresholds; `{}` or omitted for defaults) and the prediction-id prefix (random
    /// when omitted).
    #[wasm_bindgen(constructor)]
    pub fn new(reference: &str, config: Option<String>, salt: Option<String>) -> JsResult<Monitor> {
        let reference = monitor::ReferenceProfile::from_json(reference)?;
        let config = match config.as_deref().map(str::trim) {
            None | Some("") => monitor::MonitorConfig::default(),
            Some(text) => monitor::MonitorConfig::from_json(text)?,
        };
        let salt = salt.unwrap_or_else(random_salt);
        Ok(Monitor::wrap(monitor::Monitor::new(
            reference, config, &salt,
        )?))
    }

    /// Records one prediction: the raw record (object), the model's probability row
    /// (`Float32Array`, or omitted for none), its latency and the current time in ms. Returns
    /// the prediction id for `feedback`.
    pub fn observe(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord")] record: &JsValue,
        probabilities: Option<Vec<f32>>,
        latency_ms: f64,
        now_ms: f64,
    ) -> JsResult<String> {
        let rec = self.record(record)?;
        let id = self.inner.observe(
            now_ms,
            &rec,
            probabilities.as_deref().unwrap_or_default(),
            latency_ms,
        );
        self.dispatch();
        Ok(id)
    }

    /// Records a batch: `records.length × classes` probabilities row-major; `latencyMs` per
    /// prediction. Returns the ids.
    #[wasm_bindgen(js_name = observeBatch)]
    pub fn observe_batch(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "FeatureRecord[]")] records: &js_sys::Array,
        probabilities: Option<Vec<f32>>,
        latency_ms: f64,
        now_ms: f64,
    ) -> JsResult<Vec<String>> {
        let recs = records
            .iter()
            .map(|r| self.record(&r))
            .collect::<Result<Vec<_>, _>>()?;
        let ids = self.inner.observe_batch(
            now_ms,
            &recs,
            probabilities.as_deref().unwrap_or_default(),
            latency_ms,
        )?;
        self.dispatch();
        Ok(ids)
    }

    /// Records a failed prediction by error code (`e.code`).
    #[wasm_bindgen(js_name = observeError)]
    pub fn observe_error(&mut self, code: &str, now_ms: f64) {
        self.inner.observe_error(code, now_ms);
        self.dispatch();
    }

    /// Joins a delayed true label to a prediction id: returns `matched`, `late`, `unmatched`,
    /// `duplicate` or `unknownLabel`.
    #[wasm_bindgen(unchecked_return_type = "FeedbackOutcome")]
    pub fn feedback(&mut self, id: &str, label: &str, now_ms: f64) -> String {
        let outcome = self.inner.feedback(id, label, now_ms);
        self.dispatch();
        outcome.as_str().to_string()
    }

    /// Re-judges every signal now (otherwise every `evaluateEvery` calls).
    pub fn evaluate(&mut self, now_ms: f64) {
        self.inner.evaluate(now_ms);
        self.dispatch();
    }

    /// The report as a plain object.
    #[wasm_bindgen(unchecked_return_type = "MonitorReport")]
    pub fn report(&self) -> JsResult<JsValue> {
        to_js(&self.inner.report())
    }

    /// The report as JSON text.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> JsResult<String> {
        Ok(self.inner.report_json()?)
    }

    /// Whether retraining is recommended (as of the last evaluation).
    #[wasm_bindgen(getter, js_name = retrainingRecommended)]
    pub fn retraining_recommended(&self) -> bool {
        self.inner.retraining_recommended()
    }

    /// The whole state as versioned JSON (`format: "mlcycle.monitor/1"`).
    pub fn snapshot(&self) -> JsResult<String> {
        Ok(self.inner.snapshot()?)
    }

    /// A monitor from a `snapshot()` string (throws `E_SNAPSHOT` on unknown versions).
    pub fn restore(snapshot: &str) -> JsResult<Monitor> {
        Ok(Monitor::wrap(monitor::Monitor::restore(snapshot)?))
    }

    /// Adds another monitor's summaries (same reference) into this one.
    pub fn merge(&mut self, other: &Monitor) -> JsResult<()> {
        Ok(self.inner.merge(&other.inner)?)
    }

    /// The fleet's drift, class mix, feedback accuracy and latency from device `snapshot()`
    /// strings of one model version (what `mlcycle fleet merge` prints), with every window.
    /// `options.window`: `"total"` (default), `"latest"` (the latest complete window) or a
    /// window start in epoch ms. Throws `E_SNAPSHOT` naming the position of a snapshot that
    /// cannot be merged, `E_INVALID_ARGUMENT` for a window the fleet does not have.
    #[wasm_bindgen(js_name = fleetReport, unchecked_return_type = "FleetReport")]
    pub fn fleet_report(
        #[wasm_bindgen(unchecked_param_type = "string[]")] snapshots: Vec<String>,
        #[wasm_bindgen(unchecked_optional_param_type = "FleetReportOptions")] options: Option<
            JsValue,
        >,
    ) -> JsResult<JsValue> {
        let o: FleetReportOptions =
            super::options("options", options.unwrap_or(JsValue::UNDEFINED))?;
        let window = match o.window {
            None => monitor::FleetWindow::Total,
            Some(WindowChoice::Start(ms)) => monitor::FleetWindow::Start(ms),
            Some(WindowChoice::Named(s)) => s.parse()?,
        };
        to_js(&monitor::fleet_report_window(
            snapshots.iter().map(String::as_str),
            window,
        )?)
    }

    /// OTLP/JSON `ExportMetricsServiceRequest` text, for POSTing to a collector's `/v1/metrics`.
    /// `resource`: `{serviceName, serviceVersion, instanceId}` (defaults: `mlcycle`, the model
    /// version, this monitor's id prefix).
    #[wasm_bindgen(js_name = exportOtlp)]
    pub fn export_otlp(
        &self,
        now_ms: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "OtlpResource")] resource: Option<JsValue>,
    ) -> JsResult<String> {
        let resource: monitor::OtlpResource =
            super::options("resource", resource.unwrap_or(JsValue::UNDEFINED))?;
        Ok(self.inner.export_otlp_json_with(now_ms, &resource))
    }

    /// `exportOtlp` in OTLP protobuf (`application/x-protobuf`): the same request, about half
    /// the bytes.
    #[wasm_bindgen(js_name = exportOtlpProtobuf)]
    pub fn export_otlp_protobuf(
        &self,
        now_ms: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "OtlpResource")] resource: Option<JsValue>,
    ) -> JsResult<Vec<u8>> {
        let resource: monitor::OtlpResource =
            super::options("resource", resource.unwrap_or(JsValue::UNDEFINED))?;
        Ok(self.inner.export_otlp_protobuf_with(now_ms, &resource)?)
    }

    /// Calls `fn(event)` for every alert transition (`{signal, from, to, value, warn, alert,
    /// atMs}`); `null` removes it. Do not call this monitor from inside the callback.
    #[wasm_bindgen(js_name = onAlert)]
    pub fn on_alert(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "((event: AlertEvent) => void) | null")]
        callback: Option<js_sys::Function>,
    ) {
        self.on_alert = callback;
        self.dispatch();
    }

    /// Takes the queued transitions (when no onAlert callback consumes them).
    #[wasm_bindgen(js_name = drainEvents, unchecked_return_type = "AlertEvent[]")]
    pub fn drain_events(&mut self) -> JsResult<JsValue> {
        to_js(&self.inner.drain_events())
    }

    /// Saves `snapshot()` under `key` in localStorage (`E_UNSUPPORTED` without localStorage,
    /// `E_IO` when the write fails, e.g. quota).
    pub fn persist(&self, key: &str) -> JsResult<()> {
        Ok(storage_set(key, &self.inner.snapshot()?)?)
    }

    /// Restores the monitor saved under `key` (`E_NOT_FOUND` when absent, `E_SNAPSHOT` when
    /// unreadable, `E_UNSUPPORTED` without localStorage).
    pub fn load(key: &str) -> JsResult<Monitor> {
        let text = storage_get(key)?.ok_or_else(|| Error::NotFound {
            what: "monitor snapshot".into(),
            name: key.to_string(),
        })?;
        Monitor::restore(&text)
    }
}
