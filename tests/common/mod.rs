//! Fixture loaders shared by the golden tests. Everything is embedded with `include_*!` so the
//! same tests run natively and in wasm (Node, Chromium), where there is no filesystem.
#![allow(dead_code)]

use serde_json::Value;

pub const PENGUINS_LOGREG: &[u8] = include_bytes!("../data/penguins_logreg.onnx");
pub const PENGUINS_LOGREG_ZIPMAP: &[u8] =
    include_bytes!("../data/variants/penguins_logreg_zipmap.onnx");
pub const PENGUINS_LOGREG_OPSETDEFAULT: &[u8] =
    include_bytes!("../data/variants/penguins_logreg_opsetdefault.onnx");
pub const PENGUINS_GBT: &[u8] = include_bytes!("../data/variants/penguins_gbt.onnx");
pub const BREAST_CANCER_GBT: &[u8] = include_bytes!("../data/breast_cancer_gbt.onnx");
pub const BREAST_CANCER_MLP: &[u8] = include_bytes!("../data/breast_cancer_mlp.onnx");
pub const BREAST_CANCER_MLP_PROBAONLY: &[u8] =
    include_bytes!("../data/variants/breast_cancer_mlp_probaonly.onnx");
pub const BREAST_CANCER_RF: &[u8] = include_bytes!("../data/variants/breast_cancer_rf.onnx");
pub const DIGITS_MLP: &[u8] = include_bytes!("../data/digits_mlp.onnx");
pub const DIGITS_MLP_PROBAONLY: &[u8] =
    include_bytes!("../data/variants/digits_mlp_probaonly.onnx");

const PENGUINS_GOLDEN: &str = include_str!("../data/penguins_golden.json");
const PENGUINS_GBT_PROBA: &str = include_str!("../data/variants/penguins_gbt_proba.json");
const BREAST_CANCER_GOLDEN: &str = include_str!("../data/breast_cancer_golden.json");
const BREAST_CANCER_RF_PROBA: &str = include_str!("../data/variants/breast_cancer_rf_proba.json");
const DIGITS_GOLDEN: &str = include_str!("../data/digits_golden.json");
const DIGITS_CSV: &str = include_str!("../data/digits_test.csv");

