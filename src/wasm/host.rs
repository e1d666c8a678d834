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

/// The global `fetch`, bounded: every request is aborted after `timeout_ms` (connect, headers
/// and body together: a server that answers slowly or never is `E_FETCH`, never a promise
/// pending forever), and a body is read as a stream and cut off as soon as it passes the
/// caller's limit (a declared `Content-Length` over it is refused before reading).
#[derive(Debug, Clone, Copy)]
pub struct JsFetch {
    pub timeout_ms: f64,
}

/// Default [`JsFetch::timeout_ms`]: 30 s.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;

impl Default for JsFetch {
    fn default() -> Self {
        JsFetch {
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

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

fn method(target: &JsValue, name: &str) -> Option<js_sys::Function> {
    js_sys::Reflect::get(target, &name.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
}

async fn await_js(v: JsValue) -> std::result::Result<JsValue, JsValue> {
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&v)).await
}

/// `controller.abort()`, if it has one.
fn abort(controller: &JsValue) {
    if let Some(f) = method(controller, "abort") {
        let _ = f.call0(controller);
    }
}

/// An `AbortController` whose `abort()` fires after `ms` unless [`Deadline::clear`]ed (where
/// the host has both; otherwise no deadline).
struct Deadline {
    controller: Option<JsValue>,
    timer: Option<JsValue>,
    _callback: Option<wasm_bindgen::closure::Closure<dyn FnMut()>>,
    fired: std::rc::Rc<std::cell::Cell<bool>>,
}

impl Deadline {
    fn new(ms: f64) -> Deadline {
        let global = js_sys::global();
        let fired = std::rc::Rc::new(std::cell::Cell::new(false));
        let controller = js_sys::Reflect::get(&global, &"AbortController".into())
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Function>().ok())
            .and_then(|c| js_sys::Reflect::construct(&c, &js_sys::Array::new()).ok());
        let (Some(controller), Some(set_timeout)) = (controller, method(&global, "setTimeout"))
        else {
            return Deadline {
                controller: None,
                timer: None,
                _callback: None,
                fired,
            };
        };
        let (c, f) = (controller.clone(), fired.clone());
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            f.set(true);
            abort(&c);
        });
        let timer = set_timeout
            .call2(&global, callback.as_ref(), &JsValue::from_f64(ms))
            .ok();
        Deadline {
            controller: Some(controller),
            timer,
            _callback: Some(callback),
            fired,
        }
    }

    fn signal(&self) -> Option<JsValue> {
        self.controller
            .as_ref()
            .and_then(|c| js_sys::Reflect::get(c, &"signal".into()).ok())
    }

    /// Aborts now (a body past its limit: stop the transfer).
    fn abort(&self) {
        if let Some(c) = &self.controller {
            abort(c);
        }
    }
}

impl Drop for Deadline {
    /// Clears the timer, so a finished request keeps no timer (nor a Node process) alive.
    fn drop(&mut self) {
        if let (Some(timer), Some(clear)) = (&self.timer, method(&js_sys::global(), "clearTimeout"))
        {
            let _ = clear.call1(&js_sys::global(), timer);
        }
    }
}

