//! JS host implementations: `performance.now()` clock and `fetch` from `js_sys::global()`
//! (works in pages, Web Workers, Node ≥ 18 and workerd; never the page-only window object).

use crate::error::{Error, Result};
use crate::host::{Clock, Fetch};
use wasm_bindgen::{JsCast, JsValue};

/// `performance.now()`, falling back to `Date.now()` where there is no `performance`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> f64 {
        let global = js_sys::global();
        if let Ok(perf) = js_sys::Reflect::get(&global, &"performance".into()) {
            if let Ok(now) = js_sys::Reflect::get(&perf, &"now".into()) {
                if let Some(f) = now.dyn_ref::<js_sys::Function>() {
                    if let Some(t) = f.call0(&perf).ok().and_then(|v| v.as_f64()) {
                        return t;
                    }
                }
            }
        }
        js_sys::Date::now()
    }
}

/// The global `fetch`.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsFetch;

fn fetch_error(url: &str, status: Option<u16>, reason: impl Into<String>) -> Error {
    Error::Fetch {
        url: url.to_string(),
        status,
        reason: reason.into(),
    }
}

fn js_reason(v: &JsValue) -> String {
    v.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| v.as_string())
        .unwrap_or_else(|| format!("{v:?}"))
}

impl Fetch for JsFetch {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        let global = js_sys::global();
        let fetch = js_sys::Reflect::get(&global, &"fetch".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| Error::unsupported("this host has no global fetch"))?;
        let promise = fetch
            .call1(&global, &JsValue::from_str(url))
            .map_err(|e| fetch_error(url, None, js_reason(&e)))?;
        let response = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
            .await
            .map_err(|e| fetch_error(url, None, js_reason(&e)))?;
        let get = |name: &str| js_sys::Reflect::get(&response, &name.into()).ok();
        let ok = get("ok").and_then(|v| v.as_bool()).unwrap_or(false);
        let status = get("status").and_then(|v| v.as_f64()).map(|s| s as u16);
        if !ok {
            return Err(fetch_error(url, status, "the server did not return 2xx"));
        }
        let array_buffer = get("arrayBuffer")
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| fetch_error(url, status, "response has no arrayBuffer()"))?;
        let buf = array_buffer
            .call0(&response)
            .map_err(|e| fetch_error(url, status, js_reason(&e)))?;
        let buf = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(buf))
            .await
            .map_err(|e| fetch_error(url, status, js_reason(&e)))?;
        Ok(js_sys::Uint8Array::new(&buf).to_vec())
    }
}

/// POSTs a JSON body: `navigator.sendBeacon` when asked and available (survives page unload),
/// else `fetch` with `method: "POST"`. A non-2xx answer is `E_FETCH`.
pub(crate) async fn post_json(url: &str, body: &str, beacon: bool) -> Result<()> {
    let global = js_sys::global();
    if beacon {
        let navigator =
            js_sys::Reflect::get(&global, &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(send) = js_sys::Reflect::get(&navigator, &"sendBeacon".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let queued = send
                .call2(&navigator, &url.into(), &body.into())
                .ok()
                .and_then(|v| v.as_bool());
            return match queued {
                Some(true) => Ok(()),
                _ => Err(fetch_error(url, None, "sendBeacon refused the payload")),
            };
        }
    }
    let fetch = js_sys::Reflect::get(&global, &"fetch".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| Error::unsupported("this host has no global fetch"))?;
    let init = js_sys::Object::new();
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"content-type".into(), &"application/json".into());
    let _ = js_sys::Reflect::set(&init, &"method".into(), &"POST".into());
    let _ = js_sys::Reflect::set(&init, &"headers".into(), &headers);
    let _ = js_sys::Reflect::set(&init, &"body".into(), &body.into());
    let promise = fetch
        .call2(&global, &url.into(), &init)
        .map_err(|e| fetch_error(url, None, js_reason(&e)))?;
    let response = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|e| fetch_error(url, None, js_reason(&e)))?;
    let ok = js_sys::Reflect::get(&response, &"ok".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if !ok {
        let status = js_sys::Reflect::get(&response, &"status".into())
            .ok()
            .and_then(|v| v.as_f64())
            .map(|s| s as u16);
        return Err(fetch_error(url, status, "the collector did not return 2xx"));
    }
    Ok(())
}

thread_local! {
    /// Manifest versions trusted by this module instance (also where there is no localStorage).
    static TRUSTED: crate::registry::MemoryTrustStore = crate::registry::MemoryTrustStore::default();
}

/// The highest manifest version trusted per registry URL: in `localStorage` (key
/// `mlcycle.manifestVersion:<url>`) where the host has it, so a reload still refuses a replayed
/// manifest, and in this instance's memory everywhere (workers, Node).
#[derive(Debug, Default, Clone, Copy)]
pub struct JsTrustStore;

fn trust_key(url: &str) -> String {
    format!("mlcycle.manifestVersion:{url}")
}

impl crate::registry::TrustStore for JsTrustStore {
    fn trusted_version(&self, manifest_url: &str) -> Option<u64> {
        let in_memory = TRUSTED.with(|t| t.trusted_version(manifest_url));
        let stored = super::monitor::storage_get(&trust_key(manifest_url))
            .ok()
            .flatten()
            .and_then(|s| s.parse::<u64>().ok());
        in_memory.max(stored)
    }

    fn remember(&self, manifest_url: &str, version: u64) {
        TRUSTED.with(|t| t.remember(manifest_url, version));
        let _ = super::monitor::storage_set(&trust_key(manifest_url), &version.to_string());
    }
}
