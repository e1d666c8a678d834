//! `mlcycle serve`: a small static file server for the demo and for local registries.
//!
//! Serves a folder on 127.0.0.1 (loopback only by default) with the MIME types browsers insist
//! on (`application/wasm` enables streaming compilation), `ETag`/`If-None-Match` revalidation,
//! and `Cache-Control: no-cache` so a republished manifest is seen at once (artifacts are
//! content-verified by sha256 in the runtime, so revalidation is all the caching they need).
//! GET and HEAD only.
//!
//! Hostile clients cannot take it down or out of its folder: paths are confined to the root
//! *after* symlinks are resolved; the request head is capped at [`MAX_HEAD_BYTES`] (431 past
//! it) and must arrive, all of it, within `--head-timeout-secs` (10 s); at most [`MAX_CONNECTIONS`] are handled at once
//! (503 past it) and a thread that cannot be spawned is a 503, never an abort; files are
//! streamed, not read whole into memory.
//!
//! Precompressed siblings (`x.wasm.br`, `x.wasm.gz`, written by `make pkg`) are served to clients
//! that accept them: brotli before gzip before identity, honouring `q=0`; `Content-Encoding`,
//! `Vary: Accept-Encoding` and an ETag per encoding, `Content-Length` the bytes sent. A sibling
//! older than its original is stale and ignored. The MIME type stays the original's, so
//! `WebAssembly.compileStreaming` works on the decoded body. Nothing is compressed on the fly.

use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

/// Request line + headers, in bytes.
const MAX_HEAD_BYTES: u64 = 16 * 1024;
/// Connections handled at once; more get a 503.
const MAX_CONNECTIONS: usize = 64;
/// Time per write of the answer.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(clap::Args)]
pub struct Args {
    /// Folder to serve.
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Address to bind (keep it on loopback unless you mean to publish).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Page to open at `/` (relative to the root).
    #[arg(long, default_value = "www/index.html")]
    index: String,
    /// Seconds a client has to send its whole request head.
    #[arg(long, default_value_t = 10.0)]
    head_timeout_secs: f64,
}

fn mime(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file to serve: [`resolve`]d, then canonicalized (symlinks followed) and required to be
/// a regular file still inside the (canonical) root. `None`: answer 404, saying nothing about
/// what is outside.
fn confine(root: &Path, url_path: &str, index: &str) -> Option<(PathBuf, std::fs::Metadata)> {
    let path = resolve(root, url_path, index)?;
    let real = path.canonicalize().ok()?;
    if !real.starts_with(root) {
        return None;
    }
    let meta = std::fs::metadata(&real).ok().filter(|m| m.is_file())?;
    Some((real, meta))
}

/// Maps a URL path to a path under `root`, refusing `..`, absolute and prefixed components.
fn resolve(root: &Path, url_path: &str, index: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path)?;
    let rel = if decoded == "/" {
        index.to_string()
    } else {
        decoded.trim_start_matches('/').to_string()
    };
    let rel = Path::new(&rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut full = root.join(rel);
    if full.is_dir() {
        full = full.join("index.html");
    }
    Some(full)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
    head: bool,
) {
    let _ = write_head(stream, status, headers, body.len() as u64);
    if !head {
        let _ = stream.write_all(body);
    }
}

fn head_text(status: &str, headers: &[(&str, String)]) -> String {
    let mut msg = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        msg.push_str(&format!("{k}: {v}\r\n"));
    }
    msg
}

fn write_head(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    len: u64,
) -> std::io::Result<()> {
    let msg = head_text(status, headers) + &format!("Content-Length: {len}\r\n\r\n");
    stream.write_all(msg.as_bytes())
}

fn write_head_without_length(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
) -> std::io::Result<()> {
    stream.write_all((head_text(status, headers) + "\r\n").as_bytes())
}

/// What the request head says, or why it was refused.
enum Head {
    Request {
        method: String,
        target: String,
        if_none_match: Option<String>,
        accept_encoding: Option<String>,
    },
    TooLarge,
    Broken,
}

/// Reads the request line and headers: no more than [`MAX_HEAD_BYTES`], and all of it within
/// `timeout` in total (a client dripping a byte at a time cannot hold the slot longer).
fn read_head(stream: &mut TcpStream, timeout: Duration) -> Head {
    let deadline = std::time::Instant::now() + timeout;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let end = loop {
        if let Some(end) = find_end(&head) {
            break end;
        }
        if head.len() as u64 >= MAX_HEAD_BYTES {
            return Head::TooLarge;
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Head::Broken;
        }
        let room = (MAX_HEAD_BYTES as usize - head.len()).min(chunk.len());
        match stream.read(&mut chunk[..room]) {
            Ok(0) | Err(_) => return Head::Broken,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
    };
    let text = String::from_utf8_lossy(&head[..end]);
    let mut lines = text.lines();
    let request_line = lines.next().unwrap_or("");
    let headers: Vec<(&str, &str)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_string())
    };
    let mut parts = request_line.split_whitespace();
    Head::Request {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("/").to_string(),
        if_none_match: header("if-none-match"),
        accept_encoding: header("accept-encoding"),
    }
}

