//! License normalization: a raw license statement from a manifest -> an SPDX expression plus
//! an honest status. Interface used by the audit; internals are built out by the normalizer work.

use serde::Serialize;

/// How sure we are about a statement. Names are the contract's `status` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Already a canonical SPDX expression.
    Exact,
    /// Recognized and mapped with certainty.
    Normalized,
    /// A family without version or type: several candidates, no expression.
    Ambiguous,
    /// Not recognized.
    Unknown,
    /// Empty or a placeholder (NOASSERTION, unknown, other, notspecified).
    Missing,
}

/// The outcome of normalizing one raw statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    /// Canonical SPDX expression; `None` unless status is exact or normalized.
    pub expression: Option<String>,
    pub status: Status,
    /// For `ambiguous`: the licenses the statement may mean.
    pub candidates: Vec<String>,
    /// How it was recognized (layer name), for reports and debugging.
    pub via: &'static str,
    /// Deprecated SPDX ids the statement used, with their canonical replacement.
    pub deprecated: Vec<(String, String)>,
}

/// Normalizes one raw license statement.
pub fn normalize(raw: &str) -> Normalized {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Normalized::none(Status::Missing, "empty");
    }
    match spdx::Expression::parse_mode(trimmed, spdx::ParseMode::LAX) {
        Ok(expr) => {
            let canonical = expr.to_string();
            let status = if canonical == trimmed { Status::Exact } else { Status::Normalized };
            Normalized {
                expression: Some(canonical),
                status,
                candidates: Vec::new(),
                via: "spdx",
                deprecated: Vec::new(),
            }
        }
        Err(_) => Normalized::none(Status::Unknown, "none"),
    }
}

/// Normalizes a statement whose version is held in a separate column (Openverse: `by-nc` + `2.0`).
pub fn normalize_with_version(license: &str, version: &str) -> Normalized {
    if version.trim().is_empty() {
        return normalize(license);
    }
    normalize(&format!("{} {}", license.trim(), version.trim()))
}

impl Normalized {
    fn none(status: Status, via: &'static str) -> Self {
        Normalized { expression: None, status, candidates: Vec::new(), via, deprecated: Vec::new() }
    }
}
