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

/// A preprocessed penguins row (the logreg fixture's 9 features).
const ROW: [f32; 9] = [0.3, -1.2, 0.8, 0.1, 1.0, 0.0, 0.0, 1.0, 0.0];

/// The penguins_logreg fixture with `from` (which its graph must contain) replaced by `to`.
fn logreg_with(from: &str, to: &str) -> Vec<u8> {
    edit_graph(nnef_bytes("penguins_logreg"), |g| {
        assert!(g.contains(from), "{g}");
        g.replace(from, to)
    })
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
    let bytes = logreg_with(line, "probabilities = tract_core_erf(Normalizer);");
    let x = ROW;
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
/// the edge package): the full build reads a trigonometric graph (through its full framework),
/// the slim build refuses it naming the operator, never panicking. The convolution family is
/// left out of the full build too (vendored tract-nnef without `non-tabular-ops`, so that no
/// loader keeps tract's convolutions in the full package: vendor/README.md): both refuse it.
#[wasm_bindgen_test(unsupported = test)]
fn a_standard_operator_outside_the_slim_subset() {
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
        let bytes = logreg_with(line, with);
        // The full build reads `sin`; both builds refuse the convolution family.
        #[cfg(feature = "onnx")]
        if name == "sin" {
            let x = ROW;
            let plain = nnef_bytes("penguins_logreg");
            let p = Model::from_nnef(plain).unwrap().predict(&x, 1).unwrap();
            assert!(Model::check_slim(&bytes).is_err(), "{name}");
            let got = Model::from_nnef(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .predict(&x, 1)
                .unwrap();
            for (&v, &g) in p.values.iter().zip(&got.values) {
                let want = v.sin();
                assert!((g - want).abs() <= 1e-6, "{name}({v}) = {g}, want {want}");
            }
            continue;
        }
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

/// A syntax error in `graph.nnef` is refused with where the parse stopped (line and column)
/// and the text there: the vendored parser reports positions itself since it parses with nom's
/// plain error type (no allocation per failed alternative; vendor/README.md).
#[wasm_bindgen_test(unsupported = test)]
fn a_syntax_error_names_its_line_and_column() {
    let plain = nnef_bytes("penguins_logreg");
    let line = "probabilities = Normalizer;";
    let want_line = std::cell::Cell::new(0);
    let bytes = edit_graph(plain, |g| {
        want_line.set(g.lines().position(|l| l.contains(line)).unwrap() + 1);
        g.replace(line, "probabilities = Normalizer +* ;")
    });
    let want_line = want_line.get();
    let e = Model::from_nnef(&bytes).unwrap_err();
    assert_eq!(e.code(), "E_MODEL_INVALID");
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("syntax error at line {want_line}, column")),
        "{msg}"
    );
    assert!(msg.contains("graph.nnef"), "{msg}");
}

/// tract's writer stores the source model's properties in a `tract_core_properties` fragment,
/// which the reader drops unread (mlcycle's metadata is `mlcycle.json`): a file whose properties
/// tract could not evaluate (an unknown operator inside) still loads and predicts the same.
#[wasm_bindgen_test(unsupported = test)]
fn the_properties_fragment_is_not_evaluated() {
    let plain = nnef_bytes("penguins_logreg");
    let cast = "tract_core_cast(8, to = \"i64\")";
    let bytes = logreg_with(cast, "no_such_operator(8)");
    let x = ROW;
    let want = Model::from_nnef(plain).unwrap().predict(&x, 1).unwrap();
    let got = Model::from_nnef(&bytes).unwrap().predict(&x, 1).unwrap();
    assert_eq!(got.values, want.values);
}

/// Declutter removes a binary operator whose constant input is its neutral element (`x * 1`,
/// `x + 0`) and keeps one whose constant is not (`x * 2`): the vendored tract-core decides this
/// with a direct scalar comparison instead of tract-data's `close_enough` (vendor/README.md),
/// which must give the same answers.
#[wasm_bindgen_test(unsupported = test)]
fn neutral_constants_are_decluttered_away_and_others_kept() {
    let plain = nnef_bytes("penguins_logreg");
    let line = "probabilities = Normalizer;";
    let with = |expr: &str| logreg_with(line, &format!("probabilities = {expr};"));
    let plan = |bytes: &[u8]| Model::from_nnef(bytes).unwrap().plan_description();
    let base = plan(plain);
    let neutral = with("add(mul(Normalizer, [[1.0]]), [[0.0]])");
    assert_eq!(plan(&neutral), base, "x * 1 + 0 is x");
    // The same neutral factor as an f64 constant (the helper's other plain type): the model
    // loads and predicts what the plain one does.
    let f64_neutral = with("mul(Normalizer, tract_core_cast([[1.0]], to = \"f64\"))");
    let x = ROW;
    let want = Model::from_nnef(plain).unwrap().predict(&x, 1).unwrap();
    let got = Model::from_nnef(&f64_neutral)
        .unwrap()
        .predict(&x, 1)
        .unwrap();
    assert_eq!(got.values, want.values);
    let scaled = with("mul(Normalizer, [[2.0]])");
    assert_ne!(plan(&scaled), base, "x * 2 is not x");
    let q = Model::from_nnef(&neutral).unwrap().predict(&x, 1).unwrap();
    assert_eq!(q.values, want.values);
}

/// The vendored NNEF lexer (identifiers, strings, spaces and comments written as loops rather
/// than nom combinators: vendor/README.md) reads NNEF's grammar as tract's combinators did:
/// `#` comments up to a line end (`\n` or `\r`), identifiers `[A-Za-z_][A-Za-z0-9_]*` and the
/// `i"…"` escaped form, strings in either quote where a backslash keeps the next character and
/// the quote that opened the string ends it (the other kind is a plain character: tract's
/// writer prints strings with Rust's `{:?}`, which does not escape `'`, and upstream's reader
/// refused what it wrote — vendor/README.md).
#[wasm_bindgen_test(unsupported = test)]
fn graph_text_lexes_as_the_nnef_grammar() {
    use tract_nnef::ast::{parse::parse_document, Identifier, LValue, Literal, RValue};
    let text = "version 1.0; # a comment\r\n#another\n\
        graph g_1(x) -> (y) {\t# and here\n\
          x = external<scalar>(shape = [1]);\r\n\
          _b2 = f(x, s = 'it\\'s \\\"é\\\"\\x', t = \"\", u = i\"odd name\", v = \"it's ''\", w = 'say \"hi\"');\n\
          y = _b2;#end\n}\n";
    let doc = parse_document(text).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(doc.graph_def.id, Identifier::from("g_1"));
    let body = &doc.graph_def.body;
    assert_eq!(body.len(), 3);
    assert_eq!(body[1].left, LValue::Identifier(Identifier::from("_b2")));
    let RValue::Invocation(inv) = &body[1].right else {
        panic!("{:?}", body[1].right)
    };
    assert_eq!(inv.id, Identifier::from("f"));
    let args: Vec<_> = inv.arguments.iter().map(|a| &a.rvalue).collect();
    assert_eq!(args[0], &RValue::Identifier(Identifier::from("x")));
    assert_eq!(
        args[1],
        &RValue::Literal(Literal::String("it's \"é\"x".into()))
    );
    assert_eq!(args[2], &RValue::Literal(Literal::String(String::new())));
    assert_eq!(args[3], &RValue::Identifier(Identifier("odd name".into())));
    assert_eq!(args[4], &RValue::Literal(Literal::String("it's ''".into())));
    assert_eq!(
        args[5],
        &RValue::Literal(Literal::String("say \"hi\"".into()))
    );
    for bad in [
        "s = 'unterminated;",
        "s = 'mixed\";",
        "s = 'ends in a backslash\\",
        "1x = y;",
    ] {
        let text = format!("version 1.0;\ngraph g(x) -> (y) {{\n  {bad}\n}}\n");
        assert!(parse_document(&text).is_err(), "{bad}");
    }
}

/// The vendored expression parser (each atom parsed once before an optional subscript, the
/// binary-operator fold without cloning its left operand: vendor/README.md) gives upstream's
/// trees: precedence `^` over `*` over `+`/`-`, left association, subscripts and ranges, unary
/// minus, and deep nesting. (Upstream's and this parser's trees were also compared on the
/// stdlib, every fixture graph and edge cases, with both crates in one throwaway program.)
#[wasm_bindgen_test(unsupported = test)]
fn expressions_parse_with_their_precedence() {
    use tract_nnef::ast::{parse::parse_document, Identifier, Literal, RValue, Subscript};
    let doc = |body: &str| {
        parse_document(&format!(
            "version 1.0;\ngraph g(x) -> (y) {{\n  {body}\n  y = x;\n}}\n"
        ))
        .unwrap_or_else(|e| panic!("{body}: {e:?}"))
    };
    let id = |s: &str| RValue::Identifier(Identifier::from(s));
    let num = |s: &str| RValue::Literal(Literal::Numeric(s.into()));
    let bin = |a: RValue, op: &str, b: RValue| RValue::Binary(Box::new(a), op.into(), Box::new(b));
    let sub = |a: RValue, s: Subscript| RValue::Subscript(Box::new(a), Box::new(s));
    let got = doc("c = a[1] + b[1:2] * c ^ 2 - -d;").graph_def.body[0]
        .right
        .clone();
    let want = bin(
        bin(
            sub(id("a"), Subscript::Single(num("1"))),
            "+",
            bin(
                sub(id("b"), Subscript::Range(Some(num("1")), Some(num("2")))),
                "*",
                bin(id("c"), "^", num("2")),
            ),
        ),
        "-",
        RValue::Unary("-".into(), Box::new(id("d"))),
    );
    assert_eq!(got, want);
    let got = doc("n = [[[[[1]]]]][0];").graph_def.body[0].right.clone();
    let mut want = num("1");
    for _ in 0..5 {
        want = RValue::Array(vec![want]);
    }
    assert_eq!(got, sub(want, Subscript::Single(num("0"))));
    assert!(parse_document("version 1.0;\ngraph g(x) -> (y) {\n  y = a[;\n}\n").is_err());
    assert!(parse_document("version 1.0;\ngraph g(x) -> (y) {\n  y = f(x +);\n}\n").is_err());
}
