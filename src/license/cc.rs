//! Layer 4: the Creative Commons name grammar.
//!
//! A span starts at a marker ("CC", "Creative Commons", a squashed code such as `ccby40`,
//! `CC_BYNC`), or, unmarked, at a non-abbreviated Attribution word in any language the table
//! knows ("Attribution", "Namensnennung", "署名"), and then takes element words (Attribution /
//! NonCommercial / ShareAlike / NoDerivatives, Zero, Public Domain Mark ... and their
//! abbreviations and translations), one version, a jurisdiction port (code or country name,
//! "IGO") and fillers ("International", "Unported"). A parenthesized restatement is part of the
//! span: "Attribution 4.0 International (CC BY 4.0)". Words come from
//! `rules/normalize/cc-words.tsv`, ports from `rules/normalize/cc-ports.tsv`.
//!
//! Resolution never invents SPDX ids: a port the SPDX list lacks becomes `LicenseRef-CC-...`; a
//! missing version or type is ambiguous; a version that does not exist for the type (CC0 3.0,
//! CC BY 2.1 without port, NC/SA/ND without BY after 1.0) is ambiguous too.

use std::sync::LazyLock;

use super::Resolution;
use super::cleanup::{Kind, Tokens};
use super::spdx_ids::is_listed;
use super::vocab::{FastMap, FastSet, key_of};

const WORDS_TSV: &str = include_str!("../../rules/normalize/cc-words.tsv");
const PORTS_TSV: &str = include_str!("../../rules/normalize/cc-ports.tsv");

pub const BY: u16 = 1;
pub const NC: u16 = 2;
pub const SA: u16 = 4;
pub const ND: u16 = 8;
pub const ZERO: u16 = 16;
pub const MARK: u16 = 32;
pub const PDDC: u16 = 64;
pub const PDD: u16 = 128;
pub const PD: u16 = 256;
pub const SAMPLING: u16 = 512;
pub const SAMPLING_PLUS: u16 = 1024;
const CORE: u16 = BY | NC | SA | ND;

/// The most tokens one Creative Commons span may take.
const MAX_SPAN: usize = 40;

/// Versions Creative Commons published.
pub const VERSIONS: &[&str] = &["1.0", "2.0", "2.1", "2.5", "3.0", "4.0"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Marker,
    /// An element; `start` when the word may begin an unmarked span.
    Elem(u16, bool),
    Fill,
    Igo,
    Port(usize),
}

struct Words {
    roles: FastMap<Box<str>, Role>,
    prefixes: FastSet<Box<str>>,
    max_len: usize,
    /// Port code (lower case) -> index in `codes`.
    port_codes: FastMap<Box<str>, usize>,
    codes: Vec<String>,
}

static WORDS: LazyLock<Words> = LazyLock::new(|| {
    let mut w = Words {
        roles: FastMap::default(),
        prefixes: FastSet::default(),
        max_len: 1,
        port_codes: FastMap::default(),
        codes: Vec::new(),
    };
    for line in WORDS_TSV.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if cols.len() < 2 {
            continue;
        }
        let start = cols.get(2).is_some_and(|c| *c == "start");
        let role = match cols[0] {
            "MARKER" => Role::Marker,
            "BY" => Role::Elem(BY, start),
            "NC" => Role::Elem(NC, false),
            "SA" => Role::Elem(SA, false),
            "ND" => Role::Elem(ND, false),
            "ZERO" => Role::Elem(ZERO, false),
            "MARK" => Role::Elem(MARK, false),
            "PDDC" => Role::Elem(PDDC, false),
            "PDD" => Role::Elem(PDD, false),
            "PD" => Role::Elem(PD, false),
            "FILL" => Role::Fill,
            "IGO" => Role::Igo,
            _ => continue,
        };
        insert_phrase(&mut w, &key_of(cols[1]), role);
    }
    for line in PORTS_TSV.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if cols.is_empty() || cols[0].is_empty() {
            continue;
        }
        let idx = w.codes.len();
        w.codes.push(cols[0].to_ascii_uppercase());
        w.port_codes.insert(cols[0].to_ascii_lowercase().into_boxed_str(), idx);
        if let Some(names) = cols.get(1) {
            for name in names.split('|').map(str::trim).filter(|n| !n.is_empty()) {
                insert_phrase(&mut w, &key_of(name), Role::Port(idx));
            }
        }
    }
    w
});

