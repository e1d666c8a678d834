//! Issue 5 properties (native, proptest): snapshot → restore gives the identical report; two
//! monitors merged equal one monitor fed both streams; merge is commutative and associative;
//! the DDSketch merge is exact, commutative and associative even when buckets collapse.
#![cfg(not(target_arch = "wasm32"))]

use mlcycle::features::{FeatureSpec, RawValue, Record};
use mlcycle::monitor::{
    DdSketch, Monitor, MonitorConfig, ProfileOptions, ReferenceProfile, Threshold,
};
use proptest::prelude::*;

fn reference() -> ReferenceProfile {
    let spec = FeatureSpec::from_json(
        r#"{"schema":"mlcycle.features/1","fields":[
            {"name":"x","type":"number"},{"name":"n","type":"integer","min":0,"max":50},
            {"name":"c","type":"string"},{"name":"b","type":"boolean"},
            {"name":"t","type":"timestamp"}],"outputs":["x"]}"#,
    )
    .expect("spec");
    let recs: Vec<Record> = (0..300)
        .map(|i| {
            Record::new()
                .with("x", RawValue::Number((i as f64 * 0.37).sin() * 10.0))
                .with("n", RawValue::Number((i % 40) as f64))
                .with("c", RawValue::String(["a", "b", "c"][i % 3].into()))
                .with("b", RawValue::Bool(i % 4 == 0))
                .with("t", RawValue::Number(1.7e12 + i as f64))
        })
        .collect();
    let labels: Vec<String> = vec!["p".into(), "q".into(), "r".into()];
    let proba: Vec<f32> = (0..300)
        .flat_map(|i| match i % 3 {
            0 => [0.7, 0.2, 0.1],
            1 => [0.1, 0.6, 0.3],
            _ => [0.2, 0.2, 0.6],
        })
        .collect();
    ReferenceProfile::build(&spec, &recs, &ProfileOptions::default())
        .expect("profile")
        .with_predictions(&labels, &proba)
        .expect("predictions")
}

/// Thresholds that never fire, so alert levels do not depend on evaluation timing.
fn quiet() -> MonitorConfig {
    let never = Threshold {
        warn: 1e300,
        alert: 1e300,
        ..Threshold::psi_default()
    };
    let mut c = MonitorConfig {
        error_rate: Threshold {
            warn: 2.0,
            alert: 2.0,
            ..Threshold::psi_default()
        },
        evaluate_every: 7,
        latency_max_buckets: 32,
        ..MonitorConfig::default()
    };
    c.drift.default = never.clone();
    c.drift.predictions = never;
    c
}

#[derive(Clone, Debug)]
enum Op {
    Observe {
        x: Option<i32>,
        n: i32,
        c: u8,
        b: Option<bool>,
        class: u8,
        conf: u8,
        latency: u32,
        feedback: Option<u8>,
        now: u32,
    },
    Error(u8, u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (
            proptest::option::of(-2000i32..2000),
            -5i32..60,
            0u8..5,
            proptest::option::of(any::<bool>()),
            0u8..4,
            0u8..10,
            0u32..4_000_000,
            proptest::option::of(0u8..4),
            0u32..1_000_000,
        )
            .prop_map(|(x, n, c, b, class, conf, latency, feedback, now)| Op::Observe {
                x, n, c, b, class, conf, latency, feedback, now
            }),
        1 => (0u8..3, 0u32..1_000_000).prop_map(|(c, now)| Op::Error(c, now)),
    ]
}

