//! Report formats on real audits: the JSON report and SARIF validate against their schemas
//! (schemas/), manifest text stays inert in every format (hostile strings), `--output` writes
//! several formats in one run, and a file that cannot be written is exit 2 naming it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{dpg_audit, p, tempdir, write};
use serde_json::Value;

const SAMPLES: &[&str] = &["open-data-portal", "biodiversity-occurrences", "openverse-images"];
const FORMATS: &[&str] =
    &["terminal", "json", "markdown", "html", "sarif", "junit", "github", "dpg-submission"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary from the repository root, so report paths are relative.
fn run_in_root(args: &[&str]) -> common::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run dpg-audit");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "dpg-audit panicked: {stderr}");
    common::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

/// Compiles a schema file from schemas/ and validates `instance`, listing every error.
fn validate(schema_file: &str, instance: &Value, what: &str) {
    let path = root().join("schemas").join(schema_file);
    let text = std::fs::read_to_string(&path).expect("read schema");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = format!("file:///{schema_file}");
    compiler.add_resource(&url, schema).expect("add schema");
    let index = compiler.compile(&url, &mut schemas).unwrap_or_else(|e| panic!("{schema_file}: {e:#}"));
    if let Err(e) = schemas.validate(instance, index) {
        panic!("{what} does not validate against {schema_file}:\n{e:#}");
    }
}

/// A sample's manifest; its Parquet twin lives in tests/fixtures/samples (one manifest per
/// sample folder).
fn sample(dir: &str, file: &str) -> String {
    if file == "items.parquet" {
        return format!("tests/fixtures/samples/{dir}/{file}");
    }
    format!("sample-data/{dir}/{file}")
}

#[test]
fn json_reports_of_every_sample_validate_against_the_report_schema() {
    for dir in SAMPLES {
        for file in ["items.csv", "items.parquet"] {
            let run = run_in_root(&["audit", &sample(dir, file), "--format", "json", "--quiet"]);
            assert!(run.code == 0 || run.code == 1, "{dir}/{file}: exit {}: {}", run.code, run.stderr);
            let report = run.json();
            validate("report.schema.json", &report, &format!("{dir}/{file} JSON report"));
            // by_host is filled and counts no more items than there are.
            let hosts = report["summary"]["by_host"].as_object().expect("by_host");
            assert!(!hosts.is_empty(), "{dir}: no hosts");
            let sum: u64 = hosts.values().filter_map(Value::as_u64).sum();
            assert!(sum <= report["summary"]["items"].as_u64().expect("items"), "{dir}: {sum}");
        }
    }
}

#[test]
fn the_report_schema_rejects_a_report_that_breaks_the_contract() {
    let run =
        run_in_root(&["audit", &sample("biodiversity-occurrences", "items.csv"), "--format", "json", "-q"]);
    let mut report = run.json();
    report["verdict"] = Value::from("maybe");
    let result = std::panic::catch_unwind(|| validate("report.schema.json", &report, "tampered"));
    assert!(result.is_err(), "a wrong verdict must not validate");
    let mut report = run.json();
    report["groups"][0]["rule"] = Value::from("no-such-rule");
    let result = std::panic::catch_unwind(|| validate("report.schema.json", &report, "tampered"));
    assert!(result.is_err(), "an unknown rule must not validate");
}

#[test]
fn sarif_of_every_sample_validates_against_the_oasis_schema() {
    for dir in SAMPLES {
        for file in ["items.csv", "items.parquet"] {
            // --max-findings 1 truncates the findings, which switches to results per group.
            for extra in [&[][..], &["--max-findings", "1"][..]] {
                let mut args = vec!["audit", "--format", "sarif", "--quiet"];
                let path = sample(dir, file);
                args.push(&path);
                args.extend_from_slice(extra);
                let run = run_in_root(&args);
                let sarif = run.json();
                validate("sarif-schema-2.1.0.json", &sarif, &format!("{dir}/{file} SARIF {extra:?}"));
                let run0 = &sarif["runs"][0];
                let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
                assert_eq!(rules.len(), dpg_audit::policy::Rule::ALL.len(), "every rule is described");
                for r in rules {
                    assert!(!r["fullDescription"]["text"].as_str().unwrap_or("").trim().is_empty());
                    assert!(!r["help"]["text"].as_str().unwrap_or("").trim().is_empty());
                }
                let json = run_in_root(&["audit", "--format", "json", "--quiet", &path]).json();
                let results = run0["results"].as_array().expect("results");
                if extra.is_empty() {
                    // One result per finding of the JSON report.
                    assert_eq!(results.len(), json["findings"].as_array().expect("findings").len());
                } else if json["findings_truncated"] == true {
                    assert_eq!(results.len(), json["groups"].as_array().expect("groups").len());
                }
                for r in results {
                    assert!(r["ruleId"].is_string() && r["level"].is_string());
                    assert!(r["partialFingerprints"].as_object().is_some_and(|m| !m.is_empty()));
                    let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str();
                    assert_eq!(uri, Some(path.as_str()), "relative manifest path");
                }
            }
        }
    }
}

/// A manifest whose every text field is an attack on some report format.
fn hostile_collection(dir: &Path) -> PathBuf {
    let csv = "id,title,license,url,access\n\
        \"=HYPERLINK(\"\"http://evil.example/x\"\")\",\"<script>alert('title')</script>\",\"<script>alert('lic')</script>\",\"javascript:alert(1)\",\"members only <img src=x onerror=alert(2)>\"\n\
        \"@SUM(A1)\",\"x\",\"Custom | *bold* [link](javascript:x) \u{1b}[31m\",\"https://ok.example/a\",\"open\"\n\
        \"row3\",\"x\",\"line one\n::error file=x::injected\",\"http://127.0.0.1/\",\"\"\n\
        \"a&b\",\"x\",\"</td></tr><tr><td>\",\"data:text/html,<script>alert(3)</script>\",\"fee <b>required</b>\"\n";
    write(dir, "items.csv", csv)
}

#[test]
fn hostile_manifest_text_stays_text_in_every_format() {
    let dir = tempdir();
    let manifest = hostile_collection(dir.path());
    let mut outputs = Vec::new();
    for format in FORMATS {
        let run = dpg_audit(&["audit", p(&manifest), "--format", format, "--quiet"]);
        assert_eq!(run.code, 1, "{format}: exit {}: {}", run.code, run.stderr);
        outputs.push((*format, run.stdout));
    }
    for (format, out) in &outputs {
        assert!(!out.contains('\u{1b}'), "{format}: an escape sequence reached the output");
        match *format {
            "html" => {
                // Exactly one script element: ours, at the end.
                assert_eq!(out.matches("<script").count(), 1, "html: {out}");
                assert!(out.contains("&lt;script&gt;alert(&#39;lic&#39;)&lt;/script&gt;"));
                assert!(!out.contains("<img") && !out.contains("<b>"), "html: raw markup from data");
                assert!(!out.contains("</td></tr><tr><td>"), "html: table broken by data");
                assert!(out.contains("&lt;/td&gt;&lt;/tr&gt;"));
            }
            "markdown" => {
                assert!(
                    !out.contains("<script") && !out.contains("<img") && !out.contains("<b>"),
                    "md: {out}"
                );
                assert!(out.contains("&lt;script&gt;"));
                assert!(out.contains("Custom \\| \\*bold\\* \\[link\\](javascript:x)"), "md: {out}");
                // Every table row still has its cells: no line of a table ends inside a value.
                for line in out.lines().filter(|l| l.starts_with("| error") || l.starts_with("| warning")) {
                    assert!(line.ends_with(" |"), "md: broken row: {line}");
                }
            }
            "junit" => {
                let doc = roxmltree::Document::parse(out)
                    .unwrap_or_else(|e| panic!("junit is not XML: {e}\n{out}"));
                let failures = doc.descendants().filter(|n| n.has_tag_name("failure")).count();
                assert!(failures > 0);
                let text: String = doc.descendants().filter_map(|n| n.text()).collect();
                assert!(text.contains("<script>alert('lic')</script>"), "junit keeps the value as text");
            }
            "github" => {
                for line in out.lines() {
                    assert!(line.starts_with("::"), "github: a value started its own line: {line:?}");
                }
                assert!(!out.lines().any(|l| l.starts_with("::error file=x")), "github: injected command");
                assert!(out.contains("injected"), "github: the value is still reported");
            }
            "dpg-submission" => {
                assert!(
                    !out.contains("<script") && !out.contains("<img") && !out.contains("<b>"),
                    "dpg-submission: {out}"
                );
                assert!(out.contains("&lt;script&gt;"), "dpg-submission: the value is still listed: {out}");
                assert!(!out.contains(dpg_audit::report::submission::ELIGIBLE));
                submission_fragment(out);
            }
            "json" | "sarif" => {
                let v: Value = serde_json::from_str(out).expect("valid JSON");
                if *format == "sarif" {
                    validate("sarif-schema-2.1.0.json", &v, "hostile SARIF");
                } else {
                    validate("report.schema.json", &v, "hostile JSON");
                }
            }
            _ => {}
        }
    }
}

#[test]
fn output_writes_several_formats_in_one_run() {
    let dir = tempdir();
    let manifest = root().join("sample-data/biodiversity-occurrences/items.csv");
    let mut args: Vec<String> =
        vec!["audit".into(), p(&manifest).into(), "--quiet".into(), "--format".into(), "json".into()];
    for format in FORMATS {
        args.push("--output".into());
        args.push(format!("{format}={}", dir.path().join(format!("report.{format}")).display()));
    }
    args.push("--output".into());
    args.push(format!("md={}", dir.path().join("alias.md").display()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = dpg_audit(&refs);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for format in FORMATS {
        let file =
            std::fs::read_to_string(dir.path().join(format!("report.{format}"))).expect("output written");
        let alone = dpg_audit(&["audit", p(&manifest), "--quiet", "--format", format]);
        assert_eq!(file, alone.stdout, "{format}: --output differs from --format");
        assert!(!file.contains('\u{1b}'), "{format}: colour in a file");
    }
    let stdout_json = std::fs::read_to_string(dir.path().join("report.json")).expect("json");
    assert_eq!(run.stdout, stdout_json);
    let alias = std::fs::read_to_string(dir.path().join("alias.md")).expect("md");
    assert!(alias.starts_with("# DPG audit"));
}

#[test]
fn an_output_that_cannot_be_written_is_exit_2_naming_it() {
    let dir = tempdir();
    let manifest = root().join("sample-data/open-data-portal/items.csv");
    let bad = dir.path().join("no-such-dir").join("report.html");
    let run = dpg_audit(&["audit", p(&manifest), "--quiet", "--output", &format!("html={}", bad.display())]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&bad.display().to_string()), "{}", run.stderr);

    // `report.bin`: no format named, and none its extension tells.
    for bad_arg in ["pdf=x.pdf", "html=", "report.bin"] {
        let run = dpg_audit(&["audit", p(&manifest), "--quiet", "--output", bad_arg]);
        assert_eq!(run.code, 2, "{bad_arg}: {}", run.stderr);
    }
}

#[test]
fn html_is_self_contained() {
    for dir in SAMPLES {
        let run = run_in_root(&["audit", &sample(dir, "items.csv"), "--format", "html", "--quiet"]);
        let html = &run.stdout;
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<link") && !html.contains("src="), "{dir}: external resource");
        for (i, _) in html.match_indices("href=") {
            assert!(html[i..].starts_with("href=\"#"), "{dir}: external link at {}", &html[i..i + 40]);
        }
        if let Some(i) = html.find("url(") {
            panic!("{dir}: CSS url() at {}", &html[i..i + 40]);
        }
        assert!(html.contains("id=\"chart-licenses\"") && html.contains("id=\"chart-hosts\""));
        assert!(html.contains("default-src 'none'"), "{dir}: no CSP");
    }
}

#[test]
fn junit_has_a_failure_per_error_group_and_github_one_annotation_per_group() {
    for dir in SAMPLES {
        let json = run_in_root(&["audit", &sample(dir, "items.csv"), "--format", "json", "-q"]).json();
        let groups = json["groups"].as_array().expect("groups");
        let active =
            |sev: &str| groups.iter().filter(|g| g["severity"] == sev && g.get("waived").is_none()).count();
        let junit = run_in_root(&["audit", &sample(dir, "items.csv"), "--format", "junit", "-q"]).stdout;
        let doc = roxmltree::Document::parse(&junit).expect("junit XML");
        let failures = doc.descendants().filter(|n| n.has_tag_name("failure")).count();
        assert_eq!(failures, active("error"), "{dir}");
        let root = doc.root_element();
        assert_eq!(root.attribute("failures"), Some(failures.to_string().as_str()));
        let suites: Vec<&str> = root
            .children()
            .filter(|n| n.has_tag_name("testsuite"))
            .filter_map(|n| n.attribute("name"))
            .collect();
        assert_eq!(
            &suites[..3],
            ["Full open licensing", "Single access location", "Non-discriminatory access"]
        );

        let github = run_in_root(&["audit", &sample(dir, "items.csv"), "--format", "github", "-q"]).stdout;
        let errors = github.lines().filter(|l| l.starts_with("::error ")).count();
        let total: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap_or(0)).sum();
        if total > 10 {
            assert_eq!(errors, active("error"), "{dir}: one annotation per error group");
        }
        assert!(github.lines().last().is_some_and(|l| l.starts_with("::notice title=dpg-audit verdict::")));
    }
}

#[test]
fn markdown_has_criteria_licenses_groups_and_rule_docs() {
    let run = run_in_root(&["audit", &sample("openverse-images", "items.csv"), "--format", "md", "-q"]);
    let md = &run.stdout;
    let json =
        run_in_root(&["audit", &sample("openverse-images", "items.csv"), "--format", "json", "-q"]).json();
    assert!(
        md.contains(&format!(
            "**Verdict: ❌ {}**",
            json["verdict"].as_str().expect("verdict").to_uppercase()
        ))
    );
    for section in ["## DPG criteria", "## Licenses", "## Findings", "## Appendix: the rules that fired"] {
        assert!(md.contains(section), "missing {section}");
    }
    for (rule, _) in json["summary"]["by_rule"].as_object().expect("by_rule") {
        assert!(md.contains(&format!("<a id=\"rule-{rule}\"></a>")), "no appendix entry for {rule}");
    }
    for (license, n) in json["summary"]["by_license"].as_object().expect("by_license") {
        assert!(md.contains(&format!("| {license} | {n} |")), "license row {license}");
    }
}

/// The one ```json block of a `dpg-submission` answer, parsed, checked for the nominee shape.
fn submission_fragment(out: &str) -> Value {
    let blocks: Vec<&str> = out.split("```json\n").skip(1).collect();
    assert_eq!(blocks.len(), 1, "one JSON block: {out}");
    let json = blocks[0].split("\n```").next().expect("closed block");
    let v: Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("fragment is not JSON ({e}): {json}"));
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["license", "repositories", "type", "website"], "{json}");
    assert!(
        ["software", "data", "content", "standard", "aimodel"].contains(&v["type"].as_str().expect("type"))
    );
    for l in v["license"].as_array().expect("license[]") {
        let spdx = l["spdx"].as_str().expect("spdx");
        match l["licenseURL"].as_str() {
            Some(url) => assert_eq!(url, format!("https://spdx.org/licenses/{spdx}.html")),
            None => assert!(spdx.starts_with("LicenseRef-"), "{spdx} has no URL"),
        }
    }
    assert!(v["repositories"].as_array().is_some_and(Vec::is_empty));
    assert!(v["website"].is_null() || v["website"].as_str().is_some_and(|w| w.starts_with("https://")));
    v
}

