//! GitHub Actions workflow commands (`--format github`): annotations on the manifest, and a
//! closing notice with the verdict.
//!
//! GitHub shows at most 10 error and 10 warning annotations per step, so findings are annotated
//! one by one only when there are at most [`PER_FINDING`] of them (and the report holds them
//! all); otherwise there is one annotation per rule x key group, pointing at the group's first
//! finding, most important first. Waived findings are not annotated.

use std::io::Write;

use super::escape::{github_message, github_property};
use super::{Finding, Group, Report, collection_wide, hint};
use crate::policy::Severity;

/// At most this many findings are annotated one by one.
pub const PER_FINDING: u64 = 10;

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn annotate(
    out: &mut dyn Write,
    severity: Severity,
    file: Option<&str>,
    line: Option<u64>,
    title: &str,
    message: &str,
) -> std::io::Result<()> {
    let mut props = Vec::new();
    if let Some(f) = file {
        props.push(format!("file={}", github_property(f)));
    }
    if let Some(l) = line {
        props.push(format!("line={l}"));
    }
    props.push(format!("title={}", github_property(title)));
    writeln!(out, "::{} {}::{}", command(severity), props.join(","), github_message(message))
}

fn finding_message(f: &Finding) -> String {
    let mut m = f.message.clone();
    if let Some(item) = &f.item {
        m = format!("item {item}{}: {m}", f.row.map(|r| format!(" (row {r})")).unwrap_or_default());
    }
    if let Some(fix) = hint(f.rule) {
        m.push_str(&format!("\nFix: {fix}"));
    }
    m
}

fn group_message(g: &Group) -> String {
    let what = if collection_wide(g) { "collection".to_string() } else { format!("{} item(s)", g.count) };
    let key = if g.key.is_empty() { String::new() } else { format!(" \"{}\"", g.key) };
    let mut m = format!("{what}{key}: {}", g.message);
    if !g.examples.is_empty() {
        m.push_str(&format!("\ne.g. {}", g.examples.join(", ")));
    }
    if let Some(fix) = super::group_hint(g) {
        m.push_str(&format!("\nFix: {fix}"));
    }
    m
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let active: u64 = report.groups.iter().filter(|g| g.waived.is_none()).map(|g| g.count).sum();
    let first_manifest = report.collection.manifests.first().map(String::as_str);
    if active <= PER_FINDING && !report.findings_truncated {
        for f in report.findings.iter().filter(|f| f.waived.is_none()) {
            let file = f.manifest.as_deref().or(first_manifest);
            annotate(out, f.severity, file, f.line, f.rule.code(), &finding_message(f))?;
        }
    } else {
        for g in report.groups.iter().filter(|g| g.waived.is_none()) {
            let first = g.first.and_then(|i| report.findings.get(i));
            let file = first.and_then(|f| f.manifest.as_deref()).or(first_manifest);
            annotate(out, g.severity, file, first.and_then(|f| f.line), g.rule.code(), &group_message(g))?;
        }
    }
    let summary = format!("{}: {}", report.verdict.as_str().to_uppercase(), report.headline());
    writeln!(out, "::notice title={}::{}", github_property("dpg-audit verdict"), github_message(&summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        write(report, &mut out).expect("write");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn few_findings_are_annotated_one_by_one_with_their_line() {
        let out = render(&crate::report::sarif::tests::sample_report());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(lines[0].starts_with(
            "::error file=data/items.csv,line=4,title=license-not-approved::item item-3 (row 3): "
        ));
        assert!(lines[1].starts_with("::error file=data/more items.parquet,title=license-not-approved::"));
        assert!(lines[2].starts_with("::notice title=dpg-audit verdict::FAIL"));
    }

    #[test]
    fn many_findings_are_annotated_per_group() {
        let mut report = crate::report::sarif::tests::sample_report();
        report.groups[0].count = PER_FINDING + 1;
        report.findings_truncated = true;
        let out = render(&report);
        assert_eq!(out.lines().filter(|l| l.starts_with("::error ")).count(), 1, "{out}");
        assert!(out.contains("line=4") && out.contains("11 item(s)"), "{out}");
    }
}