fn apply(m: &mut Monitor, ops: &[Op]) {
    let labels = ["p", "q", "r", "zz"];
    for o in ops {
        match o {
            Op::Observe {
                x,
                n,
                c,
                b,
                class,
                conf,
                latency,
                feedback,
                now,
            } => {
                let mut r = Record::new();
                r.insert(
                    "x",
                    x.map_or(RawValue::Null, |v| RawValue::Number(v as f64 / 100.0)),
                );
                r.insert("n", RawValue::Text(n.to_string()));
                r.insert(
                    "c",
                    RawValue::String(["a", "b", "c", "unseen", ""][*c as usize].into()),
                );
                r.insert(
                    "b",
                    b.map_or(RawValue::Text("maybe".into()), RawValue::Bool),
                );
                r.insert("t", RawValue::Number(1.7e12));
                // Probabilities with an exact winner; class 3 sends a wrong-length row.
                let p = 0.34 + *conf as f32 * 0.066;
                let q = (1.0 - p) / 2.0;
                let mut proba = vec![q, q, q];
                let k = *class as usize;
                if k < 3 {
                    proba[k] = p;
                } else {
                    proba.push(0.0);
                }
                // Dyadic latencies: sums are exact whatever the order.
                let id = m.observe(*now as f64, &r, &proba, *latency as f64 / 1024.0);
                if let Some(l) = feedback {
                    m.feedback(&id, labels[*l as usize], *now as f64);
                }
            }
            Op::Error(c, now) => m.observe_error(
                ["E_INFERENCE", "E_FEATURE_INVALID", "E_INPUT_SHAPE"][*c as usize],
                *now as f64,
            ),
        }
    }
}

fn fed(ops: &[Op], salt: &str) -> Monitor {
    let mut m = Monitor::new(reference(), quiet(), salt).expect("monitor");
    apply(&mut m, ops);
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn snapshot_restore_identical_report(ops in proptest::collection::vec(op(), 0..200)) {
        let m = fed(&ops, "a");
        let snap = m.snapshot().expect("snapshot");
        let back = Monitor::restore(&snap).expect("restore");
        prop_assert_eq!(back.report(), m.report());
        prop_assert_eq!(back.snapshot().expect("snapshot"), snap);
    }

    #[test]
    fn merged_snapshots_equal_one_monitor_fed_both(
        a in proptest::collection::vec(op(), 0..150),
        b in proptest::collection::vec(op(), 0..150),
    ) {
        let mut both = Monitor::new(reference(), quiet(), "one").expect("monitor");
        apply(&mut both, &a);
        apply(&mut both, &b);
        let ma = Monitor::restore(&fed(&a, "a").snapshot().expect("snap")).expect("restore");
        let mb = Monitor::restore(&fed(&b, "b").snapshot().expect("snap")).expect("restore");
        let mut ab = ma.clone();
        ab.merge(&mb).expect("merge");
        let mut ba = mb.clone();
        ba.merge(&ma).expect("merge");
        prop_assert_eq!(ab.report(), both.report());
        prop_assert_eq!(ba.report(), ab.report());
    }

    #[test]
    fn merge_is_associative(
        a in proptest::collection::vec(op(), 0..80),
        b in proptest::collection::vec(op(), 0..80),
        c in proptest::collection::vec(op(), 0..80),
    ) {
        let (ma, mb, mc) = (fed(&a, "a"), fed(&b, "b"), fed(&c, "c"));
        let mut left = ma.clone();
        left.merge(&mb).expect("merge");
        left.merge(&mc).expect("merge");
        let mut bc = mb.clone();
        bc.merge(&mc).expect("merge");
        let mut right = ma.clone();
        right.merge(&bc).expect("merge");
        prop_assert_eq!(left.report(), right.report());
    }

    #[test]
    fn sketch_merge_exact_commutative_associative(
        a in proptest::collection::vec(0u64..(1u64 << 40), 0..300),
        b in proptest::collection::vec(0u64..(1u64 << 40), 0..300),
        c in proptest::collection::vec(0u64..(1u64 << 40), 0..300),
    ) {
        // Values spread over 12 orders of magnitude with 16 buckets: collapsing happens.
        let v = |x: &u64| (*x as f64) / 1024.0;
        let sk = |xs: &[&Vec<u64>]| {
            let mut s = DdSketch::new(0.02, 16).expect("sketch");
            for x in xs.iter().flat_map(|v| v.iter()) {
                s.add(v(x));
            }
            s
        };
        let (sa, sb, sc) = (sk(&[&a]), sk(&[&b]), sk(&[&c]));
        let all = sk(&[&a, &b, &c]);
        let mut l = sa.clone();
        l.merge(&sb).expect("merge");
        l.merge(&sc).expect("merge");
        let mut bc = sb.clone();
        bc.merge(&sc).expect("merge");
        let mut r = sa.clone();
        r.merge(&bc).expect("merge");
        let mut cba = sc.clone();
        cba.merge(&sb).expect("merge");
        cba.merge(&sa).expect("merge");
        prop_assert_eq!(&l, &r);
        prop_assert_eq!(&l, &cba);
        prop_assert_eq!(&l, &all);
        prop_assert!(l.buckets() <= 16);
    }
}

