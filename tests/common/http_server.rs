//! A small HTTP/1.1 server for the tests (std only: a `TcpListener` and one thread per
//! connection), started per test on `127.0.0.1:0`, so no test ever reaches the network.
//!
//! It serves a route table (exact path-and-query first, then the path alone, then an optional
//! handler closure for generated routes such as paged APIs or thousands of distinct files),
//! answers `Range: bytes=a-b` / `a-` / `-n` with 206, sends `ETag` and `Last-Modified` and answers
//! conditional requests with 304, answers `HEAD`, and misbehaves on demand per route: fail N times
//! with a status (429 with `Retry-After`, 500, ...), declare a longer `Content-Length` than it sends,
//! sleep before the headers or in the middle of the body, redirect (loops and other hosts are just
//! redirect routes), send a huge generated body, hang up without answering, refuse `HEAD`.
//!
//! Every request is logged (method, target, headers, status, the body bytes meant and actually
//! sent) so tests can assert what a client asked for: e.g. that a Parquet footer was read with a
//! ranged request and that less than half of a file was served.
//!
//! ```ignore
//! let server = HttpServer::start();
//! server.route("/items.parquet", Route::bytes(std::fs::read(path)?));
//! server.route("/flaky", Route::text("ok").fail_times(2, 500));
//! server.route("/busy", Route::text("ok").fail_times(1, 429).retry_after("1"));
//! server.route("/loop", Route::redirect(&server.url("/loop")));
//! let url = server.url("/items.parquet");
//! // ... run the client ...
//! assert!(server.body_bytes_for("/items.parquet") < len / 2);
//! ```
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// The `Last-Modified` every route has unless told otherwise (any fixed date does: clients only
/// echo it back in `If-Modified-Since`).
pub const LAST_MODIFIED: &str = "Wed, 21 Oct 2015 07:28:00 GMT";

/// How long a connection thread waits for the next request before giving up, so threads of
/// idle keep-alive connections end on their own after a test.
const IDLE_TIMEOUT: Duration = Duration::from_secs(15);

/// Requests with more header bytes than this are answered 431 and the connection closed.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A response body: bytes in memory, or a generated run of one byte (a "huge" body that costs no
/// memory in the test).
#[derive(Clone, Debug)]
pub enum Body {
    Bytes(Arc<[u8]>),
    Repeat { byte: u8, len: u64 },
}

