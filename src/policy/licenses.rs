//! Which licenses a DPG type accepts. The lists are data (`rules/licenses/*.toml`); this file
//! holds the reasons a license fails, which follow from how Creative Commons names its licenses.

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::Deserialize;

use super::exceptions::glob;
use super::profile::Profile;
use crate::config::DpgType;

/// A license list file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    /// Where the approved list comes from.
    #[serde(default)]
    source: String,
    #[serde(default)]
    osi_approved: bool,
    approved: Vec<String>,
    /// Ids or patterns (`*`, `?`): a license on no list that matches one is reviewed, not
    /// rejected (jurisdiction ports for content).
    #[serde(default)]
    review: Vec<String>,
    /// Why a listed or unlisted id is reviewed or rejected, with the source that says so.
    #[serde(default)]
    reason: Vec<ReasonFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonFile {
    ids: Vec<String>,
    reason: String,
    source: String,
}

/// The lists for one DPG type.
#[derive(Debug)]
pub struct LicenseList {
    path: &'static str,
    source: String,
    osi_approved: bool,
    approved: HashSet<String>,
    /// The approved ids in the file's order, for listing them.
    approved_order: Vec<String>,
    review: Vec<String>,
    reasons: Vec<(Vec<String>, String)>,
}

impl LicenseList {
    fn in_review(&self, id: &str) -> bool {
        self.review.iter().any(|p| glob(p.as_bytes(), id.as_bytes()))
    }

    /// The reason the list file gives for `id`, first matching entry first.
    fn reason(&self, id: &str) -> Option<&str> {
        self.reasons
            .iter()
            .find(|(ids, _)| ids.iter().any(|p| glob(p.as_bytes(), id.as_bytes())))
            .map(|(_, r)| r.as_str())
    }
}

const LIST_FILES: [(&str, &str); 3] = [
    ("rules/licenses/data.toml", include_str!("../../rules/licenses/data.toml")),
    ("rules/licenses/content.toml", include_str!("../../rules/licenses/content.toml")),
    ("rules/licenses/software.toml", include_str!("../../rules/licenses/software.toml")),
];

static LISTS: LazyLock<Result<[LicenseList; 3], String>> = LazyLock::new(|| {
    let parse = |(path, text): (&'static str, &str)| -> Result<LicenseList, String> {
        let file: ListFile = toml::from_str(text).map_err(|e| format!("{path}: {}", e.message().trim()))?;
        // A reason without its source would be a claim nobody can check.
        if let Some(r) = file.reason.iter().find(|r| r.source.trim().is_empty() || r.reason.trim().is_empty())
        {
            return Err(format!(
                "{path}: a [[reason]] for {} has an empty reason or source",
                r.ids.join(", ")
            ));
        }
        Ok(LicenseList {
            path,
            source: file.source,
            osi_approved: file.osi_approved,
            approved: file.approved.iter().cloned().collect(),
            approved_order: file.approved,
            review: file.review,
            reasons: file.reason.into_iter().map(|r| (r.ids, r.reason)).collect(),
        })
    };
    Ok([parse(LIST_FILES[0])?, parse(LIST_FILES[1])?, parse(LIST_FILES[2])?])
});

/// Checks the embedded lists parse; the message names the broken file.
pub fn check_lists() -> Result<(), String> {
    LISTS.as_ref().map(|_| ()).map_err(Clone::clone)
}

/// Every id the list files name, with the file (for the test that they are valid ids).
pub fn listed_ids() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for (path, text) in LIST_FILES {
        if let Ok(file) = toml::from_str::<ListFile>(text) {
            // Patterns are not ids; the test that listed ids are valid checks exact ids only.
            out.extend(
                file.approved
                    .into_iter()
                    .chain(file.review)
                    .filter(|id| !id.contains(['*', '?']))
                    .map(|id| (path, id)),
            );
        }
    }
    out
}

