//! The crate's one HTTP client: portal harvesting, remote manifests and URL checks all go through
//! it, so politeness (user agent, per-host rate, bounded concurrency, retries that honour
//! `Retry-After`) and safety (no private hosts unless allowed, capped bodies, redirect limits)
//! are decided once.
//!
//! It is blocking and spawns no threads of its own: callers (threads live in `src/run.rs`) share
//! one [`Client`] by reference. Built on `ureq` (rustls with ring; no OpenSSL, no cmake).
//! Redirects are followed here, not by ureq, so every hop is checked against the host policy
//! and loops are named.

mod cache;
mod date;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use url::Url;

use crate::error::{Error, Result};
use crate::policy::url::{UrlProblem, check_ip};

pub use cache::Cache;

/// The user agent every request carries: the tool and its version.
pub const USER_AGENT: &str = concat!("dpg-audit/", env!("CARGO_PKG_VERSION"));

/// How polite and how patient the client is. [`Default`] gives the CLI's defaults.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Requests per second to any one host (`--rate`); 0 or less means no limit.
    pub rate_per_host: f64,
    /// Requests in flight at once, over all hosts.
    pub max_concurrency: usize,
    /// Connect timeout, and the longest wait for response headers or for any one read of the
    /// body (`--timeout`).
    pub timeout: Duration,
    /// Retries after a 429, a 5xx or a connection failure (0: one attempt only).
    pub retries: u32,
    /// The first back-off; each retry doubles it (with jitter).
    pub retry_base: Duration,
    /// The longest the client waits before a retry. A `Retry-After` asking for more ends the
    /// request with an error rather than being shortened: the server asked us not to come back
    /// sooner.
    pub max_retry_wait: Duration,
    /// Redirects followed per request.
    pub max_redirects: u32,
    /// Bodies larger than this are refused (after decompression).
    pub max_body_bytes: u64,
    /// Accept loopback, private and link-local hosts, literal or resolved
    /// (`--allow-private-hosts`).
    pub allow_private_hosts: bool,
    /// Keep responses with their validators; later requests are conditional (`--cache`).
    pub cache_dir: Option<PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            rate_per_host: 2.0,
            max_concurrency: 8,
            timeout: Duration::from_secs(30),
            retries: 4,
            retry_base: Duration::from_millis(500),
            max_retry_wait: Duration::from_secs(120),
            max_redirects: 10,
            max_body_bytes: 512 * 1024 * 1024,
            allow_private_hosts: false,
            cache_dir: None,
        }
    }
}

/// A complete response: status 2xx (or a cached body revalidated with 304).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The URL after redirects.
    pub url: Url,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The body came from the cache (the server answered 304 Not Modified).
    pub from_cache: bool,
}

impl Response {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What a HEAD request (or the headers of any request) told: any status, after redirects.
#[derive(Debug, Clone)]
pub struct Head {
    pub status: u16,
    /// The URL after redirects.
    pub url: Url,
    pub headers: Vec<(String, String)>,
    /// Every URL visited, the request's first.
    pub redirects: Vec<Url>,
}

impl Head {
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// One request as the client sends it (the methods below build these).
#[derive(Debug, Clone)]
struct Request<'a> {
    head_only: bool,
    url: &'a Url,
    headers: Vec<(&'static str, String)>,
}

/// The shared HTTP client. `Send + Sync`: share it by reference or `Arc`.
#[derive(Debug)]
pub struct Client {
    agent: ureq::Agent,
    opts: HttpOptions,
    /// Per host, the earliest instant the next request may start.
    next_slot: Mutex<HashMap<String, Instant>>,
    in_flight: Mutex<usize>,
    slot_freed: Condvar,
    cache: Option<Cache>,
}

impl Client {
    pub fn new(opts: HttpOptions) -> Result<Client> {
        if opts.max_concurrency == 0 {
            return Err(Error::usage("the HTTP concurrency must be at least 1"));
        }
        if !opts.rate_per_host.is_finite() {
            return Err(Error::usage("--rate must be a number of requests per second"));
        }
        let t = Some(opts.timeout);
        let config = ureq::Agent::config_builder()
            .user_agent(USER_AGENT)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_resolve(t)
            .timeout_connect(t)
            .timeout_recv_response(t)
            .timeout_per_read(t)
            .max_idle_connections_per_host(opts.max_concurrency.max(1))
            .build();
        let resolver = GuardedResolver { allow_private: opts.allow_private_hosts };
        let agent =
            ureq::Agent::with_parts(config, ureq::unversioned::transport::DefaultConnector::new(), resolver);
        let cache = match &opts.cache_dir {
            Some(dir) => Some(Cache::open(dir)?),
            None => None,
        };
        Ok(Client {
            agent,
            opts,
            next_slot: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(0),
            slot_freed: Condvar::new(),
            cache,
        })
    }

