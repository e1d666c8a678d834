//! Columnar input ([`Columns`]) transforms exactly like the same rows as records: every spec
//! (penguins, the every-transform synthetic fixture), every column representation (numbers,
//! raw values, dictionary-encoded), with valid rows, missing values and rows that break each
//! rule — values, validity, errors and `onInvalid` counts bit for bit. Also: the errors of a
//! malformed batch (absent column, unequal lengths, dictionary codes out of range). Runs natively
//! and as wasm.

use mlcycle::features::{read_records, Column, Columns, Pipeline, RawValue, Record};
use wasm_bindgen_test::wasm_bindgen_test;

const PENGUINS_SPEC: &str = include_str!("data/penguins_features.json");
const PENGUINS_TEST: &str = include_str!("data/penguins_test.csv");
const SYNTH_SPEC: &str = include_str!("data/synthetic_features.json");
const SYNTH_TEST: &str = include_str!("data/synthetic_test.csv");

/// JSON-typed records from CSV rows (numbers as numbers, empty as null, text as strings), plus
/// hostile rows: a wrong type, an unseen category, infinity, a nested object, all missing.
fn typed_records(pipeline: &Pipeline, csv: &str) -> Vec<Record> {
    let rows = read_records(csv).expect("csv").records;
    let names: Vec<String> = pipeline.field_names().map(str::to_string).collect();
    let typed = |v: Option<&RawValue>| match v {
        Some(RawValue::Text(t)) if t.is_empty() => RawValue::Null,
        Some(RawValue::Text(t)) => t
            .parse::<f64>()
            .map(RawValue::Number)
            .unwrap_or_else(|_| RawValue::String(t.clone())),
        Some(v) => v.clone(),
        None => RawValue::Null,
    };
    let mut out: Vec<Record> = rows
        .iter()
        .map(|r| {
            names.iter().fold(Record::new(), |rec, n| {
                let v = typed(r.get(n));
                rec.with(n.clone(), v)
            })
        })
        .collect();
    let base = out[0].clone();
    for (i, n) in names.iter().enumerate() {
        let bad = match base.get(n) {
            Some(RawValue::Number(_)) => [
                RawValue::String("heavy".into()),
                RawValue::Number(f64::INFINITY),
                RawValue::Other("object".into()),
            ],
            _ => [
                RawValue::String(format!("never-seen-{i}")),
                RawValue::Number(3.0),
                RawValue::Bool(true),
            ],
        };
        for v in bad {
            out.push(base.clone().with(n.clone(), v));
        }
        out.push(base.clone().with(n.clone(), RawValue::Null));
    }
    out.push(
        names
            .iter()
            .fold(Record::new(), |rec, n| rec.with(n.clone(), RawValue::Null)),
    );
    out
}

/// The same rows as columns, three ways.
fn as_columns(pipeline: &Pipeline, records: &[Record]) -> Vec<(&'static str, Columns)> {
    let mut values = Columns::new();
    let mut dict = Columns::new();
    let mut numbers = Columns::new();
    for n in pipeline.field_names() {
        let col: Vec<RawValue> = records
            .iter()
            .map(|r| r.get(n).cloned().unwrap_or(RawValue::Null))
            .collect();
        let nums: Option<Vec<f64>> = col
            .iter()
            .map(|v| match v {
                RawValue::Number(x) => Some(*x),
                RawValue::Null => Some(f64::NAN),
                _ => None,
            })
            .collect();
        numbers.insert(
            n,
            match nums {
                Some(v) => Column::Numbers(v),
                None => Column::dictionary(col.clone()),
            },
        );
        dict.insert(n, Column::dictionary(col.clone()));
        values.insert(n, Column::Values(col));
    }
    vec![
        ("values", values),
        ("dictionary", dict),
        ("numbers", numbers),
    ]
}