/// What `dpg-audit rules licenses` shows: the licenses a DPG type accepts under a profile and the
/// ones left to reviewers, each with where it comes from or why.
#[derive(Debug, Clone, Default)]
pub struct Acceptable {
    /// (id or pattern, why it is approved).
    pub approved: Vec<(String, String)>,
    /// Whether every OSI-approved license is approved too (software, and AI systems' code).
    pub osi_approved: bool,
    /// (id or pattern, the reason reviewers decide).
    pub review: Vec<(String, String)>,
}

/// The licenses `dpg_type` accepts under `profile`, read from the same lists [`classify`] uses.
pub fn acceptable(dpg_type: DpgType, profile: &Profile) -> Result<Acceptable, String> {
    let [data, content, software] = LISTS.as_ref().map_err(Clone::clone)?;
    let lists: Vec<&LicenseList> = match dpg_type {
        DpgType::Data => vec![data],
        DpgType::Content => vec![content],
        DpgType::Software => vec![software],
        // Training data follows the data rules and code the software rules (see `classify`).
        DpgType::AiSystem => vec![data, software],
    };
    let mut out = Acceptable::default();
    for list in lists {
        out.osi_approved |= list.osi_approved;
        for id in &list.approved_order {
            out.approved.push((id.clone(), format!("{} ({})", list.source, list.path)));
        }
        for id in &list.review {
            // An id the profile approves is not left to reviewers.
            if profile.approves(id, dpg_type) {
                continue;
            }
            let reason = list.reason(id).map_or_else(|| review_reason(id), str::to_string);
            out.review.push((id.clone(), reason));
        }
    }
    for id in profile.approved_patterns(dpg_type) {
        if !out.approved.iter().any(|(a, _)| a == id) {
            let why = format!("approved by profile `{}`: {}", profile.name, profile.description);
            out.approved.push((id.to_string(), why));
        }
    }
    Ok(out)
}

/// How one license fares for a DPG type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    Approved,
    Review(String),
    Rejected(String),
}

impl Class {
    pub fn rank(&self) -> u8 {
        match self {
            Class::Rejected(_) => 0,
            Class::Review(_) => 1,
            Class::Approved => 2,
        }
    }
}

/// What a DPG type is called in messages.
pub fn type_phrase(t: DpgType) -> &'static str {
    match t {
        DpgType::Data => "open data",
        DpgType::Content => "content",
        DpgType::Software => "software",
        DpgType::AiSystem => "an AI system",
    }
}

fn lists() -> Option<&'static [LicenseList; 3]> {
    LISTS.as_ref().ok()
}

/// Classifies one license id (`CC-BY-4.0`, `LicenseRef-...`) for a DPG type.
pub fn classify(id: &str, osi: bool, dpg_type: DpgType, profile: &Profile) -> Class {
    let Some([data, content, software]) = lists() else {
        return Class::Review("the license lists could not be read".into());
    };
    let in_list = |list: &LicenseList| -> Option<Class> {
        if list.approved.contains(id) || (list.osi_approved && osi) || profile.approves(id, dpg_type) {
            Some(Class::Approved)
        } else if list.in_review(id) {
            Some(Class::Review(list.reason(id).map_or_else(|| review_reason(id), str::to_string)))
        } else {
            None
        }
    };
    let found = match dpg_type {
        DpgType::Data => in_list(data),
        DpgType::Content => in_list(content),
        DpgType::Software => in_list(software),
        // An AI system's training data follows the data rules and its code the software rules.
        DpgType::AiSystem => match (in_list(data), in_list(software)) {
            (Some(Class::Approved), _) | (_, Some(Class::Approved)) => Some(Class::Approved),
            (a, b) => a.or(b),
        },
    };
    let listed_reason = match dpg_type {
        DpgType::Data | DpgType::AiSystem => data.reason(id),
        DpgType::Content => content.reason(id),
        DpgType::Software => software.reason(id),
    };
    match found {
        Some(class) => class,
        None if profile.approves(id, dpg_type) => Class::Approved,
        None => Class::Rejected(listed_reason.map_or_else(|| rejection_reason(id, dpg_type), str::to_string)),
    }
}

