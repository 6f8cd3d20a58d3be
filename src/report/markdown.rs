//! Markdown (GitHub-flavoured) for a DPG submission or a pull-request comment: verdict, criteria,
//! license distribution, finding groups, and an appendix with the docs of the rules that fired.
//! Everything from the manifest or config goes through [`escape::markdown`].

use std::io::Write;

use super::escape::markdown as md;
use super::{Report, Verdict, collection_wide, hint};

/// Groups listed before the rest are summarized (a PR comment must stay readable).
const MAX_GROUPS: usize = 50;

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Review => "⚠️",
        Verdict::Fail => "❌",
    }
}

fn pct(n: u64, total: u64) -> String {
    if total == 0 { "0.0%".to_string() } else { format!("{:.1}%", n as f64 * 100.0 / total as f64) }
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let c = &report.collection;
    let name = c.name.as_deref().map(|n| format!(" — {}", md(n))).unwrap_or_default();
    writeln!(out, "# DPG audit{name}")?;
    writeln!(out)?;
    writeln!(
        out,
        "**Verdict: {} {}** — {}",
        icon(report.verdict),
        report.verdict.as_str().to_uppercase(),
        md(&report.headline())
    )?;
    writeln!(out)?;
    writeln!(out, "| | |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| DPG type | {} |", c.dpg_type)?;
    writeln!(out, "| Profile | {} |", md(&c.profile))?;
    writeln!(out, "| Items | {} |", c.items)?;
    writeln!(out, "| Items with errors | {} |", report.summary.items_with_errors)?;
    let manifests: Vec<String> = c.manifests.iter().map(|m| md(m)).collect();
    writeln!(out, "| Manifests | {} |", manifests.join("<br>"))?;
    writeln!(out, "| Tool | {} {} |", report.tool.name, report.tool.version)?;
    writeln!(out)?;

    writeln!(out, "## DPG criteria")?;
    writeln!(out)?;
    writeln!(out, "| Criterion | Result | Errors | Warnings | Rules that fired |")?;
    writeln!(out, "|---|---|---:|---:|---|")?;
    let criteria = report.criteria();
    for crit in &criteria {
        let mut rules: Vec<&str> = crit.groups.iter().map(|&i| report.groups[i].rule.code()).collect();
        rules.dedup();
        let rules = if rules.is_empty() {
            "—".to_string()
        } else {
            rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        };
        writeln!(
            out,
            "| {} | {} {} | {} | {} | {rules} |",
            crit.title(),
            icon(crit.verdict),
            crit.verdict.as_str(),
            crit.errors,
            crit.warnings
        )?;
    }
    writeln!(out)?;

    let s = &report.summary;
    if !s.by_license.is_empty() {
        writeln!(out, "## Licenses")?;
        writeln!(out)?;
        writeln!(out, "| License | Items | Share |")?;
        writeln!(out, "|---|---:|---:|")?;
        let mut licenses: Vec<(&String, &u64)> = s.by_license.iter().collect();
        licenses.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (license, n) in licenses {
            writeln!(out, "| {} | {n} | {} |", md(license), pct(*n, s.items))?;
        }
        writeln!(out)?;
    }

    writeln!(out, "## Findings")?;
    writeln!(out)?;
    if report.groups.is_empty() {
        writeln!(out, "No findings.")?;
        writeln!(out)?;
    }
    for crit in &criteria {
        if crit.groups.is_empty() {
            continue;
        }
        writeln!(out, "### {} {}", icon(crit.verdict), crit.title())?;
        writeln!(out)?;
        writeln!(out, "| Severity | Rule | Value | Count | Examples | Message |")?;
        writeln!(out, "|---|---|---|---:|---|---|")?;
        for &i in crit.groups.iter().take(MAX_GROUPS) {
            let g = &report.groups[i];
            let severity = match &g.waived {
                Some(reason) => format!("waived ({})", md(reason)),
                None => g.severity.as_str().to_string(),
            };
            let count = if collection_wide(g) { "collection".to_string() } else { super::thousands(g.count) };
            let examples: Vec<String> = g.examples.iter().map(|e| md(e)).collect();
            writeln!(
                out,
                "| {severity} | [`{rule}`](#rule-{rule}) | {} | {count} | {} | {} |",
                md(&g.key),
                examples.join(", "),
                md(&g.message),
                rule = g.rule
            )?;
        }
        if crit.groups.len() > MAX_GROUPS {
            writeln!(out)?;
            writeln!(
                out,
                "… and {} more group(s); see the JSON or HTML report.",
                crit.groups.len() - MAX_GROUPS
            )?;
        }
        writeln!(out)?;
    }
    for unused in &s.unused_exceptions {
        writeln!(out, "> **Unused exception:** {}", md(unused))?;
        writeln!(out)?;
    }

    let docs = report.fired_rule_docs();
    if !docs.is_empty() {
        writeln!(out, "## Appendix: the rules that fired")?;
        writeln!(out)?;
        for d in docs {
            // An explicit anchor: heading ids differ between renderers.
            writeln!(out, "<a id=\"rule-{}\"></a>", d.code)?;
            writeln!(out)?;
            writeln!(out, "### `{}` ({}, {})", d.code, d.severity.as_str(), d.scope.as_str())?;
            writeln!(out)?;
            writeln!(out, "{}", d.summary.trim())?;
            writeln!(out)?;
            writeln!(out, "**Why it matters.** {}", d.rationale.trim())?;
            writeln!(out)?;
            writeln!(out, "**Example.** {}", d.example.trim())?;
            writeln!(out)?;
            if let Some(fix) = crate::policy::Rule::from_code(&d.code).and_then(hint) {
                writeln!(out, "**How to fix.** {fix}")?;
                writeln!(out)?;
            }
            writeln!(out, "**References.**")?;
            writeln!(out)?;
            for r in &d.references {
                writeln!(out, "- {r}")?;
            }
            writeln!(out)?;
        }
    }
    writeln!(out, "<sub>Generated by {} {}.</sub>", report.tool.name, report.tool.version)
}
