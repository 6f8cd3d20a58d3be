//! DCAT-US: Project Open Data `data.json` (v1.1) and DCAT-US 3.0, the catalogs US federal
//! agencies (and many states and cities) publish.
//!
//! Both are JSON-LD in name only: v1.1 files point at the remote context
//! `project-open-data.cio.gov/v1.1/schema/catalog.jsonld` (which a JSON-LD processor would have
//! to fetch), 3.0 files carry compact types (`"@type": "Dataset"`) and often no context at all.
//! Their keys are fixed by the schemas, so the context is in effect built in here: the file is
//! read as JSON by those keys, never expanded and never fetched. That also keeps `accessLevel`,
//! which the v1.1 context leaves out (an RDF reading drops it).
//!
//! Per dataset: `license` (a URL, or the POD `unknown-license` placeholder), `accessLevel`
//! (`public`, `restricted public`, `non-public`) with the `rights` text (v1.1: the access
//! conditions; required when the level is not public) or 3.0's `accessRights`, and one item per
//! `distribution` at its `downloadURL`, else `accessURL`, else its access service's
//! `endpointURL`. A 3.0 `DataService` that serves a dataset is an access location of it. A
//! dataset with none of these is still reported, as one item without a location, so its
//! licence is judged and the missing location is a finding.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Dataset, Entry, InputFormat, Item, json_text, text};
use crate::error::{Error, Result};

/// Words in `conformsTo`, `describedBy` or a remote `@context` that name the DCAT-US schemas.
fn names_dcat_us(v: Option<&Value>) -> bool {
    let mentions = |s: &str| {
        let s = s.to_ascii_lowercase();
        s.contains("project-open-data") || s.contains("dcat-us") || s.contains("dcat_us")
    };
    match v {
        Some(Value::String(s)) => mentions(s),
        Some(Value::Object(o)) => o.values().any(|v| v.as_str().is_some_and(mentions)),
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str().is_some_and(mentions)),
        _ => false,
    }
}

fn type_is(o: &Map<String, Value>, names: &[&str]) -> bool {
    match o.get("@type") {
        Some(Value::String(t)) => names.iter().any(|n| t.eq_ignore_ascii_case(n)),
        Some(Value::Array(a)) => a.iter().any(|t| t.as_str().is_some_and(|t| names.contains(&t))),
        _ => false,
    }
}

/// Whether a top-level JSON object is a DCAT-US catalog (or a single DCAT-US dataset).
pub fn is_catalog(o: &Map<String, Value>) -> bool {
    let remote_context = !matches!(o.get("@context"), Some(Value::Object(_)));
    if is_dataset(o)
        && (o.contains_key("accessLevel")
            || (remote_context && type_is(o, &["dcat:Dataset", "Dataset"]))
            || (remote_context && is_dcat_json_dataset(o)))
    {
        return true;
    }
    let datasets = o.get("dataset").and_then(Value::as_array);
    let services = o.get("service").and_then(Value::as_array);
    if datasets.is_none() && services.is_none() && !o.contains_key("datasetSeries") {
        return false;
    }
    names_dcat_us(o.get("conformsTo"))
        || names_dcat_us(o.get("describedBy"))
        || (remote_context && names_dcat_us(o.get("@context")))
        || (remote_context && type_is(o, &["dcat:Catalog", "Catalog"]))
        || datasets
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .any(|d| d.contains_key("accessLevel") || (remote_context && is_dcat_json_dataset(d)))
}

/// A dataset in the plain DCAT JSON that DCAT-US grew from (ckanext-dcat's `json` format, the
/// okfn data catalog spec): a title and distributions given by `accessURL`/`downloadURL`.
pub fn is_dcat_json_dataset(o: &Map<String, Value>) -> bool {
    o.contains_key("title")
        && o.get("distribution").and_then(Value::as_array).is_some_and(|d| {
            d.iter().filter_map(Value::as_object).any(|x| {
                x.keys().any(|k| k.eq_ignore_ascii_case("accessURL") || k.eq_ignore_ascii_case("downloadURL"))
            })
        })
}

fn is_dataset(o: &Map<String, Value>) -> bool {
    o.contains_key("title") && (o.contains_key("identifier") || o.contains_key("distribution"))
}

/// A key, or the same key in other letter case (ArcGIS Hub writes `accessUrl`).
fn get<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).or_else(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// Text from a string, a number, an `{"@id"}` / `{"@value"}` node, or the first such entry of
/// an array.
fn value_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(o) => json_text(o.get("@id")).or_else(|| json_text(o.get("@value"))),
        Value::Array(a) => a.iter().find_map(|v| value_text(Some(v))),
        other => json_text(Some(other)),
    }
}

/// All texts of a string or an array of strings (3.0 `rights` is an array).
fn texts(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|v| value_text(Some(v))).collect(),
        other => value_text(other).into_iter().collect(),
    }
}

/// The identifier: `@id`, else `identifier` (a string, or a 3.0 `Identifier` node with `@id` or
/// `notation`).
fn identifier(o: &Map<String, Value>) -> Option<String> {
    json_text(o.get("@id")).or_else(|| match o.get("identifier") {
        Some(Value::Object(i)) => json_text(i.get("@id")).or_else(|| json_text(i.get("notation"))),
        other => value_text(other),
    })
}

