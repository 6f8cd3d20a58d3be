//! The texts and severities of the findings that are not a judged value's: access URLs, duplicate
//! ids, a manifest without a url column, an unreadable dataset. Judged values (license
//! statements, access restrictions) get theirs from [`super::Policy::judge_license`] and
//! [`super::access::judge`]. Every finding, whoever builds it, is waived through the one path in
//! the engine's recorder.

use super::url::UrlProblem;
use super::{Rule, Severity, profile::Profile, quote};

/// The finding of an item without an access URL.
pub const NO_URL: &str = "no access URL for the item";

/// Group key and message of `access-location-missing` for items without a URL.
pub fn url_missing_group() -> (&'static str, String) {
    ("no url", NO_URL.to_string())
}

/// Group key and message of `access-location-invalid` for one kind of problem.
pub fn url_invalid_group(p: UrlProblem) -> (&'static str, String) {
    (p.describe(), format!("the access URL {}", p.describe()))
}

/// An item's `access-location-invalid` finding: message and value (the URL as quoted).
pub fn url_invalid(url: &str, p: UrlProblem) -> (String, String) {
    let shown = quote(url);
    (format!("access URL `{shown}` {}", p.describe()), shown)
}

/// The severity of a rule's finding when the rule could not be checked (a column is missing): a
/// warning, unless the profile makes the rule milder or sets a severity of its own for it (a
/// stricter profile then counts the unknown as much as the failure).
fn not_checkable(rule: Rule, profile: &Profile) -> Severity {
    let set = profile.severity(rule);
    if set != rule.default_severity() || set < Severity::Warning { set } else { Severity::Warning }
}

/// Group key and message of `duplicate-item-id`.
pub const DUPLICATE_KEY: &str = "repeated id";
pub const DUPLICATE_GROUP: &str = "the same id is on more than one row";

/// A repeated id's finding: message (naming where it first appeared) and value.
pub fn duplicate(id: &str, first_row: u64, first_manifest: &str) -> (String, String) {
    let shown = quote(id);
    (format!("id `{shown}` is also on row {first_row} of {first_manifest}"), shown)
}

/// A manifest without a url column: the single-location criterion cannot be checked there.
/// Group key, message and severity. It is an `access-location-missing` finding about the
/// manifest, not an item: a warning (not checkable, rather than failed), unless the profile makes
/// `access-location-missing` milder, or sets a severity for it that is not the rule's default (a
/// stricter profile then makes the unknown location count as much as a missing one).
pub fn no_url_column(manifest: &str, profile: &Profile) -> (&'static str, String, Severity) {
    let severity = not_checkable(Rule::AccessLocationMissing, profile);
    (
        "no url column",
        format!(
            "{manifest} has no url column: the single-location criterion cannot be checked (map one with --column url=NAME)"
        ),
        severity,
    )
}

/// An AI system's parts: the `ai-component-missing` finding when model weights, training code
/// or training data are not among the items (key, message, severity). Without a component
/// column the parts cannot be told apart: a warning (at best `review`), since the DPGA accepts an
/// AI system only with all three.
pub fn ai_components(
    column: bool,
    counts: &[u64; 4],
    profile: &Profile,
) -> Option<(&'static str, String, Severity)> {
    use super::Component;
    let rule = Rule::AiComponentMissing;
    if !column {
        let severity = not_checkable(rule, profile);
        return Some((
            "no component column",
            "no component column: an AI system's model weights, training code and training data cannot be told apart, so it cannot be shown that all three are present and open (map one with --column component=NAME)".to_string(),
            severity,
        ));
    }
    let missing: Vec<&str> =
        Component::REQUIRED.iter().filter(|c| counts[**c as usize] == 0).map(|c| c.as_str()).collect();
    if missing.is_empty() {
        return None;
    }
    Some((
        "missing component",
        format!(
            "the AI system has no {} item: the DPGA accepts an AI system only with its model weights, training code and training data",
            missing.join(", no ")
        ),
        profile.severity(rule),
    ))
}

/// A dataset of a batch that cannot be read: group key and message of its
/// `manifest-row-invalid` finding.
pub fn unreadable_dataset(reason: &str) -> (&'static str, String) {
    ("unreadable dataset", format!("the dataset cannot be read: {reason}"))
}
