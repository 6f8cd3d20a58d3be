//! Collection rules: what only the whole collection shows. They are judged once at the end, from
//! per-worker tallies merged by the scan (licenses carried, hosts serving items).

use std::collections::BTreeMap;

use super::{Policy, Rule, Severity, licenses, quote};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::license::{self, Status};

/// How many hosts a scattered-location message names.
const HOSTS_SHOWN: usize = 10;

/// Where the collection says it lives: the home URL and mirrors, as (lowercase host, path prefix).
#[derive(Debug, Clone, Default)]
pub struct Locations {
    prefixes: Vec<(String, String)>,
}

impl Locations {
    /// Reads `home_url` and `mirrors` from the config; a value that is not an absolute public
    /// http(s) URL is a configuration error naming the key.
    pub fn from_config(config: &Config) -> Result<Locations> {
        let path = config.path.clone().unwrap_or_else(|| crate::config::CONFIG_FILE.into());
        let mut prefixes = Vec::new();
        let named = config
            .home_url
            .iter()
            .map(|u| ("home_url", u))
            .chain(config.mirrors.iter().map(|u| ("mirrors", u)));
        for (key, url) in named {
            let host = super::url::check(url).map_err(|p| {
                Error::config(&path, format!("key `{key}`: `{}` {}", quote(url), p.describe()))
            })?;
            prefixes.push((
                host.to_ascii_lowercase(),
                crate::policy::url::path_after_authority(url.trim()).trim_end_matches('/').to_string(),
            ));
        }
        Ok(Locations { prefixes })
    }

    pub fn is_declared(&self) -> bool {
        !self.prefixes.is_empty()
    }

    /// Whether a (valid) item URL lies under the home URL or a mirror.
    pub fn covers(&self, host: &str, url: &str) -> bool {
        self.covers_path(host, crate::policy::url::path_after_authority(url.trim()))
    }

    /// What [`Locations::covers_path`] says for every path that starts with `path`: `Some(true)`
    /// when a declared prefix ends inside `path` at a `/`, `?` or `#`; `Some(false)` when no
    /// declared location has this host; `None` when the rest of the path decides.
    pub fn covers_all_under(&self, host: &str, path: &str) -> Option<bool> {
        let mut host_seen = false;
        for (h, prefix) in &self.prefixes {
            if !h.eq_ignore_ascii_case(host) {
                continue;
            }
            host_seen = true;
            if path.starts_with(prefix.as_str())
                && matches!(path.as_bytes().get(prefix.len()), Some(b'/' | b'?' | b'#'))
            {
                return Some(true);
            }
        }
        (!host_seen).then_some(false)
    }

    /// [`Locations::covers`] given the URL's path (what follows its authority).
    pub fn covers_path(&self, host: &str, path: &str) -> bool {
        self.prefixes.iter().any(|(h, prefix)| {
            h.eq_ignore_ascii_case(host)
                && path.starts_with(prefix.as_str())
                && matches!(path.as_bytes().get(prefix.len()), None | Some(b'/' | b'?' | b'#'))
        })
    }
}

/// Items served by one host.
#[derive(Debug, Clone, Copy, Default)]
pub struct HostTally {
    pub items: u64,
    /// Items not under the home URL or a mirror.
    pub uncovered: u64,
}

/// A collection finding: rule, severity, group key and message.
#[derive(Debug, Clone)]
pub struct CollectionFinding {
    pub rule: Rule,
    /// The profile's severity for the rule, except where the finding itself weighs less (a mix of
    /// approved licenses only).
    pub severity: Severity,
    pub key: String,
    pub message: String,
}

/// Labels that are not licenses (their items already carry item findings).
fn is_license(label: &str) -> bool {
    !matches!(label, "missing" | "ambiguous" | "unrecognized") && !label.is_empty()
}

fn listed(counts: &[(&str, u64)]) -> String {
    counts.iter().map(|(l, n)| format!("{l} ({n})")).collect::<Vec<_>>().join(", ")
}

/// Whether an SPDX expression (a license label) is approved for the policy's type and profile.
fn approved(expression: &str, policy: &Policy) -> bool {
    spdx::Expression::parse_mode(expression, spdx::ParseMode::LAX).is_ok_and(|parsed| {
        licenses::classify_expression(&parsed, policy.dpg_type, &policy.profile).0
            == licenses::Class::Approved
    })
}

