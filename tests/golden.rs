//! Golden tests: every scikit-learn fixture model reproduces sklearn's `predict_proba` within
//! 1e-5 and its argmax on every test row. Runs natively (`cargo test`) and as wasm under Node
//! and headless Chromium (`wasm-bindgen-test`), so native and wasm numbers are held to the
//! same oracle.

mod common;

use mlcycle::Model;
use wasm_bindgen_test::wasm_bindgen_test;

fn check(name: &str) {
    let model =
        Model::from_bytes(common::model_bytes(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    common::assert_matches_golden(name, &model);
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_logreg() {
    check("penguins_logreg");
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_logreg_zipmap() {
    check("penguins_logreg_zipmap");
}

#[wasm_bindgen_test(unsupported = test)]
fn penguins_logreg_opsetdefault() {
    check("penguins_logreg_opsetdefault");
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
fn breast_cancer_mlp_probaonly() {
    check("breast_cancer_mlp_probaonly");
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
fn digits_mlp_probaonly() {
    check("digits_mlp_probaonly");
}

#[wasm_bindgen_test(unsupported = test)]
fn labels_come_from_the_model() {
    let m = Model::from_bytes(common::PENGUINS_LOGREG).unwrap();
    assert_eq!(m.labels(), ["0", "1", "2"]);
    let m = Model::from_bytes(common::DIGITS_MLP).unwrap();
    assert_eq!(m.labels().len(), 10);
    assert_eq!(m.labels()[9], "9");
    let m = Model::from_bytes(common::BREAST_CANCER_MLP).unwrap();
    assert_eq!(m.labels(), ["0", "1"]);
}

#[wasm_bindgen_test(unsupported = test)]
fn batch_of_one_equals_row_of_batch() {
    let m = Model::from_bytes(common::PENGUINS_GBT).unwrap();
    let g = common::golden("penguins_gbt");
    let all = m.predict(&g.features, g.proba.len()).unwrap();
    for r in [0, 17, g.proba.len() - 1] {
        let one = m.predict(&g.features[r * 9..(r + 1) * 9], 1).unwrap();
        assert_eq!(one.row(0), all.row(r));
    }
}
