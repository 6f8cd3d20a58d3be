//! Access restrictions, judged by what the statement says: open, a permitted requirement (login,
//! registration, API key, rate limit), terms a person must read, discriminatory (geography,
//! membership, fee, discretion), not public, or unknown when nothing in it is understood.
//!
//! Two readers. Controlled vocabularies (DCAT-US `accessLevel`, EU access-right IRIs, COAR,
//! OpenAIRE, Zenodo, CKAN, Hugging Face gating, SPDX availability) are read exactly from
//! `rules/access/vocabularies.tsv`. Anything else is read by a small grammar over the words of
//! `rules/access/vocabulary.toml` and the places of `rules/access/gazetteer.tsv` and
//! `blocs.tsv`: what is required versus who may have it, with negation scoped to the phrase it
//! negates. The rules of the grammar are summarized at the top of `vocabulary.toml`.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{FindingSpec, Judgement, Rule, Severity, quote};

/// What an access statement means for criterion 3, gravest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Nothing in the statement is understood.
    Unknown,
    /// Anyone may have it.
    Open,
    /// A requirement every user meets alike (criterion 3).
    Permitted,
    /// Terms to accept, or conditions a person must read.
    Review,
    /// Access depends on who the user is: place, group, payment, someone's approval.
    Discriminatory,
    /// Nobody outside the owner may have it.
    NotPublic,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Unknown => "unknown",
            Class::Open => "open",
            Class::Permitted => "permitted",
            Class::Review => "review",
            Class::Discriminatory => "discriminatory",
            Class::NotPublic => "not-public",
        }
    }

    /// Order in which clauses are combined: the gravest reading of any clause is the statement's.
    /// Unknown ranks lowest so that one understood clause decides.
    fn gravity(self) -> u8 {
        match self {
            Class::Unknown => 0,
            Class::Open => 1,
            Class::Permitted => 2,
            Class::Review => 3,
            Class::Discriminatory => 4,
            Class::NotPublic => 5,
        }
    }
}

/// The reading of one statement: its class, why, and the words that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading {
    pub class: Class,
    pub reason: String,
    pub words: Vec<String>,
}

/// Word classes of the lexicon (`vocabulary.toml` sections), plus places from the gazetteer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Open,
    /// Everyone, anywhere: voids a restriction by place or group in the same clause.
    Everyone,
    Requirement,
    Terms,
    Geography,
    Place,
    Marker,
    People,
    /// A body people belong to ("university", "ministry"): a restriction only with a marker.
    Group,
    Membership,
    Fee,
    Discretion,
    Restricted,
    NotPublic,
    Unavailable,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    negators: Vec<String>,
    required: Vec<String>,
    joins: Vec<String>,
    breaks: Vec<String>,
    code_stopwords: Vec<String>,
    open: Vec<String>,
    everyone: Vec<String>,
    requirement: Vec<String>,
    terms: Vec<String>,
    geography: Vec<String>,
    place: Vec<String>,
    marker: Vec<String>,
    people: Vec<String>,
    group: Vec<String>,
    membership: Vec<String>,
    fee: Vec<String>,
    discretion: Vec<String>,
    restricted: Vec<String>,
    not_public: Vec<String>,
    unavailable: Vec<String>,
}

/// A phrase of the lexicon: its folded words and every kind it has ("blocked" is both a marker
/// and a not-available word).
#[derive(Debug, Clone)]
struct Phrase {
    words: Vec<String>,
    kinds: Vec<Kind>,
}

#[derive(Debug, Default)]
struct Lexicon {
    /// Phrases by their first folded word, longest first.
    phrases: HashMap<String, Vec<Phrase>>,
    /// Breaks by their first folded word (some are two words: "sin embargo").
    breaks: HashMap<String, Vec<Vec<String>>>,
    negators: HashMap<String, Vec<Vec<String>>>,
    joins: Vec<String>,
    /// Words that, right after a negator, make it negate what precedes it ("not required").
    required: Vec<String>,
    /// ISO codes and bloc abbreviations, matched only when written in capitals.
    codes: HashMap<String, String>,
    code_stopwords: Vec<String>,
    /// Exact vocabulary terms, by their canonical form.
    exact: HashMap<String, (Class, String)>,
}

