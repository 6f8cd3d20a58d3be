//! `dpg-audit rules [list | explain CODE]` and the rule docs it renders (rules/rules/*.toml).

use std::process::{Command, Output};

use dpg_audit::policy::rules::{self, Rule};

/// The rule codes of the contract (shared/spec/contract.md), in its order.
const CONTRACT_CODES: [&str; 23] = [
    "license-missing",
    "license-unrecognized",
    "license-ambiguous",
    "license-not-approved",
    "license-needs-review",
    "license-url-mismatch",
    "license-deprecated-id",
    "mixed-licensing",
    "declared-license-mismatch",
    "access-location-missing",
    "access-location-invalid",
    "access-location-scattered",
    "access-discriminatory",
    "access-unrecognized",
    "duplicate-item-id",
    "manifest-row-invalid",
    "access-not-public",
    "ai-component-missing",
    // Issue #23, `--check-urls` (to be recorded in the contract).
    "access-location-unreachable",
    "access-location-http-error",
    "access-login-required",
    "access-location-other-host",
    "license-url-unverified",
];

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dpg-audit {args:?}: {e}"))
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Text with every run of whitespace made one space: explain wraps lines.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn docs() -> &'static [rules::RuleDoc] {
    rules::docs().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn list_shows_every_contract_code_once_in_catalogue_order() {
    let out = run(&["rules", "list"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), CONTRACT_CODES.len(), "one line per rule:\n{text}");
    let listed: Vec<&str> = lines.iter().filter_map(|l| l.split_whitespace().next()).collect();
    for code in CONTRACT_CODES {
        assert_eq!(listed.iter().filter(|c| **c == code).count(), 1, "{code} in:\n{text}");
    }
    let catalogue: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(listed, catalogue, "order of Rule::ALL");

    // code, scope, default severity, summary; the summary starts in the same column on every line.
    let summary_columns: Vec<usize> = lines
        .iter()
        .zip(docs())
        .map(|(line, doc)| {
            let fields: Vec<&str> = line.split_whitespace().take(3).collect();
            assert_eq!(fields, [doc.code.as_str(), doc.scope.as_str(), doc.severity.as_str()], "{line}");
            line.find(&doc.summary).unwrap_or_else(|| panic!("no summary in `{line}`"))
        })
        .collect();
    assert!(summary_columns.windows(2).all(|w| w[0] == w[1]), "columns not aligned:\n{text}");
}

#[test]
fn rules_alone_lists() {
    let alone = run(&["rules"]);
    let list = run(&["rules", "list"]);
    assert_eq!(alone.status.code(), Some(0));
    assert_eq!(stdout(&alone), stdout(&list));
}

#[test]
fn explain_prints_the_whole_doc_of_every_rule() {
    for doc in docs() {
        let out = run(&["rules", "explain", &doc.code]);
        assert_eq!(out.status.code(), Some(0), "{}: {}", doc.code, stderr(&out));
        let text = stdout(&out);
        let flat_text = flat(&text);
        assert_eq!(text.lines().next(), Some(doc.code.as_str()), "{text}");
        assert!(text.contains(doc.scope.as_str()) && text.contains(doc.severity.as_str()), "{text}");
        for heading in ["Rationale", "Example", "Fix", "References"] {
            assert!(text.lines().any(|l| l == heading), "{}: no `{heading}` section:\n{text}", doc.code);
        }
        for (field, value) in [
            ("summary", &doc.summary),
            ("rationale", &doc.rationale),
            ("example", &doc.example),
            ("fix", &doc.fix),
        ] {
            assert!(flat_text.contains(&flat(value)), "{}: {field} not printed:\n{text}", doc.code);
        }
        for reference in &doc.references {
            assert!(flat_text.contains(&flat(reference)), "{}: {reference} not printed", doc.code);
        }
    }
}

