//! The HTTP client against a misbehaving server on 127.0.0.1 (never the network): retries on
//! 429 (waiting as `Retry-After` asks) and 500, truncated bodies, timeouts, redirect loops,
//! size caps, private hosts, conditional requests from the cache, per-host rate.
//!
//! The server here is deliberately minimal (one scripted answer per request); the shared replay
//! server lives in `tests/common/http_server.rs` once it lands.

#[path = "support/mini_http.rs"]
mod mini_http;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mini_http::{Server, answer};

use dpg_audit::http::{Client, HttpOptions};

fn opts() -> HttpOptions {
    HttpOptions {
        allow_private_hosts: true,
        rate_per_host: 0.0,
        timeout: Duration::from_millis(500),
        retries: 3,
        retry_base: Duration::from_millis(20),
        max_retry_wait: Duration::from_secs(5),
        ..HttpOptions::default()
    }
}

fn client(o: HttpOptions) -> Client {
    Client::new(o).expect("client")
}

#[test]
fn sends_user_agent_and_reads_body() {
    let server = Server::start(|_, _, s| {
        answer(s, "200 OK", &[("Content-Type", "application/json")], b"{\"ok\":true}")
    });
    let r = client(opts()).get(&server.url("/api")).expect("get");
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"{\"ok\":true}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    let ua = server.log()[0].header("user-agent").map(str::to_string);
    assert_eq!(ua.as_deref(), Some(concat!("dpg-audit/", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn waits_as_retry_after_asks_then_succeeds() {
    let server = Server::start(|n, _, s| {
        if n == 0 {
            answer(s, "429 Too Many Requests", &[("Retry-After", "1")], b"slow down");
        } else {
            answer(s, "200 OK", &[], b"done");
        }
    });
    let start = Instant::now();
    let r = client(opts()).get(&server.url("/p")).expect("get after 429");
    assert_eq!(&r.body[..], b"done");
    let log = server.log();
    assert_eq!(log.len(), 2);
    let gap = log[1].at - log[0].at;
    assert!(gap >= Duration::from_millis(950), "retried after {gap:?}, Retry-After said 1 s");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn retry_after_longer_than_the_cap_is_an_error_naming_url_and_status() {
    let server =
        Server::start(|_, _, s| answer(s, "503 Service Unavailable", &[("Retry-After", "3600")], b""));
    let url = server.url("/busy");
    let err = client(opts()).get(&url).expect_err("must not wait an hour");
    assert_eq!(err.http_status(), Some(503));
    let msg = err.to_string();
    assert!(msg.contains(url.as_str()) && msg.contains("503") && msg.contains("3600"), "{msg}");
    assert_eq!(server.log().len(), 1);
}

#[test]
fn server_error_then_success_is_retried() {
    let server = Server::start(|n, _, s| {
        if n < 2 {
            answer(s, "500 Internal Server Error", &[], b"oops");
        } else {
            answer(s, "200 OK", &[], b"fine");
        }
    });
    let r = client(opts()).get(&server.url("/flaky")).expect("third attempt succeeds");
    assert_eq!(&r.body[..], b"fine");
    assert_eq!(server.log().len(), 3);
}

#[test]
fn persistent_server_error_stops_after_the_retries() {
    let server = Server::start(|_, _, s| answer(s, "502 Bad Gateway", &[], b""));
    let o = HttpOptions { retries: 2, ..opts() };
    let err = client(o).get(&server.url("/down")).expect_err("502 forever");
    assert_eq!(err.http_status(), Some(502));
    assert!(err.to_string().contains("/down"), "{err}");
    assert_eq!(server.log().len(), 3, "one attempt and two retries");
}

#[test]
fn not_found_is_not_retried_and_names_the_status() {
    let server = Server::start(|_, _, s| answer(s, "404 Not Found", &[], b"nope"));
    let url = server.url("/missing");
    let err = client(opts()).get(&url).expect_err("404");
    assert_eq!(err.http_status(), Some(404));
    assert_eq!(err.to_string(), format!("{url}: HTTP 404 Not Found"));
    assert_eq!(server.log().len(), 1);
}

#[test]
fn truncated_body_is_an_error_naming_the_url() {
    let server = Server::start(|_, _, s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly a little");
        let _ = s.shutdown(std::net::Shutdown::Both);
    });
    let url = server.url("/cut");
    let o = HttpOptions { retries: 1, ..opts() };
    let err = client(o).get(&url).expect_err("truncated");
    let msg = err.to_string();
    assert!(msg.contains(url.as_str()) && msg.contains("truncated"), "{msg}");
    assert_eq!(server.log().len(), 2, "a cut body is retried once");
}

#[test]
fn slow_response_times_out() {
    let server = Server::start(|_, _, s| {
        std::thread::sleep(Duration::from_millis(1500));
        answer(s, "200 OK", &[], b"late");
    });
    let o = HttpOptions { retries: 0, timeout: Duration::from_millis(200), ..opts() };
    let start = Instant::now();
    let err = client(o).get(&server.url("/slow")).expect_err("timeout");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(start.elapsed() < Duration::from_millis(1200), "took {:?}", start.elapsed());
}

#[test]
fn redirect_loop_is_detected() {
    let server = Server::start(|_, seen, s| {
        let next = if seen.path == "/a" { "/b" } else { "/a" };
        answer(s, "302 Found", &[("Location", next)], b"");
    });
    let err = client(opts()).get(&server.url("/a")).expect_err("loop");
    assert!(err.to_string().contains("redirect loop"), "{err}");
    assert_eq!(server.log().len(), 2);
}

#[test]
fn redirects_are_followed_up_to_the_limit() {
    let server = Server::start(|_, seen, s| {
        let n: u32 = seen.path.trim_start_matches("/r").parse().unwrap_or(0);
        if n < 5 {
            answer(s, "301 Moved Permanently", &[("Location", &format!("/r{}", n + 1))], b"");
        } else {
            answer(s, "200 OK", &[], b"end");
        }
    });
    let r = client(opts()).get(&server.url("/r0")).expect("5 redirects are fine");
    assert_eq!(r.url.path(), "/r5");
    let o = HttpOptions { max_redirects: 3, ..opts() };
    let err = client(o).get(&server.url("/r0")).expect_err("limit 3");
    assert!(err.to_string().contains("more than 3 redirects"), "{err}");
}

#[test]
fn bodies_over_the_cap_are_refused() {
    let server = Server::start(|_, seen, s| {
        let big = vec![b'x'; 64 * 1024];
        if seen.path == "/chunked" {
            // No Content-Length: the cap is found while reading.
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for _ in 0..4 {
                let _ = s.write_all(format!("{:x}\r\n", big.len()).as_bytes());
                let _ = s.write_all(&big);
                let _ = s.write_all(b"\r\n");
            }
            let _ = s.write_all(b"0\r\n\r\n");
        } else {
            answer(s, "200 OK", &[], &big);
        }
    });
    let o = HttpOptions { max_body_bytes: 10_000, ..opts() };
    let c = client(o);
    for path in ["/big", "/chunked"] {
        let err = c.get(&server.url(path)).expect_err("over the cap");
        assert!(err.to_string().contains("larger than the 10000 byte limit"), "{path}: {err}");
        let mut reader = c.get_reader(&server.url(path)).expect("headers are fine");
        let mut sink = Vec::new();
        let err = reader.read_to_end(&mut sink).expect_err("streamed over the cap");
        assert!(err.to_string().contains("10000 byte limit"), "{err}");
        assert!(sink.len() <= 10_000);
    }
}

#[test]
fn private_host_is_refused_without_the_flag() {
    let server = Server::start(|_, _, s| answer(s, "200 OK", &[], b"secret"));
    let o = HttpOptions { allow_private_hosts: false, ..opts() };
    let err = client(o).get(&server.url("/")).expect_err("loopback refused");
    assert!(err.to_string().contains("--allow-private-hosts"), "{err}");
    assert!(server.log().is_empty(), "nothing was sent");
}

#[test]
fn cache_sends_conditional_requests_and_serves_304() {
    let server = Server::start(|_, seen, s| {
        if seen.header("if-none-match") == Some("\"v1\"") {
            let _ = s.write_all(b"HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n");
        } else {
            answer(
                s,
                "200 OK",
                &[("ETag", "\"v1\""), ("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT")],
                b"page one",
            );
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let o = HttpOptions { cache_dir: Some(dir.path().to_path_buf()), ..opts() };
    let first = client(o.clone()).get(&server.url("/page")).expect("first");
    assert!(!first.from_cache);
    let second = client(o).get(&server.url("/page")).expect("second");
    assert!(second.from_cache);
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), Some("\"v1\""));
    let log = server.log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].header("if-none-match"), None);
    assert_eq!(log[1].header("if-none-match"), Some("\"v1\""));
    assert_eq!(log[1].header("if-modified-since"), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
}

#[test]
fn rate_per_host_spaces_requests() {
    let server = Server::start(|_, _, s| answer(s, "200 OK", &[], b"ok"));
    let o = HttpOptions { rate_per_host: 10.0, ..opts() };
    let c = client(o);
    for _ in 0..4 {
        c.get(&server.url("/r")).expect("get");
    }
    let log = server.log();
    for w in log.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap >= Duration::from_millis(90), "requests {gap:?} apart at 10/s");
    }
}

#[test]
fn range_and_head() {
    let data: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let server = Server::start(move |_, seen, s| {
        if seen.method == "HEAD" {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\nAccept-Ranges: bytes\r\n\r\n");
            return;
        }
        let range = seen.header("range").unwrap_or("");
        let (a, b) = range.trim_start_matches("bytes=").split_once('-').unwrap_or(("0", "0"));
        let (a, b): (usize, usize) = (a.parse().unwrap_or(0), b.parse().unwrap_or(0));
        answer(s, "206 Partial Content", &[("Content-Range", &format!("bytes {a}-{b}/4096"))], &data[a..=b]);
    });
    let c = client(opts());
    let head = c.head(&server.url("/f.parquet")).expect("head");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("4096"));
    let bytes = c.get_range(&server.url("/f.parquet"), 4000..4096).expect("range");
    assert_eq!(bytes.len(), 96);
    assert_eq!(bytes[0], (4000 % 256) as u8);
    let log = server.log();
    assert_eq!(log[1].header("range"), Some("bytes=4000-4095"));
}

#[test]
fn concurrency_is_bounded() {
    let live = Arc::new(Mutex::new((0usize, 0usize)));
    let live2 = Arc::clone(&live);
    let server = Server::start(move |_, _, s| {
        {
            let mut l = live2.lock().expect("l");
            l.0 += 1;
            l.1 = l.1.max(l.0);
        }
        std::thread::sleep(Duration::from_millis(50));
        live2.lock().expect("l").0 -= 1;
        answer(s, "200 OK", &[], b"ok");
    });
    let c = client(HttpOptions { max_concurrency: 2, ..opts() });
    std::thread::scope(|scope| {
        for i in 0..6 {
            let c = &c;
            let url = server.url(&format!("/c{i}"));
            scope.spawn(move || c.get(&url).expect("get"));
        }
    });
    assert_eq!(server.log().len(), 6);
    assert!(live.lock().expect("l").1 <= 2, "at most 2 in flight");
}
