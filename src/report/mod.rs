//! The report: one model, built once by the audit and rendered by each format. The core never
//! prints; renderers write to any `Write`.

pub mod build;
mod dict_column;
pub mod escape;
pub mod findings;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod submission;
pub mod terminal;

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::policy::{Rule, Severity};

/// Version of the JSON report's shape; bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Report formats (`--format`, `--output FORMAT=PATH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// Human-readable text (default).
    Terminal,
    /// The JSON report of the contract (schemas/report.schema.json).
    Json,
    /// Markdown for a DPG submission or a pull-request comment.
    #[cfg_attr(feature = "cli", value(alias = "md"))]
    Markdown,
    /// One self-contained HTML page with charts and a sortable, filterable table.
    Html,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// JUnit XML: a testcase per rule and finding group.
    Junit,
    /// GitHub Actions workflow annotations.
    Github,
    /// The JSON report on one line (for a batch: one report per line, then the summary).
    Ndjson,
    /// Answers to the DPG application's licensing and access questions, plus a JSON fragment
    /// in the nominee schema's shape.
    #[cfg_attr(feature = "cli", value(name = "dpg-submission"))]
    DpgSubmission,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Terminal => "terminal",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Ndjson => "ndjson",
            Format::DpgSubmission => "dpg-submission",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub collection: Collection,
    pub verdict: Verdict,
    pub summary: Summary,
    pub groups: Vec<Group>,
    pub findings: Vec<Finding>,
    pub findings_truncated: bool,
    /// What reading the input had to repair or tolerate (a lone surrogate escape replaced, an
    /// RDF file read without IRI validation); absent when nothing was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Files under an audited folder that were not audited, each with the reason; absent when
    /// every file was audited.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Whether the access and license URLs were checked online (`--check-urls`); absent when
    /// not. Without the checks, the rules only they raise were not evaluated.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub url_checks: bool,
}

/// A file left out of an audit, and why (a folder's audit lists every file it did not read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Collection {
    #[serde(rename = "type")]
    pub dpg_type: &'static str,
    pub profile: String,
    pub manifests: Vec<String>,
    pub items: u64,
    /// The collection's name from its config (or the dataset's, for portal metadata); absent
    /// when neither names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `pass`: no errors and no warnings; `review`: warnings only; `fail`: any error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Review,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub items: u64,
    pub items_with_errors: u64,
    pub by_rule: BTreeMap<String, u64>,
    pub by_license: BTreeMap<String, u64>,
    /// Findings waived by the config's exceptions, per rule (absent when none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub waived: BTreeMap<String, u64>,
    /// Exceptions that waived nothing (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unused_exceptions: Vec<String>,
    /// Items per access host (lowercased), the largest [`MAX_HOSTS`] with the rest summed under
    /// [`OTHER_HOSTS`]; absent when no item has a URL.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub by_host: BTreeMap<String, u64>,
}

/// How many hosts `summary.by_host` names before summing the rest, so a collection spread over
/// thousands of hosts still has a small report.
pub const MAX_HOSTS: usize = 50;
/// The `by_host` entry that sums the hosts past [`MAX_HOSTS`].
pub const OTHER_HOSTS: &str = "(other hosts)";

/// Keeps the `max` largest entries (ties by name) and sums the rest under [`OTHER_HOSTS`].
pub fn cap_hosts(hosts: impl IntoIterator<Item = (String, u64)>, max: usize) -> BTreeMap<String, u64> {
    let mut all: Vec<(String, u64)> = hosts.into_iter().filter(|(_, n)| *n > 0).collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = BTreeMap::new();
    let mut other = 0u64;
    for (i, (host, n)) in all.into_iter().enumerate() {
        if i < max && host != OTHER_HOSTS {
            out.insert(host, n);
        } else {
            other += n;
        }
    }
    if other > 0 {
        out.insert(OTHER_HOSTS.to_string(), other);
    }
    out
}

