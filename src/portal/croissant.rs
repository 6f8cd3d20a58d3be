//! MLCommons Croissant (1.0) JSON-LD: one item per `distribution` entry (`cr:FileObject`,
//! `cr:FileSet`). Croissant has one fixed context, so it is read as JSON by its compact keys
//! rather than expanded as RDF. Files inside an archive or repository (`containedIn`) are
//! accessed through their container, so they take the container's URL.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::{Dataset, Entry, InputFormat, Item, is_web_url, json_text};

pub fn is_croissant(obj: &Map<String, Value>) -> bool {
    let conforms = obj.get("conformsTo").and_then(Value::as_str).is_some_and(|s| s.contains("croissant"));
    let context = match obj.get("@context") {
        Some(Value::Object(c)) => {
            c.values().any(|v| v.as_str().is_some_and(|s| s.contains("mlcommons.org/croissant")))
        }
        _ => false,
    };
    conforms || context
}

/// `license` as a string, an `{"@id"}`/CreativeWork object, or a list of them (joined with AND:
/// every listed license has to be acceptable).
fn license(v: Option<&Value>) -> (Option<String>, Option<String>) {
    let one = |v: &Value| -> Option<(String, Option<String>)> {
        match v {
            Value::Object(o) => {
                let url = json_text(o.get("@id")).or_else(|| json_text(o.get("url")));
                let (name, _) =
                    super::best_licence(&[("name", json_text(o.get("name"))), ("url", url.clone())]);
                Some((name?, url))
            }
            other => json_text(Some(other)).map(|s| (s, None)),
        }
    };
    match v {
        Some(Value::Array(a)) => {
            let all: Vec<(String, Option<String>)> = a.iter().filter_map(one).collect();
            match all.len() {
                0 => (None, None),
                1 => all.into_iter().next().map_or((None, None), |(s, u)| (Some(s), u)),
                _ => (super::join_licences(all.into_iter().map(|(s, _)| s).collect()), None),
            }
        }
        Some(v) => one(v).map_or((None, None), |(s, u)| (Some(s), u)),
        None => (None, None),
    }
}

fn container_id(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => json_text(o.get("@id")),
        Value::Array(a) => a.first().and_then(|v| container_id(Some(v))),
        other => json_text(Some(other)),
    }
}

pub fn read(path: &Path, obj: &Map<String, Value>) -> Entry {
    let mut d = Dataset::new(path, 0, InputFormat::Croissant);
    d.name = json_text(obj.get("name"));
    d.home_url = json_text(obj.get("url"));
    d.id = json_text(obj.get("@id")).or_else(|| d.home_url.clone()).or_else(|| d.name.clone());
    (d.license, d.license_url) = license(obj.get("license"));
    d.expects_urls = true;
    let dist: Vec<&Map<String, Value>> = match obj.get("distribution") {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
        Some(Value::Object(o)) => vec![o],
        _ => Vec::new(),
    };
    if dist.is_empty() {
        // Still a dataset: its licence is judged and its missing location reported.
        d.items.push(d.record_item("the Croissant file lists no distribution"));
        d.inherit();
        return Ok(d);
    }
    let by_id: HashMap<String, &Map<String, Value>> = dist
        .iter()
        .filter_map(|f| json_text(f.get("@id")).or_else(|| json_text(f.get("name"))).map(|id| (id, *f)))
        .collect();
    // The URL of a file, or of the nearest container that has one (bounded against cycles).
    let url_of = |f: &Map<String, Value>| -> Option<String> {
        let mut cur = f;
        for _ in 0..16 {
            if let Some(u) = json_text(cur.get("contentUrl")).filter(|u| is_web_url(u)) {
                return Some(u);
            }
            cur = by_id.get(&container_id(cur.get("containedIn"))?)?;
        }
        None
    };
    // A relative contentUrl is a path inside the dataset: the file is reached through the
    // dataset's own `url` (a web address is not made up by joining the two).
    let home = d.home_url.clone().filter(|u| is_web_url(u));
    for f in &dist {
        let (license, license_url) = license(f.get("license"));
        let mut url = url_of(f);
        let mut evidence = None;
        if url.is_none()
            && let (Some(rel), Some(home)) = (json_text(f.get("contentUrl")), &home)
        {
            evidence = Some(format!("relative contentUrl `{rel}`: reached through the dataset's url"));
            url = Some(home.clone());
        }
        d.items.push(Item {
            id: json_text(f.get("@id")).or_else(|| json_text(f.get("name"))),
            title: json_text(f.get("name")).or_else(|| json_text(f.get("includes"))),
            license,
            license_url,
            url,
            evidence,
            ..Item::default()
        });
    }
    d.inherit();
    Ok(d)
}
