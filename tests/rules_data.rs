//! The data under rules/ is complete and consistent: one doc per rule code, codes unique, and
//! every license a list names is a real SPDX id or an explicit LicenseRef.

use std::collections::HashSet;

use dpg_audit::policy::rules::{self, Rule};
use dpg_audit::policy::{Scope, licenses};

#[test]
fn every_rule_has_a_doc_file_and_codes_are_unique() {
    let docs = rules::docs().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(docs.len(), Rule::ALL.len());
    let codes: HashSet<&str> = docs.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes.len(), docs.len(), "duplicate codes");
    for rule in Rule::ALL {
        let doc = rule.doc().unwrap_or_else(|| panic!("no doc for {}", rule.code()));
        assert!(!doc.summary.trim().is_empty(), "{} has an empty summary", rule.code());
    }
    // The contract's collection rules.
    for code in ["mixed-licensing", "declared-license-mismatch", "access-location-scattered"] {
        let rule = Rule::from_code(code).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(rule.doc().map(|d| d.scope), Some(Scope::Collection), "{code}");
    }
}

#[test]
fn license_lists_name_real_ids() {
    let ids = licenses::listed_ids();
    assert!(ids.len() > 40, "lists look empty: {}", ids.len());
    let bad: Vec<String> = ids
        .iter()
        .filter(|(_, id)| !id.starts_with("LicenseRef-") && !dpg_audit::license::is_spdx_listed(id))
        .map(|(file, id)| format!("{file}: {id}"))
        .collect();
    assert!(bad.is_empty(), "not SPDX ids (use LicenseRef- for licenses SPDX lacks): {bad:?}");
    licenses::check_lists().unwrap_or_else(|e| panic!("{e}"));
}