    pub fn options(&self) -> &HttpOptions {
        &self.opts
    }

    /// GET a whole body (2xx), capped, retried, and through the cache when one is configured.
    pub fn get(&self, url: &Url) -> Result<Response> {
        self.get_with(url, &[])
    }

    /// [`Client::get`] with extra request headers (e.g. `Accept` for content negotiation).
    pub fn get_with(&self, url: &Url, headers: &[(&'static str, &str)]) -> Result<Response> {
        let mut req = Request {
            head_only: false,
            url,
            headers: headers.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        };
        let key = cache::key(url, &req.headers);
        let cached = match &self.cache {
            Some(cache) => cache.lookup(&key)?,
            None => None,
        };
        if let Some(entry) = &cached {
            if let Some(etag) = &entry.etag {
                req.headers.push(("if-none-match", etag.clone()));
            }
            if let Some(lm) = &entry.last_modified {
                req.headers.push(("if-modified-since", lm.clone()));
            }
        }
        let fetched =
            self.fetch(&req, |status| (200..300).contains(&status) || (status == 304 && cached.is_some()))?;
        if fetched.head.status == 304
            && let (Some(cache), Some(entry)) = (&self.cache, cached)
        {
            let body = cache.body(&entry)?;
            return Ok(Response {
                status: entry.status,
                url: Url::parse(&entry.final_url).unwrap_or_else(|_| url.clone()),
                headers: entry.headers,
                body,
                from_cache: true,
            });
        }
        let response = Response {
            status: fetched.head.status,
            url: fetched.head.url,
            headers: fetched.head.headers,
            body: fetched.body,
            from_cache: false,
        };
        if let Some(cache) = &self.cache {
            cache.store(&key, &response)?;
        }
        Ok(response)
    }

    /// The bytes `r` of the resource (a `206 Partial Content` answer). A server that ignores the
    /// range (answers 200 with the whole file) is an error: the caller asked for a range to avoid
    /// downloading everything.
    pub fn get_range(&self, url: &Url, r: Range<u64>) -> Result<Bytes> {
        if r.start >= r.end {
            return Ok(Bytes::new());
        }
        let req = Request {
            head_only: false,
            url,
            headers: vec![
                ("range", format!("bytes={}-{}", r.start, r.end - 1)),
                // Ranges are of the stored bytes: no transfer compression.
                ("accept-encoding", "identity".to_string()),
            ],
        };
        let fetched = self.fetch(&req, |status| status == 206)?;
        let want = r.end - r.start;
        if fetched.body.len() as u64 > want {
            return Err(Error::http(
                url.as_str(),
                Some(206),
                format!("asked for {want} bytes, the server sent {}", fetched.body.len()),
            ));
        }
        Ok(fetched.body)
    }

    /// The status (any), headers and at most the first `max` bytes of a GET that asks for
    /// `bytes=0-(max-1)`: for checks that must not download a file (`--check-urls` falls back to
    /// it when HEAD is refused, and reads the start of an HTML answer). A server that ignores
    /// the range still costs only `max` bytes: the rest is never read.
    pub fn peek(&self, url: &Url, max: u64) -> Result<(Head, Bytes)> {
        let req = Request {
            head_only: false,
            url,
            headers: vec![
                ("range", format!("bytes=0-{}", max.max(1) - 1)),
                ("accept-encoding", "identity".to_string()),
            ],
        };
        let (head, body, permit) = self.open(&req, |_| true)?;
        let mut buf = Vec::new();
        let read = body.into_with_config().limit(u64::MAX).reader().take(max).read_to_end(&mut buf);
        drop(permit);
        read.map_err(|e| {
            Error::http(head.url.as_str(), Some(head.status), format!("the response could not be read: {e}"))
        })?;
        Ok((head, Bytes::from(buf)))
    }

    /// HEAD: the status (any), final URL and headers after redirects. Only a failure to get an
    /// answer is an error.
    pub fn head(&self, url: &Url) -> Result<Head> {
        let req = Request { head_only: true, url, headers: Vec::new() };
        Ok(self.fetch(&req, |_| true)?.head)
    }

    /// A streaming GET (2xx): the body is read as the caller reads, capped at
    /// `max_body_bytes`. Retries happen only before the body starts.
    pub fn get_reader(&self, url: &Url) -> Result<HttpReader<'_>> {
        let req = Request { head_only: false, url, headers: Vec::new() };
        let (head, body, permit) = self.open(&req, |status| (200..300).contains(&status))?;
        Ok(HttpReader {
            url: head.url.to_string(),
            inner: body.into_with_config().limit(u64::MAX).reader(),
            left: self.opts.max_body_bytes,
            cap: self.opts.max_body_bytes,
            _permit: permit,
        })
    }

    /// Sends `req`, following redirects and retrying, and reads the whole body.
    fn fetch(&self, req: &Request<'_>, accept: impl Fn(u16) -> bool) -> Result<Fetched> {
        let mut attempt = 0u32;
        loop {
            let (head, body, permit) = self.open(req, &accept)?;
            if req.head_only {
                return Ok(Fetched { head, body: Bytes::new() });
            }
            let read = read_capped(body, self.opts.max_body_bytes);
            drop(permit);
            match read {
                Ok(bytes) => return Ok(Fetched { head, body: bytes }),
                Err(BodyError::TooLarge) => {
                    return Err(Error::http(
                        head.url.as_str(),
                        Some(head.status),
                        format!("the response is larger than the {} byte limit", self.opts.max_body_bytes),
                    ));
                }
                Err(BodyError::Io(e)) => {
                    // A body cut short: the connection broke, worth another try.
                    if attempt < self.opts.retries {
                        let wait = self.backoff(attempt);
                        attempt += 1;
                        std::thread::sleep(wait);
                        continue;
                    }
                    return Err(Error::http(
                        head.url.as_str(),
                        Some(head.status),
                        format!(
                            "the response body could not be read to its end (truncated or stalled): {}",
                            describe_io(&e)
                        ),
                    ));
                }
            }
        }
    }

    /// Sends `req` (following redirects, retrying on 429/5xx/connection failures) up to the
    /// response headers. A status `accept` refuses is an error naming URL and status.
    fn open(
        &self,
        req: &Request<'_>,
        accept: impl Fn(u16) -> bool,
    ) -> Result<(Head, ureq::Body, Permit<'_>)> {
        let mut url = req.url.clone();
        let mut visited: HashSet<String> = HashSet::new();
        visited.insert(url.to_string());
        let mut chain = vec![url.clone()];
        loop {
            self.check_target(&url)?;
            let ((status, headers, body), permit) = self.send_with_retries(req, &url)?;
            if (300..400).contains(&status)
                && status != 304
                && let Some(location) = header(&headers, "location")
            {
                let next = url.join(location).map_err(|e| {
                    Error::http(
                        url.as_str(),
                        Some(status),
                        format!("redirects to an invalid URL {location:?}: {e}"),
                    )
                })?;
                drop(body);
                drop(permit);
                if !visited.insert(next.to_string()) {
                    return Err(Error::http(
                        req.url.as_str(),
                        Some(status),
                        format!("redirect loop: {next} was already visited"),
                    ));
                }
                if chain.len() > self.opts.max_redirects as usize {
                    return Err(Error::http(
                        req.url.as_str(),
                        Some(status),
                        format!("more than {} redirects (last to {next})", self.opts.max_redirects),
                    ));
                }
                chain.push(next.clone());
                url = next;
                continue;
            }
            if !accept(status) {
                return Err(Error::http(url.as_str(), Some(status), format!("HTTP {}", status_text(status))));
            }
            let head = Head { status, url, headers, redirects: chain };
            return Ok((head, body, permit));
        }
    }

    /// One hop: paces, takes a concurrency slot, sends; retries what is worth retrying.
    fn send_with_retries(&self, req: &Request<'_>, url: &Url) -> Result<(Answer, Permit<'_>)> {
        let host = host_key(url);
        let mut attempt = 0u32;
        loop {
            self.pace(&host);
            let permit = self.permit();
            let outcome = self.send_once(req, url);
            let (wait, failure) = match outcome {
                Ok((status, headers, body)) if status == 429 || (500..600).contains(&status) => {
                    let asked =
                        header(&headers, "retry-after").and_then(|v| retry_after(v, SystemTime::now()));
                    if let Some(asked) = asked
                        && asked > self.opts.max_retry_wait
                    {
                        return Err(Error::http(
                            url.as_str(),
                            Some(status),
                            format!(
                                "HTTP {}; the server asks to retry after {} s, more than the {} s the client waits",
                                status_text(status),
                                asked.as_secs(),
                                self.opts.max_retry_wait.as_secs()
                            ),
                        ));
                    }
                    if attempt >= self.opts.retries {
                        // Out of retries: the caller sees the answer (HEAD reports any status).
                        return Ok(((status, headers, body), permit));
                    }
                    drop(body);
                    let wait = asked.unwrap_or_else(|| self.backoff(attempt));
                    (wait, Error::http(url.as_str(), Some(status), format!("HTTP {}", status_text(status))))
                }
                Ok(answer) => return Ok((answer, permit)),
                Err(Failure::Final(e)) => return Err(e),
                Err(Failure::Retry(e)) => (self.backoff(attempt), e),
            };
            drop(permit);
            if attempt >= self.opts.retries {
                return Err(match failure {
                    Error::Http { url, status, message } if attempt > 0 => Error::Http {
                        url,
                        status,
                        message: format!("{message} (after {} attempts)", attempt + 1),
                    },
                    e => e,
                });
            }
            attempt += 1;
            // Other requests to this host wait too: the server asked for a pause.
            self.push_slot(&host, Instant::now() + wait);
            std::thread::sleep(wait);
        }
    }

    fn send_once(&self, req: &Request<'_>, url: &Url) -> std::result::Result<Answer, Failure> {
        let result = if req.head_only {
            let mut b = self.agent.head(url.as_str());
            for (n, v) in &req.headers {
                b = b.header(*n, v);
            }
            b.call()
        } else {
            let mut b = self.agent.get(url.as_str());
            for (n, v) in &req.headers {
                b = b.header(*n, v);
            }
            b.call()
        };
        match result {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())
                    })
                    .collect();
                Ok((status, headers, resp.into_body()))
            }
            Err(e) => Err(classify(url, e)),
        }
    }

    /// Refuses URLs the client must not fetch: not http(s), or a private/local literal host
    /// unless allowed. (Names resolving to private addresses are refused by the resolver.)
    fn check_target(&self, url: &Url) -> Result<()> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::http(url.as_str(), None, "only http and https URLs can be fetched"));
        }
        if self.opts.allow_private_hosts {
            return Ok(());
        }
        let problem = match url.host() {
            None => Some(UrlProblem::NoHost),
            Some(url::Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip)).err(),
            Some(url::Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip)).err(),
            Some(url::Host::Domain(_)) => crate::policy::url::check(url.as_str()).err(),
        };
        match problem {
            Some(p @ (UrlProblem::Local | UrlProblem::Private)) => Err(Error::http(
                url.as_str(),
                None,
                format!("{}; pass --allow-private-hosts to fetch it", p.describe()),
            )),
            Some(p) => Err(Error::http(url.as_str(), None, p.describe())),
            None => Ok(()),
        }
    }

    /// Waits for this host's next free slot (the `--rate` limit) and books the one after.
    fn pace(&self, host: &str) {
        if self.opts.rate_per_host <= 0.0 {
            return;
        }
        let interval = Duration::from_secs_f64(1.0 / self.opts.rate_per_host);
        let start = {
            let mut slots = lock(&self.next_slot);
            let now = Instant::now();
            let start = slots.get(host).map_or(now, |&t| t.max(now));
            slots.insert(host.to_string(), start + interval);
            start
        };
        let now = Instant::now();
        if start > now {
            std::thread::sleep(start - now);
        }
    }

    fn push_slot(&self, host: &str, at: Instant) {
        let mut slots = lock(&self.next_slot);
        let slot = slots.entry(host.to_string()).or_insert(at);
        *slot = (*slot).max(at);
    }

    fn permit(&self) -> Permit<'_> {
        let mut n = lock(&self.in_flight);
        while *n >= self.opts.max_concurrency {
            n = self.slot_freed.wait(n).unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        Permit { client: self }
    }

    /// Exponential back-off with jitter (half to all of base * 2^attempt), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let full = self.opts.retry_base.saturating_mul(1u32 << attempt.min(16)).min(self.opts.max_retry_wait);
        full.mul_f64(0.5 + 0.5 * jitter())
    }
}

