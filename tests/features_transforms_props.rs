//! Property tests of the transforms added for exporter coverage (issue 14), one block per
//! transform: each checks a mathematical property of scikit-learn's definition on arbitrary
//! inputs, computed independently of the transform's own code (norms, products, monotonicity,
//! inverses, lookups), and that a missing value is handled as scikit-learn handles it. The
//! exactness against scikit-learn itself is tests/python/test_coverage.py.
#![cfg(not(target_arch = "wasm32"))]

use mlcycle::features::{Pipeline, Record};
use mlcycle::Error;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A spec with numeric fields `x0..xn` (optional) and one transform over all of them.
fn spec(n: usize, op: &str, outputs: usize, params: Value) -> Pipeline {
    spec_typed(n, "number", op, outputs, params)
}

fn spec_typed(n: usize, ty: &str, op: &str, outputs: usize, params: Value) -> Pipeline {
    let fields: Vec<Value> = (0..n)
        .map(|i| json!({"name": format!("x{i}"), "type": ty}))
        .collect();
    let inputs: Vec<String> = (0..n).map(|i| format!("x{i}")).collect();
    let outs: Vec<String> = (0..outputs).map(|j| format!("y{j}")).collect();
    let text = json!({
        "schema": "mlcycle.features/1",
        "fields": fields,
        "transforms": [{"op": op, "inputs": inputs, "outputs": outs, "params": params}],
        "outputs": outs,
    });
    Pipeline::from_json(&text.to_string()).unwrap_or_else(|e| panic!("{op}: {e}"))
}

fn record(xs: &[Option<f64>]) -> Record {
    let mut obj = serde_json::Map::new();
    for (i, x) in xs.iter().enumerate() {
        if let Some(x) = x {
            obj.insert(format!("x{i}"), json!(x));
        }
    }
    Record::from_json(&Value::Object(obj)).unwrap()
}

