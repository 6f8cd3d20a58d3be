//! Answers for the DPG application (`--format dpg-submission`): Markdown under the application's
//! own question labels (dpg-standard `standard-questions.md`), then a JSON fragment in the shape
//! of the DPGA nominee schema (`type`, `license[{spdx, licenseURL}]`, `repositories`, `website`).
//! Only a passing collection is said to be eligible; otherwise the answer lists what stands in
//! the way. Manifest text goes through [`escape::markdown`](super::escape::markdown), the JSON
//! through serde_json.

use std::io::Write;

use serde_json::{Value, json};

use super::escape::markdown as md;
use super::{Criterion, OTHER_HOSTS, Report, Verdict, collection_wide};
use crate::policy::Severity;

/// The sentence only a passing collection gets (tests look for it).
pub const ELIGIBLE: &str = "carry an approved open license, and no finding stands in the way of \
recognition as a Digital Public Good";

/// Groups listed under "what stands in the way" before the rest are counted.
const MAX_GROUPS: usize = 20;
/// Examples shown per group.
const MAX_EXAMPLES: usize = 3;

/// `by_license` labels that are not licenses.
fn is_license(label: &str) -> bool {
    !matches!(label, "missing" | "ambiguous" | "unrecognized") && !label.trim().is_empty()
}

/// The application's solution category and the nominee schema's `type`.
fn category(dpg_type: &str) -> (&'static str, &'static str) {
    match dpg_type {
        "content" => ("Open Content", "content"),
        "software" => ("Open Software", "software"),
        "ai-system" => ("Open AI Model", "aimodel"),
        _ => ("Open Data", "data"),
    }
}

