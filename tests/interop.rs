//! Interop: models as people export them (skl2onnx, onnxmltools for LightGBM/XGBoost,
//! CatBoost's own exporter), with default converter options: string and integer class labels,
//! ZipMap, one input per DataFrame column (string tensors included), in-graph preprocessing,
//! SVC and kNN. Each must reproduce onnxruntime 1.31's outputs (`tests/data/interop/`, built by
//! `build_interop.py` there): probabilities within 1e-5, labels exactly, regression values
//! within 1e-5 relative. From ONNX and from the precompiled (NNEF) form, natively and as wasm
//! in Node and Chromium (`wasm-bindgen-test`). The slim build (no ONNX parser) runs the
//! committed precompiled forms (`tests/data/nnef/interop/`, regenerate with
//! `make nnef-fixtures`); the full build checks that today's export equals them byte for byte.

use mlcycle::{InputValues, Model};
#[cfg(feature = "onnx")]
use mlcycle::{LoadOptions, RawValue, Record};
use serde_json::Value;
#[cfg(feature = "onnx")]
use std::collections::HashMap;
use wasm_bindgen_test::wasm_bindgen_test;

const INTEROP_JSON: &str = include_str!("data/interop/interop.json");
/// Fixtures for operators the shared set lacks (`make_extra_ops.py`), same fields.
const EXTRA_OPS_JSON: &str = include_str!("data/interop/extra_ops.json");
/// ai.onnx.ml opset-5 `TreeEnsemble` fixtures (`make_tree_ensemble_v5.py`), same fields.
const TREE_ENSEMBLE_V5_JSON: &str = include_str!("data/interop/tree_ensemble_v5.json");

struct Fixture {
    name: &'static str,
    #[cfg_attr(not(feature = "onnx"), allow(dead_code))]
    onnx: &'static [u8],
    /// The committed precompiled form.
    nnef: &'static [u8],
    input: &'static str,
    ort: &'static str,
}

macro_rules! fixture {
    ($name:literal) => {
        fixture!(
            $name,
            include_bytes!(concat!("data/nnef/interop/", $name, ".nnef.tar"))
        )
    };
    ($name:literal, $nnef:expr) => {
        Fixture {
            name: $name,
            onnx: include_bytes!(concat!("data/interop/", $name, ".onnx")),
            nnef: $nnef,
            input: include_str!(concat!("data/interop/", $name, "_input.csv")),
            ort: include_str!(concat!("data/interop/", $name, "_ort.csv")),
        }
    };
}

fn csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn meta(name: &str) -> Value {
    [INTEROP_JSON, EXTRA_OPS_JSON, TREE_ENSEMBLE_V5_JSON]
        .iter()
        .flat_map(|text| {
            let doc: Value = serde_json::from_str(text).expect("fixture json");
            doc["models"].as_array().cloned().unwrap_or_default()
        })
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| {
            panic!("{name} not in interop.json, extra_ops.json or tree_ensemble_v5.json")
        })
}

/// Per-input values from the input CSV, through `input_csv_columns`.
fn inputs(f: &Fixture, model: &Model) -> (Vec<InputValues>, usize) {
    let (header, rows) = csv(f.input);
    let m = meta(f.name);
    let col = |c: &str| header.iter().position(|h| h == c).expect("column");
    let mut out = Vec::new();
    for input in &model.info().inputs {
        let cols: Vec<usize> = m["input_csv_columns"]
            .as_array()
            .expect("input_csv_columns")
            .iter()
            .find(|i| i["input"] == input.name.as_str())
            .expect("input mapping")["columns"]
            .as_array()
            .expect("columns")
            .iter()
            .map(|c| col(c.as_str().expect("name")))
            .collect();
        if input.dtype == "string" {
            out.push(InputValues::Strings(
                rows.iter()
                    .flat_map(|r| cols.iter().map(|c| r[*c].clone()))
                    .collect(),
            ));
        } else {
            out.push(InputValues::Numbers(
                rows.iter()
                    .flat_map(|r| {
                        cols.iter().map(|c| {
                            if r[*c].is_empty() {
                                f64::NAN
                            } else {
                                r[*c].parse::<f64>().expect("number")
                            }
                        })
                    })
                    .collect(),
            ));
        }
    }
    (out, rows.len())
}

