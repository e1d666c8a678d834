//! Load time of each fixture from ONNX (parse + type + declutter + optimize) against the
//! precompiled NNEF form (`Model::from_nnef`: tar + graph parse + optimize), and whether the
//! two predict bitwise-identical values on a batch.
//!
//! `cargo run --release --example nnef_load_speed [-- --dump DIR]` (`--dump` writes each
//! `.nnef.tar` for inspection with `tar tvf`).

use mlcycle::Model;
use std::time::Instant;

const FIXTURES: &[(&str, &[u8])] = &[
    (
        "penguins_logreg",
        include_bytes!("../tests/data/penguins_logreg.onnx"),
    ),
    (
        "penguins_logreg_zipmap",
        include_bytes!("../tests/data/variants/penguins_logreg_zipmap.onnx"),
    ),
    (
        "penguins_gbt",
        include_bytes!("../tests/data/variants/penguins_gbt.onnx"),
    ),
    (
        "breast_cancer_gbt",
        include_bytes!("../tests/data/breast_cancer_gbt.onnx"),
    ),
    (
        "breast_cancer_mlp",
        include_bytes!("../tests/data/breast_cancer_mlp.onnx"),
    ),
    (
        "breast_cancer_rf",
        include_bytes!("../tests/data/variants/breast_cancer_rf.onnx"),
    ),
    (
        "digits_mlp",
        include_bytes!("../tests/data/digits_mlp.onnx"),
    ),
    (
        "digits_mlp_probaonly",
        include_bytes!("../tests/data/variants/digits_mlp_probaonly.onnx"),
    ),
];

/// Median of `reps` timings of `f`, in milliseconds.
fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[reps / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dump = args
        .iter()
        .position(|a| a == "--dump")
        .and_then(|i| args.get(i + 1).cloned());
    let reps = 21;
    println!(
        "| model | onnx KB | nnef KB | ONNX load+optimize ms | NNEF load ms | speedup | same predictions |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for (name, onnx) in FIXTURES {
        let model = Model::from_bytes(onnx).expect("onnx load");
        let nnef = model.to_nnef().expect("to_nnef");
        if let Some(dir) = &dump {
            std::fs::write(format!("{dir}/{name}.nnef.tar"), &nnef).expect("write");
        }
        let t_onnx = median_ms(reps, || {
            std::hint::black_box(Model::from_bytes(onnx).expect("onnx"));
        });
        let t_nnef = median_ms(reps, || {
            std::hint::black_box(Model::from_nnef(&nnef).expect("nnef"));
        });
        let reloaded = Model::from_nnef(&nnef).expect("nnef");
        let f = model.n_features();
        let rows = 257;
        let x: Vec<f32> = (0..rows * f)
            .map(|i| ((i * 7919 % 1000) as f32) / 100.0)
            .collect();
        let a = model.predict(&x, rows).expect("predict");
        let b = reloaded.predict(&x, rows).expect("predict");
        let bitwise = a
            .values
            .iter()
            .zip(&b.values)
            .all(|(p, q)| p.to_bits() == q.to_bits());
        println!(
            "| {name} | {:.1} | {:.1} | {t_onnx:.3} | {t_nnef:.3} | {:.1}× | {} |",
            onnx.len() as f64 / 1024.0,
            nnef.len() as f64 / 1024.0,
            t_onnx / t_nnef,
            if bitwise { "bitwise" } else { "NO" }
        );
    }
}
