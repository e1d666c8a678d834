//! `mlcycle observe` + `mlcycle fleet merge` (issue 15): three devices each observe part of the
//! held-out penguins rows (with the model), their snapshots merged by a glob give exactly the
//! drift `mlcycle drift` computes on the whole file, the pooled class mix, and a text summary;
//! a pattern that matches nothing and a foreign snapshot are errors naming the input.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

use std::path::Path;
use std::process::{Command, Output};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn mlcycle(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mlcycle"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = mlcycle(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn devices_observe_and_the_fleet_merge_is_the_pooled_drift() {
    let d = std::env::temp_dir().join(format!("mlcycle-cli-fleet-{}", std::process::id()));
    let snaps = d.join("snapshots");
    std::fs::create_dir_all(&snaps).unwrap();
    let spec = format!("{DATA}/penguins_features.json");
    let model = format!("{DATA}/penguins_logreg.onnx");
    let reference = d.join("reference.json");
    ok(&[
        "profile",
        "--spec",
        &spec,
        "--input",
        &format!("{DATA}/penguins_train.csv"),
        "--model",
        &model,
        "--labels",
        "Adelie,Chinstrap,Gentoo",
        "--output",
        p(&reference),
    ]);
    let test = std::fs::read_to_string(format!("{DATA}/penguins_test.csv")).unwrap();
    let mut lines = test.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    for (i, part) in [&rows[..10], &rows[10..71], &rows[71..]].iter().enumerate() {
        let csv = d.join(format!("part{i}.csv"));
        std::fs::write(&csv, format!("{header}\n{}\n", part.join("\n"))).unwrap();
        ok(&[
            "observe",
            "--reference",
            p(&reference),
            "--input",
            p(&csv),
            "--model",
            &model,
            "--spec",
            &spec,
            "--labels",
            "Adelie,Chinstrap,Gentoo",
            "--device",
            &format!("dev{i}"),
            "--now-ms",
            "1764900000000",
            "--quiet",
            "--output",
            p(&snaps.join(format!("dev{i}.json"))),
        ]);
    }
    let pattern = format!("{}/*.json", snaps.display());
    let fleet: serde_json::Value =
        serde_json::from_str(&ok(&["fleet", "merge", "--input", &pattern])).unwrap();
    let whole: serde_json::Value = serde_json::from_str(&ok(&[
        "drift",
        "--reference",
        p(&reference),
        "--input",
        &format!("{DATA}/penguins_test.csv"),
        "--quiet",
    ]))
    .unwrap();
    assert_eq!(fleet["devices"], 3);
    assert_eq!(fleet["rows"], 104);
    assert_eq!(fleet["rows"], whole["rows"]);
    let (ff, wf) = (
        fleet["features"].as_array().unwrap(),
        whole["features"].as_array().unwrap(),
    );
    assert_eq!(ff.len(), wf.len());
    for (a, b) in ff.iter().zip(wf) {
        assert_eq!(a["name"], b["name"]);
        for key in [
            "psi",
            "jsDistance",
            "ksStatistic",
            "chi2PValue",
            "missingRate",
        ] {
            match (a[key].as_f64(), b[key].as_f64()) {
                (Some(x), Some(y)) => {
                    assert!((x - y).abs() < 1e-9, "{} {key}: {x} vs {y}", a["name"])
                }
                (x, y) => assert_eq!(x, y, "{} {key}", a["name"]),
            }
        }
        assert_eq!(a["status"], b["status"]);
    }
    let classes: u64 = fleet["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(classes, 104, "every row predicted once");
    assert_eq!(fleet["latencyMs"]["count"], 104);
    let text = ok(&["fleet", "merge", "--input", &pattern, "--format", "text"]);
    assert!(
        text.contains("fleet: 3 device(s)")
            && text.contains("body_mass_g")
            && text.contains("classes: Adelie"),
        "{text}"
    );

    let none = mlcycle(&[
        "fleet",
        "merge",
        "--input",
        &format!("{}/*.nothing", snaps.display()),
    ]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("matches no file"));
    // A snapshot of another reference: refused, naming the file.
    let other_ref = d.join("other-reference.json");
    ok(&[
        "profile",
        "--spec",
        &spec,
        "--input",
        &format!("{DATA}/penguins_test.csv"),
        "--output",
        p(&other_ref),
    ]);
    let foreign = d.join("foreign.json");
    ok(&[
        "observe",
        "--reference",
        p(&other_ref),
        "--input",
        &format!("{DATA}/penguins_test.csv"),
        "--now-ms",
        "0",
        "--quiet",
        "--output",
        p(&foreign),
    ]);
    let mixed = mlcycle(&["fleet", "merge", "--input", &pattern, p(&foreign)]);
    let err = String::from_utf8_lossy(&mixed.stderr);
    assert_eq!(mixed.status.code(), Some(2), "{err}");
    assert!(
        err.contains("E_SNAPSHOT") && err.contains("foreign.json"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// Windows from the CLI: devices observe rows at their own times (`--time-column`), and
/// `fleet merge --window latest` / `--window <start>` report one hour of the fleet — the drift
/// `mlcycle drift` computes on that hour's rows.
#[test]
fn fleet_merge_reports_one_window() {
    const T0: u64 = 1_795_996_800_000; // 2026-11-30T00:00:00Z
    const HOUR: u64 = 3_600_000;
    let d = std::env::temp_dir().join(format!("mlcycle-cli-windows-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let reference = d.join("reference.json");
    ok(&[
        "profile",
        "--spec",
        &format!("{DATA}/penguins_features.json"),
        "--input",
        &format!("{DATA}/penguins_train.csv"),
        "--output",
        p(&reference),
    ]);
    let test = std::fs::read_to_string(format!("{DATA}/penguins_train.csv")).unwrap();
    let mut lines = test.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    // Row j is observed in hour j % 3 by device j % 2.
    let mut hour1 = vec![header.to_string()];
    for dev in 0..2 {
        let mut csv = vec![format!("{header},ts")];
        for (j, r) in rows.iter().enumerate().filter(|(j, _)| j % 2 == dev) {
            let hour = (j % 3) as u64;
            csv.push(format!("{r},{}", T0 + hour * HOUR + j as u64 * 1000));
            if hour == 1 {
                hour1.push(r.to_string());
            }
        }
        std::fs::write(d.join(format!("dev{dev}.csv")), csv.join("\n") + "\n").unwrap();
        ok(&[
            "observe",
            "--reference",
            p(&reference),
            "--input",
            p(&d.join(format!("dev{dev}.csv"))),
            "--time-column",
            "ts",
            "--device",
            &format!("dev{dev}"),
            "--quiet",
            "--output",
            p(&d.join(format!("dev{dev}.json"))),
        ]);
    }
    std::fs::write(d.join("hour1.csv"), hour1.join("\n") + "\n").unwrap();
    let pattern = format!("{}/dev*.json", d.display());
    let json = |args: &[&str]| -> serde_json::Value { serde_json::from_str(&ok(args)).unwrap() };
    let latest = json(&["fleet", "merge", "--input", &pattern, "--window", "latest"]);
    let start = json(&[
        "fleet",
        "merge",
        "--input",
        &pattern,
        "--window",
        &(T0 + HOUR).to_string(),
    ]);
    let whole = json(&[
        "drift",
        "--reference",
        p(&reference),
        "--input",
        p(&d.join("hour1.csv")),
        "--quiet",
    ]);
    // The clock is in hour 2: hour 1 is the latest complete window.
    assert_eq!(
        latest["selectedWindowMs"].as_f64(),
        Some((T0 + HOUR) as f64)
    );
    assert_eq!(latest, start);
    assert_eq!(latest["windows"].as_array().unwrap().len(), 3);
    assert_eq!(latest["rows"], whole["rows"]);
    assert_eq!(latest["rows"].as_u64(), Some(hour1.len() as u64 - 1));
    for (a, b) in latest["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(whole["features"].as_array().unwrap())
    {
        let (x, y) = (a["psi"].as_f64().unwrap(), b["psi"].as_f64().unwrap());
        assert!((x - y).abs() < 1e-9, "{}: {x} vs {y}", a["name"]);
    }
    let text = ok(&[
        "fleet", "merge", "--input", &pattern, "--window", "latest", "--format", "text",
    ]);
    assert!(
        text.contains(&format!("window from {} ms", T0 + HOUR)) && text.contains("(filling)"),
        "{text}"
    );
    // A window the fleet does not have, a malformed one, a row without a time.
    for (window, says) in [("0", "no window starts at 0"), ("yesterday", "`yesterday`")] {
        let out = mlcycle(&["fleet", "merge", "--input", &pattern, "--window", window]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("E_INVALID_ARGUMENT") && err.contains(says),
            "{err}"
        );
    }
    std::fs::write(d.join("bad.csv"), format!("{header},ts\n{},\n", rows[0])).unwrap();
    let out = mlcycle(&[
        "observe",
        "--reference",
        p(&reference),
        "--input",
        p(&d.join("bad.csv")),
        "--time-column",
        "ts",
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("E_CSV") && err.contains("data row 1") && err.contains("`ts`"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).unwrap();
}