/// Where the head ends (the blank line), if it has arrived.
fn find_end(b: &[u8]) -> Option<usize> {
    b.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| b.windows(2).position(|w| w == b"\n\n"))
}

fn handle(mut stream: TcpStream, root: &Path, index: &str, head_timeout: Duration) {
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let (method, target, if_none_match, accept_encoding) =
        match read_head(&mut stream, head_timeout) {
            Head::Request {
                method,
                target,
                if_none_match,
                accept_encoding,
            } => (method, target, if_none_match, accept_encoding),
            Head::TooLarge => {
                respond(
                    &mut stream,
                    "431 Request Header Fields Too Large",
                    &[],
                    b"request head too large",
                    false,
                );
                linger(&mut stream);
                return;
            }
            Head::Broken => return,
        };
    let head = method == "HEAD";
    if method != "GET" && !head {
        respond(
            &mut stream,
            "405 Method Not Allowed",
            &[("Allow", "GET, HEAD".into())],
            b"",
            false,
        );
        return;
    }
    if resolve(root, &target, index).is_none() {
        respond(&mut stream, "400 Bad Request", &[], b"bad path", head);
        return;
    }
    let Some((path, meta)) = confine(root, &target, index) else {
        respond(
            &mut stream,
            "404 Not Found",
            &[("Content-Type", "text/plain".into())],
            b"not found",
            head,
        );
        return;
    };
    let (body_path, body_meta, encoding) =
        match precompressed(root, &path, &meta, accept_encoding.as_deref()) {
            Some((p, m, enc)) => (p, m, Some(enc)),
            None => (path.clone(), meta, None),
        };
    let mtime = body_meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let etag = match encoding {
        Some(enc) => format!("\"{:x}-{:x}-{enc}\"", body_meta.len(), mtime),
        None => format!("\"{:x}-{:x}\"", body_meta.len(), mtime),
    };
    let mut common = vec![
        ("Content-Type", mime(&path).to_string()),
        ("Cache-Control", "no-cache".to_string()),
        ("ETag", etag.clone()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ];
    if has_precompressed(root, &path) {
        common.push(("Vary", "Accept-Encoding".to_string()));
    }
    if let Some(enc) = encoding {
        common.push(("Content-Encoding", enc.to_string()));
    }
    if if_none_match.as_deref() == Some(etag.as_str()) {
        // No Content-Length: on a 304 it would claim the body's length (RFC 9110 §8.6).
        let _ = write_head_without_length(&mut stream, "304 Not Modified", &common);
        return;
    }
    match std::fs::File::open(&body_path) {
        Ok(file) => {
            if write_head(&mut stream, "200 OK", &common, body_meta.len()).is_ok() && !head {
                let _ = std::io::copy(&mut file.take(body_meta.len()), &mut stream);
            }
        }
        Err(_) => respond(
            &mut stream,
            "500 Internal Server Error",
            &[],
            b"read failed",
            head,
        ),
    }
}

/// Content codings with a precompressed sibling, best first: (coding, file suffix).
const CODINGS: [(&str, &str); 2] = [("br", "br"), ("gzip", "gz")];

/// The quality a client gives `coding` in its `Accept-Encoding` (RFC 9110 §12.5.3): its own
/// entry, else `*`, else 0. A malformed `q` counts as 0 (refused), never as 1.
fn accepted_quality(accept: &str, coding: &str) -> f32 {
    let mut star = None;
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim();
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
            .map(|v| {
                v.trim()
                    .parse::<f32>()
                    .ok()
                    .filter(|q| (0.0..=1.0).contains(q))
                    .unwrap_or(0.0)
            })
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q;
        }
        if name == "*" {
            star = Some(q);
        }
    }
    star.unwrap_or(0.0)
}

/// A sibling `path.<suffix>` that is confined like the original, a regular file, and not older
/// than the original (a stale one would serve old bytes under a fresh name).
fn sibling(
    root: &Path,
    path: &Path,
    meta: &std::fs::Metadata,
    suffix: &str,
) -> Option<(PathBuf, std::fs::Metadata)> {
    let mut name = path.file_name()?.to_os_string();
    name.push(".");
    name.push(suffix);
    let real = path.with_file_name(name).canonicalize().ok()?;
    if !real.starts_with(root) {
        return None;
    }
    let m = std::fs::metadata(&real).ok().filter(|m| m.is_file())?;
    match (m.modified(), meta.modified()) {
        (Ok(s), Ok(o)) if s >= o => Some((real, m)),
        _ => None,
    }
}

fn has_precompressed(root: &Path, path: &Path) -> bool {
    std::fs::metadata(path).ok().is_some_and(|meta| {
        CODINGS
            .iter()
            .any(|(_, suffix)| sibling(root, path, &meta, suffix).is_some())
    })
}

