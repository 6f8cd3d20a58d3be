//! Frictionless `datapackage.json`: one item per resource. Licenses are objects with `name`
//! (current spec) or `id` (v1 beta), `title`, and `path` (current) or `url` (v1 beta); titles and
//! paths may be language maps (`{"": "...", "es": "..."}`).

use std::path::Path;

use serde_json::{Map, Value};

use super::{Dataset, Entry, InputFormat, Item, is_web_url, json_text};

pub fn is_package(obj: &Map<String, Value>) -> bool {
    let Some(resources) = obj.get("resources").and_then(Value::as_array) else { return false };
    let schema = |k: &str| obj.get(k).and_then(Value::as_str).is_some_and(|s| s.contains("data-package"));
    obj.contains_key("licenses")
        || schema("profile")
        || schema("$schema")
        || resources.iter().any(|r| r.get("path").is_some() || r.get("data").is_some())
}

/// A string, or the default (`""`) entry of a language map, else its first entry.
fn localized(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(m) => json_text(m.get("")).or_else(|| m.values().find_map(|v| json_text(Some(v)))),
        other => json_text(Some(other)),
    }
}

/// A `licenses` list as (statement, license URL). Several licenses are joined with AND: with no
/// way to tell which part of the data each covers, every one of them has to be acceptable.
fn licenses(v: Option<&Value>) -> (Option<String>, Option<String>) {
    let Some(list) = v.and_then(Value::as_array) else { return (None, None) };
    let parsed: Vec<(Option<String>, Option<String>)> = list
        .iter()
        .map(|l| match l {
            Value::String(s) => (json_text(Some(&Value::String(s.clone()))), None),
            _ => {
                let url = localized(l.get("path")).or_else(|| localized(l.get("url")));
                // The first field that names a licence with certainty: `name` (current spec),
                // `id` (v1 beta), the title, the path.
                let (best, _) = super::best_licence(&[
                    ("name", json_text(l.get("name"))),
                    ("id", json_text(l.get("id"))),
                    ("title", localized(l.get("title"))),
                    ("path", url.clone()),
                ]);
                (best, url)
            }
        })
        .filter(|(s, _)| s.is_some())
        .collect();
    match parsed.len() {
        0 => (None, None),
        1 => parsed.into_iter().next().unwrap_or_default(),
        _ => {
            let joined = super::join_licences(parsed.iter().filter_map(|(s, _)| s.clone()).collect());
            let single = joined.as_deref().is_some_and(|j| !j.contains(" AND "));
            let url = if single { parsed.into_iter().find_map(|(_, u)| u) } else { None };
            (joined, url)
        }
    }
}

pub fn read(path: &Path, obj: &Map<String, Value>) -> Entry {
    let mut d = Dataset::new(path, 0, InputFormat::Frictionless);
    d.id = json_text(obj.get("id")).or_else(|| json_text(obj.get("name")));
    d.name = localized(obj.get("title")).or_else(|| json_text(obj.get("name")));
    (d.license, d.license_url) = licenses(obj.get("licenses"));
    d.home_url = json_text(obj.get("homepage"));
    // Resource paths are usually relative to the package: they say where the file sits in the
    // bundle, not where it is published. Only absolute http(s) paths are access URLs; a package
    // with none gets the "single location cannot be checked" warning instead of an error per item.
    for r in obj.get("resources").and_then(Value::as_array).into_iter().flatten() {
        let Some(r) = r.as_object() else { continue };
        let paths: Vec<String> = match r.get("path") {
            Some(Value::Array(a)) => a.iter().filter_map(|v| json_text(Some(v))).collect(),
            other => json_text(other).into_iter().chain(json_text(r.get("url"))).collect(),
        };
        let (license, license_url) = licenses(r.get("licenses"));
        d.items.push(Item {
            id: json_text(r.get("name")).or_else(|| paths.first().cloned()),
            title: localized(r.get("title")).or_else(|| json_text(r.get("name"))),
            license,
            license_url,
            local_path: paths.iter().find(|p| !is_web_url(p)).cloned(),
            url: paths.into_iter().find(|p| is_web_url(p)),
            ..Item::default()
        });
    }
    if d.items.is_empty() {
        // Still a dataset: its licence is judged.
        d.items.push(d.record_item("the data package lists no resources"));
    }
    d.inherit();
    Ok(d)
}