/// Compares a model's predictions with onnxruntime's.
fn assert_matches_ort(f: &Fixture, model: &Model, how: &str) {
    let (values, rows) = inputs(f, model);
    let p = model
        .predict_inputs(&values, rows)
        .unwrap_or_else(|e| panic!("{} ({how}): {e}", f.name));
    let (header, expected) = csv(f.ort);
    assert_eq!(expected.len(), rows, "{}: rows", f.name);
    if header[0] == "value" {
        // One column per target: `value`, then `value_1`, `value_2`, ...
        for (r, row) in expected.iter().enumerate() {
            assert_eq!(p.row(r).len(), row.len(), "{} ({how}): targets", f.name);
            for (c, cell) in row.iter().enumerate() {
                let want: f64 = cell.parse().expect("value");
                let got = p.row(r)[c] as f64;
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                    "{} ({how}) row {r} target {c}: {got} vs onnxruntime {want}",
                    f.name
                );
            }
        }
        return;
    }
    let classes: Vec<&str> = header[1..]
        .iter()
        .map(|h| h.strip_prefix("p_").expect("p_ column"))
        .collect();
    assert_eq!(model.labels(), classes, "{} ({how}): class labels", f.name);
    let winners = p.argmax();
    for (r, row) in expected.iter().enumerate() {
        for (c, cell) in row[1..].iter().enumerate() {
            let want: f64 = cell.parse().expect("probability");
            let got = p.row(r)[c] as f64;
            assert!(
                (got - want).abs() <= 1e-5,
                "{} ({how}) row {r} class {}: {got} vs onnxruntime {want}",
                f.name,
                classes[c]
            );
        }
        assert_eq!(
            model.labels()[winners[r]],
            row[0],
            "{} ({how}) row {r}: label",
            f.name
        );
    }
}

/// ONNX (full build), today's NNEF export (bit for bit the ONNX model's predictions), and the
/// committed NNEF form (every build).
fn check(f: Fixture) {
    #[cfg(feature = "onnx")]
    {
        let model = check_onnx(&f);
        let nnef = model
            .to_nnef()
            .unwrap_or_else(|e| panic!("{} to_nnef: {e}", f.name));
        Model::check_slim(&nnef).unwrap_or_else(|e| panic!("{}: slim: {e}", f.name));
        // What `mlcycle publish` warns about: none of these exports computes outside the wasm
        // packages' datum types.
        model
            .check_wasm_datum_types()
            .unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let pre = Model::from_nnef(&nnef).unwrap_or_else(|e| panic!("{} from_nnef: {e}", f.name));
        assert_eq!(pre.info(), model.info(), "{}: info survives NNEF", f.name);
        let (values, rows) = inputs(&f, &pre);
        let bits = |m: &Model| -> Vec<u32> {
            let p = m.predict_inputs(&values, rows).expect("predict");
            p.values.iter().map(|v| v.to_bits()).collect()
        };
        assert_eq!(
            bits(&pre),
            bits(&model),
            "{}: the precompiled form predicts differently from the ONNX model",
            f.name
        );
        if nnef != f.nnef {
            // tract's declutter numbers some split nodes in a run-dependent order (`_1`/`_2`
            // swap in the one-hot pipelines): the same graph under other node names. Hold
            // today's export to the committed one by its predictions, bit for bit.
            let committed = Model::from_nnef(f.nnef).expect("committed NNEF");
            let (values, rows) = inputs(&f, &pre);
            assert_eq!(
                pre.predict_inputs(&values, rows).expect("today's"),
                committed.predict_inputs(&values, rows).expect("committed"),
                "{}: today's NNEF export predicts differently from the committed fixture \
                 (make nnef-fixtures)",
                f.name
            );
        }
    }
    let pre = Model::from_nnef(f.nnef).unwrap_or_else(|e| panic!("{} from_nnef: {e}", f.name));
    assert_matches_ort(&f, &pre, "nnef");
}

