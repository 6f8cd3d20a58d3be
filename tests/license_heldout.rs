//! A held-out set of 513 real license statements (`tests/fixtures/license/heldout-blind.tsv`),
//! collected and labeled by another engineer from Debian copyright files, PyPI/npm/crates
//! metadata, Hugging Face dataset cards, CKAN, DCAT-AP.de and EU vocabularies and README prose,
//! without reading the normalizer or running it (sources and labeling conventions are in the
//! file's header).
//!
//! First scoring, before anything was changed for it (commit after e7366b0): 436/513 right
//! (85.0%), 25 confident errors. A second blind set (`heldout-blind-2.tsv`, 595 rows from
//! conda-forge, CRAN, Maven, Gentoo, RPM, the Italian DCAT-AP_IT vocabulary and README prose in
//! eleven languages, same conventions) scored 404/595 (67.9%) with 47 confident errors at its
//! first run; see `heldout_license_statements_second_set`. It has been scored since, so it is no longer blind: the figures
//! asserted here guard against regressions; a new blind set is needed to measure progress.
//!
//! Scoring: an SPDX label is right when the answer is that expression (normalized or exact);
//! `missing` / `ambiguous` / `unknown` labels when the status is the same. A *confident error* is
//! a normalized answer that is not the label.

use std::collections::BTreeMap;

use dpg_audit::license::{Status, normalize};

const SET: &str = include_str!("fixtures/license/heldout-blind.tsv");
const SET_2: &str = include_str!("fixtures/license/heldout-blind-2.tsv");

struct Row {
    input: &'static str,
    expected: &'static str,
    class: &'static str,
    source: &'static str,
}

fn rows(set: &'static str) -> Vec<Row> {
    set.lines()
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
    // A `LicenseRef-` the declarer wrote is kept as declared (the policy then finds it on no
    // approved list); the second set labels these `unknown` (or `missing` for a TODO ref).
    if answer == row.input.trim() && row.input.contains("LicenseRef-") {
        return Some("a LicenseRef written by the declarer is kept as written; the policy judges it");
    }
    // The second set's labeler wrote `unknown` for every license without an SPDX id, with no note;
    // the project names those by a LicenseRef (CC ports, ScanCode keys, public domain), as above.
    let only_refs_beyond_spdx = answer.split([' ', '(', ')']).filter(|t| !t.is_empty()).all(|t| {
        matches!(t, "AND" | "OR" | "WITH") || t.starts_with("LicenseRef-") || !t.contains("LicenseRef")
    }) && answer.contains("LicenseRef-");
    if row.expected == "unknown"
        && only_refs_beyond_spdx
        && (answer.contains("LicenseRef-CC-")
            || answer.contains("LicenseRef-scancode-")
            || answer.contains("public-domain"))
    {
        return Some("a license without an SPDX id is named by a LicenseRef (project rule)");
    }
    match (row.input, answer) {
        (i, "OGL-Canada-2.0") if i.contains("open-government-licence-canada") => Some(
            "the SPDX list names OGL-Canada-2.0 'Open Government Licence - Canada' with this unversioned URL",
        ),
        ("NCL Source Code License", "NCL") => {
            Some("label looks wrong: 'NCL Source Code License' is the SPDX full name of NCL")
        }
        ("https://github.com/Unidata/UDUNITS-2/blob/master/COPYRIGHT", "UCAR") => {
            Some("the SPDX license list gives this URL as UCAR's reference text")
        }
        ("http://www.repoze.org/LICENSE.txt", "BSD-3-Clause-Modification") => {
            Some("ScanCode's LicenseDB gives this URL for the Repoze license (BSD-3-Clause-Modification)")
        }
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
    // The second set's confident errors after its first scoring and the fixes that followed.
    ("GPL2 w/ CPE", "'w/ CPE' (with the Classpath exception) is not read and not kept: dropped"),
    (
        "W3C SOFTWARE NOTICE AND LICENSE",
        "ScanCode names its key w3c so, but SPDX has two dated W3C notices: ambiguous would be right",
    ),
    ("NIST public domain", "NIST-PD is not reached from the prose 'NIST public domain'"),
    ("GPL-2.0 and FreeType (", "a conjunct with a URL in brackets is not read on its own: FTL dropped"),
    (
        "Creative Commons Namensnennung - Weitergabe unter gleichen Bedingungen 2.0 Italien",
        "the German name of the Italian port ('Italien') is not in cc-ports.tsv",
    ),
    ("本数据集采用 [许可证类型", "a template's '[license type, e.g. CC BY-NC 4.0]' is read as a grant"),
    (
        "Database: Open Database, Contents: Database Contents",
        "Kaggle's DbCL for the contents is not read, so only ODbL is named",
    ),
];

/// What one set scored.
struct Score {
    rows: usize,
    right: usize,
    /// Confident errors outside `KNOWN_GAPS`.
    errors: Vec<String>,
    gaps: Vec<String>,
}

fn score(set: &'static str) -> Score {
    let rows = rows(set);
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
    println!("confident errors:\n  {}", errors.join("\n  "));
    Score { rows: rows.len(), right, errors, gaps }
}

#[test]
fn heldout_license_statements() {
    let s = score(SET);
    assert!(s.rows >= 500, "{} rows", s.rows);
    assert!(s.errors.is_empty(), "confident errors:\n{}", s.errors.join("\n"));
    assert!(s.gaps.len() <= KNOWN_GAPS.len(), "{:?}", s.gaps);
    // Measured 90.4% with the reviewed labels (87.1% against the labels as written); the
    // issue's target is 99%.
    let rate = s.right as f64 / s.rows as f64;
    assert!(rate >= 0.90, "{}/{} right", s.right, s.rows);
}

#[test]
fn heldout_license_statements_second_set() {
    let s = score(SET_2);
    assert!(s.rows >= 500, "{} rows", s.rows);
    assert!(s.errors.is_empty(), "confident errors:\n{}", s.errors.join("\n"));
    // First scoring, blind (before any change for it): 404/595 (67.9%), 47 confident errors.
    // After the grammar layer (CRAN, Gentoo, `&`/`|`), deferral placeholders, the Italian
    // vocabulary and the reviewed labels: 509/595 (85.5%), 7 confident errors, all in KNOWN_GAPS.
    let rate = s.right as f64 / s.rows as f64;
    assert!(rate >= 0.855, "{}/{} right", s.right, s.rows);
}
