//! `--check-urls`: online evidence for the access and license URLs of a manifest.
//!
//! The audit collects each DISTINCT URL in a first read of the manifests (see `crate::run`),
//! checks each once here (thread-free: the runner decides how many run at once; the client
//! paces each host), and the row loop then looks each row's URL up in [`UrlChecks`], so findings
//! land on the right rows and the counts stay true.
//!
//! - An access URL is asked with HEAD; a server that refuses HEAD (405, 501) is asked for its
//!   first byte with a ranged GET. No answer (refused, timed out, reset, a 5xx after retries) is
//!   `access-location-unreachable`; a 4xx is `access-location-http-error` (401, 403 and 407 are
//!   `access-login-required`, as is an HTML page with a password field where the URL
//!   names a file); a redirect to another host is `access-location-other-host`.
//! - A license URL is fetched once (GET, capped) and must name the license the item declares:
//!   its SPDX id, or a name a registry gives it, in the page's text; else `license-url-unverified`.
//!
//! Results are cached across runs in `DIR/url-checks.tsv` (`--cache DIR`): a URL checked within
//! [`CACHE_TTL`] is not asked again.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::Url;

use crate::http::Client;
use crate::policy::{Rule, quote};

/// Distinct access URLs checked per run; beyond it the rest are not checked and the report says
/// how many (a note), so memory stays bounded on manifests of millions of distinct URLs.
pub const MAX_ACCESS_URLS: usize = 200_000;

/// Distinct license URLs fetched per run (license pages are few; each is read whole).
pub const MAX_LICENSE_URLS: usize = 5_000;

/// How much of a license page is read (its text is searched for the license's names).
pub const MAX_LICENSE_PAGE: u64 = 2 << 20;

/// How long a cached check result stands.
pub const CACHE_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// What checking one access URL found. Only problems are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub rule: Rule,
    /// Short, for grouping ("HTTP 404", "connection refused").
    pub kind: String,
    /// The finding's text about this URL.
    pub message: String,
    /// The URL as quoted in reports (the finding's value).
    pub value: String,
}

impl Problem {
    /// The message of the group of findings of this rule and kind.
    pub fn group_message(&self) -> String {
        match self.rule {
            Rule::AccessLocationUnreachable => format!("the access URL cannot be reached ({})", self.kind),
            Rule::AccessLocationHttpError => format!("the access URL answers {}", self.kind),
            Rule::AccessLoginRequired => format!("the access URL needs a login ({})", self.kind),
            Rule::AccessLocationOtherHost => "the access URL redirects to another host".to_string(),
            _ => format!("the license URL does not confirm the declared license ({})", self.kind),
        }
    }
}

/// The outcome of the checks, read by the row loop.
#[derive(Debug, Default)]
pub struct UrlChecks {
    /// Access URL (as written, trimmed) -> its problem.
    pub access: HashMap<String, Problem>,
    /// License URL (trimmed) -> license statement as written -> the problem, for pairs whose
    /// page does not name the license (two maps, so a row's lookup allocates nothing).
    pub license: HashMap<String, HashMap<String, Problem>>,
    /// Notes for the report (URLs past the caps, cache problems).
    pub notes: Vec<String>,
    pub checked: usize,
    pub from_cache: usize,
}

impl UrlChecks {
    pub fn access_problem(&self, url: &str) -> Option<&Problem> {
        if self.access.is_empty() {
            return None;
        }
        self.access.get(url.trim())
    }

    pub fn license_problem(&self, license_url: &str, license: &str) -> Option<&Problem> {
        if self.license.is_empty() {
            return None;
        }
        self.license.get(license_url.trim())?.get(license)
    }
}

/// Extensions that promise a file (not a web page): an HTML answer there is not the file.
const FILE_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "json", "jsonl", "ndjson", "parquet", "pq", "zip", "gz", "tgz", "bz2", "xz", "zst", "7z",
    "tar", "pdf", "xlsx", "xls", "ods", "xml", "nc", "h5", "hdf5", "tif", "tiff", "png", "jpg", "jpeg",
    "mp3", "mp4", "wav", "flac", "txt", "arrow", "feather", "shp", "geojson", "gpkg", "rdf", "ttl", "nt",
];

fn promises_file(url: &Url) -> bool {
    let name = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("");
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| FILE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Whether an HTML page is a sign-in form: a password field, or a form posting to a login path.
pub fn is_login_page(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    let password = lower.contains("type=\"password\"")
        || lower.contains("type='password'")
        || lower.contains("type=password");
    let login_form = [
        "action=\"/login",
        "action=\"/signin",
        "action=\"/sign-in",
        "action=\"/user/login",
        "action=\"/accounts/login",
    ]
    .iter()
    .any(|a| lower.contains(a));
    password || login_form
}

fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or("").trim_end_matches('.').to_ascii_lowercase()
}

