//! The report, built from what a finished audit counted: groups sorted for reading, counts per
//! rule and license, the verdict. The engine hands over plain report types; nothing here knows
//! how they were counted.

use std::collections::BTreeMap;

use super::{
    Collection, Finding, Group, MAX_HOSTS, Report, SCHEMA_VERSION, Summary, Tool, Verdict, cap_hosts,
};
use crate::policy::Severity;

/// Everything a report is made of, as counted.
#[derive(Debug)]
pub struct Tallies {
    pub collection: Collection,
    pub items_with_errors: u64,
    /// Every group (empty ones are left out here).
    pub groups: Vec<Group>,
    /// Collection-level findings: first in the report, never truncated.
    pub collection_findings: Vec<Finding>,
    /// The first item findings, in manifest and row order (at most `max_findings`).
    pub item_findings: Vec<Finding>,
    pub max_findings: usize,
    /// Items per license label.
    pub labels: BTreeMap<String, u64>,
    /// Items per host.
    pub hosts: BTreeMap<String, u64>,
    pub unused_exceptions: Vec<String>,
}

/// The report of `t`. Deterministic: groups sort by (active first, severity, count, rule, key).
pub fn build(t: Tallies) -> Report {
    let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut waived: BTreeMap<String, u64> = BTreeMap::new();
    let mut groups: Vec<Group> = t.groups.into_iter().filter(|g| g.count > 0).collect();
    for g in &groups {
        let counts = if g.waived.is_some() { &mut waived } else { &mut by_rule };
        *counts.entry(g.rule.code().to_string()).or_default() += g.count;
    }
    groups.sort_by(|a, b| {
        // Active findings first; waived ones after, still listed.
        (a.waived.is_some().cmp(&b.waived.is_some()))
            .then(b.severity.cmp(&a.severity))
            .then(b.count.cmp(&a.count))
            .then(a.rule.code().cmp(b.rule.code()))
            .then(a.key.cmp(&b.key))
    });
    let total_item_findings: u64 =
        groups.iter().map(|g| g.count).sum::<u64>() - t.collection_findings.len() as u64;
    let mut item_findings = t.item_findings;
    item_findings.truncate(t.max_findings);
    let findings_truncated = total_item_findings > item_findings.len() as u64;
    let mut findings = t.collection_findings;
    findings.extend(item_findings);
    // Each group's first finding in the report: the same rule, and for item findings the same
    // value or the group's first example.
    for g in &mut groups {
        g.first = findings
            .iter()
            .position(|f| {
                f.rule == g.rule
                    && f.waived == g.waived
                    && (f.value.as_deref() == Some(g.key.as_str())
                        || f.item.as_ref().is_some_and(|i| {
                            let shown = crate::engine::example_name(f.row.unwrap_or(0), i.clone());
                            g.examples.first() == Some(&shown)
                        }))
            })
            .or_else(|| {
                findings.iter().position(|f| f.rule == g.rule && f.item.is_none() && f.message == g.message)
            });
    }

    let active = |severity: Severity| groups.iter().any(|g| g.severity == severity && g.waived.is_none());
    let verdict = if active(Severity::Error) {
        Verdict::Fail
    } else if active(Severity::Warning) {
        Verdict::Review
    } else {
        Verdict::Pass
    };
    let items = t.collection.items;
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool::default(),
        collection: t.collection,
        verdict,
        summary: Summary {
            items,
            items_with_errors: t.items_with_errors,
            by_rule,
            by_license: t.labels.into_iter().filter(|(_, n)| *n > 0).collect(),
            waived,
            unused_exceptions: t.unused_exceptions,
            by_host: cap_hosts(t.hosts, MAX_HOSTS),
        },
        groups,
        findings,
        findings_truncated,
        url_checks: false,
        notes: Vec::new(),
        skipped: Vec::new(),
    }
}
