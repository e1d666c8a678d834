//! OTLP protobuf encoding of the export: the OTLP/JSON `ExportMetricsServiceRequest` that
//! [`super::Monitor::export_otlp_with`] builds, written as protobuf wire format
//! (`application/x-protobuf`), by a field table of the OTLP messages mlcycle emits. One
//! description of the export (the JSON) and this small table, rather than a protobuf runtime and
//! generated types in the wasm. tests/python/test_collector.py checks the bytes parse with
//! opentelemetry-proto to the same message as the JSON, and that a real collector (rotel) takes
//! and forwards both.
//!
//! Field numbers and types from opentelemetry-proto (`collector/metrics/v1`, `metrics/v1`,
//! `common/v1`, `resource/v1`).

use crate::error::{Error, Result};
use serde_json::Value;

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Msg(&'static [Field]),
    /// `fixed64` (times, counts).
    Fixed64,
    /// `sfixed64` (`as_int`).
    SFixed64,
    Double,
    /// `uint32`/`int64`/enum/bool as a varint.
    Varint,
    /// `sint32` (zig-zag).
    SInt32,
    PackedFixed64,
    PackedDouble,
    PackedVarint,
}

#[derive(Clone, Copy)]
struct Field {
    json: &'static str,
    num: u32,
    kind: Kind,
}

const fn f(json: &'static str, num: u32, kind: Kind) -> Field {
    Field { json, num, kind }
}

const ANY_VALUE: &[Field] = &[
    f("stringValue", 1, Kind::Str),
    f("boolValue", 2, Kind::Varint),
    f("intValue", 3, Kind::Varint),
    f("doubleValue", 4, Kind::Double),
];
const KEY_VALUE: &[Field] = &[f("key", 1, Kind::Str), f("value", 2, Kind::Msg(ANY_VALUE))];
const RESOURCE: &[Field] = &[f("attributes", 1, Kind::Msg(KEY_VALUE))];
const SCOPE: &[Field] = &[
    f("name", 1, Kind::Str),
    f("version", 2, Kind::Str),
    f("attributes", 3, Kind::Msg(KEY_VALUE)),
];
const NUMBER_POINT: &[Field] = &[
    f("startTimeUnixNano", 2, Kind::Fixed64),
    f("timeUnixNano", 3, Kind::Fixed64),
    f("asDouble", 4, Kind::Double),
    f("asInt", 6, Kind::SFixed64),
    f("attributes", 7, Kind::Msg(KEY_VALUE)),
];
const HISTOGRAM_POINT: &[Field] = &[
    f("startTimeUnixNano", 2, Kind::Fixed64),
    f("timeUnixNano", 3, Kind::Fixed64),
    f("count", 4, Kind::Fixed64),
    f("sum", 5, Kind::Double),
    f("bucketCounts", 6, Kind::PackedFixed64),
    f("explicitBounds", 7, Kind::PackedDouble),
    f("attributes", 9, Kind::Msg(KEY_VALUE)),
    f("min", 11, Kind::Double),
    f("max", 12, Kind::Double),
];
const BUCKETS: &[Field] = &[
    f("offset", 1, Kind::SInt32),
    f("bucketCounts", 2, Kind::PackedVarint),
];
const EXP_POINT: &[Field] = &[
    f("attributes", 1, Kind::Msg(KEY_VALUE)),
    f("startTimeUnixNano", 2, Kind::Fixed64),
    f("timeUnixNano", 3, Kind::Fixed64),
    f("count", 4, Kind::Fixed64),
    f("sum", 5, Kind::Double),
    f("scale", 6, Kind::SInt32),
    f("zeroCount", 7, Kind::Fixed64),
    f("positive", 8, Kind::Msg(BUCKETS)),
    f("negative", 9, Kind::Msg(BUCKETS)),
    f("min", 12, Kind::Double),
    f("max", 13, Kind::Double),
    f("zeroThreshold", 14, Kind::Double),
];
const GAUGE: &[Field] = &[f("dataPoints", 1, Kind::Msg(NUMBER_POINT))];
const SUM: &[Field] = &[
    f("dataPoints", 1, Kind::Msg(NUMBER_POINT)),
    f("aggregationTemporality", 2, Kind::Varint),
    f("isMonotonic", 3, Kind::Varint),
];
const HISTOGRAM: &[Field] = &[
    f("dataPoints", 1, Kind::Msg(HISTOGRAM_POINT)),
    f("aggregationTemporality", 2, Kind::Varint),
];
const EXP_HISTOGRAM: &[Field] = &[
    f("dataPoints", 1, Kind::Msg(EXP_POINT)),
    f("aggregationTemporality", 2, Kind::Varint),
];
const METRIC: &[Field] = &[
    f("name", 1, Kind::Str),
    f("description", 2, Kind::Str),
    f("unit", 3, Kind::Str),
    f("gauge", 5, Kind::Msg(GAUGE)),
    f("sum", 7, Kind::Msg(SUM)),
    f("histogram", 9, Kind::Msg(HISTOGRAM)),
    f("exponentialHistogram", 10, Kind::Msg(EXP_HISTOGRAM)),
];
const SCOPE_METRICS: &[Field] = &[
    f("scope", 1, Kind::Msg(SCOPE)),
    f("metrics", 2, Kind::Msg(METRIC)),
];
const RESOURCE_METRICS: &[Field] = &[
    f("resource", 1, Kind::Msg(RESOURCE)),
    f("scopeMetrics", 2, Kind::Msg(SCOPE_METRICS)),
];
const REQUEST: &[Field] = &[f("resourceMetrics", 1, Kind::Msg(RESOURCE_METRICS))];

