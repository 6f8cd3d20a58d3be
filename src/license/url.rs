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
    let Some(a) = split(url) else {
        // "http://unknown-license": a placeholder written as an address (no host at all).
        return placeholder_address(url);
    };
    // An archived copy (web.archive.org/web/<timestamp>/<address>) names what its address names.
    if matches!(a.host.as_str(), "web.archive.org" | "wayback.archive.org")
        && let Some(p) = url.find("/web/")
        && let Some((_, inner)) = url[p + 5..].split_once('/')
        && inner.len() < url.len()
    {
        return parse_url(inner);
    }
    if let Some(r) = fixed(&a) {
        return Some(r);
    }
    if a.host == "w3id.org" && a.segments.first() == Some(&"italia") {
        return italian_vocabulary(&a.segments);
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
        // The vocabulary's dated page names each licence by an anchor (20210721.html#dl-by-de/2.0).
        "dcat-ap.de" if seg(0) == "def" && seg(1) == "licenses" && url.contains('#') => {
            url.split_once('#').and_then(|(_, anchor)| code(anchor.trim()))
        }
        "dcat-ap.de" if seg(0) == "def" && seg(1) == "licenses" && a.segments.len() > 2 => {
            code(&a.segments[2..].join("/"))
        }
        "spdx.org" if seg(0) == "licenses" => spdx_page(seg(1)),
        "opensource.org" if matches!(seg(0), "licenses" | "license") && !seg(1).is_empty() => {
            spdx_page(seg(1)).or_else(|| code(strip_ext(seg(1))))
        }
        // The FSF's list names each license by an anchor (license-list.html#ModifiedBSD).
        "gnu.org" if seg(0) == "licenses" && strip_ext(seg(1)).eq_ignore_ascii_case("license-list") => {
            url.split_once('#').and_then(|(_, anchor)| super::registry::fsf_anchor(anchor.trim()))
        }
        "gnu.org" if seg(0) == "licenses" => a.segments.last().and_then(|last| code(strip_ext(last))),
        "apache.org" if seg(0) == "licenses" => {
            let v = strip_ext(seg(1)).to_ascii_lowercase();
            v.strip_prefix("license-").and_then(|ver| code(&format!("apache {ver}")))
        }
        "nationalarchives.gov.uk" | "nationalarchives.gov.uk." => {
            // Only the Open Government Licence's own pages: the same site serves the
            // Non-Commercial Government Licence and the Charged Licence under `version/N` too.
            // Other licences there (NCGL-UK-2.0) are left to the registry index.
            if a.segments.iter().any(|s| s.to_ascii_lowercase().starts_with("open-government-licence")) {
                let pos = a.segments.iter().position(|s| *s == "version");
                match pos.and_then(|p| a.segments.get(p + 1)) {
                    Some(v) => code(&format!("ogl uk {v}")),
                    None => code("ogl uk"),
                }
            } else {
                None
            }
        }
        "data.norge.no" if seg(0) == "nlod" => a.segments.last().and_then(|v| code(&format!("nlod {v}"))),
        "choosealicense.com" if seg(0) == "licenses" && !seg(1).is_empty() => code(seg(1)),
        "mozilla.org" => mozilla(&a.segments),
        "eclipse.org" => eclipse(&a.segments),
        "licensebuttons.net" | "i.licensebuttons.net" | "i.creativecommons.org" => {
            license_button(&a.segments)
        }
        "img.shields.io" | "shields.io" if seg(0) == "badge" => shields_badge(seg(1)),
        "github.com" | "raw.githubusercontent.com" | "gitlab.com" => repository_file(&a),
        _ => None,
    };
    // The grammars above know a steward's address forms; the registry index knows every
    // reference URL the SPDX list gives (one address, one id; shared by several: ambiguous).
    let r = r.or_else(|| canonical(url).and_then(|k| super::registry::url_lookup(&k)));
    // A page named as a placeholder ("unknown-license") on some host.
    let r = r.or_else(|| {
        let last = a.segments.last()?;
        last.to_ascii_lowercase().contains("licen").then(|| placeholder_address(url)).flatten()
    });
    Some(r.unwrap_or(Resolution::Unrecognized))
}

