//! Quick native timing of tree-ensemble prediction at batch 1000 (a development aid; the real
//! benchmark is bench/bench.mjs, side by side with onnxruntime-web in wasm).
//! Run: cargo run --release --example tree_speed -- tests/data/breast_cancer_gbt.onnx 30
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map(String::as_str)
        .unwrap_or("tests/data/breast_cancer_gbt.onnx");
    let width: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(30);
    let model = mlcycle::Model::from_bytes(&std::fs::read(path)?)?;
    let rows = 1000;
    let x: Vec<f32> = (0..rows * width)
        .map(|i| ((i * 7919) % 1000) as f32 / 10.0)
        .collect();
    for _ in 0..20 {
        model.predict(&x, rows)?;
    }
    let n = 200;
    let t = Instant::now();
    for _ in 0..n {
        model.predict(&x, rows)?;
    }
    let per = t.elapsed().as_secs_f64() / n as f64;
    println!(
        "{path}: {:.0} rows/s ({:.3} ms per 1000 rows)",
        rows as f64 / per,
        per * 1000.0
    );
    Ok(())
}