fn insert_phrase(w: &mut Words, key: &str, role: Role) {
    if key.is_empty() {
        return;
    }
    let n = key.split(' ').count();
    w.max_len = w.max_len.max(n);
    for (pos, _) in key.match_indices(' ') {
        w.prefixes.insert(key[..pos].into());
    }
    w.roles.entry(key.into()).or_insert(role);
}

/// The longest table phrase at token `j`: (role, tokens used).
fn phrase_at(t: &Tokens, j: usize, buf: &mut String) -> Option<(Role, usize)> {
    let w = &*WORDS;
    buf.clear();
    let mut best = None;
    let mut k = j;
    while k < t.len() && k - j < w.max_len && t.toks[k].kind == Kind::Word {
        if k > j {
            buf.push(' ');
        }
        buf.push_str(t.get(k));
        if let Some(r) = w.roles.get(buf.as_str()) {
            best = Some((*r, k - j + 1));
        }
        if !w.prefixes.contains(buf.as_str()) {
            break;
        }
        k += 1;
    }
    best
}

/// Elements of a squashed code: `ccby`, `ccbyncsa`, `bync`, `cca` (CC Attribution), `cco` (CC0
/// with a letter O), `cczero`, `ccpdm`. Returns (elements, had the `cc` prefix).
pub fn squashed(word: &str) -> Option<(u16, bool)> {
    match word {
        "cca" => return Some((BY, true)),
        "cco" | "cczero" => return Some((ZERO, true)),
        "ccpdm" => return Some((MARK, true)),
        _ => {}
    }
    let (rest, cc) = match word.strip_prefix("cc") {
        Some(r) => (r, true),
        None => (word, false),
    };
    let mut rest = rest;
    let mut el = 0u16;
    let mut parts = 0;
    while !rest.is_empty() {
        let (bit, len) = if rest.starts_with("by") {
            (BY, 2)
        } else if rest.starts_with("nc") {
            (NC, 2)
        } else if rest.starts_with("sa") {
            (SA, 2)
        } else if rest.starts_with("nd") {
            (ND, 2)
        } else {
            return None;
        };
        if el & bit != 0 {
            return None;
        }
        el |= bit;
        parts += 1;
        rest = &rest[len..];
    }
    // A bare "by"/"nc" is a table word, not a squashed code.
    if el == 0 || (!cc && parts < 2) {
        return None;
    }
    Some((el, cc))
}

/// `by-nc-sa`, `by`, `zero`, `mark`, `publicdomain`, `sampling+` ... (URL paths, Openverse,
/// portal codes). Returns the element bits.
pub fn code_elements(code: &str) -> Option<u16> {
    let code = code.trim().to_ascii_lowercase();
    match code.as_str() {
        "cc0" | "zero" | "cc-zero" | "cczero" => return Some(ZERO),
        "pdm" | "mark" | "cc-pdm" | "ccpdm" => return Some(MARK),
        "publicdomain" => return Some(PDDC),
        "sampling" => return Some(SAMPLING),
        "sampling+" => return Some(SAMPLING_PLUS),
        "nc-sampling+" => return Some(SAMPLING_PLUS | NC),
        _ => {}
    }
    let mut el = 0u16;
    let body = code.strip_prefix("cc-").unwrap_or(&code);
    for part in body.split(['-', '_']) {
        let bit = match part {
            "by" => BY,
            "nc" => NC,
            "sa" => SA,
            "nd" => ND,
            _ => return None,
        };
        if el & bit != 0 {
            return None;
        }
        el |= bit;
    }
    (el != 0).then_some(el)
}

/// A port code (lower case `de`, `igo`, `scotland`) -> canonical upper-case code.
pub fn port_code(code: &str) -> Option<&'static str> {
    let w = &*WORDS;
    w.port_codes.get(code.to_ascii_lowercase().as_str()).map(|i| w.codes[*i].as_str())
}

