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
use std::io::{Chain, Cursor, Read};

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
    let mut stream = CsvStream::new(text.as_bytes(), options)?;
    let mut records = Vec::new();
    while let Some(rec) = stream.next_record()? {
        records.push(rec);
    }
    Ok(CsvRecords {
        header: stream.header,
        records,
    })
}

/// A CSV read record by record from any byte source (a file, stdin, a slice), so a caller can
/// process a file of any size in bounded memory: the same dialect, checks and missing-value
/// markers as [`read_records_with`], which is this reader run to the end.
pub struct CsvStream<R: Read> {
    reader: ::csv::Reader<LineCap<Chain<Cursor<Vec<u8>>, R>>>,
    header: Vec<String>,
    na_values: Vec<String>,
    row: ::csv::StringRecord,
    rows: u64,
}

impl<R: Read> std::fmt::Debug for CsvStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvStream")
            .field("header", &self.header)
            .field("rows", &self.rows)
            .finish()
    }
}

impl<R: Read> CsvStream<R> {
    /// Reads the header (sniffing the delimiter from it unless `options` gives one).
    pub fn new(mut source: R, options: &CsvOptions) -> Result<CsvStream<R>> {
        // The lines up to the first non-empty one, for the sniffer; replayed to the parser.
        // Leading blank lines count against the cap too (a file of blank lines is not held).
        let mut head = Vec::new();
        let mut line_no = 0u64;
        loop {
            let start = head.len();
            let n = read_line(&mut source, &mut head)?;
            line_no += 1;
            if start == 0 && head.starts_with(b"\xef\xbb\xbf") {
                head.drain(..3);
            }
            let line = head.get(start..).unwrap_or_default();
            let content = line.strip_suffix(b"\n").unwrap_or(line);
            if content.len() > MAX_LINE_BYTES || head.len() > 2 * MAX_LINE_BYTES {
                return Err(long_line(line_no));
            }
            if n == 0 || !content.iter().all(u8::is_ascii_whitespace) {
                break;
            }
        }
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| sniff_delimiter(&String::from_utf8_lossy(&head)));
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(LineCap::new(Cursor::new(head).chain(source), delimiter));
        let mut first = ::csv::StringRecord::new();
        let got = reader
            .read_record(&mut first)
            .map_err(|e| stream_error(&reader, &e))?;
        if !got {
            return Err(Error::Csv {
                line: None,
                reason: "the input is empty (no header row)".into(),
            });
        }
        let header: Vec<String> = first.iter().map(|s| s.trim().to_string()).collect();
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
        Ok(CsvStream {
            reader,
            header,
            na_values: options.na_values.clone(),
            row: ::csv::StringRecord::new(),
            rows: 0,
        })
    }

    /// Column names, in file order.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Data rows read so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The next data row as a record (`None` at the end). Empty lines are skipped.
    pub fn next_record(&mut self) -> Result<Option<Record>> {
        loop {
            let got = self
                .reader
                .read_record(&mut self.row)
                .map_err(|e| stream_error(&self.reader, &e))?;
            if !got {
                return Ok(None);
            }
            let row = &self.row;
            if row.len() == 1
                && row.get(0).is_some_and(|c| c.trim().is_empty())
                && self.header.len() > 1
            {
                continue;
            }
            if row.len() != self.header.len() {
                return Err(Error::Csv {
                    line: row.position().map(|p| p.line()),
                    reason: format!("{} cells, the header has {}", row.len(), self.header.len()),
                });
            }
            let mut rec = Record::new();
            for (h, c) in self.header.iter().zip(row.iter()) {
                let value = if self.na_values.iter().any(|na| na == c.trim()) {
                    RawValue::Null
                } else {
                    RawValue::Text(c.to_string())
                };
                rec.insert(h.clone(), value);
            }
            self.rows += 1;
            return Ok(Some(rec));
        }
    }

    /// Up to `max` next records (fewer only at the end; empty when done).
    pub fn next_chunk(&mut self, max: usize) -> Result<Vec<Record>> {
        let mut out = Vec::with_capacity(max.min(1 << 16));
        while out.len() < max {
            match self.next_record()? {
                Some(r) => out.push(r),
                None => break,
            }
        }
        Ok(out)
    }
}

/// Appends one line (through its `\n`) of `source` to `buf`, reading at most one byte past
/// [`MAX_LINE_BYTES`]; returns the bytes read (0 at the end).
fn read_line<R: Read>(source: &mut R, buf: &mut Vec<u8>) -> Result<usize> {
    let mut n = 0;
    let mut byte = [0u8; 1];
    while n <= MAX_LINE_BYTES {
        match source.read(&mut byte) {
            Ok(0) => break,
            Ok(_) => {
                n += 1;
                buf.push(byte[0]);
                if byte[0] == b'\n' {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::Csv {
                    line: None,
                    reason: format!("reading the input failed: {e}"),
                })
            }
        }
    }
    Ok(n)
}

fn long_line(line: u64) -> Error {
    Error::Csv {
        line: Some(line),
        reason: format!("the line is over the {MAX_LINE_BYTES} bytes a CSV line may take"),
    }
}

