//! License normalization: a raw license statement from a manifest -> an SPDX expression plus
//! an honest status.
//!
//! Layers, in the order [`normalize`] tries them (each is a module with its own tests):
//! 1. [`cleanup`]: whitespace, quotes, dashes, `license:` prefixes, a trailing "license";
//!    tokenization with case and diacritics folded.
//! 2. [`spdx_ids`]: SPDX ids and expressions, case-insensitively; deprecated ids rewritten.
//! 3. [`url`]: license URLs (creativecommons.org, opendatacommons.org, EU authority, dcat-ap.de,
//!    spdx.org, opensource.org, ...).
//! 4. [`vocab`]: the key index: placeholders, portal vocabularies (CKAN, Hugging Face, Open
//!    Definition, EU authority, dcat-ap.de), SPDX full names, license families.
//! 5. [`cc`]: the Creative Commons name grammar (elements, versions, ports, translations).
//! 6. [`scan`]: lists and prose, combined without guessing.
//!
//! The tables live under `rules/normalize/` and are embedded at build time.

use serde::Serialize;

pub mod cc;
pub mod cleanup;
pub mod scan;
pub mod spdx_ids;
pub mod url;
pub mod vocab;

/// How sure we are about a statement. Names are the contract's `status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Already a canonical SPDX expression.
    Exact,
    /// Recognized and mapped with certainty.
    Normalized,
    /// A family without version or type: several candidates, no expression.
    Ambiguous,
    /// Not recognized.
    Unknown,
    /// Empty or a placeholder (NOASSERTION, unknown, other, notspecified).
    Missing,
}

/// The outcome of normalizing one raw statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    /// Canonical SPDX expression; `None` unless status is exact or normalized.
    pub expression: Option<String>,
    pub status: Status,
    /// For `ambiguous`: the licenses the statement may mean.
    pub candidates: Vec<String>,
    /// How it was recognized (layer name), for reports and debugging: `spdx-id` (an SPDX id in
    /// any case or spacing), `spdx-expression`, `spdx-name` (an SPDX full name), `url`, `cc-name`
    /// (the Creative Commons grammar), `cc-code` (Openverse codes), `vocabulary` (tables under
    /// `rules/normalize/`), `list`, `prose`, `modifier`, `placeholder`, `empty`, `too-long`,
    /// `none`.
    pub via: &'static str,
    /// Deprecated SPDX ids the statement used, with their canonical replacement (empty when the
    /// SPDX list names none).
    pub deprecated: Vec<(String, String)>,
}

/// What one layer made of a statement or of a part of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A license expression: SPDX ids and/or `LicenseRef-`.
    License(String),
    /// A family, or several licenses: the candidates.
    Ambiguous(Vec<String>),
    /// Recognized, but it names no license (a generic portal category, custom terms, a rights
    /// statement).
    NotLicense,
    /// A placeholder for "no information".
    Missing,
    /// A restriction that changes the license named next to it ("for non-commercial use").
    Restriction,
    /// Not identified (a URL of a LICENSE file, unknown words).
    Unrecognized,
}

/// Normalizes one raw license statement.
pub fn normalize(raw: &str) -> Normalized {
    normalize_inner(raw, true)
}

/// `lists`: whether a top-level `,`/`;`/`|` list may be split (only at the outermost level, so
/// that nested brackets cannot make the work grow with their depth).
fn normalize_inner(raw: &str, lists: bool) -> Normalized {
    if raw.len() > cleanup::MAX_INPUT_BYTES {
        return Normalized::none(Status::Unknown, "too-long");
    }
    let cleaned = cleanup::clean(raw);
    if cleaned.is_empty() {
        return Normalized::none(Status::Missing, "empty");
    }
    if let Some(m) = spdx_ids::parse_expression(&cleaned) {
        let status = if m.expression == raw.trim() { Status::Exact } else { Status::Normalized };
        let via = if m.compound { "spdx-expression" } else { "spdx-id" };
        return Normalized {
            expression: Some(m.expression),
            status,
            candidates: Vec::new(),
            via,
            deprecated: m.deprecated,
        };
    }
    let mut toks = cleanup::Tokens::default();
    cleanup::tokenize(&cleaned, &mut toks);
    if !(0..toks.len()).any(|i| toks.is_term(i) || toks.toks[i].kind == cleanup::Kind::Url) {
        return Normalized::none(Status::Missing, "placeholder");
    }
    if toks.len() == 1 && toks.toks[0].kind == cleanup::Kind::Url {
        let res = url::parse_url(toks.get(0)).unwrap_or(Resolution::Unrecognized);
        return Normalized::from_resolution(res, "url");
    }
    // A URL next to a name is a second statement: the scanner weighs both.
    let has_url = toks.toks.iter().any(|t| t.kind == cleanup::Kind::Url);
    let mut key = String::with_capacity(cleaned.len());
    toks.whole_key(&mut key);
    if !has_url && let Some(e) = vocab::lookup(&key) {
        return Normalized::from_resolution(e.res.clone(), e.via);
    }
    if lists && let Some(n) = list(&cleaned) {
        return n;
    }
    let (res, via) = scan::scan(&toks, &cleaned);
    Normalized::from_resolution(res, via)
}

