//! The CLI on files as people have them: semicolon- and tab-separated exports (sniffed, or
//! `--delimiter`), a column the spec needs missing, `NA`-style missing markers (pandas, R,
//! spreadsheets; `--na-values`), and `-` for stdin/stdout. Never a silent wrong answer: a file
//! read with the wrong delimiter or without a column is an error naming the column, exit 2.
#![cfg(all(feature = "cli", not(target_arch = "wasm32")))]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn mlcycle(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlcycle"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `predict` with the penguins spec and model on `input`; (exit code, stdout, stderr).
fn predict(input: &str, extra: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let model = format!("{DATA}/penguins_logreg.onnx");
    let spec = format!("{DATA}/penguins_features.json");
    let mut args = vec![
        "predict", "--model", &model, "--spec", &spec, "--input", input,
    ];
    args.extend_from_slice(extra);
    let out = mlcycle(&args, stdin);
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("mlcycle-cli-files-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The penguins test set with another delimiter (cells never contain `;` or tabs).
fn with_delimiter(csv: &str, d: &str) -> String {
    csv.replace(',', d)
}

fn write(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p.display().to_string()
}

#[test]
fn dialects_missing_columns_na_markers_and_stdio() {
    let d = dir();
    let comma = std::fs::read_to_string(format!("{DATA}/penguins_test.csv")).unwrap();
    let (code, want, err) = predict(&format!("{DATA}/penguins_test.csv"), &[], None);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        want.lines().count(),
        comma.lines().count(),
        "a header and one line per row"
    );

    // Semicolon and tab exports are sniffed: the same predictions.
    let semi = write(&d, "semi.csv", &with_delimiter(&comma, ";"));
    let tab = write(&d, "tab.csv", &with_delimiter(&comma, "\t"));
    for f in [&semi, &tab] {
        let (code, got, err) = predict(f, &[], None);
        assert_eq!((code, got.as_str()), (0, want.as_str()), "{f}: {err}");
    }
    let (code, got, err) = predict(&semi, &["--delimiter", ";"], None);
    assert_eq!((code, got.as_str()), (0, want.as_str()), "{err}");
    let (code, got, err) = predict(&tab, &["--delimiter", "tab"], None);
    assert_eq!((code, got.as_str()), (0, want.as_str()), "{err}");

    // Read with the wrong delimiter it is one column: an error naming what is missing.
    let (code, out, err) = predict(&semi, &["--delimiter", ","], None);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("error[E_CSV]") && err.contains("island") && err.contains("`;`"),
        "{err}"
    );
    let (code, _, err) = predict(&semi, &["--delimiter", "ab"], None);
    assert_eq!(code, 2);
    assert!(err.contains("not a delimiter"), "{err}");

    // A column the spec needs is missing: E_CSV naming it, for every command that reads records.
    let no_mass: String = comma
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let no_mass = write(&d, "no_mass.csv", &no_mass);
    let (code, _, err) = predict(&no_mass, &[], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("error[E_CSV]") && err.contains("body_mass_g"),
        "{err}"
    );
    let spec = format!("{DATA}/penguins_features.json");
    for cmd in ["transform", "quality"] {
        let out = mlcycle(&[cmd, "--spec", &spec, "--input", &no_mass], None);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains("body_mass_g"),
            "{cmd}: {}",
            text(&out.stderr)
        );
    }

    // NA-style markers are missing values, as empty cells are (the spec imputes them).
    let mut empty_rows = String::from(comma.lines().next().unwrap());
    let mut na_rows = empty_rows.clone();
    for (i, marker) in ["NA", "NaN", "null", "N/A"].iter().enumerate() {
        let row = comma.lines().nth(i + 1).unwrap();
        let cells: Vec<&str> = row.split(',').collect();
        // bill_length_mm (column 4) missing.
        let with = |m: &str| {
            let mut c = cells.clone();
            c[4] = m;
            c.join(",")
        };
        empty_rows += &format!("\n{}", with(""));
        na_rows += &format!("\n{}", with(marker));
    }
    let empty_f = write(&d, "empty.csv", &(empty_rows + "\n"));
    let na_f = write(&d, "na.csv", &(na_rows + "\n"));
    let (code, from_empty, err) = predict(&empty_f, &[], None);
    assert_eq!(code, 0, "{err}");
    let (code, from_na, err) = predict(&na_f, &[], None);
    assert_eq!((code, from_na.as_str()), (0, from_empty.as_str()), "{err}");
    // ...unless told otherwise: then `NA` is text, not a number.
    let (code, _, err) = predict(&na_f, &["--na-values", ""], None);
    assert_eq!(code, 2);
    assert!(
        err.contains("error[E_FEATURE_INVALID]") && err.contains("bill_length_mm"),
        "{err}"
    );

    // `-` is stdin for inputs and stdout for outputs.
    let (code, got, err) = predict("-", &["--output", "-"], Some(&with_delimiter(&comma, ";")));
    assert_eq!((code, got.as_str()), (0, want.as_str()), "{err}");
    assert!(!Path::new("-").exists(), "no file named `-`");
    let out = mlcycle(
        &[
            "transform",
            "--spec",
            &spec,
            "--input",
            "-",
            "--output",
            "-",
        ],
        Some(&comma),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), comma.lines().count());
    let out = mlcycle(
        &["profile", "--spec", &spec, "--input", "-", "--output", "-"],
        Some(&comma),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"fields\""));
    let _ = std::fs::remove_dir_all(&d);
}
