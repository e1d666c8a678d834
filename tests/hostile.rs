//! Hostile models (issue 13): graphs tract-onnx used to panic on, or that left the CLI indexing
//! an empty probability row, are refused at load with `E_MODEL_INVALID` naming the fault —
//! natively and as wasm in Node and Chromium, where a panic would trap and poison the instance
//! (so a model loaded before them must still predict afterwards). Fixtures and how they were
//! made: `tests/data/hostile/make_hostile.py`.
use mlcycle::Model;
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(feature = "onnx")]
const CASES: &[(&str, &[u8], &str)] = &[
    (
        "dangling_output",
        include_bytes!("data/hostile/dangling_output.onnx"),
        "graph output `nowhere` is computed by no node",
    ),
    (
        "dangling_input",
        include_bytes!("data/hostile/dangling_input.onnx"),
        "reads `ghost`, which no input, initializer or node defines",
    ),
    (
        "zero_classes",
        include_bytes!("data/hostile/zero_classes.onnx"),
        "the classifier declares no classes",
    ),
    (
        "constant_of_shape",
        include_bytes!("data/hostile/constant_of_shape.onnx"),
        "over the model budget",
    ),
    (
        "expand",
        include_bytes!("data/hostile/expand.onnx"),
        "over the model budget",
    ),
    (
        "tile",
        include_bytes!("data/hostile/tile.onnx"),
        "over the model budget",
    ),
    (
        "range",
        include_bytes!("data/hostile/range.onnx"),
        "over the model budget",
    ),
    (
        "lying_initializer",
        include_bytes!("data/hostile/lying_initializer.onnx"),
        "initializer `W` declares dims [1073741824, 2]",
    ),
    (
        "external_data",
        include_bytes!("data/hostile/external_data.onnx"),
        "external file",
    ),
    (
        "deep_scan",
        include_bytes!("data/hostile/deep_scan.onnx"),
        "subgraphs are nested more than 8 deep",
    ),
];

/// Precompiled (NNEF) hostile files, refused before tract's parser or tensor reader runs.
const NNEF_CASES: &[(&str, &[u8], &str)] = &[
    (
        "nnef_deep",
        include_bytes!("data/hostile/nnef_deep.nnef.tar"),
        "deep, above the limit of 64",
    ),
    (
        "nnef_transpose",
        include_bytes!("data/hostile/nnef_transpose.nnef.tar"),
        "not a permutation",
    ),
    (
        "nnef_tile",
        include_bytes!("data/hostile/nnef_tile.nnef.tar"),
        "over the model budget",
    ),
    (
        "nnef_variable",
        include_bytes!("data/hostile/nnef_variable.nnef.tar"),
        "over the model budget",
    ),
    (
        "nnef_tensor_size",
        include_bytes!("data/hostile/nnef_tensor_size.nnef.tar"),
        "declares 1073741824 bytes of data",
    ),
];

/// Runs in both builds (the slim one loads only NNEF): every hostile precompiled file is a
/// typed error, the unedited repack loads, and a model loaded before them still predicts.
#[wasm_bindgen_test(unsupported = test)]
fn hostile_precompiled_models_are_refused_and_the_instance_keeps_serving() {
    let before =
        Model::from_nnef(include_bytes!("data/nnef/penguins_logreg.nnef.tar")).expect("model");
    let x = [39.1f32, 18.7, 181.0, 3750.0, 0.0, 0.0, 1.0, 0.0, 1.0];
    let want = before.predict(&x, 1).expect("predict");
    let repacked = Model::from_nnef(include_bytes!("data/hostile/nnef_repacked.nnef.tar"))
        .expect("the control repack loads");
    assert_eq!(
        repacked.predict(&x, 1).expect("predict").values,
        want.values
    );
    for (name, bytes, message) in NNEF_CASES {
        let e = Model::from_nnef(bytes).expect_err(name);
        assert_eq!(e.code(), "E_MODEL_INVALID", "{name}: {e}");
        assert!(e.to_string().contains(message), "{name}: {e}");
    }
    // The budget is the caller's to set: a small one refuses the real model, with the option named.
    let small = mlcycle::LoadOptions {
        max_bytes: Some(64),
        ..Default::default()
    };
    let e = Model::from_nnef_with(include_bytes!("data/nnef/penguins_logreg.nnef.tar"), &small)
        .expect_err("64-byte budget");
    assert!(e.to_string().contains("maxBytes"), "{e}");
    assert_eq!(
        before.predict(&x, 1).expect("predict after").values,
        want.values
    );
}

#[cfg(feature = "onnx")]
#[wasm_bindgen_test(unsupported = test)]
fn hostile_graphs_are_refused_and_the_instance_keeps_serving() {
    let before = Model::from_bytes(include_bytes!("data/penguins_logreg.onnx")).expect("model");
    let x = [39.1f32, 18.7, 181.0, 3750.0, 0.0, 0.0, 1.0, 0.0, 1.0];
    let want = before
        .predict(&x[..before.n_features()], 1)
        .expect("predict");
    // ai.onnx.ml list attributes (the coefficients here) count toward the budget too.
    let small = mlcycle::LoadOptions {
        max_bytes: Some(64),
        ..Default::default()
    };
    let e = Model::from_bytes_with(include_bytes!("data/penguins_logreg.onnx"), &small)
        .expect_err("64-byte budget");
    assert!(e.to_string().contains("attribute `coefficients`"), "{e}");
    for (name, bytes, message) in CASES {
        let e = Model::from_bytes(bytes).expect_err(name);
        assert_eq!(e.code(), "E_MODEL_INVALID", "{name}: {e}");
        assert!(e.to_string().contains(message), "{name}: {e}");
    }
    let after = before
        .predict(&x[..before.n_features()], 1)
        .expect("predict after");
    assert_eq!(want.values, after.values);
}

