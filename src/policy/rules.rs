//! The rule catalogue. Codes are a closed enum (stable ids, matched cheaply on the hot path);
//! everything a person reads about a rule (scope, default severity, summary) lives in its file
//! under `rules/rules/`, the one source every report renders from.

use std::io::{self, Write};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// How much a finding weighs in the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Whether a rule judges one item or the collection as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Item,
    Collection,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A rule is written as its code (`license-not-approved`), in reports and in serialized partials.
impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rule, D::Error> {
        let code = std::borrow::Cow::<str>::deserialize(d)?;
        Rule::from_code(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown rule `{code}`")))
    }
}

/// The three DPG criteria a data set or content collection must meet. Every format groups
/// findings under them; which rule belongs where is said only in the rule table below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Criterion {
    Licensing,
    SingleLocation,
    NonDiscriminatory,
}

impl Criterion {
    pub const ALL: [Criterion; 3] =
        [Criterion::Licensing, Criterion::SingleLocation, Criterion::NonDiscriminatory];

    /// The criterion a rule checks; `None` for rules that check the manifest's hygiene only.
    pub fn of(rule: Rule) -> Option<Criterion> {
        rule.criterion()
    }
}

/// The rule table: variant, code, and the criterion it checks (`None`: hygiene only). Adding a
/// rule means deciding its criterion here.
macro_rules! rules {
    ($($variant:ident => $code:literal, $criterion:expr),* $(,)?) => {
        /// A rule code of the contract. Never renamed, never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code),* }
            }

            /// The DPG criterion the rule checks.
            pub fn criterion(self) -> Option<Criterion> {
                use Criterion::*;
                match self { $(Rule::$variant => $criterion),* }
            }

            fn doc_source(self) -> (&'static str, &'static str) {
                match self {
                    $(Rule::$variant => (concat!("rules/rules/", $code, ".toml"),
                        include_str!(concat!("../../rules/rules/", $code, ".toml")))),*
                }
            }
        }
    };
}

rules! {
    LicenseMissing => "license-missing", Some(Licensing),
    LicenseUnrecognized => "license-unrecognized", Some(Licensing),
    LicenseAmbiguous => "license-ambiguous", Some(Licensing),
    LicenseNotApproved => "license-not-approved", Some(Licensing),
    LicenseNeedsReview => "license-needs-review", Some(Licensing),
    LicenseUrlMismatch => "license-url-mismatch", Some(Licensing),
    LicenseDeprecatedId => "license-deprecated-id", Some(Licensing),
    MixedLicensing => "mixed-licensing", Some(Licensing),
    DeclaredLicenseMismatch => "declared-license-mismatch", Some(Licensing),
    AccessLocationMissing => "access-location-missing", Some(SingleLocation),
    AccessLocationInvalid => "access-location-invalid", Some(SingleLocation),
    AccessLocationScattered => "access-location-scattered", Some(SingleLocation),
    AccessDiscriminatory => "access-discriminatory", Some(NonDiscriminatory),
    AccessUnrecognized => "access-unrecognized", Some(NonDiscriminatory),
    DuplicateItemId => "duplicate-item-id", None,
    // A row that cannot be read cannot be shown to be licensed.
    ManifestRowInvalid => "manifest-row-invalid", Some(Licensing),
    AccessNotPublic => "access-not-public", Some(NonDiscriminatory),
    // Every part of an AI system (model, code, data) must be there to be openly licensed.
    AiComponentMissing => "ai-component-missing", Some(Licensing),
    // `--check-urls` (online evidence; off by default).
    AccessLocationUnreachable => "access-location-unreachable", Some(SingleLocation),
    AccessLocationHttpError => "access-location-http-error", Some(SingleLocation),
    // A login wall is a barrier to access, not a missing location.
    AccessLoginRequired => "access-login-required", Some(NonDiscriminatory),
    AccessLocationOtherHost => "access-location-other-host", Some(SingleLocation),
    LicenseUrlUnverified => "license-url-unverified", Some(Licensing),
}

/// The documentation of one rule, as written in its file. Every field is required and non-empty:
/// `rules explain`, report appendices and SARIF `rules[]` all render from it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub code: String,
    pub scope: Scope,
    pub severity: Severity,
    /// One sentence: when the rule fires.
    pub summary: String,
    /// Why it matters for DPG recognition.
    pub rationale: String,
    /// A manifest value or situation that triggers the rule, and what to do instead.
    pub example: String,
    /// One line: how to fix it (shown beside findings).
    pub fix: String,
    /// Sources, as `owner/repo:path`, `owner/repo#issue` or a page title.
    pub references: Vec<String>,
}

/// Every rule's doc, parsed once. A broken file is reported with its path and the key at fault.
static DOCS: LazyLock<Result<Vec<RuleDoc>, String>> = LazyLock::new(|| {
    Rule::ALL
        .iter()
        .map(|rule| {
            let (path, text) = rule.doc_source();
            let doc = parse_doc(path, text)?;
            if doc.code != rule.code() {
                return Err(format!("{path}: key `code` is `{}`, expected `{}`", doc.code, rule.code()));
            }
            Ok(doc)
        })
        .collect()
});

/// The rule docs in the order of [`Rule::ALL`], or the message naming the file that is broken.
pub fn docs() -> Result<&'static [RuleDoc], String> {
    DOCS.as_ref().map(Vec::as_slice).map_err(Clone::clone)
}

