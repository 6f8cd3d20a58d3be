//! Layer 5: vocabulary tables and the key index.
//!
//! Every known spelling is reduced to a *key*: its tokens (see [`super::cleanup::tokenize`])
//! joined by spaces, e.g. "Apache License, Version 2.0" -> `apache 2.0`. The index maps keys to
//! results and is built once from:
//! 1. `rules/normalize/placeholders.txt` (missing),
//! 2. `rules/normalize/modifiers.txt` (restrictions that make a prose statement unusable),
//! 3. the portal vocabularies and names under `rules/normalize/vocab-*.tsv`,
//! 4. every SPDX id (folded: `cc-by-nc-4.0` and `CC BY NC 4.0` share a key),
//! 5. every SPDX full name,
//! 6. `rules/normalize/families.tsv` (a family with its versions: `gpl 3.0` -> GPL-3.0-only,
//!    `gpl` -> ambiguous).
//!
//! The first table to claim a key wins; later claims with a different result are recorded in
//! [`conflicts`] (reviewed by a test). Table row syntax: `SCOPE<TAB>PHRASE<TAB>RESULT[<TAB>note]`
//! with SCOPE `~` (also inside prose), `=` (the whole statement; inside prose it only makes the
//! statement ambiguous) or `!` (the whole statement only; ignored inside prose), RESULT an SPDX
//! expression or `LicenseRef-...`, `?A,B` (ambiguous with candidates), `-` (names no license),
//! `0` (a placeholder: missing), `.` (neutral words, matched so their parts are not read alone).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::LazyLock;

use super::Resolution;
use super::cleanup::{Tokens, tokenize};
use super::spdx_ids;

/// FNV-1a: fast for the short keys used here (the tables are fixed, so no flooding concern).
#[derive(Debug, Default, Clone, Copy)]
pub struct BuildFnv;

/// The FNV-1a hasher state.
#[derive(Debug)]
pub struct Fnv(u64);

impl BuildHasher for BuildFnv {
    type Hasher = Fnv;
    fn build_hasher(&self) -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub type FastMap<K, V> = HashMap<K, V, BuildFnv>;
pub type FastSet<K> = HashSet<K, BuildFnv>;

const PLACEHOLDERS: &str = include_str!("../../rules/normalize/placeholders.txt");
const MODIFIERS: &str = include_str!("../../rules/normalize/modifiers.txt");
const FAMILIES: &str = include_str!("../../rules/normalize/families.tsv");
/// Vocabulary tables, in priority order, with the `via` they report.
const VOCABS: &[(&str, &str)] = &[
    ("vocab-rights.tsv", include_str!("../../rules/normalize/vocab-rights.tsv")),
    ("vocab-names.tsv", include_str!("../../rules/normalize/vocab-names.tsv")),
    ("vocab-ckan-od.tsv", include_str!("../../rules/normalize/vocab-ckan-od.tsv")),
    ("vocab-huggingface.tsv", include_str!("../../rules/normalize/vocab-huggingface.tsv")),
    ("vocab-eu-authority.tsv", include_str!("../../rules/normalize/vocab-eu-authority.tsv")),
    ("vocab-dcat-ap-de.tsv", include_str!("../../rules/normalize/vocab-dcat-ap-de.tsv")),
    ("vocab-dcat-ap-ch.tsv", include_str!("../../rules/normalize/vocab-dcat-ap-ch.tsv")),
];

/// Where a key may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere, also inside prose.
    Any,
    /// Only as the whole statement; inside prose its presence makes the statement ambiguous
    /// ("MIT and BSD": which BSD?).
    Whole,
    /// Only as the whole statement, and ignored inside prose (ordinary words: "artistic").
    Strict,
    /// Inside prose only when the source token is spelled exactly so (bare-word SPDX ids such
    /// as `MIT`, `ISC`: "mit" in prose is not enough).
    ExactCase(&'static str),
}

/// One key's result.
#[derive(Debug, Clone)]
pub struct Entry {
    pub res: Resolution,
    pub via: &'static str,
    pub scope: Scope,
}

/// The key index.
#[derive(Debug)]
pub struct Index {
    keys: FastMap<Box<str>, Entry>,
    /// Every token prefix of a key that may match inside prose.
    prefixes: FastSet<Box<str>>,
    conflicts: Vec<String>,
    problems: Vec<String>,
    /// ScanCode keys whose folded key an earlier table already claims with another result.
    shadowed: Vec<String>,
    /// Registry names (ScanCode, FSF, Open Definition) left out: an earlier table claims the
    /// same key with another result, or two registry names fold to one key with different results.
    names_left_out: Vec<String>,
}

static INDEX: LazyLock<Index> = LazyLock::new(build);

/// Looks up a whole key.
pub fn lookup(key: &str) -> Option<&'static Entry> {
    INDEX.keys.get(key)
}

