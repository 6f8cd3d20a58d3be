//! The human report for a terminal: verdict first, then what stands in the way.

use std::io::Write;

use super::{Report, Verdict};
use crate::policy::{Rule, Scope, Severity};

/// How many groups the terminal lists before pointing at the JSON report.
const MAX_GROUPS: usize = 12;
/// How many licenses the distribution lists.
const MAX_LICENSES: usize = 12;

fn thousands(n: u64) -> String {
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

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let c = &report.collection;
    let name = c.name.as_deref().map(|n| format!("\"{n}\" ")).unwrap_or_default();
    writeln!(
        out,
        "dpg-audit {}: collection {name}(type {}, profile {})",
        report.tool.version, c.dpg_type, c.profile
    )?;
    writeln!(out, "  manifests: {}", c.manifests.join(", "))?;
    writeln!(out, "  items:     {}", thousands(c.items))?;
    writeln!(out)?;

    let s = &report.summary;
    if !s.by_license.is_empty() {
        writeln!(out, "Licenses")?;
        let mut licenses: Vec<(&String, &u64)> = s.by_license.iter().collect();
        licenses.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let width =
            licenses.iter().take(MAX_LICENSES).map(|(l, _)| l.chars().count()).max().unwrap_or(0).min(40);
        for (license, count) in licenses.iter().take(MAX_LICENSES) {
            let pct = if s.items > 0 { **count as f64 * 100.0 / s.items as f64 } else { 0.0 };
            writeln!(out, "  {license:<width$}  {:>12}  {pct:5.1}%", thousands(**count))?;
        }
        if licenses.len() > MAX_LICENSES {
            writeln!(out, "  ... and {} more", licenses.len() - MAX_LICENSES)?;
        }
        writeln!(out)?;
    }

    if report.groups.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        writeln!(out, "Findings by rule")?;
        for (rule, count) in &s.by_rule {
            let severity = report.groups.iter().find(|g| &g.rule == rule).map_or("", |g| g.severity.as_str());
            writeln!(out, "  {severity:<8} {rule:<26} {:>12}", thousands(*count))?;
        }
        writeln!(out)?;
        writeln!(out, "Top findings")?;
        for g in report.groups.iter().take(MAX_GROUPS) {
            let key = if g.key.is_empty() { String::new() } else { format!("  \"{}\"", g.key) };
            let collection_wide =
                Rule::from_code(&g.rule).and_then(|r| r.doc()).is_some_and(|d| d.scope == Scope::Collection)
                    || g.examples.is_empty();
            let count = if collection_wide {
                "collection".to_string()
            } else {
                format!("{} item(s)", thousands(g.count))
            };
            let severity = if g.waived.is_some() { "waived" } else { g.severity.as_str() };
            writeln!(out, "  {severity} {}{key}: {count}", g.rule)?;
            if let Some(reason) = &g.waived {
                writeln!(out, "      waived by an exception: {reason}")?;
            }
            writeln!(out, "      {}", g.message)?;
            if !g.examples.is_empty() {
                writeln!(out, "      e.g. {}", g.examples.join(", "))?;
            }
        }
        if report.groups.len() > MAX_GROUPS {
            writeln!(out, "  ... {} more groups (see --format json)", report.groups.len() - MAX_GROUPS)?;
        }
        writeln!(out)?;
    }

    for unused in &s.unused_exceptions {
        writeln!(out, "warning: {unused}; remove it or fix its items")?;
    }
    if !s.unused_exceptions.is_empty() {
        writeln!(out)?;
    }

    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let line = match report.verdict {
        Verdict::Pass => "PASS: every item is openly licensed and nothing needs review".to_string(),
        Verdict::Review => {
            format!("REVIEW: no errors, {} warning(s) need a reviewer's eye", thousands(warnings))
        }
        Verdict::Fail => format!(
            "FAIL: {} of {} items have errors ({} error finding(s), {} warning(s))",
            thousands(s.items_with_errors),
            thousands(s.items),
            thousands(errors),
            thousands(warnings)
        ),
    };
    writeln!(out, "{line}")
}
