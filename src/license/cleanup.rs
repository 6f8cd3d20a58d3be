//! Layer 1: cleanup and tokenization.
//!
//! [`clean`] turns a raw statement into a tidy string (spaces, dashes, quotes, markdown escapes,
//! wrapping quotes/brackets, `key:` prefixes, trailing punctuation and a trailing "license").
//! [`tokenize`] splits a cleaned string into folded tokens (lower case, diacritics removed,
//! versions normalized: `3` -> `3.0`, `4_0` -> `4.0`) that the key index, the Creative Commons
//! grammar and the prose scanner work on. Everything here is a single linear pass.

/// Longer inputs are prose or a license text: they are reported unknown without being scanned.
pub const MAX_INPUT_BYTES: usize = 4096;
/// At most this many tokens are looked at.
pub const MAX_TOKENS: usize = 400;

/// Words that never change which license a statement names.
const STOPWORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "license",
    "licence",
    "licenses",
    "licences",
    "licensing",
    "lizenz",
    "licencia",
    "licenza",
    "version",
    "versión",
    "v",
    "ver",
    "vers",
    "agreement",
    "family",
];

/// Keys recognized in `key: value` / `key=value` prefixes.
const PREFIX_KEYS: &[&str] = &[
    "license",
    "licence",
    "licenses",
    "license_id",
    "licence_id",
    "license-id",
    "licenseid",
    "license_name",
    "licensename",
    "license name",
    "name",
    "title",
    "datalicense",
    "spdx-license-identifier",
    "spdx",
    "rights",
    "lizenz",
];

/// Cleans a raw statement. See the module docs.
pub fn clean(raw: &str) -> String {
    let mut s = String::with_capacity(raw.len());
    let mut last_space = true;
    for c in raw.chars() {
        let mapped = match c {
            '\\' => continue,
            c if c.is_control() || c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' => ' ',
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{fe63}' | '\u{ff0d}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{00b4}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{00ab}' | '\u{00bb}' => '"',
            c => c,
        };
        if mapped == ' ' {
            if !last_space {
                s.push(' ');
            }
            last_space = true;
        } else {
            s.push(mapped);
            last_space = false;
        }
    }
    let mut cur: &str = s.trim();
    // Peel wrappers until nothing changes (bounded: each round removes at least one byte).
    for _ in 0..8 {
        let before = cur.len();
        cur = cur.trim_start_matches(['#', '*', '>', '-', ' ']).trim();
        cur = strip_trailing_punct(cur);
        cur = strip_wrapping(cur);
        cur = strip_key_prefix(cur);
        if cur.len() == before {
            break;
        }
    }
    let cur = strip_trailing_license_word(cur);
    cur.to_string()
}

fn strip_trailing_punct(s: &str) -> &str {
    s.trim_end_matches(['.', ',', ';', ':', ' ', '!', '*']).trim_end()
}

/// Removes quotes or brackets that wrap the whole string.
fn strip_wrapping(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() < 2 {
        return s;
    }
    let (first, last) = (b[0], b[b.len() - 1]);
    let pair =
        matches!((first, last), (b'"', b'"') | (b'\'', b'\'') | (b'[', b']') | (b'(', b')') | (b'{', b'}'));
    if !pair {
        return s;
    }
    let inner = &s[1..s.len() - 1];
    if matches!(first, b'[' | b'(' | b'{') {
        // Only when the opening bracket closes at the very end: "(a) and (b)" stays.
        let mut depth = 0i32;
        for c in inner.bytes() {
            if c == first {
                depth += 1;
            } else if c == last {
                depth -= 1;
                if depth < 0 {
                    return s;
                }
            }
        }
    } else if inner.contains(first as char) {
        return s;
    }
    inner.trim()
}

