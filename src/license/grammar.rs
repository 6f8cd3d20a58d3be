//! License fields written in a package ecosystem's own grammar rather than SPDX's:
//!
//! - CRAN's DESCRIPTION `License:` ("Writing R Extensions", section 1.1.2): alternatives joined by
//!   `|`; a version constraint after a name (`GPL (>= 2)`, `Apache License (== 2.0)`);
//!   `+ file LICENSE` for a license the file completes or restricts; `file LICENSE` alone for terms
//!   only in that file.
//! - Gentoo's `LICENSE` (the ebuild format, PMS section 8.2): names separated by spaces all apply,
//!   `|| ( a b )` is an any-of group, `( ... )` an all-of group.
//! - `&` / `|` written between names ("MIT & Apache-2.0", "GPL-2.0 | EPL-1.0").
//!
//! Each operand is normalized on its own; the result is an SPDX expression only when every operand
//! is identified. An operand that is not identified never disappears: the whole statement is then
//! ambiguous (with what was identified) or unknown. The one exception is CRAN's `file LICENSE`
//! as an *alternative*: `GPL-3 | file LICENSE` offers GPL-3.0 whatever the file says, so the
//! item is available under GPL-3.0-only.

use super::{Normalized, Status, normalize_inner};

/// CRAN's licenses that are templates: their `+ file LICENSE` only names the year and the holder
/// (R's `share/licenses/license.db`, field `Restricts_use`/`Extensible` aside, lists MIT and the
/// two BSD clauses as needing the file for that). Any other license `+ file LICENSE` has terms
/// the tool cannot read.
const CRAN_TEMPLATES: &[&str] = &["MIT", "BSD-2-Clause", "BSD-3-Clause"];

/// Statements marked by a grammar no license name uses (`||`, a USE conditional, a CRAN version
/// constraint or `file LICENSE`): read before the name tables, which would take "GPL (>= 2)" for
/// the words "gpl 2". `None` when there is no such mark.
pub(super) fn read_marked(cleaned: &str) -> Option<Normalized> {
    if cleaned.contains("||") || cleaned.contains("? (") {
        return gentoo(cleaned);
    }
    let has_ops = top_level(cleaned).any(|(_, c)| c == '|' || c == '&');
    let marked = |s: &str| cran_suffix(s).is_some() || constraint(s).is_some() || is_file_only(s);
    if has_ops && split_top(cleaned, '|').iter().chain(split_top(cleaned, '&').iter()).any(|p| marked(p)) {
        return operators(cleaned);
    }
    if marked(cleaned) {
        return Some(finish(vec![operand(cleaned)], "AND", "cran"));
    }
    None
}

/// Names joined by `&` / `|` or listed with spaces: read after the name tables, because names
/// contain both ("Bigelow & Holmes Lucida Fonts License", "BSD-Simplified Intel").
pub(super) fn read(cleaned: &str) -> Option<Normalized> {
    if is_id_list(cleaned) {
        return gentoo(cleaned);
    }
    if top_level(cleaned).any(|(_, c)| c == '|' || c == '&') {
        return operators(cleaned);
    }
    // "GPL-2.0 + Classpath", "CDDL + GPL": a `+` between words joins two statements; it is not
    // "or later" (which follows a version with no space).
    if let Some((left, right)) = cleaned.split_once(" + ") {
        let r = normalize_inner(right, false);
        if matches!(r.status, Status::Exact | Status::Normalized) {
            return Some(finish(vec![operand(left), part_of(r)], "AND", "operators"));
        }
        if let Some(n) = super::with_exception(&format!("{left} with {right} exception"))
            && matches!(n.status, Status::Exact | Status::Normalized)
        {
            return Some(n);
        }
        return Some(Normalized::none(Status::Unknown, "operators"));
    }
    None
}

/// What one operand turned out to be.
enum Part {
    License(String),
    Ambiguous(Vec<String>),
    /// CRAN's bare `file LICENSE`: terms only in a file.
    FileOnly,
    Unknown,
}