/// Inputs (row-major f32), expected probabilities per row, and the feature count.
pub struct Golden {
    pub features: Vec<f32>,
    pub n_features: usize,
    pub proba: Vec<Vec<f64>>,
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn rows_features(doc: &Value) -> (Vec<f32>, usize) {
    let rows = doc["rows"].as_array().expect("rows");
    let n = rows[0]["features"].as_array().expect("features").len();
    let f = rows
        .iter()
        .flat_map(|r| floats(&r["features"]))
        .map(|x| x as f32)
        .collect();
    (f, n)
}

/// Golden data for a fixture model by name.
pub fn golden(name: &str) -> Golden {
    let parse = |s: &str| -> Value { serde_json::from_str(s).expect("golden json") };
    match name {
        "penguins_logreg" | "penguins_logreg_zipmap" | "penguins_logreg_opsetdefault" => {
            let doc = parse(PENGUINS_GOLDEN);
            let (features, n_features) = rows_features(&doc);
            let proba = doc["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| floats(&r["proba"]))
                .collect();
            Golden {
                features,
                n_features,
                proba,
            }
        }
        "penguins_gbt" => {
            let doc = parse(PENGUINS_GOLDEN);
            let (features, n_features) = rows_features(&doc);
            let proba = parse(PENGUINS_GBT_PROBA)["proba"]
                .as_array()
                .unwrap()
                .iter()
                .map(floats)
                .collect();
            Golden {
                features,
                n_features,
                proba,
            }
        }
        "breast_cancer_mlp" | "breast_cancer_mlp_probaonly" | "breast_cancer_gbt" => {
            let doc = parse(BREAST_CANCER_GOLDEN);
            let (features, n_features) = rows_features(&doc);
            let key = if name == "breast_cancer_gbt" {
                "proba_gbt"
            } else {
                "proba_mlp"
            };
            let proba = doc["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| floats(&r[key]))
                .collect();
            Golden {
                features,
                n_features,
                proba,
            }
        }
        "breast_cancer_rf" => {
            let doc = parse(BREAST_CANCER_GOLDEN);
            let (features, n_features) = rows_features(&doc);
            let proba = parse(BREAST_CANCER_RF_PROBA)["proba"]
                .as_array()
                .unwrap()
                .iter()
                .map(floats)
                .collect();
            Golden {
                features,
                n_features,
                proba,
            }
        }
        "digits_mlp" | "digits_mlp_probaonly" => {
            let mut lines = DIGITS_CSV.lines();
            // Columns: pixel_0 … pixel_63, target.
            let n_features = lines
                .next()
                .unwrap()
                .split(',')
                .filter(|c| c.starts_with("pixel_"))
                .count();
            let features = lines
                .filter(|l| !l.trim().is_empty())
                .flat_map(|l| {
                    l.split(',')
                        .take(n_features)
                        .map(|x| x.trim().parse::<f32>().expect("pixel"))
                        .collect::<Vec<_>>()
                })
                .collect();
            let doc = parse(DIGITS_GOLDEN);
            let proba = doc["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| floats(&r["proba"]))
                .collect();
            Golden {
                features,
                n_features,
                proba,
            }
        }
        other => panic!("no golden data for {other}"),
    }
}

/// The fixture models every build must run, with their bytes.
pub const MODELS: &[(&str, &[u8])] = &[
    ("penguins_logreg", PENGUINS_LOGREG),
    ("penguins_logreg_zipmap", PENGUINS_LOGREG_ZIPMAP),
    ("penguins_logreg_opsetdefault", PENGUINS_LOGREG_OPSETDEFAULT),
    ("penguins_gbt", PENGUINS_GBT),
    ("breast_cancer_gbt", BREAST_CANCER_GBT),
    ("breast_cancer_mlp", BREAST_CANCER_MLP),
    ("breast_cancer_mlp_probaonly", BREAST_CANCER_MLP_PROBAONLY),
    ("breast_cancer_rf", BREAST_CANCER_RF),
    ("digits_mlp", DIGITS_MLP),
    ("digits_mlp_probaonly", DIGITS_MLP_PROBAONLY),
];

pub fn model_bytes(name: &str) -> &'static [u8] {
    MODELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| *b)
        .expect("fixture model")
}

/// Largest accepted |p − p_sklearn| for the golden tests.
pub const GOLDEN_TOLERANCE: f64 = 1e-5;

/// Asserts that `model` (loaded however the test loads it) is the classifier of fixture `name`
/// and reproduces sklearn's `predict_proba` within [`GOLDEN_TOLERANCE`] and its argmax on every
/// golden row. Returns the prediction for further checks.
pub fn assert_matches_golden(name: &str, model: &mlcycle::Model) -> mlcycle::Prediction {
    let golden = golden(name);
    let info = model.info();
    assert_eq!(info.kind, mlcycle::ModelKind::Classifier, "{name} kind");
    assert_eq!(info.n_features, golden.n_features, "{name} features");
    let rows = golden.proba.len();
    let pred = model
        .predict(&golden.features, rows)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(pred.rows, rows);
    assert_eq!(pred.cols, golden.proba[0].len(), "{name} classes");
    assert_eq!(info.labels.len(), pred.cols, "{name} labels");
    let mut max_diff = 0f64;
    for (r, expected) in golden.proba.iter().enumerate() {
        let got = pred.row(r);
        for (g, e) in got.iter().zip(expected) {
            max_diff = max_diff.max((*g as f64 - e).abs());
        }
        let want = expected
            .iter()
            .enumerate()
            .fold(0, |best, (i, p)| if *p > expected[best] { i } else { best });
        assert_eq!(
            mlcycle::inference::argmax(got),
            want,
            "{name} row {r}: {got:?} vs {expected:?}"
        );
    }
    assert!(
        max_diff <= GOLDEN_TOLERANCE,
        "{name}: max |p - p_sklearn| = {max_diff:e}"
    );
    pred
}
