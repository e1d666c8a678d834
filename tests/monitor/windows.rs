//! Issue 15, tumbling windows: seven simulated days of penguins traffic with a drift from day 5
//! on — the window levels alert within the first window after the shift while the running
//! total does not yet; windows merge across devices aligned by wall-clock start (each merged
//! window's drift equals the drift of the pooled rows of that hour); snapshots keep windows;
//! and a window's heap memory stays within the bound docs/monitoring.md states (a counting
//! allocator, native only). The traffic tests run natively and as wasm (`wasm-bindgen-test`).

use mlcycle::features::{read_records, FeatureSpec, RawValue, Record};
use mlcycle::monitor::{
    fleet_report_window, DriftReport, FleetWindow, Level, Monitor, MonitorConfig, ProfileOptions,
    ReferenceProfile, Scope, Status,
};
use wasm_bindgen_test::wasm_bindgen_test;

const SPEC: &str = include_str!("../data/penguins_features.json");
const TRAIN: &str = include_str!("../data/penguins_train.csv");
const HOUR: f64 = 3_600_000.0;
/// 2026-11-30T00:00:00Z.
const T0: f64 = 1_795_996_800_000.0;
const LABELS: [&str; 3] = ["Adelie", "Chinstrap", "Gentoo"];

fn reference() -> ReferenceProfile {
    let spec = FeatureSpec::from_json(SPEC).expect("spec");
    let train = read_records(TRAIN).expect("train").records;
    ReferenceProfile::build(&spec, &train, &ProfileOptions::default()).expect("profile")
}

fn config(windows: usize) -> MonitorConfig {
    MonitorConfig {
        labels: Some(LABELS.map(String::from).to_vec()),
        model: Some("penguins".into()),
        version: Some("1.0.0".into()),
        window_ms: HOUR as u64,
        windows,
        ..MonitorConfig::default()
    }
}

use crate::rng::Rng;

/// A training row drawn at random; `shifted`: 25 % heavier penguins.
fn row(train: &[Record], rng: &mut Rng, shifted: bool) -> Record {
    let mut r = train[rng.below(train.len() as u64) as usize].clone();
    if shifted {
        if let Some(RawValue::Text(t)) = r.get("body_mass_g") {
            if let Ok(x) = t.trim().parse::<f64>() {
                r.insert("body_mass_g", RawValue::Text(format!("{}", x * 1.25)));
            }
        }
    }
    r
}

fn probabilities(rng: &mut Rng) -> [f32; 3] {
    let a = rng.below(1000) as f32 / 1000.0;
    let b = (1.0 - a) * rng.below(1000) as f32 / 1000.0;
    [a, b, 1.0 - a - b]
}

