//! Native timing of the feature pipeline on penguins records (development aid; the benchmark of
//! record is bench/bench.mjs in wasm). Run: cargo run --release --example pipeline_speed
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = std::fs::read_to_string("tests/data/penguins_features.json")?;
    let p = mlcycle::features::Pipeline::from_json(&spec)?;
    let csv = std::fs::read_to_string("tests/data/penguins_test.csv")?;
    let recs = mlcycle::features::read_records(&csv)?.records;
    let json: Vec<mlcycle::features::Record> = recs
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for k in ["island", "sex"] {
                if let Some(mlcycle::features::RawValue::Text(s)) = r.get(k) {
                    o.insert(k.into(), serde_json::Value::String(s.clone()));
                }
            }
            for k in [
                "bill_length_mm",
                "bill_depth_mm",
                "flipper_length_mm",
                "body_mass_g",
            ] {
                if let Some(mlcycle::features::RawValue::Text(s)) = r.get(k) {
                    if let Ok(v) = s.parse::<f64>() {
                        o.insert(k.into(), serde_json::json!(v));
                    }
                }
            }
            mlcycle::features::Record::from_json(&serde_json::Value::Object(o)).unwrap()
        })
        .collect();
    let n = 100_000;
    let t = Instant::now();
    let mut sink = 0f32;
    for i in 0..n {
        sink += p.transform(&json[i % json.len()])?[0];
    }
    let per = t.elapsed().as_secs_f64() / n as f64;
    println!(
        "transform: {:.2} µs per record ({:.0} records/s) [{sink}]",
        per * 1e6,
        1.0 / per
    );
    // The same rows as columns: numbers as f64 columns, strings dictionary-encoded.
    use mlcycle::features::{Column, Columns, RawValue};
    let mut columns = Columns::new();
    for k in ["island", "sex"] {
        let vals = (0..n)
            .map(|i| {
                json[i % json.len()]
                    .get(k)
                    .cloned()
                    .unwrap_or(RawValue::Null)
            })
            .collect();
        columns.insert(k, Column::dictionary(vals));
    }
    for k in [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
    ] {
        let vals = (0..n)
            .map(|i| match json[i % json.len()].get(k) {
                Some(RawValue::Number(x)) => *x,
                _ => f64::NAN,
            })
            .collect();
        columns.insert(k, Column::Numbers(vals));
    }
    let mut best = f64::INFINITY;
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    for _ in 0..reps {
        let t = Instant::now();
        let out = p.transform_columns(&columns)?;
        sink += out.values[0];
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "transform_columns: {:.2} ms for {n} rows ({:.0} rows/s) [{sink}]",
        best * 1e3,
        n as f64 / best
    );
    Ok(())
}