/// The reason for a reviewed license whose list file gives none. It claims nothing about the
/// Open Definition: only the list files say which licenses it names.
fn review_reason(id: &str) -> String {
    if id == "CC-PDM-1.0" || id.contains("public-domain") {
        "a public-domain mark is on no DPG license list; reviewers decide".to_string()
    } else {
        "not on the DPGA's list; reviewers decide".to_string()
    }
}

/// Why a license is not acceptable, in the words of the DPG rules.
fn rejection_reason(id: &str, dpg_type: DpgType) -> String {
    // The normalizer's answer for "all rights reserved" / "no reuse": a statement, not a license.
    if id == crate::license::ALL_RIGHTS_RESERVED {
        return "no open license is granted (all rights reserved)".into();
    }
    let upper = id.to_ascii_uppercase();
    let parts: Vec<&str> = upper.trim_start_matches("LICENSEREF-").split('-').collect();
    let is_cc = parts.first() == Some(&"CC") && parts.get(1) == Some(&"BY");
    if is_cc && parts.contains(&"ND") {
        return "NoDerivatives licenses are never accepted".into();
    }
    let data_rules = matches!(dpg_type, DpgType::Data | DpgType::AiSystem);
    if is_cc && parts.contains(&"NC") {
        if data_rules {
            return "NonCommercial".into();
        }
        return format!("this NonCommercial variant is not on the DPG list for {}", type_phrase(dpg_type));
    }
    if is_cc && data_rules {
        return "CC BY and BY-SA before 4.0 are accepted for content, not for data (3.0 IGO excepted)".into();
    }
    if id.starts_with("LicenseRef-") {
        return "custom or unlisted terms (no SPDX id) are not on the DPG list".into();
    }
    if dpg_type == DpgType::Software {
        return "not OSI-approved".into();
    }
    format!("not on the DPG license list for {}", type_phrase(dpg_type))
}

/// Classifies an SPDX expression: OR passes when any branch passes, AND needs every part, and a
/// WITH exception stays with its license. Returns the class and the parts that failed.
pub fn classify_expression(
    expr: &spdx::Expression,
    dpg_type: DpgType,
    profile: &Profile,
) -> (Class, Vec<(String, Class)>) {
    let class_of = |req: &spdx::LicenseReq| -> Class {
        match &req.license {
            spdx::LicenseItem::Spdx { id, .. } => {
                classify(&req.license.to_string(), id.is_osi_approved(), dpg_type, profile)
            }
            spdx::LicenseItem::Other(r) => {
                classify(&format!("LicenseRef-{}", r.lic_ref), false, dpg_type, profile)
            }
        }
    };
    // Three-valued logic (rejected < review < approved) from two boolean passes.
    let strict = expr.evaluate(|req| class_of(req) == Class::Approved);
    let lenient = expr.evaluate(|req| class_of(req).rank() >= 1);
    let mut parts = Vec::new();
    for req in expr.requirements() {
        let class = class_of(&req.req);
        if class != Class::Approved {
            let name = req.req.license.to_string();
            if !parts.iter().any(|(n, _)| *n == name) {
                parts.push((name, class));
            }
        }
    }
    let class = if strict {
        Class::Approved
    } else if lenient {
        let reason = parts
            .iter()
            .find_map(|(_, c)| if let Class::Review(r) = c { Some(r.clone()) } else { None })
            .unwrap_or_default();
        Class::Review(reason)
    } else {
        let reason = parts
            .iter()
            .find_map(|(_, c)| if let Class::Rejected(r) = c { Some(r.clone()) } else { None })
            .unwrap_or_default();
        Class::Rejected(reason)
    };
    (class, parts)
}
