//! Hugging Face dataset cards: the YAML front matter of a `README.md` (`license`,
//! `license_name`, `license_link`, `gated`, `extra_gated_*`).
//!
//! A card lists no files, so the dataset is the item. A card that lists several licenses
//! (`license: [apache-2.0, cc-by-4.0, ...]`) says that parts of the data are under each without
//! saying which; every one of them has to be acceptable, so each becomes an item of its own and is
//! judged on its own (the report then also shows the mix). A card has no access URL, so the
//! single-location criterion is reported as not checkable.

use std::path::Path;

use serde_yaml_ng::{Mapping, Value};

use super::{Dataset, Entry, InputFormat, Item, text};
use crate::error::{Error, Result};

/// The YAML between the opening `---` line and the next `---` line. Blank lines before the
/// opening fence are tolerated (cards written by tools often start with one; the Hub reads them).
pub fn front_matter(text: &str) -> Option<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.trim_start_matches(['\n', '\r', ' ', '\t']);
    let rest = text.strip_prefix("---")?;
    let rest = rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n'))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        if bare == "---" || bare == "..." {
            return Some(&rest[..offset]);
        }
        offset += line.len();
    }
    None
}

fn get<'a>(m: &'a Mapping, key: &str) -> Option<&'a Value> {
    m.get(Value::String(key.to_string()))
}

fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => text(Some(s)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(s)) => s.iter().filter_map(|v| scalar(Some(v))).collect(),
        other => scalar(other).into_iter().collect(),
    }
}

/// The access fact the gating fields state, as access-vocabulary terms: `gated: manual` is
/// approval at the owner's discretion; `gated: auto` (or `true`) grants access on request at once.
/// A prompt or form (`extra_gated_*`) means terms to accept, which a reviewer has to read.
pub fn gating(card: &Mapping) -> Option<String> {
    let gated = scalar(get(card, "gated")).map(|g| g.to_ascii_lowercase());
    let prompt = card.keys().any(|k| k.as_str().is_some_and(|k| k.starts_with("extra_gated_")));
    match gated.as_deref() {
        Some("manual") => Some("gated manual".into()),
        Some("false") | None if !prompt => None,
        Some("false") | None => Some("gated auto, click-through terms (extra_gated_prompt)".into()),
        Some(_) if prompt => Some("gated auto, click-through terms (extra_gated_prompt)".into()),
        Some(_) => Some("gated auto".into()),
    }
}

pub fn read(path: &Path, bytes: &[u8]) -> Result<Entry> {
    let content =
        std::str::from_utf8(bytes).map_err(|_| Error::input(path, "dataset card is not UTF-8 text"))?;
    let yaml = front_matter(content).ok_or_else(|| {
        Error::input(path, "no YAML front matter closed by a `---` line: not a Hugging Face dataset card")
    })?;
    // Flow nesting is quadratic in the YAML parser: refused past a depth before parsing.
    crate::limits::check_yaml_nesting(path, yaml)?;
    let value: Value = serde_yaml_ng::from_str(yaml).map_err(|e| {
        Error::input(
            path,
            format!(
                "the card's YAML front matter is invalid: {e} (line 1 is the line after the opening `---`)"
            ),
        )
    })?;
    let card = match value {
        Value::Mapping(m) => m,
        Value::Null => Mapping::new(),
        _ => return Err(Error::input(path, "the card's YAML front matter is not a mapping of keys")),
    };

    let mut d = Dataset::new(path, 0, InputFormat::HfCard);
    // The repository id is not in the card; the folder a README.md sits in usually is its name.
    let folder = path
        .file_name()
        .filter(|n| n.eq_ignore_ascii_case("README.md"))
        .and(path.parent())
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    d.id = folder.or(stem);
    d.name = scalar(get(&card, "pretty_name")).or_else(|| d.id.clone());
    d.access = gating(&card);
    d.expects_urls = false;

    let licenses = strings(get(&card, "license"));
    // For `other`, the card names the license in `license_name` (or the older `license_details`).
    let custom = scalar(get(&card, "license_name")).or_else(|| scalar(get(&card, "license_details")));
    let link = scalar(get(&card, "license_link"));
    let statement = |l: &str| -> (String, Option<String>) {
        match &custom {
            Some(c) if l.eq_ignore_ascii_case("other") => {
                (c.clone(), Some(format!("license: other; named `{c}`")))
            }
            _ => (l.to_string(), None),
        }
    };
    let label = d.label();
    match licenses.len() {
        0 | 1 => {
            let (license, evidence) = match licenses.first() {
                Some(l) => {
                    let (s, e) = statement(l);
                    (Some(s), e)
                }
                None => (custom.clone(), custom.as_ref().map(|_| "license_name without license".to_string())),
            };
            d.license.clone_from(&license);
            d.license_url.clone_from(&link);
            d.items.push(Item {
                id: d.id.clone(),
                title: Some(label),
                license,
                license_url: link,
                evidence,
                ..Item::default()
            });
        }
        n => {
            for (i, l) in licenses.iter().enumerate() {
                let (s, e) = statement(l);
                let note = format!("license {} of {n} listed by the card", i + 1);
                d.items.push(Item {
                    id: Some(format!("{}#license-{}", d.id.as_deref().unwrap_or("card"), i + 1)),
                    title: Some(format!("{label} ({l})")),
                    license: Some(s),
                    license_url: None,
                    evidence: Some(e.map_or(note.clone(), |e| format!("{note}; {e}"))),
                    ..Item::default()
                });
            }
        }
    }
    d.inherit();
    Ok(Ok(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_needs_both_fences() {
        assert_eq!(front_matter("---\nlicense: mit\n---\n# Card"), Some("license: mit\n"));
        assert_eq!(front_matter("---\r\nlicense: mit\r\n---\r\n"), Some("license: mit\r\n"));
        assert_eq!(front_matter("---\nlicense: mit\n"), None);
        assert_eq!(front_matter("# Card\n---\n"), None);
        assert_eq!(front_matter("\n\n---\nlicense: mit\n---\n"), Some("license: mit\n"));
        assert_eq!(front_matter("\u{feff}\r\n---\r\nlicense: mit\r\n---\r\n"), Some("license: mit\r\n"));
    }

    #[test]
    fn gating_maps_to_access_terms() {
        let card = |y: &str| match serde_yaml_ng::from_str::<Value>(y) {
            Ok(Value::Mapping(m)) => m,
            _ => Mapping::new(),
        };
        assert_eq!(gating(&card("gated: manual")).as_deref(), Some("gated manual"));
        assert_eq!(gating(&card("gated: auto")).as_deref(), Some("gated auto"));
        assert_eq!(gating(&card("gated: true")).as_deref(), Some("gated auto"));
        assert_eq!(gating(&card("gated: false")), None);
        assert_eq!(gating(&card("license: mit")), None);
        assert!(gating(&card("extra_gated_prompt: terms")).is_some_and(|g| g.contains("click-through")));
    }
}
