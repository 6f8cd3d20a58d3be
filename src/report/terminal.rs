//! The human report for a terminal: verdict banner first, then one section per DPG criterion
//! with what stands in the way and how to fix it.

use std::ffi::OsStr;
use std::io::{IsTerminal, Write};

use super::{Report, Verdict, collection_wide};
use crate::policy::Rule;
use crate::policy::Severity;

/// How many groups the terminal lists (over all sections) before pointing at the other formats.
const MAX_GROUPS: usize = 12;
/// How many licenses the distribution lists.
const MAX_LICENSES: usize = 12;

/// Rendering options; `colour` adds ANSI colours.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub colour: bool,
}

/// Colour on stdout only when it is a terminal and NO_COLOR is unset or empty (no-color.org).
pub fn colour_for_stdout() -> bool {
    use_colour(std::io::stdout().is_terminal(), std::env::var_os("NO_COLOR").as_deref())
}

/// The decision behind [`colour_for_stdout`], apart so it can be tested.
pub fn use_colour(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }
    fn verdict(&self, v: Verdict, s: &str) -> String {
        let code = match v {
            Verdict::Pass => "1;32",
            Verdict::Review => "1;33",
            Verdict::Fail => "1;31",
        };
        self.wrap(code, s)
    }
    fn severity(&self, sev: Severity, s: &str) -> String {
        let code = match sev {
            Severity::Error => "31",
            Severity::Warning => "33",
            Severity::Info => "36",
        };
        self.wrap(code, s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

use super::thousands;

/// The Licenses table's row for items whose row could not be read.
const UNREADABLE: &str = "(unreadable rows)";

/// Manifest text on a terminal: control characters (escape sequences) are replaced so a value
/// cannot move the cursor or recolour the screen.
/// Untrusted text on one terminal line: control and bidi characters shown escaped.
fn clean(s: &str) -> String {
    super::escape::visible(s).into_owned()
}

/// The plain report (no colour), as written to files.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    write_with(report, out, &Options::default())
}

pub fn write_with(report: &Report, out: &mut dyn Write, opts: &Options) -> std::io::Result<()> {
    let p = Paint { on: opts.colour };
    let c = &report.collection;
    let name = c.name.as_deref().map(|n| format!("\"{}\" ", clean(n))).unwrap_or_default();
    writeln!(
        out,
        "dpg-audit {}: collection {name}(type {}, profile {})",
        report.tool.version, c.dpg_type, c.profile
    )?;
    writeln!(out, "  manifests: {}", c.manifests.iter().map(|m| clean(m)).collect::<Vec<_>>().join(", "))?;
    writeln!(out, "  items:     {}", thousands(c.items))?;
    writeln!(out)?;

    let banner = format!("  {}  {}", report.verdict.as_str().to_uppercase(), report.headline());
    let rule = "=".repeat((banner.chars().count() + 2).min(100));
    writeln!(out, "{}", p.verdict(report.verdict, &rule))?;
    writeln!(out, "{}", p.verdict(report.verdict, &banner))?;
    writeln!(out, "{}", p.verdict(report.verdict, &rule))?;
    writeln!(out)?;

    let s = &report.summary;
    if !s.by_license.is_empty() {
        writeln!(out, "{}", p.bold("Licenses"))?;
        let mut licenses: Vec<(&String, &u64)> = s.by_license.iter().collect();
        licenses.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        // Rows that could not be read have no license: shown, so the table adds up to the items.
        let unread = s.items.saturating_sub(s.by_license.values().sum());
        let label_width = if unread > 0 { UNREADABLE.len() } else { 0 };
        let width = licenses
            .iter()
            .take(MAX_LICENSES)
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0)
            .max(label_width)
            .min(40);
        for (license, count) in licenses.iter().take(MAX_LICENSES) {
            let pct = if s.items > 0 { **count as f64 * 100.0 / s.items as f64 } else { 0.0 };
            writeln!(out, "  {:<width$}  {:>12}  {pct:5.1}%", clean(license), thousands(**count))?;
        }
        if licenses.len() > MAX_LICENSES {
            writeln!(out, "  ... and {} more", licenses.len() - MAX_LICENSES)?;
        }
        if unread > 0 {
            let pct = unread as f64 * 100.0 / s.items as f64;
            writeln!(out, "  {UNREADABLE:<width$}  {:>12}  {pct:5.1}%", thousands(unread))?;
        }
        writeln!(out)?;
    }

    let mut shown = 0usize;
    for (n, crit) in report.criteria().iter().enumerate() {
        let status = crit.verdict.as_str().to_uppercase();
        let mut counts = vec![
            format!("{} error(s)", thousands(crit.errors)),
            format!("{} warning(s)", thousands(crit.warnings)),
        ];
        if crit.infos > 0 {
            counts.push(format!("{} info", thousands(crit.infos)));
        }
        if crit.waived > 0 {
            counts.push(format!("{} waived", thousands(crit.waived)));
        }
        let number = if crit.criterion.is_some() { format!("{}. ", n + 1) } else { String::new() };
        writeln!(
            out,
            "{}  [{}]  {}",
            p.bold(&format!("{number}{}", crit.title())),
            p.verdict(crit.verdict, &status),
            counts.join(", ")
        )?;
        for &i in &crit.groups {
            if shown == MAX_GROUPS {
                break;
            }
            shown += 1;
            let g = &report.groups[i];
            let key = if g.key.is_empty() { String::new() } else { format!("  \"{}\"", clean(&g.key)) };
            let count = if collection_wide(g) {
                "collection".to_string()
            } else {
                format!("{} item(s)", thousands(g.count))
            };
            let severity = if g.waived.is_some() {
                p.dim("waived")
            } else {
                p.severity(g.severity, g.severity.as_str())
            };
            writeln!(out, "   {severity} {}{key}: {count}", g.rule)?;
            if let Some(reason) = &g.waived {
                writeln!(out, "      waived by an exception: {}", clean(reason))?;
            }
            writeln!(out, "      {}", clean(&g.message))?;
            if !g.examples.is_empty() {
                let examples: Vec<String> = g.examples.iter().map(|e| clean(e)).collect();
                writeln!(out, "      e.g. {}", examples.join(", "))?;
            }
            // Where the group's message cannot say it: the offending URL, the other copy of an id.
            if matches!(g.rule, Rule::AccessLocationInvalid | Rule::DuplicateItemId)
                && let Some(f) = g.first.and_then(|i| report.findings.get(i))
                && f.message != g.message
            {
                let at = match (&f.manifest, f.row) {
                    (Some(m), Some(row)) => format!(" (row {row} of {})", clean(m)),
                    _ => String::new(),
                };
                writeln!(out, "      first: {}{at}", clean(&f.message))?;
            }
            if let Some(fix) = super::group_hint(g) {
                writeln!(out, "      {} {fix}", p.dim("fix:"))?;
            }
        }
        writeln!(out)?;
    }
    if report.groups.len() > shown {
        writeln!(
            out,
            "... {} more group(s) (see --format json, markdown or html)",
            report.groups.len() - shown
        )?;
        writeln!(out)?;
    }

    for unused in &s.unused_exceptions {
        writeln!(
            out,
            "{} {}; remove it or fix its items",
            p.severity(Severity::Warning, "warning:"),
            clean(unused)
        )?;
    }
    if !s.unused_exceptions.is_empty() {
        writeln!(out)?;
    }
    for note in &report.notes {
        writeln!(out, "{} {}", p.dim("note:"), clean(note))?;
    }
    if !report.notes.is_empty() {
        writeln!(out)?;
    }
    write_skipped(&report.skipped, out)?;

    if let Some(note) = super::noncommercial_note(report) {
        writeln!(out, "{} {}", p.severity(Severity::Info, "note:"), clean(&note))?;
        writeln!(out)?;
    }
    let line = format!("{}: {}", report.verdict.as_str().to_uppercase(), report.headline());
    writeln!(out, "{}", p.verdict(report.verdict, &line))
}