/// Findings of one rule that share a key (the same license string, the same URL problem, ...).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Written as its code.
    pub rule: Rule,
    pub severity: Severity,
    pub key: String,
    pub count: u64,
    pub examples: Vec<String>,
    /// The exception's reason, when these findings are waived (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
    /// The message of the group's first finding, for human-readable reports.
    #[serde(skip)]
    pub message: String,
    /// The index in `findings` of the group's first finding kept in the report, when one is:
    /// renderers that show an example use it rather than searching.
    #[serde(skip)]
    pub first: Option<usize>,
}

/// One finding. Item findings carry item, manifest and row; collection findings carry none.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Written as its code.
    pub rule: Rule,
    pub severity: Severity,
    pub item: Option<String>,
    pub manifest: Option<String>,
    pub row: Option<u64>,
    /// 1-based physical line in a text manifest (CSV, NDJSON, JSON array) where the row starts;
    /// absent for Parquet/IPC and for collection findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub message: String,
    pub value: Option<String>,
    /// Where the judged value came from when not the item itself (e.g. a license inherited
    /// from the dataset in portal metadata); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The exception's reason, when waived (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
}

impl Finding {
    /// A finding about the whole collection (or one manifest of it): no item, row or line.
    pub fn collection(rule: Rule, severity: Severity, manifest: Option<String>, message: String) -> Finding {
        Finding {
            rule,
            severity,
            item: None,
            manifest,
            row: None,
            line: None,
            message,
            value: None,
            evidence: None,
            waived: None,
        }
    }
}

impl Report {
    /// Counts of findings at `severity`, over all rules.
    pub fn count(&self, severity: Severity) -> u64 {
        self.groups.iter().filter(|g| g.severity == severity && g.waived.is_none()).map(|g| g.count).sum()
    }
}

pub use crate::policy::rules::Criterion;

/// How reports name and describe the criteria.
impl Criterion {
    /// [`Criterion::of`] for a rule code as it appears in the report.
    pub fn of_code(code: &str) -> Option<Criterion> {
        Rule::from_code(code).and_then(Criterion::of)
    }

    /// Stable machine name (JUnit class names, HTML ids, SARIF tags).
    pub fn key(self) -> &'static str {
        match self {
            Criterion::Licensing => "open-licensing",
            Criterion::SingleLocation => "single-location",
            Criterion::NonDiscriminatory => "non-discriminatory-access",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Criterion::Licensing => "Full open licensing",
            Criterion::SingleLocation => "Single access location",
            Criterion::NonDiscriminatory => "Non-discriminatory access",
        }
    }

    /// What the criterion asks, in one sentence.
    pub fn description(self) -> &'static str {
        match self {
            Criterion::Licensing => "Every item is under an acceptable open license.",
            Criterion::SingleLocation => {
                "The collection is reachable from one location (home URL or known mirrors)."
            }
            Criterion::NonDiscriminatory => {
                "Access restrictions do not discriminate (no geography, membership, fee or approval)."
            }
        }
    }

    /// The rules of this criterion, in catalogue order.
    pub fn rules(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.iter().copied().filter(move |r| Criterion::of(*r) == Some(self))
    }
}

/// Title of the findings that belong to no criterion.
pub const OTHER_CHECKS: &str = "Other checks";

/// How one criterion fared: counts of (unwaived) findings by severity, and its own verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionResult {
    /// `None` for [`OTHER_CHECKS`].
    pub criterion: Option<Criterion>,
    pub verdict: Verdict,
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
    pub waived: u64,
    /// Indexes into `report.groups`, in report order.
    pub groups: Vec<usize>,
}

impl CriterionResult {
    pub fn title(&self) -> &'static str {
        self.criterion.map_or(OTHER_CHECKS, Criterion::title)
    }

    pub fn key(&self) -> &'static str {
        self.criterion.map_or("other", Criterion::key)
    }
}