/// Removes a `license:` / `name:` / `license=` style prefix.
fn strip_key_prefix(s: &str) -> &str {
    let Some(pos) = s.find([':', '=']) else { return s };
    if pos == 0 || pos > 32 {
        return s;
    }
    let key = s[..pos].trim().trim_matches(['"', '\'']);
    if !PREFIX_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
        return s;
    }
    let rest = &s[pos + 1..];
    // Not a URL scheme ("license:https://...") is fine either way: just drop the key.
    rest.trim()
}

fn strip_trailing_license_word(s: &str) -> &str {
    for word in ["license", "licence"] {
        if s.len() > word.len() + 1 {
            let cut = s.len() - word.len();
            if s.is_char_boundary(cut) && s[cut..].eq_ignore_ascii_case(word) {
                let head = &s[..cut];
                if head.ends_with(' ') {
                    let head = head.trim_end();
                    if !head.is_empty() {
                        return head;
                    }
                }
            }
        }
    }
    s
}

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Letters (folded to lower case, without diacritics).
    Word,
    /// A number or version (`4.0`, `1.3c`, `20130319`).
    Num,
    /// `(`, `[` or `{`.
    Open,
    /// `)`, `]` or `}`.
    Close,
    /// `+` (as in `GPL-2.0+`).
    Plus,
    /// A URL or a bare `host.tld/path` chunk; the text is the original chunk.
    Url,
}

/// One token: its folded text lives in [`Tokens::text`].
#[derive(Debug, Clone, Copy)]
pub struct Tok {
    pub kind: Kind,
    start: u32,
    end: u32,
    /// Byte range in the cleaned source string.
    pub src_start: u32,
    pub src_end: u32,
    /// All letters of the source were upper case (e.g. `DE`, `MIT`).
    pub upper: bool,
    /// Punctuation (not just a space), a bracket or the end of the string follows.
    pub punct_after: bool,
    /// Directly glued to the previous token in the source (no separator).
    pub glued: bool,
}

/// Tokens of one cleaned string. Reusable: [`tokenize`] clears it first.
#[derive(Debug, Default)]
pub struct Tokens {
    pub text: String,
    pub toks: Vec<Tok>,
    /// Byte length of the source string.
    pub src_len: usize,
}

impl Tokens {
    /// The folded text of token `i`.
    pub fn get(&self, i: usize) -> &str {
        let t = &self.toks[i];
        &self.text[t.start as usize..t.end as usize]
    }

    pub fn len(&self) -> usize {
        self.toks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.toks.is_empty()
    }

    /// The original source text of token `i`.
    pub fn src<'a>(&self, src: &'a str, i: usize) -> &'a str {
        let t = &self.toks[i];
        src.get(t.src_start as usize..t.src_end as usize).unwrap_or("")
    }

    /// Whether token `i` is a word or number (part of keys).
    pub fn is_term(&self, i: usize) -> bool {
        matches!(self.toks[i].kind, Kind::Word | Kind::Num | Kind::Plus)
    }

    /// The key of the whole string: all word/number tokens joined by single spaces.
    pub fn whole_key(&self, out: &mut String) {
        out.clear();
        for i in 0..self.len() {
            if self.is_term(i) {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(self.get(i));
            }
        }
    }
}

/// Whether a folded word is a stopword.
pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(&w)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af | 0xf900..=0xfaff)
}

/// Folds one (already lower-cased) letter: diacritics removed. Returns false for non-letters.
fn push_folded(c: char, out: &mut String) {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ł' | 'ľ' | 'ĺ' | 'ļ' => "l",
        'ñ' | 'ń' | 'ň' | 'ņ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ř' | 'ŗ' => "r",
        'ś' | 'š' | 'ş' | 'ș' | 'ŝ' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(s);
}

const TLDS: &[&str] = &[
    "org", "com", "net", "de", "eu", "uk", "gov", "fr", "ca", "no", "io", "edu", "int", "info", "es", "it",
    "nl", "at", "be", "se", "dk", "fi", "jp", "au", "us", "ch",
];

