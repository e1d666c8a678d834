//! Property tests for the feature pipeline (native only: proptest does not target wasm):
//! the output width is always the declared width, and no record, category, CSV text or spec —
//! however malformed — makes the pipeline panic (a panic would kill the wasm module).
#![cfg(not(target_arch = "wasm32"))]

use mlcycle::features::{read_records, Pipeline, Record};
use mlcycle::Error;
use proptest::prelude::*;
use serde_json::Value;

const SPECS: [&str; 2] = [
    include_str!("data/penguins_features.json"),
    include_str!("data/synthetic_features.json"),
];

fn number(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_map(number),
        any::<i64>().prop_map(Value::from),
        (-1e3f64..1e3).prop_map(number),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just(""),
            Just("NaN"),
            Just("nan"),
            Just("inf"),
            Just("-1"),
            Just("1e400"),
            Just("Biscoe"),
            Just("male"),
            Just("2024-02-29T23:59:59Z"),
            Just("2023-02-29"),
            Just("1712783441839"),
            Just("true"),
            Just("XXL"),
            Just("circle"),
            Just(" "),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn pipelines() -> Vec<Pipeline> {
    SPECS
        .iter()
        .map(|s| Pipeline::from_json(s).unwrap())
        .collect()
}

/// A record over the spec's fields with arbitrary values, some keys absent.
fn arb_record(fields: Vec<String>) -> impl Strategy<Value = Value> {
    let n = fields.len();
    prop::collection::vec(prop::option::of(arb_json()), n).prop_map(move |vals| {
        let mut obj = serde_json::Map::new();
        for (f, v) in fields.iter().zip(vals) {
            if let Some(v) = v {
                obj.insert(f.clone(), v);
            }
        }
        Value::Object(obj)
    })
}

fn check_record(p: &Pipeline, v: &Value) {
    let rec = Record::from_json(v).unwrap();
    match p.transform(&rec) {
        Ok(out) => assert_eq!(out.len(), p.width()),
        Err(Error::FeatureInvalid { field, rule, .. }) => {
            assert!(!field.is_empty() && !rule.is_empty())
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
    let batch = p.transform_batch(&[rec.clone(), rec]);
    assert_eq!(batch.values.len(), 2 * p.width());
    assert_eq!(batch.valid.len(), 2);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn width_is_declared_for_any_penguins_record(v in arb_record(
        pipelines()[0].field_names().map(String::from).collect())) {
        check_record(&pipelines()[0], &v);
    }

    #[test]
    fn width_is_declared_for_any_synthetic_record(v in arb_record(
        pipelines()[1].field_names().map(String::from).collect())) {
        check_record(&pipelines()[1], &v);
    }

    #[test]
    fn unknown_categories_never_panic(island in ".{0,10}", sex in ".{0,10}",
                                     size in ".{0,6}", shape in ".{0,8}") {
        let ps = pipelines();
        let r = Record::from_json(&serde_json::json!({"island": island, "sex": sex})).unwrap();
        prop_assert_eq!(ps[0].transform(&r).unwrap().len(), ps[0].width());
        let r = Record::from_json(&serde_json::json!({
            "size": size, "shape": shape, "c": 1.0, "d": 1.0, "e": 3})).unwrap();
        match ps[1].transform(&r) {
            Ok(out) => prop_assert_eq!(out.len(), ps[1].width()),
            Err(Error::FeatureInvalid { field, .. }) => prop_assert!(field == "shape" || field == "yesno"),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }

    #[test]
    fn arbitrary_json_specs_never_panic(v in arb_json()) {
        let _ = Pipeline::from_json(&v.to_string());
    }

    #[test]
    fn mutated_specs_never_panic(which in 0usize..2, path in prop::collection::vec(any::<usize>(), 1..7),
                                 new in arb_json(), drop_hash in any::<bool>()) {
        let mut spec: Value = serde_json::from_str(SPECS[which]).unwrap();
        if drop_hash {
            spec.as_object_mut().unwrap().remove("hash");
        }
        mutate(&mut spec, &path, new);
        if let Ok(p) = Pipeline::from_json(&spec.to_string()) {
            // Whatever was accepted must run on a typical record without panicking.
            let rec = Record::from_json(&serde_json::json!({"island": "Dream", "a": 1, "c": 0.5, "d": 1, "e": 2})).unwrap();
            if let Ok(out) = p.transform(&rec) {
                prop_assert_eq!(out.len(), p.width());
            }
        }
    }

    #[test]
    fn arbitrary_csv_never_panics(text in "[a-z0-9,\"\n\r. -]{0,200}") {
        let _ = read_records(&text);
        for p in pipelines() {
            if let Ok(out) = p.transform_csv(&text) {
                prop_assert_eq!(out.values.len(), out.rows * p.width());
            }
        }
    }
}

fn mutate(v: &mut Value, path: &[usize], new: Value) {
    let Some((first, rest)) = path.split_first() else {
        *v = new;
        return;
    };
    match v {
        Value::Object(o) if !o.is_empty() => {
            let key = o.keys().nth(first % o.len()).cloned().unwrap();
            mutate(o.get_mut(&key).unwrap(), rest, new);
        }
        Value::Array(a) if !a.is_empty() => {
            let n = a.len();
            mutate(&mut a[first % n], rest, new);
        }
        _ => *v = new,
    }
}