/// Whether some prose-eligible key starts with `prefix` (token-aligned).
pub fn is_prefix(prefix: &str) -> bool {
    INDEX.prefixes.contains(prefix)
}

/// Keys claimed by two tables with different results (the first one won).
pub fn conflicts() -> &'static [String] {
    &INDEX.conflicts
}

/// ScanCode keys an earlier table claims with another result (the earlier table won).
pub fn shadowed() -> &'static [String] {
    &INDEX.shadowed
}

/// Registry names left out, with the reason (reviewed by tests/license_registry.rs).
pub fn names_left_out() -> &'static [String] {
    &INDEX.names_left_out
}

/// Table rows that could not be used (bad syntax, unknown SPDX id): must stay empty.
pub fn problems() -> &'static [String] {
    &INDEX.problems
}

/// The key of a phrase (tokens joined by spaces).
pub fn key_of(phrase: &str) -> String {
    thread_local! {
        // Reused across calls: key_of runs several times per statement.
        static TOKENS: std::cell::RefCell<Tokens> = std::cell::RefCell::new(Tokens::default());
    }
    TOKENS.with(|t| {
        let mut k = String::with_capacity(phrase.len());
        match t.try_borrow_mut() {
            Ok(mut t) => {
                tokenize(phrase, &mut t);
                t.whole_key(&mut k);
            }
            // Re-entered (never expected): a buffer of its own.
            Err(_) => {
                let mut t = Tokens::default();
                tokenize(phrase, &mut t);
                t.whole_key(&mut k);
            }
        }
        k
    })
}

/// Parses a RESULT column.
pub fn parse_result(s: &str) -> Result<Resolution, String> {
    let s = s.trim();
    match s {
        "0" => return Ok(Resolution::Missing),
        "-" => return Ok(Resolution::NotLicense),
        "!" => return Ok(Resolution::Restriction),
        // Words that say nothing about which license applies; matched so that the words inside
        // them are not read on their own ("no known copyright restrictions" is no restriction).
        "." => return Ok(Resolution::Unrecognized),
        _ => {}
    }
    if let Some(rest) = s.strip_prefix('?') {
        let mut c = Vec::new();
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            check_expression(part)?;
            c.push(part.to_string());
        }
        return Ok(Resolution::Ambiguous(c));
    }
    check_expression(s)?;
    Ok(Resolution::License(s.to_string()))
}

/// An expression in a table must be canonical: listed, non-deprecated ids or LicenseRef-.
fn check_expression(s: &str) -> Result<(), String> {
    let m = spdx_ids::parse_expression(s).ok_or_else(|| format!("not an SPDX expression: {s}"))?;
    if m.expression != s {
        return Err(format!("not canonical: {s} (canonical: {})", m.expression));
    }
    if !m.deprecated.is_empty() {
        return Err(format!("deprecated id in {s}"));
    }
    Ok(())
}

struct Builder {
    idx: Index,
}

impl Builder {
    fn insert(&mut self, key: String, entry: Entry) {
        if key.is_empty() {
            return;
        }
        if let Some(old) = self.idx.keys.get_mut(&*key) {
            if old.res != entry.res {
                self.idx.conflicts.push(format!(
                    "{key:?}: kept {:?} ({}), dropped {:?} ({})",
                    old.res, old.via, entry.res, entry.via
                ));
                return;
            }
            // The same result from a table that allows it in prose: widen the scope.
            if entry.scope == Scope::Any && old.scope != Scope::Any {
                old.scope = Scope::Any;
            } else {
                return;
            }
        } else {
            self.idx.keys.insert(key.clone().into_boxed_str(), entry.clone());
        }
        if entry.scope != Scope::Strict {
            for (pos, _) in key.match_indices(' ') {
                self.idx.prefixes.insert(key[..pos].into());
            }
            self.idx.prefixes.insert(key.into_boxed_str());
        }
    }
}

fn build() -> Index {
    let mut b = Builder {
        idx: Index {
            keys: FastMap::default(),
            prefixes: FastSet::default(),
            conflicts: Vec::new(),
            problems: Vec::new(),
            shadowed: Vec::new(),
            names_left_out: Vec::new(),
        },
    };
    for line in PLACEHOLDERS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        b.insert(key_of(line), Entry { res: Resolution::Missing, via: "placeholder", scope: Scope::Strict });
    }
    for line in MODIFIERS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        b.insert(key_of(line), Entry { res: Resolution::Restriction, via: "modifier", scope: Scope::Any });
    }
    for (file, text) in VOCABS {
        load_vocab(&mut b, file, text);
    }
    load_spdx(&mut b);
    load_families(&mut b);
    load_scancode(&mut b);
    load_registry_names(&mut b);
    b.idx
}

