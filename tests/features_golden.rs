//! Feature-pipeline parity: specs exported from fitted scikit-learn preprocessing by
//! tools/sklearn_export.py reproduce sklearn's float64 `transform` within 1e-6 on every row,
//! and feed the ONNX model to sklearn's probabilities within 1e-5. Runs natively and as wasm
//! (`wasm-bindgen-test`), like tests/golden.rs.

use mlcycle::features::{read_records, Pipeline, Record};
use mlcycle::Model;
use serde_json::Value;
use wasm_bindgen_test::wasm_bindgen_test;

const PENGUINS_SPEC: &str = include_str!("data/penguins_features.json");
const PENGUINS_TEST: &str = include_str!("data/penguins_test.csv");
const PENGUINS_GOLDEN: &str = include_str!("data/penguins_golden.json");
const PENGUINS_LOGREG: &[u8] = include_bytes!("data/penguins_logreg.onnx");
const SYNTH_SPEC: &str = include_str!("data/synthetic_features.json");
const SYNTH_TEST: &str = include_str!("data/synthetic_test.csv");
const SYNTH_GOLDEN: &str = include_str!("data/synthetic_golden.json");

const FEATURE_TOLERANCE: f64 = 1e-6;
const PROBA_TOLERANCE: f64 = 1e-5;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