/// The best precompressed sibling the client accepts, with its coding; `None`: send the file.
fn precompressed(
    root: &Path,
    path: &Path,
    meta: &std::fs::Metadata,
    accept: Option<&str>,
) -> Option<(PathBuf, std::fs::Metadata, &'static str)> {
    let accept = accept?;
    let mut best: Option<(f32, PathBuf, std::fs::Metadata, &'static str)> = None;
    for (coding, suffix) in CODINGS {
        let q = accepted_quality(accept, coding);
        if q > 0.0 && best.as_ref().is_none_or(|b| q > b.0) {
            if let Some((p, m)) = sibling(root, path, meta, suffix) {
                best = Some((q, p, m, coding));
            }
        }
    }
    best.map(|(_, p, m, coding)| (p, m, coding))
}

/// Closes after an early answer without losing it: shuts down our side, then drains (a
/// bounded amount, for a bounded time) what the client is still sending, so the kernel does not
/// reset the connection — which would discard the answer — because unread data remained.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 4096];
    let mut left = 256 * 1024;
    while left > 0 {
        let time = deadline.saturating_duration_since(std::time::Instant::now());
        if time.is_zero() || stream.set_read_timeout(Some(time)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left -= n.min(left),
        }
    }
}

/// Releases a connection slot when its handler ends, however it ends.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    respond(
        &mut stream,
        "503 Service Unavailable",
        &[("Retry-After", "1".into())],
        b"busy",
        false,
    );
}

pub fn run(args: Args) -> Result<ExitCode> {
    let root = args
        .root
        .canonicalize()
        .with_context(|| format!("serving {}", args.root.display()))?;
    let listener = TcpListener::bind((args.host.as_str(), args.port))
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let addr = listener.local_addr()?;
    println!("mlcycle: serving {} at http://{addr}/", root.display());
    let _ = std::io::stdout().flush();
    if !(args.head_timeout_secs > 0.0 && args.head_timeout_secs <= 3600.0) {
        anyhow::bail!(mlcycle::Error::invalid_argument(
            "head-timeout-secs",
            "must be more than 0 and at most 3600"
        ));
    }
    let head_timeout = Duration::from_secs_f64(args.head_timeout_secs);
    let active = Arc::new(AtomicUsize::new(0));
    let root = Arc::new(root);
    let index: Arc<str> = args.index.into();
    for stream in listener.incoming().flatten() {
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            busy(stream);
            continue;
        }
        let slot = Slot(active.clone());
        let (root, index) = (root.clone(), index.clone());
        let Ok(fallback) = stream.try_clone() else {
            continue;
        };
        let spawned = std::thread::Builder::new().spawn(move || {
            let _slot = slot;
            handle(stream, &root, &index, head_timeout)
        });
        if spawned.is_err() {
            busy(fallback);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_root() {
        let root = Path::new("/srv");
        assert_eq!(
            resolve(root, "/a/b.js?x=1", "i.html"),
            Some(PathBuf::from("/srv/a/b.js"))
        );
        assert_eq!(resolve(root, "/../etc/passwd", "i.html"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd", "i.html"), None);
        assert_eq!(
            resolve(root, "/", "www/index.html"),
            Some(PathBuf::from("/srv/www/index.html"))
        );
        assert_eq!(mime(Path::new("x.wasm")), "application/wasm");
    }

    #[test]
    fn accept_encoding_qualities() {
        assert_eq!(accepted_quality("gzip, deflate, br, zstd", "br"), 1.0);
        assert_eq!(accepted_quality("gzip;q=0.5, br;q=0", "br"), 0.0);
        assert_eq!(accepted_quality("gzip;q=0.5, br;q=0", "gzip"), 0.5);
        assert_eq!(accepted_quality("*;q=0.3", "br"), 0.3);
        assert_eq!(accepted_quality("identity", "gzip"), 0.0);
        assert_eq!(accepted_quality("br;q=banana", "br"), 0.0);
        assert_eq!(accepted_quality("BR", "br"), 1.0);
    }

    #[test]
    fn symlinks_out_of_the_root_are_not_served() {
        let dir = std::env::temp_dir().join(format!("mlcycle-serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root/sub")).unwrap();
        std::fs::write(dir.join("secret.txt"), "secret").unwrap();
        std::fs::write(dir.join("root/ok.txt"), "ok").unwrap();
        let root = dir.join("root").canonicalize().unwrap();
        std::os::unix::fs::symlink(dir.join("secret.txt"), root.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(&dir, root.join("sub/up")).unwrap();
        std::os::unix::fs::symlink(root.join("ok.txt"), root.join("alias.txt")).unwrap();
        assert!(confine(&root, "/ok.txt", "i.html").is_some());
        assert!(
            confine(&root, "/alias.txt", "i.html").is_some(),
            "links inside stay"
        );
        assert!(confine(&root, "/leak.txt", "i.html").is_none());
        assert!(confine(&root, "/sub/up/secret.txt", "i.html").is_none());
        assert!(
            confine(&root, "/sub", "i.html").is_none(),
            "no index.html: 404"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
