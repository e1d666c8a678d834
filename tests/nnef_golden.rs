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

/// tract's NNEF stdlib is parsed a fragment at a time, on first use (vendor/README.md): cut
/// into fragments, it gives exactly the whole text's parse, in order, bodies included.
#[wasm_bindgen_test(unsupported = test)]
fn stdlib_fragments_parse_as_the_whole_text() {
    let whole = tract_nnef::framework::stdlib();
    let sources = tract_nnef::framework::stdlib_sources();
    let ids: Vec<&str> = whole.iter().map(|f| f.decl.id.0.as_str()).collect();
    let cut: Vec<&str> = sources.iter().map(|s| s.id).collect();
    assert_eq!(ids, cut);
    assert!(whole.len() > 100, "{}", whole.len());
    for (frag, source) in whole.iter().zip(sources) {
        let id = source.id;
        let one = tract_nnef::framework::stdlib_fragment(id).unwrap();
        assert_eq!(&one, frag, "{id}");
        assert_eq!(
            tract_nnef::framework::stdlib_decl(id).unwrap(),
            frag.decl,
            "{id}"
        );
        assert_eq!(frag.body.is_some(), source.has_body, "{id}");
    }
}

/// A compound stdlib fragment (`clamp`, `log2`: no tract primitive) and a primitive
/// (`external`) are parsed when a graph first invokes them, and run.
#[wasm_bindgen_test(unsupported = test)]
fn stdlib_compound_fragments_load_on_first_use() {
    use tract_nnef::internal::*;
    let text =
        "version 1.0;\ngraph g(input) -> (output) {\n  input = external<scalar>(shape = [4]);\n  \
                c = clamp(input, 0.5, 8.0);\n  output = log2(c);\n}\n";
    let proto = tract_nnef::ast::ProtoModel {
        doc: tract_nnef::ast::parse::parse_document(text).unwrap(),
        tensors: Default::default(),
        quantization: None,
        resources: Default::default(),
    };
    // In wasm, tract-linalg's kernels register in static constructors, which mlcycle runs
    // before its first model load; tract alone would build its kernel registry without them,
    // for every later test of this module too.
    Model::from_nnef(nnef_bytes("penguins_logreg")).unwrap();
    let nnef = tract_nnef::framework::Nnef::default();
    let stdlib = &nnef.registries[0];
    assert!(
        stdlib.fragments.is_empty() && stdlib.primitives.is_empty(),
        "parsed at build"
    );
    let clamp = &stdlib.lazy_fragments[&"clamp".into()];
    assert!(clamp.parsed.get().is_none(), "clamp parsed before use");
    let model = nnef
        .translate(&proto, TypedModel::default())
        .map_err(|e| e.1)
        .unwrap();
    assert!(
        matches!(clamp.parsed.get(), Some(Ok(_))),
        "clamp parsed on use"
    );
    let out = model
        .into_runnable()
        .unwrap()
        .run(tvec!(tensor1(&[0.0f32, 1.0, 4.0, 64.0]).into_tvalue()))
        .unwrap();
    let got: Vec<f32> = out[0]
        .to_plain_array_view::<f32>()
        .unwrap()
        .iter()
        .copied()
        .collect();
    // log2 is `log(x) / log(2)`: exact up to the platform's `ln` rounding.
    for (g, want) in got.iter().zip([-1.0f32, 0.0, 2.0, 3.0]) {
        assert!((g - want).abs() <= 1e-6, "{got:?}");
    }
}

/// `tar` with its `graph.nnef` text passed through `edit` (headers rewritten: size, checksum).
fn edit_graph(tar: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let field = |h: &[u8], r: std::ops::Range<usize>| {
        let s = std::str::from_utf8(&h[r]).unwrap();
        usize::from_str_radix(s.trim_matches(|c| c == '\0' || c == ' '), 8).unwrap()
    };
    let (mut out, mut pos) = (vec![], 0);
    while pos + 512 <= tar.len() && tar[pos] != 0 {
        let mut header = tar[pos..pos + 512].to_vec();
        let name = String::from_utf8_lossy(&header[..100])
            .trim_end_matches('\0')
            .to_string();
        let size = field(&header, 124..136);
        let body = &tar[pos + 512..pos + 512 + size];
        let body = if name.ends_with("graph.nnef") {
            edit(std::str::from_utf8(body).unwrap()).into_bytes()
        } else {
            body.to_vec()
        };
        header[124..136].copy_from_slice(format!("{:011o}\0", body.len()).as_bytes());
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
        header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        out.extend(header);
        out.extend(&body);
        out.resize(out.len().div_ceil(512) * 512, 0);
        pos += 512 + size.div_ceil(512) * 512;
    }
    out.extend([0u8; 1024]);
    out
}