/// Length of a URL-ish chunk starting at `rest`, or 0.
fn url_len(rest: &str) -> usize {
    let lower_starts =
        |p: &str| rest.len() >= p.len() && rest.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    let chunk_end = || rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    let mut n = if lower_starts("http://")
        || lower_starts("https://")
        || lower_starts("ftp://")
        || lower_starts("www.")
    {
        chunk_end()
    } else {
        // A bare `host.tld` or `host.tld/path`. The host is scanned only as far as a host can
        // go, so that text which is not a URL costs nothing extra.
        let b = rest.as_bytes();
        let host_end = b
            .iter()
            .take(254)
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'.' || *c == b'-'))
            .unwrap_or(b.len().min(254));
        let host = &rest[..host_end];
        let after_ok = match b.get(host_end) {
            None => true,
            Some(c) => *c == b'/' || c.is_ascii_whitespace(),
        };
        let tld_ok = host
            .rsplit_once('.')
            .is_some_and(|(head, tld)| !head.is_empty() && TLDS.iter().any(|t| t.eq_ignore_ascii_case(tld)));
        if after_ok && tld_ok && b.first().is_some_and(u8::is_ascii_alphabetic) { chunk_end() } else { 0 }
    };
    // Trailing punctuation and an unbalanced closing bracket are not part of the URL.
    let opens = rest.as_bytes()[..n].iter().filter(|b| **b == b'(').count();
    let mut closes = rest.as_bytes()[..n].iter().filter(|b| **b == b')').count();
    while n > 0 {
        let last = rest.as_bytes()[n - 1];
        if matches!(last, b'.' | b',' | b';' | b':' | b'"' | b'\'' | b']' | b'>') {
            n -= 1;
        } else if last == b')' && closes > opens {
            n -= 1;
            closes -= 1;
        } else {
            break;
        }
    }
    n
}

