//! Issue 15, fleet drift exactly: a dataset split across 1,000 simulated devices of uneven
//! sizes, each with its own monitor (predictions, latencies, some delayed labels), snapshotted
//! to JSON as a device would persist it; the snapshots merged give the drift of the pooled rows
//! (counts exact, PSI / JS / KS / χ² to 1e-9), the pooled class mix and feedback accuracy
//! exactly, and latency quantiles within the DDSketch's relative-accuracy guarantee. Runs
//! natively and as wasm (`wasm-bindgen-test`).

use mlcycle::features::{read_records, FeatureSpec, RawValue, Record};
use mlcycle::monitor::{
    fleet_report, DriftReport, Monitor, MonitorConfig, ProfileOptions, ReferenceProfile,
};
use wasm_bindgen_test::wasm_bindgen_test;

const SPEC: &str = include_str!("../data/penguins_features.json");
const TRAIN: &str = include_str!("../data/penguins_train.csv");
const TEST: &str = include_str!("../data/penguins_test.csv");
const DEVICES: usize = 1000;

fn reference() -> ReferenceProfile {
    let spec = FeatureSpec::from_json(SPEC).expect("spec");
    let train = read_records(TRAIN).expect("train").records;
    ReferenceProfile::build(&spec, &train, &ProfileOptions::default()).expect("profile")
}

use crate::rng::Rng;

/// Traffic: penguins rows with perturbed measurements; from row 10,000 on, heavier penguins
/// and more Torgersen (a drift the fleet must see).
fn traffic(n: usize, rng: &mut Rng) -> Vec<Record> {
    let mut base = read_records(TEST).expect("test").records;
    base.extend(read_records(TRAIN).expect("train").records);
    (0..n)
        .map(|j| {
            let mut r = base[rng.below(base.len() as u64) as usize].clone();
            let shifted = j >= 10_000;
            if let Some(RawValue::Text(t)) = r.get("body_mass_g") {
                if let Ok(x) = t.trim().parse::<f64>() {
                    let k = 1.0 + (rng.below(200) as f64 - 100.0) / 2000.0;
                    let k = if shifted { k * 1.3 } else { k };
                    r.insert("body_mass_g", RawValue::Text(format!("{}", x * k)));
                }
            }
            if shifted && rng.below(2) == 0 {
                r.insert("island", RawValue::Text("Torgersen".into()));
            }
            r
        })
        .collect()
}

fn probabilities(rng: &mut Rng) -> [f32; 3] {
    let a = rng.below(1000) as f32 / 1000.0;
    let b = (1.0 - a) * rng.below(1000) as f32 / 1000.0;
    [a, b, 1.0 - a - b]
}

fn argmax(p: &[f32]) -> usize {
    mlcycle::inference::argmax(p)
}

