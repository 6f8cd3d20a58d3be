//! Issue 17: the policy brought to the DPGA's current guidance. Every change has a fixture it
//! applies to and a near twin it does not (`tests/fixtures/policy/<change>/{trigger,clean}`).

mod common;

use common::*;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/policy");

fn run(change: &str, kind: &str, extra: &[&str]) -> Value {
    let path = format!("{FIXTURES}/{change}/{kind}/items.csv");
    assert!(std::path::Path::new(&path).is_file(), "{change} has no {kind} fixture ({path})");
    let mut args: Vec<&str> = extra.to_vec();
    args.push(&path);
    let run = audit_json(&args);
    assert!(run.code == 0 || run.code == 1, "{change}/{kind}: exit {}: {}", run.code, run.stderr);
    run.json()
}

fn messages(r: &Value, rule: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .filter_map(|f| f["message"].as_str().map(str::to_string))
        .collect()
}

fn group_severity(r: &Value, rule: &str) -> Option<String> {
    r["groups"].as_array()?.iter().find(|g| g["rule"] == rule)?["severity"].as_str().map(str::to_string)
}

#[test]
fn noncommercial_is_no_longer_approved_for_content() {
    let r = run("nc-content-rejected", "trigger", &[]);
    assert_eq!(rule_count(&r, "license-not-approved"), 2, "{r}");
    assert!(messages(&r, "license-not-approved").iter().all(|m| m.contains("NonCommercial")), "{r}");
    // The older list, for stewards audited under it.
    let r = run("nc-content-rejected", "trigger", &["--profile", "dpg-2024"]);
    assert_eq!(rule_count(&r, "license-not-approved"), 0, "{r}");
    assert_eq!(r["verdict"], "pass");
    let r = run("nc-content-rejected", "clean", &[]);
    assert_eq!(rule_count(&r, "license-not-approved"), 0, "{r}");
}

#[test]
fn ogl_uk_3_is_approved_for_data_and_2_still_reviewed() {
    let r = run("ogl-uk-3-approved-data", "trigger", &[]);
    assert_eq!(r["verdict"], "pass", "{r}");
    let r = run("ogl-uk-3-approved-data", "clean", &[]);
    assert_eq!(rule_count(&r, "license-needs-review"), 1, "{r}");
}

#[test]
fn ogl_uk_1_is_rejected_for_data() {
    let r = run("ogl-uk-1-rejected-data", "trigger", &[]);
    assert_eq!(rule_count(&r, "license-not-approved"), 1, "{r}");
    assert!(messages(&r, "license-not-approved").iter().any(|m| m.contains("not conformant")), "{r}");
    // Not even the Open Definition profile approves it.
    let r = run("ogl-uk-1-rejected-data", "trigger", &["--profile", "open-definition"]);
    assert_eq!(rule_count(&r, "license-not-approved"), 1, "{r}");
    let r = run("ogl-uk-1-rejected-data", "clean", &[]);
    assert_eq!(rule_count(&r, "license-not-approved"), 0, "{r}");
}

#[test]
fn open_definition_profile_approves_only_what_the_open_definition_lists() {
    let r = run("open-definition-limited", "trigger", &[]);
    assert_eq!(r["collection"]["profile"], "open-definition");
    assert_eq!(rule_count(&r, "license-needs-review"), 2, "CDLA is not on the Open Definition list: {r}");
    for m in messages(&r, "license-needs-review") {
        assert!(!m.contains("conformant but"), "a CDLA review must not call it conformant: {m}");
    }
    let r = run("open-definition-limited", "clean", &[]);
    assert_eq!(r["verdict"], "pass", "{r}");
    // Under the default profile, OGL-UK-2.0 is reviewed as conformant.
    let r = run("open-definition-limited", "clean", &["--profile", "dpg"]);
    assert!(
        messages(&r, "license-needs-review").iter().all(|m| m.contains("Open Definition conformant")),
        "{r}"
    );
}

#[test]
fn cc_ports_the_dpga_does_not_list_are_reviewed_for_content() {
    let r = run("cc-ports-review-content", "trigger", &[]);
    assert_eq!(rule_count(&r, "license-not-approved"), 0, "{r}");
    assert_eq!(rule_count(&r, "license-needs-review"), 2, "{r}");
    assert!(messages(&r, "license-needs-review").iter().all(|m| m.contains("jurisdiction port")), "{r}");
    let r = run("cc-ports-review-content", "clean", &[]);
    assert_eq!(r["verdict"], "pass", "{r}");
}

#[test]
fn a_mix_of_approved_licenses_is_information() {
    let r = run("mixed-approved-info", "trigger", &[]);
    assert_eq!(group_severity(&r, "mixed-licensing").as_deref(), Some("info"), "{r}");
    assert_eq!(r["verdict"], "pass", "{r}");
    // dpg-strict is stricter than the DPGA, and says so.
    let r = run("mixed-approved-info", "trigger", &["--profile", "dpg-strict"]);
    assert_eq!(group_severity(&r, "mixed-licensing").as_deref(), Some("error"), "{r}");
    let r = run("mixed-approved-info", "clean", &[]);
    assert_eq!(group_severity(&r, "mixed-licensing").as_deref(), Some("warning"), "{r}");
    assert_eq!(r["verdict"], "fail", "{r}");
}