#[wasm_bindgen_test(unsupported = test)]
fn seven_days_the_window_alerts_first() {
    const PER_HOUR: usize = 300;
    let train = read_records(TRAIN).expect("train").records;
    let mut m = Monitor::new(reference(), config(168), "dev").unwrap();
    let mut rng = Rng(20261206);
    let shift = T0 + 4.0 * 24.0 * HOUR; // day 5 starts after four days
    let mut first_window_alert = None;
    let mut total_at_alert = None;
    let mut first_total_alert = None;
    for hour in 0..7 * 24 {
        for i in 0..PER_HOUR {
            let now = T0 + hour as f64 * HOUR + i as f64 * (HOUR / PER_HOUR as f64);
            let r = row(&train, &mut rng, now >= shift);
            let p = probabilities(&mut rng);
            m.observe(now, &r, &p, 1.0 + rng.below(100) as f64 / 10.0);
            for e in m.drain_events() {
                if !e.signal.starts_with("drift:") || e.to != Level::Alert {
                    continue;
                }
                match e.scope {
                    Scope::Window => {
                        let start = e.window_start_ms.expect("a window event names its window");
                        assert!(
                            start >= shift,
                            "no window alert before the shift: {e:?} (shift at {shift})"
                        );
                        if first_window_alert.is_none() {
                            first_window_alert = Some(e.clone());
                            let rep = m.report();
                            let total = rep
                                .drift
                                .features
                                .iter()
                                .find(|f| format!("drift:{}", f.name) == e.signal)
                                .cloned()
                                .expect("feature");
                            total_at_alert = Some(total);
                        }
                    }
                    Scope::Total => {
                        if first_total_alert.is_none() {
                            first_total_alert = Some(e.clone());
                        }
                    }
                }
            }
        }
    }
    let w = first_window_alert.expect("the window levels alert after the shift");
    let total = total_at_alert.expect("total");
    assert_eq!(w.signal, "drift:body_mass_g", "{w:?}");
    assert_eq!(
        w.window_start_ms,
        Some(shift),
        "judged on the first window after the shift"
    );
    assert!(
        w.at_ms < shift + 2.0 * HOUR,
        "alerted while the next window fills: {w:?}"
    );
    assert_eq!(
        total.status,
        Status::Ok,
        "the running total alone does not alert yet: {total:?}"
    );
    assert!(
        first_total_alert.as_ref().is_none_or(|t| t.at_ms > w.at_ms),
        "{first_total_alert:?}"
    );
    println!(
        "window alert on {} at +{:.2} h after the shift: window PSI {:.4} (alert at {}); running \
         total then PSI {:.4}, status {:?}; running total first alerts {}",
        w.signal,
        (w.at_ms - shift) / HOUR,
        w.value.unwrap_or(f64::NAN),
        w.alert.unwrap_or(f64::NAN),
        total.psi.unwrap_or(f64::NAN),
        total.status,
        match &first_total_alert {
            Some(t) => format!("+{:.1} h after the shift", (t.at_ms - shift) / HOUR),
            None => "never in seven days".into(),
        }
    );
    let rep = m.report();
    assert_eq!(
        rep.windows.items.len(),
        168,
        "one window per hour, all kept"
    );
    assert!(rep
        .windows
        .items
        .windows(2)
        .all(|p| p[1].start_ms - p[0].start_ms == HOUR));
    assert_eq!(
        rep.windows.items.iter().map(|w| w.predictions).sum::<u64>(),
        rep.telemetry.predictions
    );
    assert!(rep.alerts.reasons.iter().all(|r| !r.is_empty()));
    // The window levels survive a snapshot.
    let back = Monitor::restore(&m.snapshot().unwrap()).unwrap();
    assert_eq!(back.report(), rep);

    // Kept windows are bounded: 24 of them, the rows of older hours counted only in the total.
    let mut small = Monitor::new(reference(), config(24), "dev").unwrap();
    for hour in 0..48 {
        for i in 0..10 {
            let now = T0 + hour as f64 * HOUR + i as f64;
            small.observe(now, &row(&train, &mut rng, false), &[0.2, 0.3, 0.5], 1.0);
        }
    }
    small.observe(T0, &train[0], &[0.2, 0.3, 0.5], 1.0); // a day late
    let r = small.report();
    assert_eq!(r.windows.items.len(), 24);
    assert_eq!(r.windows.items[0].start_ms, T0 + 24.0 * HOUR);
    assert_eq!(r.windows.late, 1);
    assert_eq!(r.telemetry.predictions, 481);
}