/// Parses and checks one rule file; `path` is only used in the message. Errors read
/// `path: key `name` (line L, column C): what is wrong`.
pub fn parse_doc(path: &str, text: &str) -> Result<RuleDoc, String> {
    let doc: RuleDoc =
        toml::from_str(text).map_err(|e| format!("{path}: {}", crate::toml_error::describe(text, &e)))?;
    let texts = [
        ("code", &doc.code),
        ("summary", &doc.summary),
        ("rationale", &doc.rationale),
        ("example", &doc.example),
        ("fix", &doc.fix),
    ];
    for (key, value) in texts {
        if value.trim().is_empty() {
            return Err(format!("{path}: key `{key}` is empty"));
        }
    }
    if doc.fix.contains('\n') {
        return Err(format!("{path}: key `fix` must be one line"));
    }
    if doc.references.is_empty() {
        return Err(format!("{path}: key `references` is empty; name at least one source"));
    }
    if let Some(i) = doc.references.iter().position(|r| r.trim().is_empty()) {
        return Err(format!("{path}: key `references`: entry {} is empty", i + 1));
    }
    Ok(doc)
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Item => "item",
            Scope::Collection => "collection",
        }
    }
}

impl Rule {
    /// Looks a code up as a person typed it (case and surrounding blanks ignored). The error
    /// suggests the nearest code, or lists every code when none is near.
    pub fn lookup(code: &str) -> Result<Rule, String> {
        let wanted = code.trim().to_ascii_lowercase();
        if let Some(rule) = Rule::from_code(&wanted) {
            return Ok(rule);
        }
        match nearest_code(&wanted) {
            Some(near) => Err(format!(
                "unknown rule `{code}`; did you mean `{near}`? (`dpg-audit rules list` shows every rule)"
            )),
            None => Err(format!(
                "unknown rule `{code}`; expected one of: {}",
                Rule::ALL.iter().map(|r| r.code()).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// The code a typo most likely meant: within a few edits, or the only code containing the input.
fn nearest_code(wanted: &str) -> Option<&'static str> {
    let (distance, code) = Rule::ALL.iter().map(|r| (edit_distance(wanted, r.code()), r.code())).min()?;
    if distance <= (code.len() / 4).max(2) {
        return Some(code);
    }
    let mut containing =
        Rule::ALL.iter().map(|r| r.code()).filter(|c| wanted.len() >= 3 && c.contains(wanted));
    match (containing.next(), containing.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Width `rules explain` wraps its paragraphs to.
const TEXT_WIDTH: usize = 96;

/// `rules list`: one line per rule (code, scope, default severity, summary), columns aligned,
/// in the order given.
pub fn write_list(out: &mut dyn Write, docs: &[RuleDoc]) -> io::Result<()> {
    let code_width = docs.iter().map(|d| d.code.len()).max().unwrap_or(0);
    let scope_width = docs.iter().map(|d| d.scope.as_str().len()).max().unwrap_or(0);
    let severity_width = docs.iter().map(|d| d.severity.as_str().len()).max().unwrap_or(0);
    for d in docs {
        writeln!(
            out,
            "{:code_width$}  {:scope_width$}  {:severity_width$}  {}",
            d.code,
            d.scope.as_str(),
            d.severity.as_str(),
            one_line(&d.summary)
        )?;
    }
    Ok(())
}

/// `rules explain`: the whole doc as text, paragraphs wrapped.
pub fn write_explain(out: &mut dyn Write, doc: &RuleDoc) -> io::Result<()> {
    writeln!(out, "{}", doc.code)?;
    writeln!(
        out,
        "  scope:    {} ({})",
        doc.scope.as_str(),
        match doc.scope {
            Scope::Item => "judged per item",
            Scope::Collection => "judged on the collection as a whole",
        }
    )?;
    writeln!(out, "  severity: {} (default)", doc.severity.as_str())?;
    writeln!(out)?;
    write_wrapped(out, &doc.summary, "  ", "  ")?;
    for (heading, body) in [("Rationale", &doc.rationale), ("Example", &doc.example), ("Fix", &doc.fix)] {
        writeln!(out)?;
        writeln!(out, "{heading}")?;
        write_wrapped(out, body, "  ", "  ")?;
    }
    writeln!(out)?;
    writeln!(out, "References")?;
    for reference in &doc.references {
        write_wrapped(out, reference, "  - ", "    ")?;
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes `text` wrapped at word boundaries, each line after `indent`, except the first line of a
/// paragraph, which starts with `first` instead (a list marker). A newline in the text starts a
/// new paragraph; a word longer than the width (a URL) is never broken.
fn write_wrapped(out: &mut dyn Write, text: &str, first: &str, indent: &str) -> io::Result<()> {
    let width = TEXT_WIDTH.saturating_sub(indent.len()).max(20);
    for paragraph in text.trim().lines() {
        let mut prefix = first;
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                writeln!(out, "{prefix}{line}")?;
                prefix = indent;
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "{prefix}{line}")?;
        }
    }
    Ok(())
}

impl Rule {
    /// Rules only `--check-urls` raises: without it they are not evaluated (never "passed").
    pub fn needs_url_checks(self) -> bool {
        matches!(
            self,
            Rule::AccessLocationUnreachable
                | Rule::AccessLocationHttpError
                | Rule::AccessLoginRequired
                | Rule::AccessLocationOtherHost
                | Rule::LicenseUrlUnverified
        )
    }

    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The rule's doc; `docs()` must have succeeded (the audit checks it before scanning).
    pub fn doc(self) -> Option<&'static RuleDoc> {
        docs().ok()?.iter().find(|d| d.code == self.code())
    }

    pub fn default_severity(self) -> Severity {
        self.doc().map_or(Severity::Error, |d| d.severity)
    }
}