/// Expected value; `null` in golden JSON stands for NaN.
fn expected(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn same(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol
}

/// Checks every row of `csv` against `golden_rows[r][key]`; returns the max |Δ| of the f64
/// pipeline values and of the f32 output.
fn check_rows(pipeline: &Pipeline, csv: &str, golden_rows: &[Value], key: &str) -> (f64, f64) {
    let records = read_records(csv).expect("csv").records;
    assert_eq!(records.len(), golden_rows.len(), "rows");
    let batch = pipeline.transform_batch(&records);
    assert!(batch.errors.is_empty(), "{:?}", batch.errors);
    let (mut max64, mut max32) = (0f64, 0f64);
    for (r, (rec, g)) in records.iter().zip(golden_rows).enumerate() {
        let want: Vec<f64> = g[key]
            .as_array()
            .expect("row")
            .iter()
            .map(expected)
            .collect();
        assert_eq!(want.len(), pipeline.width(), "row {r} width");
        let got64 = pipeline.transform_f64(rec).expect("transform_f64");
        let got32 = pipeline.transform(rec).expect("transform");
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(batch.row(r)),
            bits(&got32),
            "row {r}: batch and single disagree"
        );
        for (c, w) in want.iter().enumerate() {
            let name = &pipeline.output_names()[c];
            assert!(
                same(got64[c], *w, FEATURE_TOLERANCE),
                "row {r} `{name}`: {} vs sklearn {w}",
                got64[c]
            );
            // f32 output: exact up to the f32 rounding of sklearn's value.
            let tol32 = FEATURE_TOLERANCE.max(w.abs() * 1e-7);
            assert!(
                same(got32[c] as f64, *w, tol32),
                "row {r} `{name}` (f32): {} vs sklearn {w}",
                got32[c]
            );
            if !w.is_nan() {
                max64 = max64.max((got64[c] - w).abs());
                max32 = max32.max((got32[c] as f64 - w).abs());
            }
        }
    }
    (max64, max32)
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_features_match_sklearn() {
    let p = Pipeline::from_json(PENGUINS_SPEC).expect("spec");
    let golden = json(PENGUINS_GOLDEN);
    let names: Vec<String> = golden["feature_order"]
        .as_array()
        .expect("order")
        .iter()
        .map(|v| v.as_str().expect("name").to_string())
        .collect();
    assert_eq!(p.output_names(), &names[..]);
    assert!(p.version().starts_with("sha256:"));
    let rows = golden["rows"].as_array().expect("rows");
    let (d64, d32) = check_rows(&p, PENGUINS_TEST, rows, "features");
    println!("penguins: max |Δ| f64 {d64:e}, f32 {d32:e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_pipeline_then_model_matches_sklearn_proba() {
    let p = Pipeline::from_json(PENGUINS_SPEC).expect("spec");
    let model = Model::from_bytes(PENGUINS_LOGREG).expect("model");
    assert_eq!(model.n_features(), p.width());
    let records = read_records(PENGUINS_TEST).expect("csv").records;
    let features = p.transform_batch_strict(&records).expect("batch");
    let pred = model.predict(&features, records.len()).expect("predict");
    let golden = json(PENGUINS_GOLDEN);
    let mut max = 0f64;
    for (r, g) in golden["rows"].as_array().expect("rows").iter().enumerate() {
        for (c, w) in g["proba"].as_array().expect("proba").iter().enumerate() {
            max = max.max((pred.row(r)[c] as f64 - expected(w)).abs());
        }
    }
    println!("penguins pipeline → logreg: max |Δp| {max:e}");
    assert!(max <= PROBA_TOLERANCE, "max |Δp| = {max:e}");
}

/// A CSV that lacks spec columns is refused naming them, never imputed on every row; a
/// semicolon file is sniffed and read like the comma one, and read with a forced comma (one
/// column) says what it seems delimited by.
#[wasm_bindgen_test(unsupported = test)]
fn csv_without_spec_columns_is_refused() {
    let p = Pipeline::from_json(PENGUINS_SPEC).expect("spec");
    let semicolons = PENGUINS_TEST.replace(',', ";");
    let sniffed = p.transform_csv(&semicolons).expect("semicolons sniffed");
    assert_eq!(
        sniffed.values,
        p.transform_csv(PENGUINS_TEST).expect("commas").values
    );
    let comma = mlcycle::features::CsvOptions {
        delimiter: Some(b','),
        ..Default::default()
    };
    let e = p
        .transform_csv_with(&semicolons, &comma)
        .expect_err("one column");
    assert_eq!(e.code(), "E_CSV");
    assert!(e.to_string().contains("delimited by `;`"), "{e}");
    let mut lines = PENGUINS_TEST.lines();
    let header = lines.next().unwrap().replace("body_mass_g", "mass");
    let renamed: String = std::iter::once(header.as_str())
        .chain(lines)
        .flat_map(|l| [l, "\n"])
        .collect();
    let e = p.transform_csv(&renamed).expect_err("renamed column");
    assert!(
        e.to_string()
            .contains("missing from the header: body_mass_g"),
        "{e}"
    );
    assert!(!e.to_string().contains("delimited"), "{e}");
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_json_records_match_csv_records() {
    let p = Pipeline::from_json(PENGUINS_SPEC).expect("spec");
    let csv = p.transform_csv(PENGUINS_TEST).expect("csv");
    // The same rows as JSON objects: numbers as numbers, missing as null / absent / "".
    let parsed = read_records(PENGUINS_TEST).expect("csv");
    for (r, rec) in parsed.records.iter().enumerate() {
        let mut obj = serde_json::Map::new();
        for (i, h) in parsed.header.iter().enumerate() {
            let Some(mlcycle::RawValue::Text(t)) = rec.get(h) else {
                panic!("text")
            };
            let v = if i >= 4 {
                match t.parse::<f64>() {
                    Ok(x) => Value::from(x),
                    Err(_) if r % 2 == 0 => Value::Null,
                    Err(_) => continue, // absent key
                }
            } else {
                Value::from(t.clone())
            };
            obj.insert(h.clone(), v);
        }
        let got = p
            .transform(&Record::from_json(&Value::Object(obj)).expect("record"))
            .expect("transform");
        assert_eq!(got, csv.row(r), "row {r}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn every_transform_matches_sklearn() {
    let p = Pipeline::from_json(SYNTH_SPEC).expect("spec");
    let golden = json(SYNTH_GOLDEN);
    let names: Vec<String> = golden["featureNames"]
        .as_array()
        .expect("names")
        .iter()
        .map(|v| v.as_str().expect("name").to_string())
        .collect();
    assert_eq!(p.output_names(), &names[..]);
    let ops: Vec<&str> = p.spec().transforms.iter().map(|t| t.op.as_str()).collect();
    for op in mlcycle::features::transforms::names() {
        assert!(
            ops.contains(&op),
            "the synthetic fixture does not exercise `{op}`"
        );
    }
    let rows = golden["rows"].as_array().expect("rows");
    let (d64, d32) = check_rows(&p, SYNTH_TEST, rows, "features");
    println!("synthetic: max |Δ| f64 {d64:e}, f32 {d32:e}");
}

fn penguins() -> Pipeline {
    Pipeline::from_json(PENGUINS_SPEC).expect("spec")
}

fn rec(v: Value) -> Record {
    Record::from_json(&v).expect("record")
}

#[wasm_bindgen_test(unsupported = test)]
fn invalid_records_name_field_and_rule() {
    let p = penguins();
    let cases = [
        (
            serde_json::json!({"bill_length_mm": "long"}),
            "bill_length_mm",
            "type",
        ),
        (serde_json::json!({"island": 3}), "island", "type"),
        (
            serde_json::json!({"body_mass_g": [1]}),
            "body_mass_g",
            "type",
        ),
        (serde_json::json!({"sex": {"x": 1}}), "sex", "type"),
    ];
    for (v, field, rule) in cases {
        match p.transform(&rec(v.clone())) {
            Err(e @ mlcycle::Error::FeatureInvalid { .. }) => {
                assert_eq!(e.field(), Some(field), "{v}");
                assert_eq!(e.code(), "E_FEATURE_INVALID");
                assert!(e.to_string().contains(rule), "{e}");
            }
            other => panic!("{v}: {other:?}"),
        }
    }
    // Missing key, null, "" and NaN are all missing → imputed (same output).
    let base = p
        .transform(&rec(serde_json::json!({})))
        .expect("empty record");
    for v in [
        serde_json::json!({"island": null, "sex": ""}),
        serde_json::json!({"bill_length_mm": null}),
    ] {
        assert_eq!(p.transform(&rec(v)).expect("missing"), base);
    }
    // Unknown category under handle_unknown=ignore: all zeros for that encoder.
    let out = p
        .transform(&rec(serde_json::json!({"island": "Atlantis"})))
        .expect("unknown");
    assert_eq!(&out[4..7], &[0.0, 0.0, 0.0]);
}

#[wasm_bindgen_test(unsupported = test)]
fn policies_required_range_categories_and_batch_errors() {
    let spec = r#"{"schema":"mlcycle.features/1",
      "fields":[{"name":"x","type":"number","required":true,"min":0,"max":10},
                {"name":"y","type":"number","min":0,"onInvalid":"missing"},
                {"name":"c","type":"category","categories":["a","b"]},
                {"name":"t","type":"timestamp"}],
      "transforms":[{"op":"impute","inputs":["y"],"outputs":["y_i"],"params":{"strategy":"constant","statistics":[5]}},
                    {"op":"one_hot","inputs":["c"],"outputs":["c_a","c_b"],"params":{"categories":[["a","b"]],"handleUnknown":"error"}},
                    {"op":"hour","inputs":["t"],"outputs":["t_h"]}],
      "outputs":["x","y_i","c_a","c_b","t_h"]}"#;
    let p = Pipeline::from_json(spec).expect("spec");
    let ok = p
        .transform(&rec(
            serde_json::json!({"x": 1, "y": 2, "c": "b", "t": "2024-03-05T13:45:00+01:00"}),
        ))
        .expect("ok");
    assert_eq!(ok, vec![1.0, 2.0, 0.0, 1.0, 12.0]);
    let err = |v: Value| match p.transform(&rec(v)) {
        Err(mlcycle::Error::FeatureInvalid { field, rule, .. }) => (field, rule),
        other => panic!("{other:?}"),
    };
    assert_eq!(err(serde_json::json!({})), ("x".into(), "required".into()));
    assert_eq!(
        err(serde_json::json!({"x": 11})),
        ("x".into(), "max".into())
    );
    assert_eq!(
        err(serde_json::json!({"x": -1})),
        ("x".into(), "min".into())
    );
    assert_eq!(
        err(serde_json::json!({"x": 1, "c": "z"})),
        ("c".into(), "category".into())
    );
    assert_eq!(
        err(serde_json::json!({"x": 1, "t": "yesterday"})),
        ("t".into(), "type".into())
    );
    // onInvalid: missing → imputed and counted.
    let d = p
        .transform_detailed(&rec(serde_json::json!({"x": 1, "y": -3, "c": "a"})))
        .expect("coerced");
    assert_eq!(d.values[1], 5.0);
    assert_eq!(d.coerced.len(), 1);
    assert_eq!(d.coerced[0].rule, "min");
    let batch = p.transform_batch(&[
        rec(serde_json::json!({"x": 1, "c": "a"})),
        rec(serde_json::json!({"x": "one", "c": "a"})),
        rec(serde_json::json!({"x": 2, "y": "bad", "c": "b"})),
    ]);
    assert_eq!(batch.valid, vec![true, false, true]);
    assert_eq!(batch.errors.len(), 1);
    assert_eq!(
        (
            batch.errors[0].row,
            batch.errors[0].field.as_str(),
            batch.errors[0].rule.as_str()
        ),
        (1, "x", "type")
    );
    assert!(batch.row(1).iter().all(|v| v.is_nan()));
    assert_eq!(batch.coerced.get("y"), Some(&1));
    // The strict batch names the record.
    let e = p
        .transform_batch_strict(&[
            rec(serde_json::json!({"x": 1, "c": "a"})),
            rec(serde_json::json!({})),
        ])
        .unwrap_err();
    assert!(e.to_string().contains("record 1"), "{e}");
    // Infinity (a JS Infinity, JSON 1e400, CSV `inf`) is rule `finite`, never a value; under
    // onInvalid: missing it is imputed.
    use mlcycle::features::RawValue;
    for x in [
        RawValue::Number(f64::INFINITY),
        RawValue::Text("-inf".into()),
    ] {
        let r = Record::new()
            .with("x", x.clone())
            .with("c", RawValue::String("a".into()));
        match p.transform(&r) {
            Err(mlcycle::Error::FeatureInvalid { field, rule, .. }) => {
                assert_eq!((field.as_str(), rule.as_str()), ("x", "finite"), "{x:?}")
            }
            other => panic!("{x:?}: {other:?}"),
        }
    }
    let r = Record::new()
        .with("x", RawValue::Number(1.0))
        .with("y", RawValue::Text("inf".into()))
        .with("c", RawValue::String("a".into()));
    let d = p.transform_detailed(&r).expect("coerced");
    assert_eq!((d.values[1], d.coerced[0].rule.as_str()), (5.0, "finite"));
    let csv = Record::from_csv_row(&["x", "c"], &["1e400", "a"]).unwrap();
    assert!(p.transform(&csv).is_err());
}

#[wasm_bindgen_test(unsupported = test)]
fn malformed_specs_are_field_named_errors() {
    let cases = [
        ("[]", "$"),
        (
            r#"{"schema":"mlcycle.features/2","fields":[],"outputs":[]}"#,
            "schema",
        ),
        (
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"float"}],"outputs":["x"]}"#,
            "fields[0]",
        ),
        (
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"number"}],"transforms":[{"op":"nope","inputs":["x"],"outputs":["y"]}],"outputs":["y"]}"#,
            "transforms[0].op",
        ),
        (
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"number"}],"transforms":[{"op":"log1p","inputs":["z"],"outputs":["y"]}],"outputs":["y"]}"#,
            "transforms[0].inputs[0]",
        ),
        (
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"string"}],"outputs":["x"]}"#,
            "outputs[0]",
        ),
        (
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"number"}],"outputs":["x"],"hash":"sha256:00"}"#,
            "hash",
        ),
        (
            r#"{"schema":"mlcycle.features/1","fields":[{"name":"x","type":"number"}],"transforms":[{"op":"standard_scaler","inputs":["x"],"outputs":["y"],"params":{"mean":[1,2],"scale":[1]}}],"outputs":["y"]}"#,
            "transforms[0].params.mean",
        ),
    ];
    for (text, field) in cases {
        match Pipeline::from_json(text) {
            Err(e @ mlcycle::Error::SpecInvalid { .. }) => {
                assert_eq!(e.field(), Some(field), "{text}: {e}")
            }
            other => panic!("{text}: {other:?}"),
        }
    }
}