/// Splits a cleaned string into tokens (see the module docs). Stopwords are dropped; `&` becomes
/// the word `and`. Work is capped at [`MAX_TOKENS`] tokens.
pub fn tokenize(src: &str, out: &mut Tokens) {
    out.text.clear();
    out.toks.clear();
    // One allocation each instead of growing by doubling (tokenize runs several times per
    // statement; growth was a tenth of the normalizer's work).
    out.text.reserve(src.len() + 8);
    out.toks.reserve(src.len() / 3 + 2);
    out.src_len = src.len();
    let bytes = src.as_bytes();
    let mut i = 0usize;
    let mut after_sep = true;
    // ">= 3" (R's DESCRIPTION files: "GPL (>= 2)") means version 3 or later: the version token
    // is followed by a `+` of its own, so that it reads as "3+".
    let mut or_later_pending = false;
    while i < src.len() && out.toks.len() < MAX_TOKENS {
        let Some(c) = src[i..].chars().next() else { break };
        let clen = c.len_utf8();
        // URLs, only at the start of a chunk.
        if after_sep && c.is_ascii_alphabetic() {
            let n = url_len(&src[i..]);
            if n > 0 {
                let start = out.text.len() as u32;
                out.text.push_str(&src[i..i + n]);
                push_tok(out, Kind::Url, start, i, i + n, false, !after_sep);
                i += n;
                after_sep = false;
                continue;
            }
        }
        if c.is_ascii_digit() {
            let start_src = i;
            let start = out.text.len() as u32;
            let mut j = i;
            let mut has_dot = false;
            while j < bytes.len() {
                let b = bytes[j];
                if b.is_ascii_digit() {
                    out.text.push(b as char);
                    j += 1;
                } else if (b == b'.' || b == b'_')
                    && j + 1 < bytes.len()
                    && bytes[j + 1].is_ascii_digit()
                    && j > start_src
                    && bytes[j - 1].is_ascii_digit()
                {
                    out.text.push('.');
                    has_dot = true;
                    j += 1;
                } else {
                    break;
                }
            }
            // Version letter suffix: 1.3c, 1.3a.
            if has_dot
                && j < bytes.len()
                && bytes[j].is_ascii_lowercase()
                && (j + 1 >= bytes.len() || !bytes[j + 1].is_ascii_alphanumeric())
            {
                out.text.push(bytes[j] as char);
                j += 1;
            }
            if !has_dot && j - start_src == 1 {
                out.text.push_str(".0");
            }
            push_tok(out, Kind::Num, start, start_src, j, false, !after_sep);
            if or_later_pending {
                or_later_pending = false;
                let plus = out.text.len() as u32;
                out.text.push('+');
                push_tok(out, Kind::Plus, plus, j, j, false, true);
            }
            i = j;
            after_sep = false;
            continue;
        }
        if c.is_alphabetic() {
            let start_src = i;
            let start = out.text.len() as u32;
            let cjk = is_cjk(c);
            let mut j = i;
            let mut upper = true;
            let mut any_letter = false;
            while j < src.len() {
                let Some(d) = src[j..].chars().next() else { break };
                if !d.is_alphabetic() || is_cjk(d) != cjk {
                    // Combining marks (decomposed accents) are skipped.
                    if ('\u{300}'..='\u{36f}').contains(&d) {
                        j += d.len_utf8();
                        continue;
                    }
                    break;
                }
                any_letter = true;
                if d.is_lowercase() {
                    upper = false;
                }
                for l in d.to_lowercase() {
                    push_folded(l, &mut out.text);
                }
                j += d.len_utf8();
            }
            let mut end_src = j;
            // "gplv3" -> "gpl" "v" "3": drop a trailing 'v' glued to a following digit.
            let word_len = out.text.len() - start as usize;
            if word_len > 1 && out.text.ends_with('v') && bytes.get(j).is_some_and(u8::is_ascii_digit) {
                out.text.pop();
                end_src = j - 1;
            }
            let word = &out.text[start as usize..];
            if word == "and" || !is_stopword(word) {
                push_tok(out, Kind::Word, start, start_src, end_src, upper && any_letter, !after_sep);
            } else {
                out.text.truncate(start as usize);
            }
            i = j;
            after_sep = false;
            continue;
        }
        let kind = match c {
            '(' | '[' | '{' => Some(Kind::Open),
            ')' | ']' | '}' => Some(Kind::Close),
            '+' => Some(Kind::Plus),
            _ => None,
        };
        if let Some(kind) = kind {
            let start = out.text.len() as u32;
            out.text.push(c);
            push_tok(out, kind, start, i, i + 1, false, !after_sep);
            if let Some(t) = out.toks.len().checked_sub(2).and_then(|k| out.toks.get_mut(k)) {
                t.punct_after = true;
            }
            i += 1;
            after_sep = matches!(kind, Kind::Open | Kind::Close);
            continue;
        }
        if c == '&' {
            let start = out.text.len() as u32;
            out.text.push_str("and");
            push_tok(out, Kind::Word, start, i, i + 1, false, false);
            i += 1;
            after_sep = true;
            continue;
        }
        if (c == '>' && bytes.get(i + 1) == Some(&b'=')) || c == '\u{2265}' {
            or_later_pending = true;
        } else if c == ',' || c == ';' {
            or_later_pending = false;
        }
        // A separator.
        if !c.is_whitespace()
            && let Some(t) = out.toks.last_mut()
        {
            t.punct_after = true;
        }
        after_sep = true;
        i += clen;
    }
    if let Some(t) = out.toks.last_mut() {
        t.punct_after = true;
    }
}

fn push_tok(
    out: &mut Tokens,
    kind: Kind,
    start: u32,
    src_start: usize,
    src_end: usize,
    upper: bool,
    glued: bool,
) {
    let end = out.text.len() as u32;
    out.toks.push(Tok {
        kind,
        start,
        end,
        src_start: src_start as u32,
        src_end: src_end as u32,
        upper,
        punct_after: false,
        glued,
    });
}

/// Convenience for tests: the folded token texts of a string.
pub fn token_texts(s: &str) -> Vec<String> {
    let mut t = Tokens::default();
    tokenize(s, &mut t);
    (0..t.len()).map(|i| t.get(i).to_string()).collect()
}
