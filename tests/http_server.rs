//! The tests' own HTTP server (tests/common/http_server.rs), checked with raw requests so that
//! what the client tests rely on (ranges, validators, failures, the log) is itself tested.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::http_server::{HttpServer, LAST_MODIFIED, Route};

/// A raw response: status, lower-cased headers, body bytes received until the server closed.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

fn parse(bytes: &[u8]) -> Raw {
    let split = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("no head end"));
    let head = String::from_utf8_lossy(&bytes[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Raw { status, headers, body: bytes[split + 4..].to_vec() }
}

/// Sends one request with `Connection: close` and reads everything.
fn request(server: &HttpServer, method: &str, path: &str, headers: &[(&str, &str)]) -> Raw {
    let mut s = TcpStream::connect(server.addr()).unwrap_or_else(|e| panic!("connect: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap_or_else(|e| panic!("{e}"));
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", server.addr());
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap_or_else(|e| panic!("write: {e}"));
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    parse(&all)
}

fn get(server: &HttpServer, path: &str) -> Raw {
    request(server, "GET", path, &[])
}

#[test]
fn serves_bytes_with_validators_and_logs_the_request() {
    let server = HttpServer::start();
    server.file("/a.txt", b"hello world".to_vec());
    let r = request(&server, "GET", "/a.txt", &[("User-Agent", "t/1")]);
    assert_eq!(r.status, 200);
    assert_eq!(r.body, b"hello world");
    assert_eq!(r.header("content-length"), Some("11"));
    assert_eq!(r.header("last-modified"), Some(LAST_MODIFIED));
    let etag = r.header("etag").unwrap_or_else(|| panic!("no etag")).to_string();
    assert!(etag.starts_with('"') && etag.len() > 2);
    let log = server.log();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].method.as_str(), log[0].path.as_str(), log[0].status), ("GET", "/a.txt", 200));
    assert_eq!(log[0].header("USER-AGENT"), Some("t/1"));
    assert_eq!(log[0].body_bytes, 11);

    assert_eq!(get(&server, "/missing").status, 404);
}

