//! Access restrictions: permitted (login, API key, throttling), discriminatory (geography,
//! membership, fee, discretionary approval), not accessible, or unknown. The vocabulary is data
//! (`rules/access/vocabulary.toml`); this file only applies it. Judged once per distinct value.

use std::sync::LazyLock;

use serde::Deserialize;

use super::{FindingSpec, Judgement, Rule, Severity, quote};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularyFile {
    negations: Vec<String>,
    class: Vec<ClassFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassFile {
    name: ClassName,
    reason: String,
    exact: Vec<String>,
    contains: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ClassName {
    Permitted,
    Review,
    Discriminatory,
    NotAccessible,
}

const PATH: &str = "rules/access/vocabulary.toml";

static VOCABULARY: LazyLock<Result<VocabularyFile, String>> = LazyLock::new(|| {
    let text = include_str!("../../rules/access/vocabulary.toml");
    let mut v: VocabularyFile =
        toml::from_str(text).map_err(|e| format!("{PATH}: {}", e.message().trim()))?;
    // Phrases are matched on folded text, padded so that only whole words match.
    for c in &mut v.class {
        for p in c.exact.iter_mut().chain(c.contains.iter_mut()) {
            *p = fold(p);
        }
    }
    Ok(v)
});

pub fn check_vocabulary() -> Result<(), String> {
    VOCABULARY.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// Lowercase; every run of non-alphanumeric characters becomes one space.
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim().to_string()
}

/// Judges one access value. Empty means no restriction was stated.
pub fn judge(raw: Option<&str>, severity: &dyn Fn(Rule) -> Severity) -> Judgement {
    let none = Judgement { label: String::new(), findings: Vec::new() };
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return none };
    let Ok(vocab) = VOCABULARY.as_ref() else { return none };
    // Very long values are prose: judge their start, the rest cannot change "a person must read it".
    let folded = fold(&raw.chars().take(2000).collect::<String>());
    let padded = format!(" {folded} ");
    let shown = quote(raw);

    let exact = vocab.class.iter().find(|c| c.exact.contains(&folded));
    let chosen = match exact {
        Some(c) => Some(c),
        None if vocab.negations.iter().any(|n| padded.contains(&format!(" {n} "))) => {
            return finding(
                severity,
                Rule::AccessUnrecognized,
                "negated restriction",
                format!("access restriction `{shown}` is phrased with a negation; a reviewer must read it"),
            );
        }
        None => vocab
            .class
            .iter()
            .filter(|c| c.contains.iter().any(|p| padded.contains(&format!(" {p} "))))
            .max_by_key(|c| c.name),
    };
    match chosen {
        None => finding(
            severity,
            Rule::AccessUnrecognized,
            "unknown term",
            format!("access restriction `{shown}` is not in the vocabulary; a reviewer must judge it"),
        ),
        Some(c) => match c.name {
            ClassName::Permitted => none,
            ClassName::Review => finding(
                severity,
                Rule::AccessUnrecognized,
                &c.reason,
                format!("access restriction `{shown}`: {}", c.reason),
            ),
            ClassName::Discriminatory | ClassName::NotAccessible => finding(
                severity,
                Rule::AccessDiscriminatory,
                &c.reason,
                format!("access restriction `{shown}` {}", c.reason),
            ),
        },
    }
}

fn finding(severity: &dyn Fn(Rule) -> Severity, rule: Rule, key: &str, message: String) -> Judgement {
    Judgement {
        label: String::new(),
        findings: vec![FindingSpec { rule, severity: severity(rule), key: key.to_string(), message }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_of(raw: &str) -> Option<(Rule, String)> {
        judge(Some(raw), &Rule::default_severity).findings.first().map(|f| (f.rule, f.key.clone()))
    }

    #[test]
    fn permitted_restrictions_pass() {
        for raw in [
            "",
            "none",
            "Open",
            "public",
            "Login required",
            "free registration",
            "API key",
            "rate-limited",
            "directDownload",
            "registration",
            "gated: auto",
            "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
        ] {
            assert_eq!(rule_of(raw), None, "{raw}");
        }
    }

    #[test]
    fn discriminatory_restrictions_fail_with_their_reason() {
        let cases = [
            ("US only", "geography"),
            ("Available to EU residents", "geography"),
            ("members only", "members"),
            ("Academic use, institutional login", "members"),
            ("subscription", "payment"),
            ("paid API", "payment"),
            ("request access", "discretion"),
            ("gated: manual", "discretion"),
            ("RESTRICTED", "discretion"),
            ("http://publications.europa.eu/resource/authority/access-right/RESTRICTED", "discretion"),
            ("embargoed", "not accessible"),
            ("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC", "not accessible"),
        ];
        for (raw, why) in cases {
            let got = rule_of(raw);
            assert!(
                got.as_ref().is_some_and(|(r, k)| *r == Rule::AccessDiscriminatory && k.contains(why)),
                "{raw}: {got:?}"
            );
        }
    }

    #[test]
    fn unclear_restrictions_go_to_review() {
        for raw in ["clickthrough", "not open to the public", "no fee for non-members", "ask Bob"] {
            let got = rule_of(raw);
            assert!(got.as_ref().is_some_and(|(r, _)| *r == Rule::AccessUnrecognized), "{raw}: {got:?}");
        }
    }
}
