//! Layer 3: the URL grammar.
//!
//! creativecommons.org `licenses/<type>/<version>[/<port>][/deed[.lang]|/legalcode[.lang]]`,
//! `publicdomain/zero|mark/1.0`; opendatacommons.org; opendefinition.org license pages; the EU
//! Publications Office licence authority; dcat-ap.de; spdx.org/licenses; opensource.org/licenses;
//! gnu.org; apache.org; the UK National Archives OGL pages; data.norge.no NLOD; choosealicense.com
//! (Hugging Face builds such links from its ids). Fixed addresses are in
//! `rules/normalize/urls.tsv`. A URL that names no license (a project's LICENSE file, a terms
//! page) is [`Resolution::Unrecognized`]: unknown on its own, neutral inside prose.

use std::sync::LazyLock;

use super::Resolution;
use super::cc::{self, MARK, PD, PDDC, Parts, ZERO};
use super::vocab::parse_result;

const URLS_TSV: &str = include_str!("../../rules/normalize/urls.tsv");

struct Fixed {
    /// (host/path prefix without trailing slash, lower case; result)
    rows: Vec<(String, Resolution)>,
    problems: Vec<String>,
}

static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
    let mut f = Fixed { rows: Vec::new(), problems: Vec::new() };
    for (n, line) in URLS_TSV.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if cols.len() < 2 {
            f.problems.push(format!("urls.tsv:{}: expected ADDRESS, RESULT", n + 1));
            continue;
        }
        match parse_result(cols[1]) {
            Ok(r) => f.rows.push((cols[0].trim_end_matches('/').to_ascii_lowercase(), r)),
            Err(e) => f.problems.push(format!("urls.tsv:{}: {e}", n + 1)),
        }
    }
    // Longest prefix first.
    f.rows.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    f
});

/// Rows of `urls.tsv` that could not be used: must stay empty.
pub fn problems() -> &'static [String] {
    &FIXED.problems
}

/// A parsed address: lower-case host without `www.` and the path segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address<'a> {
    pub host: String,
    pub segments: Vec<&'a str>,
}

/// Splits a URL (with or without scheme) into host and path segments. `None` when it has no
/// plausible host.
pub fn split(url: &str) -> Option<Address<'_>> {
    let s = url.trim();
    let rest = match s.find("://") {
        Some(p) if p <= 8 => &s[p + 3..],
        _ => s,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let rest = &rest[..end];
    let (host, path) = match rest.find('/') {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, ""),
    };
    let host = host.rsplit('@').next().unwrap_or(host);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_string).unwrap_or(host);
    if host.is_empty() || !host.contains('.') {
        return None;
    }
    Some(Address { host, segments: path.split('/').filter(|p| !p.is_empty()).collect() })
}

/// Identifies the license a URL names. `None` when the string is not a URL at all.
pub fn parse_url(url: &str) -> Option<Resolution> {
    let a = split(url)?;
    if let Some(r) = fixed(&a) {
        return Some(r);
    }
    let seg = |i: usize| a.segments.get(i).copied().unwrap_or("");
    let r = match a.host.as_str() {
        "creativecommons.org" | "creativecommons.net" => creative_commons(&a.segments),
        "opendatacommons.org" => open_data_commons(&a.segments),
        "opendefinition.org" | "licenses.opendefinition.org"
            if seg(0) == "licenses" && !seg(1).is_empty() =>
        {
            code(seg(1))
        }
        "publications.europa.eu" | "data.europa.eu" => {
            let pos = a.segments.iter().position(|s| s.eq_ignore_ascii_case("licence"));
            pos.and_then(|p| a.segments.get(p + 1)).and_then(|c| code(c))
        }
        "dcat-ap.de" if seg(0) == "def" && seg(1) == "licenses" && a.segments.len() > 2 => {
            code(&a.segments[2..].join("/"))
        }
        "spdx.org" if seg(0) == "licenses" => spdx_page(seg(1)),
        "opensource.org" if matches!(seg(0), "licenses" | "license") && !seg(1).is_empty() => {
            spdx_page(seg(1)).or_else(|| code(strip_ext(seg(1))))
        }
        "gnu.org" if seg(0) == "licenses" => a.segments.last().and_then(|last| code(strip_ext(last))),
        "apache.org" if seg(0) == "licenses" => {
            let v = strip_ext(seg(1)).to_ascii_lowercase();
            v.strip_prefix("license-").and_then(|ver| code(&format!("apache {ver}")))
        }
        "nationalarchives.gov.uk" | "nationalarchives.gov.uk." => {
            let pos = a.segments.iter().position(|s| *s == "version");
            match pos.and_then(|p| a.segments.get(p + 1)) {
                Some(v) => code(&format!("ogl uk {v}")),
                None if a.segments.iter().any(|s| s.starts_with("open-government-licence")) => code("ogl uk"),
                None => None,
            }
        }
        "data.norge.no" if seg(0) == "nlod" => a.segments.last().and_then(|v| code(&format!("nlod {v}"))),
        "choosealicense.com" if seg(0) == "licenses" && !seg(1).is_empty() => code(seg(1)),
        _ => None,
    };
    Some(r.unwrap_or(Resolution::Unrecognized))
}

