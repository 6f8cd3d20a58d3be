//! Access statements judged by meaning (issue 17): an evaluation set in English, Spanish, French,
//! German and Portuguese with the class each must get, and the `access` subcommand.
//! `tests/fixtures/access/eval.tsv` was used while writing the grammar; `heldout3.tsv` was written
//! by another engineer without reading the grammar and scored once (30/30); `heldout.tsv` and
//! `heldout2.tsv` were each written before the grammar was first run on them (provenance in each
//! row; their first-run scores are in the README).

mod common;

use common::*;
use dpg_audit::policy::access::{self, Class};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/access");

/// (statement, expected class, language) rows of a set.
fn rows(name: &str) -> Vec<(String, String, String)> {
    let path = format!("{DIR}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 4, "{name}: {l}");
            (cols[0].to_string(), cols[1].to_string(), cols[2].to_string())
        })
        .collect()
}

fn score(name: &str) -> (usize, Vec<String>) {
    let rows = rows(name);
    let mut wrong = Vec::new();
    for (statement, want, lang) in &rows {
        let got = access::read(statement);
        if got.class.as_str() != want {
            wrong.push(format!(
                "[{lang}] {statement}: want {want}, got {} ({})",
                got.class.as_str(),
                got.reason
            ));
        }
    }
    (rows.len(), wrong)
}

#[test]
fn the_sets_cover_five_languages_and_every_class() {
    // (heldout3.tsv, 30 rows with four per language besides English, is scored with the others
    // below but was not written to this quota.)
    for name in ["eval.tsv", "heldout.tsv", "heldout2.tsv"] {
        let rows = rows(name);
        for lang in ["en", "es", "fr", "de", "pt"] {
            assert!(rows.iter().filter(|r| r.2 == lang).count() >= 5, "{name}: few {lang} rows");
        }
        for class in ["open", "permitted", "discriminatory", "not-public"] {
            assert!(rows.iter().any(|r| r.1 == class), "{name}: no {class} row");
        }
    }
}

#[test]
fn at_least_95_percent_are_judged_right() {
    for name in ["eval.tsv", "heldout.tsv", "heldout2.tsv", "heldout3.tsv"] {
        let (n, wrong) = score(name);
        let right = n - wrong.len();
        assert!(right * 100 >= n * 95, "{name}: {right}/{n} right:\n{}", wrong.join("\n"));
    }
}

#[test]
fn no_restricted_statement_passes_silently() {
    for name in ["eval.tsv", "heldout.tsv", "heldout2.tsv", "heldout3.tsv"] {
        for (statement, want, _) in rows(name) {
            if matches!(want.as_str(), "discriminatory" | "not-public" | "review") {
                let got = access::read(&statement).class;
                assert!(
                    !matches!(got, Class::Open | Class::Permitted),
                    "{name}: `{statement}` ({want}) passes as {}",
                    got.as_str()
                );
            }
        }
    }
}

#[test]
fn access_subcommand_tsv_and_json() {
    let run = dpg_audit(&[
        "access",
        "no registration required",
        "Downloads are blocked for visitors outside Brazil",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    let first: Vec<&str> = lines[0].split('\t').collect();
    assert_eq!(first[..2], ["no registration required", "open"], "{}", lines[0]);
    assert_eq!(first.get(3).copied(), Some("no registration"));
    let second: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(second[1], "discriminatory");
    assert!(second[2].contains("geography"), "{}", lines[1]);
    assert!(second[3].contains("Brazil") && second[3].contains("outside"), "{}", lines[1]);

    let run = dpg_audit(&["access", "--format", "json", "internal use only"]);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap_or_default();
    assert_eq!(v["class"], "not-public", "{}", run.stdout);
    assert_eq!(v["input"], "internal use only");
    assert!(v["words"].as_array().is_some_and(|w| !w.is_empty()), "{}", run.stdout);
}

#[test]
fn access_subcommand_reads_stdin_lines() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .arg("access")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(b"Acceso abierto\r\nmembers only\n");
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("wait: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    let classes: Vec<&str> = text.lines().filter_map(|l| l.split('\t').nth(1)).collect();
    assert_eq!(classes, ["open", "discriminatory"], "{text}");
}

#[test]
fn not_public_items_fail_the_audit_with_their_own_rule() {
    let dir = tempdir();
    let path = write(
        dir.path(),
        "items.csv",
        "id,license,url,access\na,CC-BY-4.0,https://data.example.org/1,Nur für den internen Gebrauch.\nb,CC-BY-4.0,https://data.example.org/2,Acesso aberto\n",
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(rule_count(&r, "access-not-public"), 1, "{r}");
    assert_eq!(rule_count(&r, "access-unrecognized"), 0, "{r}");
}
