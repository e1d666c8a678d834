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
    // The library's reader: RFC 4180 quoting (a quoted `"1,5"` is one cell), line and column
    // caps, a cell count checked per row.
    let csv = mlcycle::features::read_records(&text)?;
    let mut values = Vec::with_capacity(csv.records.len() * csv.header.len());
    for (r, record) in csv.records.iter().enumerate() {
        for name in &csv.header {
            let cell = match record.get(name) {
                Some(mlcycle::RawValue::Text(t)) => t.trim(),
                _ => "",
            };
            let v = if cell.is_empty() || cell.eq_ignore_ascii_case("nan") {
                f32::NAN
            } else {
                match cell.parse::<f32>() {
                    Ok(v) if v.is_finite() => v,
                    _ => {
                        return Err(mlcycle::Error::Csv {
                            // Data row r is line r + 2 when no blank line precedes it.
                            line: Some(r as u64 + 2),
                            reason: format!("column `{name}`: `{cell}` is not a finite number"),
                        }
                        .into());
                    }
                }
            };
            values.push(v);
        }
    }
    Ok(Matrix {
        rows: csv.records.len(),
        header: csv.header,
        values,
    })
}

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