/// An address that only says no license is known: `http://unknown-license`,
/// `project-open-data.cio.gov/unknown-license/` (the DCAT-US placeholder).
fn placeholder_address(url: &str) -> Option<Resolution> {
    let s = url.trim();
    let rest = s.find("://").map_or(s, |p| &s[p + 3..]);
    let last = rest.trim_end_matches('/').rsplit('/').next()?;
    let e = super::vocab::lookup(&super::vocab::key_of(last))?;
    matches!(e.res, Resolution::Missing).then_some(Resolution::Missing)
}

/// The canonical form of a license address, the key of the registry URL index: no scheme, no
/// `www.`, no query or fragment, lower case, no trailing slash, no `index.html`, no `.txt` /
/// `.html` / `.php` extension or language suffix on the last segment, and no trailing `legalcode`
/// / `deed` page (they show the same license). `None` when it has no plausible host.
pub fn canonical(url: &str) -> Option<String> {
    let a = split(url)?;
    let mut segs: Vec<String> = a.segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    while let Some(last) = segs.last() {
        let stem = strip_ext(last);
        let drop = (matches!(stem, "index" | "legalcode" | "deed") && segs.len() > 1)
            || stem.starts_with("legalcode.")
            || stem.starts_with("deed.");
        if drop {
            segs.pop();
        } else {
            let stem = stem.to_string();
            if let Some(l) = segs.last_mut() {
                *l = stem;
            }
            break;
        }
    }
    let mut out = a.host;
    for s in &segs {
        out.push('/');
        out.push_str(s);
    }
    Some(out)
}

/// mozilla.org/MPL/2.0/, mozilla.org/en-US/MPL/1.1/, mozilla.org/MPL/MPL-1.1.html.
fn mozilla(segs: &[&str]) -> Option<Resolution> {
    let pos = segs.iter().position(|s| s.eq_ignore_ascii_case("mpl"))?;
    let next = strip_ext(segs.get(pos + 1)?);
    let v = next.trim_start_matches(|c: char| !c.is_ascii_digit());
    if v.is_empty() {
        return None;
    }
    // The folder also holds the Netscape Public License (MPL/NPL-1.1.html): the page's own name
    // decides, and only a version or `MPL-<version>` is the MPL.
    let name = &next[..next.len() - v.len()];
    if !(name.is_empty() || name.eq_ignore_ascii_case("mpl-") || name.eq_ignore_ascii_case("mpl")) {
        return code(next);
    }
    code(&format!("mpl {v}"))
}

/// eclipse.org/legal/epl-2.0/, eclipse.org/legal/epl-v10.html, eclipse.org/org/documents/epl-v10.php.
fn eclipse(segs: &[&str]) -> Option<Resolution> {
    segs.iter().rev().find_map(|s| {
        let s = strip_ext(s).to_ascii_lowercase();
        let v = s.strip_prefix("epl-")?.trim_start_matches('v');
        // "v10" is 1.0, "v20" 2.0: two digits without a dot are a squashed version.
        let v = match v.as_bytes() {
            [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => format!("{}.{}", *a as char, *b as char),
            _ => v.to_string(),
        };
        code(&format!("epl {v}"))
    })
}

/// Creative Commons buttons: licensebuttons.net/l/by-sa/4.0/88x31.png is the button of
/// creativecommons.org/licenses/by-sa/4.0/, /p/zero/1.0/ of publicdomain/zero/1.0/.
fn license_button(segs: &[&str]) -> Option<Resolution> {
    let mut path: Vec<&str> = segs.to_vec();
    // The image file ("88x31.png") is not part of the license's path.
    if path.last().is_some_and(|l| {
        let l = l.to_ascii_lowercase();
        [".png", ".svg", ".gif", ".jpg"].iter().any(|e| l.ends_with(e))
    }) {
        path.pop();
    }
    let first = match path.first().copied() {
        Some("l") => "licenses",
        Some("p") => "publicdomain",
        _ => return None,
    };
    path[0] = first;
    creative_commons(&path)
}

/// A shields.io badge, `badge/<label>-<message>-<color>.svg` (`--` is a dash, `_` a space):
/// the message is read as a statement of its own when the label says it is a license, or when
/// there is no label.
fn shields_badge(text: &str) -> Option<Resolution> {
    let text = strip_ext(text);
    let mut parts: Vec<String> = vec![String::new()];
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                parts.last_mut()?.push('-');
                i += 2;
                continue;
            }
            b'-' => parts.push(String::new()),
            b'_' if b.get(i + 1) == Some(&b'_') => {
                parts.last_mut()?.push('_');
                i += 2;
                continue;
            }
            b'_' => parts.last_mut()?.push(' '),
            _ => {
                let c = text[i..].chars().next()?;
                parts.last_mut()?.push(c);
                i += c.len_utf8();
                continue;
            }
        }
        i += 1;
    }
    let decoded: Vec<String> = parts.iter().map(|p| percent_decode(p)).collect();
    let message = match decoded.as_slice() {
        [label, message, _color] if is_license_label(label) => message,
        [message, _color] => message,
        _ => return None,
    };
    if message.contains(['/', ':']) || message.len() > 80 {
        return None;
    }
    let n = super::normalize(message);
    Some(match n.status {
        super::Status::Exact | super::Status::Normalized => Resolution::License(n.expression?),
        super::Status::Ambiguous => Resolution::Ambiguous(n.candidates),
        _ => Resolution::Unrecognized,
    })
}