/// Devices whose traffic spans several hours: the fleet's windows, aligned by start, each
/// carry the drift of the pooled rows of that hour, and `--window latest` reports the latest
/// complete one.
#[wasm_bindgen_test(unsupported = test)]
fn fleet_windows_merge_by_start() {
    let train = read_records(TRAIN).expect("train").records;
    let reference = reference();
    let mut rng = Rng(7);
    let mut by_hour: Vec<Vec<Record>> = vec![Vec::new(); 6];
    let mut snapshots = Vec::new();
    for d in 0..40 {
        let mut m = Monitor::new(reference.clone(), config(24), &format!("d{d}")).unwrap();
        // Devices start at different hours and see 0-120 rows.
        let first = rng.below(3) as usize;
        for _ in 0..rng.below(121) {
            let hour = first + rng.below(3) as usize;
            let now = T0 + hour as f64 * HOUR + rng.below(HOUR as u64) as f64;
            let r = row(&train, &mut rng, hour >= 4);
            m.observe(now, &r, &probabilities(&mut rng), 2.0);
            by_hour[hour].push(r);
        }
        snapshots.push(m.snapshot().unwrap());
    }
    let texts: Vec<&str> = snapshots.iter().map(String::as_str).collect();
    let fleet = fleet_report_window(texts.iter().copied(), FleetWindow::Total).unwrap();
    let hours: Vec<usize> = (0..6).filter(|h| !by_hour[*h].is_empty()).collect();
    assert_eq!(fleet.windows.len(), hours.len());
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9,
        (None, None) => true,
        _ => false,
    };
    for (w, h) in fleet.windows.iter().zip(&hours) {
        assert_eq!(w.start_ms, T0 + *h as f64 * HOUR);
        let pooled = DriftReport::compute(&reference, &by_hour[*h], &config(24)).unwrap();
        assert_eq!(w.predictions, pooled.rows);
        for (f, p) in w.features.iter().zip(&pooled.features) {
            assert_eq!((f.name.as_str(), f.count), (p.name.as_str(), p.count));
            assert!(close(f.psi, p.psi), "hour {h} {}", f.name);
            assert!(close(f.js_distance, p.js_distance), "hour {h} {}", f.name);
            assert!(close(f.ks_statistic, p.ks_statistic), "hour {h} {}", f.name);
            assert!(close(f.chi2_p_value, p.chi2_p_value), "hour {h} {}", f.name);
            assert_eq!(f.status, p.status);
        }
    }
    // One window selected: the report's drift is that hour's pooled drift.
    let h = hours[1];
    let one = fleet_report_window(
        texts.iter().copied(),
        FleetWindow::Start(T0 + h as f64 * HOUR),
    )
    .unwrap();
    let pooled = DriftReport::compute(&reference, &by_hour[h], &config(24)).unwrap();
    assert_eq!(one.drift.rows, pooled.rows);
    assert_eq!(one.selected_window_ms, Some(T0 + h as f64 * HOUR));
    for (f, p) in one.drift.features.iter().zip(&pooled.features) {
        assert!(close(f.psi, p.psi), "{}", f.name);
    }
    // The latest complete window: the clock is in the last hour with traffic, so the one before.
    let latest = fleet_report_window(texts.iter().copied(), FleetWindow::Latest).unwrap();
    let complete = hours[hours.len() - 2];
    assert_eq!(latest.selected_window_ms, Some(T0 + complete as f64 * HOUR));
    let e = fleet_report_window(texts.iter().copied(), FleetWindow::Start(T0 - HOUR)).unwrap_err();
    assert_eq!(e.code(), "E_INVALID_ARGUMENT");
    // Devices with other window lengths cannot be merged.
    let mut other = config(24);
    other.window_ms = 60_000;
    let odd = Monitor::new(reference, other, "odd")
        .unwrap()
        .snapshot()
        .unwrap();
    let e = fleet_report_window([texts[0], odd.as_str()], FleetWindow::Total).unwrap_err();
    assert!(e.to_string().contains("snapshot 1"), "{e}");
}

/// Review findings: windows of a side without labels merged, times windows cannot hold exactly,
/// -0.0, and a window level that must not outlive its window.
#[wasm_bindgen_test(unsupported = test)]
fn window_edge_cases() {
    let train = read_records(TRAIN).expect("train").records;
    let mut rng = Rng(11);
    // No labels anywhere: one side sees only records, the other adopts 3 classes.
    let unlabeled = MonitorConfig {
        labels: None,
        ..config(24)
    };
    let mut a = Monitor::new(reference(), unlabeled.clone(), "a").unwrap();
    let mut b = Monitor::new(reference(), unlabeled, "b").unwrap();
    for i in 0..20 {
        a.observe(T0 + i as f64, &row(&train, &mut rng, false), &[], 1.0);
        b.observe(
            T0 + HOUR + i as f64,
            &row(&train, &mut rng, false),
            &[0.2, 0.3, 0.5],
            1.0,
        );
    }
    a.merge(&b).unwrap();
    let rep = a.report();
    assert!(
        rep.windows.items.iter().all(|w| w.class_counts.len() == 3),
        "{:?}",
        rep.windows.items
    );
    assert_eq!(
        Monitor::restore(&a.snapshot().unwrap()).unwrap().report(),
        rep
    );
    // Times past ±2^53 ms (a nanosecond clock): the running total only; the snapshot restores.
    let mut m = Monitor::new(reference(), config(24), "t").unwrap();
    for now in [1.7e21, -1.7e18, f64::NAN, 1e300] {
        m.observe(now, &train[0], &[0.2, 0.3, 0.5], 1.0);
    }
    m.observe(-0.0, &train[0], &[0.2, 0.3, 0.5], 1.0);
    m.observe(0.0, &train[1], &[0.2, 0.3, 0.5], 1.0);
    let mut other = Monitor::new(reference(), config(24), "u").unwrap();
    other.observe(5.0, &train[2], &[0.2, 0.3, 0.5], 1.0);
    m.merge(&other).unwrap();
    let rep = m.report();
    assert_eq!(rep.telemetry.predictions, 7);
    assert_eq!(rep.windows.items.len(), 1, "-0.0 and 0.0 are one window");
    assert_eq!(rep.windows.items[0].predictions, 3);
    assert_eq!(
        Monitor::restore(&m.snapshot().unwrap()).unwrap().report(),
        rep
    );
    // A window alert does not outlive its window when the next one is too small to judge.
    let mut m = Monitor::new(reference(), config(24), "s").unwrap();
    for i in 0..300 {
        m.observe(
            T0 + i as f64,
            &row(&train, &mut rng, true),
            &[0.2, 0.3, 0.5],
            1.0,
        );
    }
    m.evaluate(T0 + HOUR + 1.0);
    let level = |m: &Monitor| {
        m.report()
            .windows
            .signals
            .iter()
            .find(|s| s.name == "drift:body_mass_g")
            .map(|s| s.level)
    };
    assert_eq!(level(&m), Some(Level::Alert));
    for i in 0..10 {
        m.observe(
            T0 + HOUR + i as f64,
            &row(&train, &mut rng, false),
            &[0.2, 0.3, 0.5],
            1.0,
        );
    }
    m.evaluate(T0 + 2.0 * HOUR + 1.0);
    assert_eq!(level(&m), Some(Level::Ok), "10 rows cannot keep the alert");
    let cleared = m
        .drain_events()
        .into_iter()
        .any(|e| e.signal == "drift:body_mass_g" && e.scope == Scope::Window && e.to == Level::Ok);
    assert!(cleared);
    assert!(!m
        .report()
        .alerts
        .reasons
        .iter()
        .any(|r| r.starts_with("window")));
}