#[wasm_bindgen_test(unsupported = test)]
fn a_thousand_devices_merge_to_the_pooled_drift() {
    let reference = reference();
    let config = MonitorConfig {
        labels: Some(vec!["Adelie".into(), "Chinstrap".into(), "Gentoo".into()]),
        model: Some("penguins".into()),
        version: Some("1.0.0".into()),
        ..MonitorConfig::default()
    };
    let mut rng = Rng(20261205);
    // Uneven device sizes: 0 to 60 rows (some devices saw nothing).
    let sizes: Vec<usize> = (0..DEVICES).map(|_| rng.below(61) as usize).collect();
    let total: usize = sizes.iter().sum();
    let rows = traffic(total, &mut rng);
    let labels = ["Adelie", "Chinstrap", "Gentoo"];
    let mut pooled_classes = [0u64; 3];
    let mut latencies = Vec::with_capacity(total);
    let (mut labeled, mut correct) = (0u64, 0u64);
    let mut snapshots = Vec::with_capacity(DEVICES);
    let mut at = 0;
    for (d, size) in sizes.iter().enumerate() {
        let mut m = Monitor::new(reference.clone(), config.clone(), &format!("dev{d}")).unwrap();
        for (i, r) in rows[at..at + size].iter().enumerate() {
            let p = probabilities(&mut rng);
            let latency = 0.5 + rng.below(5000) as f64 / 100.0;
            let now = 1_764_900_000_000.0 + (at + i) as f64 * 1000.0;
            let id = m.observe(now, r, &p, latency);
            pooled_classes[argmax(&p)] += 1;
            latencies.push(latency);
            if rng.below(3) == 0 {
                let truth = labels[rng.below(3) as usize];
                m.feedback(&id, truth, now + 500.0);
                labeled += 1;
                correct += u64::from(labels[argmax(&p)] == truth);
            }
        }
        at += size;
        snapshots.push(m.snapshot().unwrap());
    }

    let fleet = fleet_report(snapshots.iter().map(String::as_str)).unwrap();
    let pooled = DriftReport::compute(&reference, &rows, &config).unwrap();
    assert_eq!(fleet.devices, DEVICES);
    assert_eq!(fleet.drift.rows, total as u64);
    assert_eq!(fleet.drift.rows, pooled.rows);
    assert_eq!(fleet.drift.features.len(), pooled.features.len());
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9,
        (None, None) => true,
        _ => false,
    };
    for (f, p) in fleet.drift.features.iter().zip(&pooled.features) {
        assert_eq!(f.name, p.name);
        assert!(
            close(f.psi, p.psi),
            "{} psi {:?} vs {:?}",
            f.name,
            f.psi,
            p.psi
        );
        assert!(close(f.js_distance, p.js_distance), "{} js", f.name);
        assert!(close(f.ks_statistic, p.ks_statistic), "{} ks", f.name);
        assert!(close(f.chi2_p_value, p.chi2_p_value), "{} chi2", f.name);
        assert!(close(f.missing_rate, p.missing_rate), "{} missing", f.name);
        assert_eq!(f.status, p.status, "{}", f.name);
    }
    assert!(
        fleet
            .drift
            .features
            .iter()
            .any(|f| f.status == mlcycle::monitor::Status::Alert),
        "the shifted traffic drifts"
    );
    assert_eq!(fleet.drift.drifted_share, pooled.drifted_share);
    let classes: Vec<u64> = fleet.classes.iter().map(|c| c.count).collect();
    assert_eq!(classes, pooled_classes.to_vec(), "class mix");
    assert_eq!(
        (fleet.feedback.labeled, fleet.feedback.correct),
        (labeled, correct)
    );
    // Latency: within the sketch's relative accuracy of the exact lower quantile.
    latencies.sort_by(f64::total_cmp);
    let alpha = fleet.latency_ms.relative_accuracy;
    assert_eq!(fleet.latency_ms.count, total as u64);
    for (q, got) in [
        (0.5, fleet.latency_ms.p50),
        (0.9, fleet.latency_ms.p90),
        (0.99, fleet.latency_ms.p99),
    ] {
        let exact = latencies[(q * (total - 1) as f64).floor() as usize];
        let got = got.unwrap();
        assert!(
            (got - exact).abs() <= alpha * exact + 1e-12,
            "p{q}: {got} vs {exact} (α {alpha})"
        );
    }
    println!(
        "{DEVICES} devices, {total} rows: fleet drift = pooled drift; drifted share {:.3}; p99 {:.3} ms",
        fleet.drift.drifted_share,
        fleet.latency_ms.p99.unwrap_or(f64::NAN)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn snapshots_of_another_model_or_garbage_are_refused_by_position() {
    let reference = reference();
    let config = |version: &str| MonitorConfig {
        model: Some("penguins".into()),
        version: Some(version.into()),
        ..MonitorConfig::default()
    };
    let a = Monitor::new(reference.clone(), config("1.0.0"), "a")
        .unwrap()
        .snapshot()
        .unwrap();
    let b = Monitor::new(reference, config("1.1.0"), "b")
        .unwrap()
        .snapshot()
        .unwrap();
    let e = fleet_report([a.as_str(), a.as_str(), b.as_str()]).unwrap_err();
    assert_eq!(e.code(), "E_SNAPSHOT");
    assert!(
        e.to_string().contains("snapshot 2") && e.to_string().contains("1.1.0"),
        "{e}"
    );
    let e = fleet_report([a.as_str(), "{\"not\": 1}"]).unwrap_err();
    assert!(e.to_string().contains("snapshot 1"), "{e}");
    assert_eq!(fleet_report([]).unwrap_err().code(), "E_INVALID_ARGUMENT");
}
