//! Raw CSV → records, for the CLI and for wasm (no filesystem: the text comes in).
//!
//! RFC 4180 quoting (`"a, b"`, `""` for a quote) via the `csv` crate; the first row is the
//! header; every cell becomes [`RawValue::Text`], interpreted later by the field's type —
//! except the missing-value markers other tools write (`NA` from pandas and R, `NULL`, `#N/A`
//! from spreadsheets, …, see [`DEFAULT_NA_VALUES`]), which become [`RawValue::Null`].
//!
//! The delimiter is sniffed from the header line (comma, semicolon, tab or pipe: the one that
//! splits it most, outside quotes) unless given: a semicolon-separated export read as commas
//! would be one column, and every row would silently get the imputed constants.

use super::record::{RawValue, Record};
use crate::error::{Error, Result};
use std::collections::HashMap;

/// A parsed raw CSV: header and one record per data row.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvRecords {
    /// Column names, in file order.
    pub header: Vec<String>,
    /// One record per data row, in file order.
    pub records: Vec<Record>,
}

/// Longest physical line read (bytes). A hostile 64 MB line cost 2.1 GB once parsed into
/// records; with the cap, memory stays proportional to it rather than to the line.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Most columns a header may name.
pub const MAX_COLUMNS: usize = 10_000;

/// Cells that mean "missing" by default (pandas' `read_csv` list, without the empty cell, which
/// every field type already reads as missing). Compared after trimming, case-sensitively.
pub const DEFAULT_NA_VALUES: &[&str] = &[
    "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "null", "NULL", "None", "<NA>", "#N/A", "#NA",
];

/// Delimiters [`sniff_delimiter`] considers, in order of preference on a tie.
pub const SNIFFED_DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How to read a CSV.
#[derive(Clone, Debug, PartialEq)]
pub struct CsvOptions {
    /// Field delimiter; `None`: [`sniff_delimiter`].
    pub delimiter: Option<u8>,
    /// Cells (trimmed) read as missing values ([`RawValue::Null`]).
    pub na_values: Vec<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: None,
            na_values: DEFAULT_NA_VALUES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// The delimiter of CSV text: of comma, semicolon, tab and pipe, the one that occurs most in
/// the first non-empty line outside double quotes (comma when none does, or on a tie).
pub fn sniff_delimiter(text: &str) -> u8 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let line = text
        .split('\n')
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut counts = [0usize; SNIFFED_DELIMITERS.len()];
    let mut quoted = false;
    for b in line.bytes().take(MAX_LINE_BYTES) {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = SNIFFED_DELIMITERS.iter().position(|d| *d == b) {
                counts[i] += 1;
            }
        }
    }
    let mut best = 0;
    for i in 1..counts.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    SNIFFED_DELIMITERS[best]
}

/// [`read_records_with`] with the defaults: sniffed delimiter, [`DEFAULT_NA_VALUES`].
pub fn read_records(text: &str) -> Result<CsvRecords> {
    read_records_with(text, &CsvOptions::default())
}

/// Reads CSV text (header row first). Empty lines are skipped; a row with a different number
/// of cells than the header is an `E_CSV` error naming its line, and so is a line longer than
/// [`MAX_LINE_BYTES`] or a header of more than [`MAX_COLUMNS`] columns.
pub fn read_records_with(text: &str, options: &CsvOptions) -> Result<CsvRecords> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((i, line)) = text
        .split('\n')
        .enumerate()
        .find(|(_, l)| l.len() > MAX_LINE_BYTES)
    {
        return Err(Error::Csv {
            line: Some(i as u64 + 1),
            reason: format!(
                "the line is {} bytes long, over the {MAX_LINE_BYTES} a CSV line may take",
                line.len()
            ),
        });
    }
    let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(text));
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = reader.records();
    let header: Vec<String> = match rows.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_string()).collect(),
        Some(Err(e)) => return Err(csv_error(&e)),
        None => {
            return Err(Error::Csv {
                line: None,
                reason: "the input is empty (no header row)".into(),
            })
        }
    };
    if header.len() > MAX_COLUMNS {
        return Err(Error::Csv {
            line: Some(1),
            reason: format!(
                "the header has {} columns, over the {MAX_COLUMNS} allowed",
                header.len()
            ),
        });
    }
    let mut seen = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        if let Some(j) = seen.insert(h.as_str(), i) {
            return Err(Error::Csv {
                line: Some(1),
                reason: format!(
                    "column `{h}` appears twice (columns {} and {})",
                    j + 1,
                    i + 1
                ),
            });
        }
    }
    let mut records = Vec::new();
    for row in rows {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map(|p| p.line());
        if row.len() == 1 && row.get(0).is_some_and(|c| c.trim().is_empty()) && header.len() > 1 {
            continue;
        }
        if row.len() != header.len() {
            return Err(Error::Csv {
                line,
                reason: format!("{} cells, the header has {}", row.len(), header.len()),
            });
        }
        let mut rec = Record::new();
        for (h, c) in header.iter().zip(row.iter()) {
            let value = if options.na_values.iter().any(|na| na == c.trim()) {
                RawValue::Null
            } else {
                RawValue::Text(c.to_string())
            };
            rec.insert(h.clone(), value);
        }
        records.push(rec);
    }
    Ok(CsvRecords { header, records })
}

