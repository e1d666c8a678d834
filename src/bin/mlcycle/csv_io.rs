//! CSV helpers shared by the subcommands: how input CSVs are read (delimiter, missing-value
//! markers: global flags, one setting per run), numeric matrices in, tables out (`-`: stdout).

use anyhow::{Context, Result};
use mlcycle::features::{CsvOptions, CsvRecords};
use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

/// How input CSVs are read, for every subcommand.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CsvArgs {
    /// Delimiter of input CSVs: `,` `;` `tab` `|` or any one character (default: sniffed from
    /// the header line among comma, semicolon, tab and pipe).
    #[arg(long, global = true, value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// Cells read as missing values, comma-separated (default:
    /// NA,N/A,n/a,NaN,nan,-NaN,-nan,null,NULL,None,<NA>,#N/A,#NA; empty cells always are).
    /// `--na-values ''` keeps every marker as text.
    #[arg(long, global = true, value_delimiter = ',')]
    na_values: Option<Vec<String>>,
}

fn parse_delimiter(s: &str) -> std::result::Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "`{s}` is not a delimiter: give one ASCII character (`,` `;` `|`) or `tab`"
        )),
    }
}

static OPTIONS: OnceLock<CsvOptions> = OnceLock::new();

/// Sets how this run reads CSVs (once, from the command line).
pub fn configure(args: &CsvArgs) -> Result<()> {
    let mut options = CsvOptions {
        delimiter: args.delimiter,
        ..CsvOptions::default()
    };
    if let Some(na) = &args.na_values {
        options.na_values = na.iter().filter(|s| !s.is_empty()).cloned().collect();
    }
    let _ = OPTIONS.set(options);
    Ok(())
}

/// This run's CSV options.
pub fn options() -> CsvOptions {
    OPTIONS.get().cloned().unwrap_or_default()
}

/// Parses CSV text with this run's options.
pub fn parse(text: &str) -> mlcycle::Result<CsvRecords> {
    mlcycle::features::read_records_with(text, &options())
}

/// Reads and parses a CSV file (`-`: stdin) with this run's options.
pub fn read(path: &Path) -> Result<CsvRecords> {
    Ok(parse(&crate::fsio::read_text(path)?)?)
}

/// A numeric CSV: header names and row-major values.
pub struct Matrix {
    pub header: Vec<String>,
    pub values: Vec<f32>,
    pub rows: usize,
}

/// Reads a CSV whose every cell is a number (empty cells and `NaN` are NaN).
pub fn read_matrix(path: &Path) -> Result<Matrix> {
    // The library's reader: RFC 4180 quoting (a quoted `"1,5"` is one cell), line and column
    // caps, a cell count checked per row, the delimiter and missing markers of this run.
    let csv = read(path)?;
    let mut values = Vec::with_capacity(csv.records.len() * csv.header.len());
    for (r, record) in csv.records.iter().enumerate() {
        for name in &csv.header {
            let cell = match record.get(name) {
                Some(mlcycle::RawValue::Text(t)) => t.trim(),
                _ => "", // a missing-value marker
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

/// Writes a CSV table to `path`, or stdout when it is `None` or `-`.
pub fn write_table(path: Option<&Path>, header: &[String], rows: &[Vec<String>]) -> Result<()> {
    let mut out: Box<dyn Write> = match path.filter(|p| !crate::fsio::is_stdio(p)) {
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
