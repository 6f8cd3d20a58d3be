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
//! 6. [`scan`]: lists and prose, combined without guessing; "or later" after a version widens
//!    it, modifying words around a name ("-style", "based on", "with restrictions") make it
//!    unknown; explicit "A and B" / "A or B" between identified parts become `AND` / `OR`.
//!
//! The tables live under `rules/normalize/` and are embedded at build time; the registry tables
//! under `rules/normalize/generated/` are written by `scripts/update-license-data` ([`registry`]).

use serde::Serialize;

pub mod cc;
pub mod cleanup;
mod grammar;
pub mod registry;
pub mod scan;
pub mod spdx_ids;
pub mod url;
pub mod vocab;

/// What "All rights reserved", "copyright, no reuse" and the like normalize to: an explicit
/// statement that no open license is granted (`rules/normalize/vocab-rights.tsv`). The policy
/// rejects it with that reason.
pub const ALL_RIGHTS_RESERVED: &str = "LicenseRef-All-Rights-Reserved";

/// The table whose names may contain a slash that is not an `OR` ("zlib/libpng").
const SLASH_NAMES: &str = "vocab-names.tsv";

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
    /// How it was recognized, so a reviewer can check it: `spdx-id` (an SPDX id in any case or
    /// spacing), `spdx-expression`, `spdx-name` (an SPDX full name), `url`, `cc-name` (the
    /// Creative Commons grammar), `cc-code` (Openverse codes), the file name of the table under
    /// `rules/normalize/` that holds the spelling (`vocab-ckan-od.tsv`, `families.tsv`,
    /// `scancode-licenses.tsv`, `fsf-licenses.tsv`, `od-licenses.tsv`, ...), `list`, `conjunction` ("A and B" between identified parts),
    /// `prose`, `modifier`, `placeholder`, `empty`, `too-long`, `none`.
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
    let n = normalize_inner(raw, true);
    unread_or_later(raw, n)
}