#[test]
fn dpg_submission_claims_eligibility_only_for_a_passing_collection() {
    let claim = dpg_audit::report::submission::ELIGIBLE;
    for dir in SAMPLES {
        let json = run_in_root(&["audit", &sample(dir, "items.csv"), "--format", "json", "-q"]).json();
        let run = run_in_root(&["audit", &sample(dir, "items.csv"), "--format", "dpg-submission", "-q"]);
        let out = &run.stdout;
        let items = json["summary"]["items"].as_u64().expect("items");
        let with_errors = json["summary"]["items_with_errors"].as_u64().expect("items_with_errors");
        for label in [
            "## Solution category",
            "## Which open license(s) is/are used by your solution?",
            "## Provide evidence of use of the selected open license(s)",
            "## Where is your solution's source hosted?",
            "## Access conditions",
        ] {
            assert!(out.contains(label), "{dir}: missing {label}");
        }
        let fragment = submission_fragment(out);
        let expected_type = match json["collection"]["type"].as_str() {
            Some("ai-system") => "aimodel",
            Some(t) => t,
            None => panic!("no type"),
        };
        assert_eq!(fragment["type"], expected_type, "{dir}");
        // Every SPDX id of the report's licenses is in the fragment, with its count in the answer.
        for (license, n) in json["summary"]["by_license"].as_object().expect("by_license") {
            if ["missing", "ambiguous", "unrecognized"].contains(&license.as_str()) {
                assert!(
                    !fragment["license"].as_array().expect("license").iter().any(|l| l["spdx"] == *license)
                );
                continue;
            }
            assert!(out.contains(&format!("- {license} ({n} of {items} items)")), "{dir}: {license}");
            assert!(
                fragment["license"].as_array().expect("license").iter().any(|l| l["spdx"] == *license),
                "{dir}: {license} not in the fragment"
            );
        }
        for (host, n) in json["summary"]["by_host"].as_object().expect("by_host") {
            assert!(out.contains(&format!("- {host} ({n} items)")), "{dir}: host {host}");
        }
        match json["verdict"].as_str() {
            Some("pass") => {
                assert!(out.contains(&format!("All {items} items {claim}.")), "{dir}: {out}");
                assert!(!out.contains("## What stands in the way"), "{dir}");
            }
            Some(_) => {
                assert!(!out.contains(claim), "{dir}: a failing collection claims eligibility: {out}");
                assert!(!out.contains(&format!("All {items} items")), "{dir}");
                assert!(out.contains(&format!("{with_errors} of {items} items have errors")), "{dir}");
                assert!(out.contains("## What stands in the way"), "{dir}");
                for g in json["groups"].as_array().expect("groups") {
                    if g["severity"] == "error" && g.get("waived").is_none() {
                        assert!(
                            out.contains(&format!("- `{}`", g["rule"].as_str().expect("rule"))),
                            "{dir}: {g}"
                        );
                    }
                }
            }
            None => panic!("no verdict"),
        }
    }
}
