//! The DPG policy: which findings a license statement, an access URL or a row earns. License
//! statements are judged once per distinct (license, version, license_url) and the verdict is
//! reused for every row that carries the same strings.

pub mod access;
pub mod collection;
pub mod exceptions;
pub mod findings;
pub mod licenses;
pub mod profile;
pub mod rules;
pub mod url;

pub use rules::{Rule, Scope, Severity};

use crate::config::DpgType;
use crate::license::{self, Status};
use licenses::Class;

/// What the audit needs to know to judge items.
#[derive(Debug)]
pub struct Policy {
    pub dpg_type: DpgType,
    pub profile: profile::Profile,
    /// The home URL and mirrors that count as the collection's one location.
    pub locations: collection::Locations,
    /// The steward's recorded exceptions.
    pub exceptions: exceptions::Exceptions,
}

/// What part of an AI system an item is (the manifest's `component` field). Since DPG standard
/// 1.1.7 an AI system needs its model weights, training code and training data, all open; each
/// part is judged by its own rules (dpg-rules.md section 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Component {
    Code,
    Data,
    Model,
    Documentation,
}

impl Component {
    pub const ALL: [Component; 4] =
        [Component::Code, Component::Data, Component::Model, Component::Documentation];
    /// The parts an AI system must have.
    pub const REQUIRED: [Component; 3] = [Component::Model, Component::Code, Component::Data];

    /// Reads a `component` value: the contract's words and their common synonyms, case and
    /// separators ignored. `None` for anything else (counted as no component).
    pub fn parse(raw: &str) -> Option<Component> {
        let folded: String = raw
            .trim()
            .chars()
            .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { ' ' })
            .collect();
        let words: Vec<&str> = folded.split_whitespace().collect();
        let last = *words.last()?;
        let whole = words.join(" ");
        let is = |options: &[&str]| options.contains(&last) || options.contains(&whole.as_str());
        if is(&["code", "software", "source", "sourcecode", "scripts", "training code", "source code"]) {
            Some(Component::Code)
        } else if is(&["data", "dataset", "datasets", "corpus", "training data", "training dataset"]) {
            Some(Component::Data)
        } else if is(&["model", "weights", "checkpoint", "checkpoints", "model weights", "parameters"]) {
            Some(Component::Model)
        } else if is(&["documentation", "docs", "doc", "card", "model card", "data card", "paper"]) {
            Some(Component::Documentation)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Component::Code => "code",
            Component::Data => "data",
            Component::Model => "model",
            Component::Documentation => "documentation",
        }
    }

    /// The DPG types whose license rules the part follows: code the software rules (OSI), data
    /// the data rules, documentation the content rules; model weights have no DPGA list, and
    /// an OSI-approved or open data or content license makes them open.
    fn rules(self) -> &'static [DpgType] {
        match self {
            Component::Code => &[DpgType::Software],
            Component::Data => &[DpgType::Data],
            Component::Model => &[DpgType::Software, DpgType::Data, DpgType::Content],
            Component::Documentation => &[DpgType::Content],
        }
    }

    /// How messages name the part.
    fn phrase(self) -> &'static str {
        match self {
            Component::Code => "an AI system's code",
            Component::Data => "an AI system's training data",
            Component::Model => "an AI system's model weights",
            Component::Documentation => "an AI system's documentation",
        }
    }
}

/// A finding before it is attached to an item.
#[derive(Debug, Clone)]
pub struct FindingSpec {
    pub rule: Rule,
    pub severity: Severity,
    /// Groups findings in reports: low-cardinality (the raw license string, a URL problem, ...).
    pub key: String,
    pub message: String,
}

/// The judgement of one distinct value (a license statement, an access restriction).
#[derive(Debug, Clone)]
pub struct Judgement {
    /// For licenses, the key it is counted under in `summary.by_license`: the SPDX expression,
    /// or `missing` / `ambiguous` / `unrecognized`. Empty when not counted.
    pub label: String,
    pub findings: Vec<FindingSpec>,
}

/// Longest raw value quoted in a message or used as a group key.
const QUOTE_MAX: usize = 120;

/// Shortens untrusted text for messages: at most [`QUOTE_MAX`] characters, control characters
/// shown as spaces.
pub fn quote(raw: &str) -> String {
    let mut out: String =
        raw.trim().chars().take(QUOTE_MAX).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if raw.trim().chars().nth(QUOTE_MAX).is_some() {
        out.push('…');
    }
    out
}

impl Policy {
    fn spec(&self, rule: Rule, key: &str, message: String) -> FindingSpec {
        FindingSpec { rule, severity: self.profile.severity(rule), key: key.to_string(), message }
    }

