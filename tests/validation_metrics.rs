//! Metric functions against scikit-learn on awkward inputs (a class never predicted, a class
//! absent from the truth, single-class holdouts, probabilities of exactly 0 and 1, ROC ties,
//! calibration bin edges, constant regression targets). Expected values come from
//! tools/make_validation_fixtures.py (sklearn 1.9.1). Runs natively and as wasm.

use mlcycle::validation::{classification_metrics, regression_metrics, MetricOptions};
use serde_json::Value;
use wasm_bindgen_test::wasm_bindgen_test;

const EDGE_CASES: &str = include_str!("data/validation_edge_cases.json");
const TOL: f64 = 1e-12;

/// Compares a computed report (serialized) with sklearn's expected values; returns max |Δ|.
fn compare(path: &str, got: &Value, want: &Value, max: &mut f64) {
    match (got, want) {
        (_, Value::Null) => assert!(
            got.is_null(),
            "{path}: expected null (sklearn NaN), got {got}"
        ),
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (
                g.as_f64().unwrap_or(f64::NAN),
                w.as_f64().unwrap_or(f64::NAN),
            );
            let d = (g - w).abs();
            assert!(d <= TOL, "{path}: got {g}, sklearn {w}");
            *max = max.max(d);
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{path}: length");
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                compare(&format!("{path}[{i}]"), a, b, max);
            }
        }
        (Value::Object(g), Value::Object(w)) => {
            for (k, b) in w {
                let a = g.get(k).unwrap_or(&Value::Null);
                compare(&format!("{path}.{k}"), a, b, max);
            }
        }
        _ => assert_eq!(got, want, "{path}"),
    }
}

/// sklearn's `calibration_curve` returns only the non-empty bins: keep those of ours.
fn nonempty_calibration(report: &Value) -> Value {
    let classes = report["calibration"]["classes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Value::Array(
        classes
            .iter()
            .map(|c| {
                let bins: Vec<&Value> = c["bins"]
                    .as_array()
                    .map(|b| b.iter().filter(|x| x["count"].as_u64() != Some(0)).collect())
                    .unwrap_or_default();
                serde_json::json!({
                    "label": c["label"],
                    "fractionPositive": bins.iter().map(|b| b["fractionPositive"].clone()).collect::<Vec<_>>(),
                    "meanPredicted": bins.iter().map(|b| b["meanPredicted"].clone()).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn classification_edge_cases_match_sklearn() {
    let fixture: Value = serde_json::from_str(EDGE_CASES).expect("fixture");
    let cases = fixture["classification"].as_array().expect("cases");
    assert!(cases.len() >= 8);
    let mut max = 0f64;
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let labels: Vec<String> = case["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .map(|l| l.as_str().expect("label").to_string())
            .collect();
        let y: Vec<usize> = case["yTrue"]
            .as_array()
            .expect("y")
            .iter()
            .map(|v| v.as_u64().expect("index") as usize)
            .collect();
        let proba: Vec<f64> = case["proba"]
            .as_array()
            .expect("proba")
            .iter()
            .flat_map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(|v| v.as_f64().expect("p"))
            })
            .collect();
        let m = classification_metrics(&labels, &y, &proba, &MetricOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut got = serde_json::to_value(&m).expect("serialize");
        let calibration = nonempty_calibration(&got);
        got["calibration"] = calibration;
        compare(name, &got, &case["expected"], &mut max);
        // the warning flags sklearn raises as UndefinedMetricWarning
        if name == "class_never_predicted" {
            assert!(m
                .zero_division
                .iter()
                .any(|z| z.metric == "precision" && z.label == "b"));
        }
        if name == "class_absent_from_truth" {
            assert!(m
                .zero_division
                .iter()
                .any(|z| z.metric == "recall" && z.label == "c"));
            assert_eq!(m.roc_auc_ovr, None);
        }
    }
    assert!(max <= TOL, "max |Δ| {max}");
}

#[wasm_bindgen_test(unsupported = test)]
fn regression_edge_cases_match_sklearn() {
    let fixture: Value = serde_json::from_str(EDGE_CASES).expect("fixture");
    let mut max = 0f64;
    for case in fixture["regression"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let floats = |k: &str| -> Vec<f64> {
            case[k]
                .as_array()
                .expect("array")
                .iter()
                .map(|v| v.as_f64().expect("number"))
                .collect()
        };
        let m = regression_metrics(&floats("yTrue"), &floats("yPred"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got = serde_json::to_value(&m).expect("serialize");
        compare(name, &got, &case["expected"], &mut max);
    }
    assert!(max <= TOL, "max |Δ| {max}");
}

/// A calibration bin count from a page's options (`calibrationBins: 1e9`) is a typed error, not
/// an allocation that traps the wasm instance (issue 13); the bound is generous.
#[wasm_bindgen_test(unsupported = test)]
fn huge_calibration_bin_counts_are_refused() {
    let labels = vec!["a".to_string(), "b".to_string()];
    let y = [0usize, 1, 1, 0];
    let p = [0.8, 0.2, 0.3, 0.7, 0.1, 0.9, 0.6, 0.4];
    for bins in [0usize, 1_000_000_000] {
        let options = MetricOptions {
            calibration_bins: bins,
            ..MetricOptions::default()
        };
        let e = classification_metrics(&labels, &y, &p, &options).expect_err("refused");
        assert_eq!(e.code(), "E_INVALID_ARGUMENT", "{e}");
        assert!(e.to_string().contains("calibrationBins"), "{e}");
    }
    let options = MetricOptions {
        calibration_bins: mlcycle::validation::metrics::MAX_CALIBRATION_BINS,
        ..MetricOptions::default()
    };
    let m = classification_metrics(&labels, &y, &p, &options).expect("the bound itself is fine");
    assert_eq!(m.accuracy, 1.0);
}