#[test]
fn merge_refuses_other_references() {
    let a = Monitor::new(reference(), quiet(), "a").expect("monitor");
    let mut other_ref = reference();
    other_ref.rows += 1;
    let mut b = Monitor::new(other_ref, quiet(), "b").expect("monitor");
    assert_eq!(b.merge(&a).unwrap_err().code(), "E_INVALID_ARGUMENT");
}

/// Two snapshots near the counter limit merge to a saturated total, never to one that wrapped
/// below either side (issue 13: the merged total used to be smaller than either).
#[test]
fn merged_counters_saturate_instead_of_wrapping() {
    let ops = vec![Op::Error(0, 5); 3];
    let snap = fed(&ops, "a").snapshot().expect("snapshot");
    let mut v: serde_json::Value = serde_json::from_str(&snap).unwrap();
    let near = u64::MAX - 1;
    let mut found = 0;
    fn bump(v: &mut serde_json::Value, near: u64, found: &mut usize) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    if k == "predictions" || k == "E_INFERENCE" {
                        if x.is_u64() {
                            *x = serde_json::json!(near);
                            *found += 1;
                        }
                    } else {
                        bump(x, near, found);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| bump(x, near, found)),
            _ => {}
        }
    }
    bump(&mut v, near, &mut found);
    assert!(found >= 2, "counters found in {snap:.400}");
    let big = Monitor::restore(&v.to_string()).expect("restore");
    let mut merged = Monitor::restore(&v.to_string()).expect("restore");
    merged.merge(&big).expect("merge");
    let report = serde_json::to_value(merged.report()).unwrap();
    let text = report.to_string();
    assert!(
        text.contains(&u64::MAX.to_string()),
        "saturated: {text:.800}"
    );
}

/// Label counts are bounded before anything quadratic is allocated (issue 13: ~23,000 labels in
/// a config or snapshot trapped wasm; 16,000 took 1.9 GB).
#[test]
fn huge_label_counts_are_refused_before_allocating() {
    let e = MonitorConfig::from_json(r#"{"maxClasses": 65536}"#).unwrap_err();
    assert_eq!(e.code(), "E_INVALID_ARGUMENT");
    let many: Vec<String> = (0..23_000).map(|i| format!("c{i}")).collect();
    let cfg = serde_json::json!({"labels": many}).to_string();
    let e = MonitorConfig::from_json(&cfg).unwrap_err();
    assert!(e.to_string().contains("maxClasses"), "{e}");
    // A snapshot whose config and labels were inflated is refused, not allocated.
    let snap = fed(&[], "a").snapshot().expect("snapshot");
    let mut v: serde_json::Value = serde_json::from_str(&snap).unwrap();
    v["config"]["maxClasses"] = serde_json::json!(65_536);
    v["state"]["labels"] = serde_json::json!(many);
    assert_eq!(
        Monitor::restore(&v.to_string()).unwrap_err().code(),
        "E_SNAPSHOT"
    );
    let huge = " ".repeat(300 << 20);
    assert_eq!(Monitor::restore(&huge).unwrap_err().code(), "E_SNAPSHOT");
}

/// Found by tests/fuzz.rs: a snapshot whose latency sketch says min > max made the report
/// panic (`f64::clamp`); it is refused at restore.
#[test]
fn a_sketch_with_min_above_max_is_refused_at_restore() {
    let snap = fed(&[], "a").snapshot().expect("snapshot");
    let mut v: serde_json::Value = serde_json::from_str(&snap).unwrap();
    let sketch = v["state"]["latency"]
        .as_object_mut()
        .expect("the latency sketch in the snapshot");
    assert!(sketch.contains_key("relativeAccuracy"));
    sketch.insert("min".into(), serde_json::json!(1.0));
    sketch.insert("max".into(), serde_json::json!(0.5));
    let e = Monitor::restore(&v.to_string()).unwrap_err();
    assert_eq!(e.code(), "E_SNAPSHOT", "{e}");
}