impl Report {
    /// One result per DPG criterion, then "other checks" when any of those fired.
    pub fn criteria(&self) -> Vec<CriterionResult> {
        let mut out: Vec<CriterionResult> = Criterion::ALL
            .iter()
            .map(|c| Some(*c))
            .chain([None])
            .map(|criterion| CriterionResult {
                criterion,
                verdict: Verdict::Pass,
                errors: 0,
                warnings: 0,
                infos: 0,
                waived: 0,
                groups: Vec::new(),
            })
            .collect();
        for (i, g) in self.groups.iter().enumerate() {
            let slot = match Criterion::of(g.rule) {
                Some(c) => Criterion::ALL.iter().position(|x| *x == c).unwrap_or(3),
                None => 3,
            };
            let r = &mut out[slot];
            r.groups.push(i);
            if g.waived.is_some() {
                r.waived += g.count;
                continue;
            }
            match g.severity {
                Severity::Error => r.errors += g.count,
                Severity::Warning => r.warnings += g.count,
                Severity::Info => r.infos += g.count,
            }
        }
        for r in &mut out {
            r.verdict = if r.errors > 0 {
                Verdict::Fail
            } else if r.warnings > 0 {
                Verdict::Review
            } else {
                Verdict::Pass
            };
        }
        if out[3].groups.is_empty() {
            out.pop();
        }
        out
    }

    /// The docs of the rules that fired (waived ones included), in catalogue order.
    pub fn fired_rule_docs(&self) -> Vec<&'static crate::policy::rules::RuleDoc> {
        Rule::ALL
            .iter()
            .filter(|r| self.groups.iter().any(|g| g.rule == **r))
            .filter_map(|r| r.doc())
            .collect()
    }

    /// A one-line verdict for banners: what the verdict means for the collection.
    pub fn headline(&self) -> String {
        let s = &self.summary;
        match self.verdict {
            Verdict::Pass => "eligible: every item is openly licensed and nothing needs review".to_string(),
            Verdict::Review => {
                format!(
                    "no errors; {} warning(s) need a reviewer's eye",
                    thousands(self.count(Severity::Warning))
                )
            }
            Verdict::Fail => format!(
                "not eligible: {} of {} items have errors ({} error finding(s), {} warning(s))",
                thousands(s.items_with_errors),
                thousands(s.items),
                thousands(self.count(Severity::Error)),
                thousands(self.count(Severity::Warning))
            ),
        }
    }
}

/// A count with thousands separators (3,000,000), as every human-readable format writes counts.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A note when NonCommercial licenses passed: accepted under the collection's profile (the
/// `dpg-2024` profile keeps the older content list), but not under the DPGA's current guidance,
/// which reviewers will apply. None when no NC license passed.
pub fn noncommercial_note(report: &Report) -> Option<String> {
    use crate::policy::licenses::{Class, classify};
    let dpg_type = match report.collection.dpg_type {
        "data" => crate::config::DpgType::Data,
        "content" => crate::config::DpgType::Content,
        "software" => crate::config::DpgType::Software,
        "ai-system" => crate::config::DpgType::AiSystem,
        _ => return None,
    };
    let profile = crate::policy::profile::Profile::load(&report.collection.profile).ok()?;
    let default = crate::policy::profile::Profile::default();
    let mut passed: u64 = 0;
    let mut ids = Vec::new();
    for (id, n) in &report.summary.by_license {
        let is_nc = id.split(['-', ' ', '(', ')']).any(|part| part == "NC");
        if is_nc
            && classify(id, false, dpg_type, &profile) == Class::Approved
            && classify(id, false, dpg_type, &default) != Class::Approved
        {
            passed += n;
            ids.push(id.as_str());
        }
    }
    (passed > 0).then(|| {
        format!(
            "{} item(s) under NonCommercial licenses ({}) pass under profile `{}`, but the DPGA no longer accepts NonCommercial licenses (default profile `dpg`)",
            thousands(passed),
            ids.join(", "),
            report.collection.profile
        )
    })
}

/// The one-line fix of a rule, from its doc (shown beside findings).
pub fn hint(rule: Rule) -> Option<&'static str> {
    rule.doc().map(|d| d.fix.as_str())
}

