//! `crate::Error` → JS `Error` with a stable `code`, and plain-object serialization.

use crate::Error;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Result of every export: `Err` is thrown in JS.
pub(crate) type JsResult<T> = Result<T, JsValue>;

impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let js = js_sys::Error::new(&e.to_string());
        js.set_name("MlcycleError");
        let obj: &JsValue = js.as_ref();
        // Reflect::set only fails on frozen or non-objects; a fresh Error is neither.
        let _ = js_sys::Reflect::set(obj, &"code".into(), &e.code().into());
        if let Some(field) = e.field() {
            let _ = js_sys::Reflect::set(obj, &"field".into(), &field.into());
        }
        js.into()
    }
}

/// Serializes a core DTO as a plain JS object (`null` for `None` and non-finite numbers, objects
/// for maps): JSON text made by serde_json, parsed by the host's `JSON.parse`. One boundary
/// crossing per value instead of one per member, and no second serializer: every DTO's
/// `Serialize` is instantiated once (for serde_json, which the core needs anyway) instead of
/// also for a second serializer (serde-wasm-bindgen, dropped) — the reports are the largest
/// serializable types in the module.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| JsValue::from(Error::invalid_argument("result", e.to_string())))?;
    js_sys::JSON::parse(&text)
}

/// Deserializes a JS value (an option bag, a list) into a core type, naming the argument on
/// failure: `JSON.stringify` on the host, serde_json here, so `deny_unknown_fields` holds — a
/// misspelt option (`{instanceID}`) is `E_INVALID_ARGUMENT`, not silently ignored (a struct
/// deserializer that looks up only the fields it knows never sees the extra key). Functions
/// and `undefined` members are left out by `JSON.stringify` (callbacks are taken out of the
/// bags before this); values JSON cannot carry (BigInt, cycles) are errors.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(name: &str, value: JsValue) -> JsResult<T> {
    let bad = |why: String| JsValue::from(Error::invalid_argument(name, why));
    let text = js_sys::JSON::stringify(&value)
        .map_err(|e| {
            bad(e.dyn_ref::<js_sys::Error>().map_or_else(
                || "not representable as JSON".into(),
                |e| String::from(e.message()),
            ))
        })?
        .as_string()
        .ok_or_else(|| bad("not representable as JSON".into()))?;
    serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
}

/// [`from_js`] of an optional option bag: `undefined` / `null` are the defaults.
pub(crate) fn options<T: serde::de::DeserializeOwned + Default>(
    name: &str,
    value: JsValue,
) -> JsResult<T> {
    if value.is_undefined() || value.is_null() {
        Ok(T::default())
    } else {
        from_js(name, value)
    }
}