/// A classifier whose probabilities come out non-finite (here: a logistic regression fed a
/// NaN, which it cannot take) is a typed error naming the row, never a label over NaNs; the
/// other rows of a fresh call still predict.
#[cfg(feature = "onnx")]
#[wasm_bindgen_test(unsupported = test)]
fn non_finite_probabilities_are_an_error_not_a_label() {
    let m = Model::from_bytes(include_bytes!("data/penguins_logreg.onnx")).expect("model");
    let good = [0.3f32, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];
    for bad in [f32::NAN, f32::INFINITY] {
        let mut x = good.repeat(3);
        x[9 + 2] = bad;
        let e = m.predict(&x, 3).expect_err("non-finite");
        assert_eq!(e.code(), "E_INFERENCE", "{e}");
        assert!(e.to_string().contains("row 1"), "{e}");
    }
    let p = m.predict(&good, 1).expect("finite row");
    assert!(p.values.iter().all(|v| v.is_finite()));
}

/// In a batch (validation, CSV prediction), a row whose probabilities come out non-finite is
/// rejected on its own, naming its row; the other rows keep their predictions.
#[cfg(feature = "onnx")]
#[wasm_bindgen_test(unsupported = test)]
fn a_non_finite_row_is_rejected_alone_in_a_batch() {
    use mlcycle::features::{RawValue, Record};
    let names: Vec<String> = (0..9).map(|i| format!("x{i}")).collect();
    let spec = serde_json::json!({
        "schema": "mlcycle.features/1",
        "fields": names.iter().map(|n| serde_json::json!({"name": n, "type": "number"})).collect::<Vec<_>>(),
        "outputs": names,
    });
    let pipeline = mlcycle::Pipeline::from_json(&spec.to_string()).expect("spec");
    let model = Model::from_bytes(include_bytes!("data/penguins_logreg.onnx")).expect("model");
    let prep =
        mlcycle::Preprocessing::new(Some(std::sync::Arc::new(pipeline)), &model).expect("prep");
    let good = [0.3, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];
    let records: Vec<Record> = (0..5)
        .map(|i| {
            names.iter().zip(good).fold(Record::new(), |r, (n, v)| {
                // Row 3 misses a value this model (no imputer) cannot take.
                let v = if i == 3 && n == "x2" {
                    RawValue::Null
                } else {
                    RawValue::Number(v)
                };
                r.with(n.as_str(), v)
            })
        })
        .collect();
    let each = prep.predict_each(&model, &records).expect("batch");
    assert_eq!(each.accepted(), 4);
    assert!(each.rows[3].is_none());
    assert!(each.rows[4]
        .as_ref()
        .is_some_and(|p| p.iter().all(|v| v.is_finite())));
    let why = each.first_rejection.as_deref().unwrap_or("");
    assert!(
        why.starts_with("row 3") && why.contains("non-finite"),
        "{why}"
    );
}

/// Natively, each hostile case is refused quickly and the whole corpus never makes the process
/// grow past the model budget (512 MiB) plus a margin: refusals happen before allocation, not
/// after (peak resident memory from /proc, where there is one).
#[cfg(all(feature = "onnx", not(target_arch = "wasm32")))]
#[test]
fn hostile_cases_stay_within_time_and_memory() {
    for (name, bytes, _) in CASES.iter().chain(NNEF_CASES) {
        let t0 = std::time::Instant::now();
        let loaded = if name.starts_with("nnef") {
            Model::from_nnef(bytes)
        } else {
            Model::from_bytes(bytes)
        };
        assert!(loaded.is_err(), "{name}");
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(5),
            "{name}: {:?}",
            t0.elapsed()
        );
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        let peak_kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM");
        assert!(peak_kb < 768 * 1024, "peak resident memory {peak_kb} kB");
    }
}

/// An integer matmul (`tests/data/hostile/integer_matmul.onnx`: an int64 input times an int64
/// weight): no matrix kernel takes int64, and tract's kernel selection panicked on it
/// ("Can't build a WeightType from I64"), which aborted a wasm module at load; the vendored
/// tract-core evaluates it instead (vendor/README.md). Natively and in wasm.
#[cfg(feature = "onnx")]
#[wasm_bindgen_test(unsupported = test)]
fn an_integer_matmul_computes_instead_of_panicking() {
    let m = Model::from_bytes(include_bytes!("data/hostile/integer_matmul.onnx")).expect("model");
    let p = m
        .predict(&[1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0, 0.0], 2)
        .expect("predict");
    assert_eq!(p.values, vec![10.0, 20.0, 5.0, 10.0]);
}