/// Files a folder audit did not read, each with its reason (a batch's summary uses it too).
pub fn write_skipped(skipped: &[super::Skipped], out: &mut dyn Write) -> std::io::Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    writeln!(out, "Skipped {} file(s) (not audited)", skipped.len())?;
    for s in skipped {
        writeln!(out, "  {}: {}", clean(&s.path), clean(&s.reason))?;
    }
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
    }

    #[test]
    fn paint_adds_codes_only_when_on() {
        assert_eq!(Paint { on: false }.verdict(Verdict::Fail, "FAIL"), "FAIL");
        assert_eq!(Paint { on: true }.verdict(Verdict::Fail, "FAIL"), "\x1b[1;31mFAIL\x1b[0m");
    }

    #[test]
    fn colour_is_added_only_when_asked() {
        let report = crate::report::sarif::tests::sample_report();
        let mut plain = Vec::new();
        write(&report, &mut plain).expect("write");
        let mut coloured = Vec::new();
        write_with(&report, &mut coloured, &Options { colour: true }).expect("write");
        let (plain, coloured) =
            (String::from_utf8(plain).expect("utf8"), String::from_utf8(coloured).expect("utf8"));
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[1;31m"));
        // Same text once the codes are gone.
        let mut stripped = coloured.clone();
        while let Some(i) = stripped.find('\x1b') {
            let end = i + stripped[i..].find('m').expect("code end") + 1;
            stripped.replace_range(i..end, "");
        }
        assert_eq!(stripped, plain);
        assert!(plain.contains("fix: Relicense"), "hint from the rule doc: {plain}");
    }

    #[test]
    fn escape_sequences_from_the_manifest_are_defused() {
        assert_eq!(clean("CC\x1b[2J BY\u{202e}"), "CC\\u{1b}[2J BY\\u{202e}");
    }
}