impl Body {
    pub fn len(&self) -> u64 {
        match self {
            Body::Bytes(b) => b.len() as u64,
            Body::Repeat { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// FNV-1a over the bytes (or the length of a generated body): a stable strong ETag.
    fn etag(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |b: u8| {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        };
        match self {
            Body::Bytes(bytes) => bytes.iter().for_each(|b| feed(*b)),
            Body::Repeat { byte, len } => {
                feed(*byte);
                len.to_le_bytes().iter().for_each(|b| feed(*b));
            }
        }
        format!("\"{h:016x}\"")
    }
}

/// One route: what to answer and how to misbehave. Built with [`Route::bytes`] and friends, then
/// the builder methods.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub content_type: String,
    pub body: Body,
    /// Extra response headers (e.g. `Location`, `Link`).
    pub headers: Vec<(String, String)>,
    /// `None`: no `ETag` header and no `If-None-Match` handling.
    pub etag: Option<String>,
    /// `None`: no `Last-Modified` header and no `If-Modified-Since` handling.
    pub last_modified: Option<String>,
    /// The first `fail_times` requests to this route's path are answered with `fail_status`
    /// (counted per path across the server's life, HEAD and GET alike).
    pub fail_times: usize,
    pub fail_status: u16,
    /// `Retry-After` sent with the failures.
    pub retry_after: Option<String>,
    /// Send only this many body bytes while declaring the full `Content-Length`, then close.
    pub truncate_to: Option<u64>,
    pub delay_headers: Duration,
    /// Sleep after half of the body was sent.
    pub delay_mid_body: Duration,
    /// Answer `HEAD` with this status and no body (405 for servers that refuse it).
    pub head_status: Option<u16>,
    /// Honour `Range` (otherwise always 200 with the whole body).
    pub ranges: bool,
    /// `Transfer-Encoding: chunked` instead of `Content-Length`.
    pub chunked: bool,
    /// Close the connection without answering.
    pub hang_up: bool,
}

impl Route {
    pub fn bytes(body: impl Into<Vec<u8>>) -> Route {
        let body = Body::Bytes(Arc::from(body.into()));
        Route {
            status: 200,
            content_type: "application/octet-stream".into(),
            etag: Some(body.etag()),
            last_modified: Some(LAST_MODIFIED.into()),
            body,
            headers: Vec::new(),
            fail_times: 0,
            fail_status: 500,
            retry_after: None,
            truncate_to: None,
            delay_headers: Duration::ZERO,
            delay_mid_body: Duration::ZERO,
            head_status: None,
            ranges: true,
            chunked: false,
            hang_up: false,
        }
    }

    pub fn text(body: &str) -> Route {
        Route::bytes(body.as_bytes()).content_type("text/plain; charset=utf-8")
    }

    pub fn json(body: &str) -> Route {
        Route::bytes(body.as_bytes()).content_type("application/json")
    }

    pub fn html(body: &str) -> Route {
        Route::bytes(body.as_bytes()).content_type("text/html; charset=utf-8")
    }

    /// A file read from disk (panics with the path when it cannot be read).
    pub fn file(path: &std::path::Path) -> Route {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        Route::bytes(bytes)
    }

    /// A 200 HTML sign-in page, what many portals serve where a file was promised.
    pub fn login_page() -> Route {
        Route::html(
            "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>\n\
             <h1>Sign in to continue</h1>\n<form method=\"post\" action=\"/login\">\n\
             <label>Username <input name=\"username\"></label>\n\
             <label>Password <input type=\"password\" name=\"password\"></label>\n\
             <button type=\"submit\">Log in</button>\n</form>\n</body></html>\n",
        )
    }

    /// A 302 to `location` (absolute, or relative to this server).
    pub fn redirect(location: &str) -> Route {
        Route::bytes(Vec::new()).status(302).header("Location", location).validators(None, None)
    }

    /// A generated body of `len` bytes (nothing held in memory).
    pub fn huge(len: u64) -> Route {
        let body = Body::Repeat { byte: b'x', len };
        let etag = body.etag();
        Route { body, ..Route::bytes(Vec::new()) }.validators(Some(etag), Some(LAST_MODIFIED.into()))
    }

    /// Closes the connection without a response (a peer that resets).
    pub fn hang_up() -> Route {
        Route { hang_up: true, ..Route::bytes(Vec::new()) }
    }

    pub fn status(mut self, status: u16) -> Route {
        self.status = status;
        self
    }

    pub fn content_type(mut self, ct: &str) -> Route {
        self.content_type = ct.into();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn validators(mut self, etag: Option<String>, last_modified: Option<String>) -> Route {
        self.etag = etag;
        self.last_modified = last_modified;
        self
    }

    pub fn fail_times(mut self, times: usize, status: u16) -> Route {
        self.fail_times = times;
        self.fail_status = status;
        self
    }

    pub fn retry_after(mut self, value: &str) -> Route {
        self.retry_after = Some(value.into());
        self
    }

    pub fn truncate_to(mut self, bytes: u64) -> Route {
        self.truncate_to = Some(bytes);
        self
    }

    pub fn delay_headers(mut self, d: Duration) -> Route {
        self.delay_headers = d;
        self
    }

    pub fn delay_mid_body(mut self, d: Duration) -> Route {
        self.delay_mid_body = d;
        self
    }

    pub fn head_status(mut self, status: u16) -> Route {
        self.head_status = Some(status);
        self
    }

    pub fn no_ranges(mut self) -> Route {
        self.ranges = false;
        self
    }

    pub fn chunked(mut self) -> Route {
        self.chunked = true;
        self
    }
}

/// One logged request and what was answered.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query as sent (`/api/3/action/package_search?rows=10&start=20`).
    pub target: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub status: u16,
    /// The body range served with a 206, as `(first, last)` inclusive.
    pub served_range: Option<(u64, u64)>,
    /// Body bytes the server set out to send (known before the first byte is written, so a test
    /// that reads the log right after the client returns sees it).
    pub body_bytes: u64,
    /// Body bytes actually written (less when the client hung up; updated after writing).
    pub written: u64,
    /// The connection's sequence number (requests on one keep-alive connection share it).
    pub connection: u64,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn range(&self) -> Option<&str> {
        self.header("range")
    }
}

type Handler = dyn Fn(&Request) -> Option<Route> + Send + Sync;

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Route>>,
    handler: Mutex<Option<Arc<Handler>>>,
    /// Requests seen per path, for `fail_times`.
    hits: Mutex<HashMap<String, usize>>,
    log: Mutex<Vec<Request>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the test's assertions down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The running server; stops accepting when dropped.
pub struct HttpServer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for HttpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpServer").field("addr", &self.addr).finish()
    }
}