const VOCABULARY: &str = include_str!("../../rules/access/vocabulary.toml");
const VOCABULARIES: &str = include_str!("../../rules/access/vocabularies.tsv");
const GAZETTEER: &str = include_str!("../../rules/access/gazetteer.tsv");
const BLOCS: &str = include_str!("../../rules/access/blocs.tsv");

static LEXICON: LazyLock<Result<Lexicon, String>> = LazyLock::new(build);

fn build() -> Result<Lexicon, String> {
    let v: VocabularyFile = toml::from_str(VOCABULARY)
        .map_err(|e| format!("rules/access/vocabulary.toml: {}", e.message().trim()))?;
    let mut lex = Lexicon::default();
    let add = |lex: &mut Lexicon, phrase: &str, kind: Kind| {
        let words = words_of(phrase);
        let Some(first) = words.first().cloned() else { return };
        let list = lex.phrases.entry(first).or_default();
        match list.iter_mut().find(|p| p.words == words) {
            Some(p) if !p.kinds.contains(&kind) => p.kinds.push(kind),
            Some(_) => {}
            None => list.push(Phrase { words, kinds: vec![kind] }),
        }
    };
    let sections: [(&[String], Kind); 15] = [
        (&v.group, Kind::Group),
        (&v.open, Kind::Open),
        (&v.everyone, Kind::Everyone),
        (&v.requirement, Kind::Requirement),
        (&v.terms, Kind::Terms),
        (&v.geography, Kind::Geography),
        (&v.place, Kind::Place),
        (&v.marker, Kind::Marker),
        (&v.people, Kind::People),
        (&v.membership, Kind::Membership),
        (&v.fee, Kind::Fee),
        (&v.discretion, Kind::Discretion),
        (&v.restricted, Kind::Restricted),
        (&v.not_public, Kind::NotPublic),
        (&v.unavailable, Kind::Unavailable),
    ];
    for (list, kind) in sections {
        for phrase in list {
            add(&mut lex, phrase, kind);
        }
    }
    // Place names: a name that is also a lexicon phrase keeps its lexicon meaning only, so that
    // the gazetteer never turns a word of the grammar into a place.
    for (path, text) in [("rules/access/gazetteer.tsv", GAZETTEER), ("rules/access/blocs.tsv", BLOCS)] {
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.starts_with('#')).skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [name, kind, place] = cols[..] else {
                return Err(format!("{path}: line {}: expected name, kind and place", n + 1));
            };
            match kind {
                "code" => {
                    lex.codes.insert(name.to_string(), place.to_string());
                }
                "name" | "demonym" => {
                    let words = words_of(name);
                    let taken = words.first().and_then(|f| lex.phrases.get(f)).is_some_and(|list| {
                        list.iter().any(|p| p.words == words && !p.kinds.contains(&Kind::Place))
                    });
                    if !taken {
                        add(&mut lex, name, Kind::Place);
                    }
                }
                other => return Err(format!("{path}: line {}: unknown kind `{other}`", n + 1)),
            }
        }
    }
    for list in lex.phrases.values_mut() {
        list.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
    }
    for (target, list) in [(&mut lex.breaks, &v.breaks), (&mut lex.negators, &v.negators)] {
        for phrase in list {
            let words = words_of(phrase);
            if let Some(first) = words.first().cloned() {
                target.entry(first).or_default().push(words);
            }
        }
        for l in target.values_mut() {
            l.sort_by_key(|w| std::cmp::Reverse(w.len()));
        }
    }
    lex.joins = v.joins.iter().map(|j| words_of(j).join(" ")).collect();
    lex.required = v.required.iter().map(|j| words_of(j).join(" ")).collect();
    lex.code_stopwords = v.code_stopwords;
    for (n, line) in VOCABULARIES.lines().enumerate().filter(|(_, l)| !l.starts_with('#')).skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [value, class, reason, _source] = cols[..] else {
            return Err(format!("rules/access/vocabularies.tsv: line {}: expected 4 columns", n + 1));
        };
        let class = match class {
            "open" => Class::Open,
            "permitted" => Class::Permitted,
            "review" => Class::Review,
            "discriminatory" => Class::Discriminatory,
            "not-public" => Class::NotPublic,
            other => {
                return Err(format!(
                    "rules/access/vocabularies.tsv: line {}: unknown class `{other}`",
                    n + 1
                ));
            }
        };
        lex.exact.insert(canonical(value), (class, reason.to_string()));
    }
    Ok(lex)
}

