//! The collection config, `dpg-audit.toml`: what a manifest cannot say about its collection.
//!
//! Unknown keys and wrong types are errors (exit 2) that name the key, because a typo in a
//! config silently ignored would audit the collection under rules the steward did not choose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::manifest::Field;

/// File name looked for beside the first manifest (or inside a manifest folder).
pub const CONFIG_FILE: &str = "dpg-audit.toml";

/// The DPG category a collection is submitted under; it decides which licenses are acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "kebab-case")]
pub enum DpgType {
    #[default]
    Data,
    Content,
    Software,
    AiSystem,
}

impl DpgType {
    pub fn as_str(self) -> &'static str {
        match self {
            DpgType::Data => "data",
            DpgType::Content => "content",
            DpgType::Software => "software",
            DpgType::AiSystem => "ai-system",
        }
    }
}

/// One declared license or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `dpg-audit.toml`. Every field is optional: a collection can be audited with no config at all.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Collection name, shown in reports.
    pub name: Option<String>,
    /// DPG category (`data`, `content`, `software`, `ai-system`).
    #[serde(rename = "type")]
    pub dpg_type: Option<DpgType>,
    /// The license(s) the steward declares for the whole collection.
    pub license: Option<OneOrMany>,
    /// The single access location of the collection.
    pub home_url: Option<String>,
    /// Known mirrors of the collection.
    #[serde(default)]
    pub mirrors: Vec<String>,
    /// Policy profile name.
    pub profile: Option<String>,
    /// Column mapping: field name -> column name in the manifest.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Justified exceptions: rule + items + reason.
    #[serde(default)]
    pub exceptions: Vec<ExceptionConfig>,
    /// Where the config was read from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        Config::from_toml(&text, path)
    }

    /// A config given as TOML text (a caller that holds it in memory, e.g. the Python package);
    /// `path` names it in messages, and exceptions' item files are found beside it.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config> {
        let config: Config =
            toml::from_str(text).map_err(|e| Error::config(path, crate::toml_error::describe(text, &e)))?;
        config.checked(path)
    }

    /// A config given as JSON text with the TOML file's keys (a Python dict); `path` names it in
    /// messages.
    pub fn from_json(text: &str, path: &Path) -> Result<Config> {
        let config: Config = serde_json::from_str(text).map_err(|e| Error::config(path, e.to_string()))?;
        config.checked(path)
    }

    /// What serde cannot check: the column mapping's field names.
    fn checked(mut self, path: &Path) -> Result<Config> {
        for key in self.columns.keys() {
            if Field::from_name(key).is_none() {
                return Err(Error::config(
                    path,
                    format!(
                        "unknown field `{key}` in [columns]; expected one of: {}",
                        Field::names().join(", ")
                    ),
                ));
            }
        }
        self.path = Some(path.to_path_buf());
        Ok(self)
    }

    /// Finds the config for a run: `--config` if given, else `dpg-audit.toml` beside the first
    /// manifest (or inside it, when it is a folder).
    pub fn discover(explicit: Option<&Path>, first_input: Option<&Path>) -> Result<Config> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        let Some(first) = first_input else { return Ok(Config::default()) };
        let dir = if first.is_dir() { Some(first) } else { first.parent() };
        let candidate = match dir {
            Some(d) if !d.as_os_str().is_empty() => d.join(CONFIG_FILE),
            _ => PathBuf::from(CONFIG_FILE),
        };
        if candidate.is_file() { Config::load(&candidate) } else { Ok(Config::default()) }
    }

    /// The declared licenses as a list.
    pub fn declared_licenses(&self) -> Vec<String> {
        match &self.license {
            None => Vec::new(),
            Some(OneOrMany::One(s)) => vec![s.clone()],
            Some(OneOrMany::Many(v)) => v.clone(),
        }
    }
}

/// An exception as written in the config; `policy::exceptions` checks and applies it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionConfig {
    pub rule: String,
    /// Item ids or patterns (`*` any run of characters, `?` one character). Required for item
    /// rules; not allowed for collection rules.
    #[serde(default)]
    pub items: Vec<String>,
    pub reason: String,
}