/// The registries' license names and short names ("BSD New", "Eclipse Public License (EPL) 2.0",
/// the FSF's "Modified BSD license", Open Definition titles and legacy ids), each a whole-statement
/// spelling. Loaded last: a key an earlier table claims keeps its result, and a key two registry
/// names give different results is left out (both listed in [`names_left_out`]).
fn load_registry_names(b: &mut Builder) {
    let mut by_key: FastMap<String, (Resolution, &'static str, &'static str)> = FastMap::default();
    let mut split: FastSet<String> = FastSet::default();
    for n in super::registry::names() {
        let key = key_of(n.name);
        if key.is_empty() || split.contains(&key) {
            continue;
        }
        match by_key.get(&key) {
            Some((res, _, first)) if *res != n.res => {
                b.idx.names_left_out.push(format!("{:?} and {first:?}: one key, different results", n.name));
                by_key.remove(&key);
                split.insert(key);
            }
            Some(_) => {}
            None => {
                by_key.insert(key, (n.res.clone(), n.via, n.name));
            }
        }
    }
    let mut keys: Vec<_> = by_key.into_iter().collect();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, (res, via, name)) in keys {
        match b.idx.keys.get(&*key) {
            Some(old) if old.res != res => b.idx.names_left_out.push(format!(
                "{name:?}: kept {:?} ({}), the registry says {res:?} ({via})",
                old.res, old.via
            )),
            Some(_) => {}
            None => b.insert(key, Entry { res, via, scope: Scope::Strict }),
        }
    }
}

/// ScanCode LicenseDB keys (generated table): each key, folded, is a whole-statement spelling of
/// its SPDX key. Loaded last: a key the hand-reviewed tables or the SPDX list already claim keeps
/// that result (such keys are listed in [`shadowed`], reviewed by tests/license_registry.rs).
fn load_scancode(b: &mut Builder) {
    // Folded SPDX ids by their first word(s), to see when a ScanCode key is only a family's stem.
    let spdx_keys: Vec<(String, String)> = spdx_ids::all_ids()
        .filter(|id| !id.is_deprecated())
        .map(|id| (key_of(id.name), id.name.to_string()))
        .collect();
    for row in super::registry::scancode_rows() {
        let key = key_of(row.key);
        let mut res = Resolution::License(row.expression.clone());
        // A key without a version that is the stem of several SPDX ids ("tu-berlin": TU-Berlin-1.0
        // and -2.0; "unicode", "docbook", "bitstream") names a family, not one license: the
        // statement is ambiguous between those ids, never ScanCode's pick of one.
        if !key.bytes().any(|c| c.is_ascii_digit()) {
            let prefix = format!("{key} ");
            let family: Vec<String> =
                spdx_keys.iter().filter(|(k, _)| k.starts_with(&prefix)).map(|(_, id)| id.clone()).collect();
            if family.len() >= 2 {
                res = Resolution::Ambiguous(family);
            }
        }
        match b.idx.keys.get(&*key) {
            Some(old) if old.res != res => {
                b.idx.shadowed.push(format!(
                    "{}: kept {:?} ({}), ScanCode says {}",
                    row.key, old.res, old.via, row.expression
                ));
            }
            Some(_) => {}
            None => b.insert(key, Entry { res, via: "scancode-licenses.tsv", scope: Scope::Strict }),
        }
    }
}

fn load_vocab(b: &mut Builder, file: &'static str, text: &str) {
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 {
            b.idx.problems.push(format!("{file}:{}: expected SCOPE, PHRASE, RESULT", n + 1));
            continue;
        }
        let scope = match cols[0].trim() {
            "=" => Scope::Whole,
            "!" => Scope::Strict,
            "~" => Scope::Any,
            other => {
                b.idx.problems.push(format!("{file}:{}: bad scope {other:?}", n + 1));
                continue;
            }
        };
        match parse_result(cols[2]) {
            Ok(res) => {
                let key = key_of(cols[1]);
                if key.is_empty() {
                    b.idx.problems.push(format!("{file}:{}: empty key", n + 1));
                }
                b.insert(key, Entry { res, via: file, scope });
            }
            Err(e) => b.idx.problems.push(format!("{file}:{}: {e}", n + 1)),
        }
    }
}

/// Replacement result for a (possibly deprecated) SPDX id.
fn id_result(id: spdx::LicenseId) -> Option<Resolution> {
    match spdx_ids::deprecated_replacement(id.name) {
        Some("") => None,
        Some(rep) => Some(Resolution::License(rep.to_string())),
        None => Some(Resolution::License(id.name.to_string())),
    }
}