pub fn read(path: &Path, obj: &Map<String, Value>) -> Result<Vec<Entry>> {
    let mut datasets: Vec<&Map<String, Value>> = Vec::new();
    if obj.contains_key("dataset") || obj.contains_key("service") || obj.contains_key("datasetSeries") {
        datasets.extend(
            obj.get("dataset").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_object),
        );
    } else {
        datasets.push(obj);
    }
    let services: Vec<&Map<String, Value>> = obj
        .get("service")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    // Datasets a 3.0 series embeds (`seriesMember`, `first`, `last`), once each.
    for series in obj.get("datasetSeries").and_then(Value::as_array).into_iter().flatten() {
        for key in ["seriesMember", "first", "last"] {
            let members: Vec<&Value> = match series.get(key) {
                Some(Value::Array(a)) => a.iter().collect(),
                Some(v @ Value::Object(_)) => vec![v],
                _ => Vec::new(),
            };
            for m in members.into_iter().filter_map(Value::as_object).filter(|m| is_dataset(m)) {
                let id = identifier(m);
                if !datasets.iter().any(|d| identifier(d) == id && id.is_some()) {
                    datasets.push(m);
                }
            }
        }
    }
    // Datasets a service embeds and the catalog does not list (3.0 allows either).
    let listed: Vec<Option<String>> = datasets.iter().map(|d| identifier(d)).collect();
    for svc in &services {
        for served in svc.get("servesDataset").and_then(Value::as_array).into_iter().flatten() {
            if let Some(d) = served.as_object().filter(|d| is_dataset(d))
                && !listed.contains(&identifier(d))
            {
                datasets.push(d);
            }
        }
    }
    if datasets.is_empty() {
        return Err(Error::input(path, "DCAT-US catalog without datasets (`dataset` is empty or missing)"));
    }
    Ok(datasets.into_iter().enumerate().map(|(i, d)| Ok(dataset(path, i, d, &services))).collect())
}

/// A JSON array of datasets (plain DCAT JSON): one dataset each.
pub fn read_list(path: &Path, list: &[Value]) -> Result<Vec<Entry>> {
    let datasets: Vec<&Map<String, Value>> = list.iter().filter_map(Value::as_object).collect();
    if datasets.is_empty() {
        return Err(Error::input(path, "a JSON array without dataset objects"));
    }
    Ok(datasets.into_iter().enumerate().map(|(i, d)| Ok(dataset(path, i, d, &[]))).collect())
}

/// A service's endpoint: `endpointURL` (a string or a list), else its `accessURL`.
fn endpoint(svc: &Map<String, Value>) -> Option<String> {
    value_text(get(svc, "endpointURL")).or_else(|| value_text(get(svc, "accessURL")))
}

fn dataset(
    path: &Path,
    position: usize,
    o: &Map<String, Value>,
    services: &[&Map<String, Value>],
) -> Dataset {
    let mut d = Dataset::new(path, position, InputFormat::Dcat);
    d.id = identifier(o);
    d.name = value_text(o.get("title")).or_else(|| d.id.clone());
    d.license = value_text(o.get("license"));
    d.access = access(o);
    d.home_url = value_text(o.get("landingPage"));
    d.expects_urls = true;
    for (n, dist) in o.get("distribution").and_then(Value::as_array).into_iter().flatten().enumerate() {
        let Some(dist) = dist.as_object() else { continue };
        let url = value_text(get(dist, "downloadURL"))
            .or_else(|| value_text(get(dist, "accessURL")))
            .or_else(|| get(dist, "accessService").and_then(Value::as_object).and_then(endpoint));
        let title = value_text(dist.get("title"));
        d.items.push(Item {
            id: identifier(dist).or_else(|| url.clone()).or_else(|| Some(format!("distribution {}", n + 1))),
            title,
            license: value_text(dist.get("license")),
            url,
            access: text(access(dist).as_deref()),
            ..Item::default()
        });
    }
    // Services that serve this dataset, by embedding it or naming its identifier.
    for svc in services {
        let serves =
            svc.get("servesDataset").and_then(Value::as_array).into_iter().flatten().any(|s| match s {
                Value::Object(x) => identifier(x).is_some() && identifier(x) == d.id,
                other => value_text(Some(other)).is_some() && value_text(Some(other)) == d.id,
            });
        if serves {
            let url = endpoint(svc);
            d.items.push(Item {
                id: identifier(svc).or_else(|| url.clone()),
                title: value_text(svc.get("title")),
                license: value_text(svc.get("license")),
                url,
                access: access(svc),
                evidence: Some("a data service that serves the dataset".into()),
                ..Item::default()
            });
        }
    }
    if d.items.is_empty() {
        d.items.push(d.record_item("the dataset lists no distribution and no service serves it"));
    }
    d.inherit();
    d
}

/// The POD schema's own description of `rights` ("This may include information regarding access
/// or restrictions based on privacy, security, or other policies."), which some catalogs copy
/// into the field: it states nothing about this dataset, so it is not read as a restriction.
fn is_schema_boilerplate(text: &str) -> bool {
    let folded: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    folded.starts_with("this may include information regarding access or restrictions based on")
}

/// The access fact: `accessLevel`, else `accessRights`, followed by the `rights` text (which
/// states the conditions of a restricted level, or restrictions a "public" level leaves out).
fn access(o: &Map<String, Value>) -> Option<String> {
    let level = value_text(o.get("accessLevel")).or_else(|| value_text(o.get("accessRights")));
    let rights: Vec<String> =
        texts(o.get("rights")).into_iter().filter(|t| !is_schema_boilerplate(t)).collect();
    let rights = rights.join(" ");
    match (level, text(Some(&rights))) {
        (Some(l), Some(r)) if !r.eq_ignore_ascii_case(&l) => Some(format!("{l}; {r}")),
        (l, r) => l.or(r),
    }
}