/// A list joined by `,`, `;` or `|` (outside brackets) whose every member is a statement of its
/// own ("cc-by-sa-3.0,gfdl", "mit; apache-2.0"). One license throughout: that license; several
/// (or a family, or a placeholder member such as "other"): ambiguous, because a list does not say
/// whether all of them apply or any one. `None` when a member is not recognized on its own (the
/// commas then belong to a name or prose: "Apache License, Version 2.0").
fn list(cleaned: &str) -> Option<Normalized> {
    let mut parts: Vec<&str> = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in cleaned.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' | ';' | '|' if depth == 0 => {
                parts.push(&cleaned[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&cleaned[start..]);
    let parts: Vec<&str> = parts.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect();
    if parts.len() < 2 || parts.len() > 32 {
        return None;
    }
    let mut licenses: Vec<String> = Vec::new();
    let mut cands: Vec<String> = Vec::new();
    let mut deprecated = Vec::new();
    let mut unsure = false;
    for p in parts {
        let n = normalize_inner(p, false);
        deprecated.extend(n.deprecated);
        match n.status {
            Status::Unknown => return None,
            Status::Missing => unsure = true,
            Status::Ambiguous => {
                unsure = true;
                cands.extend(n.candidates);
            }
            Status::Exact | Status::Normalized => {
                if let Some(e) = n.expression
                    && !licenses.contains(&e)
                {
                    licenses.push(e);
                }
            }
        }
    }
    if licenses.len() == 1 && !unsure {
        let expression = licenses.pop();
        return Some(Normalized {
            expression,
            status: Status::Normalized,
            candidates: Vec::new(),
            via: "list",
            deprecated,
        });
    }
    for c in cands {
        if !licenses.contains(&c) {
            licenses.push(c);
        }
    }
    Some(Normalized {
        expression: None,
        status: Status::Ambiguous,
        candidates: licenses,
        via: "list",
        deprecated,
    })
}

/// Resolves a vocabulary code as a whole (used by the URL layer for path segments such as
/// `cc-by/4.0`, `ODC_BL`, `gpl-3.0`): key index, then a Creative Commons span covering all of it,
/// then an SPDX id.
pub fn resolve_code(code: &str) -> Option<Resolution> {
    let mut toks = cleanup::Tokens::default();
    cleanup::tokenize(code, &mut toks);
    if toks.is_empty() {
        return None;
    }
    let mut key = String::new();
    toks.whole_key(&mut key);
    if let Some(e) = vocab::lookup(&key) {
        return Some(e.res.clone());
    }
    if let Some((res, end)) = cc::parse_span(&toks, 0)
        && end == toks.len()
    {
        return Some(res);
    }
    let id = code.trim().replace(' ', "-");
    spdx_ids::parse_expression(&id).map(|m| Resolution::License(m.expression))
}

/// Openverse codes (`by-nc`, `by`, `cc0`, `pdm`, `sampling+`, `nc-sampling+`, ...).
fn openverse_code(license: &str) -> Option<u16> {
    let l = license.trim().to_ascii_lowercase();
    let l = l.strip_prefix("cc-").unwrap_or(&l);
    cc::code_elements(l)
}

/// Normalizes a statement whose version is held in a separate column (Openverse: `by-nc` +
/// `2.0`). Openverse codes go through the Creative Commons grammar (`by` + `4.0` -> CC-BY-4.0,
/// `by` without version -> ambiguous); anything else is normalized with the version appended
/// unless the statement already names a version.
pub fn normalize_with_version(license: &str, version: &str) -> Normalized {
    let version = version.trim();
    if let Some(elems) = openverse_code(license) {
        let v = version.trim_start_matches(['v', 'V']);
        let v = if v.len() == 1 && v.bytes().all(|b| b.is_ascii_digit()) {
            format!("{v}.0")
        } else {
            v.to_string()
        };
        let parsed = cc::VERSIONS.iter().copied().find(|x| *x == v);
        if !version.is_empty() && parsed.is_none() {
            return Normalized::none(Status::Unknown, "cc-code");
        }
        let parts = cc::Parts { elems, version: parsed, port: None, conflict: false };
        return Normalized::from_resolution(cc::resolve(&parts), "cc-code");
    }
    let alone = normalize(license);
    if version.is_empty() {
        return alone;
    }
    let combined = normalize(&format!("{} {}", license.trim(), version));
    match (alone.status, combined.status) {
        // The license column already named a version: keep it when the version column agrees.
        (Status::Exact | Status::Normalized, _) => {
            if alone.expression.as_deref().is_some_and(|e| e.contains(version)) {
                alone
            } else {
                let mut c: Vec<String> = alone.expression.into_iter().collect();
                c.extend(combined.expression);
                Normalized {
                    expression: None,
                    status: Status::Ambiguous,
                    candidates: c,
                    via: "vocabulary",
                    deprecated: Vec::new(),
                }
            }
        }
        (Status::Missing, _) => alone,
        _ => combined,
    }
}

/// True for ids on the SPDX license list (exact canonical spelling); false for `LicenseRef-*`,
/// `NOASSERTION` and `NONE`.
pub fn is_spdx_listed(id: &str) -> bool {
    spdx_ids::is_listed(id)
}

impl Normalized {
    fn none(status: Status, via: &'static str) -> Self {
        Normalized { expression: None, status, candidates: Vec::new(), via, deprecated: Vec::new() }
    }

    fn from_resolution(res: Resolution, via: &'static str) -> Self {
        match res {
            Resolution::License(e) => Normalized {
                expression: Some(e),
                status: Status::Normalized,
                candidates: Vec::new(),
                via,
                deprecated: Vec::new(),
            },
            Resolution::Ambiguous(c) => Normalized {
                expression: None,
                status: Status::Ambiguous,
                candidates: c,
                via,
                deprecated: Vec::new(),
            },
            Resolution::Missing => Normalized::none(Status::Missing, via),
            Resolution::NotLicense | Resolution::Restriction | Resolution::Unrecognized => {
                Normalized::none(Status::Unknown, via)
            }
        }
    }
}