    /// Judges one license statement (with its optional version and license URL columns, and for
    /// an AI system the item's component).
    pub fn judge_license(
        &self,
        raw: Option<&str>,
        version: Option<&str>,
        license_url: Option<&str>,
        component: Option<&str>,
    ) -> Judgement {
        let component = component.filter(|_| self.dpg_type == DpgType::AiSystem).and_then(Component::parse);
        let raw = raw.unwrap_or("");
        let shown = quote(raw);
        let shown_full = match version.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) if !shown.is_empty() => format!("{shown} {v}"),
            _ => shown.clone(),
        };
        let result = match version {
            Some(v) => license::normalize_with_version(raw, v),
            None => license::normalize(raw),
        };
        let mut findings = Vec::new();
        let label = match result.status {
            Status::Missing => {
                let message = if shown.is_empty() {
                    "no license statement".to_string()
                } else {
                    format!("`{shown_full}` is a placeholder, not a license")
                };
                findings.push(self.spec(Rule::LicenseMissing, &shown_full, message));
                "missing".to_string()
            }
            Status::Unknown => {
                findings.push(self.spec(
                    Rule::LicenseUnrecognized,
                    &shown_full,
                    format!("`{shown_full}` identifies no license"),
                ));
                "unrecognized".to_string()
            }
            Status::Ambiguous => {
                let could = if result.candidates.is_empty() {
                    String::new()
                } else {
                    format!("; it could mean {}", result.candidates.join(", "))
                };
                findings.push(self.spec(
                    Rule::LicenseAmbiguous,
                    &shown_full,
                    format!("`{shown_full}` names a license family without version or type{could}"),
                ));
                "ambiguous".to_string()
            }
            Status::Exact | Status::Normalized => {
                let expression = result.expression.clone().unwrap_or_default();
                for (old, new) in &result.deprecated {
                    let advice = if new.is_empty() {
                        "SPDX names no replacement".to_string()
                    } else {
                        format!("write {new}")
                    };
                    findings.push(self.spec(
                        Rule::LicenseDeprecatedId,
                        old,
                        format!("`{old}` is a deprecated SPDX id; {advice}"),
                    ));
                }
                self.judge_expression(&expression, &shown_full, component, &mut findings);
                expression
            }
        };
        if let (Some(url), Some(expr)) =
            (license_url.map(str::trim).filter(|u| !u.is_empty()), &result.expression)
        {
            let from_url = license::normalize(url);
            if let Some(url_expr) = from_url.expression.filter(|e| !same_license(e, expr)) {
                findings.push(self.spec(
                    Rule::LicenseUrlMismatch,
                    &format!("{expr} vs {url_expr}"),
                    format!(
                        "license_url `{}` identifies {url_expr}, but the license field says {expr}",
                        quote(url)
                    ),
                ));
            }
        }
        Judgement { label, findings }
    }

    fn judge_expression(
        &self,
        expression: &str,
        shown: &str,
        component: Option<Component>,
        findings: &mut Vec<FindingSpec>,
    ) {
        let parsed = match spdx::Expression::parse_mode(expression, spdx::ParseMode::LAX) {
            Ok(p) => p,
            Err(_) => {
                findings.push(self.spec(
                    Rule::LicenseUnrecognized,
                    shown,
                    format!("`{shown}` was read as `{expression}`, which is not a valid SPDX expression"),
                ));
                return;
            }
        };
        let phrase = component.map_or_else(|| licenses::type_phrase(self.dpg_type), Component::phrase);
        // A part of an AI system follows its own rules; where several apply (model weights),
        // the most favourable decides.
        let own = [self.dpg_type];
        let types: &[DpgType] = match component {
            Some(c) => c.rules(),
            None => &own,
        };
        let (class, parts) = types
            .iter()
            .map(|t| licenses::classify_expression(&parsed, *t, &self.profile))
            .reduce(|best, next| if next.0.rank() > best.0.rank() { next } else { best })
            .unwrap_or_else(|| licenses::classify_expression(&parsed, self.dpg_type, &self.profile));
        let single = parts.len() == 1 && parts[0].0 == expression;
        let detail = |want_review: bool| -> String {
            parts
                .iter()
                .filter_map(|(name, c)| match c {
                    Class::Rejected(r) if !want_review => Some(format!("{name}: {r}")),
                    Class::Review(r) if want_review => Some(format!("{name}: {r}")),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        match class {
            Class::Approved => {}
            Class::Review(reason) => {
                let why = if single { reason } else { detail(true) };
                findings.push(self.spec(
                    Rule::LicenseNeedsReview,
                    shown,
                    format!("{expression} needs review for {phrase}: {why}"),
                ));
            }
            Class::Rejected(reason) => {
                let why = if single { reason } else { detail(false) };
                findings.push(self.spec(
                    Rule::LicenseNotApproved,
                    shown,
                    format!("{expression} is not acceptable for {phrase}: {why}"),
                ));
            }
        }
    }
}

/// Two expressions name the same license when their canonical forms match, ignoring case.
fn same_license(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}