/// A response up to its headers: status, headers, the body still to read.
type Answer = (u16, Vec<(String, String)>, ureq::Body);

/// A slot of `max_concurrency`, given back when dropped.
#[derive(Debug)]
struct Permit<'c> {
    client: &'c Client,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut n = lock(&self.client.in_flight);
        *n = n.saturating_sub(1);
        self.client.slot_freed.notify_one();
    }
}

struct Fetched {
    head: Head,
    body: Bytes,
}

/// The body of [`Client::get_reader`]: errors name the URL; more than the cap is an error.
pub struct HttpReader<'c> {
    url: String,
    inner: ureq::BodyReader<'static>,
    left: u64,
    cap: u64,
    _permit: Permit<'c>,
}

impl std::fmt::Debug for HttpReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpReader").field("url", &self.url).field("left", &self.left).finish()
    }
}

impl Read for HttpReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // One byte past the cap tells "exactly the cap" from "more".
        let room = (self.left + 1).min(buf.len() as u64) as usize;
        let n = self
            .inner
            .read(&mut buf[..room])
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {}", self.url, describe_io(&e))))?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "{}: the response is larger than the {} byte limit",
                self.url, self.cap
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

enum BodyError {
    TooLarge,
    Io(std::io::Error),
}

fn read_capped(body: ureq::Body, cap: u64) -> std::result::Result<Bytes, BodyError> {
    if let Some(len) = body.content_length()
        && len > cap
    {
        return Err(BodyError::TooLarge);
    }
    let reader = body.into_with_config().limit(u64::MAX).reader();
    let mut out = Vec::new();
    reader.take(cap.saturating_add(1)).read_to_end(&mut out).map_err(BodyError::Io)?;
    if out.len() as u64 > cap {
        return Err(BodyError::TooLarge);
    }
    Ok(Bytes::from(out))
}