/// A parse error, or the line cap that stopped the source.
fn stream_error<R: Read>(reader: &::csv::Reader<LineCap<R>>, e: &::csv::Error) -> Error {
    match reader.get_ref().over {
        Some(line) => long_line(line),
        None => csv_error(e),
    }
}

/// A byte source that fails once a line exceeds [`MAX_LINE_BYTES`] (the CSV parser would
/// otherwise buffer a hostile gigabyte-long line whole), remembering which line. A newline
/// inside double quotes does not end the count: a quoted cell spanning millions of short lines
/// is one record, and capped like one line. Quotes are read as RFC 4180 and the `csv` crate
/// read them: only a quote that opens a field starts a quoted cell (`12"` is text).
struct LineCap<R> {
    inner: R,
    delimiter: u8,
    line: u64,
    len: usize,
    at_field_start: bool,
    quoted: bool,
    pending_quote: bool,
    over: Option<u64>,
}

impl<R> LineCap<R> {
    fn new(inner: R, delimiter: u8) -> LineCap<R> {
        LineCap {
            inner,
            delimiter,
            line: 1,
            len: 0,
            at_field_start: true,
            quoted: false,
            pending_quote: false,
            over: None,
        }
    }

    /// Follows one byte; whether the current line (record) is over the cap.
    fn step(&mut self, b: u8) -> bool {
        if b == b'\n' {
            self.line += 1;
        }
        if self.quoted {
            if self.pending_quote {
                self.pending_quote = false;
                if b != b'"' {
                    self.quoted = false; // the quote closed the cell; `b` is outside it
                }
            } else if b == b'"' {
                self.pending_quote = true;
            }
        }
        if !self.quoted {
            if b == b'\n' {
                self.len = 0;
                self.at_field_start = true;
                return false;
            }
            if b == self.delimiter {
                self.at_field_start = true;
            } else if b == b'"' && self.at_field_start {
                self.quoted = true;
                self.at_field_start = false;
            } else {
                self.at_field_start = false;
            }
        }
        self.len += 1;
        self.len > MAX_LINE_BYTES
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.over.is_some() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "line too long",
            ));
        }
        let n = self.inner.read(buf)?;
        for b in buf.get(..n).unwrap_or_default() {
            if self.step(*b) {
                self.over = Some(self.line);
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "line too long",
                ));
            }
        }
        Ok(n)
    }
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

    /// Reads one byte per call, as a slow pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((b, rest)), Some(slot)) => {
                    *slot = *b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn a_stream_reads_what_the_text_reader_reads_in_chunks() {
        let text = "\u{feff}x;y\n1;a\n\n2;\"b;\nc\"\nNA;d\n";
        let all = read_records(text).unwrap();
        assert_eq!(all.records.len(), 3);
        let mut s = CsvStream::new(Trickle(text.as_bytes()), &CsvOptions::default()).unwrap();
        assert_eq!(s.header(), all.header.as_slice());
        let a = s.next_chunk(2).unwrap();
        let b = s.next_chunk(2).unwrap();
        assert_eq!((a.len(), b.len()), (2, 1));
        assert!(s.next_chunk(2).unwrap().is_empty());
        assert_eq!(s.rows(), 3);
        assert_eq!([a, b].concat(), all.records);
        let long = format!("a,b\n1,2\n3,{}\n", "9".repeat(MAX_LINE_BYTES + 10));
        let mut s = CsvStream::new(Trickle(long.as_bytes()), &CsvOptions::default()).unwrap();
        assert!(
            s.next_record().unwrap().is_some(),
            "rows before the long line are read"
        );
        let e = s.next_record().unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
    }

    #[test]
    fn quoted_cells_spanning_lines_are_capped_and_stray_quotes_are_text() {
        let lines = "x\n".repeat(MAX_LINE_BYTES / 2 + 1);
        let quoted = format!("a,b\n1,\"{lines}\"\n");
        let mut s = CsvStream::new(quoted.as_bytes(), &CsvOptions::default()).unwrap();
        let e = s.next_record().unwrap_err();
        assert!(e.to_string().contains("over the"), "{e}");
        // `12"` opens no quoted cell: a megabyte of ordinary lines after it reads fine.
        let stray = format!("a,b\n1,12\"\n{}", "2,3\n".repeat(MAX_LINE_BYTES / 3));
        let r = read_records(&stray).unwrap();
        assert_eq!(r.records.len(), 1 + MAX_LINE_BYTES / 3);
        assert_eq!(r.records[0].get("b"), Some(&RawValue::Text("12\"".into())));
        // Blank lines before the header: bounded, and the header after them is sniffed.
        assert_eq!(
            read_records("\u{feff}\n\nx;y\n1;2\n").unwrap().header,
            vec!["x", "y"]
        );
        let blank = "\n".repeat(3 * MAX_LINE_BYTES);
        assert_eq!(read_records(&blank).unwrap_err().code(), "E_CSV");
        // A header of exactly the cap is accepted.
        let wide = format!("{}\n1\n", "h".repeat(MAX_LINE_BYTES));
        assert_eq!(read_records(&wide).unwrap().records.len(), 1);
    }
}
