//! Streaming CSV input and output for the long-running subcommands (`predict`, `transform`,
//! `drift`, `observe`): rows are read in chunks of [`CHUNK_ROWS`] and written as they are produced, so
//! memory is bounded by the chunk, not by the file (a 24 MB CSV used to take 790 MB). On a
//! terminal a progress bar (bytes of the input) runs on stderr; unless `--quiet`, the rows and
//! rows/s are printed on stderr at the end. File outputs are written to a sibling temporary
//! file and renamed into place on success, so a failed run never leaves half a table.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlcycle::features::{CsvStream, Record};
use std::io::{BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// Rows per chunk: large enough that per-chunk costs (a model run, a write) amortize.
pub const CHUNK_ROWS: usize = 4096;
/// Cells per chunk at most: a record holds a copy of each column name, so a very wide file
/// (10,000 columns) reads fewer rows per chunk and a chunk stays tens of MB.
pub const CHUNK_CELLS: usize = 1 << 18;

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no progress bar, no summary line.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Counts the bytes read through it (the progress bar's position).
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A CSV input read chunk by chunk.
pub struct Input {
    stream: CsvStream<Counting<Box<dyn Read>>>,
    read: Arc<AtomicU64>,
    bar: Option<ProgressBar>,
    started: Instant,
}

/// Opens a CSV file (`-`: stdin) for streaming with this run's CSV options; the header is read.
pub fn open(path: &Path) -> Result<Input> {
    let io_error = |e: std::io::Error| mlcycle::Error::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let (source, total): (Box<dyn Read>, Option<u64>) = if crate::fsio::is_stdio(path) {
        (
            Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
            None,
        )
    } else {
        let file = std::fs::File::open(path).map_err(io_error)?;
        let len = file.metadata().ok().map(|m| m.len());
        (Box::new(BufReader::with_capacity(1 << 16, file)), len)
    };
    let read = Arc::new(AtomicU64::new(0));
    let counting = Counting {
        inner: source,
        read: Arc::clone(&read),
    };
    let stream = CsvStream::new(counting, &crate::csv_io::options())?;
    let bar = (!quiet() && std::io::stderr().is_terminal()).then(|| match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {msg} ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
            ProgressStyle::with_template("{spinner} {bytes} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    });
    Ok(Input {
        stream,
        read,
        bar,
        started: Instant::now(),
    })
}

impl Input {
    /// Column names, in file order.
    pub fn header(&self) -> &[String] {
        self.stream.header()
    }

    /// Data rows read so far.
    pub fn rows(&self) -> u64 {
        self.stream.rows()
    }

    /// The next chunk of records (empty at the end).
    pub fn next_chunk(&mut self) -> Result<Vec<Record>> {
        let width = self.stream.header().len().max(1);
        let rows = (CHUNK_CELLS / width).clamp(1, CHUNK_ROWS);
        let chunk = self.stream.next_chunk(rows)?;
        if let Some(bar) = &self.bar {
            bar.set_position(self.read.load(Ordering::Relaxed));
            bar.set_message(format!("{} rows", self.stream.rows()));
        }
        Ok(chunk)
    }

    /// Clears the bar and prints `<verb> N rows in T s (R rows/s)` unless quiet.
    pub fn finish(self, verb: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if quiet() {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64();
        let rows = self.stream.rows();
        let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
        eprintln!("{verb} {rows} rows in {secs:.2} s ({rate:.0} rows/s)");
    }
}

/// A CSV table written row by row to a file (through a temporary sibling, renamed into place
/// by [`Output::finish`]) or to stdout (`None` or `-`).
pub struct Output {
    out: Box<dyn Write>,
    rename: Option<(PathBuf, PathBuf)>,
}

/// Creates the output and writes its header line.
pub fn create(path: Option<&Path>, header: &[String]) -> Result<Output> {
    let (out, rename): (Box<dyn Write>, _) = match path.filter(|p| !crate::fsio::is_stdio(p)) {
        // Not a regular file (`/dev/null`, a named pipe): written in place.
        Some(p) if p.exists() && !p.is_file() => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(p)
                .with_context(|| format!("opening {}", p.display()))?;
            (
                Box::new(std::io::BufWriter::new(file)) as Box<dyn Write>,
                None,
            )
        }
        Some(p) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "output".into());
            // Unique per run, never an existing file or a planted symlink (create_new).
            let tmp = p.with_file_name(format!(".{name}.{}.partial", std::process::id()));
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            (
                Box::new(std::io::BufWriter::new(file)),
                Some((tmp, p.to_path_buf())),
            )
        }
        None => (
            Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            None,
        ),
    };
    let mut output = Output { out, rename };
    output.row(header)?;
    Ok(output)
}

impl Output {
    /// Writes one row (cells already quoted where needed).
    pub fn row(&mut self, cells: &[String]) -> Result<()> {
        writeln!(self.out, "{}", cells.join(","))?;
        Ok(())
    }

    /// Flushes and moves a file output into place.
    pub fn finish(mut self) -> Result<()> {
        self.out.flush()?;
        if let Some((tmp, path)) = self.rename.take() {
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("moving {} to {}", tmp.display(), path.display()))?;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        // Not finished: an error stopped the run; leave no partial table behind.
        if let Some((tmp, _)) = self.rename.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}