fn cc_version(s: &str) -> Option<&'static str> {
    VERSIONS.iter().copied().find(|v| *v == s)
}

/// A squashed version glued to a squashed code: `ccby40`.
fn squashed_version(s: &str) -> Option<&'static str> {
    match s {
        "10" => Some("1.0"),
        "20" => Some("2.0"),
        "21" => Some("2.1"),
        "25" => Some("2.5"),
        "30" => Some("3.0"),
        "40" => Some("4.0"),
        _ => None,
    }
}

/// The parts of a span (main statement or its parenthesized restatement).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub elems: u16,
    pub version: Option<&'static str>,
    pub port: Option<&'static str>,
    pub conflict: bool,
}

fn is_cc_ish(t: &Tokens, j: usize, buf: &mut String) -> bool {
    if j >= t.len() {
        return false;
    }
    match t.toks[j].kind {
        Kind::Word => phrase_at(t, j, buf).is_some() || squashed(t.get(j)).is_some(),
        Kind::Num => cc_version(t.get(j)).is_some(),
        _ => false,
    }
}

/// Parses a CC span starting at token `i`. Returns the resolution and the token index after it.
pub fn parse_span(t: &Tokens, i: usize) -> Option<(Resolution, usize)> {
    let mut buf = String::new();
    let n = t.len();
    if i >= n || t.toks[i].kind != Kind::Word {
        return None;
    }
    let mut main = Parts::default();
    let mut paren = Parts::default();
    let mut marked = false;
    let mut j = i;
    let mut squashed_prev = false;
    match phrase_at(t, j, &mut buf) {
        Some((Role::Marker, len)) => {
            marked = true;
            j += len;
        }
        Some((Role::Elem(bit, true), len)) => {
            main.elems |= bit;
            j += len;
        }
        // "BY-SA 4.0", "by-nc-nd": the abbreviation "by" starts a name only when another element
        // abbreviation follows.
        Some((Role::Elem(BY, false), len))
            if j + len < n
                && t.toks[j + len].kind == Kind::Word
                && matches!(phrase_at(t, j + len, &mut buf), Some((Role::Elem(NC | SA | ND, _), _))) =>
        {
            main.elems |= BY;
            j += len;
        }
        _ => match squashed(t.get(j)) {
            Some((el, true)) => {
                marked = true;
                main.elems |= el;
                squashed_prev = true;
                j += 1;
            }
            _ => return None,
        },
    }
    let mut last_good = j;
    let mut depth = 0u8;
    let mut paren_used = false;
    let mut last_was_elem = main.elems != 0;
    // No real name is longer; the cap keeps repeated markers ("cc cc cc ...") linear overall.
    let limit = n.min(i + MAX_SPAN);
    while j < limit {
        let tok = t.toks[j];
        let in_paren = depth > 0;
        match tok.kind {
            Kind::Open => {
                last_was_elem = false;
                if !in_paren && !paren_used && is_cc_ish(t, j + 1, &mut buf) {
                    depth = 1;
                    paren_used = true;
                    j += 1;
                    continue;
                }
                break;
            }
            Kind::Close => {
                last_was_elem = false;
                if in_paren {
                    depth = 0;
                    j += 1;
                    last_good = j;
                    continue;
                }
                break;
            }
            Kind::Num => {
                last_was_elem = false;
                let text = t.get(j);
                let cur = if in_paren { &mut paren } else { &mut main };
                if text == "0.0" && cur.elems & CORE == 0 && cur.version.is_none() {
                    // "CC0", "CC-0", "CC 0": the zero is glued or right after the marker.
                    cur.elems |= ZERO;
                    j += 1;
                    last_good = j;
                    continue;
                }
                let v = cc_version(text)
                    .or_else(|| if squashed_prev && tok.glued { squashed_version(text) } else { None });
                squashed_prev = false;
                let Some(v) = v else { break };
                let cur = if in_paren { &mut paren } else { &mut main };
                match cur.version {
                    None => cur.version = Some(v),
                    Some(old) if old == v => {}
                    Some(_) if in_paren => cur.conflict = true,
                    Some(_) => break,
                }
                j += 1;
                last_good = j;
            }
            Kind::Url | Kind::Plus => break,
            Kind::Word => {
                squashed_prev = false;
                // "CC0 1.0 Universal by the authors": no new elements once the statement is
                // complete, unless they continue the element run ("Creative Commons 4.0 BY-SA").
                let main_complete = main.version.is_some() && main.elems != 0 && !last_was_elem;
                let mut elem_now = false;
                if let Some((role, len)) = phrase_at(t, j, &mut buf) {
                    let main_started = main.elems != 0 || main.version.is_some();
                    let cur = if in_paren { &mut paren } else { &mut main };
                    match role {
                        Role::Marker => {
                            if !in_paren && main_started {
                                break;
                            }
                        }
                        Role::Elem(bit, _) => {
                            if !in_paren && main_complete {
                                break;
                            }
                            cur.elems |= bit;
                            elem_now = true;
                        }
                        Role::Fill => {}
                        Role::Igo => cur.port = Some("IGO"),
                        Role::Port(idx) => cur.port = WORDS.codes.get(idx).map(String::as_str),
                    }
                    j += len;
                    last_good = j;
                    last_was_elem = elem_now;
                    continue;
                }
                let word = t.get(j);
                if let Some((el, _)) = squashed(word) {
                    if !in_paren && main_complete {
                        break;
                    }
                    let cur = if in_paren { &mut paren } else { &mut main };
                    cur.elems |= el;
                    squashed_prev = true;
                    last_was_elem = true;
                    j += 1;
                    last_good = j;
                    continue;
                }
                // A two-letter jurisdiction code: "3.0 DE", "by-de/3.0".
                if word.len() == 2 {
                    let cur = if in_paren { &mut paren } else { &mut main };
                    let next_is_version =
                        j + 1 < n && t.toks[j + 1].kind == Kind::Num && cc_version(t.get(j + 1)).is_some();
                    let placed = cur.version.is_some() || next_is_version;
                    let clear = tok.upper || tok.punct_after || next_is_version;
                    if placed
                        && clear
                        && let Some(code) = port_code(word)
                    {
                        cur.port = Some(code);
                        j += 1;
                        last_good = j;
                        continue;
                    }
                }
                break;
            }
        }
    }
    if !marked {
        let core = (main.elems & CORE).count_ones();
        if main.version.is_none() && core < 2 {
            return None;
        }
    }
    Some((resolve_span(&main, &paren), last_good))
}