/// The license ids of an SPDX expression (`A OR B`, `A AND B WITH X`), in order, without
/// duplicates; exceptions are not licenses.
fn license_ids(expression: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut after_with = false;
    for token in expression.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        match token {
            "" => {}
            "AND" | "OR" | "and" | "or" => after_with = false,
            "WITH" | "with" => after_with = true,
            _ if after_with => after_with = false,
            t => {
                let id = t.trim_end_matches('+').to_string();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    ids
}

/// The SPDX page of a license id; none for `LicenseRef-*` or anything that is not an id.
fn spdx_url(id: &str) -> Option<String> {
    let plain = !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'));
    (plain && !id.starts_with("LicenseRef-") && !id.starts_with("DocumentRef-"))
        .then(|| format!("https://spdx.org/licenses/{id}.html"))
}

/// The licenses of the collection, largest first: (expression, items).
fn licenses(report: &Report) -> Vec<(&str, u64)> {
    let mut out: Vec<(&str, u64)> = report
        .summary
        .by_license
        .iter()
        .filter(|(l, _)| is_license(l))
        .map(|(l, n)| (l.as_str(), *n))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out
}

/// The JSON fragment in the nominee schema's shape.
pub fn fragment(report: &Report) -> Value {
    let (_, dpg_type) = category(report.collection.dpg_type);
    let mut license = Vec::new();
    for (expression, _) in licenses(report) {
        for id in license_ids(expression) {
            if !license.iter().any(|l: &Value| l["spdx"] == id.as_str()) {
                let url = spdx_url(&id).map_or(Value::Null, Value::from);
                license.push(json!({"spdx": id, "licenseURL": url}));
            }
        }
    }
    let hosts: Vec<&String> = report.summary.by_host.keys().filter(|h| *h != OTHER_HOSTS).collect();
    let website = match (hosts.as_slice(), report.summary.by_host.contains_key(OTHER_HOSTS)) {
        ([host], false) => Value::from(format!("https://{host}/")),
        _ => Value::Null,
    };
    json!({
        "type": dpg_type,
        "license": license,
        "repositories": [],
        "website": website,
    })
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let c = &report.collection;
    let s = &report.summary;
    let name = c.name.as_deref().map(|n| format!(" — {}", md(n))).unwrap_or_default();
    writeln!(out, "# DPG application answers{name}")?;
    writeln!(out)?;
    let status = match report.verdict {
        Verdict::Pass => "ready to submit: the audit passed".to_string(),
        Verdict::Review => "not ready: the audit needs a reviewer's decision".to_string(),
        Verdict::Fail => "not ready: the audit failed".to_string(),
    };
    writeln!(
        out,
        "> Status: **{status}** ({} {}, profile `{}`). Paste each answer under the question of the \
         same label.",
        report.tool.name,
        report.tool.version,
        md(&c.profile)
    )?;
    writeln!(out)?;

    let (label, _) = category(c.dpg_type);
    writeln!(out, "## Solution category")?;
    writeln!(out)?;
    writeln!(out, "{label}")?;
    writeln!(out)?;

    let licenses = licenses(report);
    writeln!(out, "## Which open license(s) is/are used by your solution?")?;
    writeln!(out)?;
    if licenses.is_empty() {
        writeln!(out, "No item carries a recognized license.")?;
    }
    for (expression, n) in &licenses {
        writeln!(out, "- {} ({n} of {} items)", md(expression), s.items)?;
    }
    let license_trouble = ["license-not-approved", "license-needs-review"]
        .iter()
        .any(|code| report.summary.by_rule.get(*code).is_some_and(|n| *n > 0));
    if report.verdict != Verdict::Pass && license_trouble {
        writeln!(out)?;
        writeln!(
            out,
            "Not every license listed is approved for this solution category: see \
             [What stands in the way](#what-stands-in-the-way)."
        )?;
    }
    writeln!(out)?;

    writeln!(out, "## Provide evidence of use of the selected open license(s)")?;
    writeln!(out)?;
    for (expression, n) in &licenses {
        let urls: Vec<String> = license_ids(expression)
            .iter()
            .map(|id| match spdx_url(id) {
                Some(url) => format!("<{url}>"),
                None => format!("{} (no SPDX page; link the license text)", md(id)),
            })
            .collect();
        writeln!(out, "- {} ({n} items): {}", md(expression), urls.join(", "))?;
    }
    if report.verdict == Verdict::Pass {
        writeln!(out)?;
        writeln!(out, "All {} items {ELIGIBLE}.", s.items)?;
    } else {
        writeln!(out)?;
        writeln!(out, "{} of {} items have errors.", s.items_with_errors, s.items)?;
    }
    writeln!(out)?;

    writeln!(out, "## Where is your solution's source hosted?")?;
    writeln!(out)?;
    if s.by_host.is_empty() {
        writeln!(out, "No item has an access URL.")?;
    }
    let mut hosts: Vec<(&String, &u64)> = s.by_host.iter().collect();
    hosts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (host, n) in hosts {
        writeln!(out, "- {} ({n} items)", md(host))?;
    }
    writeln!(out)?;

    writeln!(out, "## Access conditions")?;
    writeln!(out)?;
    let criteria = report.criteria();
    for crit in criteria.iter().filter(|r| {
        matches!(r.criterion, Some(Criterion::SingleLocation) | Some(Criterion::NonDiscriminatory))
    }) {
        let said = match crit.verdict {
            Verdict::Pass => "no finding".to_string(),
            Verdict::Review => format!("{} warning(s) for a reviewer", crit.warnings),
            Verdict::Fail => format!("{} error(s), {} warning(s)", crit.errors, crit.warnings),
        };
        writeln!(out, "- {}: {said}.", crit.title())?;
    }
    writeln!(out)?;

    match report.verdict {
        Verdict::Pass => {}
        Verdict::Review => {
            writeln!(out, "## What stands in the way")?;
            writeln!(out)?;
            writeln!(
                out,
                "No errors, but the warnings below need a reviewer's decision before the collection \
                 can be called eligible."
            )?;
            writeln!(out)?;
            groups(report, Severity::Warning, out)?;
        }
        Verdict::Fail => {
            writeln!(out, "## What stands in the way")?;
            writeln!(out)?;
            writeln!(
                out,
                "The collection is not eligible as audited: {} of {} items have errors.",
                s.items_with_errors, s.items
            )?;
            writeln!(out)?;
            groups(report, Severity::Error, out)?;
            if report.count(Severity::Warning) > 0 {
                writeln!(out, "Warnings that will need a reviewer's decision too:")?;
                writeln!(out)?;
                groups(report, Severity::Warning, out)?;
            }
        }
    }

    writeln!(out, "## Nominee schema fragment (for reference)")?;
    writeln!(out)?;
    writeln!(
        out,
        "In the shape of the DPGA nominee schema; `repositories` is left empty because the audit \
         does not know them, and `website` is set only when every item is on one host."
    )?;
    writeln!(out)?;
    writeln!(out, "```json")?;
    let mut text = Vec::new();
    super::escape::json_to_writer_pretty(&mut text, &fragment(report)).map_err(std::io::Error::other)?;
    let text = String::from_utf8_lossy(&text);
    // serde_json escapes nothing that would close the fence; a value cannot hold "\n```".
    writeln!(out, "{text}")?;
    writeln!(out, "```")
}

/// The unwaived groups of `severity`: rule, key, count and the first examples.
fn groups(report: &Report, severity: Severity, out: &mut dyn Write) -> std::io::Result<()> {
    let list: Vec<_> =
        report.groups.iter().filter(|g| g.severity == severity && g.waived.is_none()).collect();
    for g in list.iter().take(MAX_GROUPS) {
        let key = if g.key.is_empty() { "(empty)".to_string() } else { md(&g.key) };
        let count =
            if collection_wide(g) { "collection".to_string() } else { format!("{} item(s)", g.count) };
        let examples: Vec<String> = g.examples.iter().take(MAX_EXAMPLES).map(|e| md(e)).collect();
        let examples =
            if examples.is_empty() { String::new() } else { format!(", e.g. {}", examples.join(", ")) };
        writeln!(out, "- `{}` {key}: {count}{examples} — {}", g.rule, md(&g.message))?;
    }
    if list.len() > MAX_GROUPS {
        writeln!(out, "- … and {} more group(s); see the JSON report.", list.len() - MAX_GROUPS)?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_list_each_license_with_its_spdx_page() {
        assert_eq!(
            license_ids("MIT OR (Apache-2.0 AND BSD-3-Clause)"),
            ["MIT", "Apache-2.0", "BSD-3-Clause"]
        );
        assert_eq!(license_ids("GPL-2.0-or-later WITH Classpath-exception-2.0"), ["GPL-2.0-or-later"]);
        assert_eq!(spdx_url("CC-BY-4.0").as_deref(), Some("https://spdx.org/licenses/CC-BY-4.0.html"));
        assert_eq!(spdx_url("LicenseRef-custom"), None);
        assert_eq!(spdx_url("<script>"), None);
        assert!(!is_license("unrecognized") && !is_license("missing") && is_license("CC0-1.0"));
        assert_eq!(category("ai-system"), ("Open AI Model", "aimodel"));
        assert_eq!(category("content"), ("Open Content", "content"));
    }
}
