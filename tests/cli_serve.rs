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
