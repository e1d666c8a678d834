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