/// Checks the embedded access data parses; the message names the broken file.
pub fn check_vocabulary() -> Result<(), String> {
    LEXICON.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// How an exact vocabulary value is compared: case, surrounding blanks, the scheme of an IRI and a
/// trailing slash do not matter.
fn canonical(value: &str) -> String {
    let v = value.trim().to_lowercase();
    let v = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://")).unwrap_or(&v);
    v.trim_end_matches('/').to_string()
}

/// Lowercase without accents, so that "accès", "acces" and "ACCÈS" are one word. Covers the
/// Latin letters of the five languages read; other letters are kept as they are.
fn fold_char(c: char, out: &mut String) {
    for l in c.to_lowercase() {
        let plain = match l {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => 'a',
            'ç' | 'č' | 'ć' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'ñ' | 'ń' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => 'u',
            'ý' | 'ÿ' => 'y',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            other => other,
        };
        out.push(plain);
    }
}

/// The folded words of a lexicon phrase.
fn words_of(phrase: &str) -> Vec<String> {
    tokens(phrase)
        .into_iter()
        .filter_map(|t| if let Tok::Word { folded, .. } = t { Some(folded) } else { None })
        .collect()
}

#[derive(Debug, Clone)]
enum Tok {
    Word {
        folded: String,
        raw: String,
    },
    /// A comma: joins a negation's list, but is no word.
    Comma,
    /// A sentence end: the clause ends.
    Stop,
    /// A sign that says "payment" or "email domain" by itself (`€`, `@uni.edu`).
    Sign {
        kind: Kind,
        raw: String,
    },
}

/// Splits text into words and the punctuation the grammar needs. A `.` ends a sentence only
/// when a blank or the end follows, so "data.gov", "3.0" and ".edu" stay words.
fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut raw = String::new();
    let mut folded = String::new();
    let flush = |out: &mut Vec<Tok>, raw: &mut String, folded: &mut String| {
        if !raw.is_empty() {
            out.push(Tok::Word { folded: std::mem::take(folded), raw: std::mem::take(raw) });
        }
    };
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        if c.is_alphanumeric() {
            raw.push(c);
            fold_char(c, &mut folded);
            continue;
        }
        flush(&mut out, &mut raw, &mut folded);
        match c {
            ',' => out.push(Tok::Comma),
            ';' | '!' | '?' | '\n' | '|' => out.push(Tok::Stop),
            '.' if next.is_none_or(char::is_whitespace) => out.push(Tok::Stop),
            '€' | '$' | '£' | '¥' | '₹' | '₩' | '₽' => {
                out.push(Tok::Sign { kind: Kind::Fee, raw: c.to_string() })
            }
            // A bare domain ("an @uni.edu address"): sign-up limited to an email domain. A whole
            // address ("data@example.org") is a contact, not a restriction.
            '@' if next.is_some_and(char::is_alphanumeric) && (i == 0 || !chars[i - 1].is_alphanumeric()) => {
                out.push(Tok::Sign { kind: Kind::Membership, raw: "@".into() })
            }
            _ => {}
        }
    }
    flush(&mut out, &mut raw, &mut folded);
    // "e-mail" is one word in every language read.
    let mut merged: Vec<Tok> = Vec::with_capacity(out.len());
    for t in out {
        if let (Some(Tok::Word { folded: pf, raw: pr }), Tok::Word { folded, raw }) = (merged.last_mut(), &t)
            && pf == "e"
            && folded == "mail"
        {
            *pf = "email".into();
            pr.push('-');
            pr.push_str(raw);
            continue;
        }
        merged.push(t);
    }
    merged
}