fn part_of(n: Normalized) -> Part {
    match n.status {
        Status::Exact | Status::Normalized => n.expression.map_or(Part::Unknown, Part::License),
        Status::Ambiguous => Part::Ambiguous(n.candidates),
        Status::Missing | Status::Unknown => Part::Unknown,
    }
}

/// Characters outside brackets, with their byte offsets.
fn top_level(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut depth = 0i32;
    s.char_indices().filter(move |&(_, c)| {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ => {}
        }
        depth == 0 && c != ')' && c != ']'
    })
}

/// `a | b & c`: `&` binds tighter than `|`, as AND does than OR in SPDX.
fn operators(s: &str) -> Option<Normalized> {
    let alts = split_top(s, '|');
    let mut parts = Vec::new();
    for alt in &alts {
        let conj = split_top(alt, '&');
        if conj.len() == 1 {
            parts.push(operand(conj[0]));
        } else {
            let inner: Vec<Part> = conj.iter().map(|c| operand(c)).collect();
            parts.push(part_of(finish(inner, "AND", "operators")));
        }
    }
    Some(finish(parts, if alts.len() > 1 { "OR" } else { "AND" }, "operators"))
}

/// Splits at top-level `op` (doubled `||`/`&&` count as one), dropping empty pieces.
fn split_top(s: &str, op: char) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in top_level(s) {
        if c == op {
            out.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    out.push(&s[start..]);
    out.into_iter().map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// One CRAN / `&`-`|` operand: a name, maybe with a version constraint and `+ file LICENSE`.
fn operand(s: &str) -> Part {
    let s = s.trim();
    if is_file_only(s) {
        return Part::FileOnly;
    }
    if let Some(base) = cran_suffix(s) {
        return match operand(base) {
            Part::License(e) if CRAN_TEMPLATES.contains(&e.as_str()) => Part::License(e),
            // "GPL-3 + file LICENSE": the file adds terms (CRAN's own reading); unknown.
            Part::License(_) | Part::FileOnly | Part::Unknown => Part::Unknown,
            a @ Part::Ambiguous(_) => a,
        };
    }
    if let Some((name, op, version)) = constraint(s) {
        return constrained(name, op, version);
    }
    part_of(normalize_inner(s, false))
}

fn is_file_only(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    let l = l.trim();
    l.strip_prefix("file").is_some_and(|r| {
        let r = r.trim();
        // The cleanup drops a trailing "license" word, so "MIT + file LICENSE" arrives as
        // "MIT + file".
        r.is_empty() || r.starts_with("licen") && !r.contains(' ') && r.len() <= 16
    })
}

/// `base` of "base + file LICENSE" (any spacing around `+`, LICENSE or LICENCE, any extension).
fn cran_suffix(s: &str) -> Option<&str> {
    let plus = s.rfind('+')?;
    let (base, rest) = (&s[..plus], &s[plus + 1..]);
    (is_file_only(rest) && !base.trim().is_empty()).then_some(base.trim())
}

/// "NAME (>= 2)", "NAME (== 2.0)", "NAME (>=2" (an unclosed bracket is still a constraint).
fn constraint(s: &str) -> Option<(&str, &'static str, &str)> {
    let open = s.rfind('(')?;
    let inner = s[open + 1..].trim().trim_end_matches(')').trim();
    let (op, rest) = if let Some(r) = inner.strip_prefix(">=") {
        (">=", r)
    } else if let Some(r) = inner.strip_prefix("==") {
        ("==", r)
    } else {
        return None;
    };
    let version = rest.trim();
    let valid = !version.is_empty()
        && version.len() <= 8
        && version.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && version.as_bytes()[0].is_ascii_digit();
    let name = s[..open].trim();
    (valid && !name.is_empty()).then_some((name, op, version))
}

/// A license name with a version constraint. `==`: that version. `>=`: the `-or-later` id where
/// the license has one (the GNU family), else every listed version from it on ("EUPL (>= 1.1)" is
/// EUPL-1.1 OR EUPL-1.2): never a version the statement did not admit.
fn constrained(name: &str, op: &str, version: &str) -> Part {
    // "GPL-2 (>= 2)": the name carries the version already; the constraint must agree with it.
    let named = part_of(normalize_inner(name, false));
    let base = match named {
        Part::License(e) if version_of(&e).is_some() => {
            if !same_version(version_of(&e).unwrap_or_default(), version) {
                return Part::Ambiguous(vec![e]);
            }
            e
        }
        _ => match part_of(normalize_inner(&format!("{name} {version}"), false)) {
            Part::License(e) => e,
            other => return other,
        },
    };
    if op == "==" {
        return Part::License(base);
    }
    if let Some(family) = base.strip_suffix("-only") {
        let later = format!("{family}-or-later");
        if super::is_spdx_listed(&later) {
            return Part::License(later);
        }
    }
    if base.ends_with("-or-later") {
        return Part::License(base);
    }
    let (Some(v), Some(prefix)) = (version_of(&base), base.rfind('-').map(|i| &base[..=i])) else {
        return Part::License(base);
    };
    let mut later: Vec<(Vec<u32>, &str)> = spdx::identifiers::LICENSES
        .iter()
        .filter(|l| l.flags & spdx::flags::IS_DEPRECATED == 0)
        .filter_map(|l| {
            let rest = l.name.strip_prefix(prefix)?;
            let key = numeric(rest)?;
            (key >= numeric(v)?).then_some((key, l.name))
        })
        .collect();
    later.sort();
    match later.len() {
        0 | 1 => Part::License(base),
        _ => Part::License(later.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(" OR ")),
    }
}

/// The version at the end of an id ("EUPL-1.2" -> "1.2", "GPL-2.0-only" -> "2.0").
fn version_of(id: &str) -> Option<&str> {
    let id = id.strip_suffix("-only").or_else(|| id.strip_suffix("-or-later")).unwrap_or(id);
    let v = &id[id.rfind('-')? + 1..];
    numeric(v).map(|_| v)
}

fn numeric(v: &str) -> Option<Vec<u32>> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let mut parts: Vec<u32> = v.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    Some(parts)
}

fn same_version(a: &str, b: &str) -> bool {
    numeric(a).is_some() && numeric(a) == numeric(b)
}

/// Gentoo: space-separated names all apply; `|| ( ... )` any of; `( ... )` all of. A USE
/// conditional (`flag? ( ... )`) says the group applies only to some builds: not read.
fn gentoo(s: &str) -> Option<Normalized> {
    let spaced = s.replace('(', " ( ").replace(')', " ) ");
    let toks: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let parts = gentoo_seq(&toks, &mut pos, 0)?;
    if pos != toks.len() || parts.len() < 2 && !s.contains("||") {
        return None;
    }
    Some(finish(parts, "AND", "gentoo"))
}

fn gentoo_seq(toks: &[&str], pos: &mut usize, depth: usize) -> Option<Vec<Part>> {
    if depth > 8 {
        return None;
    }
    let mut parts = Vec::new();
    while *pos < toks.len() {
        let t = toks[*pos];
        match t {
            ")" => return Some(parts),
            "||" | "(" => {
                let any = t == "||";
                *pos += 1;
                if any {
                    if toks.get(*pos) != Some(&"(") {
                        return None;
                    }
                    *pos += 1;
                }
                let inner = gentoo_seq(toks, pos, depth + 1)?;
                if toks.get(*pos) != Some(&")") || inner.is_empty() {
                    return None;
                }
                *pos += 1;
                parts.push(part_of(finish(inner, if any { "OR" } else { "AND" }, "gentoo")));
            }
            // A USE conditional: the group applies to some builds only. Its names are not read,
            // and the statement is not a license for every item (unknown, never dropped).
            w if w.ends_with('?') && toks.get(*pos + 1) == Some(&"(") => {
                *pos += 2;
                gentoo_seq(toks, pos, depth + 1)?;
                if toks.get(*pos) != Some(&")") {
                    return None;
                }
                *pos += 1;
                parts.push(Part::Unknown);
            }
            w => {
                if !id_shaped(w) {
                    return None;
                }
                parts.push(part_of(normalize_inner(w, false)));
                *pos += 1;
            }
        }
    }
    Some(parts)
}

/// Two or more words that each look like a license id ("GPL-3+ MIT", "Apache-2.0 BSD-2 ISC"), at
/// least two of them identified on their own (or one, beside an unknown id), none a family or a
/// version: an all-of list (Gentoo's and others' habit). A name
/// with spaces ("Apache License 2.0", "CC BY 4.0") fails the shape test on one of its words.
fn is_id_list(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() < 2 || words.len() > 24 || !words.iter().all(|w| id_shaped(w)) {
        return false;
    }
    let mut identified = 0;
    let mut id_like_unknown = 0;
    for w in &words {
        // "v3", "v.3.0": a version that belongs to the name before it ("LGPL v3").
        let lower = w.to_ascii_lowercase();
        if lower
            .strip_prefix('v')
            .is_some_and(|r| r.trim_start_matches('.').starts_with(|c: char| c.is_ascii_digit()))
        {
            return false;
        }
        match normalize_inner(w, false).status {
            Status::Exact | Status::Normalized => identified += 1,
            // "MS-TOU" in "GPL-2+ MS-TOU": an id the tables do not know is still a license the
            // list names; it must keep the statement from reading as GPL-2.0-or-later alone.
            Status::Unknown if w.bytes().any(|b| b == b'-' || b.is_ascii_digit()) => id_like_unknown += 1,
            // A family word ("BSD", "CC", "GPL") or an unknown word may be part of one name
            // ("CC BY-SA-4.0", "GNU GPL-3"): not a list of ids.
            _ => return false,
        }
    }
    identified >= 2 || identified == 1 && id_like_unknown >= 1
}

/// A word that can be a license id: letters first, then letters, digits, `.`, `-`, `+`, `_`, with
/// a digit, a dash or a `+`, or written in capitals ("MIT", "ISC", "ZLIB"), or an SPDX id in any
/// case ("Unlicense", "Ruby").
fn id_shaped(w: &str) -> bool {
    let b = w.as_bytes();
    if b.len() < 2
        || !b[0].is_ascii_alphabetic()
        || ["and", "or", "with"].iter().any(|o| w.eq_ignore_ascii_case(o))
    {
        return false;
    }
    if !b.iter().all(|c| c.is_ascii_alphanumeric() || b".-+_".contains(c)) {
        return false;
    }
    b.iter().any(|c| c.is_ascii_digit() || *c == b'-' || *c == b'+')
        || b.iter().all(|c| !c.is_ascii_lowercase())
        || spdx::license_id(w).is_some()
        || spdx::identifiers::LICENSES.iter().any(|l| l.name.eq_ignore_ascii_case(w))
}

/// Joins the parts with `op`. Every part a license: the expression. A `file LICENSE` alternative
/// (OR only) is left out when another alternative is a license. Otherwise: ambiguous with what
/// was identified, or unknown when nothing was.
fn finish(parts: Vec<Part>, op: &str, via: &'static str) -> Normalized {
    let any_license = parts.iter().any(|p| matches!(p, Part::License(_)));
    let mut exprs: Vec<String> = Vec::new();
    let mut cands: Vec<String> = Vec::new();
    let mut unknown = false;
    let mut unsure = false;
    for p in parts {
        match p {
            Part::License(e) => {
                if !exprs.contains(&e) {
                    exprs.push(e);
                }
            }
            Part::FileOnly if op == "OR" && any_license => {}
            Part::FileOnly | Part::Unknown => unknown = true,
            Part::Ambiguous(c) => {
                unsure = true;
                for c in c {
                    if !cands.contains(&c) {
                        cands.push(c);
                    }
                }
            }
        }
    }
    if !unknown && !unsure && !exprs.is_empty() {
        let single = exprs.len() == 1;
        let joined = exprs
            .iter()
            .map(|e| {
                if !single && (e.contains(" AND ") || e.contains(" OR ")) {
                    format!("({e})")
                } else {
                    e.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(&format!(" {op} "));
        if spdx::Expression::parse_mode(&joined, spdx::ParseMode::STRICT).is_ok() {
            return Normalized {
                expression: Some(joined),
                status: Status::Normalized,
                candidates: Vec::new(),
                via,
                deprecated: Vec::new(),
            };
        }
    }
    if unknown {
        return Normalized::none(Status::Unknown, via);
    }
    for e in exprs {
        if !cands.contains(&e) {
            cands.insert(0, e);
        }
    }
    Normalized { expression: None, status: Status::Ambiguous, candidates: cands, via, deprecated: Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::super::normalize;

    fn answer(s: &str) -> String {
        let n = normalize(s);
        n.expression.unwrap_or_else(|| format!("{:?}", n.status).to_ascii_lowercase())
    }

    #[test]
    fn cran_fields() {
        for (input, want) in [
            ("GPL (>= 2)", "GPL-2.0-or-later"),
            ("LGPL (>= 2.1) | MIT + file LICENSE", "LGPL-2.1-or-later OR MIT"),
            ("GPL-2 | GPL-3", "GPL-2.0-only OR GPL-3.0-only"),
            ("MIT+file LICENCE", "MIT"),
            ("BSD_3_clause + file LICENSE", "BSD-3-Clause"),
            // The file adds terms to a license that is not a template: never "GPL-3.0-or-later".
            ("GPL-3 + file LICENSE", "unknown"),
            ("file LICENSE", "unknown"),
            ("GPL-3 | file LICENSE", "GPL-3.0-only"),
            ("EUPL (== 1.1)", "EUPL-1.1"),
            ("EUPL (>= 1.1)", "EUPL-1.1 OR EUPL-1.2"),
            ("Apache License (>= 2)", "Apache-2.0"),
            ("GPL-2 (>= 2)", "GPL-2.0-or-later"),
            // No GPL version 2.15.1 exists: not read as anything.
        ] {
            assert_eq!(answer(input), want, "{input}");
        }
        // No GPL version 2.15.1 exists: no license is named.
        assert!(normalize("GPL (>= 2.15.1)").expression.is_none());
    }

    #[test]
    fn gentoo_and_operator_lists() {
        for (input, want) in [
            ("|| ( Apache-2.0 MIT )", "Apache-2.0 OR MIT"),
            ("GPL-3+ MIT", "GPL-3.0-or-later AND MIT"),
            (
                "|| ( GPL-2 GPL-3 ) || ( LGPL-2.1 LGPL-3 )",
                "(GPL-2.0-only OR GPL-3.0-only) AND (LGPL-2.1-only OR LGPL-3.0-only)",
            ),
            ("MIT & Apache-2.0", "MIT AND Apache-2.0"),
            ("GPL-2.0 | EPL-1.0", "GPL-2.0-only OR EPL-1.0"),
            // An unidentified member is never dropped.
            ("GPL-2+ MS-TOU", "unknown"),
            ("ssl? ( openssl ) MIT", "unknown"),
        ] {
            assert_eq!(answer(input), want, "{input}");
        }
        // A family member keeps the whole statement ambiguous.
        assert_eq!(answer("BSD MIT"), "ambiguous");
        // A version or a family word belongs to one name: not a list.
        assert_eq!(answer("LGPL v3"), "LGPL-3.0-only");
        assert_eq!(answer("CC BY-SA-4.0"), "CC-BY-SA-4.0");
        // Names with spaces are not id lists.
        assert_eq!(answer("Apache License 2.0"), "Apache-2.0");
        assert_eq!(answer("CC BY 4.0"), "CC-BY-4.0");
    }
}