impl HttpServer {
    pub fn start() -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("local_addr: {e}"));
        let state = Arc::new(State::default());
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (state, stop) = (Arc::clone(&state), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut connection = 0u64;
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    connection += 1;
                    let (state, stop, id) = (Arc::clone(&state), Arc::clone(&stop), connection);
                    std::thread::spawn(move || serve_connection(stream, &state, &stop, id));
                }
            })
        };
        HttpServer { addr, state, stop, accept: Some(accept) }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT{path}` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The same server under another host name (`localhost`), for "redirect to another host".
    pub fn url_as(&self, host: &str, path: &str) -> String {
        format!("http://{host}:{}{path}", self.addr.port())
    }

    /// Adds or replaces a route. `target` is a path (`/a/b.csv`) or a path with a query
    /// (`/search?start=0`), which is matched first.
    pub fn route(&self, target: &str, route: Route) {
        lock(&self.state.routes).insert(target.into(), route);
    }

    /// Serves `bytes` at `path` with the defaults (validators, ranges).
    pub fn file(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        self.route(path, Route::bytes(bytes));
    }

    /// Answers requests no route matches (return `None` for 404): generated files, paged APIs.
    pub fn handler(&self, f: impl Fn(&Request) -> Option<Route> + Send + Sync + 'static) {
        *lock(&self.state.handler) = Some(Arc::new(f));
    }

    /// Every request so far, in the order their responses started.
    pub fn log(&self) -> Vec<Request> {
        lock(&self.state.log).clone()
    }

    pub fn clear_log(&self) {
        lock(&self.state.log).clear();
    }

    /// The requests whose path (query ignored) is `path`.
    pub fn requests_for(&self, path: &str) -> Vec<Request> {
        lock(&self.state.log).iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Body bytes the server set out to send for `path`, over all requests.
    pub fn body_bytes_for(&self, path: &str) -> u64 {
        lock(&self.state.log).iter().filter(|r| r.path == path).map(|r| r.body_bytes).sum()
    }

    /// Body bytes set out to send over all requests.
    pub fn body_bytes(&self) -> u64 {
        lock(&self.state.log).iter().map(|r| r.body_bytes).sum()
    }

    /// A URL on 127.0.0.1 where nothing listens (bound, then released): "connection refused".
    pub fn closed_port_url(path: &str) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().unwrap_or_else(|e| panic!("local_addr: {e}")).port();
        drop(listener);
        format!("http://127.0.0.1:{port}{path}")
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

/// A parsed request head (before it is answered).
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    content_length: u64,
    close: bool,
}

/// Reads one request head; `None` at end of stream, on timeout or on a malformed request.
fn read_head(reader: &mut BufReader<TcpStream>) -> Result<Option<Head>, u16> {
    let mut total = 0usize;
    let mut line = String::new();
    // Skips blank lines between requests (RFC 9112 allows one).
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => total += n,
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(400);
    };
    let (method, target) = (method.to_string(), target.to_string());
    let http10 = version == "HTTP/1.0";
    let mut headers = Vec::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => total += n,
        }
        if total > MAX_HEADER_BYTES {
            return Err(431);
        }
        let l = line.trim_end_matches(['\r', '\n']);
        if l.is_empty() {
            break;
        }
        let Some((name, value)) = l.split_once(':') else { return Err(400) };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let content_length = get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let conn = get("connection").map(str::to_ascii_lowercase).unwrap_or_default();
    let close = conn.contains("close") || (http10 && !conn.contains("keep-alive"));
    Ok(Some(Head { method, target, headers, content_length, close }))
}

fn serve_connection(stream: TcpStream, state: &State, stop: &AtomicBool, connection: u64) {
    let _ = stream.set_read_timeout(Some(IDLE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let Ok(write_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    let mut out = write_half;
    while !stop.load(Ordering::SeqCst) {
        let head = match read_head(&mut reader) {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(status) => {
                let _ = write!(
                    out,
                    "HTTP/1.1 {status} {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    reason(status)
                );
                break;
            }
        };
        // A request body (rare in these tests) is read and dropped so the next request parses.
        if head.content_length > 0
            && std::io::copy(&mut (&mut reader).take(head.content_length), &mut std::io::sink()).is_err()
        {
            break;
        }
        let keep = respond(&head, &mut out, state, connection);
        if !keep || head.close {
            break;
        }
    }
    let _ = out.shutdown(Shutdown::Both);
}

/// Parses a single `bytes=` range against a body of `len` bytes: `Ok(None)` when the header is
/// absent, not a bytes range or names several ranges (the whole body is then sent, as RFC 9110
/// allows), `Err(())` when unsatisfiable.
fn parse_range(value: &str, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return Ok(None) };
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let first: u64 = a.parse().map_err(|_| ())?;
        let last: u64 = if b.is_empty() { len.saturating_sub(1) } else { b.parse().map_err(|_| ())? };
        if first >= len || last < first {
            return Err(());
        }
        (first, last.min(len - 1))
    };
    Ok(Some(range))
}

fn etag_matches(header: &str, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    header.split(',').any(|t| t.trim() == "*" || strip(t) == strip(etag))
}

/// Answers one request; returns whether the connection can be kept.
fn respond(head: &Head, out: &mut TcpStream, state: &State, connection: u64) -> bool {
    let (path, query) = match head.target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (head.target.clone(), None),
    };
    let mut req = Request {
        method: head.method.clone(),
        target: head.target.clone(),
        path: path.clone(),
        query,
        headers: head.headers.clone(),
        status: 0,
        served_range: None,
        body_bytes: 0,
        written: 0,
        connection,
    };
    let route = {
        let routes = lock(&state.routes);
        routes.get(&head.target).or_else(|| routes.get(&path)).cloned()
    };
    let route = route.or_else(|| {
        let handler = lock(&state.handler).clone();
        handler.and_then(|h| h(&req))
    });
    let is_head = head.method == "HEAD";
    let mut extra: Vec<(String, String)> = Vec::new();

    let Some(route) = route else {
        let body = Body::Bytes(Arc::from(&b"not found\n"[..]));
        req.status = 404;
        return send(
            out,
            state,
            req,
            "text/plain",
            &extra,
            Some((&body, 0, body.len())),
            is_head,
            &Route::text(""),
        );
    };
    if route.hang_up {
        req.status = 0;
        lock(&state.log).push(req);
        return false;
    }
    if !route.delay_headers.is_zero() {
        std::thread::sleep(route.delay_headers);
    }
    let hit = {
        let mut hits = lock(&state.hits);
        let n = hits.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    if hit <= route.fail_times {
        req.status = route.fail_status;
        if let Some(ra) = &route.retry_after {
            extra.push(("Retry-After".into(), ra.clone()));
        }
        let body = Body::Bytes(Arc::from(
            format!("{} {}\n", route.fail_status, reason(route.fail_status)).into_bytes(),
        ));
        return send(
            out,
            state,
            req,
            "text/plain",
            &extra,
            Some((&body, 0, body.len())),
            is_head,
            &Route::text(""),
        );
    }
    if is_head && let Some(status) = route.head_status {
        req.status = status;
        if status == 405 {
            extra.push(("Allow".into(), "GET".into()));
        }
        return send(out, state, req, "text/plain", &extra, None, true, &Route::text(""));
    }
    extra.extend(route.headers.iter().cloned());
    if route.status == 200 {
        if let Some(etag) = &route.etag {
            extra.push(("ETag".into(), etag.clone()));
        }
        if let Some(lm) = &route.last_modified {
            extra.push(("Last-Modified".into(), lm.clone()));
        }
        let not_modified = match (req.header("if-none-match"), &route.etag) {
            (Some(inm), Some(etag)) => etag_matches(inm, etag),
            (Some(_), None) => false,
            (None, _) => {
                matches!((req.header("if-modified-since"), &route.last_modified), (Some(ims), Some(lm)) if ims.trim() == lm)
            }
        };
        if not_modified {
            req.status = 304;
            return send(out, state, req, &route.content_type, &extra, None, true, &route);
        }
    }
    let len = route.body.len();
    let mut slice = (0, len);
    req.status = route.status;
    if route.status == 200 && route.ranges {
        extra.push(("Accept-Ranges".into(), "bytes".into()));
        // If-Range: the range only applies while the representation is the one the client saw.
        let if_range_ok = req.header("if-range").is_none_or(|v| {
            route.etag.as_deref() == Some(v.trim()) || route.last_modified.as_deref() == Some(v.trim())
        });
        if let (Some(range), true) = (req.header("range").map(str::to_string), if_range_ok) {
            match parse_range(&range, len) {
                Ok(Some((first, last))) => {
                    req.status = 206;
                    req.served_range = Some((first, last));
                    extra.push(("Content-Range".into(), format!("bytes {first}-{last}/{len}")));
                    slice = (first, last + 1);
                }
                Ok(None) => {}
                Err(()) => {
                    req.status = 416;
                    extra.push(("Content-Range".into(), format!("bytes */{len}")));
                    return send(out, state, req, "text/plain", &extra, None, is_head, &Route::text(""));
                }
            }
        }
    }
    send(out, state, req, &route.content_type, &extra, Some((&route.body, slice.0, slice.1)), is_head, &route)
}

/// Writes the status line, headers and (unless HEAD or 304) the body slice `[from, to)`, applying
/// the route's truncation, mid-body delay and chunking; logs the request before the first byte.
#[allow(clippy::too_many_arguments)]
fn send(
    out: &mut TcpStream,
    state: &State,
    mut req: Request,
    content_type: &str,
    extra: &[(String, String)],
    body: Option<(&Body, u64, u64)>,
    no_body: bool,
    route: &Route,
) -> bool {
    let declared = body.map_or(0, |(_, from, to)| to - from);
    let no_body = no_body || req.status == 304;
    let to_send = if no_body { 0 } else { route.truncate_to.map_or(declared, |t| t.min(declared)) };
    let mut head = format!("HTTP/1.1 {} {}\r\nServer: dpg-audit-test\r\n", req.status, reason(req.status));
    if req.status != 304 {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
        if route.chunked && !no_body {
            head.push_str("Transfer-Encoding: chunked\r\n");
        } else {
            head.push_str(&format!("Content-Length: {declared}\r\n"));
        }
    }
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let truncated = to_send < declared;
    if truncated {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    req.body_bytes = to_send;
    let index = {
        let mut log = lock(&state.log);
        log.push(req);
        log.len() - 1
    };
    let mut written = 0u64;
    let ok = (|| -> std::io::Result<()> {
        out.write_all(head.as_bytes())?;
        if let (Some((body, from, _)), false) = (body, no_body) {
            let half = to_send / 2;
            let mut pos = 0u64;
            const CHUNK: u64 = 64 * 1024;
            while pos < to_send {
                let mut n = CHUNK.min(to_send - pos);
                if !route.delay_mid_body.is_zero() && pos < half {
                    n = n.min(half - pos).max(1);
                }
                let chunk: std::borrow::Cow<'_, [u8]> = match body {
                    Body::Bytes(b) => {
                        let s = (from + pos) as usize;
                        std::borrow::Cow::Borrowed(&b[s..s + n as usize])
                    }
                    Body::Repeat { byte, .. } => std::borrow::Cow::Owned(vec![*byte; n as usize]),
                };
                if route.chunked {
                    write!(out, "{:x}\r\n", chunk.len())?;
                    out.write_all(&chunk)?;
                    out.write_all(b"\r\n")?;
                } else {
                    out.write_all(&chunk)?;
                }
                pos += n;
                written = pos;
                if pos == half && !route.delay_mid_body.is_zero() {
                    out.flush()?;
                    std::thread::sleep(route.delay_mid_body);
                }
            }
            if route.chunked && !truncated {
                out.write_all(b"0\r\n\r\n")?;
            }
        }
        out.flush()
    })()
    .is_ok();
    if let Some(r) = lock(&state.log).get_mut(index) {
        r.written = written;
    }
    ok && !truncated
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