#[cfg(feature = "onnx")]
fn check_onnx(f: &Fixture) -> Model {
    let model = Model::from_bytes(f.onnx).unwrap_or_else(|e| panic!("{}: {e}", f.name));
    assert_matches_ort(f, &model, "onnx");
    model
}

#[wasm_bindgen_test(unsupported = test)]
fn rf_strlabels() {
    check(fixture!("rf_strlabels"));
}

#[wasm_bindgen_test(unsupported = test)]
fn logreg_strlabels() {
    check(fixture!("logreg_strlabels"));
}

#[wasm_bindgen_test(unsupported = test)]
fn logreg_strlabels_nozipmap() {
    check(fixture!("logreg_strlabels_nozipmap"));
}

#[wasm_bindgen_test(unsupported = test)]
fn tree_strlabels() {
    check(fixture!("tree_strlabels"));
}

#[wasm_bindgen_test(unsupported = test)]
fn svc() {
    check(fixture!("svc"));
}

#[wasm_bindgen_test(unsupported = test)]
fn knn_nozipmap() {
    // skl2onnx's Scan/TopK graph runs as mlcycle's kNN op (onnx/knn_graph.rs), which has an
    // NNEF form; the 6 rows with a 0.4/0.4 vote tie take the first tied class, as onnxruntime.
    check(fixture!("knn_nozipmap"));
}

#[wasm_bindgen_test(unsupported = test)]
fn lgbm() {
    check(fixture!("lgbm"));
}

#[wasm_bindgen_test(unsupported = test)]
fn xgb() {
    check(fixture!("xgb"));
}

#[wasm_bindgen_test(unsupported = test)]
fn catboost() {
    check(fixture!("catboost"));
}

#[wasm_bindgen_test(unsupported = test)]
fn hgb() {
    check(fixture!("hgb"));
}

#[wasm_bindgen_test(unsupported = test)]
fn pipeline_columns() {
    check(fixture!("pipeline_columns"));
}

#[wasm_bindgen_test(unsupported = test)]
fn pipeline_single_string_input() {
    check(fixture!("pipeline_single_string_input"));
}

#[wasm_bindgen_test(unsupported = test)]
fn columns_logreg() {
    check(fixture!("columns_logreg"));
}

#[wasm_bindgen_test(unsupported = test)]
fn binarizer_logreg() {
    check(fixture!("binarizer_logreg"));
}

/// A NaN reaching a Binarizer is an error, as in onnxruntime, never a silent 0.
#[wasm_bindgen_test(unsupported = test)]
fn binarizer_refuses_nan() {
    let f = fixture!("binarizer_logreg");
    let model = Model::from_nnef(f.nnef).expect("load");
    let mut values: Vec<InputValues> = vec![InputValues::Numbers(vec![50.7]); 4];
    values[2] = InputValues::Numbers(vec![f64::NAN]); // flipper_length_mm: the binarized column
    let e = model.predict_inputs(&values, 1).unwrap_err();
    assert_eq!(e.code(), "E_INFERENCE", "{e}");
    assert!(e.to_string().contains("NaN"), "{e}");
    values[2] = InputValues::Numbers(vec![210.0]);
    model
        .predict_inputs(&values, 1)
        .expect("finite values predict");
}

#[wasm_bindgen_test(unsupported = test)]
fn regressor_lgbm() {
    check(fixture!("regressor_lgbm"));
}

/// ai.onnx.ml opset-5 `TreeEnsemble` (rewritten to the legacy regressor by
/// `onnx/tree_ensemble_v5.rs`): SOFTMAX_ZERO classifier with ArgMax + LabelEncoder labels.
#[wasm_bindgen_test(unsupported = test)]
fn te5_lgbm() {
    check(fixture!("te5_lgbm"));
}

