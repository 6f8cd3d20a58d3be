//! Layer 6: statements that are not one name: lists ("cc-by-sa-3.0,gfdl", "A and B") and prose
//! ("This dataset is released under the CC BY 4.0 license.").
//!
//! The scanner walks the tokens once, taking at each position the longest of: a known key (names,
//! ids, vocabulary, restriction phrases), a Creative Commons span, or a URL. Then:
//! - a restriction phrase outside any license name ("for non-commercial use", "research only",
//!   "modified") makes the statement unknown: it is not the license it names;
//! - a generic public-domain statement next to a public-domain tool ("CC0: Public Domain"), and a
//!   family next to one of its members ("Open Government Licence 3.0 (OGL)") add nothing;
//! - one license left: that license; several, or a family: ambiguous with all candidates (a
//!   list joined by commas or "and" does not say whether all apply or any one does);
//! - nothing: unknown.

use super::Resolution;
use super::cc;
use super::cleanup::{Kind, Tokens};
use super::url;
use super::vocab::{self, Entry, Scope};

/// What the public-domain statement of ScanCode is called.
pub const PUBLIC_DOMAIN_REF: &str = "LicenseRef-scancode-public-domain";

/// Licenses that are themselves public-domain tools: they absorb a bare "public domain".
const PUBLIC_DOMAIN_TOOLS: &[&str] = &["CC0-1.0", "CC-PDM-1.0", "CC-PDDC", "PDDL-1.0", "Unlicense"];

/// Bare-word SPDX ids that are also ordinary words: never taken from prose.
const PROSE_BLOCKLIST: &[&str] = &["JSON", "DOC", "LOOP", "GD", "TCL", "FBM", "SWL", "OML", "NRL"];

/// Mixed-case bare-word ids that are safe in prose without a following "license".
const PROSE_ALLOW: &[&str] = &["Zlib", "Unlicense", "PostgreSQL", "MirOS", "Sleepycat"];

#[derive(Debug, Clone)]
struct Mention {
    res: Resolution,
    start: usize,
    end: usize,
    via: &'static str,
}

/// Whether the source after token `i` continues with the word "license"/"licence".
fn followed_by_license(t: &Tokens, src: &str, i: usize) -> bool {
    let end = t.toks[i].src_end as usize;
    let rest = src.get(end..).unwrap_or("").trim_start_matches([' ', '-']);
    let head = rest.get(..7).unwrap_or("");
    head.eq_ignore_ascii_case("license") || head.eq_ignore_ascii_case("licence")
}

/// How a key may be used at a prose position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    No,
    Full,
    /// Only as a hint that makes the statement ambiguous.
    Weak,
}

fn scope_allows(e: &Entry, t: &Tokens, src: &str, i: usize, end: usize) -> Use {
    let ok = match e.scope {
        Scope::Any => true,
        Scope::Strict => false,
        Scope::Whole => {
            return if matches!(e.res, Resolution::License(_) | Resolution::Ambiguous(_)) {
                Use::Weak
            } else {
                Use::No
            };
        }
        Scope::ExactCase(id) => {
            end == i + 1
                && t.src(src, i) == id
                && !PROSE_BLOCKLIST.contains(&id)
                && (followed_by_license(t, src, i)
                    || PROSE_ALLOW.contains(&id)
                    || (id.len() >= 3 && id.bytes().all(|b| b.is_ascii_uppercase())))
        }
    };
    if ok { Use::Full } else { Use::No }
}

/// The longest key starting at token `i` that may match inside prose.
fn longest_key(t: &Tokens, src: &str, i: usize, buf: &mut String) -> Option<(&'static Entry, usize, Use)> {
    buf.clear();
    let mut best = None;
    let mut j = i;
    while j < t.len() && t.is_term(j) {
        if j > i {
            buf.push(' ');
        }
        buf.push_str(t.get(j));
        if !vocab::is_prefix(buf) {
            break;
        }
        if let Some(e) = vocab::lookup(buf) {
            let u = scope_allows(e, t, src, i, j + 1);
            if u != Use::No {
                best = Some((e, j + 1, u));
            }
        }
        j += 1;
    }
    best
}