fn resolve_span(main: &Parts, paren: &Parts) -> Resolution {
    if paren == &Parts::default() {
        return resolve(main);
    }
    let merged = Parts {
        elems: if main.elems == 0 { paren.elems } else { main.elems },
        version: main.version.or(paren.version),
        port: main.port.or(paren.port),
        conflict: main.conflict || paren.conflict,
    };
    let versions_differ = matches!((main.version, paren.version), (Some(a), Some(b)) if a != b);
    let elems_differ = main.elems != 0 && paren.elems != 0 && (paren.elems & !main.elems & CORE) != 0;
    if merged.conflict || versions_differ || elems_differ {
        let other = Parts {
            elems: if paren.elems == 0 { main.elems } else { paren.elems },
            version: paren.version.or(main.version),
            port: paren.port.or(main.port),
            conflict: false,
        };
        let mut cands = candidates_of(&resolve(&Parts { conflict: false, ..merged.clone() }));
        for c in candidates_of(&resolve(&other)) {
            if !cands.contains(&c) {
                cands.push(c);
            }
        }
        return Resolution::Ambiguous(cands);
    }
    resolve(&merged)
}

fn candidates_of(r: &Resolution) -> Vec<String> {
    match r {
        Resolution::License(e) => vec![e.clone()],
        Resolution::Ambiguous(c) => c.clone(),
        _ => Vec::new(),
    }
}

