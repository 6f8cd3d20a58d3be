//! JUnit XML for CI dashboards. One `<testsuite>` per DPG criterion (plus "Other checks"); in it
//! one `<testcase>` per rule x key group that fired, and one passing testcase per rule of the
//! criterion that did not fire, so a clean audit still shows what was checked.
//!
//! Errors are `<failure>`s. Warnings and info are passing testcases whose `<system-out>` holds
//! the finding (a warning alone does not make a collection ineligible; `--fail-on warning` is
//! the switch for that, through the exit code). Waived groups are `<skipped>` with the
//! exception's reason. Text from the manifest is escaped and characters XML 1.0 forbids dropped.

use std::io::Write;

use super::escape::{xml, xml_text};
use super::{Criterion, Group, Report, collection_wide};
use crate::policy::Severity;
use crate::policy::rules::Rule;

struct Case {
    name: String,
    class: String,
    body: Body,
}

enum Body {
    Pass,
    Failure { message: String, detail: String },
    Out(String),
    Skipped(String),
}

fn detail(g: &Group) -> String {
    let mut s = format!("{}\n", g.message);
    if collection_wide(g) {
        s.push_str("scope: collection\n");
    } else {
        s.push_str(&format!("items: {}\n", g.count));
    }
    if !g.key.is_empty() {
        s.push_str(&format!("value: {}\n", g.key));
    }
    if !g.examples.is_empty() {
        s.push_str(&format!("examples: {}\n", g.examples.join(", ")));
    }
    if let Some(fix) = super::group_hint(g) {
        s.push_str(&format!("fix: {fix}\n"));
    }
    s
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut suites: Vec<(&'static str, &'static str, Vec<Case>)> = Vec::new();
    for crit in report.criteria() {
        let class = format!("dpg-audit.{}", crit.key());
        let mut cases = Vec::new();
        for &i in &crit.groups {
            let g = &report.groups[i];
            let name = if g.key.is_empty() { g.rule.to_string() } else { format!("{}: {}", g.rule, g.key) };
            let body = match (&g.waived, g.severity) {
                (Some(reason), _) => Body::Skipped(format!("waived: {reason}")),
                (None, Severity::Error) => {
                    let what = if collection_wide(g) {
                        "collection".to_string()
                    } else {
                        format!("{} item(s)", g.count)
                    };
                    Body::Failure { message: format!("{}: {what}: {}", g.rule, g.message), detail: detail(g) }
                }
                (None, _) => Body::Out(format!("{}: {}", g.severity.as_str(), detail(g))),
            };
            cases.push(Case { name, class: class.clone(), body });
        }
        // The rules of this criterion that did not fire pass.
        let rules: Vec<Rule> = match crit.criterion {
            Some(c) => c.rules().collect(),
            None => Rule::ALL.iter().copied().filter(|r| Criterion::of(*r).is_none()).collect(),
        };
        for rule in rules {
            if !report.groups.iter().any(|g| g.rule == rule) {
                let body = if rule.needs_url_checks() && !report.url_checks {
                    Body::Skipped("not checked: these URLs are checked with --check-urls".into())
                } else {
                    Body::Pass
                };
                cases.push(Case { name: rule.code().to_string(), class: class.clone(), body });
            }
        }
        suites.push((crit.title(), crit.key(), cases));
    }
    // "Other checks" is left out of the criteria when nothing fired there; here its rules still
    // show as passed.
    if suites.len() == Criterion::ALL.len() {
        let cases = Rule::ALL
            .iter()
            .filter(|r| Criterion::of(**r).is_none())
            .map(|r| Case { name: r.code().to_string(), class: "dpg-audit.other".into(), body: Body::Pass })
            .collect();
        suites.push((super::OTHER_CHECKS, "other", cases));
    }

    let count = |cases: &[Case], f: fn(&Body) -> bool| cases.iter().filter(|c| f(&c.body)).count();
    let is_failure = |b: &Body| matches!(b, Body::Failure { .. });
    let is_skipped = |b: &Body| matches!(b, Body::Skipped(_));
    let all: Vec<&Case> = suites.iter().flat_map(|s| s.2.iter()).collect();
    let failures = all.iter().filter(|c| is_failure(&c.body)).count();
    let skipped = all.iter().filter(|c| is_skipped(&c.body)).count();

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let name = report.collection.name.as_deref().unwrap_or("collection");
    writeln!(
        out,
        r#"<testsuites name="dpg-audit: {}" tests="{}" failures="{failures}" errors="0" skipped="{skipped}">"#,
        xml(name),
        all.len()
    )?;
    for (title, key, cases) in &suites {
        writeln!(
            out,
            r#"  <testsuite name="{title}" id="{key}" tests="{}" failures="{}" errors="0" skipped="{}">"#,
            cases.len(),
            count(cases, is_failure),
            count(cases, is_skipped)
        )?;
        if *key == "open-licensing" {
            writeln!(out, "    <properties>")?;
            writeln!(out, r#"      <property name="verdict" value="{}"/>"#, report.verdict.as_str())?;
            writeln!(out, r#"      <property name="items" value="{}"/>"#, report.summary.items)?;
            writeln!(out, r#"      <property name="dpg-type" value="{}"/>"#, report.collection.dpg_type)?;
            writeln!(out, r#"      <property name="profile" value="{}"/>"#, xml(&report.collection.profile))?;
            writeln!(out, "    </properties>")?;
        }
        for c in cases {
            let open = format!(r#"    <testcase classname="{}" name="{}""#, xml(&c.class), xml(&c.name));
            match &c.body {
                Body::Pass => writeln!(out, "{open}/>")?,
                Body::Failure { message, detail } => {
                    writeln!(out, "{open}>")?;
                    writeln!(
                        out,
                        r#"      <failure message="{}" type="error">{}</failure>"#,
                        xml(message),
                        xml_text(detail)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
                Body::Out(text) => {
                    writeln!(out, "{open}>")?;
                    writeln!(out, "      <system-out>{}</system-out>", xml_text(text))?;
                    writeln!(out, "    </testcase>")?;
                }
                Body::Skipped(reason) => {
                    writeln!(out, "{open}>")?;
                    writeln!(out, r#"      <skipped message="{}"/>"#, xml(reason))?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_fail_warnings_pass_waived_skip() {
        let mut report = crate::report::sarif::tests::sample_report();
        let mut g = report.groups[0].clone();
        g.rule = Rule::AccessUnrecognized;
        g.severity = Severity::Warning;
        g.key = "ask \u{0}first".into();
        report.groups.push(g.clone());
        g.rule = Rule::AccessDiscriminatory;
        g.severity = Severity::Error;
        g.waived = Some("agreed with the DPGA".into());
        report.groups.push(g);
        let mut out = Vec::new();
        write(&report, &mut out).expect("write");
        let xml = String::from_utf8(out).expect("UTF-8");
        assert!(!xml.contains('\u{0}'), "NUL is not XML (shown escaped instead)");
        assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
        assert_eq!(xml.matches("<skipped message=\"waived: agreed with the DPGA\"/>").count(), 1, "{xml}");
        assert!(xml.contains("<testcase classname=\"dpg-audit.non-discriminatory-access\" name=\"access-unrecognized: ask \\u{0}first\">\n      <system-out>warning: "));
        // A testcase per rule that did not fire, one per group that did (one rule has two).
        // Without --check-urls the rules only those checks raise are skipped, not passed.
        let tests = Rule::ALL.len();
        let online = Rule::ALL.iter().filter(|r| r.needs_url_checks()).count();
        assert_eq!(online, 5);
        let skipped = 1 + online;
        assert!(
            xml.contains(&format!(
                r#"<testsuites name="dpg-audit: hand-built" tests="{tests}" failures="1" errors="0" skipped="{skipped}">"#
            )),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"access-location-unreachable\">\n      <skipped message=\"not checked"),
            "{xml}"
        );
        report.url_checks = true;
        let mut out = Vec::new();
        write(&report, &mut out).expect("write");
        let xml = String::from_utf8(out).expect("UTF-8");
        assert!(xml.contains(r#"errors="0" skipped="1">"#), "{xml}");
        assert!(xml.contains("name=\"access-location-unreachable\"/>"), "{xml}");
    }
}
