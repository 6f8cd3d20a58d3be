//! The sample collections in `sample-data/` audit as their READMEs say: verdict, exit code, item
//! count, items per license and the findings per rule. Each sample is audited three ways, which
//! must agree apart from the manifest's name: its folder (what `scripts/audit-samples.sh` and
//! the README run), its CSV, and a Parquet twin of the CSV (made with
//! `examples/csv_to_parquet.rs`, kept in `tests/fixtures/samples/` so that each sample folder
//! holds one manifest) beside a copy of the sample's config. The config is discovered beside the
//! manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Rules whose scope is the whole collection: their count is not a number of items, so these
/// tests only check that they fire (or do not).
const COLLECTION_RULES: &[&str] =
    &["mixed-licensing", "declared-license-mismatch", "access-location-scattered"];

/// What a sample's README states.
struct Expected {
    dir: &'static str,
    dpg_type: &'static str,
    verdict: &'static str,
    code: i32,
    items: u64,
    items_with_errors: u64,
    by_license: &'static [(&'static str, u64)],
    /// Every rule that fires: item rules with their finding count, collection rules with 0
    /// (meaning: present, count not checked).
    by_rule: &'static [(&'static str, u64)],
    /// Rule and a substring every one of its findings' `value` holds.
    values: &'static [(&'static str, &'static [&'static str])],
}

struct Run {
    code: i32,
    report: Value,
}

fn sample(dir: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(dir).join(file)
}

fn audit(path: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .arg("audit")
        .arg(path)
        .args(["--format", "json", "--quiet"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run dpg-audit: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "dpg-audit panicked on {}: {stderr}", path.display());
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not a JSON report ({e}); exit {:?}; stderr: {stderr}",
            path.display(),
            out.status
        )
    });
    Run { code: out.status.code().unwrap_or(-1), report }
}

fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .map(|o| o.iter().map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(u64::MAX))).collect())
        .unwrap_or_default()
}

fn check(exp: &Expected, path: &Path) -> Value {
    let run = audit(path);
    let r = &run.report;
    let what = path.display().to_string();
    let summary = &r["summary"];
    let context = format!("{what}: summary {summary}");

    assert_eq!(r["schema_version"], 1, "{context}");
    assert_eq!(r["collection"]["type"], exp.dpg_type, "{context}");
    assert_eq!(r["collection"]["items"], exp.items, "{context}");
    assert_eq!(summary["items"], exp.items, "{context}");

    let by_license = counts(&summary["by_license"]);
    let want: BTreeMap<String, u64> = exp.by_license.iter().map(|(k, n)| (k.to_string(), *n)).collect();
    assert_eq!(by_license, want, "{what}: by_license");
    assert_eq!(by_license.values().sum::<u64>(), exp.items, "{what}: by_license covers every item");

    let by_rule = counts(&summary["by_rule"]);
    let fired: Vec<&String> = by_rule.keys().collect();
    let mut wanted: Vec<&str> = exp.by_rule.iter().map(|(k, _)| *k).collect();
    wanted.sort_unstable();
    assert_eq!(fired, wanted, "{what}: rules that fire; by_rule {by_rule:?}");
    for (rule, n) in exp.by_rule {
        if COLLECTION_RULES.contains(rule) {
            assert!(by_rule.get(*rule).is_some_and(|c| *c >= 1), "{what}: {rule} fires; {by_rule:?}");
        } else {
            assert_eq!(by_rule.get(*rule), Some(n), "{what}: findings of {rule}; {by_rule:?}");
        }
    }
    assert_eq!(summary["items_with_errors"], exp.items_with_errors, "{context}");

    for (rule, substrings) in exp.values {
        let findings: Vec<&Value> = r["findings"]
            .as_array()
            .map(|a| a.iter().filter(|f| f["rule"] == *rule).collect())
            .unwrap_or_default();
        let expected = by_rule.get(*rule).copied().unwrap_or(0);
        assert_eq!(findings.len() as u64, expected, "{what}: every {rule} finding is listed");
        for f in findings {
            let value = f["value"].as_str().unwrap_or_default();
            assert!(
                substrings.iter().any(|s| value.contains(s)),
                "{what}: {rule} on a value other than {substrings:?}: {f}"
            );
            assert!(f["item"].is_string() && f["row"].as_u64().is_some_and(|row| row >= 1), "{what}: {f}");
        }
    }

    assert_eq!(r["verdict"], exp.verdict, "{context}");
    assert_eq!(run.code, exp.code, "{what}: exit code (verdict {})", r["verdict"]);
    run.report
}

