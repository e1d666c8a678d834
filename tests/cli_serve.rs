//! `mlcycle serve` against hostile clients: a symlink out of the root is a 404, a request head
//! that never ends is a 431 (not unbounded memory), a flood of idle connections gets 503s, and
//! the server keeps answering well-formed requests through all of it.
#![cfg(all(feature = "cli", unix, not(target_arch = "wasm32")))]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(root: &std::path::Path) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlcycle"))
        .args([
            "serve",
            "--root",
            root.to_str().unwrap(),
            "--port",
            "0",
            "--index",
            "index.html",
            "--head-timeout-secs",
            "1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start mlcycle serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.trim().strip_suffix('/'))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();
    Server { child, addr }
}

/// Sends `request` and returns the status line.
fn status(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn get(addr: &str, path: &str) -> String {
    status(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes(),
    )
}

#[test]
fn hostile_clients_neither_escape_nor_exhaust_the_server() {
    let dir = std::env::temp_dir().join(format!("mlcycle-cli-serve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("root")).unwrap();
    std::fs::write(dir.join("secret.txt"), "secret").unwrap();
    std::fs::write(dir.join("root/index.html"), "<p>hi</p>").unwrap();
    std::os::unix::fs::symlink(dir.join("secret.txt"), dir.join("root/leak.txt")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("root/up")).unwrap();
    let server = start(&dir.join("root"));
    let addr = server.addr.as_str();

    assert!(get(addr, "/").contains("200"), "{}", get(addr, "/"));
    assert!(get(addr, "/leak.txt").contains("404"));
    assert!(get(addr, "/up/secret.txt").contains("404"));
    assert!(get(addr, "/../secret.txt").contains("400"));

    // A header line past the cap: refused, not buffered; a 1 MiB one does not hurt either.
    let long = |n: usize| {
        let mut r = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
        r.extend(std::iter::repeat_n(b'a', n));
        r
    };
    let refused = status(addr, &long(20 * 1024));
    assert!(refused.contains("431"), "{refused}");
    let _ = status(addr, &long(1 << 20));
    assert!(get(addr, "/").contains("200"));

    // A client dripping its head a byte at a time is cut off at the head deadline (1 s here),
    // not kept as long as it keeps dripping.
    let mut drip = TcpStream::connect(addr).unwrap();
    let t0 = std::time::Instant::now();
    let mut closed = false;
    for b in b"GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
        if drip.write_all(&[*b]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(150));
        if t0.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    drip.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 16];
    let eof = matches!(drip.read(&mut buf), Ok(0) | Err(_));
    assert!(closed || eof, "the dripping client was not cut off");
    assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());

    // 100 idle connections (within the listen backlog, beyond the 64 handled): the ones past the limit get 503 at once, and when they go away the
    // server answers again.
    let idle: Vec<TcpStream> = (0..100)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let busy = get(addr, "/");
    assert!(busy.contains("503"), "{busy}");
    drop(idle);
    let mut ok = String::new();
    for _ in 0..50 {
        ok = get(addr, "/");
        if ok.contains("200") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(ok.contains("200"), "{ok}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends `request` and returns the head (status line and headers, lower-cased names) and body.
fn exchange(addr: &str, request: &str) -> (String, Vec<(String, String)>, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let end = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8_lossy(&out[..end]).to_string();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, out[end + 4..].to_vec())
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn precompressed_siblings_are_served_to_clients_that_accept_them() {
    let dir = std::env::temp_dir().join(format!("mlcycle-cli-serve-enc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let original = vec![7u8; 5000];
    std::fs::write(dir.join("m.wasm"), &original).unwrap();
    std::fs::write(dir.join("m.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("m.wasm.gz"), b"gzip bytes, a little longer").unwrap();
    std::fs::write(dir.join("plain.js"), b"export {}").unwrap();
    std::fs::write(dir.join("old.js"), b"export const fresh = 1").unwrap();
    std::fs::write(dir.join("old.js.br"), b"stale").unwrap();
    let past = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(dir.join("old.js.br"))
        .unwrap()
        .set_modified(past)
        .unwrap();
    let server = start(&dir);
    let ask = |path: &str, accept: Option<&str>| {
        let extra = accept
            .map(|a| format!("Accept-Encoding: {a}\r\n"))
            .unwrap_or_default();
        exchange(
            &server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n"),
        )
    };

    let (status, h, body) = ask("/m.wasm", Some("gzip, deflate, br, zstd"));
    assert!(status.contains("200"), "{status}");
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    assert_eq!(header(&h, "content-length"), Some("12"));
    assert_eq!(header(&h, "content-type"), Some("application/wasm"));
    assert_eq!(header(&h, "vary"), Some("Accept-Encoding"));
    assert_eq!(body, b"brotli bytes");
    let br_etag = header(&h, "etag").unwrap().to_string();

    let (_, h, body) = ask("/m.wasm", Some("gzip"));
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));
    assert_eq!(body, b"gzip bytes, a little longer");
    let gz_etag = header(&h, "etag").unwrap().to_string();
    let (_, h, _) = ask("/m.wasm", Some("br;q=0, gzip;q=0.8"));
    assert_eq!(
        header(&h, "content-encoding"),
        Some("gzip"),
        "q=0 refuses br"
    );
    let (_, h, _) = ask("/m.wasm", Some("br;q=0.2, gzip;q=0.9"));
    assert_eq!(
        header(&h, "content-encoding"),
        Some("gzip"),
        "the higher q wins"
    );

    let (_, h, body) = ask("/m.wasm", None);
    assert_eq!(header(&h, "content-encoding"), None);
    assert_eq!(header(&h, "vary"), Some("Accept-Encoding"));
    assert_eq!(body, original);
    let identity_etag = header(&h, "etag").unwrap().to_string();
    assert!(br_etag != gz_etag && gz_etag != identity_etag && br_etag != identity_etag);

    // Revalidation is per encoding: the brotli ETag is not a match for the identity body.
    let (status, h, _) = exchange(
        &server.addr,
        &format!("GET /m.wasm HTTP/1.1\r\nAccept-Encoding: br\r\nIf-None-Match: {br_etag}\r\n\r\n"),
    );
    assert!(status.contains("304"), "{status}");
    assert_eq!(header(&h, "content-length"), None, "a 304 claims no length");
    assert_eq!(header(&h, "vary"), Some("Accept-Encoding"));
    let (status, _, _) = exchange(
        &server.addr,
        &format!("GET /m.wasm HTTP/1.1\r\nIf-None-Match: {br_etag}\r\n\r\n"),
    );
    assert!(status.contains("200"), "{status}");

    // HEAD (what `curl -I` sends) gives the sizes without a body.
    let (_, h, body) = exchange(
        &server.addr,
        "HEAD /m.wasm HTTP/1.1\r\nAccept-Encoding: br\r\n\r\n",
    );
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    assert_eq!(header(&h, "content-length"), Some("12"));
    assert!(body.is_empty());

    let (_, h, _) = ask("/plain.js", Some("br"));
    assert_eq!(header(&h, "content-encoding"), None);
    assert_eq!(header(&h, "vary"), None, "nothing to vary on");
    let (_, h, body) = ask("/old.js", Some("br"));
    assert_eq!(
        header(&h, "content-encoding"),
        None,
        "a stale sibling is ignored"
    );
    assert_eq!(body, b"export const fresh = 1");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