impl JsFetch {
    async fn bounded(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>> {
        let global = js_sys::global();
        let fetch = method(&global, "fetch")
            .ok_or_else(|| Error::unsupported("this host has no global fetch"))?;
        let deadline = Deadline::new(self.timeout_ms);
        let timed_out = |e: &JsValue, status: Option<u16>| {
            if deadline.fired.get() {
                fetch_error(
                    url,
                    status,
                    format!("no complete answer within {} ms (timeout)", self.timeout_ms),
                )
            } else {
                fetch_error(url, status, js_reason(e))
            }
        };
        let init = js_sys::Object::new();
        if let Some(signal) = deadline.signal() {
            let _ = js_sys::Reflect::set(&init, &"signal".into(), &signal);
        }
        let promise = fetch
            .call2(&global, &JsValue::from_str(url), &init)
            .map_err(|e| timed_out(&e, None))?;
        let response = await_js(promise).await.map_err(|e| timed_out(&e, None))?;
        let get = |name: &str| js_sys::Reflect::get(&response, &name.into()).ok();
        let ok = get("ok").and_then(|v| v.as_bool()).unwrap_or(false);
        let status = get("status").and_then(|v| v.as_f64()).map(|s| s as u16);
        if !ok {
            deadline.abort();
            return Err(fetch_error(url, status, "the server did not return 2xx"));
        }
        let declared = get("headers")
            .and_then(|h| {
                let get = method(&h, "get")?;
                get.call1(&h, &"content-length".into()).ok()
            })
            .and_then(|v| v.as_string())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > max_bytes) {
            deadline.abort();
            return Err(crate::host::too_large(url, max_bytes));
        }
        let reader = get("body")
            .filter(|b| !b.is_null() && !b.is_undefined())
            .and_then(|b| method(&b, "getReader").and_then(|f| f.call0(&b).ok()));
        let Some(reader) = reader else {
            // No stream (an old host): the whole body, then the limit.
            let buf = method(&response, "arrayBuffer")
                .ok_or_else(|| fetch_error(url, status, "response has no body"))?
                .call0(&response)
                .map_err(|e| timed_out(&e, status))?;
            let buf = await_js(buf).await.map_err(|e| timed_out(&e, status))?;
            let bytes = js_sys::Uint8Array::new(&buf).to_vec();
            if bytes.len() as u64 > max_bytes {
                return Err(crate::host::too_large(url, max_bytes));
            }
            return Ok(bytes);
        };
        let read = method(&reader, "read")
            .ok_or_else(|| fetch_error(url, status, "the body stream cannot be read"))?;
        let mut bytes =
            Vec::with_capacity(declared.unwrap_or(0).min(max_bytes).min(1 << 30) as usize);
        loop {
            let chunk = read.call0(&reader).map_err(|e| timed_out(&e, status))?;
            let chunk = await_js(chunk).await.map_err(|e| timed_out(&e, status))?;
            let done = js_sys::Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            let value = js_sys::Reflect::get(&chunk, &"value".into())
                .map_err(|e| fetch_error(url, status, js_reason(&e)))?;
            let part = js_sys::Uint8Array::new(&value);
            if bytes.len() as u64 + u64::from(part.length()) > max_bytes {
                if let Some(cancel) = method(&reader, "cancel") {
                    let _ = cancel.call0(&reader);
                }
                deadline.abort();
                return Err(crate::host::too_large(url, max_bytes));
            }
            let at = bytes.len();
            bytes.resize(at + part.length() as usize, 0);
            part.copy_to(&mut bytes[at..]);
        }
        Ok(bytes)
    }
}

impl Fetch for JsFetch {
    async fn fetch(&self, url: &str) -> Result<Vec<u8>> {
        self.bounded(url, crate::host::MAX_UNSIZED_ARTIFACT_BYTES)
            .await
    }

    async fn fetch_at_most(&self, url: &str, max_bytes: u64) -> Result<Vec<u8>> {
        self.bounded(url, max_bytes).await
    }
}

/// POSTs a JSON body with `fetch` (`content-type: application/json`, the given extra
/// `headers` object, `keepalive` so a post started on page hide completes after unload),
/// aborted after `timeout_ms`. Resolves to the HTTP status, or `None` when no answer came
/// (network error, timeout); `E_UNSUPPORTED` without a global fetch.
pub(crate) async fn post_json(
    url: &str,
    body: &str,
    headers: &JsValue,
    keepalive: bool,
    timeout_ms: f64,
) -> Result<Option<u16>> {
    let global = js_sys::global();
    let fetch = method(&global, "fetch")
        .ok_or_else(|| Error::unsupported("this host has no global fetch"))?;
    let init = js_sys::Object::new();
    let all = js_sys::Object::new();
    if headers.is_object() {
        let _ = js_sys::Object::assign(&all, &js_sys::Object::from(headers.clone()));
    }
    let _ = js_sys::Reflect::set(&all, &"content-type".into(), &"application/json".into());
    let _ = js_sys::Reflect::set(&init, &"method".into(), &"POST".into());
    let _ = js_sys::Reflect::set(&init, &"headers".into(), &all);
    let _ = js_sys::Reflect::set(&init, &"body".into(), &body.into());
    let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &keepalive.into());
    let deadline = Deadline::new(timeout_ms);
    if let Some(signal) = deadline.signal() {
        let _ = js_sys::Reflect::set(&init, &"signal".into(), &signal);
    }
    let Ok(promise) = fetch.call2(&global, &url.into(), &init) else {
        return Ok(None);
    };
    let Ok(response) = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(promise)).await
    else {
        return Ok(None);
    };
    let status = js_sys::Reflect::get(&response, &"status".into())
        .ok()
        .and_then(|v| v.as_f64())
        .map(|s| s as u16);
    // Drain the body so the connection is released (errors here do not change the answer).
    if let Some(text) = method(&response, "text") {
        if let Ok(p) = text.call0(&response) {
            let _ = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(p)).await;
        }
    }
    Ok(status)
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
