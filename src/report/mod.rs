//! The report: one model, built once by the audit and rendered by each format. The core never
//! prints; renderers write to any `Write`.

pub mod findings;
pub mod json;
pub mod terminal;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::policy::Severity;

/// Version of the JSON report's shape; bumped only for incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub collection: Collection,
    pub verdict: Verdict,
    pub summary: Summary,
    pub groups: Vec<Group>,
    pub findings: Vec<Finding>,
    pub findings_truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Tool { name: env!("CARGO_PKG_NAME"), version: env!("CARGO_PKG_VERSION") }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Collection {
    #[serde(rename = "type")]
    pub dpg_type: &'static str,
    pub profile: String,
    pub manifests: Vec<String>,
    pub items: u64,
    /// The collection's name from its config (not part of the JSON report).
    #[serde(skip)]
    pub name: Option<String>,
}

/// `pass`: no errors and no warnings; `review`: warnings only; `fail`: any error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Review,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Review => "review",
            Verdict::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub items: u64,
    pub items_with_errors: u64,
    pub by_rule: BTreeMap<String, u64>,
    pub by_license: BTreeMap<String, u64>,
    /// Findings waived by the config's exceptions, per rule (absent when none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub waived: BTreeMap<String, u64>,
    /// Exceptions that waived nothing (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unused_exceptions: Vec<String>,
}

/// Findings of one rule that share a key (the same license string, the same URL problem, ...).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub rule: String,
    pub severity: Severity,
    pub key: String,
    pub count: u64,
    pub examples: Vec<String>,
    /// The exception's reason, when these findings are waived (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
    /// The message of the group's first finding, for human-readable reports.
    #[serde(skip)]
    pub message: String,
}

/// One finding. Item findings carry item, manifest and row; collection findings carry none.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub item: Option<String>,
    pub manifest: Option<String>,
    pub row: Option<u64>,
    /// 1-based physical line in a text manifest (CSV, NDJSON, JSON array) where the row starts;
    /// absent for Parquet/IPC and for collection findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub message: String,
    pub value: Option<String>,
    /// Where the judged value came from when not the item itself (e.g. a license inherited
    /// from the dataset in portal metadata); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The exception's reason, when waived (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<String>,
}

impl Report {
    /// Counts of findings at `severity`, over all rules.
    pub fn count(&self, severity: Severity) -> u64 {
        self.groups.iter().filter(|g| g.severity == severity && g.waived.is_none()).map(|g| g.count).sum()
    }
}
