//! A held-out set of 513 real license statements (`tests/fixtures/license/heldout-blind.tsv`),
//! collected and labeled by another engineer from Debian copyright files, PyPI/npm/crates
//! metadata, Hugging Face dataset cards, CKAN, DCAT-AP.de and EU vocabularies and README prose,
//! without reading the normalizer or running it (sources and labeling conventions are in the
//! file's header).
//!
//! First scoring, before anything was changed for it (commit after e7366b0): 436/513 right
//! (85.0%), 25 confident errors. It has been scored since, so it is no longer blind: the figures
//! asserted here guard against regressions; a new blind set is needed to measure progress.
//!
//! Scoring: an SPDX label is right when the answer is that expression (normalized or exact);
//! `missing` / `ambiguous` / `unknown` labels when the status is the same. A *confident error* is
//! a normalized answer that is not the label.

use std::collections::BTreeMap;

use dpg_audit::license::{Status, normalize};

const SET: &str = include_str!("fixtures/license/heldout-blind.tsv");

struct Row {
    input: &'static str,
    expected: &'static str,
    class: &'static str,
    source: &'static str,
}

fn rows() -> Vec<Row> {
    SET.lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1) // the header line
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 4, "{l:?}");
            Row { input: c[0], expected: c[1], class: c[2], source: c[3] }
        })
        .collect()
}

/// Labels this project reads differently, each with the reason. The labeler's convention is
/// `unknown` for a license without an SPDX id; this project's rule (rules/normalize/README.md) is
/// to name such a license by a `LicenseRef-` (a Creative Commons port, "public domain", a ScanCode
/// key), which the policy then judges: an answer that is a `LicenseRef-` where the label is
/// `unknown` and the labeler's note says there is no SPDX id (or it is a public-domain statement)
/// is counted as right. The rows below are decided one by one.
fn reviewed(row: &Row, answer: &str) -> Option<&'static str> {
    let no_spdx_id = row.source.contains("no SPDX id")
        || row.source.contains("public domain")
        || row.source.contains("public-domain")
        || row.input.to_ascii_lowercase().contains("public domain")
        || row.input.eq_ignore_ascii_case("public-domain");
    if row.expected == "unknown" && answer.starts_with("LicenseRef-") && no_spdx_id {
        return Some("a license without an SPDX id is named by a LicenseRef (project rule)");
    }
    match (row.input, answer) {
        (i, "CC-BY-NC-4.0") if i.starts_with("[cc-4 Attribution-NonCommercial]") => {
            Some("label looks wrong: 'cc-4 Attribution-NonCommercial' names CC BY-NC 4.0")
        }
        ("SSLeay", "LicenseRef-scancode-ssleay") => Some("ScanCode's key for the SSLeay license"),
        (i, "LicenseRef-GovData-geoNutz-20130319") if i.contains("geonutz") => {
            Some("the dcat-ap.de vocabulary's GeoNutzV entry, named by a LicenseRef")
        }
        _ => None,
    }
}

/// Confident errors that are known gaps, not label questions (say in the note when one is fixed).
const KNOWN_GAPS: &[(&str, &str)] = &[
    (
        "AllenAI are releasing this dataset under the terms of ODC-BY.",
        "'also bound by ... terms of use' is not read as added terms",
    ),
    (
        "This dataset was made available under the Creative Commons Attribution 4.0 License.",
        "the conflicting URL (by-sa/4.0/e, a stray last segment) is not read, so BY and BY-SA are not compared",
    ),
];

#[test]
fn heldout_license_statements() {
    let rows = rows();
    assert!(rows.len() >= 500, "{} rows", rows.len());
    let mut per_class: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut right = 0;
    let mut errors = Vec::new();
    let mut gaps = Vec::new();
    let mut misses = Vec::new();
    for row in &rows {
        let n = normalize(row.input);
        let confident = matches!(n.status, Status::Exact | Status::Normalized);
        let answer = n.expression.clone().unwrap_or_default();
        let status = format!("{:?}", n.status).to_ascii_lowercase();
        let ok = match row.expected {
            "missing" | "ambiguous" | "unknown" => status == row.expected,
            e => confident && answer == e,
        } || (confident && reviewed(row, &answer).is_some());
        let e = per_class.entry(row.class).or_default();
        e.0 += 1;
        if ok {
            right += 1;
            e.1 += 1;
        } else if confident {
            let line = format!("{:?} -> {answer} (via {}), label {}", row.input, n.via, row.expected);
            if KNOWN_GAPS.iter().any(|(start, _)| row.input.starts_with(start)) {
                gaps.push(line);
            } else {
                errors.push(line);
            }
        } else {
            misses.push(format!(
                "{:?} -> {status} {:?} (via {}), label {}",
                row.input, n.candidates, n.via, row.expected
            ));
        }
    }
    for (class, (total, ok)) in &per_class {
        println!("{class:12} {ok}/{total} ({:.1}%)", 100.0 * *ok as f64 / *total as f64);
    }
    let rate = right as f64 / rows.len() as f64;
    println!(
        "all: {right}/{} ({:.1}%), {} confident errors outside the known gaps",
        rows.len(),
        100.0 * rate,
        errors.len()
    );
    println!("known gaps:\n  {}\nmisses:\n  {}", gaps.join("\n  "), misses.join("\n  "));
    assert!(errors.is_empty(), "confident errors:\n{}", errors.join("\n"));
    assert!(gaps.len() <= KNOWN_GAPS.len(), "{gaps:?}");
    // Measured 90.4% with the reviewed labels (87.1% against the labels as written); the
    // issue's target is 99%.
    assert!(rate >= 0.90, "{right}/{} right", rows.len());
}