#[test]
fn explain_accepts_a_code_in_another_case() {
    let out = run(&["rules", "explain", "License-Missing"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().next(), Some("license-missing"));
}

#[test]
fn explain_unknown_code_exits_2_and_helps() {
    // A typo: the nearest code is named.
    let out = run(&["rules", "explain", "licence-missing"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("dpg-audit: error: "), "{err}");
    assert!(err.contains("licence-missing") && err.contains("`license-missing`"), "{err}");
    assert!(stdout(&out).is_empty());

    // Nothing near: every valid code is listed.
    let out = run(&["rules", "explain", "no-such-rule-at-all"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.starts_with("dpg-audit: error: "), "{err}");
    for code in CONTRACT_CODES {
        assert!(err.contains(code), "{code} not listed: {err}");
    }

    // No code at all is a usage error too.
    assert_eq!(run(&["rules", "explain"]).status.code(), Some(2));
}

#[test]
fn every_rule_doc_has_every_field() {
    let docs = docs();
    assert_eq!(docs.len(), CONTRACT_CODES.len());
    for (doc, code) in docs.iter().zip(Rule::ALL) {
        assert_eq!(doc.code, code.code());
        let texts = [
            ("summary", &doc.summary),
            ("rationale", &doc.rationale),
            ("example", &doc.example),
            ("fix", &doc.fix),
        ];
        for (field, value) in texts {
            assert!(!value.trim().is_empty(), "{}: empty {field}", doc.code);
        }
        assert!(!doc.fix.contains('\n'), "{}: fix is one line", doc.code);
        assert!(!doc.references.is_empty(), "{}: no references", doc.code);
        for reference in &doc.references {
            assert!(!reference.trim().is_empty(), "{}: empty reference", doc.code);
            // `owner/repo:path`, `owner/repo#N`, or a page title (which has spaces).
            let (repo, rest) = reference
                .split_once([':', '#'])
                .filter(|_| !reference.contains(' '))
                .unwrap_or(("page/title", reference));
            assert!(
                repo.split('/').count() == 2 && !rest.is_empty(),
                "{}: reference `{reference}`",
                doc.code
            );
        }
    }
    for code in CONTRACT_CODES {
        assert!(Rule::from_code(code).is_some_and(|r| r.doc().is_some()), "{code}");
    }
}

/// A broken rule file is reported with its path and the key at fault, wherever toml points.
#[test]
fn broken_rule_file_names_file_and_key() {
    let path = "rules/rules/x.toml";
    let good = r#"code = "x"
scope = "item"
severity = "error"
summary = "s"
rationale = """\
a long text; this = not a key \
text"""
example = "e"
fix = "f"
references = [
  "a/b:c",
]
"#;
    assert!(rules::parse_doc(path, good).is_ok(), "{:?}", rules::parse_doc(path, good).err());

    let cases: [(&str, String, &str); 9] = [
        (
            "bad escape inside a multi-line string",
            good.replace("not a key", "not \\q key"),
            "key `rationale` (line 6",
        ),
        ("missing key", good.replace("fix = \"f\"\n", ""), "key `fix` is missing"),
        ("bad enum value", good.replace("\"error\"", "\"eror\""), "key `severity` (line 3"),
        ("unknown key", good.replace("fix = ", "fixx = "), "key `fixx` (line 9"),
        (
            "wrong type in an array, lines below its key",
            good.replace("  \"a/b:c\",", "  \"a/b:c\",\n  3,"),
            "key `references` (line 12",
        ),
        (
            "wrong type after a multi-line string",
            good.replace("example = \"e\"", "example = 5"),
            "key `example` (line 8",
        ),
        ("empty text", good.replace("example = \"e\"", "example = \" \""), "key `example` is empty"),
        ("no references", good.replace("  \"a/b:c\",\n", ""), "key `references` is empty"),
        ("fix on two lines", good.replace("fix = \"f\"", "fix = \"f\\ng\""), "key `fix` must be one line"),
    ];
    for (what, text, expected) in cases {
        let err = rules::parse_doc(path, &text).err().unwrap_or_else(|| panic!("{what}: accepted"));
        assert!(err.starts_with("rules/rules/x.toml: "), "{what}: {err}");
        assert!(err.contains(expected), "{what}: expected `{expected}` in `{err}`");
    }
}
