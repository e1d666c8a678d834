//! OTLP/JSON export: a monitor's summaries as an OpenTelemetry `ExportMetricsServiceRequest`
//! (protobuf JSON mapping, enums as numbers), ready to POST to a collector's `/v1/metrics`; the
//! same request as protobuf in [`super::otlp_protobuf`]. Sums are cumulative
//! (aggregationTemporality 2). 64-bit counts are JSON numbers while exact (≤ 2^53) and strings
//! beyond, times always strings: the mapping lets decoders take either, and a real collector
//! (rotel 0.0.1a15) drops string-valued `asInt` and histogram counts (tests/python/
//! test_collector.py).
//!
//! Conventions (OpenTelemetry semantic conventions 1.x; each choice in docs/monitoring.md):
//! the resource says who reports — `service.name`, `service.instance.id` (one per device, so
//! two devices never produce the same series), `service.version`, `telemetry.sdk.*` — and which
//! model (`mlcycle.model.name`, `mlcycle.model.version`, `mlcycle.feature.version`,
//! `mlcycle.model.alias`, `mlcycle.model.selection`, `mlcycle.build.flavor`); attributes of
//! mlcycle's own are namespaced `mlcycle.*`, the error attribute is `error.type`; durations are
//! in seconds (`s`, UCUM) as an exponential histogram rebuilt from the DDSketch; ratios are `1`.
//! A metric with no data point is left out.

use super::monitor::{Monitor, Status};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Who reports: the OpenTelemetry resource of an export. Unset members take their defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OtlpResource {
    /// `service.name`: the app (default `mlcycle`).
    pub service_name: Option<String>,
    /// `service.version`: the app's version (default: the model version).
    pub service_version: Option<String>,
    /// `service.instance.id`: this device / instance, stable across reloads (default: the
    /// monitor's prediction-id prefix, unique per monitor).
    pub instance_id: Option<String>,
    /// `mlcycle.model.alias`: the alias that selected the version.
    pub alias: Option<String>,
    /// `mlcycle.model.selection`: how the version was chosen (`pinned`, `alias`, `rollout`,
    /// `default`).
    pub selection: Option<String>,
}

/// Scale of the exported exponential histogram: base 2^(1/16), a relative bucket width of
/// 4.4 % (about 2.2 % error), 16 buckets per doubling: 1 µs to 100 s spans under 430 buckets.
pub const DURATION_SCALE: i32 = 4;

/// The build flavor (`full` loads ONNX, `slim` precompiled NNEF only).
fn flavor() -> &'static str {
    if cfg!(feature = "onnx") {
        "full"
    } else {
        "slim"
    }
}

/// The OTLP exponential-histogram index of `v > 0` at `scale`: bucket `i` is
/// `(base^i, base^(i+1)]`, `base = 2^(2^-scale)`.
fn exp_index(v: f64, scale: i32) -> i64 {
    let x = v.log2() * f64::from(scale).exp2();
    (x.ceil() as i64) - 1
}

const CUMULATIVE: u32 = 2;

fn nanos(ms: f64) -> String {
    if ms.is_finite() && ms >= 0.0 {
        format!("{}", (ms * 1e6).round() as u64)
    } else {
        "0".into()
    }
}

/// A 64-bit count in the JSON mapping: a number while exact in a double, else a string.
fn count(v: u64) -> Value {
    if v <= 1 << 53 {
        json!(v)
    } else {
        json!(v.to_string())
    }
}