/// A precompiled model with a tract-core operator outside the slim build's subset
/// (`tract_core_erf`): the full build reads it (its reader tries the slim framework first and
/// falls back to the full one), the slim build refuses it by name, never panicking.
#[wasm_bindgen_test(unsupported = test)]
fn an_operator_outside_the_slim_subset() {
    let plain = nnef_bytes("penguins_logreg");
    let line = "probabilities = Normalizer;";
    let bytes = edit_graph(plain, |g| {
        assert!(g.contains(line), "{g}");
        g.replace(line, "probabilities = tract_core_erf(Normalizer);")
    });
    let x = [0.3f32, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];
    let p = Model::from_nnef(plain).unwrap().predict(&x, 1).unwrap();
    #[cfg(feature = "onnx")]
    {
        assert!(Model::check_slim(&bytes).is_err());
        let erf = Model::from_nnef(&bytes).unwrap().predict(&x, 1).unwrap();
        // erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) for the probabilities in [0, 1].
        for (&v, &e) in p.values.iter().zip(&erf.values) {
            let t = 1.0 / (1.0 + 0.3275911 * f64::from(v));
            let poly = t
                * (0.254829592
                    + t * (-0.284496736
                        + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
            let want = 1.0 - poly * (-f64::from(v) * f64::from(v)).exp();
            assert!(
                (f64::from(e) - want).abs() < 1e-5,
                "erf({v}) = {e}, want {want}"
            );
        }
    }
    #[cfg(not(feature = "onnx"))]
    {
        let e = Model::from_nnef(&bytes).unwrap_err();
        assert_eq!(e.code(), "E_MODEL_INVALID");
        assert!(e.to_string().contains("tract_core_erf"), "{e}");
        assert!(p.values.iter().all(|v| v.is_finite()));
    }
}

/// Standard NNEF operators the slim build leaves out (`src/inference/nnef_core.rs`: the
/// convolution family and the trigonometric functions, to keep tract's convolution code out of
/// the edge package): the full build reads such a graph (through its full framework), the slim
/// build refuses it naming the operator, never panicking.
#[wasm_bindgen_test(unsupported = test)]
fn a_standard_operator_outside_the_slim_subset() {
    let plain = nnef_bytes("penguins_logreg");
    let line = "probabilities = Normalizer;";
    // `sin` is a primitive the slim registry leaves out; `max_pool` is a compound stdlib
    // fragment (kept, parsed on use) whose body invokes the left-out `max_pool_with_index`
    // (a size-1 pool over [1, 3, N]: the identity).
    let cases = [
        ("sin", "probabilities = sin(Normalizer);"),
        (
            "max_pool",
            "Pooled = max_pool(transpose(unsqueeze(Normalizer, axes = [0]), axes = [0, 2, 1]), size = [1, 1, 1], border = 'ignore');\n  probabilities = squeeze(transpose(Pooled, axes = [0, 2, 1]), axes = [0]);",
        ),
    ];
    for (name, with) in cases {
        let bytes = edit_graph(plain, |g| {
            assert!(g.contains(line), "{g}");
            g.replace(line, with)
        });
        #[cfg(feature = "onnx")]
        {
            let x = [0.3f32, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];
            let p = Model::from_nnef(plain).unwrap().predict(&x, 1).unwrap();
            assert!(Model::check_slim(&bytes).is_err(), "{name}");
            let got = Model::from_nnef(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .predict(&x, 1)
                .unwrap();
            for (&v, &g) in p.values.iter().zip(&got.values) {
                let want = if name == "sin" { v.sin() } else { v };
                assert!((g - want).abs() <= 1e-6, "{name}({v}) = {g}, want {want}");
            }
        }
        #[cfg(not(feature = "onnx"))]
        {
            let e = Model::from_nnef(&bytes).unwrap_err();
            assert_eq!(e.code(), "E_MODEL_INVALID", "{name}");
            let missing = if name == "sin" {
                "\"sin\""
            } else {
                "max_pool_with_index"
            };
            assert!(e.to_string().contains(missing), "{name}: {e}");
        }
    }
}

/// A block-quantized (Q4_0) weight tensor in an NNEF archive: natively it reads back as written;
/// a wasm build refuses it by name when reading, since its tract-linalg has no block-quant matmul
/// packing (vendor/README.md) — an error at load, not a missing kernel later.
#[wasm_bindgen_test(unsupported = test)]
fn a_block_quantized_tensor_is_refused_in_wasm_by_name() {
    use std::sync::Arc;
    use tract_nnef::internal::tract_linalg::block_quant::{BlockQuant, BlockQuantStorage, Q4_0};
    use tract_nnef::internal::Datum;
    let values: Vec<f32> = (0..64).map(|i| (i as f32 - 32.0) / 8.0).collect();
    let blob = Q4_0.quant_f32(&values).unwrap();
    let tensor = BlockQuantStorage::new(Box::new(Q4_0), 2, 32, Arc::new(blob))
        .unwrap()
        .into_tensor_with_shape(f32::datum_type(), &[2, 32]);
    let mut dat = vec![];
    tract_nnef::tensors::write_tensor(&mut dat, &tensor).unwrap();
    let read = tract_nnef::tensors::read_tensor(&dat[..]);
    if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        let e = format!("{:#}", read.unwrap_err());
        assert!(e.contains("block-quantized"), "{e}");
    } else {
        assert_eq!(read.unwrap().shape(), &[2, 32]);
    }
}