/// The report with the manifest's name taken out, for comparing the CSV and Parquet runs. Text
/// lines go too: only a text manifest has them (a CSV finding's `line` points into the file).
fn without_manifest_name(mut report: Value) -> Value {
    if let Some(findings) = report["findings"].as_array_mut() {
        for f in findings.iter_mut().filter_map(Value::as_object_mut) {
            f.remove("line");
        }
    }
    let names: Vec<String> = report["collection"]["manifests"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    report["collection"]["manifests"] = Value::Null;
    fn scrub(v: &mut Value, names: &[String]) {
        match v {
            Value::String(s) => {
                for name in names {
                    if s.contains(name.as_str()) {
                        *s = s.replace(name.as_str(), "<manifest>");
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|v| scrub(v, names)),
            Value::Object(o) => o.values_mut().for_each(|v| scrub(v, names)),
            _ => {}
        }
    }
    scrub(&mut report, &names);
    report
}

fn check_both(exp: &Expected) {
    let csv = check(exp, &sample(exp.dir, "items.csv"));
    let mut folder = check(exp, &sample(exp.dir, ""));
    // A folder audit lists what it did not audit: here only the README and the config.
    let skipped = folder.as_object_mut().and_then(|o| o.remove("skipped")).unwrap_or_default();
    let mut names: Vec<String> = skipped
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["path"].as_str())
                .map(|p| p.rsplit('/').next().unwrap_or(p).to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    assert_eq!(names, ["README.md", "dpg-audit.toml"], "{}: skipped files", exp.dir);
    assert_eq!(
        without_manifest_name(csv.clone()),
        without_manifest_name(folder),
        "{}: the folder and its CSV give different reports",
        exp.dir
    );
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples").join(exp.dir);
    // The twin's config is a copy of the sample's, found beside it like the sample's own.
    let read = |p: PathBuf| std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(
        read(fixtures.join("dpg-audit.toml")),
        read(sample(exp.dir, "dpg-audit.toml")),
        "{}: the Parquet twin's config differs from the sample's",
        exp.dir
    );
    let parquet = fixtures.join("items.parquet");
    let parquet = check(exp, &parquet);
    assert_eq!(
        without_manifest_name(csv),
        without_manifest_name(parquet),
        "{}: the CSV and the Parquet file give different reports",
        exp.dir
    );
}

/// Each sample folder holds exactly one manifest, so a folder audit is the collection its README
/// describes (a second copy of the items would make every id a duplicate).
#[test]
fn each_sample_folder_holds_one_manifest() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    for entry in std::fs::read_dir(&root).expect("sample-data") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        let manifests: Vec<String> = std::fs::read_dir(&dir)
            .expect("sample folder")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .filter(|n| n != "README.md" && n != "dpg-audit.toml")
            .collect();
        assert_eq!(
            manifests.len(),
            1,
            "{}: expected one manifest or catalog, found {manifests:?}",
            dir.display()
        );
    }
}

#[test]
fn open_data_portal_passes() {
    check_both(&Expected {
        dir: "open-data-portal",
        dpg_type: "data",
        verdict: "pass",
        code: 0,
        items: 68,
        items_with_errors: 0,
        by_license: &[("CC-BY-4.0", 68)],
        by_rule: &[],
        values: &[],
    });
}

#[test]
fn biodiversity_occurrences_fail_on_noncommercial() {
    check_both(&Expected {
        dir: "biodiversity-occurrences",
        dpg_type: "data",
        verdict: "fail",
        code: 1,
        items: 108,
        items_with_errors: 30,
        by_license: &[("CC0-1.0", 47), ("CC-BY-4.0", 31), ("CC-BY-NC-4.0", 30)],
        by_rule: &[("license-not-approved", 30), ("mixed-licensing", 0)],
        values: &[("license-not-approved", &["/by-nc/4.0/"])],
    });
}

#[test]
fn openverse_images_fail_on_noderivatives_and_noncommercial() {
    check_both(&Expected {
        dir: "openverse-images",
        dpg_type: "content",
        verdict: "fail",
        code: 1,
        items: 96,
        // 6 NoDerivatives and, since the DPGA's 2026 guidance, 17 NonCommercial images.
        items_with_errors: 23,
        by_license: &[
            ("CC-BY-2.0", 28),
            ("CC-BY-4.0", 8),
            ("CC-BY-SA-2.0", 16),
            ("CC-BY-SA-4.0", 4),
            ("CC0-1.0", 10),
            ("CC-BY-NC-2.0", 14),
            ("CC-BY-NC-4.0", 3),
            ("CC-BY-ND-2.0", 5),
            ("CC-BY-ND-4.0", 1),
            ("CC-PDM-1.0", 7),
        ],
        by_rule: &[("license-not-approved", 23), ("license-needs-review", 7), ("mixed-licensing", 0)],
        values: &[("license-not-approved", &["by-n"]), ("license-needs-review", &["pdm"])],
    });
}