/// A phrase found in a clause, by word position.
#[derive(Debug, Clone)]
struct Term {
    start: usize,
    end: usize,
    kinds: Vec<Kind>,
    text: String,
    /// The negator that negates this phrase, and whether it comes after it ("not required").
    negated: Option<(String, bool)>,
}

/// A clause: its words (folded and as written) with commas kept as positions, terms and negators.
#[derive(Debug, Default)]
struct Clause {
    terms: Vec<Term>,
    /// (position, end, word as written, may negate backwards) of each negator.
    negators: Vec<(usize, usize, String, bool)>,
    /// Positions of joins and commas: what a negation carries across.
    joins: Vec<usize>,
}

/// Reads an access statement. Empty means no restriction was stated: open.
pub fn read(raw: &str) -> Reading {
    let text = raw.trim();
    if text.is_empty() {
        return Reading { class: Class::Open, reason: "no restriction stated".into(), words: Vec::new() };
    }
    let Ok(lex) = LEXICON.as_ref() else {
        return Reading {
            class: Class::Unknown,
            reason: "the access vocabulary could not be read".into(),
            words: Vec::new(),
        };
    };
    if let Some((class, reason)) = lex.exact.get(&canonical(text)) {
        return Reading { class: *class, reason: reason.clone(), words: vec![text.to_string()] };
    }
    // Very long values are prose: their start is judged; a restriction stated after 2,000
    // characters is beyond what a metadata field is read for, and a person reads such a value.
    let text: String = text.chars().take(2000).collect();
    let clauses = parse(lex, &tokens(&text));
    let mut best: Option<Reading> = None;
    for clause in &clauses {
        if let Some(r) = judge_clause(clause)
            && best.as_ref().is_none_or(|b| r.class.gravity() > b.class.gravity())
        {
            best = Some(r);
        }
    }
    best.unwrap_or_else(|| Reading {
        class: Class::Unknown,
        reason: "no word of the statement is in the access vocabulary".into(),
        words: Vec::new(),
    })
}

/// Endings a word may carry beyond its lexicon form: plurals (English, Spanish, French,
/// Portuguese: "members", "confidenciales", "confidentielles"), French feminine ("privée"),
/// German adjective endings and genitives ("internen", "offene", "Deutschlands").
const ENDINGS: [&str; 5] = ["s", "es", "e", "en", "er"];

/// The forms of `word` with one ending removed. Words of four letters or fewer are left alone,
/// so that "us", "is" or "fees" → "fee" only where the stem is still a word of the lexicon.
fn stems(word: &str) -> impl Iterator<Item = &str> {
    ENDINGS.iter().filter_map(move |e| word.strip_suffix(e)).filter(move |_| word.len() > 4)
}