#[cfg(not(target_arch = "wasm32"))]
mod memory {
    //! A counting allocator measures the heap a window really takes.
    use super::*;
    use mlcycle::monitor::window_bytes_bound;
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    struct Counting;

    thread_local! {
        static LIVE: Cell<i64> = const { Cell::new(0) };
    }

    // Counts this thread's live bytes (the test harness runs tests on other threads).
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, l: Layout) -> *mut u8 {
            let _ = LIVE.try_with(|c| c.set(c.get() + l.size() as i64));
            System.alloc(l)
        }
        unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
            let _ = LIVE.try_with(|c| c.set(c.get() - l.size() as i64));
            System.dealloc(p, l)
        }
    }

    #[global_allocator]
    static A: Counting = Counting;

    fn live() -> i64 {
        LIVE.with(|c| c.get())
    }

    /// Fills `hours` windows with the worst case a window can hold: every category and bin,
    /// unseen categories, every class and confidence bin, latencies over 15 orders of
    /// magnitude (the sketch at its bucket limit) and more error codes of 64 characters than a
    /// window keeps.
    fn fill(m: &mut Monitor, train: &[Record], hours: usize, from: usize) {
        for hour in from..from + hours {
            let base = T0 + hour as f64 * HOUR;
            for (i, r) in train.iter().enumerate() {
                let mut r = r.clone();
                if i % 7 == 0 {
                    r.insert("island", RawValue::Text(format!("Unseen{i}")));
                }
                let p = match i % 3 {
                    0 => [0.9f32, 0.05, 0.05],
                    1 => [0.1, 0.5, 0.4],
                    _ => [0.3, 0.3, 0.4],
                };
                let latency = 1e-3 * 10f64.powf((i % 150) as f64 / 10.0);
                m.observe(base + i as f64, &r, &p, latency);
            }
            for c in 0..40 {
                m.observe_error(&format!("E_{c:0>62}"), base + 1000.0);
            }
        }
    }

    #[test]
    fn a_window_stays_within_its_stated_bound() {
        let train = read_records(TRAIN).expect("train").records;
        let reference = reference();
        let config = MonitorConfig {
            history_size: 0, // alert history is bounded state of its own, not a window's
            ..config(48)
        };
        let bound = window_bytes_bound(&reference, &config, 3);
        let mut m = Monitor::new(reference, config, "mem").unwrap();
        fill(&mut m, &train, 1, 0); // total state at its size
        let before = live();
        fill(&mut m, &train, 47, 1);
        let per_window = (live() - before) as f64 / 47.0;
        let rep = m.report();
        assert_eq!(rep.windows.items.len(), 48);
        assert_eq!(
            rep.windows.items[3].errors.len(),
            16,
            "error codes are capped"
        );
        assert!(
            per_window <= bound as f64,
            "{per_window:.0} bytes per window measured, over the stated bound {bound}"
        );
        // Twice as many hours again: the oldest windows go, memory does not grow.
        let full = live();
        fill(&mut m, &train, 96, 48);
        let after = live();
        assert_eq!(m.report().windows.items.len(), 48);
        assert!(
            after <= full + bound as i64,
            "memory grew from {full} to {after} bytes with the window count at its limit"
        );
        println!(
            "penguins, 3 classes: {per_window:.0} bytes per window measured (worst case), bound \
             {bound}; 48 windows {} KiB",
            (full - before) / 1024
        );
    }
}
