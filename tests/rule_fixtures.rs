//! For every rule of the contract: a fixture that triggers it and one that does not
//! (`tests/fixtures/rules/<code>/{trigger,clean}/items.csv`, with a config where needed).

mod common;

use common::*;
use dpg_audit::policy::Rule;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules");

fn count(rule: &str, kind: &str) -> u64 {
    let path = format!("{FIXTURES}/{rule}/{kind}/items.csv");
    assert!(std::path::Path::new(&path).is_file(), "rule {rule} has no {kind} fixture ({path})");
    let run = audit_json(&[&path]);
    assert!(run.code == 0 || run.code == 1, "{rule}/{kind}: exit {}: {}", run.code, run.stderr);
    let r = run.json();
    rule_count(&r, rule)
}

/// Rules only `--check-urls` raises (they need an HTTP server, not a fixture file).
const NETWORK_RULES: &[&str] = &[
    "access-location-unreachable",
    "access-location-http-error",
    "access-login-required",
    "access-location-other-host",
    "license-url-unverified",
];
const REMOTE_TESTS: &str = include_str!("remote.rs");

#[test]
fn every_rule_has_a_fixture_that_triggers_it_and_one_that_does_not() {
    let mut failures = Vec::new();
    for rule in Rule::ALL {
        let code = rule.code();
        // Raised only by `--check-urls` against a live server: tests/remote.rs serves one on
        // 127.0.0.1 and asserts each of these on its rows (checked here so none goes untested).
        if NETWORK_RULES.contains(&code) {
            assert!(
                REMOTE_TESTS.contains(&format!("\"{code}\"")),
                "{code} is not asserted in tests/remote.rs"
            );
            continue;
        }
        let (hit, miss) = (count(code, "trigger"), count(code, "clean"));
        if hit == 0 {
            failures.push(format!("{code}: the trigger fixture did not raise it"));
        }
        if miss != 0 {
            failures.push(format!("{code}: the clean fixture raised it {miss} time(s)"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn expression_semantics() {
    let dir = tempdir();
    let cases = [
        ("CC-BY-4.0 OR CC-BY-NC-4.0", 0, "OR passes when any branch is acceptable"),
        ("CC-BY-4.0 AND CC-BY-NC-4.0", 1, "AND needs every part"),
        ("(CC-BY-NC-4.0 OR CC-BY-ND-4.0) AND CC0-1.0", 1, "no acceptable branch"),
        ("GPL-2.0-or-later WITH Classpath-exception-2.0 OR CC0-1.0", 0, "WITH stays with its license"),
    ];
    for (expr, want, why) in cases {
        let path =
            write(dir.path(), "items.csv", format!("id,license,url\na,\"{expr}\",https://example.org/a\n"));
        let r = audit_json(&[p(&path)]).json();
        assert_eq!(rule_count(&r, "license-not-approved"), want, "{expr}: {why}: {r}");
    }
    // The message names the part that failed and why.
    let path =
        write(dir.path(), "items.csv", "id,license,url\na,CC0-1.0 AND CC-BY-NC-4.0,https://example.org/a\n");
    let r = audit_json(&[p(&path)]).json();
    let msg = r["findings"].as_array().into_iter().flatten().find(|f| f["rule"] == "license-not-approved");
    let msg = msg.and_then(|f| f["message"].as_str()).unwrap_or("");
    assert!(msg.contains("CC-BY-NC-4.0: NonCommercial"), "{msg}");
}