/// Judges the collection rules from the merged tallies.
pub fn judge(
    labels: &BTreeMap<String, u64>,
    hosts: &BTreeMap<String, HostTally>,
    declared: &[String],
    policy: &Policy,
) -> Vec<CollectionFinding> {
    let locations = &policy.locations;
    let severity = |rule: Rule| policy.profile.severity(rule);
    let mut out = Vec::new();
    let mut carried: Vec<(&str, u64)> =
        labels.iter().filter(|(l, n)| **n > 0 && is_license(l)).map(|(l, n)| (l.as_str(), *n)).collect();
    carried.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    // Mixed licensing. Open-plus-closed mixes already fail through their items' errors and keep
    // the rule's severity (a warning). A mix of licenses that are each approved is not what the
    // DPGA means by "mixed-licensed" (dpg-rules.md section 2): information, unless the profile
    // sets the rule's severity itself (dpg-strict makes it an error, and says it is stricter).
    if carried.len() > 1 {
        let all_approved = carried.iter().all(|(l, _)| approved(l, policy));
        let severity = match policy.profile.severity_override(Rule::MixedLicensing) {
            Some(s) => s,
            None if all_approved => Severity::Info,
            None => severity(Rule::MixedLicensing),
        };
        out.push(CollectionFinding {
            rule: Rule::MixedLicensing,
            severity,
            key: String::new(),
            message: format!("items carry {} distinct licenses: {}", carried.len(), listed(&carried)),
        });
    }

    // Declared vs carried (the reviewers' case in publicgoods-candidates #1712).
    if !declared.is_empty() {
        let undeclared: Vec<(&str, u64)> = carried
            .iter()
            .filter(|(l, _)| !declared.iter().any(|d| d.eq_ignore_ascii_case(l)))
            .copied()
            .collect();
        let unused: Vec<&str> = declared
            .iter()
            .filter(|d| !carried.iter().any(|(l, _)| d.eq_ignore_ascii_case(l)))
            .map(String::as_str)
            .collect();
        if !undeclared.is_empty() || !unused.is_empty() {
            let mut parts = Vec::new();
            if !undeclared.is_empty() {
                parts.push(format!("items carry undeclared {}", listed(&undeclared)));
            }
            if !unused.is_empty() {
                parts.push(format!("no item carries declared {}", unused.join(", ")));
            }
            out.push(CollectionFinding {
                rule: Rule::DeclaredLicenseMismatch,
                severity: severity(Rule::DeclaredLicenseMismatch),
                key: declared.join(", "),
                message: format!("the config declares {}, but {}", declared.join(", "), parts.join("; ")),
            });
        }
    }

    // One location. With a home URL or mirrors, items outside them are scattered; without, more
    // than one host is.
    let mut counts: Vec<(&str, u64)> = hosts
        .iter()
        .map(|(h, t)| (h.as_str(), if locations.is_declared() { t.uncovered } else { t.items }))
        .filter(|(_, n)| *n > 0)
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown = |c: &[(&str, u64)]| {
        let mut s = listed(&c[..c.len().min(HOSTS_SHOWN)]);
        if c.len() > HOSTS_SHOWN {
            s.push_str(&format!(", and {} more hosts", c.len() - HOSTS_SHOWN));
        }
        s
    };
    if locations.is_declared() && !counts.is_empty() {
        let items: u64 = counts.iter().map(|(_, n)| n).sum();
        out.push(CollectionFinding {
            rule: Rule::AccessLocationScattered,
            severity: severity(Rule::AccessLocationScattered),
            key: "outside the home URL".into(),
            message: format!(
                "{items} item(s) are served outside the home URL and mirrors: {}; add the hosts as mirrors if they belong to the collection",
                shown(&counts)
            ),
        });
    } else if !locations.is_declared() && counts.len() > 1 {
        out.push(CollectionFinding {
            rule: Rule::AccessLocationScattered,
            severity: severity(Rule::AccessLocationScattered),
            key: "several hosts".into(),
            message: format!(
                "items are served from {} hosts and no home URL covers them: {}; declare home_url (and mirrors) in dpg-audit.toml",
                counts.len(),
                shown(&counts)
            ),
        });
    }
    out
}

/// Normalizes the config's declared licenses; one that is not a license is a config error.
pub fn declared_licenses(config: &Config) -> Result<Vec<String>> {
    let path = config.path.clone().unwrap_or_else(|| crate::config::CONFIG_FILE.into());
    let mut out = Vec::new();
    for raw in config.declared_licenses() {
        let n = license::normalize(&raw);
        match (n.status, n.expression) {
            (Status::Exact | Status::Normalized, Some(e)) => out.push(e),
            (status, _) => {
                let status = serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_string));
                return Err(Error::config(
                    &path,
                    format!(
                        "key `license`: `{}` is {}; declare an SPDX id such as CC-BY-4.0",
                        quote(&raw),
                        status.unwrap_or_default()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_url_and_mirrors_cover_items_under_them() {
        let config = Config {
            home_url: Some("https://data.example.org/collection/".into()),
            mirrors: vec!["https://mirror.example.net".into()],
            ..Config::default()
        };
        let loc = Locations::from_config(&config).unwrap_or_default();
        assert!(loc.covers("DATA.example.org", "https://DATA.example.org/collection/item/1"));
        assert!(loc.covers("data.example.org", "https://data.example.org/collection"));
        assert!(!loc.covers("data.example.org", "https://data.example.org/collectionx/1"));
        assert!(!loc.covers("data.example.org", "https://data.example.org/other/1"));
        assert!(loc.covers("mirror.example.net", "http://mirror.example.net/any/path"));
        assert!(!loc.covers("evil.example.com", "https://evil.example.com/collection/1"));
    }

    #[test]
    fn an_invalid_home_url_is_a_config_error() {
        let config = Config { home_url: Some("opendata.example.org".into()), ..Config::default() };
        let err = Locations::from_config(&config).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("home_url"), "{err}");
    }
}
