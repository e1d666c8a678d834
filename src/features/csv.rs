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

/// Reads CSV text (header row first). Empty lines are skipped; a row with a different number
/// of cells than the header is an `E_CSV` error naming its line.
pub fn read_records(text: &str) -> Result<CsvRecords> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