fn is_license_label(label: &str) -> bool {
    let l = label.trim().to_ascii_lowercase();
    matches!(l.as_str(), "license" | "licence" | "licensed" | "license data" | "data license")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A file in a code repository: a project's `LICENSE` names no license by its address (only its
/// text would tell), so it is unrecognized. It names one only by REUSE's convention,
/// `LICENSES/<SPDX id>.txt` (a listed id; a `LicenseRef-` there is the project's own text).
/// `LICENSE.Sendmail`-style names are not taken: the SPDX list's own reference to such a file is
/// Sendmail-Open-Source-1.1, not Sendmail.
fn repository_file(a: &Address<'_>) -> Option<Resolution> {
    let n = a.segments.len();
    let file = *a.segments.last()?;
    let parent = if n >= 2 { a.segments[n - 2] } else { "" };
    if parent.eq_ignore_ascii_case("licenses") {
        return match spdx_page(file) {
            Some(Resolution::License(id)) if super::spdx_ids::is_listed(&id) => Some(Resolution::License(id)),
            _ => None,
        };
    }
    None
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

/// Italy's national licence vocabulary (AgID, DCAT-AP_IT), generated from its RDF by
/// `scripts/update-license-data`: each concept URI with the licence document it stands for.
const IT_LICENCES_TSV: &str = include_str!("../../rules/normalize/generated/it-licences.tsv");

/// A concept of the Italian vocabulary (`w3id.org/italia/controlled-vocabulary/licences/A21_CCBY40`)
/// reads as its reference document when that names one license, else as its label; a class of
/// licences (`A_OpenLicense`) or an unknown-IPR concept by its label (unrecognized / missing).
/// A concept the vocabulary does not list is unrecognized.
fn italian_vocabulary(segments: &[&str]) -> Option<Resolution> {
    let concept = segments.last()?;
    if segments.len() != 4 || segments[1] != "controlled-vocabulary" || segments[2] != "licences" {
        return None;
    }
    let (doc, label) = IT_LICENCES_TSV.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let mut c = l.split('\t');
        let uri = c.next()?;
        (uri.rsplit('/').next() == Some(concept)).then(|| (c.next().unwrap_or("-"), c.next().unwrap_or("")))
    })?;
    let from_doc = if doc == "-" { None } else { parse_url(doc) };
    if let Some(r @ Resolution::License(_)) = &from_doc {
        return Some(r.clone());
    }
    let n = super::normalize(label);
    match n.status {
        super::Status::Exact | super::Status::Normalized => n.expression.map(Resolution::License),
        super::Status::Missing => Some(Resolution::Missing),
        _ => from_doc.or(Some(Resolution::Unrecognized)),
    }
}
