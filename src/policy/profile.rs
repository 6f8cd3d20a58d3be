//! Profiles: how strictly the rules are applied. A profile is data (`rules/profiles/NAME.toml`,
//! or any file given with `--profile PATH`): severity overrides per rule, and licenses approved in
//! addition to the lists of `rules/licenses/` per DPG type.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::exceptions::glob;
use super::{Rule, Severity};
use crate::config::DpgType;
use crate::error::{Error, Result};

/// The built-in profiles.
const BUILT_IN: [(&str, &str); 4] = [
    ("dpg", include_str!("../../rules/profiles/dpg.toml")),
    ("dpg-2024", include_str!("../../rules/profiles/dpg-2024.toml")),
    ("dpg-strict", include_str!("../../rules/profiles/dpg-strict.toml")),
    ("open-definition", include_str!("../../rules/profiles/open-definition.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    description: String,
    #[serde(default)]
    severity: BTreeMap<String, Severity>,
    #[serde(default)]
    approve: Approve,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Approve {
    #[serde(default)]
    data: Vec<String>,
    #[serde(default)]
    content: Vec<String>,
    #[serde(default)]
    software: Vec<String>,
}

/// A loaded profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: String,
    severity: BTreeMap<Rule, Severity>,
    approve_data: Vec<String>,
    approve_content: Vec<String>,
    approve_software: Vec<String>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            name: "dpg".into(),
            description: String::new(),
            severity: BTreeMap::new(),
            approve_data: Vec::new(),
            approve_content: Vec::new(),
            approve_software: Vec::new(),
        }
    }
}

impl Profile {
    /// Loads a built-in profile by name, or a profile file by path (anything with a `/` or a
    /// `.toml` ending). Mistakes are errors naming the file and key.
    pub fn load(name_or_path: &str) -> Result<Profile> {
        if let Some((name, text)) = BUILT_IN.iter().find(|(n, _)| *n == name_or_path) {
            return Profile::parse(name, Path::new(&format!("rules/profiles/{name}.toml")), text);
        }
        if name_or_path.contains('/') || name_or_path.ends_with(".toml") {
            let path = Path::new(name_or_path);
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
            let name = path
                .file_stem()
                .map_or_else(|| name_or_path.to_string(), |s| s.to_string_lossy().into_owned());
            return Profile::parse(&name, path, &text);
        }
        let names: Vec<&str> = BUILT_IN.iter().map(|(n, _)| *n).collect();
        Err(Error::Usage(format!(
            "unknown profile `{name_or_path}`; built-in profiles: {} (or give a path to a profile file)",
            names.join(", ")
        )))
    }

    fn parse(name: &str, path: &Path, text: &str) -> Result<Profile> {
        let file: ProfileFile =
            toml::from_str(text).map_err(|e| Error::config(path, crate::toml_error::describe(text, &e)))?;
        let mut severity = BTreeMap::new();
        for (code, sev) in file.severity {
            let rule = Rule::from_code(&code).ok_or_else(|| {
                Error::config(
                    path,
                    format!("key `severity.{code}`: unknown rule (see `dpg-audit rules list`)"),
                )
            })?;
            severity.insert(rule, sev);
        }
        Ok(Profile {
            name: name.to_string(),
            description: file.description,
            severity,
            approve_data: file.approve.data,
            approve_content: file.approve.content,
            approve_software: file.approve.software,
        })
    }

    /// The severity of `rule` under this profile.
    pub fn severity(&self, rule: Rule) -> Severity {
        self.severity.get(&rule).copied().unwrap_or_else(|| rule.default_severity())
    }

    /// The severity the profile itself sets for `rule`, if it sets one.
    pub fn severity_override(&self, rule: Rule) -> Option<Severity> {
        self.severity.get(&rule).copied()
    }

    /// Whether the profile approves license `id` for `dpg_type` beyond the lists.
    pub fn approves(&self, id: &str, dpg_type: DpgType) -> bool {
        let matches = |list: &[String]| list.iter().any(|p| glob(p.as_bytes(), id.as_bytes()));
        match dpg_type {
            DpgType::Data => matches(&self.approve_data),
            DpgType::Content => matches(&self.approve_content),
            DpgType::Software => matches(&self.approve_software),
            DpgType::AiSystem => matches(&self.approve_data) || matches(&self.approve_software),
        }
    }

    /// The ids and patterns this profile approves for `dpg_type` beyond the lists.
    pub fn approved_patterns(&self, dpg_type: DpgType) -> Vec<&str> {
        let lists: Vec<&Vec<String>> = match dpg_type {
            DpgType::Data => vec![&self.approve_data],
            DpgType::Content => vec![&self.approve_content],
            DpgType::Software => vec![&self.approve_software],
            DpgType::AiSystem => vec![&self.approve_data, &self.approve_software],
        };
        lists.into_iter().flatten().map(String::as_str).collect()
    }

    pub fn built_in_names() -> Vec<&'static str> {
        BUILT_IN.iter().map(|(n, _)| *n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_profiles_load() {
        for name in Profile::built_in_names() {
            let p = Profile::load(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!p.description.is_empty(), "{name}");
        }
        let strict = Profile::load("dpg-strict").unwrap_or_default();
        assert_eq!(strict.severity(Rule::MixedLicensing), Severity::Error);
        assert_eq!(Profile::default().severity(Rule::MixedLicensing), Severity::Warning);
        let od = Profile::load("open-definition").unwrap_or_default();
        assert!(od.approves("CC-BY-3.0-DE", DpgType::Data));
        assert!(od.approves("OGL-UK-3.0", DpgType::Data));
        assert!(!od.approves("CC-BY-NC-3.0", DpgType::Data));
        assert!(!od.approves("CC-BY-ND-2.0", DpgType::Data));
        assert!(!od.approves("OGL-UK-3.0", DpgType::Content));
    }
}
