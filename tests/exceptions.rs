//! Exceptions in dpg-audit.toml: waived findings are counted as waived, not hidden, and no longer
//! weigh in the verdict; an exception that matched nothing is reported; mistakes are exit 2.

mod common;

use common::*;

const ITEMS: &str = "id,license,url\n\
    img-1,CC-BY-4.0,https://data.example.org/1\n\
    img-2-nd,CC-BY-ND-4.0,https://data.example.org/2\n\
    img-3-nd,CC-BY-ND-4.0,https://data.example.org/3\n\
    img-4,CC-BY-4.0,https://data.example.org/4\n";

#[test]
fn waived_findings_are_counted_apart_and_do_not_fail_the_collection() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", ITEMS);
    assert_eq!(audit_json(&[p(&path)]).code, 1, "without exceptions the ND items fail");

    write(
        dir.path(),
        "dpg-audit.toml",
        "[[exceptions]]\nrule = \"license-not-approved\"\nitems = [\"*-nd\"]\nreason = \"relicensed upstream; manifest not yet regenerated\"\n\
         [[exceptions]]\nrule = \"mixed-licensing\"\nreason = \"reviewed\"\n",
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let r = run.json();
    assert_eq!(r["verdict"], "pass");
    assert_eq!(rule_count(&r, "license-not-approved"), 0);
    assert_eq!(r["summary"]["waived"]["license-not-approved"], 2);
    assert_eq!(r["summary"]["waived"]["mixed-licensing"], 1);
    assert_eq!(r["summary"]["items_with_errors"], 0);
    let waived: Vec<&serde_json::Value> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "license-not-approved")
        .collect();
    assert_eq!(waived.len(), 2, "waived findings stay in the report");
    assert!(waived.iter().all(|f| f["waived"] == "relicensed upstream; manifest not yet regenerated"));
    assert!(r["summary"].get("unused_exceptions").is_none());
}

#[test]
fn an_exception_that_matched_nothing_is_reported() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", ITEMS);
    write(
        dir.path(),
        "dpg-audit.toml",
        "[[exceptions]]\nrule = \"license-not-approved\"\nitems = [\"img-9\"]\nreason = \"old item\"\n",
    );
    let r = audit_json(&[p(&path)]).json();
    assert_eq!(r["verdict"], "fail");
    let unused = r["summary"]["unused_exceptions"][0].as_str().unwrap_or("");
    assert!(unused.contains("exceptions[0]") && unused.contains("img-9"), "{unused}");
    let text = dpg_audit(&["audit", "--quiet", p(&path)]);
    assert!(text.stdout.contains("warning: exceptions[0]"), "{}", text.stdout);
}

#[test]
fn exception_mistakes_are_config_errors() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", ITEMS);
    for (toml, words) in [
        (
            "[[exceptions]]\nrule = \"licence-not-approved\"\nitems = [\"x\"]\nreason = \"r\"\n",
            "exceptions[0].rule",
        ),
        (
            "[[exceptions]]\nrule = \"license-not-approved\"\nitems = [\"x\"]\nreason = \" \"\n",
            "exceptions[0].reason",
        ),
        ("[[exceptions]]\nrule = \"license-not-approved\"\nreason = \"r\"\n", "exceptions[0].items"),
        (
            "[[exceptions]]\nrule = \"mixed-licensing\"\nitems = [\"x\"]\nreason = \"r\"\n",
            "exceptions[0].items",
        ),
        ("[[exceptions]]\nrule = \"license-not-approved\"\nitems = [\"x\"]\n", "reason"),
    ] {
        write(dir.path(), "dpg-audit.toml", toml);
        let run = audit_json(&[p(&path)]);
        assert_eq!(run.code, 2, "{toml}");
        assert!(
            run.stderr.contains("dpg-audit.toml") && run.stderr.contains(words),
            "{toml}: {}",
            run.stderr
        );
    }
}