fn strip_ext(s: &str) -> &str {
    let mut s = s;
    for ext in [".html", ".htm", ".php", ".txt", ".json", ".md", ".en", ".de", ".fr"] {
        let cut = s.len().saturating_sub(ext.len());
        if cut > 0 && s.get(cut..).is_some_and(|tail| tail.eq_ignore_ascii_case(ext)) {
            s = &s[..cut];
        }
    }
    s
}

fn fixed(a: &Address<'_>) -> Option<Resolution> {
    let mut addr = a.host.clone();
    for s in &a.segments {
        addr.push('/');
        addr.push_str(&s.to_ascii_lowercase());
    }
    for (k, r) in &FIXED.rows {
        if addr == *k || (addr.starts_with(k.as_str()) && addr.as_bytes().get(k.len()) == Some(&b'/')) {
            return Some(r.clone());
        }
    }
    None
}

/// spdx.org/licenses/MIT.html, opensource.org/licenses/MIT: a (possibly deprecated) id.
fn spdx_page(page: &str) -> Option<Resolution> {
    let id = strip_ext(page);
    let m = super::spdx_ids::parse_expression(id)?;
    if m.compound { None } else { Some(Resolution::License(m.expression)) }
}

/// A vocabulary code (`cc-by/4.0`, `ODC_BL`, `gpl-3.0`, `odc-pddl`) resolved as a whole.
fn code(c: &str) -> Option<Resolution> {
    let c = c.replace(['-', '_', '/'], " ");
    // "1 0" (a version written 1-0 or 1_0) -> "1.0".
    let c = join_split_versions(&c);
    super::resolve_code(&c)
}

fn join_split_versions(s: &str) -> String {
    let words: Vec<&str> = s.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < words.len() {
        if !out.is_empty() {
            out.push(' ');
        }
        let w = words[i];
        let short_num = |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
        if short_num(w) && i + 1 < words.len() && short_num(words[i + 1]) && w.len() == 1 {
            out.push_str(w);
            out.push('.');
            out.push_str(words[i + 1]);
            i += 2;
            continue;
        }
        out.push_str(w);
        i += 1;
    }
    out
}

fn creative_commons(segs: &[&str]) -> Option<Resolution> {
    let lower: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let seg = |i: usize| lower.get(i).map(String::as_str).unwrap_or("");
    let version_at = |i: usize| cc::VERSIONS.iter().copied().find(|v| *v == seg(i));
    let port_at = |i: usize| {
        let s = seg(i);
        if s.starts_with("deed") || s.starts_with("legalcode") || s.is_empty() {
            None
        } else {
            cc::port_code(s)
        }
    };
    let parts = match (seg(0), seg(1)) {
        ("licenses", "publicdomain") => Parts { elems: PDDC, ..Parts::default() },
        ("licenses", code) if !code.is_empty() => {
            let elems = cc::code_elements(code)?;
            let version = version_at(2);
            if version.is_none()
                && !seg(2).is_empty()
                && !seg(2).starts_with("deed")
                && !seg(2).starts_with("legalcode")
            {
                return None;
            }
            let port = if version.is_some() { port_at(3) } else { None };
            if version.is_some() && port.is_none() && !seg(3).is_empty() && !is_doc(seg(3)) {
                return None;
            }
            Parts { elems, version, port, conflict: false }
        }
        ("publicdomain", "zero") => Parts { elems: ZERO, version: version_at(2), ..Parts::default() },
        ("publicdomain", "mark") => Parts { elems: MARK, version: version_at(2), ..Parts::default() },
        ("share-your-work", "public-domain") => match seg(2) {
            "cc0" => Parts { elems: ZERO, ..Parts::default() },
            "pdm" => Parts { elems: MARK, ..Parts::default() },
            _ => Parts { elems: PD, ..Parts::default() },
        },
        _ => return None,
    };
    Some(cc::resolve(&parts))
}

fn is_doc(s: &str) -> bool {
    s.starts_with("deed") || s.starts_with("legalcode") || s == "rdf" || s.starts_with("index")
}

fn open_data_commons(segs: &[&str]) -> Option<Resolution> {
    if segs.first().copied() != Some("licenses") {
        return None;
    }
    let id = match segs.get(1).map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("odbl") => "ODbL-1.0",
        Some("by") => "ODC-By-1.0",
        Some("pddl") => "PDDL-1.0",
        Some("dbcl") => "LicenseRef-DbCL-1.0",
        _ => return None,
    };
    // Only 1.0 of each exists; another version number is not something we know.
    match segs.get(2) {
        Some(v) if v.starts_with(|c: char| c.is_ascii_digit()) && !matches!(*v, "1.0" | "1-0" | "1") => None,
        _ => Some(Resolution::License(id.to_string())),
    }
}
