//! The committed precompiled fixtures (`tests/data/nnef/*.nnef.tar`, written by
//! `mlcycle compile`, see `make nnef-fixtures`) against scikit-learn's goldens, in **both**
//! builds: the full one (`cargo test`) and the slim edge one (`cargo test
//! --no-default-features --test nnef_golden`, natively and as wasm in Node and Chromium).
//!
//! - Every build: the NNEF model reproduces sklearn within 1e-5 with the same argmax, and an
//!   NNEF-loaded model re-exports its bytes unchanged.
//! - Full build: exporting the ONNX fixture today gives exactly the committed bytes (the
//!   format is stable: a registry's `nnef` artifacts keep loading, and a tract upgrade that
//!   changes the serialization shows up here first).
//! - Slim build: every ONNX-only call is `E_UNSUPPORTED`, never a panic.

mod common;

use mlcycle::Model;
use wasm_bindgen_test::wasm_bindgen_test;

fn nnef_bytes(name: &str) -> &'static [u8] {
    match name {
        "penguins_logreg" => include_bytes!("data/nnef/penguins_logreg.nnef.tar"),
        "penguins_gbt" => include_bytes!("data/nnef/penguins_gbt.nnef.tar"),
        "breast_cancer_gbt" => include_bytes!("data/nnef/breast_cancer_gbt.nnef.tar"),
        "breast_cancer_mlp" => include_bytes!("data/nnef/breast_cancer_mlp.nnef.tar"),
        "breast_cancer_rf" => include_bytes!("data/nnef/breast_cancer_rf.nnef.tar"),
        "digits_mlp" => include_bytes!("data/nnef/digits_mlp.nnef.tar"),
        other => panic!("no NNEF fixture {other}"),
    }
}

fn check(name: &str) {
    let bytes = nnef_bytes(name);
    let model = Model::from_nnef(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    // `pred` is compared with the ONNX path below, in the full build only.
    #[cfg_attr(not(feature = "onnx"), allow(unused_variables))]
    let pred = common::assert_matches_golden(name, &model);
    assert_eq!(model.to_nnef().unwrap(), bytes, "{name}: re-export differs");

    #[cfg(feature = "onnx")]
    {
        let onnx = Model::from_bytes(common::model_bytes(name)).unwrap();
        assert!(
            onnx.to_nnef().unwrap() == bytes,
            "{name}: today's export differs from tests/data/nnef/{name}.nnef.tar \
             (regenerate with `make nnef-fixtures` if the change is intended)"
        );
        let golden = common::golden(name);
        let a = onnx.predict(&golden.features, pred.rows).unwrap();
        assert!(
            a.values
                .iter()
                .zip(&pred.values)
                .all(|(x, y)| x.to_bits() == y.to_bits()),
            "{name}: NNEF and ONNX predictions are not bitwise identical"
        );
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_logreg() {
    check("penguins_logreg");
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_gbt() {
    check("penguins_gbt");
}

#[wasm_bindgen_test(unsupported = test)]
fn breast_cancer_gbt() {
    check("breast_cancer_gbt");
}

#[wasm_bindgen_test(unsupported = test)]
fn breast_cancer_mlp() {
    check("breast_cancer_mlp");
}

#[wasm_bindgen_test(unsupported = test)]
fn breast_cancer_rf() {
    check("breast_cancer_rf");
}

#[wasm_bindgen_test(unsupported = test)]
fn digits_mlp() {
    check("digits_mlp");
}

#[wasm_bindgen_test(unsupported = test)]
fn build_flavor_is_reported() {
    assert_eq!(mlcycle::inference::ONNX_SUPPORTED, cfg!(feature = "onnx"));
}

/// The slim build refuses every ONNX-only call with E_UNSUPPORTED (never a panic), and names
/// the way out.
#[cfg(not(feature = "onnx"))]
#[wasm_bindgen_test(unsupported = test)]
fn slim_build_refuses_onnx_with_unsupported() {
    for bytes in [common::model_bytes("penguins_logreg"), &b""[..], b"garbage"] {
        let e = Model::from_bytes(bytes).unwrap_err();
        assert_eq!(e.code(), "E_UNSUPPORTED", "{e}");
        assert!(e.to_string().contains("NNEF"), "{e}");
    }
}

/// Files written by earlier mlcycle versions keep loading: `v1/` holds a format-1 archive
/// (before `mlcycle_row_normalize`), as published into registries by the first release.
#[wasm_bindgen_test(unsupported = test)]
fn format_version_1_still_loads() {
    let bytes = include_bytes!("data/nnef/v1/penguins_gbt.nnef.tar");
    let old = Model::from_nnef(bytes).unwrap_or_else(|e| panic!("v1: {e}"));
    let new = Model::from_nnef(nnef_bytes("penguins_gbt")).unwrap();
    let golden = common::golden("penguins_gbt");
    let rows = golden.proba.len();
    assert_eq!(
        old.predict(&golden.features, rows).unwrap(),
        new.predict(&golden.features, rows).unwrap()
    );
}
