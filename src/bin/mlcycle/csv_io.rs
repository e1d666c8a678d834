//! CSV helpers shared by the subcommands: how input CSVs are read (delimiter, missing-value
//! markers: global flags, one setting per run) and numeric rows in (tables out: stream.rs).

use anyhow::Result;
use mlcycle::features::{CsvOptions, CsvRecords};
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

/// Records whose every cell is a number (empty cells, missing markers and `NaN` are NaN), as
/// row-major f32 in `header` order; `first_row` numbers the lines in errors.
pub fn numeric_rows(
    header: &[String],
    records: &[mlcycle::Record],
    first_row: u64,
) -> Result<Vec<f32>> {
    let mut values = Vec::with_capacity(records.len() * header.len());
    for (r, record) in records.iter().enumerate() {
        for name in header {
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
                            line: Some(first_row + r as u64 + 2),
                            reason: format!("column `{name}`: `{cell}` is not a finite number"),
                        }
                        .into());
                    }
                }
            };
            values.push(v);
        }
    }
    Ok(values)
}

/// Quotes a CSV cell when it needs it.
pub fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
