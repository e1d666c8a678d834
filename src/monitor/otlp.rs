//! OTLP/JSON export: a monitor's summaries as an OpenTelemetry `ExportMetricsServiceRequest`
//! (protobuf JSON mapping: 64-bit integers as strings, enums as numbers), ready to POST to a
//! collector's `/v1/metrics`. Sums are cumulative (aggregationTemporality 2).

use super::monitor::{Monitor, Status};
use serde_json::{json, Value};

/// Explicit latency bucket bounds (ms) of the exported histogram.
pub const LATENCY_BOUNDS_MS: [f64; 18] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0,
    1000.0, 2500.0,
];
const CUMULATIVE: u32 = 2;

fn nanos(ms: f64) -> String {
    if ms.is_finite() && ms >= 0.0 {
        format!("{}", (ms * 1e6).round() as u64)
    } else {
        "0".into()
    }
}

fn attr(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

impl Monitor {
    /// The summaries as an OTLP/JSON `ExportMetricsServiceRequest` (`now_ms` is the data point
    /// time; the start time is the first observation). Data points carry the attributes
    /// `model` and `version` (also on the resource).
    pub fn export_otlp(&self, now_ms: f64) -> Value {
        let rep = self.report();
        let model = rep.model.clone().unwrap_or_default();
        let version = rep.version.clone().unwrap_or_default();
        let start = nanos(rep.window.first_ms.unwrap_or(now_ms));
        let time = nanos(now_ms);
        let point = |extra: Vec<Value>| -> Value {
            let mut attrs = vec![attr("model", &model), attr("version", &version)];
            attrs.extend(extra);
            json!({"startTimeUnixNano": start, "timeUnixNano": time, "attributes": attrs})
        };
        let int_point = |v: u64, extra: Vec<Value>| {
            let mut p = point(extra);
            p["asInt"] = json!(v.to_string());
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
            "Failed predictions by error code",
            t.errors
                .iter()
                .map(|(c, n)| int_point(*n, vec![attr("error.code", c)]))
                .collect(),
        ));
        // Latency histogram: the sketch's buckets re-counted into explicit bounds (each bucket
        // counted at its representative value, within the sketch's relative accuracy).
        let sk = self.latency_sketch();
        let mut buckets = vec![0u64; LATENCY_BOUNDS_MS.len() + 1];
        for (v, c) in sk.iter_buckets() {
            // OTLP explicit buckets are (bound[i-1], bound[i]].
            let i = LATENCY_BOUNDS_MS.partition_point(|b| *b < v);
            if let Some(n) = buckets.get_mut(i) {
                *n += c;
            }
        }
        let mut hp = point(vec![]);
        hp["count"] = json!(sk.count().to_string());
        hp["sum"] = json!(sk.sum());
        if let (Some(mn), Some(mx)) = (sk.min(), sk.max()) {
            hp["min"] = json!(mn);
            hp["max"] = json!(mx);
        }
        hp["bucketCounts"] = json!(buckets.iter().map(|c| c.to_string()).collect::<Vec<_>>());
        hp["explicitBounds"] = json!(LATENCY_BOUNDS_MS);
        metrics.push(json!({"name": "mlcycle.latency", "unit": "ms",
            "description": "Prediction latency",
            "histogram": {"aggregationTemporality": CUMULATIVE, "dataPoints": [hp]}}));
        let l = &t.latency_ms;
        metrics.push(gauge(
            "mlcycle.latency.quantile",
            "ms",
            "Latency quantiles from the DDSketch (relative error <= relativeAccuracy)",
            [(0.5, l.p50), (0.9, l.p90), (0.95, l.p95), (0.99, l.p99)]
                .iter()
                .filter_map(|(q, v)| {
                    v.map(|v| double_point(v, vec![attr("quantile", &q.to_string())]))
                })
                .collect(),
        ));
        metrics.push(sum(
            "mlcycle.predicted_class",
            "{prediction}",
            "Predictions by predicted class",
            t.classes
                .iter()
                .map(|c| int_point(c.count, vec![attr("class", &c.label)]))
                .collect(),
        ));
        let mut cp = point(vec![]);
        let total: u64 = super::stats::saturating_sum(&t.confidence_counts);
        cp["count"] = json!(total.to_string());
        cp["bucketCounts"] = json!(t
            .confidence_counts
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>());
        cp["explicitBounds"] = json!(t.confidence_edges);
        metrics.push(json!({"name": "mlcycle.confidence", "unit": "1",
            "description": "Top class probability (buckets [lower, upper) at 0.1 steps)",
            "histogram": {"aggregationTemporality": CUMULATIVE, "dataPoints": [cp]}}));
        metrics.push(sum(
            "mlcycle.field.missing",
            "{value}",
            "Missing values per field",
            t.fields
                .iter()
                .map(|f| int_point(f.missing, vec![attr("feature", &f.name)]))
                .collect(),
        ));
        metrics.push(sum(
            "mlcycle.field.invalid",
            "{value}",
            "Invalid values per field",
            t.fields
                .iter()
                .map(|f| int_point(f.invalid, vec![attr("feature", &f.name)]))
                .collect(),
        ));
        let d = &rep.drift;
        let mut psi = Vec::new();
        let mut js = Vec::new();
        for f in &d.features {
            if let Some(v) = f.psi {
                psi.push(double_point(v, vec![attr("feature", &f.name)]));
            }
            if let Some(v) = f.js_distance {
                js.push(double_point(v, vec![attr("feature", &f.name)]));
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
                .map(|f| int_point(level(f.status), vec![attr("feature", &f.name)]))
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
            .map(|(k, n)| int_point(*n, vec![attr("outcome", k)]))
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
        let mut resource = vec![attr("service.name", "mlcycle")];
        resource.push(attr("model", &model));
        resource.push(attr("version", &version));
        if let Some(fv) = &rep.feature_version {
            resource.push(attr("feature.version", fv));
        }
        json!({"resourceMetrics": [{
            "resource": {"attributes": resource},
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
}
