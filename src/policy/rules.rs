//! The rule catalogue. Codes are a closed enum (stable ids, matched cheaply on the hot path);
//! everything a person reads about a rule (scope, default severity, summary) lives in its file
//! under `rules/rules/`, the one source every report renders from.

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

macro_rules! rules {
    ($($variant:ident => $code:literal),* $(,)?) => {
        /// A rule code of the contract. Never renamed, never reused.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule { $($variant),* }

        impl Rule {
            pub const ALL: &'static [Rule] = &[$(Rule::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $(Rule::$variant => $code),* }
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
    LicenseMissing => "license-missing",
    LicenseUnrecognized => "license-unrecognized",
    LicenseAmbiguous => "license-ambiguous",
    LicenseNotApproved => "license-not-approved",
    LicenseNeedsReview => "license-needs-review",
    LicenseUrlMismatch => "license-url-mismatch",
    LicenseDeprecatedId => "license-deprecated-id",
    MixedLicensing => "mixed-licensing",
    DeclaredLicenseMismatch => "declared-license-mismatch",
    AccessLocationMissing => "access-location-missing",
    AccessLocationInvalid => "access-location-invalid",
    AccessLocationScattered => "access-location-scattered",
    AccessDiscriminatory => "access-discriminatory",
    AccessUnrecognized => "access-unrecognized",
    DuplicateItemId => "duplicate-item-id",
    ManifestRowInvalid => "manifest-row-invalid",
}

/// The documentation of one rule, as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDoc {
    pub code: String,
    pub scope: Scope,
    pub severity: Severity,
    pub summary: String,
}

/// Every rule's doc, parsed once. A broken file is reported with its path and the key at fault.
static DOCS: LazyLock<Result<Vec<RuleDoc>, String>> = LazyLock::new(|| {
    Rule::ALL
        .iter()
        .map(|rule| {
            let (path, text) = rule.doc_source();
            let doc: RuleDoc = toml::from_str(text).map_err(|e| format!("{path}: {}", e.message().trim()))?;
            if doc.code != rule.code() {
                return Err(format!("{path}: key `code` is `{}`, expected `{}`", doc.code, rule.code()));
            }
            Ok(doc)
        })
        .collect()
});

/// The rule docs, or the message naming the file that is broken.
pub fn docs() -> Result<&'static [RuleDoc], String> {
    DOCS.as_ref().map(Vec::as_slice).map_err(Clone::clone)
}

impl Rule {
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