/// Scans tokens for license mentions and combines them (see the module docs).
pub fn scan(t: &Tokens, src: &str) -> (Resolution, &'static str) {
    let mut mentions: Vec<Mention> = Vec::new();
    let mut buf = String::new();
    let mut i = 0;
    while i < t.len() {
        match t.toks[i].kind {
            Kind::Url => {
                let res = url::parse_url(t.get(i)).unwrap_or(Resolution::Unrecognized);
                mentions.push(Mention { res, start: i, end: i + 1, via: "url" });
                i += 1;
                continue;
            }
            Kind::Open | Kind::Close | Kind::Plus => {
                i += 1;
                continue;
            }
            Kind::Word | Kind::Num => {}
        }
        let key = longest_key(t, src, i, &mut buf);
        let span = if t.toks[i].kind == Kind::Word { cc::parse_span(t, i) } else { None };
        let key_end = key.map_or(0, |(_, e, _)| e);
        let found = match (key, span) {
            (_, Some((res, end))) if end > key_end && end > i => Some((res, end, "cc-name")),
            (Some((e, end, u)), _) => {
                let res = match (&e.res, u) {
                    (Resolution::License(l), Use::Weak) => Resolution::Ambiguous(vec![l.clone()]),
                    (r, _) => r.clone(),
                };
                Some((res, end, e.via))
            }
            _ => None,
        };
        match found {
            Some((res, end, via)) => {
                let (res, end) = qualify(t, src, res, i, end);
                mentions.push(Mention { res, start: i, end, via });
                i = end;
            }
            None => i += 1,
        }
    }
    combine(t, &mentions)
}

/// Words after a license name that make it some other license: "MIT-style", "BSD-2-Clause-alike",
/// "GPL like", "Apache 2.0 based", "FSL-1.1 Apache 2.0 future license", "MIT no patent grant".
const MODIFIER_AFTER: &[&str] = &[
    "style",
    "alike",
    "like",
    "ish",
    "esque",
    "based",
    "type",
    "compatible",
    "inspired",
    "derived",
    "derivative",
    "variant",
    "modified",
    "adapted",
    "permissive",
    "future",
    "saas",
    "no",
    "without",
    "minus",
    "except",
    "but",
    "with",
    "clone",
    "equivalent",
    "similar",
    "flavored",
    "flavoured",
];

/// "with attribution (required)" after an attribution license restates what it asks: no change.
const ATTRIBUTION: &[&str] = &["attribution", "credit", "acknowledgement", "acknowledgment", "citation"];

/// Words before a license name that make it some other license: "modified MIT", "like GPL",
/// "non-GPL"; two-word forms are in [`MODIFIER_BEFORE_2`].
const MODIFIER_BEFORE: &[&str] =
    &["modified", "like", "unlike", "custom", "non", "not", "pseudo", "quasi", "altered"];
const MODIFIER_BEFORE_2: &[(&str, &str)] = &[
    ("based", "on"),
    ("derived", "from"),
    ("adapted", "from"),
    ("similar", "to"),
    ("inspired", "by"),
    ("compatible", "with"),
    ("modeled", "on"),
    ("modelled", "on"),
    ("modeled", "after"),
    ("modelled", "after"),
    ("variant", "of"),
];

/// Words that say "or a later version" after a version ("2.1 (or any later version)", "3 and
/// later", "2 or (at your option) any later version").
const LATER: &[&str] = &["later", "newer", "higher", "greater", "above", "subsequent", "succeeding"];
const LATER_FILLER: &[&str] = &["or", "and", "any", "at", "your", "option", "its", "a", "of"];

/// Source text between tokens `a` and `b` (`a < b`).
fn between<'a>(t: &Tokens, src: &'a str, a: usize, b: usize) -> &'a str {
    src.get(t.toks[a].src_end as usize..t.toks[b].src_start as usize).unwrap_or(" , ")
}

/// Tokens `a` and `a + 1` are one chunk: nothing or only `-`, `_`, `.`, `~` between them
/// ("FSL-1.1-Apache-2.0", "X11R5", "BSD-2-Clause-alike").
fn joined(t: &Tokens, src: &str, a: usize) -> bool {
    let b = between(t, src, a, a + 1);
    // `~` is Debian's mark of a variant: "BSD-3-clause~Google" is not BSD-3-Clause.
    b.len() <= 3 && b.bytes().all(|c| matches!(c, b'-' | b'_' | b'.' | b'~'))
}