/// post_transform NONE, then Add(base_values) and Softmax nodes; NaN routing.
#[wasm_bindgen_test(unsupported = test)]
fn te5_hgb() {
    check(fixture!("te5_hgb"));
}

#[wasm_bindgen_test(unsupported = test)]
fn te5_regressor_lgbm() {
    check(fixture!("te5_regressor_lgbm"));
}

/// aggregate_function AVERAGE.
#[wasm_bindgen_test(unsupported = test)]
fn te5_rf_average() {
    check(fixture!("te5_rf_average"));
}

/// Double splits (none a float32 number; rounding them to the nearest float32 would change 28
/// of the 104 rows), double input and output.
#[wasm_bindgen_test(unsupported = test)]
fn te5_rf_average_f64() {
    check(fixture!("te5_rf_average_f64"));
}

/// Every node mode (BRANCH_MEMBER with small and 50-member sets), a one-leaf tree, NaN.
#[wasm_bindgen_test(unsupported = test)]
fn te5_member_sum() {
    check(fixture!("te5_member_sum"));
}

#[wasm_bindgen_test(unsupported = test)]
fn te5_member_max() {
    check(fixture!("te5_member_max"));
}

/// A TreeEnsemble whose post_transform code the spec and onnxruntime read differently is
/// refused with the reason, never run one way.
#[wasm_bindgen_test(unsupported = test)]
#[cfg(feature = "onnx")]
fn te5_ambiguous_post_transform_is_refused() {
    let e = Model::from_bytes(include_bytes!("data/interop/te5_refused_post.onnx")).unwrap_err();
    assert_eq!(e.code(), "E_MODEL_UNSUPPORTED_OP", "{e}");
    assert!(e.to_string().contains("TreeEnsemble"), "{e}");
    assert!(e.to_string().contains("post_transform 1"), "{e}");
}

/// Operators outside tabular models (convolution, pooling, recurrent cells, FFT, resize,
/// quantization, image normalization: `tests/data/nontabular/make_nontabular.py`) are refused
/// up front by the full build, naming the operator: the vendored tract-onnx registers no loader
/// for them, which keeps their implementations out of the package (vendor/README.md). Natively
/// and in wasm.
#[wasm_bindgen_test(unsupported = test)]
#[cfg(feature = "onnx")]
fn non_tabular_operators_are_refused_by_name() {
    let cases: [(&str, &[u8]); 8] = [
        ("Conv", include_bytes!("data/nontabular/conv.onnx")),
        ("MaxPool", include_bytes!("data/nontabular/max_pool.onnx")),
        ("LSTM", include_bytes!("data/nontabular/lstm.onnx")),
        ("DFT", include_bytes!("data/nontabular/dft.onnx")),
        ("Resize", include_bytes!("data/nontabular/resize.onnx")),
        (
            "QuantizeLinear",
            include_bytes!("data/nontabular/quantize_linear.onnx"),
        ),
        (
            "InstanceNormalization",
            include_bytes!("data/nontabular/instance_norm.onnx"),
        ),
        // Inside an `If` branch: the refusal walks subgraph bodies too.
        ("Conv", include_bytes!("data/nontabular/if_conv.onnx")),
    ];
    for (op, bytes) in cases {
        let e = Model::from_bytes(bytes).unwrap_err();
        assert_eq!(e.code(), "E_MODEL_UNSUPPORTED_OP", "{op}: {e}");
        assert!(e.to_string().contains(op), "{op}: {e}");
    }
}