fn problem(rule: Rule, raw: &str, kind: impl Into<String>, message: impl Into<String>) -> Option<Problem> {
    Some(Problem { rule, kind: kind.into(), message: message.into(), value: quote(raw) })
}

/// Checks one access URL (`raw` as written). `None`: it answered with what it promised.
pub fn check_access(client: &Client, raw: &str) -> Option<Problem> {
    let shown = quote(raw);
    let Ok(url) = Url::parse(raw.trim()) else {
        // The row loop reports invalid URLs (`access-location-invalid`); nothing to ask.
        return None;
    };
    let head = match client.head(&url) {
        Ok(h) => h,
        Err(e) => return from_error(raw, &e),
    };
    let mut status = head.status;
    let mut final_url = head.url.clone();
    let mut content_type = head.header("content-type").map(str::to_ascii_lowercase);
    let mut body_start: Option<bytes::Bytes> = None;
    if matches!(status, 405 | 501) {
        // HEAD refused: the first byte with a GET.
        match client.peek(&url, 1) {
            Ok((h, body)) => {
                status = h.status;
                final_url = h.url.clone();
                content_type = h.header("content-type").map(str::to_ascii_lowercase);
                body_start = Some(body);
            }
            Err(e) => return from_error(raw, &e),
        }
    }
    if host_of(&final_url) != host_of(&url) {
        return problem(
            Rule::AccessLocationOtherHost,
            raw,
            "redirected to another host",
            format!("access URL `{shown}` redirects to another host: {final_url}"),
        );
    }
    match status {
        200..=299 => {}
        401 | 403 | 407 => {
            return problem(
                Rule::AccessLoginRequired,
                raw,
                format!("HTTP {status}"),
                format!("access URL `{shown}` answers HTTP {status}: the file needs a login or permission"),
            );
        }
        400..=499 => {
            return problem(
                Rule::AccessLocationHttpError,
                raw,
                format!("HTTP {status}"),
                format!("access URL `{shown}` answers HTTP {status}"),
            );
        }
        _ => {
            return problem(
                Rule::AccessLocationUnreachable,
                raw,
                format!("HTTP {status}"),
                format!("access URL `{shown}` answers HTTP {status} (tried again, same answer)"),
            );
        }
    }
    // A web page where a file was promised: a login page is a barrier; read its start to see.
    if promises_file(&url) && content_type.as_deref().is_some_and(|c| c.starts_with("text/html")) {
        let page = match body_start {
            Some(b) if b.len() > 1 => b,
            _ => match client.peek(&url, 64 * 1024) {
                Ok((_, b)) => b,
                Err(e) => return from_error(raw, &e),
            },
        };
        if is_login_page(&String::from_utf8_lossy(&page)) {
            return problem(
                Rule::AccessLoginRequired,
                raw,
                "login page",
                format!("access URL `{shown}` names a file but answers with a sign-in page"),
            );
        }
    }
    None
}

fn from_error(raw: &str, e: &crate::error::Error) -> Option<Problem> {
    let shown = quote(raw);
    match e.http_status() {
        Some(s @ (401 | 403 | 407)) => problem(
            Rule::AccessLoginRequired,
            raw,
            format!("HTTP {s}"),
            format!("access URL `{shown}` answers HTTP {s}: the file needs a login or permission"),
        ),
        Some(s @ 400..=499) => problem(
            Rule::AccessLocationHttpError,
            raw,
            format!("HTTP {s}"),
            format!("access URL `{shown}` answers HTTP {s}"),
        ),
        _ => {
            let why = match e {
                crate::error::Error::Http { message, .. } => message.clone(),
                other => other.to_string(),
            };
            let kind = if why.contains("redirect loop") || why.contains("redirects (") {
                "too many redirects"
            } else {
                "no answer"
            };
            problem(
                Rule::AccessLocationUnreachable,
                raw,
                kind,
                format!("access URL `{shown}` cannot be reached: {why}"),
            )
        }
    }
}

/// The text of an HTML page (tags, scripts and styles dropped), or the text as it is.
pub fn page_text(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(s.len() / 2);
    let lower = s.to_ascii_lowercase();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'<' {
            // Skip script/style bodies whole.
            let skip_to = ["script", "style"].iter().find_map(|t| {
                lower[i + 1..].starts_with(t).then(|| lower[i..].find(&format!("</{t}")).map(|p| i + p))
            });
            let from = skip_to.flatten().unwrap_or(i);
            match lower[from..].find('>') {
                Some(p) => i = from + p + 1,
                None => break,
            }
            out.push(' ');
            continue;
        }
        let ch_len = s[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&s[i..i + ch_len]);
        i += ch_len;
    }
    out.replace("&nbsp;", " ").replace("&amp;", "&")
}

