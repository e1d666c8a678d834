//! Issue 5: 1,000,000 observations keep memory flat — the snapshot (the monitor's whole state)
//! stays bounded: only counter digits grow. Native only (prints sizes and the observe cost).
#![cfg(not(target_arch = "wasm32"))]

use mlcycle::features::{read_records, FeatureSpec, RawValue, Record};
use mlcycle::monitor::{Monitor, MonitorConfig, ProfileOptions, ReferenceProfile};
use std::time::Instant;

const SPEC: &str = include_str!("data/penguins_features.json");
const TRAIN: &str = include_str!("data/penguins_train.csv");
const TEST: &str = include_str!("data/penguins_test.csv");

#[test]
fn a_million_observations_keep_the_state_bounded() {
    let spec = FeatureSpec::from_json(SPEC).expect("spec");
    let train = read_records(TRAIN).expect("train").records;
    let labels: Vec<String> = ["Adelie", "Chinstrap", "Gentoo"].map(String::from).to_vec();
    let proba_ref: Vec<f32> = (0..train.len())
        .flat_map(|i| match i % 3 {
            0 => [0.8, 0.1, 0.1],
            1 => [0.1, 0.7, 0.2],
            _ => [0.05, 0.05, 0.9],
        })
        .collect();
    let reference = ReferenceProfile::build(&spec, &train, &ProfileOptions::default())
        .expect("profile")
        .with_predictions(&labels, &proba_ref)
        .expect("predictions");
    let mut m = Monitor::new(reference, MonitorConfig::default(), "mem").expect("monitor");
    let base: Vec<Record> = read_records(TEST).expect("test").records;
    // Every record distinct in value (numeric noise, a stream of never-seen islands) so no
    // bounded structure is spared.
    let records: Vec<Record> = (0..1000)
        .map(|i| {
            let mut r = base[i % base.len()].clone();
            r.insert(
                "bill_length_mm",
                RawValue::Number(30.0 + (i as f64 * 0.731) % 30.0),
            );
            if i % 10 == 0 {
                r.insert("island", RawValue::Text(format!("Island{i}")));
            }
            r
        })
        .collect();
    let probas = [
        [0.8f32, 0.1, 0.1],
        [0.1, 0.7, 0.2],
        [0.05, 0.05, 0.9],
        [0.4, 0.35, 0.25],
    ];
    let mut sizes = Vec::new();
    let started = Instant::now();
    let mut last_id = String::new();
    for n in 0..1_000_000u64 {
        let r = &records[(n % 1000) as usize];
        let p = &probas[(n % 4) as usize];
        // Latencies over five orders of magnitude.
        let latency = 0.01 * (1.0 + (n % 9973) as f64).powf(1.2);
        last_id = m.observe(n as f64, r, p, latency);
        if n % 7 == 0 {
            m.feedback(&last_id, labels[(n % 3) as usize].as_str(), n as f64);
        }
        if n % 1000 == 0 {
            m.observe_error(
                if n % 3000 == 0 {
                    "E_INFERENCE"
                } else {
                    "E_FEATURE_INVALID"
                },
                n as f64,
            );
            m.feedback(
                &format!("mem-{}", n.saturating_sub(5000)),
                "Adelie",
                n as f64,
            ); // late
        }
        if [10_000, 100_000, 999_999].contains(&n) {
            sizes.push((n + 1, m.snapshot().expect("snapshot").len()));
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(last_id, "mem-999999");
    let rep = m.report();
    assert_eq!(rep.telemetry.predictions, 1_000_000);
    assert!(rep.feedback.late > 0 && rep.feedback.labeled > 100_000);
    let lat = rep.telemetry.latency_ms;
    assert_eq!(lat.count, 1_000_000);
    println!(
        "snapshot bytes after n observations: {sizes:?}; observe+feedback mean {:.3} µs ({} build); \
         latency p50 {:?} p99 {:?}; events in history {}",
        elapsed.as_secs_f64() * 1e6 / 1e6,
        if cfg!(debug_assertions) { "debug" } else { "release" },
        lat.p50,
        lat.p99,
        rep.alerts.history.len()
    );
    let first = sizes[0].1 as f64;
    let last = sizes[sizes.len() - 1].1 as f64;
    // 100× more observations: only counter digits may grow.
    assert!(
        last <= first * 1.25,
        "snapshot grew from {first} to {last} bytes"
    );
    assert!(last < 64_000.0, "snapshot is {last} bytes");
}