fn run(p: &Pipeline, xs: &[f64]) -> Vec<f64> {
    let xs: Vec<Option<f64>> = xs.iter().map(|x| Some(*x)).collect();
    p.transform_f64(&record(&xs)).unwrap()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// The error of a record whose `x{missing}` is absent.
fn missing_error(p: &Pipeline, n: usize, missing: usize) -> (String, String) {
    let xs: Vec<Option<f64>> = (0..n).map(|i| (i != missing).then_some(1.0)).collect();
    match p.transform_f64(&record(&xs)) {
        Err(Error::FeatureInvalid { field, rule, .. }) => (field, rule),
        other => panic!("expected E_FEATURE_INVALID, got {other:?}"),
    }
}

fn values(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1e4f64..1e4, n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn max_abs_scaler_divides_and_clips(xs in values(3), scale in prop::collection::vec(0.0f64..100.0, 3)) {
        let p = spec(3, "max_abs_scaler", 3, json!({"scale": scale}));
        for ((y, x), s) in run(&p, &xs).iter().zip(&xs).zip(&scale) {
            let s = if *s == 0.0 { 1.0 } else { *s };
            prop_assert!(close(y * s, *x, 1e-12));
        }
        let clipped = spec(3, "max_abs_scaler", 3, json!({"scale": scale, "clip": true}));
        prop_assert!(run(&clipped, &xs).iter().all(|y| (-1.0..=1.0).contains(y)));
        let nan = clipped.transform_f64(&record(&[None, Some(1.0), Some(1.0)])).unwrap();
        prop_assert!(nan[0].is_nan());
    }

    #[test]
    fn normalizer_rows_have_unit_norm(xs in values(4)) {
        for norm in ["l1", "l2", "max"] {
            let p = spec(4, "normalizer", 4, json!({"norm": norm}));
            let y = run(&p, &xs);
            let n = match norm {
                "l1" => y.iter().map(|v| v.abs()).sum::<f64>(),
                "l2" => y.iter().map(|v| v * v).sum::<f64>().sqrt(),
                _ => y.iter().fold(0.0f64, |m, v| m.max(v.abs())),
            };
            if xs.iter().all(|x| *x == 0.0) {
                prop_assert!(y.iter().all(|v| *v == 0.0));
            } else {
                prop_assert!(close(n, 1.0, 1e-12), "{} norm {}", norm, n);
                // Scale invariance: normalize(3x) == normalize(x).
                let y3 = run(&p, &xs.iter().map(|x| 3.0 * x).collect::<Vec<_>>());
                prop_assert!(y.iter().zip(&y3).all(|(a, b)| close(*a, *b, 1e-12)));
            }
        }
    }

    #[test]
    fn binarizer_is_a_strict_threshold(xs in values(3), t in -1e4f64..1e4) {
        let p = spec(3, "binarizer", 3, json!({"threshold": t}));
        for (y, x) in run(&p, &xs).iter().zip(&xs) {
            prop_assert_eq!(*y, if *x > t { 1.0 } else { 0.0 });
        }
        prop_assert_eq!(run(&p, &[t, t, t]), vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn polynomial_is_the_product_of_powers(xs in prop::collection::vec(-10.0f64..10.0, 3),
                                           powers in prop::collection::vec(prop::collection::vec(0u32..4, 3), 1..8)) {
        let p = spec(3, "polynomial", powers.len(), json!({"powers": powers}));
        for (y, row) in run(&p, &xs).iter().zip(&powers) {
            let want: f64 = xs.iter().zip(row).map(|(x, e)| x.powi(*e as i32)).product();
            prop_assert!(close(*y, want, 1e-12), "{} vs {}", y, want);
        }
    }

    #[test]
    fn quantile_is_monotone_and_hits_its_references(mut q in prop::collection::vec(-100.0f64..100.0, 2..30),
                                                    a in -150.0f64..150.0, b in -150.0f64..150.0) {
        q.sort_by(f64::total_cmp);
        let n = q.len();
        let refs: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        for dist in ["uniform", "normal"] {
            let p = spec(1, "quantile", 1,
                json!({"quantiles": [q], "references": refs, "outputDistribution": dist}));
            let (ylo, yhi) = (run(&p, &[lo])[0], run(&p, &[hi])[0]);
            prop_assert!(ylo <= yhi, "{}: f({}) = {} > f({}) = {}", dist, lo, ylo, hi, yhi);
            if dist == "uniform" {
                prop_assert!((0.0..=1.0).contains(&ylo) && (0.0..=1.0).contains(&yhi));
                let distinct = q.windows(2).all(|w| w[0] < w[1]);
                if distinct {
                    for (x, r) in q.iter().zip(&refs) {
                        prop_assert!(close(run(&p, &[*x])[0], *r, 1e-12));
                    }
                }
            } else {
                prop_assert!(ylo.is_finite() && yhi.is_finite() && ylo.abs() < 5.2 && yhi.abs() < 5.2);
            }
            let nan = p.transform_f64(&record(&[None])).unwrap();
            prop_assert!(nan[0].is_nan());
        }
    }

    #[test]
    fn yeo_johnson_inverts_and_box_cox_refuses_non_positive(x in -50.0f64..50.0, lambda in -3.0f64..3.0) {
        let p = spec(1, "power", 1, json!({"method": "yeo-johnson", "lambdas": [lambda]}));
        let y = run(&p, &[x])[0];
        // The closed-form inverse (scikit-learn's _yeo_johnson_inverse_transform).
        let back = if y >= 0.0 {
            if lambda.abs() < f64::EPSILON {
                y.exp() - 1.0
            } else {
                (y * lambda + 1.0).powf(1.0 / lambda) - 1.0
            }
        } else if (lambda - 2.0).abs() > f64::EPSILON {
            1.0 - (-(2.0 - lambda) * y + 1.0).powf(1.0 / (2.0 - lambda))
        } else {
            1.0 - (-y).exp()
        };
        prop_assert!(close(back, x, 1e-6), "x {} λ {} → {} → {}", x, lambda, y, back);
        let x2 = x + 1.0;
        prop_assert!(run(&p, &[x2])[0] > y, "increasing");
        let bc = spec(1, "power", 1, json!({"method": "box-cox", "lambdas": [lambda]}));
        if x > 0.0 {
            let y = run(&bc, &[x])[0];
            let want = if lambda == 0.0 { x.ln() } else { (x.powf(lambda) - 1.0) / lambda };
            prop_assert!(close(y, want, 1e-9));
        } else {
            match bc.transform_f64(&record(&[Some(x)])) {
                Err(Error::FeatureInvalid { field, rule, .. }) => {
                    prop_assert_eq!(field, "x0");
                    prop_assert_eq!(rule, "min");
                }
                other => prop_assert!(false, "{:?}", other),
            }
        }
    }

    #[test]
    fn pca_is_an_affine_projection(xs in values(3), ys in values(3),
                                   c in prop::collection::vec(prop::collection::vec(-1.0f64..1.0, 3), 2),
                                   offset in prop::collection::vec(-5.0f64..5.0, 2)) {
        let p = spec(3, "pca", 2, json!({"components": c, "offset": offset}));
        let (fx, fy) = (run(&p, &xs), run(&p, &ys));
        for k in 0..2 {
            let lin: f64 = (0..3).map(|j| c[k][j] * (xs[j] - ys[j])).sum();
            prop_assert!(close(fx[k] - fy[k], lin, 1e-9), "{} vs {}", fx[k] - fy[k], lin);
        }
        let w = spec(3, "pca", 2, json!({"components": c, "offset": offset, "scale": [2.0, 4.0]}));
        let fw = run(&w, &xs);
        prop_assert!(close(fw[0] * 2.0, fx[0], 1e-12) && close(fw[1] * 4.0, fx[1], 1e-12));
    }

    #[test]
    fn target_encoder_looks_up_or_falls_back_to_the_mean(pick in 0usize..5, enc in prop::collection::vec(-10.0f64..10.0, 6)) {
        let cats = ["a", "b", "c"];
        let p = spec_typed(1, "string", "target_encoder", 2, json!({
            "categories": [cats],
            "encodings": [[enc[0..3], enc[3..6]]],
            "targetMean": [0.25, 0.75],
        }));
        let value = ["a", "b", "c", "zz", ""][pick];
        let r = Record::from_json(&json!({"x0": value})).unwrap();
        let y = p.transform_f64(&r).unwrap();
        if pick < 3 {
            prop_assert_eq!(y, vec![enc[pick], enc[3 + pick]]);
        } else {
            prop_assert_eq!(y, vec![0.25, 0.75]);
        }
    }

    #[test]
    fn missing_indicator_flags_exactly_the_missing(mask in prop::collection::vec(any::<bool>(), 4)) {
        let p = spec(4, "missing_indicator", 4, json!({}));
        let xs: Vec<Option<f64>> = mask.iter().map(|m| (!m).then_some(2.5)).collect();
        let y = p.transform_f64(&record(&xs)).unwrap();
        prop_assert_eq!(y, mask.iter().map(|m| if *m { 1.0 } else { 0.0 }).collect::<Vec<_>>());
    }

    #[test]
    fn unary_functions_are_numpys(x in -1e3f64..1e3) {
        for (op, f) in [("log", f64::ln as fn(f64) -> f64), ("sqrt", f64::sqrt), ("exp", f64::exp),
                        ("expm1", f64::exp_m1), ("log2", f64::log2), ("log10", f64::log10),
                        ("abs", f64::abs), ("square", |x| x * x)] {
            let p = spec(1, op, 1, json!({}));
            let y = run(&p, &[x])[0];
            let want = f(x);
            prop_assert!(y.to_bits() == want.to_bits() || (y.is_nan() && want.is_nan()), "{}({}) = {}", op, x, y);
        }
        let sq = spec(1, "sqrt", 1, json!({}));
        prop_assert_eq!(run(&sq, &[x * x])[0], x.abs());
    }

    #[test]
    fn one_hot_infrequent_is_one_column(pick in 0usize..6) {
        let cats = ["a", "b", "c", "d", "zz", ""];
        for unknown in ["ignore", "infrequent_if_exist", "error"] {
            let p = spec_typed(1, "string", "one_hot", 3, json!({
                "categories": [["a", "b"]],
                "infrequent": [["c", "d"]],
                "handleUnknown": unknown,
            }));
            let r = Record::from_json(&json!({"x0": cats[pick]})).unwrap();
            let got = p.transform_f64(&r);
            let want = match (pick, unknown) {
                (0, _) => Some(vec![1.0, 0.0, 0.0]),
                (1, _) => Some(vec![0.0, 1.0, 0.0]),
                (2 | 3, _) => Some(vec![0.0, 0.0, 1.0]),
                (_, "ignore") => Some(vec![0.0, 0.0, 0.0]),
                (_, "infrequent_if_exist") => Some(vec![0.0, 0.0, 1.0]),
                _ => None,
            };
            match want {
                Some(w) => prop_assert_eq!(got.unwrap(), w),
                None => prop_assert!(matches!(got, Err(Error::FeatureInvalid { .. })), "{:?}", got),
            }
        }
    }
}

#[test]
fn transforms_that_scikit_learn_feeds_no_nan_refuse_a_missing_value() {
    for (op, outputs, params) in [
        ("normalizer", 3, json!({})),
        ("binarizer", 3, json!({"threshold": 0.5})),
        ("polynomial", 2, json!({"powers": [[1, 0, 0], [1, 1, 1]]})),
        ("pca", 1, json!({"components": [[0.5, 0.5, 0.0]]})),
    ] {
        let p = spec(3, op, outputs, params);
        assert_eq!(
            missing_error(&p, 3, 1),
            ("x1".to_string(), "finite".to_string()),
            "{op}"
        );
    }
}

/// An infinity made upstream (`log(0)`, an overflowing `exp`) reaching a scaler, imputer,
/// quantile or power transform is rule `finite` naming the raw field, as scikit-learn's
/// `check_array` raises there; before a transform that takes it (another numpy function, the
/// output) it stays, as in scikit-learn.
#[test]
fn an_infinity_reaching_a_validating_transform_is_an_error() {
    for (op, params) in [
        ("standard_scaler", json!({"mean": [0.0], "scale": [1.0]})),
        ("impute", json!({"strategy": "mean", "statistics": [0.0]})),
        ("max_abs_scaler", json!({"scale": [2.0]})),
        (
            "quantile",
            json!({"quantiles": [[0.0, 1.0]], "references": [0.0, 1.0]}),
        ),
        ("power", json!({"lambdas": [0.5]})),
    ] {
        let text = json!({
            "schema": "mlcycle.features/1",
            "fields": [{"name": "x0", "type": "number"}],
            "transforms": [
                {"op": "log", "inputs": ["x0"], "outputs": ["l"], "params": {}},
                {"op": op, "inputs": ["l"], "outputs": ["y"], "params": params},
            ],
            "outputs": ["y"],
        });
        let p = Pipeline::from_json(&text.to_string()).unwrap();
        match p.transform_f64(&record(&[Some(0.0)])) {
            Err(Error::FeatureInvalid { field, rule, .. }) => {
                assert_eq!((field.as_str(), rule.as_str()), ("x0", "finite"), "{op}")
            }
            other => panic!("{op}: {other:?}"),
        }
        assert!(p.transform_f64(&record(&[Some(1.0)])).is_ok(), "{op}");
    }
    let log_only = spec(1, "log", 1, json!({}));
    assert_eq!(run(&log_only, &[0.0]), vec![f64::NEG_INFINITY]);
}

#[test]
fn malformed_params_are_spec_errors() {
    let fields = json!([{"name": "x0", "type": "number"}, {"name": "x1", "type": "number"}]);
    for (op, outputs, params) in [
        ("normalizer", 2, json!({"norm": "l3"})),
        ("polynomial", 1, json!({"powers": [[1]]})),
        ("polynomial", 1, json!({"powers": [[60, 60]]})),
        (
            "quantile",
            2,
            json!({"quantiles": [[1.0, 0.0], [0.0, 1.0]], "references": [0.0, 1.0]}),
        ),
        (
            "quantile",
            2,
            json!({"quantiles": [[0.0, 1.0], [0.0, 1.0]], "references": [0.0, 2.0]}),
        ),
        ("power", 2, json!({"method": "log", "lambdas": [1.0, 1.0]})),
        (
            "power",
            2,
            json!({"lambdas": [1.0, 1.0], "mean": [0.0, 0.0]}),
        ),
        ("pca", 1, json!({"components": [[1.0]]})),
        (
            "pca",
            1,
            json!({"components": [[1.0, 0.0]], "scale": [0.0]}),
        ),
        (
            "target_encoder",
            2,
            json!({"categories": [[1.0], [2.0]], "encodings": [[[0.5]], [[0.5, 1.0]]], "targetMean": [0.0]}),
        ),
        ("max_abs_scaler", 2, json!({"scale": [1.0]})),
        ("binarizer", 2, json!({"threshold": "high"})),
    ] {
        let text = json!({
            "schema": "mlcycle.features/1",
            "fields": fields,
            "transforms": [{"op": op, "inputs": ["x0", "x1"], "outputs": (0..outputs).map(|j| format!("y{j}")).collect::<Vec<_>>(), "params": params}],
            "outputs": (0..outputs).map(|j| format!("y{j}")).collect::<Vec<_>>(),
        });
        match Pipeline::from_json(&text.to_string()) {
            Err(Error::SpecInvalid { field, .. }) => {
                assert!(field.starts_with("transforms[0]"), "{op}: {field}")
            }
            other => panic!("{op} {params}: expected E_SPEC_INVALID, got {other:?}"),
        }
    }
}
