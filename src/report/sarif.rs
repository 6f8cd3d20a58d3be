//! SARIF 2.1.0 (validated in the tests against the OASIS schema in `schemas/`).
//!
//! `rules[]` lists every rule from its doc. Results are one per finding when the report holds
//! all findings and there are at most [`MAX_RESULTS`]; otherwise one per rule x key group, with
//! the count and examples in `properties`, so viewers stay usable on large collections.
//! Locations use the manifest's path as given on the command line (relative when it was); a text
//! manifest's finding has a line region, a Parquet/IPC row is in `properties.row`.

use std::io::Write;

use serde_json::{Value, json};

use super::escape::uri_path;
use super::{Criterion, Finding, Group, Report, collection_wide};
use crate::policy::Severity;
use crate::policy::rules::Rule;

/// Past this many findings results are aggregated per rule x key.
pub const MAX_RESULTS: u64 = 5_000;

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Key of our fingerprints in `partialFingerprints`; bump the version if their inputs change.
const FINGERPRINT_KEY: &str = "dpgAuditItem/v1";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (std's hasher is not).
fn fnv(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn rule_index(code: &str) -> Option<usize> {
    Rule::ALL.iter().position(|r| r.code() == code)
}

fn rules() -> Vec<Value> {
    Rule::ALL
        .iter()
        .filter_map(|r| r.doc())
        .map(|d| {
            let tags: Vec<&str> =
                Criterion::of_code(&d.code).map(Criterion::key).into_iter().chain(["dpg"]).collect();
            let references = d.references.iter().map(|r| format!("- {r}")).collect::<Vec<_>>().join("\n");
            json!({
                "id": d.code,
                "name": d.code,
                "shortDescription": {"text": d.summary.trim()},
                "fullDescription": {"text": format!("{}\n\n{}", d.summary.trim(), d.rationale.trim())},
                "help": {
                    "text": format!("{}\n\nExample: {}", d.fix.trim(), d.example.trim()),
                    "markdown": format!(
                        "**How to fix.** {}\n\n**Example.** {}\n\n**Why it matters.** {}\n\n**References.**\n\n{references}",
                        d.fix.trim(), d.example.trim(), d.rationale.trim()
                    ),
                },
                "defaultConfiguration": {"level": level(d.severity)},
                "properties": {"tags": tags, "scope": d.scope.as_str()},
            })
        })
        .collect()
}

fn location(manifest: &str, line: Option<u64>) -> Value {
    let mut physical = json!({"artifactLocation": {"uri": uri_path(manifest)}});
    if let Some(line) = line.filter(|l| *l > 0) {
        physical["region"] = json!({"startLine": line});
    }
    json!({"physicalLocation": physical})
}

fn base_result(rule: &str, severity: Severity, text: String, waived: Option<&String>) -> Value {
    let mut r = json!({
        "ruleId": rule,
        "level": level(severity),
        "message": {"text": text},
    });
    if let Some(i) = rule_index(rule) {
        r["ruleIndex"] = json!(i);
    }
    if let Some(reason) = waived {
        r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
    }
    r
}

fn finding_result(f: &Finding, fallback_manifest: Option<&str>) -> Value {
    let mut text = f.message.clone();
    if let Some(v) = &f.value
        && !text.contains(v.as_str())
    {
        text.push_str(&format!(" (value: {v})"));
    }
    let mut r = base_result(f.rule.code(), f.severity, text, f.waived.as_ref());
    if let Some(m) = f.manifest.as_deref().or(fallback_manifest) {
        r["locations"] = json!([location(m, f.line)]);
    }
    let mut props = serde_json::Map::new();
    if let Some(item) = &f.item {
        props.insert("item".into(), json!(item));
    }
    if let Some(row) = f.row {
        props.insert("row".into(), json!(row));
    }
    if let Some(v) = &f.value {
        props.insert("value".into(), json!(v));
    }
    if let Some(e) = &f.evidence {
        props.insert("evidence".into(), json!(e));
    }
    if !props.is_empty() {
        r["properties"] = Value::Object(props);
    }
    // The item id (or the row, for collection findings the rule alone) identifies a finding
    // across runs even when rows move.
    let identity = f.item.clone().or_else(|| f.row.map(|r| r.to_string())).unwrap_or_default();
    r["partialFingerprints"] = json!({
        FINGERPRINT_KEY: fnv(&[f.rule.code(), f.manifest.as_deref().unwrap_or(""), &identity, f.value.as_deref().unwrap_or("")])
    });
    r
}

fn group_result(report: &Report, g: &Group) -> Value {
    let what = if collection_wide(g) { "collection".to_string() } else { format!("{} item(s)", g.count) };
    let key = if g.key.is_empty() { String::new() } else { format!(" [{}]", g.key) };
    let mut text = format!("{}{key}: {what}: {}", g.rule, g.message);
    if !g.examples.is_empty() {
        text.push_str(&format!("; e.g. {}", g.examples.join(", ")));
    }
    let mut r = base_result(g.rule.code(), g.severity, text, g.waived.as_ref());
    // Point at the first retained finding of the group, else at the first manifest.
    let first = g.first.and_then(|i| report.findings.get(i));
    let manifest =
        first.and_then(|f| f.manifest.as_deref()).or(report.collection.manifests.first().map(String::as_str));
    if let Some(m) = manifest {
        r["locations"] = json!([location(m, first.and_then(|f| f.line))]);
    }
    let mut props = json!({"count": g.count, "key": g.key, "examples": g.examples, "aggregated": true});
    if let Some(row) = first.and_then(|f| f.row) {
        props["row"] = json!(row);
    }
    r["properties"] = props;
    r["partialFingerprints"] = json!({"dpgAuditGroup/v1": fnv(&[g.rule.code(), &g.key])});
    r
}

/// Whether results are one per rule x key rather than one per finding.
pub fn aggregated(report: &Report) -> bool {
    let total: u64 = report.groups.iter().map(|g| g.count).sum();
    report.findings_truncated || total > MAX_RESULTS || report.findings.len() as u64 > MAX_RESULTS
}

pub fn to_value(report: &Report) -> Value {
    let results: Vec<Value> = if aggregated(report) {
        report.groups.iter().map(|g| group_result(report, g)).collect()
    } else {
        let fallback = report.collection.manifests.first().map(String::as_str);
        report.findings.iter().map(|f| finding_result(f, fallback)).collect()
    };
    let artifacts: Vec<Value> =
        report.collection.manifests.iter().map(|m| json!({"location": {"uri": uri_path(m)}})).collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules(),
            }},
            "artifacts": artifacts,
            "results": results,
            "properties": {
                "verdict": report.verdict.as_str(),
                "dpgType": report.collection.dpg_type,
                "profile": report.collection.profile,
                "items": report.summary.items,
                "itemsWithErrors": report.summary.items_with_errors,
                "aggregated": aggregated(report),
            },
        }],
    })
}

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    super::escape::json_to_writer_pretty(&mut *out, &to_value(report))?;
    out.write_all(b"\n")
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::report::{Collection, Summary, Tool, Verdict};

    /// A report built by hand: one CSV finding with a line, one Parquet finding without.
    pub(crate) fn sample_report() -> Report {
        let finding = |manifest: &str, row: u64, line: Option<u64>| Finding {
            rule: Rule::LicenseNotApproved,
            severity: Severity::Error,
            item: Some(format!("item-{row}")),
            manifest: Some(manifest.into()),
            row: Some(row),
            line,
            message: "CC-BY-NC-4.0 is not acceptable for open data: NonCommercial".into(),
            value: Some("CC BY-NC 4.0".into()),
            evidence: None,
            waived: None,
        };
        Report {
            schema_version: 1,
            tool: Tool::default(),
            collection: Collection {
                dpg_type: "data",
                profile: "dpg".into(),
                manifests: vec!["data/items.csv".into(), "data/more items.parquet".into()],
                items: 10,
                name: Some("hand-built".into()),
            },
            verdict: Verdict::Fail,
            summary: Summary {
                items: 10,
                items_with_errors: 2,
                by_rule: BTreeMap::from([("license-not-approved".into(), 2)]),
                by_license: BTreeMap::from([("CC-BY-4.0".into(), 8), ("CC-BY-NC-4.0".into(), 2)]),
                waived: BTreeMap::new(),
                unused_exceptions: Vec::new(),
                by_host: BTreeMap::new(),
            },
            groups: vec![Group {
                rule: Rule::LicenseNotApproved,
                severity: Severity::Error,
                key: "CC BY-NC 4.0".into(),
                count: 2,
                examples: vec!["item-3".into(), "item-7".into()],
                waived: None,
                message: "CC-BY-NC-4.0 is not acceptable for open data: NonCommercial".into(),
                first: Some(0),
            }],
            findings: vec![
                finding("data/items.csv", 3, Some(4)),
                finding("data/more items.parquet", 7, None),
            ],
            findings_truncated: false,
            url_checks: false,
            notes: Vec::new(),
            skipped: Vec::new(),
        }
    }

    #[test]
    fn text_rows_get_a_line_region_and_parquet_rows_a_row_property() {
        let v = to_value(&sample_report());
        let results = v["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 2);
        let csv = &results[0];
        assert_eq!(csv["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "data/items.csv");
        assert_eq!(csv["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
        assert_eq!(csv["properties"]["row"], 3);
        let pq = &results[1];
        assert_eq!(
            pq["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "data/more%20items.parquet"
        );
        assert!(pq["locations"][0]["physicalLocation"].get("region").is_none());
        assert_eq!(pq["properties"]["row"], 7);
        assert_eq!(csv["level"], "error");
        assert_ne!(csv["partialFingerprints"][FINGERPRINT_KEY], pq["partialFingerprints"][FINGERPRINT_KEY]);
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"][csv["ruleIndex"].as_u64().expect("index") as usize]["id"],
            "license-not-approved"
        );
    }

    #[test]
    fn many_findings_are_aggregated_per_group() {
        let mut r = sample_report();
        r.groups[0].count = MAX_RESULTS + 1;
        let v = to_value(&r);
        let results = v["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 1);
        assert_eq!(results[0]["properties"]["count"], MAX_RESULTS + 1);
        assert_eq!(results[0]["locations"][0]["physicalLocation"]["region"]["startLine"], 4);
        assert_eq!(v["runs"][0]["properties"]["aggregated"], true);
    }

    #[test]
    fn every_rule_has_full_description_and_help() {
        let rules = rules();
        assert_eq!(rules.len(), Rule::ALL.len());
        for r in &rules {
            for key in ["fullDescription", "help", "shortDescription"] {
                let text = r[key]["text"].as_str().unwrap_or("");
                assert!(!text.trim().is_empty(), "{}: {key} empty", r["id"]);
            }
            assert!(!r["help"]["markdown"].as_str().unwrap_or("").is_empty());
        }
    }

    #[test]
    fn fingerprints_are_stable() {
        // A fixed value: fingerprints must not change between runs or builds.
        assert_eq!(fnv(&["a", "b"]), fnv(&["a", "b"]));
        assert_ne!(fnv(&["ab", ""]), fnv(&["a", "b"]));
        assert_eq!(fnv(&[]), "cbf29ce484222325");
    }
}
