//! Small CSV helpers shared by the subcommands (numeric matrices in, tables out).

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// A numeric CSV: header names and row-major values.
pub struct Matrix {
    pub header: Vec<String>,
    pub values: Vec<f32>,
    pub rows: usize,
}

/// Reads a CSV whose every cell is a number (empty cells and `NaN` are NaN).
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    let text = std::fs::read_to_string(path).map_err(|e| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, head) = lines.next().ok_or_else(|| mlcycle::Error::Csv {
        line: None,
        reason: "the file is empty".into(),
    })?;
    let header: Vec<String> = head
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .collect();
    let mut values = Vec::new();
    let mut rows = 0;
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != header.len() {
            return Err(mlcycle::Error::Csv {
                line: Some(i as u64 + 1),
                reason: format!("{} cells, the header has {}", cells.len(), header.len()),
            }
            .into());
        }
        for (c, cell) in cells.iter().enumerate() {
            let cell = cell.trim().trim_matches('"');
            let v = if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
                f32::NAN
            } else {
                cell.parse::<f32>().map_err(|_| mlcycle::Error::Csv {
                    line: Some(i as u64 + 1),
                    reason: format!("column `{}`: `{cell}` is not a number", header[c]),
                })?
            };
            values.push(v);
        }
        rows += 1;
    }
    Ok(Matrix {
        header,
        values,
        rows,
    })
}

/// Writes a table to `path`, or to stdout when `path` is None.
pub fn write_table(path: Option<&Path>, header: &[String], rows: &[Vec<String>]) -> Result<()> {
    let mut out: Box<dyn Write> = match path {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    writeln!(out, "{}", header.join(","))?;
    for r in rows {
        writeln!(out, "{}", r.join(","))?;
    }
    out.flush()?;
    Ok(())
}

/// Quotes a CSV cell when it needs it.
pub fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