/// Finds phrases, negators and clause breaks, longest phrase first.
fn parse(lex: &Lexicon, toks: &[Tok]) -> Vec<Clause> {
    let mut clauses = vec![Clause::default()];
    let mut pos = 0usize;
    let mut i = 0usize;
    let words_at = |i: usize, n: usize| -> Option<Vec<&str>> {
        let slice = toks.get(i..i + n)?;
        slice
            .iter()
            .map(|t| if let Tok::Word { folded, .. } = t { Some(folded.as_str()) } else { None })
            .collect()
    };
    let same = |got: &str, want: &str| got == want || stems(got).any(|stem| stem == want);
    let phrase_at = |i: usize, words: &[String]| {
        words_at(i, words.len()).is_some_and(|got| got.iter().zip(words).all(|(g, w)| same(g, w)))
    };
    let raw_of = |i: usize, n: usize| -> String {
        toks[i..i + n]
            .iter()
            .filter_map(|t| if let Tok::Word { raw, .. } = t { Some(raw.as_str()) } else { None })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let matches = |list: &[Vec<String>], i: usize| -> Option<usize> {
        list.iter().find(|w| words_at(i, w.len()).is_some_and(|got| got == **w)).map(Vec::len)
    };
    let clause_has_words = |c: &Clause| !c.terms.is_empty() || !c.negators.is_empty();
    while i < toks.len() {
        let current = clauses.len() - 1;
        match &toks[i] {
            Tok::Stop => {
                if clause_has_words(&clauses[current]) {
                    clauses.push(Clause::default());
                }
                i += 1;
                continue;
            }
            Tok::Comma => {
                clauses[current].joins.push(pos);
                pos += 1;
                i += 1;
                continue;
            }
            Tok::Sign { kind, raw } => {
                clauses[current].terms.push(Term {
                    start: pos,
                    end: pos + 1,
                    kinds: vec![*kind],
                    text: raw.clone(),
                    negated: None,
                });
                pos += 1;
                i += 1;
                continue;
            }
            Tok::Word { folded, raw } => {
                if let Some(n) = lex.breaks.get(folded).and_then(|l| matches(l, i)) {
                    if clause_has_words(&clauses[current]) {
                        clauses.push(Clause::default());
                    }
                    i += n;
                    continue;
                }
                let phrase = std::iter::once(folded.as_str())
                    .chain(stems(folded))
                    .filter_map(|first| lex.phrases.get(first))
                    .flat_map(|list| list.iter().filter(|p| phrase_at(i, &p.words)))
                    .max_by_key(|p| p.words.len());
                let negator = lex.negators.get(folded).and_then(|l| matches(l, i));
                // A phrase wins over a negator of the same start only when it is longer: "not
                // available" and "non public" are phrases; "no" before "registration" negates.
                match (phrase, negator) {
                    (Some(p), n) if p.words.len() > n.unwrap_or(0) => {
                        let len = p.words.len();
                        clauses[current].terms.push(Term {
                            start: pos,
                            end: pos + len,
                            kinds: p.kinds.clone(),
                            text: raw_of(i, len),
                            negated: None,
                        });
                        pos += len;
                        i += len;
                    }
                    (_, Some(n)) => {
                        // Backwards only in "X (is) not required" or at a clause end: in "free for
                        // non-commercial use" the "non" belongs to the word after it.
                        let backwards = match toks.get(i + n) {
                            Some(Tok::Word { folded: next, .. }) => {
                                lex.required.iter().any(|r| same(next, r))
                            }
                            _ => true,
                        };
                        clauses[current].negators.push((pos, pos + n, raw_of(i, n), backwards));
                        pos += n;
                        i += n;
                    }
                    _ => {
                        let upper = raw.chars().all(|c| c.is_ascii_uppercase()) && raw.len() >= 2;
                        match lex.codes.get(raw.as_str()) {
                            Some(_) if upper && !lex.code_stopwords.contains(raw) => {
                                clauses[current].terms.push(Term {
                                    start: pos,
                                    end: pos + 1,
                                    kinds: vec![Kind::Place],
                                    text: raw.clone(),
                                    negated: None,
                                });
                            }
                            _ if lex.joins.contains(folded) => clauses[current].joins.push(pos),
                            _ => {}
                        }
                        pos += 1;
                        i += 1;
                    }
                }
            }
        }
    }
    for c in &mut clauses {
        apply_negation(c);
    }
    clauses
}

/// Words a negator reaches forward, and back when nothing follows it ("registration is not
/// required" / "Anmeldung ist nicht erforderlich").
const REACH_AHEAD: usize = 4;
const REACH_BACK: usize = 3;

/// Marks what each negator negates: the next phrase within reach and the phrases joined to it by
/// "or", "and" or commas; else the phrase just before it. Nothing beyond that, so "not available
/// outside the EU" negates "available" only, and "outside the EU" still restricts.
fn apply_negation(c: &mut Clause) {
    let negators = c.negators.clone();
    for (at, end, word, backwards) in negators {
        // Before a place name, "no"/"na" is Portuguese "in the" ("no Brasil"): no negation.
        if c.terms.iter().any(|t| t.start == end && t.kinds == [Kind::Place]) {
            continue;
        }
        let ahead =
            c.terms.iter().position(|t| t.start > at && t.start - at <= REACH_AHEAD && t.negated.is_none());
        match ahead {
            Some(mut k) => {
                c.terms[k].negated = Some((word.clone(), false));
                // Carry across a list: the gap to the next phrase holds only joins and commas.
                while let Some(next) = c.terms.get(k + 1) {
                    let gap = c.terms[k].end..next.start;
                    let only_joins = gap.clone().all(|p| c.joins.contains(&p));
                    // Adjacent phrases are not a list: in "no disponible fuera de España" the
                    // negation ends at "disponible".
                    if gap.is_empty() || gap.len() > 2 || !only_joins {
                        break;
                    }
                    k += 1;
                    c.terms[k].negated = Some((word.clone(), false));
                }
            }
            None if backwards => {
                let back = c.terms.iter().rposition(|t| t.end <= at && at - t.end <= REACH_BACK);
                if let Some(k) = back {
                    c.terms[k].negated.get_or_insert((word, true));
                }
            }
            None => {}
        }
    }
}

/// Words shown for a term: with its negator when negated ("no registration").
fn shown(t: &Term) -> String {
    match &t.negated {
        Some((n, false)) => format!("{n} {}", t.text),
        Some((n, true)) => format!("{} {n}", t.text),
        None => t.text.clone(),
    }
}

fn judge_clause(c: &Clause) -> Option<Reading> {
    let active = |k: Kind| c.terms.iter().filter(move |t| t.negated.is_none() && t.kinds.contains(&k));
    let negated = |k: Kind| c.terms.iter().filter(move |t| t.negated.is_some() && t.kinds.contains(&k));
    let words = |terms: Vec<&Term>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in terms {
            let s = shown(t);
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    };
    let reading = |class: Class, reason: &str, terms: Vec<&Term>| {
        Some(Reading { class, reason: reason.to_string(), words: words(terms) })
    };

    // Who may have it: a place restricts with a marker in the clause ("only", "outside") or a
    // people word beside it ("Brazilian users"); a geography word ("residents", "geo-blocked")
    // restricts by itself.
    // "Open to researchers and the general public", "in France and abroad": a place or group
    // listed alongside everyone restricts nobody. Only a list does that ("everyone at member
    // institutions" still restricts), and words such as "residents" always restrict.
    let listed_with_everyone = |t: &Term| {
        active(Kind::Everyone).any(|e| {
            let gap = if e.start >= t.end { t.end..e.start } else { e.end..t.start };
            !gap.is_empty() && gap.len() <= 3 && gap.clone().any(|p| c.joins.contains(&p))
        })
    };
    let markers: Vec<&Term> = active(Kind::Marker).collect();
    let places: Vec<&Term> = active(Kind::Place)
        .filter(|p| !listed_with_everyone(p))
        .filter(|p| {
            !markers.is_empty()
                || active(Kind::People).any(|q| q.start.abs_diff(p.end) <= 1 || p.start.abs_diff(q.end) <= 1)
        })
        .collect();
    let mut geo: Vec<&Term> = active(Kind::Geography).collect();
    // "EU residents": with a geography word, every place of the clause is part of what decided.
    let places: Vec<&Term> = if geo.is_empty() {
        places
    } else {
        active(Kind::Place).filter(|p| !listed_with_everyone(p)).collect()
    };
    if !places.is_empty() {
        geo.extend(places.iter().copied());
        geo.extend(markers.iter().copied().filter(|m| !m.kinds.contains(&Kind::Place)));
        geo.extend(
            active(Kind::People).filter(|q| {
                places.iter().any(|p| q.start.abs_diff(p.end) <= 1 || p.start.abs_diff(q.end) <= 1)
            }),
        );
    }
    geo.sort_by_key(|t| t.start);
    // "only from the university's network": a group restricts with a marker, as a place does.
    let groups = active(Kind::Group).filter(|_| !markers.is_empty());
    let members: Vec<&Term> =
        active(Kind::Membership).chain(groups).filter(|m| !listed_with_everyone(m)).collect();
    // "Not available", "non disponible": an open phrase negated.
    let mut unavailable: Vec<&Term> = active(Kind::Unavailable).collect();
    unavailable.extend(negated(Kind::Open));
    unavailable.extend(negated(Kind::Everyone));

    if active(Kind::NotPublic).next().is_some() {
        return reading(Class::NotPublic, "not public", active(Kind::NotPublic).collect());
    }
    if !geo.is_empty() {
        let mut all = unavailable.clone();
        all.extend(geo);
        all.sort_by_key(|t| t.start);
        return reading(Class::Discriminatory, "restricts access by geography", all);
    }
    if !members.is_empty() {
        let mut all = unavailable.clone();
        all.extend(active(Kind::Marker));
        all.extend(members);
        all.sort_by_key(|t| t.start);
        return reading(Class::Discriminatory, "restricts access to members of a group", all);
    }
    if active(Kind::Fee).next().is_some() {
        return reading(Class::Discriminatory, "requires payment", active(Kind::Fee).collect());
    }
    if active(Kind::Discretion).next().is_some() {
        return reading(
            Class::Discriminatory,
            "access is granted at someone's discretion",
            active(Kind::Discretion).collect(),
        );
    }
    if !unavailable.is_empty() {
        return reading(Class::NotPublic, "not available", unavailable);
    }
    if active(Kind::Restricted).next().is_some() {
        return reading(
            Class::Discriminatory,
            "access is restricted, without saying to whom",
            active(Kind::Restricted).collect(),
        );
    }
    if active(Kind::Terms).next().is_some() {
        return reading(
            Class::Review,
            "terms to accept: acceptable only if they restrict nothing; a person must read them",
            active(Kind::Terms).collect(),
        );
    }
    if active(Kind::Requirement).next().is_some() {
        return reading(
            Class::Permitted,
            "a requirement every user meets alike (login, registration, API key, rate limit)",
            active(Kind::Requirement).collect(),
        );
    }
    // A negated restriction is an open statement ("no registration required", "sin costo").
    let restrictive = [
        Kind::Requirement,
        Kind::Terms,
        Kind::Geography,
        Kind::Membership,
        Kind::Fee,
        Kind::Discretion,
        Kind::Restricted,
        Kind::NotPublic,
        Kind::Unavailable,
    ];
    let mut open: Vec<&Term> = active(Kind::Open).chain(active(Kind::Everyone)).collect();
    open.extend(
        c.terms.iter().filter(|t| t.negated.is_some() && t.kinds.iter().any(|k| restrictive.contains(k))),
    );
    open.sort_by_key(|t| t.start);
    if !open.is_empty() {
        return reading(Class::Open, "open to anyone", open);
    }
    None
}

/// Judges one access value: permitted and open statements earn nothing; the others a finding
/// that names the reason and the words that decided it.
pub fn judge(raw: Option<&str>, severity: &dyn Fn(Rule) -> Severity) -> Judgement {
    let none = Judgement { label: String::new(), findings: Vec::new() };
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return none };
    let r = read(raw);
    let shown = quote(raw);
    let because = if r.words.is_empty() {
        String::new()
    } else {
        format!(" (read from: {})", quote(&r.words.join(", ")))
    };
    let (rule, message) = match r.class {
        Class::Open | Class::Permitted => return none,
        Class::Unknown => (
            Rule::AccessUnrecognized,
            format!("access restriction `{shown}` is not understood; a reviewer must judge it"),
        ),
        Class::Review => {
            (Rule::AccessUnrecognized, format!("access restriction `{shown}`: {}{because}", r.reason))
        }
        Class::Discriminatory => {
            (Rule::AccessDiscriminatory, format!("access restriction `{shown}` {}{because}", r.reason))
        }
        Class::NotPublic => {
            // The reason is a phrase ("not public") or a fact ("CKAN package `private: true`
            // ..."): either way the sentence says what it means for the item.
            let why =
                if r.reason.starts_with("not public") { String::new() } else { format!(" ({})", r.reason) };
            (
                Rule::AccessNotPublic,
                format!("access statement `{shown}`: the item is not public{why}{because}"),
            )
        }
    };
    let key = match r.class {
        Class::Unknown => "unknown term".to_string(),
        _ => r.reason,
    };
    Judgement {
        label: String::new(),
        findings: vec![FindingSpec { rule, severity: severity(rule), key, message }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(raw: &str) -> Class {
        read(raw).class
    }

    #[test]
    fn the_data_files_load() {
        assert_eq!(check_vocabulary(), Ok(()));
    }

    #[test]
    fn negation_is_scoped_to_what_it_negates() {
        assert_eq!(class("no registration required"), Class::Open);
        assert_eq!(class("Registration is not required"), Class::Open);
        assert_eq!(class("not available outside the EU"), Class::Discriminatory);
        assert_eq!(class("not restricted by country"), Class::Open);
        assert_eq!(class("not open to the public"), Class::NotPublic);
        assert_eq!(class("no registration, login or fee"), Class::Open);
        assert_eq!(class("no fee, but members only"), Class::Discriminatory);
    }

    #[test]
    fn a_place_restricts_only_with_a_marker_or_people() {
        assert_eq!(class("Data about Brazil, open access"), Class::Open);
        assert_eq!(class("Downloads are blocked for visitors outside Brazil"), Class::Discriminatory);
        assert_eq!(class("only users located in Japan may access the files"), Class::Discriminatory);
        assert_eq!(class("Available to Brazilian users"), Class::Discriminatory);
        assert_eq!(class("US only"), Class::Discriminatory);
        // "us" as a word is no country.
        assert_eq!(class("contact us only by registration"), Class::Permitted);
    }

    #[test]
    fn the_decisive_words_are_reported() {
        let r = read("Sign-up is limited to people with a university email");
        assert_eq!(r.class, Class::Discriminatory);
        assert!(r.words.iter().any(|w| w == "university email"), "{r:?}");
        let r = read("no registration required");
        assert_eq!(r.words, vec!["no registration".to_string()]);
    }

    #[test]
    fn unknown_only_when_nothing_is_understood() {
        assert_eq!(class("ask Bob"), Class::Unknown);
        assert_eq!(class("see the website of the archive"), Class::Unknown);
        assert_eq!(read("ask Bob").words, Vec::<String>::new());
    }

    #[test]
    fn exact_vocabularies_ignore_scheme_case_and_slash() {
        assert_eq!(
            class("https://publications.europa.eu/resource/authority/access-right/NON_PUBLIC/"),
            Class::NotPublic
        );
        assert_eq!(class("info:eu-repo/semantics/restrictedAccess"), Class::Discriminatory);
        assert_eq!(class("http://purl.org/coar/access_right/c_abf2"), Class::Open);
        assert_eq!(class("Restricted Public"), Class::Review);
    }

    #[test]
    fn odd_input_is_read_without_panicking() {
        let long = "open access. ".repeat(5000);
        for raw in ["", ".", "@", ",,,,", "non", "aucun", "e-mail", "日本のみ", "US", "not", long.as_str()]
        {
            let _ = read(raw);
        }
        assert_eq!(class("US"), Class::Unknown, "a code alone restricts nothing");
        assert_eq!(class("NO LOGIN REQUIRED"), Class::Open, "NO in capitals is no country");
        assert_eq!(class("ONLY IN JAPAN"), Class::Discriminatory);
    }

    #[test]
    fn judged_statements_map_to_rules() {
        let rule = |raw: &str| judge(Some(raw), &Rule::default_severity).findings.first().map(|f| f.rule);
        assert_eq!(rule("internal use only"), Some(Rule::AccessNotPublic));
        assert_eq!(rule("members only"), Some(Rule::AccessDiscriminatory));
        assert_eq!(rule("clickthrough"), Some(Rule::AccessUnrecognized));
        assert_eq!(rule("ask Bob"), Some(Rule::AccessUnrecognized));
        assert_eq!(rule("API key"), None);
        assert_eq!(rule(""), None);
    }
}