enum Failure {
    /// Worth another attempt (connection refused/reset, timeouts).
    Retry(Error),
    Final(Error),
}

fn classify(url: &Url, e: ureq::Error) -> Failure {
    let u = url.as_str();
    match e {
        ureq::Error::Io(io) => {
            if let Some(refused) = io.get_ref().and_then(|inner| inner.downcast_ref::<PrivateAddress>()) {
                return Failure::Final(Error::http(
                    u,
                    None,
                    format!(
                        "the host resolves to {}, a {} address; pass --allow-private-hosts to fetch it",
                        refused.0.ip(),
                        if matches!(check_ip(refused.0.ip()), Err(UrlProblem::Local)) {
                            "local"
                        } else {
                            "private"
                        }
                    ),
                ));
            }
            Failure::Retry(Error::http(u, None, format!("connection failed: {}", describe_io(&io))))
        }
        ureq::Error::Timeout(t) => Failure::Retry(Error::http(u, None, format!("timed out ({t})"))),
        ureq::Error::HostNotFound => Failure::Final(Error::http(u, None, "host not found")),
        ureq::Error::ConnectionFailed => Failure::Retry(Error::http(u, None, "connection failed")),
        ureq::Error::Protocol(p) => {
            Failure::Retry(Error::http(u, None, format!("invalid HTTP response: {p}")))
        }
        ureq::Error::Tls(m) => Failure::Final(Error::http(u, None, format!("TLS: {m}"))),
        other => Failure::Final(Error::http(u, None, other.to_string())),
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::UnexpectedEof => {
            "the connection closed before the end of the body (truncated)".into()
        }
        std::io::ErrorKind::TimedOut => "timed out".into(),
        _ => e.to_string(),
    }
}

