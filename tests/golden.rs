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

/// Predicts `name`'s first `n` golden rows as one batch, then each row of `rows` alone, and hands
/// `check` the row index with its two predictions (alone, in the batch).
fn batch_vs_rows(
    name: &str,
    bytes: &[u8],
    n: usize,
    rows: impl IntoIterator<Item = usize>,
    check: impl Fn(usize, &[f32], &[f32]),
) {
    let m = Model::from_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    let g = common::golden(name);
    let width = g.n_features;
    let all = m.predict(&g.features[..n * width], n).unwrap();
    for r in rows {
        let one = m
            .predict(&g.features[r * width..(r + 1) * width], 1)
            .unwrap();
        check(r, one.row(0), all.row(r));
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn batch_of_one_equals_row_of_batch() {
    let n = common::golden("penguins_gbt").proba.len();
    batch_vs_rows(
        "penguins_gbt",
        common::PENGUINS_GBT,
        n,
        [0, 17, n - 1],
        |_, one, in_batch| assert_eq!(one, in_batch),
    );
}

/// A dense model's batch runs the same arithmetic as its rows one at a time: in wasm the batch
/// kernel (mlcycle's 16×2) and the one-row kernel (tract's 16×1) accumulate every output in the
/// same order, so the two agree bit for bit; natively tract's x86 kernels may sum in another
/// order, so there the bound is 1e-6.
#[wasm_bindgen_test(unsupported = test)]
fn mlp_batch_rows_equal_rows_one_at_a_time() {
    for (name, bytes) in [
        ("digits_mlp", common::DIGITS_MLP),
        ("breast_cancer_mlp", common::BREAST_CANCER_MLP),
        ("penguins_logreg", common::PENGUINS_LOGREG),
    ] {
        let n = common::golden(name).proba.len().min(41);
        batch_vs_rows(name, bytes, n, 0..n, |r, one, in_batch| {
            for (a, b) in one.iter().zip(in_batch) {
                if cfg!(target_arch = "wasm32") {
                    assert_eq!(a.to_bits(), b.to_bits(), "{name} row {r}: {a} vs {b}");
                } else {
                    assert!((a - b).abs() <= 1e-6, "{name} row {r}: {a} vs {b}");
                }
            }
        });
    }
}

/// Which kernels the digits MLP's layers run, from the ONNX and the precompiled form: in wasm,
/// mlcycle's 16×2 kernel for a batch and tract's 16×1 for one row (sharing one packed copy of
/// the weights), never tract's 8×8 (see `crates/mlcycle-ops/src/wasm_matmul.rs` for why).
#[wasm_bindgen_test(unsupported = test)]
fn dense_layers_run_the_kernels_chosen_for_this_platform() {
    let nnef = include_bytes!("data/nnef/digits_mlp.nnef.tar");
    for model in [
        Model::from_bytes(common::DIGITS_MLP).unwrap(),
        Model::from_nnef(nnef).unwrap(),
    ] {
        let plan = model.plan_description();
        let matmuls: Vec<&String> = plan.iter().filter(|l| l.contains(": OptMatMul ")).collect();
        assert_eq!(matmuls.len(), 3, "{plan:#?}");
        if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
            for line in matmuls {
                assert!(line.contains("mlcycle_wasm_f32_16x2"), "{line}");
                assert!(line.contains("wasm_f32_16x1"), "{line}");
                assert!(!line.contains("wasm_f32_8x8"), "{line}");
            }
        }
    }
}

/// mlcycle's wasm matmul kernel against tract's `wasm_f32_8x8` on the same products and fused
/// operations (bias, activation, per-row/column and scalar arithmetic, unicast add, row×column
/// products), with border tiles on both axes: bit for bit, and within 1e-4 of a plain loop.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_kernel {
    use super::*;
    use tract_nnef::internal::tract_linalg::mmm::{
        AsInputValue, FusedSpec, MatMatMul, RoundingPolicy,
    };
    use tract_nnef::internal::tract_linalg::{BinOp, MmmDispatch};
    use tract_nnef::internal::{tensor0, tensor1, DatumType, Tensor};

    fn data(len: usize, seed: &mut u64) -> Vec<f32> {
        (0..len)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    /// Runs `variant`'s fused list through `ker`, returns C (m × n).
    fn run(
        ker: &dyn MatMatMul,
        m: usize,
        k: usize,
        n: usize,
        variant: usize,
        seed: u64,
    ) -> Vec<f32> {
        let mut seed = seed;
        let a = Tensor::from_shape(&[m, k], &data(m * k, &mut seed)).unwrap();
        let b = Tensor::from_shape(&[k, n], &data(k * n, &mut seed)).unwrap();
        let rows = tensor1(&data(m, &mut seed));
        let cols = tensor1(&data(n, &mut seed));
        let other = Tensor::from_shape(&[m, n], &data(m * n, &mut seed)).unwrap();
        let (zero, half, alpha) = (tensor0(0f32), tensor0(0.5f32), tensor0(0.1f32));
        let (pack_a, pack_b) = &ker.packings()[0];
        let pa = pack_a.prepare_one(&a, 1, 0).unwrap();
        let pb = pack_b.prepare_one(&b, 0, 1).unwrap();
        let mut c = Tensor::zero::<f32>(&[m, n]).unwrap();
        unsafe {
            let spec = ker.c_view(Some(0), Some(1));
            let store = spec.wrap(&c.view_mut());
            let add = spec.wrap(&other.view());
            let mm = || FusedSpec::AddMatMul {
                a: AsInputValue::Borrowed(&*pa),
                b: AsInputValue::Borrowed(&*pb),
                packing: 0,
            };
            let ops = match variant {
                0 => vec![
                    mm(),
                    FusedSpec::BinPerRow(rows.view(), BinOp::Add),
                    FusedSpec::BinScalar(&zero, BinOp::Max),
                    FusedSpec::Store(store),
                ],
                1 => vec![
                    mm(),
                    FusedSpec::BinPerCol(cols.view(), BinOp::Mul),
                    FusedSpec::BinScalar(&half, BinOp::Sub),
                    FusedSpec::BinPerRow(rows.view(), BinOp::SubF),
                    FusedSpec::LeakyRelu(&alpha),
                    FusedSpec::Store(store),
                ],
                2 => vec![
                    FusedSpec::AddUnicast(add),
                    mm(),
                    FusedSpec::BinPerRow(rows.view(), BinOp::Min),
                    FusedSpec::BinPerCol(cols.view(), BinOp::Max),
                    FusedSpec::BinScalar(&half, BinOp::SubF),
                    FusedSpec::Store(store),
                ],
                3 => vec![
                    FusedSpec::AddRowColProducts(&rows, &cols),
                    mm(),
                    FusedSpec::BinPerCol(cols.view(), BinOp::Sub),
                    FusedSpec::BinPerRow(rows.view(), BinOp::Mul),
                    FusedSpec::BinPerCol(cols.view(), BinOp::SubF),
                    FusedSpec::BinPerRow(rows.view(), BinOp::Max),
                    FusedSpec::BinScalar(&half, BinOp::Min),
                    FusedSpec::BinScalar(&alpha, BinOp::Add),
                    FusedSpec::BinScalar(&half, BinOp::Mul),
                    FusedSpec::Store(store),
                ],
                _ => vec![
                    mm(),
                    FusedSpec::BinPerRow(rows.view(), BinOp::Sub),
                    FusedSpec::BinPerCol(cols.view(), BinOp::Add),
                    FusedSpec::BinPerCol(cols.view(), BinOp::Min),
                    FusedSpec::QScale(3, RoundingPolicy::Even, 1 << 30),
                    FusedSpec::RoundingShiftRight(2, RoundingPolicy::Even),
                    FusedSpec::ShiftLeft(1),
                    FusedSpec::Store(store),
                ],
            };
            ker.run(m, n, &ops).unwrap();
        }
        c.to_plain_array_view::<f32>()
            .unwrap()
            .iter()
            .copied()
            .collect()
    }

    /// This build's matmul dispatch, after a model load has run the module's constructors
    /// (which register mlcycle's kernel and tier).
    fn dispatch() -> &'static MmmDispatch {
        Model::from_bytes(common::PENGUINS_LOGREG).unwrap();
        MmmDispatch::native()
    }

    /// The platform tier names mlcycle's kernel for a known batch above one row, and leaves a
    /// matrix-vector product and an unknown column count to tract's wasm tier.
    #[wasm_bindgen_test]
    fn the_tier_claims_known_batches_only() {
        let dispatch = dispatch();
        let pick = |m, n| {
            let k = dispatch.preferred_kernel(DatumType::F32, Some(m), Some(64), n);
            k.map(|k| k.name().to_string()).unwrap_or_default()
        };
        assert_eq!(pick(64, Some(8)), "mlcycle_wasm_f32_16x2");
        assert_eq!(pick(3, Some(1000)), "mlcycle_wasm_f32_16x2");
        assert!(
            pick(64, Some(1)).starts_with("wasm_f32_"),
            "{}",
            pick(64, Some(1))
        );
        assert_eq!(pick(64, None), "wasm_f32_8x8");
    }

    #[wasm_bindgen_test]
    fn mlcycles_kernel_matches_tracts_bit_for_bit() {
        let runnable = dispatch().runnable();
        let find = |name: &str| {
            runnable
                .iter()
                .find(|k| k.name() == name)
                .unwrap_or_else(|| panic!("{name} is not registered"))
        };
        let (ours, tracts) = (find("mlcycle_wasm_f32_16x2"), find("wasm_f32_8x8"));
        let mut seed = 7;
        for (m, k, n) in [
            (16, 8, 2),
            (37, 33, 9),
            (5, 1, 3),
            (64, 130, 17),
            (10, 512, 6),
        ] {
            for variant in 0..5 {
                seed += 1;
                let got = run(&**ours, m, k, n, variant, seed);
                let want = run(&**tracts, m, k, n, variant, seed);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(
                        g.to_bits(),
                        w.to_bits(),
                        "{m}x{k}x{n} #{variant} at {i}: {g} vs {w}"
                    );
                }
            }
            // The plain product with bias and ReLU, against a loop.
            seed += 1;
            let got = run(&**ours, m, k, n, 0, seed);
            let mut s = seed;
            let (a, b, bias) = (data(m * k, &mut s), data(k * n, &mut s), data(m, &mut s));
            for i in 0..m {
                for j in 0..n {
                    let dot: f32 = (0..k).map(|x| a[i * k + x] * b[x * n + j]).sum();
                    let want = (dot + bias[i]).max(0.0);
                    assert!(
                        (got[i * n + j] - want).abs() <= 1e-4,
                        "{m}x{k}x{n} ({i},{j})"
                    );
                }
            }
        }
    }
}
