//! Layer 2: SPDX identifiers and expressions, case-insensitively.
//!
//! Ids are matched without regard to case (the SPDX spec says they match case-insensitively);
//! deprecated ids are rewritten to their replacement (table `rules/normalize/deprecated.tsv`) and
//! reported. Compound expressions accept `and`/`or`/`with` in any case and `/` between two ids;
//! the canonical result is validated with `spdx::Expression` in strict mode.
//!
//! `spdx::imprecise_license_id` and `ParseMode::LAX` are deliberately not used: their synonym
//! table guesses versions nobody declared ("gpl" -> GPL-2.0-only, "apache" -> Apache-2.0,
//! "bsd" -> BSD-2-Clause) and even maps "gnu gpl v2" to GPL-3.0-only.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::vocab::FastMap;

const DEPRECATED_TSV: &str = include_str!("../../rules/normalize/deprecated.tsv");

struct Ids {
    /// Lower-cased id -> canonical license id.
    licenses: FastMap<Box<str>, spdx::LicenseId>,
    /// Lower-cased exception id -> canonical exception id.
    exceptions: FastMap<Box<str>, spdx::ExceptionId>,
    /// Deprecated id -> replacement expression ("" when SPDX names none).
    deprecated: HashMap<&'static str, &'static str>,
}

static IDS: LazyLock<Ids> = LazyLock::new(|| {
    let mut licenses = FastMap::default();
    for lic in spdx::identifiers::LICENSES {
        if lic.name == "NOASSERTION" || lic.name.ends_with('+') {
            continue;
        }
        if let Some(id) = spdx::license_id(lic.name) {
            licenses.insert(lic.name.to_ascii_lowercase().into_boxed_str(), id);
        }
    }
    let mut exceptions = FastMap::default();
    for exc in spdx::identifiers::EXCEPTIONS {
        if let Some(id) = spdx::exception_id(exc.name) {
            exceptions.insert(exc.name.to_ascii_lowercase().into_boxed_str(), id);
        }
    }
    let mut deprecated = HashMap::new();
    for line in DEPRECATED_TSV.lines() {
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        let Some(old) = cols.next() else { continue };
        deprecated.insert(old.trim(), cols.next().unwrap_or("").trim());
    }
    Ids { licenses, exceptions, deprecated }
});

/// True for ids on the SPDX license list (exact spelling). False for `LicenseRef-*`,
/// `NOASSERTION` and `NONE`.
pub fn is_listed(id: &str) -> bool {
    id != "NOASSERTION" && spdx::identifiers::LICENSES.binary_search_by(|l| l.name.cmp(id)).is_ok()
}

/// Every canonical license id of the list (for building name indexes).
pub fn all_ids() -> impl Iterator<Item = spdx::LicenseId> {
    IDS.licenses.values().copied()
}

/// The replacement of a deprecated id, if it is deprecated ("" when SPDX names none).
pub fn deprecated_replacement(id: &str) -> Option<&'static str> {
    IDS.deprecated.get(id).copied()
}

/// All (deprecated id, replacement) rows of the table, for tests.
pub fn deprecated_table() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<_> = IDS.deprecated.iter().map(|(a, b)| (*a, *b)).collect();
    v.sort_unstable();
    v
}

/// Looks up one license id case-insensitively (a trailing `+` is kept apart).
pub fn license_id(s: &str) -> Option<spdx::LicenseId> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let mut buf = [0u8; 64];
    let b = s.as_bytes();
    for (d, c) in buf.iter_mut().zip(b) {
        *d = c.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(&buf[..b.len()]).ok()?;
    IDS.licenses.get(lower).copied()
}

fn exception_id(s: &str) -> Option<spdx::ExceptionId> {
    if s.len() > 80 {
        return None;
    }
    IDS.exceptions.get(s.to_ascii_lowercase().as_str()).copied()
}

/// The result of the id/expression layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprMatch {
    /// The canonical expression.
    pub expression: String,
    /// Deprecated ids used, with their replacement.
    pub deprecated: Vec<(String, String)>,
    /// More than one license term (an AND/OR/WITH expression).
    pub compound: bool,
}

/// Appends the canonical form of one license term (an id with optional `+`, or a LicenseRef).
/// Returns false when the term is not an id.
fn push_license_term(term: &str, out: &mut String, deprecated: &mut Vec<(String, String)>) -> bool {
    if let Some(r) = license_ref(term) {
        out.push_str(r);
        return true;
    }
    let (id, plus) = match license_id(term) {
        Some(id) => (id, false),
        None => match term.strip_suffix('+').and_then(license_id) {
            Some(id) => (id, true),
            None => return false,
        },
    };
    let written = if plus { format!("{}+", id.name) } else { id.name.to_string() };
    // "GPL-2.0+" is a deprecated id of its own; "GFDL-1.3+" is the deprecated GFDL-1.3 plus '+'.
    let replacement = match deprecated_replacement(&written) {
        Some(rep) => Some(rep.to_string()),
        None => deprecated_replacement(id.name).map(|rep| match (plus, rep.strip_suffix("-only")) {
            (true, Some(base)) => format!("{base}-or-later"),
            (true, None) if !rep.is_empty() => format!("{rep}+"),
            _ => rep.to_string(),
        }),
    };
    if let Some(rep) = replacement {
        if rep.is_empty() {
            out.push_str(&written);
        } else {
            out.push_str(&rep);
        }
        deprecated.push((written, rep));
        return true;
    }
    if plus && id.is_gnu() {
        // GPL-2.0-only+ means GPL-2.0-or-later.
        let base = id.name.trim_end_matches("-only").trim_end_matches("-or-later");
        match spdx::gnu_license_id(base, true) {
            Some(later) => out.push_str(later.name),
            None => return false,
        }
        return true;
    }
    out.push_str(&written);
    true
}