fn status_text(status: u16) -> String {
    let reason = http_reason(status);
    if reason.is_empty() { status.to_string() } else { format!("{status} {reason}") }
}

fn http_reason(status: u16) -> &'static str {
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
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3), as a wait from `now`.
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)));
    }
    let at = date::parse_http_date(v)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn host_key(url: &Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or(""), url.port_or_known_default().unwrap_or(0))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A number in [0, 1) that differs between calls and threads (back-off jitter only).
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Resolves like ureq's default resolver, then refuses loopback/private/link-local addresses
/// unless allowed: a public-looking name can resolve to 10.x.
#[derive(Debug)]
struct GuardedResolver {
    allow_private: bool,
}

/// The io error payload by which the resolver tells [`classify`] which address it refused.
#[derive(Debug)]
struct PrivateAddress(SocketAddr);

impl std::fmt::Display for PrivateAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused private address {}", self.0)
    }
}

impl std::error::Error for PrivateAddress {}

impl ureq::unversioned::resolver::Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> std::result::Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let addrs = ureq::unversioned::resolver::DefaultResolver::default().resolve(uri, config, timeout)?;
        if !self.allow_private
            && let Some(bad) = first_private(&addrs)
        {
            return Err(ureq::Error::Io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                PrivateAddress(bad),
            )));
        }
        Ok(addrs)
    }
}

