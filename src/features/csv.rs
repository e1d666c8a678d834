//! Raw CSV → records, for the CLI and for wasm (no filesystem: the text comes in).
//!
//! RFC 4180 quoting (`"a, b"`, `""` for a quote) via the `csv` crate; the first row is the
//! header; every cell becomes [`RawValue::Text`], interpreted later by the field's type.

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

/// Reads CSV text (header row first). Empty lines are skipped; a row with a different number
/// of cells than the header is an `E_CSV` error naming its line, and so is a line longer than
/// [`MAX_LINE_BYTES`] or a header of more than [`MAX_COLUMNS`] columns.
pub fn read_records(text: &str) -> Result<CsvRecords> {
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
    let mut reader = ::csv::ReaderBuilder::new()
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
            rec.insert(h.clone(), RawValue::Text(c.to_string()));
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
}
