//! Which manifest column holds which field: auto-detected by name, or mapped by the user.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};

/// The fields of the contract's manifest table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    License,
    LicenseVersion,
    LicenseUrl,
    Url,
    Access,
    Id,
    Title,
    /// Where the license statement came from, when not the item itself (portal metadata:
    /// "inherited from the dataset"). Shown with license findings.
    Evidence,
    /// For AI systems: which part the item is (code, data, model, documentation).
    Component,
}

impl Field {
    pub const ALL: [Field; 9] = [
        Field::License,
        Field::LicenseVersion,
        Field::LicenseUrl,
        Field::Url,
        Field::Access,
        Field::Id,
        Field::Title,
        Field::Evidence,
        Field::Component,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::License => "license",
            Field::LicenseVersion => "license_version",
            Field::LicenseUrl => "license_url",
            Field::Url => "url",
            Field::Access => "access",
            Field::Id => "id",
            Field::Title => "title",
            Field::Evidence => "evidence",
            Field::Component => "component",
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn names() -> Vec<&'static str> {
        Field::ALL.iter().map(|f| f.name()).collect()
    }

    /// Column names seen in the wild, in order of preference. Matching folds case and ignores
    /// `_`, `-`, `.` and spaces, so `accessURL`, `access_url` and `Access URL` are one name.
    pub fn candidates(self) -> &'static [&'static str] {
        match self {
            Field::License => {
                &["license", "licence", "license_id", "licence_id", "rights", "license_name", "licenses"]
            }
            Field::LicenseVersion => &["license_version", "licence_version"],
            Field::LicenseUrl => &["license_url", "licence_url", "license_link", "rights_uri", "license_uri"],
            Field::Url => &[
                "url",
                "access_url",
                "download_url",
                "landing_page",
                "foreign_landing_url",
                "item_url",
                "source_url",
            ],
            Field::Access => {
                &["access", "access_rights", "access_restrictions", "availability", "access_level"]
            }
            Field::Id => &["id", "item_id", "identifier", "key", "record_id"],
            Field::Title => &["title", "name"],
            Field::Evidence => &["license_evidence", "license_source"],
            Field::Component => &["component", "part", "artifact_type", "component_type", "artifact"],
        }
    }
}

fn fold(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '_' | '-' | '.' | ' ')).flat_map(char::to_lowercase).collect()
}

/// The resolved mapping for one manifest: field -> index and name of its column.
#[derive(Debug, Clone, Default)]
pub struct ColumnMap {
    pub columns: BTreeMap<Field, (usize, String)>,
}

impl ColumnMap {
    /// Resolves fields against a manifest's column names. `overrides` (from `--column` and the
    /// config) win; a mapped column that does not exist is an error, as is a manifest with no
    /// license column, since then not one item's license can be checked.
    pub fn resolve(
        path: &Path,
        available: &[String],
        overrides: &BTreeMap<Field, String>,
    ) -> Result<ColumnMap> {
        let folded: Vec<String> = available.iter().map(|n| fold(n)).collect();
        let mut columns = BTreeMap::new();
        for field in Field::ALL {
            if let Some(wanted) = overrides.get(&field) {
                let idx = available
                    .iter()
                    .position(|n| n == wanted)
                    .or_else(|| available.iter().position(|n| n.eq_ignore_ascii_case(wanted)));
                match idx {
                    Some(i) => {
                        columns.insert(field, (i, available[i].clone()));
                    }
                    None => {
                        return Err(Error::input(
                            path,
                            format!(
                                "column `{wanted}` mapped to field `{}` does not exist; columns: {}",
                                field.name(),
                                list_columns(available)
                            ),
                        ));
                    }
                }
                continue;
            }
            let found = field.candidates().iter().find_map(|cand| {
                let cand = fold(cand);
                folded.iter().position(|n| *n == cand)
            });
            if let Some(i) = found {
                // One column serves one field: `name` may be a title, but not if it was taken.
                if !columns.values().any(|(j, _)| *j == i) {
                    columns.insert(field, (i, available[i].clone()));
                }
            }
        }
        if !columns.contains_key(&Field::License) {
            return Err(Error::input(
                path,
                format!(
                    "no license column; columns: {}; names tried (case and _ - . space ignored): {}; map one with --column license=NAME",
                    list_columns(available),
                    Field::License.candidates().join(", ")
                ),
            ));
        }
        // The title is recognized (so its column is not taken for another field) but not read:
        // no rule or report uses it yet, and titles can be the longest strings of a manifest.
        columns.remove(&Field::Title);
        Ok(ColumnMap { columns })
    }

    /// Source column indices, in field order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, usize, &str)> {
        self.columns.iter().map(|(f, (i, n))| (*f, *i, n.as_str()))
    }
}

fn list_columns(available: &[String]) -> String {
    if available.is_empty() {
        return "(none)".to_string();
    }
    available.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
}