/// The id CC would have: `CC-BY-NC-SA-3.0-DE`.
fn would_be_id(core: u16, version: &str, port: Option<&str>) -> String {
    let mut s = String::from("CC");
    if core & BY != 0 {
        s.push_str("-BY");
    }
    if core & NC != 0 {
        s.push_str("-NC");
    }
    if core & SA != 0 {
        s.push_str("-SA");
    }
    if core & ND != 0 {
        s.push_str("-ND");
    }
    s.push('-');
    s.push_str(version);
    if let Some(p) = port {
        s.push('-');
        s.push_str(p);
    }
    s
}

/// An SPDX id when listed, else `LicenseRef-` + the would-be id.
fn listed_or_ref(id: String) -> String {
    if is_listed(&id) { id } else { format!("LicenseRef-{id}") }
}

const FAMILY_VERSIONS: &[&str] = &["4.0", "3.0", "2.5", "2.0", "1.0"];

/// Resolves parts to a license, an ambiguity or nothing.
pub fn resolve(p: &Parts) -> Resolution {
    let e = p.elems;
    let core = e & CORE;
    let single_version = |id: &str| match p.version {
        None | Some("1.0") => Resolution::License(id.to_string()),
        Some(_) => Resolution::Ambiguous(vec![id.to_string()]),
    };
    if e & (SAMPLING | SAMPLING_PLUS) != 0 {
        let mut id = String::from("LicenseRef-CC-");
        if e & NC != 0 {
            id.push_str("NC-");
        }
        id.push_str(if e & SAMPLING_PLUS != 0 { "Sampling-Plus-1.0" } else { "Sampling-1.0" });
        return single_version(&id);
    }
    if e & ZERO != 0 {
        if core != 0 {
            return Resolution::Unrecognized;
        }
        return single_version("CC0-1.0");
    }
    if e & MARK != 0 {
        if core != 0 {
            return Resolution::Unrecognized;
        }
        return single_version("CC-PDM-1.0");
    }
    if e & PDDC != 0 && core == 0 {
        return Resolution::License("CC-PDDC".into());
    }
    if e & PDD != 0 && core == 0 {
        return Resolution::Ambiguous(vec!["CC0-1.0".into(), "CC-PDDC".into()]);
    }
    if e & PD != 0 && core == 0 {
        return Resolution::Ambiguous(vec!["CC0-1.0".into(), "CC-PDM-1.0".into(), "CC-PDDC".into()]);
    }
    if core & SA != 0 && core & ND != 0 {
        return Resolution::Unrecognized;
    }
    // Ports exist for 1.0-3.0 only (IGO for 3.0); a port on 4.0 changes nothing.
    let port = match (p.version, p.port) {
        (Some("4.0"), _) => None,
        (Some(v), Some("IGO")) if v != "3.0" => None,
        (_, port) => port,
    };
    if core == 0 {
        let v = p.version.filter(|v| *v != "2.1");
        let mut c: Vec<String> = [BY, BY | SA, BY | NC, BY | NC | SA, BY | ND, BY | NC | ND]
            .iter()
            .map(|k| listed_or_ref(would_be_id(*k, v.unwrap_or("4.0"), port)))
            .collect();
        if p.version.is_none() {
            c.push("CC0-1.0".into());
        }
        return Resolution::Ambiguous(c);
    }
    let with_by = core | BY;
    match p.version {
        None => Resolution::Ambiguous(
            FAMILY_VERSIONS.iter().map(|v| listed_or_ref(would_be_id(with_by, v, port))).collect(),
        ),
        Some(v) if core & BY == 0 && v != "1.0" => {
            // NC/SA/ND without BY exist only as 1.0 (and a few 2.x ports): the statement is
            // incomplete, not a license.
            Resolution::Ambiguous(vec![listed_or_ref(would_be_id(with_by, v, port))])
        }
        Some("2.1") if port.is_none() => Resolution::Ambiguous(
            ["JP", "ES", "AU"].iter().map(|pc| listed_or_ref(would_be_id(core, "2.1", Some(pc)))).collect(),
        ),
        Some(v) => Resolution::License(listed_or_ref(would_be_id(core, v, port))),
    }
}