#[test]
fn ranges_give_206_and_the_log_names_them() {
    let server = HttpServer::start();
    let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    server.file("/f.bin", data.clone());
    let r = request(&server, "GET", "/f.bin", &[("Range", "bytes=10-19")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &data[10..20]);
    assert_eq!(r.header("content-range"), Some("bytes 10-19/1000"));
    let r = request(&server, "GET", "/f.bin", &[("Range", "bytes=-8")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &data[992..]));
    let r = request(&server, "GET", "/f.bin", &[("Range", "bytes=995-")]);
    assert_eq!((r.status, r.body.as_slice()), (206, &data[995..]));
    let r = request(&server, "GET", "/f.bin", &[("Range", "bytes=2000-2001")]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */1000"));
    // If-Range with another validator: the whole body.
    let r = request(&server, "GET", "/f.bin", &[("Range", "bytes=0-0"), ("If-Range", "\"other\"")]);
    assert_eq!((r.status, r.body.len()), (200, 1000));

    let log = server.requests_for("/f.bin");
    assert_eq!(log[0].served_range, Some((10, 19)));
    assert_eq!(log[0].range(), Some("bytes=10-19"));
    assert_eq!(server.body_bytes_for("/f.bin"), 10 + 8 + 5 + 1000);
}

#[test]
fn conditional_requests_get_304_and_head_has_no_body() {
    let server = HttpServer::start();
    server.file("/c.json", b"{}".to_vec());
    let etag = get(&server, "/c.json").header("etag").map(str::to_string).unwrap_or_default();
    let r = request(&server, "GET", "/c.json", &[("If-None-Match", &etag)]);
    assert_eq!((r.status, r.body.len()), (304, 0));
    let r = request(&server, "GET", "/c.json", &[("If-Modified-Since", LAST_MODIFIED)]);
    assert_eq!(r.status, 304);
    let r = request(&server, "GET", "/c.json", &[("If-None-Match", "\"stale\"")]);
    assert_eq!((r.status, r.body.as_slice()), (200, &b"{}"[..]));
    let r = request(&server, "HEAD", "/c.json", &[]);
    assert_eq!((r.status, r.body.len(), r.header("content-length")), (200, 0, Some("2")));

    server.route("/nohead", Route::text("x").head_status(405));
    assert_eq!(request(&server, "HEAD", "/nohead", &[]).status, 405);
    assert_eq!(get(&server, "/nohead").status, 200);
}

#[test]
fn failures_then_success_with_retry_after() {
    let server = HttpServer::start();
    server.route("/busy", Route::text("ok").fail_times(1, 429).retry_after("2"));
    server.route("/flaky", Route::text("ok").fail_times(2, 500));
    let r = get(&server, "/busy");
    assert_eq!((r.status, r.header("retry-after")), (429, Some("2")));
    assert_eq!(get(&server, "/busy").status, 200);
    let statuses: Vec<u16> = (0..3).map(|_| get(&server, "/flaky").status).collect();
    assert_eq!(statuses, [500, 500, 200]);
}

#[test]
fn truncated_redirect_login_hang_up_and_handler() {
    let server = HttpServer::start();
    server.route("/short", Route::bytes(vec![7u8; 100]).truncate_to(40));
    let r = get(&server, "/short");
    assert_eq!((r.header("content-length"), r.body.len()), (Some("100"), 40));

    server.route("/loop", Route::redirect(&server.url("/loop")));
    let r = get(&server, "/loop");
    assert_eq!((r.status, r.header("location")), (302, Some(server.url("/loop").as_str())));
    assert!(server.url_as("localhost", "/x").starts_with("http://localhost:"));

    server.route("/data.csv", Route::login_page());
    let r = get(&server, "/data.csv");
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").is_some_and(|c| c.starts_with("text/html")));
    assert!(String::from_utf8_lossy(&r.body).contains("password"));

    server.route("/gone", Route::hang_up());
    let r = {
        let mut s = TcpStream::connect(server.addr()).unwrap_or_else(|e| panic!("{e}"));
        s.write_all(b"GET /gone HTTP/1.1\r\nHost: x\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
        let mut all = Vec::new();
        let _ = s.read_to_end(&mut all);
        all
    };
    assert!(r.is_empty());

    server.handler(|req| req.path.strip_prefix("/gen/").map(|n| Route::text(&format!("file {n}"))));
    assert_eq!(get(&server, "/gen/42?x=1").body, b"file 42");
    assert_eq!(get(&server, "/other").status, 404);
    // The query-specific route wins over the path route.
    server.route("/page", Route::json("[0]"));
    server.route("/page?start=10", Route::json("[10]"));
    assert_eq!(get(&server, "/page?start=10").body, b"[10]");
    assert_eq!(get(&server, "/page?start=20").body, b"[0]");
}

#[test]
fn slow_huge_chunked_and_keep_alive() {
    let server = HttpServer::start();
    server.route("/slow", Route::text("late").delay_headers(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(get(&server, "/slow").body, b"late");
    assert!(t.elapsed() >= Duration::from_millis(300));
    server.route("/stall", Route::bytes(vec![1u8; 10]).delay_mid_body(Duration::from_millis(300)));
    let t = Instant::now();
    assert_eq!(get(&server, "/stall").body.len(), 10);
    assert!(t.elapsed() >= Duration::from_millis(300));

    server.route("/chunked", Route::text("abcdef").chunked());
    let r = get(&server, "/chunked");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.body, b"6\r\nabcdef\r\n0\r\n\r\n");

    // A huge body: read 1 MB and hang up; the log says what was meant and what was written.
    server.route("/huge", Route::huge(10 << 30));
    {
        let mut s = TcpStream::connect(server.addr()).unwrap_or_else(|e| panic!("{e}"));
        s.write_all(b"GET /huge HTTP/1.1\r\nHost: x\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
        let mut buf = vec![0u8; 1 << 20];
        s.read_exact(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        assert!(String::from_utf8_lossy(&buf[..200]).contains("Content-Length: 10737418240"));
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = &server.requests_for("/huge")[0];
        if r.written > 0 || Instant::now() > deadline {
            assert_eq!(r.body_bytes, 10 << 30);
            assert!(r.written > 0 && r.written < 10 << 30, "written {}", r.written);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    // Two requests on one connection.
    server.file("/k", b"k".to_vec());
    let mut s = TcpStream::connect(server.addr()).unwrap_or_else(|e| panic!("{e}"));
    s.write_all(b"GET /k HTTP/1.1\r\nHost: x\r\n\r\nGET /k HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mut all = Vec::new();
    let _ = s.read_to_end(&mut all);
    assert_eq!(String::from_utf8_lossy(&all).matches("HTTP/1.1 200 OK").count(), 2);
    let ks = server.requests_for("/k");
    assert_eq!(ks.len(), 2);
    assert_eq!(ks[0].connection, ks[1].connection);
}

#[test]
fn closed_port_refuses() {
    let url = HttpServer::closed_port_url("/x");
    let addr = url.trim_start_matches("http://").trim_end_matches("/x").to_string();
    assert!(TcpStream::connect(addr).is_err());
}