/// The first address that is not public. Any one refuses the host: a client picking among
/// addresses must not be steerable to the private one.
fn first_private(addrs: &[SocketAddr]) -> Option<SocketAddr> {
    addrs.iter().copied().find(|a| check_ip(a.ip()).is_err())
}

/// Whether an input path is an `http://` or `https://` URL (any case), the one test the harvester
/// and the remote readers share.
pub fn is_http_url(path: &std::path::Path) -> bool {
    path.to_str().is_some_and(|s| {
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }

    #[test]
    fn resolved_private_addresses_are_found() {
        let public: SocketAddr = "93.184.215.14:443".parse().unwrap_or_else(|_| unreachable!());
        let private: SocketAddr = "10.1.2.3:443".parse().unwrap_or_else(|_| unreachable!());
        let v6_local: SocketAddr = "[::1]:80".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(first_private(&[public]), None);
        assert_eq!(first_private(&[public, private]), Some(private));
        assert_eq!(first_private(&[v6_local]), Some(v6_local));
    }

    #[test]
    fn private_literal_hosts_are_refused_unless_allowed() {
        let refused = Client::new(HttpOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        for u in [
            "http://127.0.0.1:9/x",
            "http://localhost/x",
            "http://10.0.0.8/",
            "http://[::1]/",
            "http://2130706433/",
            "http://printer.local/",
        ] {
            let url = Url::parse(u).unwrap_or_else(|e| panic!("{e}"));
            let err = refused.get(&url).err().unwrap_or_else(|| panic!("{u} was fetched"));
            assert!(err.to_string().contains("--allow-private-hosts"), "{u}: {err}");
        }
        let url = Url::parse("ftp://example.org/x").unwrap_or_else(|e| panic!("{e}"));
        assert!(refused.get(&url).is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let opts = HttpOptions {
            retry_base: Duration::from_millis(100),
            max_retry_wait: Duration::from_secs(1),
            ..HttpOptions::default()
        };
        let c = Client::new(opts).unwrap_or_else(|e| panic!("{e}"));
        for attempt in 0..10 {
            let b = c.backoff(attempt);
            let full = Duration::from_millis(100 * (1 << attempt)).min(Duration::from_secs(1));
            assert!(b >= full / 2 && b <= full, "attempt {attempt}: {b:?}");
        }
    }
}