/// Tokens `a` and `b` are in one clause: only spaces, dashes and dropped words (stopwords such as
/// "license") between them, no punctuation or bracket.
fn same_clause(t: &Tokens, src: &str, a: usize, b: usize) -> bool {
    between(t, src, a, b).chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '_' | '"' | '\''))
}

/// The first word or number at or after `k`, past closing brackets and addresses ("W3C Software
/// Notice and License (2002-12-31) with ...", "Variant of OpenIB.org license with ...").
fn next_term(t: &Tokens, mut k: usize) -> Option<usize> {
    while k < t.len() && matches!(t.toks[k].kind, Kind::Close | Kind::Url) {
        k += 1;
    }
    (k < t.len() && matches!(t.toks[k].kind, Kind::Word | Kind::Num)).then_some(k)
}

/// An "or later" marker starting at token `end`: the token after it, or `None`.
fn or_later_at(t: &Tokens, end: usize) -> Option<usize> {
    let mut j = end;
    let mut words = 0;
    while j < t.len() && words < 8 {
        match t.toks[j].kind {
            Kind::Plus => return Some(skip_close(t, j + 1)),
            Kind::Open | Kind::Close => {}
            Kind::Word => {
                let w = t.get(j);
                // "lgpl-3.0-plus" is "or later"; "Apache-2.0 plus other" joins a second part.
                let last_term = !(j + 1..t.len()).any(|k| matches!(t.toks[k].kind, Kind::Word | Kind::Num));
                if w == "plus" && j == end && last_term {
                    return Some(skip_close(t, j + 1));
                }
                if LATER.contains(&w) && words > 0 {
                    return Some(skip_close(t, j + 1));
                }
                if !LATER_FILLER.contains(&w) || (words == 0 && !matches!(w, "or" | "and")) {
                    return None;
                }
                words += 1;
            }
            Kind::Num | Kind::Url => return None,
        }
        j += 1;
    }
    None
}

fn skip_close(t: &Tokens, mut j: usize) -> usize {
    while j < t.len() && t.toks[j].kind == Kind::Close {
        j += 1;
    }
    j
}

/// The "or later" form of a result: `-only` becomes `-or-later` where SPDX has it, another
/// listed id takes the SPDX `+` operator; anything else (a LicenseRef, a compound) is not known.
fn or_later(res: Resolution) -> Resolution {
    let later = |e: &str| -> Option<String> {
        if e.ends_with("-or-later") {
            return Some(e.to_string());
        }
        if let Some(base) = e.strip_suffix("-only") {
            let l = format!("{base}-or-later");
            return super::spdx_ids::is_listed(&l).then_some(l);
        }
        (super::spdx_ids::is_listed(e) && !e.contains(' ')).then(|| format!("{e}+"))
    };
    match res {
        Resolution::License(e) => later(&e).map_or(Resolution::Unrecognized, Resolution::License),
        Resolution::Ambiguous(c) => {
            let mut out: Vec<String> = Vec::new();
            for x in c.iter().filter_map(|x| later(x)) {
                if !out.contains(&x) {
                    out.push(x);
                }
            }
            Resolution::Ambiguous(out)
        }
        other => other,
    }
}

/// What the words around a license name do to it: an "or later" marker after it widens it
/// (consumed: the mention ends after it); a chunk it is glued into ("FSL-1.1-Apache-2.0",
/// "X11R5-permissive") or a modifying word beside it ("MIT-style", "based on MIT") makes it a
/// different license, so the mention becomes a restriction and the statement unknown.
fn qualify(t: &Tokens, src: &str, res: Resolution, start: usize, end: usize) -> (Resolution, usize) {
    if !matches!(res, Resolution::License(_) | Resolution::Ambiguous(_)) {
        return (res, end);
    }
    let (res, end) = match or_later_at(t, end) {
        Some(e) => (or_later(res), e),
        None => (res, end),
    };
    let term = |k: usize| matches!(t.toks[k].kind, Kind::Word | Kind::Num);
    let modified_after = end < t.len()
        && end > 0
        && ((term(end) && joined(t, src, end - 1))
            || next_term(t, end).is_some_and(|k| {
                t.toks[k].kind == Kind::Word
                    && MODIFIER_AFTER.contains(&t.get(k))
                    && !(t.get(k) == "with"
                        && next_term(t, k + 1).is_some_and(|n| ATTRIBUTION.contains(&t.get(n))))
                    && (k == end || t.toks[end - 1].kind != Kind::Open)
                    && same_clause(t, src, k - 1, k)
            }));
    let modified_before = start > 0
        && term(start - 1)
        && (joined(t, src, start - 1)
            || (MODIFIER_BEFORE.contains(&t.get(start - 1)) && same_clause(t, src, start - 1, start))
            || (start > 1
                && term(start - 2)
                && MODIFIER_BEFORE_2.contains(&(t.get(start - 2), t.get(start - 1)))
                && same_clause(t, src, start - 2, start)));
    if modified_after || modified_before { (Resolution::Restriction, end) } else { (res, end) }
}