fn attr(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

impl Monitor {
    /// [`Monitor::export_otlp_with`] with the default resource.
    pub fn export_otlp(&self, now_ms: f64) -> Value {
        self.export_otlp_with(now_ms, &OtlpResource::default())
    }

    /// The summaries as an OTLP/JSON `ExportMetricsServiceRequest` (`now_ms` is the data point
    /// time; the start time is the first observation), reported by `resource`. Data points
    /// carry `mlcycle.model.name` and `mlcycle.model.version` too (backends that keep only
    /// point attributes still tell versions apart).
    pub fn export_otlp_with(&self, now_ms: f64, resource: &OtlpResource) -> Value {
        let rep = self.report();
        let model = rep.model.clone().unwrap_or_default();
        let version = rep.version.clone().unwrap_or_default();
        let start = nanos(rep.window.first_ms.unwrap_or(now_ms));
        let time = nanos(now_ms);
        let point = |extra: Vec<Value>| -> Value {
            let mut attrs = vec![
                attr("mlcycle.model.name", &model),
                attr("mlcycle.model.version", &version),
            ];
            attrs.extend(extra);
            json!({"startTimeUnixNano": start, "timeUnixNano": time, "attributes": attrs})
        };
        let int_point = |v: u64, extra: Vec<Value>| {
            let mut p = point(extra);
            p["asInt"] = count(v);
            p
        };
        let double_point = |v: f64, extra: Vec<Value>| {
            let mut p = point(extra);
            p["asDouble"] = json!(v);
            p
        };
        let sum = |name: &str, unit: &str, desc: &str, points: Vec<Value>| {
            json!({"name": name, "unit": unit, "description": desc,
                   "sum": {"aggregationTemporality": CUMULATIVE, "isMonotonic": true, "dataPoints": points}})
        };
        let gauge = |name: &str, unit: &str, desc: &str, points: Vec<Value>| json!({"name": name, "unit": unit, "description": desc, "gauge": {"dataPoints": points}});
        let mut metrics = Vec::new();
        let t = &rep.telemetry;
        metrics.push(sum(
            "mlcycle.predictions",
            "{prediction}",
            "Predictions observed",
            vec![int_point(t.predictions, vec![])],
        ));
        metrics.push(sum(
            "mlcycle.errors",
            "{error}",
            "Failed predictions by error type (the mlcycle error code)",
            t.errors
                .iter()
                .map(|(c, n)| int_point(*n, vec![attr("error.type", c)]))
                .collect(),
        ));
        // Prediction duration: the sketch's buckets re-counted into an exponential histogram in
        // seconds (each bucket at its representative value, within the sketch's accuracy).
        let sk = self.latency_sketch();
        if sk.count() > 0 {
            let mut zero = 0u64;
            let mut counts: std::collections::BTreeMap<i64, u64> = Default::default();
            for (v, c) in sk.iter_buckets() {
                let secs = v / 1000.0;
                if secs <= super::sketch::MIN_INDEXABLE / 1000.0 {
                    zero += c;
                } else {
                    *counts.entry(exp_index(secs, DURATION_SCALE)).or_default() += c;
                }
            }
            let offset = counts.keys().next().copied().unwrap_or(0);
            let last = counts.keys().next_back().copied().unwrap_or(offset);
            let buckets: Vec<Value> = (offset..=last)
                .map(|i| count(counts.get(&i).copied().unwrap_or(0)))
                .collect();
            let mut hp = point(vec![]);
            hp["count"] = count(sk.count());
            hp["sum"] = json!(sk.sum() / 1000.0);
            if let (Some(mn), Some(mx)) = (sk.min(), sk.max()) {
                hp["min"] = json!(mn / 1000.0);
                hp["max"] = json!(mx / 1000.0);
            }
            hp["scale"] = json!(DURATION_SCALE);
            hp["zeroCount"] = count(zero);
            hp["zeroThreshold"] = json!(super::sketch::MIN_INDEXABLE / 1000.0);
            hp["positive"] = json!({"offset": offset, "bucketCounts": buckets});
            metrics.push(json!({"name": "mlcycle.prediction.duration", "unit": "s",
                "description": "Prediction latency",
                "exponentialHistogram": {"aggregationTemporality": CUMULATIVE, "dataPoints": [hp]}}));
        }
        let l = &t.latency_ms;
        metrics.push(gauge(
            "mlcycle.prediction.duration.quantile",
            "s",
            "Latency quantiles from the DDSketch (relative error <= relativeAccuracy)",
            [(0.5, l.p50), (0.9, l.p90), (0.95, l.p95), (0.99, l.p99)]
                .iter()
                .filter_map(|(q, v)| {
                    v.map(|v| {
                        double_point(v / 1000.0, vec![attr("mlcycle.quantile", &q.to_string())])
                    })
                })
                .collect(),
        ));
        metrics.push(sum(
            "mlcycle.predicted_class",
            "{prediction}",
            "Predictions by predicted class",
            t.classes
                .iter()
                .map(|c| int_point(c.count, vec![attr("mlcycle.class", &c.label)]))
                .collect(),
        ));
        let total: u64 = super::stats::saturating_sum(&t.confidence_counts);
        if total > 0 {
            let mut cp = point(vec![]);
            cp["count"] = count(total);
            cp["bucketCounts"] =
                Value::Array(t.confidence_counts.iter().map(|c| count(*c)).collect());
            cp["explicitBounds"] = json!(t.confidence_edges);
            metrics.push(json!({"name": "mlcycle.confidence", "unit": "1",
                "description": "Top class probability (buckets [lower, upper) at 0.1 steps)",
                "histogram": {"aggregationTemporality": CUMULATIVE, "dataPoints": [cp]}}));
        }
        metrics.push(sum(
            "mlcycle.field.missing",
            "{value}",
            "Missing values per field",
            t.fields
                .iter()
                .map(|f| int_point(f.missing, vec![attr("mlcycle.feature", &f.name)]))
                .collect(),
        ));
        metrics.push(sum(
            "mlcycle.field.invalid",
            "{value}",
            "Invalid values per field",
            t.fields
                .iter()
                .map(|f| int_point(f.invalid, vec![attr("mlcycle.feature", &f.name)]))
                .collect(),
        ));
        let d = &rep.drift;
        let mut psi = Vec::new();
        let mut js = Vec::new();
        for f in &d.features {
            if let Some(v) = f.psi {
                psi.push(double_point(v, vec![attr("mlcycle.feature", &f.name)]));
            }
            if let Some(v) = f.js_distance {
                js.push(double_point(v, vec![attr("mlcycle.feature", &f.name)]));
            }
        }
        metrics.push(gauge(
            "mlcycle.drift.psi",
            "1",
            "Population stability index per feature",
            psi,
        ));
        metrics.push(gauge(
            "mlcycle.drift.js_distance",
            "1",
            "Jensen-Shannon distance (base 2) per feature",
            js,
        ));
        metrics.push(gauge(
            "mlcycle.drift.share",
            "1",
            "Share of features in alert",
            vec![double_point(d.drifted_share, vec![])],
        ));
        let level = |s: Status| match s {
            Status::Ok | Status::Pending => 0,
            Status::Warn => 1,
            Status::Alert => 2,
        };
        metrics.push(gauge(
            "mlcycle.drift.status",
            "1",
            "Drift status per feature (0 ok/pending, 1 warn, 2 alert)",
            d.features
                .iter()
                .map(|f| int_point(level(f.status), vec![attr("mlcycle.feature", &f.name)]))
                .collect(),
        ));
        if let Some(a) = rep.feedback.accuracy {
            metrics.push(gauge(
                "mlcycle.accuracy",
                "1",
                "Accuracy over labeled predictions",
                vec![double_point(a, vec![])],
            ));
        }
        metrics.push(sum(
            "mlcycle.feedback",
            "{label}",
            "Feedback labels by outcome",
            [
                ("matched", rep.feedback.labeled),
                ("late", rep.feedback.late),
                ("unmatched", rep.feedback.unmatched),
                ("duplicate", rep.feedback.duplicate),
                ("unknownLabel", rep.feedback.unknown_label),
            ]
            .iter()
            .map(|(k, n)| int_point(*n, vec![attr("mlcycle.feedback.outcome", k)]))
            .collect(),
        ));
        metrics.push(gauge(
            "mlcycle.retraining_recommended",
            "1",
            "1 when retraining is recommended",
            vec![int_point(
                u64::from(rep.alerts.retraining_recommended),
                vec![],
            )],
        ));
        // No metric without a data point (collectors reject or warn on empty ones).
        metrics.retain(|m| {
            ["sum", "gauge", "histogram", "exponentialHistogram"]
                .iter()
                .filter_map(|k| m.get(*k))
                .any(|body| body["dataPoints"].as_array().is_some_and(|p| !p.is_empty()))
        });
        let instance = resource
            .instance_id
            .clone()
            .unwrap_or_else(|| self.id_salt().to_string());
        let mut res = vec![
            attr(
                "service.name",
                resource.service_name.as_deref().unwrap_or("mlcycle"),
            ),
            attr("service.instance.id", &instance),
            attr(
                "service.version",
                resource.service_version.as_deref().unwrap_or(&version),
            ),
            attr("telemetry.sdk.name", "mlcycle"),
            attr("telemetry.sdk.language", "rust"),
            attr("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
            attr("mlcycle.model.name", &model),
            attr("mlcycle.model.version", &version),
            attr("mlcycle.build.flavor", flavor()),
        ];
        if let Some(fv) = &rep.feature_version {
            res.push(attr("mlcycle.feature.version", fv));
        }
        if let Some(a) = &resource.alias {
            res.push(attr("mlcycle.model.alias", a));
        }
        if let Some(sel) = &resource.selection {
            res.push(attr("mlcycle.model.selection", sel));
        }
        json!({"resourceMetrics": [{
            "resource": {"attributes": res},
            "scopeMetrics": [{
                "scope": {"name": "mlcycle.monitor", "version": env!("CARGO_PKG_VERSION")},
                "metrics": metrics
            }]
        }]})
    }

    /// [`Monitor::export_otlp`] as JSON text.
    pub fn export_otlp_json(&self, now_ms: f64) -> String {
        self.export_otlp(now_ms).to_string()
    }

    /// [`Monitor::export_otlp_with`] as JSON text.
    pub fn export_otlp_json_with(&self, now_ms: f64, resource: &OtlpResource) -> String {
        self.export_otlp_with(now_ms, resource).to_string()
    }

    /// [`Monitor::export_otlp_with`] in OTLP protobuf (`application/x-protobuf`). Fails only if
    /// the export wrote a member the encoder's table lacks (a bug; unit-tested, and checked
    /// against opentelemetry-proto by tests/python/test_collector.py).
    pub fn export_otlp_protobuf_with(
        &self,
        now_ms: f64,
        resource: &OtlpResource,
    ) -> crate::Result<Vec<u8>> {
        super::otlp_protobuf::encode_request(&self.export_otlp_with(now_ms, resource))
    }
}

#[cfg(test)]
mod tests {
    use super::exp_index;

    #[test]
    fn exponential_indices_follow_the_otlp_definition() {
        // Bucket i is (base^i, base^(i+1)], base = 2^(1/16) at scale 4.
        assert_eq!(
            exp_index(1.0, 4),
            -1,
            "1 = base^0 is the upper end of bucket -1"
        );
        assert_eq!(exp_index(2.0, 4), 15);
        assert_eq!(exp_index(1.0001, 4), 0);
        assert_eq!(exp_index(0.5, 4), -17);
        let base = 2f64.powf(1.0 / 16.0);
        for i in [-300i64, -40, 0, 7, 90] {
            let mid = base.powf(i as f64 + 0.5);
            assert_eq!(exp_index(mid, 4), i);
        }
    }
}