fn bad(what: String) -> Error {
    Error::invalid_argument("otlp", what)
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn tag(out: &mut Vec<u8>, num: u32, wire: u8) {
    varint(out, (u64::from(num) << 3) | u64::from(wire));
}

/// An integer of the JSON mapping: a number, or a decimal string (64-bit values).
fn int(v: &Value) -> Option<i128> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from)),
        Value::String(s) => s.parse().ok(),
        Value::Bool(b) => Some(i128::from(*b)),
        _ => None,
    }
}

fn scalar(out: &mut Vec<u8>, field: &Field, v: &Value) -> Result<()> {
    let need = |what: &str| bad(format!("`{}` is not {what}", field.json));
    match field.kind {
        Kind::Str => {
            let s = v.as_str().ok_or_else(|| need("a string"))?;
            tag(out, field.num, 2);
            varint(out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
        }
        Kind::Fixed64 | Kind::SFixed64 => {
            let x = int(v).ok_or_else(|| need("an integer"))?;
            tag(out, field.num, 1);
            out.extend_from_slice(&(x as u64).to_le_bytes());
        }
        Kind::Double => {
            let x = v.as_f64().ok_or_else(|| need("a number"))?;
            tag(out, field.num, 1);
            out.extend_from_slice(&x.to_le_bytes());
        }
        Kind::Varint => {
            let x = int(v).ok_or_else(|| need("an integer"))?;
            tag(out, field.num, 0);
            varint(out, x as u64);
        }
        Kind::SInt32 => {
            let x = int(v).ok_or_else(|| need("an integer"))? as i64;
            tag(out, field.num, 0);
            varint(out, ((x << 1) ^ (x >> 63)) as u64);
        }
        Kind::PackedFixed64 | Kind::PackedDouble | Kind::PackedVarint => {
            let items = v.as_array().ok_or_else(|| need("an array"))?;
            let mut body = Vec::with_capacity(items.len() * 8);
            for item in items {
                match field.kind {
                    Kind::PackedDouble => body.extend_from_slice(
                        &item.as_f64().ok_or_else(|| need("numbers"))?.to_le_bytes(),
                    ),
                    Kind::PackedFixed64 => body.extend_from_slice(
                        &(int(item).ok_or_else(|| need("integers"))? as u64).to_le_bytes(),
                    ),
                    _ => varint(&mut body, int(item).ok_or_else(|| need("integers"))? as u64),
                }
            }
            tag(out, field.num, 2);
            varint(out, body.len() as u64);
            out.extend_from_slice(&body);
        }
        Kind::Msg(fields) => {
            let mut body = Vec::new();
            message(&mut body, fields, v)?;
            tag(out, field.num, 2);
            varint(out, body.len() as u64);
            out.extend_from_slice(&body);
        }
    }
    Ok(())
}

fn message(out: &mut Vec<u8>, fields: &[Field], v: &Value) -> Result<()> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad("a message is not an object".into()))?;
    if let Some(k) = obj.keys().find(|k| !fields.iter().any(|f| f.json == *k)) {
        return Err(bad(format!("no protobuf field for `{k}`")));
    }
    for field in fields {
        match (obj.get(field.json), field.kind) {
            (None, _) => {}
            (
                Some(Value::Array(items)),
                Kind::Msg(_) | Kind::Str | Kind::Double | Kind::Fixed64 | Kind::Varint,
            ) => {
                for item in items {
                    scalar(out, field, item)?;
                }
            }
            (Some(item), _) => scalar(out, field, item)?,
        }
    }
    Ok(())
}

/// An OTLP/JSON `ExportMetricsServiceRequest` (as mlcycle builds it) in protobuf wire format.
pub(crate) fn encode_request(request: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    message(&mut out, REQUEST, request)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wire_format_of_known_messages() {
        // KeyValue{key: "a", value: {stringValue: "b"}} = 0a 01 61 12 03 0a 01 62.
        let mut out = Vec::new();
        message(
            &mut out,
            KEY_VALUE,
            &json!({"key": "a", "value": {"stringValue": "b"}}),
        )
        .unwrap();
        assert_eq!(out, [0x0a, 1, b'a', 0x12, 3, 0x0a, 1, b'b']);
        // Buckets{offset: -3, bucketCounts: [1, 300]}: sint32 zig-zag 5, packed varints.
        let mut out = Vec::new();
        message(
            &mut out,
            BUCKETS,
            &json!({"offset": -3, "bucketCounts": ["1", 300]}),
        )
        .unwrap();
        assert_eq!(out, [0x08, 5, 0x12, 3, 1, 0xac, 0x02]);
        // NumberDataPoint{timeUnixNano: "1", asInt: "-1"}: fixed64 / sfixed64.
        let mut out = Vec::new();
        message(
            &mut out,
            NUMBER_POINT,
            &json!({"timeUnixNano": "1", "asInt": -1}),
        )
        .unwrap();
        assert_eq!(out[0], 0x19);
        assert_eq!(&out[1..9], &1u64.to_le_bytes());
        assert_eq!(out[9], 0x31);
        assert_eq!(&out[10..18], &u64::MAX.to_le_bytes());
        // A member the table does not know is an error, not silently dropped.
        let e = encode_request(&json!({"resourceMetrics": [{"schemaUrlX": "x"}]})).unwrap_err();
        assert!(e.to_string().contains("schemaUrlX"), "{e}");
    }
}