/// Words that join the parts of a statement ("CC-BY-4.0 AND other", "MIT or others").
const CONNECTORS: &[&str] = &["and", "or", "plus", "with", "und", "et", "y", "e", "o", "ou", "oder"];

/// Whether a placeholder ("other", "unknown") stands beside the licenses as a part of its own:
/// "CC-BY-4.0 AND other" names a second license without saying which, so it is not CC-BY-4.0.
/// Placeholders are never matched inside prose, so this looks at the runs of words no mention
/// covers, with the joining words at their edges dropped, and asks whether one is a placeholder
/// as a whole ("no other restrictions" is not).
fn placeholder_beside(t: &Tokens, mentions: &[Mention]) -> bool {
    let covered = |i: usize| mentions.iter().any(|m| (m.start..m.end).contains(&i));
    let mut key = String::new();
    let mut i = 0;
    while i < t.len() {
        if covered(i) || !t.is_term(i) {
            i += 1;
            continue;
        }
        let start = i;
        while i < t.len() && t.is_term(i) && !covered(i) {
            i += 1;
        }
        let mut words: Vec<&str> = (start..i).map(|j| t.get(j)).collect();
        while words.first().is_some_and(|w| CONNECTORS.contains(w)) {
            words.remove(0);
        }
        while words.last().is_some_and(|w| CONNECTORS.contains(w)) {
            words.pop();
        }
        key.clear();
        key.push_str(&words.join(" "));
        if !key.is_empty() && vocab::lookup(&key).is_some_and(|e| e.res == Resolution::Missing) {
            return true;
        }
    }
    false
}

fn combine(t: &Tokens, mentions: &[Mention]) -> (Resolution, &'static str) {
    let terms = (0..t.len()).filter(|&i| t.is_term(i) || t.toks[i].kind == Kind::Url).count();
    let covered: usize = mentions
        .iter()
        .map(|m| (m.start..m.end).filter(|&i| t.is_term(i) || t.toks[i].kind == Kind::Url).count())
        .sum();
    let whole = mentions.len() == 1 && covered == terms;
    let via = if whole { mentions[0].via } else { "prose" };

    let mut licenses: Vec<String> = Vec::new();
    let mut families: Vec<Vec<String>> = Vec::new();
    let mut not_license = false;
    let mut restricted = false;
    for m in mentions {
        match &m.res {
            Resolution::License(e) => {
                if !licenses.contains(e) {
                    licenses.push(e.clone());
                }
            }
            Resolution::Ambiguous(c) => families.push(c.clone()),
            Resolution::NotLicense => not_license = true,
            Resolution::Restriction => restricted = true,
            Resolution::Missing | Resolution::Unrecognized => {}
        }
    }
    if whole {
        return (mentions[0].res.clone(), via);
    }
    if restricted {
        return (Resolution::Restriction, via);
    }
    if licenses.len() > 1 && licenses.iter().any(|l| PUBLIC_DOMAIN_TOOLS.contains(&l.as_str())) {
        licenses.retain(|l| l != PUBLIC_DOMAIN_REF);
    }
    families.retain(|cands| !licenses.iter().any(|l| cands.contains(l)));
    if licenses.is_empty() && families.is_empty() {
        let res = if not_license { Resolution::NotLicense } else { Resolution::Unrecognized };
        return (res, if mentions.is_empty() { "none" } else { via });
    }
    if licenses.len() == 1 && families.is_empty() && !not_license && !placeholder_beside(t, mentions) {
        return (Resolution::License(licenses.remove(0)), via);
    }
    let mut cands = licenses;
    for f in families {
        for c in f {
            if !cands.contains(&c) {
                cands.push(c);
            }
        }
    }
    (Resolution::Ambiguous(cands), via)
}