/// Raw records and raw columns (CSV rows as text, missing cells included) go straight to a
/// one-input-per-column graph; wide inputs read the fields named by the caller's column map.
#[wasm_bindgen_test(unsupported = test)]
#[cfg(feature = "onnx")]
fn records_feed_the_inputs_by_name() {
    for (f, columns) in [
        (fixture!("pipeline_columns"), None),
        (
            fixture!("pipeline_single_string_input"),
            Some(HashMap::from([
                (
                    "numeric".to_string(),
                    [
                        "bill_length_mm",
                        "bill_depth_mm",
                        "flipper_length_mm",
                        "body_mass_g",
                    ]
                    .map(String::from)
                    .to_vec(),
                ),
                (
                    "categorical".to_string(),
                    ["island", "sex"].map(String::from).to_vec(),
                ),
            ])),
        ),
    ] {
        let options = LoadOptions {
            input_columns: columns,
            ..Default::default()
        };
        let model = Model::from_bytes_with(f.onnx, &options).expect("load");
        let (header, rows) = csv(f.input);
        let records: Vec<Record> = rows
            .iter()
            .map(|r| Record::from_csv_row(&header, r).expect("record"))
            .collect();
        let by_records = model.predict_records(&records).expect("records");
        let mut columns: HashMap<String, Vec<RawValue>> = HashMap::new();
        for r in &rows {
            for (h, cell) in header.iter().zip(r) {
                columns
                    .entry(h.clone())
                    .or_default()
                    .push(RawValue::Text(cell.clone()));
            }
        }
        let by_columns = model.predict_columns(&columns).expect("columns");
        assert_eq!(by_records, by_columns, "{}: columns", f.name);
        let (values, n) = inputs(&f, &model);
        let by_inputs = model.predict_inputs(&values, n).expect("inputs");
        assert_eq!(by_records, by_inputs, "{}", f.name);
    }
}

/// An unknown category is what onnxruntime makes of it (OneHotEncoder with
/// handle_unknown='ignore': all zeros), an absent field is refused with its name, and a
/// string where a number belongs is refused.
#[wasm_bindgen_test(unsupported = test)]
#[cfg(feature = "onnx")]
fn records_unknown_absent_and_mistyped_fields() {
    let f = fixture!("pipeline_columns");
    let model = Model::from_bytes(f.onnx).expect("load");
    let rec = |island: &str| {
        Record::from_json_str(&format!(
            r#"{{"island": "{island}", "sex": "male", "bill_length_mm": 50.7,
               "bill_depth_mm": 15.0, "flipper_length_mm": 223, "body_mass_g": 5550}}"#
        ))
        .expect("json")
    };
    let known = model.predict_records(&[rec("Biscoe")]).expect("known");
    let unknown = model.predict_records(&[rec("Atlantis")]).expect("unknown");
    assert_ne!(known, unknown);
    let sum: f32 = unknown.row(0).iter().sum();
    assert!((sum - 1.0).abs() < 1e-5, "probabilities sum to 1: {sum}");
    let absent = Record::from_json_str(r#"{"island": "Biscoe", "sex": "male"}"#).unwrap();
    let e = model.predict_records(&[absent]).unwrap_err();
    assert_eq!(e.code(), "E_FEATURE_INVALID");
    assert!(e.to_string().contains("bill_length_mm"), "{e}");
    let mistyped = Record::from_json_str(
        r#"{"island": 3, "sex": "male", "bill_length_mm": 50.7, "bill_depth_mm": 15.0,
            "flipper_length_mm": 223, "body_mass_g": 5550}"#,
    )
    .unwrap();
    let e = model.predict_records(&[mistyped]).unwrap_err();
    assert_eq!(e.code(), "E_FEATURE_INVALID");
}

/// Label discovery finds the classifier's classes, never a training-target array.
#[wasm_bindgen_test(unsupported = test)]
#[cfg(feature = "onnx")]
fn knn_labels_are_its_classes() {
    let m = Model::from_bytes(fixture!("knn_nozipmap").onnx).expect("load");
    assert_eq!(m.labels(), ["0", "1", "2"]);
    let e = Model::from_bytes_with(
        fixture!("knn_nozipmap").onnx,
        &LoadOptions {
            labels: Some(vec!["a".into(), "b".into()]),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("2 class labels"), "{e}");
    let m = Model::from_bytes_with(
        fixture!("knn_nozipmap").onnx,
        &LoadOptions {
            labels: Some(vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()]),
            ..Default::default()
        },
    )
    .expect("caller labels");
    assert_eq!(m.labels()[2], "Gentoo");
}