/// `LicenseRef-x` / `DocumentRef-y:LicenseRef-x` (prefixes any case), returned as written with
/// canonical prefixes when valid.
fn license_ref(term: &str) -> Option<&str> {
    let lower_prefix =
        |p: &str| term.len() > p.len() && term.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    let body = if lower_prefix("licenseref-") {
        &term["licenseref-".len()..]
    } else if lower_prefix("documentref-") {
        let (_, r) = term.split_once(':')?;
        if !(r.len() > 11 && r.as_bytes()[..11].eq_ignore_ascii_case(b"licenseref-")) {
            return None;
        }
        &r[11..]
    } else {
        return None;
    };
    let ok = !body.is_empty() && body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    // Only accept canonical prefix spelling as-is; other casings are rewritten by the caller.
    if ok && (term.starts_with("LicenseRef-") || term.starts_with("DocumentRef-")) {
        Some(term)
    } else {
        None
    }
}

fn is_op(w: &str, op: &str) -> bool {
    w.eq_ignore_ascii_case(op)
}

/// Parses a statement that is an SPDX id or expression (case-insensitive ids and operators).
/// Returns `None` as soon as a term is not an id, so prose and names fall through quickly.
pub fn parse_expression(s: &str) -> Option<ExprMatch> {
    if s.is_empty() || s.len() > 1024 {
        return None;
    }
    // Fast reject: an expression has no characters outside this set.
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || b" -.+:()/_".contains(&b)) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut deprecated = Vec::new();
    let mut terms = 0usize;
    let mut expect_exception = false;
    let mut prev_was_term = false;
    // Split on whitespace and parentheses, keeping the parentheses.
    let mut pieces: Vec<&str> = Vec::new();
    for chunk in s.split_whitespace() {
        let mut rest = chunk;
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix('(') {
                pieces.push("(");
                rest = r;
            } else if let Some(p) = rest.find(['(', ')']) {
                if p > 0 {
                    pieces.push(&rest[..p]);
                }
                pieces.push(&rest[p..p + 1]);
                rest = &rest[p + 1..];
            } else {
                pieces.push(rest);
                rest = "";
            }
        }
    }
    let mut i = 0;
    while i < pieces.len() {
        let p = pieces[i];
        i += 1;
        if p == "(" || p == ")" {
            if p == "(" && !out.is_empty() && !out.ends_with(' ') && !out.ends_with('(') {
                out.push(' ');
            }
            out.push_str(p);
            prev_was_term = p == ")";
            continue;
        }
        if is_op(p, "and") || is_op(p, "or") || is_op(p, "with") {
            if !prev_was_term {
                return None;
            }
            out.push(' ');
            out.push_str(&p.to_ascii_uppercase());
            out.push(' ');
            expect_exception = is_op(p, "with");
            prev_was_term = false;
            continue;
        }
        if prev_was_term {
            // Two terms without an operator: not an expression.
            return None;
        }
        if expect_exception {
            let exc = exception_id(p)?;
            out.push_str(exc.name);
            if exc.is_deprecated() {
                deprecated.push((exc.name.to_string(), String::new()));
            }
            expect_exception = false;
            prev_was_term = true;
            continue;
        }
        if !push_term_or_slash_list(p, &mut out, &mut deprecated, &mut terms) {
            return None;
        }
        prev_was_term = true;
    }
    if expect_exception || terms == 0 || !prev_was_term {
        return None;
    }
    let compound = terms > 1 || out.contains(" WITH ");
    // Let the spdx crate check the syntax (operators between terms, balanced parentheses).
    if compound || out.contains(['(', ')']) {
        spdx::Expression::parse_mode(&out, spdx::ParseMode::STRICT).ok()?;
    }
    Some(ExprMatch { expression: out, deprecated, compound })
}

/// One term, or `a/b` meaning `a OR b` when every part is an id.
fn push_term_or_slash_list(
    p: &str,
    out: &mut String,
    deprecated: &mut Vec<(String, String)>,
    terms: &mut usize,
) -> bool {
    let mark = out.len();
    let dep_mark = deprecated.len();
    if push_license_term(p, out, deprecated) {
        *terms += 1;
        return true;
    }
    if let Some(r) = canonical_ref_prefix(p) {
        out.push_str(&r);
        *terms += 1;
        return true;
    }
    if p.contains('/') {
        let parts: Vec<&str> = p.split('/').collect();
        if parts.len() < 2 || parts.iter().any(|x| x.is_empty()) {
            return false;
        }
        for (k, part) in parts.iter().enumerate() {
            if k > 0 {
                out.push_str(" OR ");
            }
            if !push_license_term(part, out, deprecated) {
                out.truncate(mark);
                deprecated.truncate(dep_mark);
                return false;
            }
            *terms += 1;
        }
        return true;
    }
    false
}

/// `licenseref-foo` in another case: rewritten with the canonical prefix.
fn canonical_ref_prefix(p: &str) -> Option<String> {
    let lower = p.get(..11)?;
    if !lower.eq_ignore_ascii_case("licenseref-") || p.len() == 11 {
        return None;
    }
    let body = &p[11..];
    if body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') {
        Some(format!("LicenseRef-{body}"))
    } else {
        None
    }
}