fn check(spec: &str, csv: &str) {
    let pipeline = Pipeline::from_json(spec).expect("spec");
    let records = typed_records(&pipeline, csv);
    let want = pipeline.transform_batch(&records);
    assert!(
        want.valid_rows() > 0 && !want.errors.is_empty(),
        "the batch has good and bad rows"
    );
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (how, cols) in as_columns(&pipeline, &records) {
        let got = pipeline.transform_columns(&cols).expect(how);
        assert_eq!(got.rows, want.rows, "{how}");
        assert_eq!(bits(&got.values), bits(&want.values), "{how}: values");
        assert_eq!(got.valid, want.valid, "{how}: validity");
        assert_eq!(got.errors, want.errors, "{how}: errors");
        assert_eq!(got.coerced, want.coerced, "{how}: onInvalid counts");
        // strict: the first bad row's error, as for records
        let strict = pipeline.transform_columns_strict(&cols).unwrap_err();
        let rec_strict = pipeline.transform_batch_strict(&records).unwrap_err();
        assert_eq!(strict.to_string(), rec_strict.to_string(), "{how}: strict");
    }
    // The valid rows alone, strict, give the records' values.
    let good: Vec<Record> = records
        .iter()
        .zip(&want.valid)
        .filter(|(_, v)| **v)
        .map(|(r, _)| r.clone())
        .collect();
    for (how, cols) in as_columns(&pipeline, &good) {
        assert_eq!(
            bits(&pipeline.transform_columns_strict(&cols).expect(how)),
            bits(&pipeline.transform_batch_strict(&good).expect("records")),
            "{how}: strict values"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_columns_equal_records() {
    check(PENGUINS_SPEC, PENGUINS_TEST);
}

#[wasm_bindgen_test(unsupported = test)]
fn every_transform_columns_equal_records() {
    check(SYNTH_SPEC, SYNTH_TEST);
}

#[wasm_bindgen_test(unsupported = test)]
fn malformed_batches_are_errors() {
    let pipeline = Pipeline::from_json(PENGUINS_SPEC).expect("spec");
    let records = typed_records(&pipeline, PENGUINS_TEST);
    let (_, full) = as_columns(&pipeline, &records).remove(0);
    let code = |cols: &Columns| {
        let e = pipeline.transform_columns(cols).unwrap_err();
        (e.code().to_string(), e.to_string())
    };
    // a spec field with no column
    let mut absent = Columns::new();
    for n in pipeline.field_names().filter(|n| *n != "sex") {
        absent.insert(n, full.get(n).expect("column").clone());
    }
    let (c, m) = code(&absent);
    assert_eq!(c, "E_INVALID_ARGUMENT");
    assert!(m.contains("sex"), "{m}");
    // unequal lengths
    let mut short = full.clone();
    short.insert("body_mass_g", Column::Numbers(vec![4000.0; 3]));
    let (c, m) = code(&short);
    assert_eq!(c, "E_INVALID_ARGUMENT");
    assert!(m.contains("body_mass_g") && m.contains("3 rows"), "{m}");
    // a dictionary code past its values
    let mut bad = full.clone();
    bad.insert(
        "island",
        Column::Dictionary {
            codes: vec![0; records.len() - 1].into_iter().chain([7]).collect(),
            values: vec![RawValue::String("Biscoe".into())],
        },
    );
    let (c, m) = code(&bad);
    assert_eq!(c, "E_INVALID_ARGUMENT");
    assert!(m.contains("code 7"), "{m}");
    // no rows: an empty batch, not an error
    let empty: Columns = pipeline
        .field_names()
        .fold(Columns::new(), |c, n| c.with(n, Column::Numbers(vec![])));
    assert_eq!(pipeline.transform_columns(&empty).expect("empty").rows, 0);
    // extra columns are ignored, as extra record keys are
    let extra = full
        .clone()
        .with("not_a_field", Column::Numbers(vec![1.0; records.len()]));
    assert_eq!(
        pipeline
            .transform_columns(&extra)
            .expect("extra")
            .values
            .len(),
        records.len() * pipeline.width()
    );
}

/// The validation policies the fixtures do not use, through the columnar executor's every
/// path: `onInvalid: "missing"` (counted only for answered rows, also when a later field of
/// the same row fails), `required`, `min` / `max`, an integer field, categories on a string
/// and a number field, and a step that sees the same row fail twice (its first error wins).
#[wasm_bindgen_test(unsupported = test)]
fn policies_columns_equal_records() {
    let mut spec: serde_json::Value = serde_json::from_str(PENGUINS_SPEC).expect("spec");
    for f in spec["fields"].as_array_mut().expect("fields") {
        match f["name"].as_str() {
            Some("island") => {
                f["onInvalid"] = "missing".into();
                f["categories"] = serde_json::json!(["Biscoe", "Dream", "Torgersen"]);
            }
            Some("sex") => f["required"] = true.into(),
            Some("body_mass_g") => {
                f["onInvalid"] = "missing".into();
                f["min"] = 3000.0.into();
                f["max"] = 6000.0.into();
            }
            Some("flipper_length_mm") => {
                f["type"] = "integer".into();
                f["categories"] = serde_json::json!((170..=235).collect::<Vec<i32>>());
                f["onInvalid"] = "missing".into();
            }
            Some("bill_depth_mm") => f["max"] = 20.0.into(),
            _ => {}
        }
    }
    spec.as_object_mut().expect("spec").remove("hash");
    let spec = spec.to_string();
    let pipeline = Pipeline::from_json(&spec).expect("spec");
    let mut records = typed_records(&pipeline, PENGUINS_TEST);
    // Rows breaking two rules at once, in both orders of the fields.
    let base = records[0].clone();
    records.push(
        base.clone()
            .with("island", RawValue::String("Atlantis".into()))
            .with("sex", RawValue::Null),
    );
    records.push(
        base.clone()
            .with("body_mass_g", RawValue::Number(100.0))
            .with("bill_depth_mm", RawValue::Number(99.0)),
    );
    records.push(
        base.clone()
            .with("flipper_length_mm", RawValue::Number(190.5)),
    );
    records.push(base.with("body_mass_g", RawValue::Number(f64::NEG_INFINITY)));
    let want = pipeline.transform_batch(&records);
    assert!(
        !want.coerced.is_empty(),
        "the batch has values treated as missing"
    );
    check(&spec, PENGUINS_TEST);
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    for (how, cols) in as_columns(&pipeline, &records) {
        let got = pipeline.transform_columns(&cols).expect(how);
        assert_eq!(bits(&got.values), bits(&want.values), "{how}: values");
        assert_eq!(got.valid, want.valid, "{how}: validity");
        assert_eq!(got.errors, want.errors, "{how}: errors");
        assert_eq!(got.coerced, want.coerced, "{how}: onInvalid counts");
    }
}