/// How to fix a group: the rule's fix, or one that fits the kind of problem when the rule's
/// general advice would mislead (quoting advice for a file that is not UTF-8).
pub fn group_hint(g: &Group) -> Option<&'static str> {
    if g.rule == Rule::ManifestRowInvalid {
        match g.key.as_str() {
            "invalid UTF-8" => {
                return Some(
                    "Save the file as UTF-8 (in Excel: Save As > CSV UTF-8; in LibreOffice: character set Unicode (UTF-8)) and run the audit again.",
                );
            }
            "error cell" => {
                return Some(
                    "Replace the error value (#N/A, #REF!, ...) with the cell's text, or fix the formula that produced it, and run the audit again.",
                );
            }
            _ => {}
        }
    }
    hint(g.rule)
}

/// Whether a group is about the whole collection rather than a count of items.
pub fn collection_wide(g: &Group) -> bool {
    Some(g.rule).and_then(|r| r.doc()).is_some_and(|d| d.scope == crate::policy::Scope::Collection)
        || g.examples.is_empty()
}

/// Renders `report` in `format`. `colour` only affects the terminal format and is never set
/// for files.
pub fn render(format: Format, report: &Report, out: &mut dyn Write, colour: bool) -> std::io::Result<()> {
    match format {
        Format::Terminal => terminal::write_with(report, out, &terminal::Options { colour }),
        Format::Json => json::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Html => html::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Github => github::write(report, out),
        Format::DpgSubmission => submission::write(report, out),
        Format::Ndjson => {
            escape::json_to_writer(&mut *out, report)?;
            out.write_all(b"\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_but_duplicate_ids_belongs_to_a_criterion() {
        for rule in Rule::ALL {
            let c = Criterion::of(*rule);
            let code = rule.code();
            let expected = if code.starts_with("license-")
                || [
                    "mixed-licensing",
                    "declared-license-mismatch",
                    "manifest-row-invalid",
                    "ai-component-missing",
                ]
                .contains(&code)
            {
                Some(Criterion::Licensing)
            } else if code.starts_with("access-location-") {
                Some(Criterion::SingleLocation)
            } else if code.starts_with("access-") {
                Some(Criterion::NonDiscriminatory)
            } else {
                None
            };
            assert_eq!(c, expected, "{code}");
        }
        // missing, invalid, scattered; unreachable, http-error, other-host (--check-urls).
        assert_eq!(Criterion::SingleLocation.rules().count(), 6);
    }

    #[test]
    fn criteria_count_by_severity_and_skip_waived() {
        let mut report = sarif::tests::sample_report();
        let mut g = report.groups[0].clone();
        g.rule = Rule::AccessUnrecognized;
        g.severity = Severity::Warning;
        g.count = 4;
        report.groups.push(g.clone());
        g.rule = Rule::DuplicateItemId;
        g.waived = Some("known".into());
        report.groups.push(g);
        let c = report.criteria();
        assert_eq!(c.len(), 4, "other checks listed once something fired there");
        assert_eq!((c[0].verdict, c[0].errors, c[0].warnings), (Verdict::Fail, 2, 0));
        assert_eq!((c[1].verdict, c[1].errors), (Verdict::Pass, 0));
        assert_eq!((c[2].verdict, c[2].warnings), (Verdict::Review, 4));
        assert_eq!((c[3].verdict, c[3].waived, c[3].title()), (Verdict::Pass, 4, OTHER_CHECKS));
        report.groups.pop();
        assert_eq!(report.criteria().len(), 3);
    }

    #[test]
    fn hosts_are_capped_largest_first() {
        let hosts = (0..60u64).map(|i| (format!("h{i:02}.example"), i + 1));
        let capped = cap_hosts(hosts.chain([(OTHER_HOSTS.to_string(), 5)]), MAX_HOSTS);
        assert_eq!(capped.len(), MAX_HOSTS + 1);
        assert!(capped.contains_key("h59.example") && !capped.contains_key("h09.example"));
        // h00..h09 hold 1..=10 items (55), plus the audit's own "(other hosts)" (5).
        assert_eq!(capped[OTHER_HOSTS], 60);
        let total: u64 = capped.values().sum();
        assert_eq!(total, (1..=60).sum::<u64>() + 5);
        assert!(cap_hosts(Vec::new(), MAX_HOSTS).is_empty());
    }
}