/// Lower-cased, `-`/`_`/`,` as spaces, runs of whitespace as one space: "CC BY-SA 4.0" and
/// "cc-by-sa-4.0" fold alike.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    for c in s.chars() {
        let c =
            if c == '-' || c == '_' || c == ',' || c.is_whitespace() { ' ' } else { c.to_ascii_lowercase() };
        if c == ' ' {
            if !space {
                out.push(' ');
            }
            space = true;
        } else {
            out.push(c);
            space = false;
        }
    }
    out
}

/// Whether `needle` occurs in `hay` (both folded) as whole words.
fn has_words(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(p) = hay[from..].find(needle) {
        let start = from + p;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        // A version is whole too: "4.0" must not match in "4.01".
        let mut rest = hay[end..].chars();
        let after = match rest.next() {
            None => true,
            // A full stop ends the name unless a digit follows ("4.0." yes, "4.01" no).
            Some('.') => rest.next().is_none_or(|c| !c.is_ascii_digit()),
            Some(c) => !c.is_alphanumeric(),
        };
        if before && after {
            return true;
        }
        from = start + 1;
        while !hay.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// The SPDX ids an expression names (`MIT OR Apache-2.0` -> both).
fn ids_of(expression: &str) -> Vec<String> {
    expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty() && !matches!(*t, "AND" | "OR" | "WITH"))
        .map(str::to_string)
        .collect()
}

/// Whether a license page's text names the license `license` (a statement as written): one of
/// its SPDX ids, or a name the SPDX list or another registry gives it, in the page's text or
/// its title read by the normalizer. `None` when the statement names no license (then there is
/// nothing to verify: other rules report it).
pub fn page_names_license(text: &str, title: Option<&str>, license: &str) -> Option<bool> {
    let normalized = crate::license::normalize(license);
    let expression = normalized.expression?;
    let ids = ids_of(&expression);
    if ids.is_empty() {
        return None;
    }
    let hay = fold(text);
    let from_title = title.and_then(|t| crate::license::normalize(t).expression).map(|e| ids_of(&e));
    let spdx = crate::license::registry::spdx_rows();
    let names = crate::license::registry::names();
    // Every license of the expression must be named (a page of one of two licenses does not
    // verify both).
    Some(ids.iter().all(|id| {
        if from_title.as_ref().is_some_and(|t| t.contains(id)) {
            return true;
        }
        if has_words(&hay, &fold(id)) {
            return true;
        }
        let spdx_name = spdx.iter().find(|r| r.id == id).map(|r| r.name);
        if spdx_name.is_some_and(|n| has_words(&hay, &fold(n))) {
            return true;
        }
        names.iter().any(|n| {
            matches!(&n.res, crate::license::Resolution::License(e) if e == id)
                && n.name.len() >= 6
                && has_words(&hay, &fold(n.name))
        })
    }))
}

/// A license page as fetched once: its text (folded later per license) and title.
#[derive(Debug, Clone)]
pub enum LicensePage {
    Text { text: String, title: Option<String> },
    Failed(Problem),
}

/// Fetches a license page (at most [`MAX_LICENSE_PAGE`] bytes).
pub fn fetch_license_page(client: &Client, raw: &str) -> LicensePage {
    let shown = quote(raw);
    let Ok(url) = Url::parse(raw.trim()) else {
        return LicensePage::Failed(Problem {
            rule: Rule::LicenseUrlUnverified,
            kind: "not a URL".into(),
            message: format!("license URL `{shown}` is not a URL that can be fetched"),
            value: shown.clone(),
        });
    };
    match client.peek(&url, MAX_LICENSE_PAGE) {
        Ok((h, body)) if (200..300).contains(&h.status) => {
            let raw_text = String::from_utf8_lossy(&body);
            let title = raw_text.to_ascii_lowercase().find("<title").and_then(|p| {
                let rest = &raw_text[p..];
                let start = rest.find('>')? + 1;
                let end = rest[start..].find('<')? + start;
                Some(rest[start..end].trim().to_string())
            });
            LicensePage::Text { text: page_text(&body), title }
        }
        Ok((h, _)) => LicensePage::Failed(Problem {
            rule: Rule::LicenseUrlUnverified,
            kind: format!("HTTP {}", h.status),
            message: format!(
                "license URL `{shown}` answers HTTP {}: the license it names cannot be verified",
                h.status
            ),
            value: shown.clone(),
        }),
        Err(e) => LicensePage::Failed(Problem {
            rule: Rule::LicenseUrlUnverified,
            kind: "no answer".into(),
            message: format!(
                "license URL `{shown}` cannot be fetched ({e}): the license it names cannot be verified"
            ),
            value: shown.clone(),
        }),
    }
}

/// The problem of an item whose license URL's page was fetched: `None` when it names the
/// declared license (or the statement names none to verify).
pub fn license_problem(page: &LicensePage, license_url: &str, license: &str) -> Option<Problem> {
    match page {
        LicensePage::Failed(p) => Some(p.clone()),
        LicensePage::Text { text, title } => match page_names_license(text, title.as_deref(), license) {
            Some(false) => Some(Problem {
                rule: Rule::LicenseUrlUnverified,
                kind: "page names another license".into(),
                message: format!(
                    "license URL `{}` does not name the declared license `{}`",
                    quote(license_url),
                    quote(license)
                ),
                value: quote(license_url),
            }),
            _ => None,
        },
    }
}

/// The on-disk cache of access checks: one line per URL, `checked-at \t url \t rule \t kind \t
/// message` (rule `-` for a URL that answered well).
#[derive(Debug)]
pub struct CheckCache {
    path: PathBuf,
    entries: HashMap<String, (u64, Option<Problem>)>,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl CheckCache {
    /// Loads `dir/url-checks.tsv` (missing: empty). Lines older than [`CACHE_TTL`] or unreadable
    /// are dropped.
    pub fn open(dir: &Path) -> std::io::Result<CheckCache> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("url-checks.tsv");
        let mut entries = HashMap::new();
        if let Ok(f) = std::fs::File::open(&path) {
            let oldest = now_secs().saturating_sub(CACHE_TTL.as_secs());
            for line in std::io::BufReader::new(f).lines() {
                let line = line?;
                let parts: Vec<&str> = line.splitn(5, '\t').collect();
                let [at, url, rule, kind, message] = parts.as_slice() else { continue };
                let Ok(at) = at.parse::<u64>() else { continue };
                if at < oldest {
                    continue;
                }
                let problem = match *rule {
                    "-" => None,
                    code => match Rule::from_code(code) {
                        Some(rule) => Some(Problem {
                            rule,
                            kind: kind.to_string(),
                            message: message.to_string(),
                            value: quote(url),
                        }),
                        None => continue,
                    },
                };
                entries.insert(url.to_string(), (at, problem));
            }
        }
        Ok(CheckCache { path, entries })
    }

    pub fn get(&self, url: &str) -> Option<&Option<Problem>> {
        self.entries.get(url).map(|(_, p)| p)
    }

    /// Writes the cache with `new` results added (whole file, through a temporary file).
    pub fn save(&mut self, new: &[(String, Option<Problem>)]) -> std::io::Result<()> {
        let at = now_secs();
        for (url, p) in new {
            self.entries.insert(url.clone(), (at, p.clone()));
        }
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let tmp = self.path.with_extension("tsv.tmp");
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            for (url, (at, p)) in &self.entries {
                match p {
                    None => writeln!(out, "{at}\t{}\t-\t\t", clean(url))?,
                    Some(p) => writeln!(
                        out,
                        "{at}\t{}\t{}\t{}\t{}",
                        clean(url),
                        p.rule.code(),
                        clean(&p.kind),
                        clean(&p.message)
                    )?,
                }
            }
            out.flush()?;
        }
        std::fs::rename(&tmp, &self.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_names_the_license_by_id_name_or_title() {
        let cc = "Deed - Attribution 4.0 International - Creative Commons. Canonical URL. CC BY 4.0.";
        assert_eq!(page_names_license(cc, None, "CC-BY-4.0"), Some(true));
        assert_eq!(page_names_license(cc, None, "cc-by-sa-4.0"), Some(false));
        let mit = "The MIT License. Permission is hereby granted, free of charge";
        assert_eq!(page_names_license(mit, None, "MIT"), Some(true));
        assert_eq!(page_names_license(mit, None, "Apache-2.0"), Some(false));
        assert_eq!(
            page_names_license("Terms", Some("Apache License, Version 2.0"), "Apache 2.0"),
            Some(true)
        );
        // Nothing to verify when the statement names no license.
        assert_eq!(page_names_license(mit, None, "ask the author"), None);
        // A version is whole: 4.0 is not 4.01.
        assert!(!has_words(&fold("cc by 4.01"), &fold("CC-BY-4.0")));
    }

    #[test]
    fn page_text_drops_markup_and_scripts() {
        let html = b"<html><head><title>T</title><script>var x='MIT';</script></head><body><p>CC&nbsp;BY</p></body></html>";
        let t = page_text(html);
        assert!(t.contains("CC BY"));
        assert!(!t.contains("MIT"));
    }

    #[test]
    fn login_pages_are_recognized() {
        assert!(is_login_page("<form><input type=\"password\" name=p></form>"));
        assert!(is_login_page("<form method=post action=\"/user/login?next=/x\">"));
        assert!(!is_login_page("<html><body>Index of /data</body></html>"));
    }
}
