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

/// `predict` and `transform` stream their input in chunks (4,096 rows): a file of several
/// chunks gives the same rows as one chunk would, in order; an invalid row far into the file
/// is named by its row and line, and leaves no partial output file; `--quiet` silences the
/// summary line (`predicted N rows in T s (R rows/s)`) that is printed otherwise.
#[test]
fn long_files_stream_in_chunks() {
    let d = std::env::temp_dir().join(format!("mlcycle-cli-stream-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let base = std::fs::read_to_string(format!("{DATA}/penguins_test.csv")).unwrap();
    let (head, body) = base.split_once('\n').unwrap();
    let body = body.trim_end();
    let copies = 100; // 104 rows each: 10,400 rows, three chunks
    let mut big = String::from(head);
    big.push('\n');
    for _ in 0..copies {
        big.push_str(body);
        big.push('\n');
    }
    let big_path = write(&d, "big.csv", &big);
    let (code, one, _) = predict(&format!("{DATA}/penguins_test.csv"), &["--quiet"], None);
    assert_eq!(code, 0);
    let out_path = d.join("big-pred.csv");
    let out_arg = out_path.to_str().unwrap().to_string();
    let (code, stdout, stderr) = predict(&big_path, &["--output", &out_arg], None);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("predicted 10400 rows in"),
        "summary line: {stderr}"
    );
    let got = std::fs::read_to_string(&out_path).unwrap();
    let (h1, rows1) = one.split_once('\n').unwrap();
    let (h2, rows2) = got.split_once('\n').unwrap();
    assert_eq!(h1, h2);
    assert_eq!(
        rows2,
        rows1.repeat(copies),
        "chunked output = the rows, in order"
    );
    // `transform` likewise, f32 and --f64.
    let spec = format!("{DATA}/penguins_features.json");
    for extra in [&[][..], &["--f64"][..]] {
        let mut args = vec!["transform", "--spec", &spec, "--quiet", "--input"];
        let small = format!("{DATA}/penguins_test.csv");
        args.push(&small);
        args.extend_from_slice(extra);
        let one = text(&mlcycle(&args, None).stdout);
        args[5] = &big_path;
        let out = mlcycle(&args, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "--quiet: {}", text(&out.stderr));
        let (h1, rows1) = one.split_once('\n').unwrap();
        let all = text(&out.stdout);
        let (h2, rows2) = all.split_once('\n').unwrap();
        assert_eq!((h1, rows2), (h2, rows1.repeat(copies).as_str()));
    }
    // `drift` streams too: 100 copies of the rows have the drift of one copy.
    let reference = d.join("reference.json");
    let train = format!("{DATA}/penguins_train.csv");
    let out = mlcycle(
        &[
            "profile",
            "--spec",
            &spec,
            "--input",
            &train,
            "--output",
            reference.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let drift = |input: &str| -> serde_json::Value {
        let out = mlcycle(
            &[
                "drift",
                "--reference",
                reference.to_str().unwrap(),
                "--input",
                input,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let (small, large) = (
        drift(&format!("{DATA}/penguins_test.csv")),
        drift(&big_path),
    );
    assert_eq!(
        (small["rows"].as_u64(), large["rows"].as_u64()),
        (Some(104), Some(10400))
    );
    assert_eq!(
        small["features"].as_array().map(Vec::len),
        large["features"].as_array().map(Vec::len)
    );
    for (a, b) in small["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(large["features"].as_array().unwrap())
    {
        for key in ["psi", "jsDistance", "ksStatistic"] {
            let (x, y) = (a[key].as_f64(), b[key].as_f64());
            assert!(
                x.zip(y).is_none_or(|(x, y)| (x - y).abs() < 1e-12) && x.is_some() == y.is_some(),
                "{} {key}: {x:?} vs {y:?}",
                a["name"]
            );
        }
    }
    // A bad row in the third chunk: named by row and line; no partial output file.
    let bad_row = 9000;
    let mut lines: Vec<&str> = big.lines().collect();
    let mut cells: Vec<&str> = lines[bad_row + 1].split(',').collect();
    cells[4] = "long"; // bill_length_mm
    let broken = cells.join(",");
    lines[bad_row + 1] = &broken;
    let bad_path = write(&d, "bad.csv", &(lines.join("\n") + "\n"));
    let failed = d.join("failed-pred.csv");
    let (code, _, stderr) = predict(&bad_path, &["--output", failed.to_str().unwrap()], None);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("row 9000 (line 9002)") && stderr.contains("bill_length_mm"),
        "{stderr}"
    );
    assert!(!failed.exists(), "no partial output");
    assert!(
        std::fs::read_dir(&d).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")),
        "the temporary file is removed"
    );
    std::fs::remove_dir_all(&d).unwrap();
}

/// An output that is not a regular file (a named pipe, `/dev/null`) is written in place, never
/// replaced through a temporary file and a rename (as root, that would turn `/dev/null` into a
/// regular file).
#[test]
fn special_file_outputs_are_written_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let d = std::env::temp_dir().join(format!("mlcycle-cli-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let fifo = d.join("out.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, _, stderr) = predict(
        &format!("{DATA}/penguins_test.csv"),
        &["--quiet", "--output", fifo.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let got = reader.join().unwrap();
    assert_eq!(
        got.lines().count(),
        105,
        "header + 104 rows through the pipe"
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    std::fs::remove_dir_all(&d).unwrap();
}
