//! `mlcycle serve`: a small static file server for the demo and for local registries.
//!
//! Serves a folder on 127.0.0.1 (loopback only by default) with the MIME types browsers insist
//! on (`application/wasm` enables streaming compilation), `ETag`/`If-None-Match` revalidation,
//! and `Cache-Control: no-cache` so a republished manifest is seen at once (artifacts are
//! content-verified by sha256 in the runtime, so revalidation is all the caching they need).
//! GET and HEAD only; paths are confined to the root.

use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

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

/// Maps a URL path to a file under `root`, refusing anything that escapes it.
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
    let mut msg = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        msg.push_str(&format!("{k}: {v}\r\n"));
    }
    msg.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let _ = stream.write_all(msg.as_bytes());
    if !head {
        let _ = stream.write_all(body);
    }
}

fn handle(mut stream: TcpStream, root: &Path, index: &str) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut if_none_match = None;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" || line == "\n" => break,
            Ok(_) => {
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("if-none-match") {
                        if_none_match = Some(v.trim().to_string());
                    }
                }
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
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
    let Some(path) = resolve(root, target, index) else {
        respond(&mut stream, "400 Bad Request", &[], b"bad path", head);
        return;
    };
    let meta = match std::fs::metadata(&path) {
        Ok(m) if m.is_file() => m,
        _ => {
            respond(
                &mut stream,
                "404 Not Found",
                &[("Content-Type", "text/plain".into())],
                b"not found",
                head,
            );
            return;
        }
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let etag = format!("\"{:x}-{:x}\"", meta.len(), mtime);
    let common = vec![
        ("Content-Type", mime(&path).to_string()),
        ("Cache-Control", "no-cache".to_string()),
        ("ETag", etag.clone()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ];
    if if_none_match.as_deref() == Some(etag.as_str()) {
        respond(&mut stream, "304 Not Modified", &common, b"", true);
        return;
    }
    match std::fs::read(&path) {
        Ok(body) => respond(&mut stream, "200 OK", &common, &body, head),
        Err(_) => respond(
            &mut stream,
            "500 Internal Server Error",
            &[],
            b"read failed",
            head,
        ),
    }
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
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        let index = args.index.clone();
        std::thread::spawn(move || handle(stream, &root, &index));
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
}