fn load_spdx(b: &mut Builder) {
    let mut ids: Vec<spdx::LicenseId> = spdx_ids::all_ids().collect();
    // Non-deprecated first, so that a shared key resolves to the current id.
    ids.sort_by_key(|id| (id.is_deprecated(), id.name));
    for id in &ids {
        let Some(res) = id_result(*id) else { continue };
        let key = key_of(id.name);
        let single_word = !key.contains(' ') && key.bytes().all(|c| c.is_ascii_alphabetic());
        let scope = if single_word { Scope::ExactCase(id.name) } else { Scope::Any };
        b.insert(key, Entry { res, via: "spdx-id", scope });
    }
    // Full names: where two current ids share a name (GFDL-1.1-invariants and
    // GFDL-1.1-invariants-only), the explicit -only / -or-later id wins.
    let explicit = |n: &str| n.ends_with("-only") || n.ends_with("-or-later");
    ids.sort_by_key(|id| (id.is_deprecated(), !explicit(id.name), id.name));
    for id in &ids {
        let Some(res) = id_result(*id) else { continue };
        let key = key_of(id.full_name);
        let scope = if key.contains(' ') { Scope::Any } else { Scope::Strict };
        b.insert(key, Entry { res, via: "spdx-name", scope });
    }
}

/// How "or later" is written after a version ("GPL-2+", "v2 or any later version",
/// "lgpl-3.0-plus", "3.0 and later").
const OR_LATER_SUFFIXES: &[&str] = &[
    "+",
    "plus",
    "or later",
    "or any later",
    "and later",
    "and any later",
    "or newer",
    "or any newer",
    "or higher",
    "or greater",
    "or above",
    "later",
];

/// `families.tsv`: `SCOPE<TAB>PHRASES (|-separated)<TAB>TEMPLATE<TAB>VERSIONS<TAB>KIND`.
/// VERSIONS are space-separated, each `V` (TEMPLATE with `{v}` replaced) or `V=EXPR`. KIND `gnu`
/// adds the `-only` / `-or-later` forms. A phrase without a version means the only version when
/// there is one, else it is ambiguous between all.
fn load_families(b: &mut Builder) {
    for (n, line) in FAMILIES.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if cols.len() < 4 {
            b.idx.problems.push(format!("families.tsv:{}: expected 4 or 5 columns", n + 1));
            continue;
        }
        let scope = match cols[0] {
            "~" => Scope::Any,
            "!" => Scope::Strict,
            _ => Scope::Whole,
        };
        let gnu = cols.get(4).is_some_and(|k| *k == "gnu");
        let mut versions: Vec<(String, String)> = Vec::new();
        let mut bad = false;
        for v in cols[3].split_whitespace() {
            let (ver, expr) = match v.split_once('=') {
                Some((ver, expr)) => (ver.to_string(), expr.to_string()),
                None if gnu => (v.to_string(), format!("{}-only", cols[2].replace("{v}", v))),
                None => (v.to_string(), cols[2].replace("{v}", v)),
            };
            if let Err(e) = check_expression(&expr) {
                b.idx.problems.push(format!("families.tsv:{}: {e}", n + 1));
                bad = true;
            }
            versions.push((ver, expr));
        }
        if bad || versions.is_empty() {
            continue;
        }
        let mut all: Vec<String> = Vec::new();
        for (ver, expr) in &versions {
            all.push(expr.clone());
            if gnu {
                let later = expr.replace("-only", "-or-later");
                if spdx_ids::is_listed(&later) {
                    all.push(later);
                }
            }
            let _ = ver;
        }
        for phrase in cols[1].split('|') {
            let base = key_of(phrase);
            let fam_scope = scope;
            for (ver, expr) in &versions {
                let vkey = key_of(&format!("{phrase} {ver}"));
                let vscope = Scope::Any;
                b.insert(
                    vkey.clone(),
                    Entry { res: Resolution::License(expr.clone()), via: "families.tsv", scope: vscope },
                );
                if gnu {
                    let later = expr.replace("-only", "-or-later");
                    let only =
                        Entry { res: Resolution::License(expr.clone()), via: "families.tsv", scope: vscope };
                    b.insert(format!("{vkey} only"), only);
                    if spdx_ids::is_listed(&later) {
                        for suffix in OR_LATER_SUFFIXES {
                            let e = Entry {
                                res: Resolution::License(later.clone()),
                                via: "families.tsv",
                                scope: vscope,
                            };
                            b.insert(format!("{vkey} {}", key_of(suffix)), e);
                        }
                    }
                }
            }
            let res = if all.len() == 1 {
                Resolution::License(all[0].clone())
            } else {
                Resolution::Ambiguous(all.clone())
            };
            b.insert(base.clone(), Entry { res: res.clone(), via: "families.tsv", scope: fam_scope });
            if gnu {
                b.insert(
                    format!("{base} +"),
                    Entry { res: res.clone(), via: "families.tsv", scope: fam_scope },
                );
                b.insert(format!("{base} or later"), Entry { res, via: "families.tsv", scope: fam_scope });
            }
        }
    }
}