/// An "-only" answer for a statement that says "or later" somewhere the layers did not attach it
/// ("Either [GNU GPL version 2](.../gpl-2.0.html) or any later version"): "only" would be a guess
/// against the text, so the statement is ambiguous between the two.
fn unread_or_later(raw: &str, n: Normalized) -> Normalized {
    let Some(e) = n.expression.as_deref() else { return n };
    if !e.contains("-only") || e.contains("-or-later") || !matches!(n.status, Status::Normalized) {
        return n;
    }
    let lower = raw.to_lowercase();
    let says_later = ["or later", "any later", "later version", "or newer", "or higher", "or above"]
        .iter()
        .any(|p| lower.contains(p));
    if !says_later {
        return n;
    }
    let later = e.replace("-only", "-or-later");
    if spdx::Expression::parse_mode(&later, spdx::ParseMode::STRICT).is_err() {
        return n;
    }
    Normalized {
        expression: None,
        status: Status::Ambiguous,
        candidates: vec![e.to_string(), later],
        via: "or-later-unread",
        deprecated: n.deprecated,
    }
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
    // "zlib/libpng" is one license's name, not "Zlib OR Libpng": names written with a slash in
    // the reviewed name table come before the id layer's reading of `a/b` as `a OR b`.
    if cleaned.contains('/')
        && !cleaned.contains(':')
        && cleaned.len() < 64
        && let Some(e) = vocab::lookup(&vocab::key_of(&cleaned))
        && e.via == SLASH_NAMES
    {
        return Normalized::from_resolution(e.res.clone(), e.via);
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
    // A Markdown link whose text says no license is given ("[More Information Needed](...)",
    // the Hugging Face card template) is that placeholder: its target is a help page.
    if let Some((text, target)) = markdown_link(raw.trim())
        && normalize_inner(text, false).status == Status::Missing
        && !matches!(url::parse_url(target), Some(Resolution::License(_) | Resolution::Ambiguous(_)))
    {
        return Normalized::none(Status::Missing, "placeholder");
    }
    // Package ecosystems' own grammars (CRAN, Gentoo, `&`/`|` between names) before the name
    // tables, which would read "GPL (>= 2)" as the words "gpl 2".
    if lists
        && !has_url_token(&toks)
        && let Some(n) = grammar::read_marked(&cleaned)
    {
        return n;
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
    if !has_url && let Some(n) = restated(&toks) {
        return n;
    }
    if lists
        && !has_url
        && let Some(n) = grammar::read(&cleaned)
    {
        return n;
    }
    if !has_url && is_placeholder_phrase(&toks) || is_deferred(&cleaned) {
        return Normalized::none(Status::Missing, "placeholder");
    }
    if let Some(n) = with_exception(&cleaned) {
        return n;
    }
    // "MIT/X", "GPL-2+/X11": a slash between names the id layer did not read as `A OR B` is read
    // as "or" between parts, so that a part it cannot identify is never dropped (ambiguous).
    // Only a slash between two words ("X / Y" with spaces restates one name in two languages:
    // "Licence Ouverte 2.0 / Open Licence 2.0").
    if lists
        && !has_url
        && cleaned.contains('/')
        && cleaned.matches('/').count() <= 4
        && !cleaned.contains(" /")
        && !cleaned.contains("/ ")
        && let Some(n) = conjunction(&cleaned.replace('/', " or "))
    {
        return n;
    }
    // "A and B" / "A or B": a statement the scanner reads as one name stands; otherwise the parts
    // are read one by one, so that no part is dropped ("LGPL-2+ and TCL"). Before the list
    // reading, which would split "Apache License, Version 2.0 and MIT" at its comma.
    let mut scanned = None;
    if lists && has_conjunction(&toks) {
        let (res, via) = scan::scan(&toks, &cleaned);
        if via != "prose" {
            return Normalized::from_resolution(res, via);
        }
        if let Some(n) = conjunction(&cleaned) {
            return n;
        }
        scanned = Some((res, via));
    }
    if lists && let Some(n) = list(&cleaned) {
        return n;
    }
    let (res, via) = scanned.unwrap_or_else(|| scan::scan(&toks, &cleaned));
    Normalized::from_resolution(res, via)
}

/// A name with its abbreviation restated in brackets: "Eclipse Public License (EPL) 2.0",
/// "GNU General Public License version 3.0 (GPLv3)". Taken when the statement without the
/// bracket is one license and the bracket names that license or a family that contains it; a
/// bracket that says anything else ("(non-commercial)", "(Ontario)") leaves the statement to the
/// scanner.
fn restated(t: &cleanup::Tokens) -> Option<Normalized> {
    use cleanup::Kind;
    let open = (0..t.len()).find(|&i| t.toks[i].kind == Kind::Open)?;
    let close = (open + 1..t.len()).find(|&i| t.toks[i].kind != Kind::Word && t.toks[i].kind != Kind::Num)?;
    if t.toks[close].kind != Kind::Close || close == open + 1 || close - open > 5 {
        return None;
    }
    // One bracket group only.
    if (close + 1..t.len()).any(|i| matches!(t.toks[i].kind, Kind::Open | Kind::Close | Kind::Url)) {
        return None;
    }
    let join = |range: &mut dyn Iterator<Item = usize>| {
        let mut k = String::new();
        for i in range {
            if t.is_term(i) {
                if !k.is_empty() {
                    k.push(' ');
                }
                k.push_str(t.get(i));
            }
        }
        k
    };
    let outer = join(&mut (0..open).chain(close + 1..t.len()));
    let inner = join(&mut (open + 1..close));
    let outer_entry = vocab::lookup(&outer)?;
    let Resolution::License(lic) = &outer_entry.res else { return None };
    let consistent = match &vocab::lookup(&inner)?.res {
        Resolution::License(l) => l == lic,
        Resolution::Ambiguous(c) => c.contains(lic),
        _ => false,
    };
    consistent.then(|| Normalized::from_resolution(outer_entry.res.clone(), outer_entry.via))
}

/// `[text](target)` as the whole statement.
fn markdown_link(s: &str) -> Option<(&str, &str)> {
    let rest = s.strip_prefix('[')?;
    let (text, rest) = rest.split_once("](")?;
    let target = rest.strip_suffix(')')?;
    (!text.contains(']') && !target.contains(char::is_whitespace)).then_some((text, target))
}

/// "GNU GPL v2 with classpath exception", "Apache 2.0 with the LLVM exception": one license the
/// layers identify, then "with" and an exception SPDX lists, by id or by a registry's name of it
/// ([`registry::exception`]) -> `LICENSE WITH EXCEPTION`. Nothing else: a left side that is not one
/// identified license, or words after "with" that are not an exception ("with restrictions"),
/// leave the statement to the other layers.
fn with_exception(cleaned: &str) -> Option<Normalized> {
    // Byte offsets of the lower-cased copy are those of `cleaned` (ASCII folding only).
    let pos = cleaned.to_ascii_lowercase().rfind(" with ")?;
    // Debian writes "<id> exception" ("with Linux-syscall-note exception"): the id alone, too.
    let key = vocab::key_of(cleaned.get(pos + 6..)?);
    let exception =
        registry::exception(&key).or_else(|| key.strip_suffix(" exception").and_then(registry::exception))?;
    let left = normalize_inner(cleaned.get(..pos)?, false);
    if !matches!(left.status, Status::Exact | Status::Normalized) {
        return None;
    }
    let license = left.expression?;
    if license.contains(' ') {
        return None;
    }
    let out = format!("{license} WITH {exception}");
    spdx::Expression::parse_mode(&out, spdx::ParseMode::STRICT).ok()?;
    Some(Normalized {
        expression: Some(out),
        status: Status::Normalized,
        candidates: Vec::new(),
        via: "exception",
        deprecated: left.deprecated,
    })
}

/// Words that join the parts of an explicit conjunction, with the SPDX operator they mean.
const CONJUNCTIONS: &[(&str, &str)] = &[
    ("and", "AND"),
    ("&", "AND"),
    ("und", "AND"),
    ("et", "AND"),
    ("or", "OR"),
    ("oder", "OR"),
    ("ou", "OR"),
];

fn has_url_token(t: &cleanup::Tokens) -> bool {
    t.toks.iter().any(|t| t.kind == cleanup::Kind::Url)
}

fn has_conjunction(t: &cleanup::Tokens) -> bool {
    (0..t.len())
        .any(|i| t.toks[i].kind == cleanup::Kind::Word && CONJUNCTIONS.iter().any(|(w, _)| *w == t.get(i)))
}

/// Words of statements that say no license information is at hand ("No information given",
/// "More information needed", "not yet specified"). A statement made only of them, with at least
/// one that says so ([`NO_INFO_CUE`]), is a placeholder.
const NO_INFO_WORDS: &[&str] = &[
    "no",
    "not",
    "none",
    "information",
    "info",
    "given",
    "provided",
    "available",
    "specified",
    "stated",
    "needed",
    "required",
    "more",
    "needs",
    "need",
    "yet",
    "known",
    "unknown",
    "tbd",
    "tba",
    "tbc",
    "n",
    "na",
    "details",
    "currently",
    "at",
    "this",
    "time",
    "applicable",
    "declared",
    "indicated",
    "defined",
    "listed",
    "supplied",
    "entered",
    "missing",
    "pending",
    "still",
    "to",
    "be",
    "determined",
    "confirmed",
    "added",
    "announced",
    "further",
    "is",
    "are",
    "was",
    "has",
    "been",
    "for",
    "dataset",
    "data",
    "set",
    "any",
    // "Licenza sconosciuta", "Lizenz unbekannt", "licence inconnue": the word for license is
    // filler next to a cue.
    "license",
    "licence",
    "licenza",
    "lizenz",
    "licencia",
    "licença",
    "licentie",
    "sconosciuta",
    "sconosciuto",
    "unbekannt",
    "inconnue",
    "inconnu",
    "desconocida",
    "desconocido",
    "desconhecida",
    "onbekend",
];
const NO_INFO_CUE: &[&str] = &[
    "no",
    "not",
    "none",
    "unknown",
    "tbd",
    "tba",
    "tbc",
    "needed",
    "needs",
    "missing",
    "pending",
    "na",
    "n",
    "sconosciuta",
    "sconosciuto",
    "unbekannt",
    "inconnue",
    "inconnu",
    "desconocida",
    "desconocido",
    "desconhecida",
    "onbekend",
];

/// Statements that defer the choice ("To be determined upon publication", "à définir (MIT
/// conseillé)", "noch nicht festgelegt"): whatever follows is a suggestion, not a grant. Checked at
/// the start of the statement, lower-cased.
const DEFERRALS: &[&str] = &[
    "to be determined",
    "to be decided",
    "to be defined",
    "to be confirmed",
    "to be chosen",
    "not yet decided",
    "not yet determined",
    "not yet chosen",
    "à définir",
    "a définir",
    "à déterminer",
    "à préciser",
    "noch nicht festgelegt",
    "noch festzulegen",
    "noch offen",
    "por definir",
    "por determinar",
    "a definir",
    "da definire",
    "da determinare",
    "nog te bepalen",
];

/// A deferral at the start, or a TODO / FIXME marker anywhere ("released under [TODO: CC BY
/// 4.0]"): the statement is a draft, and no license has been granted yet.
fn is_deferred(cleaned: &str) -> bool {
    let lower = cleaned.trim_start_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    DEFERRALS.iter().any(|d| lower.starts_with(d))
        || cleaned.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| w == "TODO" || w == "FIXME")
}

/// One-word placeholders whose misspellings are also placeholders ("unkown", "unknwon").
const PLACEHOLDER_WORDS: &[&str] = &["unknown", "unspecified", "undefined", "unclear"];

fn is_placeholder_phrase(t: &cleanup::Tokens) -> bool {
    if t.is_empty() || t.len() > 10 {
        return false;
    }
    let all_words = (0..t.len()).all(|i| t.toks[i].kind == cleanup::Kind::Word);
    if !all_words {
        return false;
    }
    if t.len() == 1 {
        let w = t.get(0);
        if PLACEHOLDER_WORDS.iter().any(|p| within_one_edit(w, p)) {
            return true;
        }
    }
    (0..t.len()).all(|i| NO_INFO_WORDS.contains(&t.get(i)))
        && (0..t.len()).any(|i| NO_INFO_CUE.contains(&t.get(i)))
}

/// Damerau distance at most 1 (one insertion, deletion, substitution or swap of neighbours),
/// for words of at least 5 letters: "unkown", "unknwon", "uknown", "unknow".
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() < 5 || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if p == a.len() && p == b.len() {
        return true;
    }
    let (ra, rb) = (&a[p..], &b[p..]);
    let same = |x: &[u8], y: &[u8]| x == y;
    same(&ra[ra.len().min(1)..], &rb[rb.len().min(1)..])
        || same(ra, &rb[rb.len().min(1)..])
        || same(&ra[ra.len().min(1)..], rb)
        || (ra.len() >= 2 && rb.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
}

/// Explicit "A and B" / "A or B" between parts that are each a statement of their own. Every part
/// identified as a whole (not from prose): `A AND B` / `A OR B` (via `conjunction`). A part that
/// is not identified but looks like a license name (short, with a capital, digit or dash, such as
/// "TCL" or "Foo-1.0"), or a placeholder or family part: ambiguous with what was identified, never
/// one part alone. Otherwise `None` (the words joined are prose: the scanner's answer stands).
fn conjunction(cleaned: &str) -> Option<Normalized> {
    let mut parts: Vec<&str> = Vec::new();
    let mut ops: Vec<&str> = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut pos = 0;
    for word in cleaned.split(' ') {
        let end = pos + word.len();
        for c in word.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                _ => {}
            }
        }
        if depth == 0
            && let Some((w, op)) = CONJUNCTIONS.iter().find(|(w, _)| w.eq_ignore_ascii_case(word))
            && !inside_a_name(cleaned.get(start..pos)?, w)
        {
            parts.push(cleaned.get(start..pos)?.trim());
            ops.push(op);
            start = (end + 1).min(cleaned.len());
        }
        pos = end + 1;
    }
    parts.push(cleaned.get(start..)?.trim());
    if parts.len() < 2 || parts.len() > 8 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut exprs: Vec<String> = Vec::new();
    let mut cands: Vec<String> = Vec::new();
    let mut all_identified = true;
    let mut name_unidentified = false;
    for p in &parts {
        let n = normalize_inner(p, false);
        match n.status {
            Status::Exact | Status::Normalized => {
                let e = n.expression?;
                if n.via == "prose" {
                    all_identified = false;
                }
                if !cands.contains(&e) {
                    cands.push(e.clone());
                }
                exprs.push(e);
            }
            Status::Ambiguous => {
                all_identified = false;
                name_unidentified = true;
                for c in n.candidates {
                    if !cands.contains(&c) {
                        cands.push(c);
                    }
                }
            }
            Status::Missing => {
                all_identified = false;
                name_unidentified = true;
            }
            Status::Unknown => {
                all_identified = false;
                name_unidentified |= looks_like_a_name(p);
            }
        }
    }
    let mixed = ops.windows(2).any(|w| w[0] != w[1]);
    if all_identified && !mixed {
        let mut out = String::new();
        let mut seen: Vec<&str> = Vec::new();
        for e in &exprs {
            if seen.contains(&e.as_str()) {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
                out.push_str(ops[0]);
                out.push(' ');
            }
            // WITH binds tighter than AND / OR: only a compound part needs brackets.
            if e.contains(" AND ") || e.contains(" OR ") {
                out.push('(');
                out.push_str(e);
                out.push(')');
            } else {
                out.push_str(e);
            }
            seen.push(e);
        }
        spdx::Expression::parse_mode(&out, spdx::ParseMode::STRICT).ok()?;
        return Some(Normalized {
            expression: Some(out),
            status: Status::Normalized,
            candidates: Vec::new(),
            via: "conjunction",
            deprecated: Vec::new(),
        });
    }
    if (name_unidentified || mixed) && !cands.is_empty() {
        return Some(Normalized {
            expression: None,
            status: Status::Ambiguous,
            candidates: cands,
            via: "conjunction",
            deprecated: Vec::new(),
        });
    }
    None
}

/// Whether the conjunction word continues a known name that ends the text before it ("Common
/// Development and Distribution License", "Open Data Commons Public Domain Dedication and
/// License"): then it joins no parts.
fn inside_a_name(before: &str, word: &str) -> bool {
    let key = vocab::key_of(before);
    let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
    let word = if word == "&" { "and" } else { word };
    let mut k = String::new();
    for start in (words.len().saturating_sub(10)..words.len()).rev() {
        k.clear();
        for w in &words[start..] {
            k.push_str(w);
            k.push(' ');
        }
        k.push_str(word);
        if vocab::is_prefix(&k) {
            return true;
        }
    }
    false
}

/// An unidentified part that looks like a license name rather than prose: at most three words,
/// one with a capital letter, a digit or an inner dash, and not the tail of "or (any) later".
fn looks_like_a_name(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    if words.is_empty() || words.len() > 3 {
        return false;
    }
    let first = words[0].trim_matches(|c: char| !c.is_alphanumeric()).to_ascii_lowercase();
    if matches!(first.as_str(), "later" | "any" | "newer" | "higher" | "greater" | "above" | "at") {
        return false;
    }
    words.iter().any(|w| {
        w.chars().any(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) || w.trim_matches('-').contains('-')
    })
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
