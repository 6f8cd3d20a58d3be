//! CKAN: `package_show` (bare package dict or the `{help, success, result}` API wrapper),
//! `package_search` (`result.results`), a JSON array of packages, or a JSON Lines dump with one
//! package per line. One item per resource; the package's `license_id` is the dataset license.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Dataset, Entry, InputFormat, Item, Unreadable, json_text};
use crate::error::{Error, Result};

/// Keys only a CKAN package dict has (besides `resources`), so a Frictionless package, which
/// also has `resources`, is not taken for one.
const PACKAGE_KEYS: &[&str] = &[
    "license_id",
    "license_title",
    "notes",
    "extras",
    "num_resources",
    "owner_org",
    "maintainer",
    "private",
    "state",
    "isopen",
    "metadata_created",
];

/// `{help, success, result}` as every CKAN action API answers.
pub fn is_api_response(obj: &Map<String, Value>) -> bool {
    obj.contains_key("result") && (obj.contains_key("help") || obj.contains_key("success"))
}

pub fn is_package(obj: &Map<String, Value>) -> bool {
    obj.get("resources").is_some_and(Value::is_array) && PACKAGE_KEYS.iter().any(|k| obj.contains_key(*k))
}

pub fn read(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let value = match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => v,
        Err(whole) => return read_lines(path, bytes, &whole),
    };
    let packages: Vec<&Value> = match &value {
        Value::Object(o) if is_api_response(o) => {
            if o.get("success") == Some(&Value::Bool(false)) {
                let why = o.get("error").map_or_else(|| "no error given".to_string(), Value::to_string);
                return Err(Error::input(path, format!("the CKAN API answered success: false ({why})")));
            }
            match o.get("result") {
                Some(Value::Object(r)) if r.get("results").is_some_and(Value::is_array) => {
                    r.get("results").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
                }
                Some(Value::Array(a)) => a.iter().collect(),
                Some(r @ Value::Object(_)) => vec![r],
                _ => return Err(Error::input(path, "CKAN API response without a package or package list")),
            }
        }
        Value::Object(o) if o.get("results").is_some_and(Value::is_array) => {
            o.get("results").and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
        }
        Value::Object(_) => vec![&value],
        Value::Array(a) => a.iter().collect(),
        _ => return Err(Error::input(path, "expected a CKAN package, package list or API response")),
    };
    Ok(packages.into_iter().enumerate().map(|(i, p)| package(path, i, p)).collect())
}

/// A JSON Lines dump: one package per line; a bad line is an unreadable dataset, not the end.
fn read_lines(path: &Path, bytes: &[u8], whole: &serde_json::Error) -> Result<Vec<Entry>> {
    let lines: Vec<(usize, &[u8])> = bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, l)| l.iter().any(|b| !b.is_ascii_whitespace()))
        .collect();
    if lines.len() < 2 {
        return Err(Error::input(path, format!("not valid JSON ({whole}); expected CKAN metadata")));
    }
    let mut out = Vec::new();
    for (position, (n, line)) in lines.into_iter().enumerate() {
        match serde_json::from_slice::<Value>(line) {
            Ok(v) => out.push(package(path, position, &v)),
            Err(e) => out.push(Err(Unreadable {
                source: path.to_path_buf(),
                position,
                id: Some(format!("line {}", n + 1)),
                name: None,
                reason: format!("line {} is not valid JSON: {e}", n + 1),
            })),
        }
    }
    Ok(out)
}

fn package(path: &Path, position: usize, value: &Value) -> Entry {
    let mut d = Dataset::new(path, position, InputFormat::Ckan);
    let unreadable = |d: &Dataset, reason: String| Unreadable {
        source: path.to_path_buf(),
        position,
        id: d.id.clone(),
        name: d.name.clone(),
        reason,
    };
    let Some(p) = value.as_object() else {
        return Err(unreadable(&d, "a package entry that is not a JSON object".into()));
    };
    d.id = json_text(p.get("id")).or_else(|| json_text(p.get("name")));
    d.name = json_text(p.get("title")).or_else(|| json_text(p.get("name")));
    // `license_id` is CKAN's register key (cc-by, odc-odbl, other-open); the title is the
    // fallback for portals that fill only that.
    d.license = json_text(p.get("license_id")).or_else(|| json_text(p.get("license_title")));
    d.license_url = json_text(p.get("license_url"));
    d.access = if p.get("private") == Some(&Value::Bool(true)) {
        // A private package is visible only to its organization's members.
        Some("private".into())
    } else {
        // ckanext-dcat's DCAT-AP schema: dct:accessRights as a URI or free text.
        json_text(p.get("access_rights"))
    };
    d.expects_urls = true;
    let Some(resources) = p.get("resources").and_then(Value::as_array) else {
        return Err(unreadable(&d, "CKAN package has no `resources` list".into()));
    };
    if resources.is_empty() {
        return Err(unreadable(&d, "CKAN package has no resources: nothing to audit".into()));
    }
    for r in resources {
        let Some(r) = r.as_object() else { continue };
        let url = ["url", "download_url", "access_url"].iter().find_map(|k| json_text(r.get(*k)));
        d.items.push(Item {
            id: json_text(r.get("id")).or_else(|| json_text(r.get("name"))),
            title: json_text(r.get("name")).or_else(|| json_text(r.get("description"))),
            license: json_text(r.get("license")).or_else(|| json_text(r.get("license_id"))),
            license_url: json_text(r.get("license_url")),
            url,
            access: json_text(r.get("access_rights")),
            ..Item::default()
        });
    }
    if d.items.is_empty() {
        return Err(unreadable(&d, "CKAN package's resources are not objects: nothing to audit".into()));
    }
    d.inherit();
    Ok(d)
}