fn csv_error(e: &::csv::Error) -> Error {
    Error::Csv {
        line: e.position().map(|p| p.line()),
        reason: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_and_wide_headers_are_refused() {
        let long = format!("a,b\n1,{}\n", "9".repeat(MAX_LINE_BYTES + 1));
        let e = read_records(&long).unwrap_err();
        assert_eq!(e.code(), "E_CSV");
        assert!(e.to_string().contains("line 2"), "{e}");
        let wide = (0..=MAX_COLUMNS)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(",");
        assert!(read_records(&wide)
            .unwrap_err()
            .to_string()
            .contains("columns"));
        let empties = format!("a\n{}\n", ",".repeat(MAX_LINE_BYTES + 1));
        assert_eq!(read_records(&empties).unwrap_err().code(), "E_CSV");
    }

    #[test]
    fn quoted_cells_and_errors() {
        let r = read_records("a,b\n\"x, y\",\"q\"\"\"\n\n1,\n").unwrap();
        assert_eq!(r.header, vec!["a", "b"]);
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.records[0].get("a"), Some(&RawValue::Text("x, y".into())));
        assert_eq!(r.records[0].get("b"), Some(&RawValue::Text("q\"".into())));
        assert_eq!(r.records[1].get("b"), Some(&RawValue::Text(String::new())));
        assert!(matches!(
            read_records("a,b\n1\n"),
            Err(Error::Csv { line: Some(2), .. })
        ));
        assert!(matches!(read_records(""), Err(Error::Csv { .. })));
        assert!(matches!(read_records("a,a\n1,2\n"), Err(Error::Csv { .. })));
    }

    #[test]
    fn dialects_are_sniffed_or_given() {
        assert_eq!(sniff_delimiter("a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2,5;3"), b';', "decimal commas");
        assert_eq!(
            sniff_delimiter("\n\"x;y\",b,c\n"),
            b',',
            "quoted delimiters do not count"
        );
        assert_eq!(sniff_delimiter("a\tb\n1\t2"), b'\t');
        assert_eq!(sniff_delimiter("only"), b',');
        let r = read_records("x;y\n1,5;\"a;b\"\n").unwrap();
        assert_eq!(r.header, vec!["x", "y"]);
        assert_eq!(r.records[0].get("x"), Some(&RawValue::Text("1,5".into())));
        assert_eq!(r.records[0].get("y"), Some(&RawValue::Text("a;b".into())));
        let forced = CsvOptions {
            delimiter: Some(b','),
            ..CsvOptions::default()
        };
        assert_eq!(
            read_records_with("x;y\n1;2\n", &forced).unwrap().header,
            vec!["x;y"]
        );
    }

    #[test]
    fn missing_value_markers_are_null() {
        let r = read_records("a,b,c\nNA, NULL ,Biscoe\n#N/A,,n/a\n").unwrap();
        assert_eq!(r.records[0].get("a"), Some(&RawValue::Null));
        assert_eq!(r.records[0].get("b"), Some(&RawValue::Null), "trimmed");
        assert_eq!(
            r.records[0].get("c"),
            Some(&RawValue::Text("Biscoe".into()))
        );
        assert_eq!(r.records[1].get("a"), Some(&RawValue::Null));
        assert_eq!(r.records[1].get("b"), Some(&RawValue::Text(String::new())));
        let none = CsvOptions {
            na_values: vec![],
            ..CsvOptions::default()
        };
        let r = read_records_with("a\nNA\n", &none).unwrap();
        assert_eq!(r.records[0].get("a"), Some(&RawValue::Text("NA".into())));
    }
}
