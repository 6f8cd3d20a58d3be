//! DataCite (JSON as the REST API and the schema examples give it, and kernel-4 XML) and Zenodo
//! records (legacy database rows, the legacy REST API, InvenioRDM).
//!
//! DataCite describes a record, not files, so the record is the item, accessed at its content URL
//! or its DOI. Zenodo records list files: one item per file, each at its download link, or at the
//! record's DOI when the record gives no link. `rightsList` mixes licenses with access statements
//! (`info:eu-repo/semantics/openAccess`); the latter become the access fact.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Dataset, Entry, InputFormat, Item, Unreadable, is_web_url, json_text, text};
use crate::error::{Error, Result};

pub fn is_datacite(obj: &Map<String, Value>) -> bool {
    let attrs = attributes(obj);
    attrs.contains_key("rightsList")
        || (attrs.contains_key("doi") && (attrs.contains_key("titles") || attrs.contains_key("creators")))
}

pub fn is_zenodo(obj: &Map<String, Value>) -> bool {
    if let Some(first) = search_hits(obj).and_then(|h| h.first()).and_then(Value::as_object) {
        return is_zenodo(first);
    }
    // A `.zenodo.json` deposit file: the deposit metadata at the top, `upload_type` its mark.
    if obj.contains_key("upload_type") && (obj.contains_key("title") || obj.contains_key("creators")) {
        return true;
    }
    let inner = zenodo_record(obj);
    inner.contains_key("access_right")
        || inner.contains_key("recid")
        || inner.contains_key("conceptrecid")
        || inner.contains_key("_files")
        || inner.get("metadata").and_then(Value::as_object).is_some_and(|m| {
            m.contains_key("access_right") || m.contains_key("upload_type") || m.contains_key("resource_type")
        })
}

/// The records of a Zenodo / InvenioRDM search response (`{"hits": {"hits": [...], "total"}}`).
fn search_hits(obj: &Map<String, Value>) -> Option<&Vec<Value>> {
    obj.get("hits").and_then(|h| h.get("hits")).and_then(Value::as_array)
}

/// DataCite REST wraps the record in `data.attributes`.
fn attributes(obj: &Map<String, Value>) -> &Map<String, Value> {
    obj.get("data").and_then(|d| d.get("attributes")).and_then(Value::as_object).unwrap_or(obj)
}

/// A legacy Zenodo database row holds the record in `json`.
fn zenodo_record(obj: &Map<String, Value>) -> &Map<String, Value> {
    match obj.get("json").and_then(Value::as_object) {
        Some(inner)
            if inner.contains_key("recid") || inner.contains_key("_files") || inner.contains_key("doi") =>
        {
            inner
        }
        _ => obj,
    }
}

/// The access term an `info:eu-repo/semantics/...Access` statement stands for (OpenAIRE
/// guidelines), in the words of the access vocabulary.
pub fn eu_repo_access(uri: &str) -> Option<&'static str> {
    let rest = uri.trim().strip_prefix("info:eu-repo/semantics/")?;
    Some(match rest.to_ascii_lowercase().as_str() {
        "openaccess" => "open",
        "embargoedaccess" => "embargoed",
        "restrictedaccess" => "restricted",
        "closedaccess" => "closed",
        _ => return None,
    })
}

/// One `rightsList` entry: its statement (SPDX identifier, else text, else URI), URI, and whether
/// it is an access statement rather than a license.
#[derive(Debug, Default)]
struct Rights {
    text: Option<String>,
    uri: Option<String>,
    identifier: Option<String>,
}

/// Splits rights into (license, license URL) and an access fact.
fn split_rights(rights: Vec<Rights>) -> (Option<String>, Option<String>, Option<String>) {
    let mut access = None;
    let mut licenses = Vec::new();
    for r in rights {
        if let Some(a) = r.uri.as_deref().and_then(eu_repo_access) {
            access = Some(a.to_string());
            continue;
        }
        let statement = r.identifier.clone().or_else(|| r.text.clone()).or_else(|| r.uri.clone());
        if let Some(s) = statement {
            licenses.push((s, r.uri));
        }
    }
    match licenses.len() {
        0 => (None, None, access),
        1 => {
            let (s, u) = licenses.remove(0);
            (Some(s), u, access)
        }
        // Several licenses for one record: all of them apply (the same one stated in several
        // languages counts once).
        _ => {
            let joined = super::join_licences(licenses.iter().map(|(s, _)| s.clone()).collect());
            let url = if joined.as_deref().is_some_and(|j| !j.contains(" AND ")) {
                licenses.into_iter().find_map(|(_, u)| u)
            } else {
                None
            };
            (joined, url, access)
        }
    }
}

fn doi_url(doi: &str) -> String {
    let doi = doi.trim();
    if is_web_url(doi) {
        doi.to_string()
    } else {
        format!("https://doi.org/{}", doi.trim_start_matches("doi:"))
    }
}

pub fn read(path: &Path, bytes: &[u8], format: InputFormat) -> Result<Vec<Entry>> {
    let head = bytes.iter().find(|b| !b.is_ascii_whitespace() && **b != 0xef && **b != 0xbb && **b != 0xbf);
    if head == Some(&b'<') {
        return read_xml(path, bytes).map(|d| vec![d]);
    }
    let (obj, note) = super::parse_object(path, bytes, format)?;
    if let Some(hits) = search_hits(&obj) {
        // A search response: one dataset per record; a page that holds fewer records than the
        // total says so.
        let mut entries: Vec<Entry> = hits
            .iter()
            .enumerate()
            .map(|(i, h)| match h.as_object() {
                Some(r) => zenodo(path, i, zenodo_record(r)),
                None => Err(Unreadable {
                    source: path.to_path_buf(),
                    position: i,
                    id: None,
                    name: None,
                    reason: "a search hit that is not a JSON object".into(),
                }),
            })
            .collect();
        let total = obj
            .get("hits")
            .and_then(|h| h.get("total"))
            .and_then(|t| t.as_u64().or_else(|| t.get("value")?.as_u64()));
        if let Some(t) = total.filter(|t| *t > hits.len() as u64) {
            super::add_note(
                &mut entries,
                Some(format!(
                    "this search response holds {} of the {t} records it matched: the others were not audited (page through with `page` and `size`)",
                    hits.len()
                )),
            );
        }
        super::add_note(&mut entries, note);
        return Ok(entries);
    }
    let entry = if format == InputFormat::Zenodo || (is_zenodo(&obj) && !is_datacite(&obj)) {
        zenodo(path, 0, zenodo_record(&obj))
    } else {
        datacite_json(path, attributes(&obj))
    };
    let mut entries = vec![entry];
    super::add_note(&mut entries, note);
    Ok(entries)
}

fn record_dataset(
    path: &Path,
    format: InputFormat,
    doi: Option<String>,
    title: Option<String>,
    rights: Vec<Rights>,
    url: Option<String>,
) -> Entry {
    let mut d = Dataset::new(path, 0, format);
    d.id = doi.clone();
    d.name = title.or_else(|| doi.clone());
    let (license, license_url, access) = split_rights(rights);
    d.license = license;
    d.license_url = license_url;
    d.access = access;
    d.expects_urls = true;
    d.items.push(Item {
        id: d.id.clone().or_else(|| Some(super::file_label(path))),
        title: d.name.clone(),
        url: url.or_else(|| doi.as_deref().map(doi_url)),
        ..Item::default()
    });
    // The record is the item: its license is the record's own, not inherited.
    for item in &mut d.items {
        item.license.clone_from(&d.license);
        item.license_url.clone_from(&d.license_url);
    }
    d.inherit();
    Ok(d)
}

fn datacite_json(path: &Path, a: &Map<String, Value>) -> Entry {
    let doi = json_text(a.get("doi")).or_else(|| {
        a.get("identifiers").and_then(Value::as_array).and_then(|ids| {
            ids.iter()
                .find(|i| i.get("identifierType").and_then(Value::as_str) == Some("DOI"))
                .and_then(|i| json_text(i.get("identifier")))
        })
    });
    let title = a
        .get("titles")
        .and_then(Value::as_array)
        .and_then(|t| t.iter().find_map(|t| json_text(t.get("title"))));
    let rights: Vec<Rights> = a
        .get("rightsList")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|r| Rights {
            text: json_text(r.get("rights")),
            uri: json_text(r.get("rightsUri")).or_else(|| json_text(r.get("rightsURI"))),
            identifier: json_text(r.get("rightsIdentifier")),
        })
        .collect();
    let url = match a.get("contentUrl") {
        Some(Value::Array(u)) => u.iter().find_map(|u| json_text(Some(u))),
        other => json_text(other),
    }
    .or_else(|| json_text(a.get("url")));
    record_dataset(path, InputFormat::Datacite, doi, title, rights, url)
}

/// DataCite kernel-4 XML: identifier, first title, rights. An element's text is all of its
/// text and CDATA pieces joined (a comment or a CDATA section can split a value); a document
/// that ends with an element still open is truncated, and refused.
fn read_xml(path: &Path, bytes: &[u8]) -> Result<Entry> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let (mut doi, mut title, mut rights, mut content_url) = (None, None, Vec::new(), None);
    // Open elements, innermost last: name, rights attributes, is DOI identifier, text so far.
    let mut open: Vec<(String, Rights, bool, String)> = Vec::new();
    let mut saw_resource = false;
    let bad = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| {
        Error::input(path, format!("not well-formed XML at byte {}: {e}", reader.buffer_position()))
    };
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| bad(&reader, &e))?;
        match event {
            Event::Start(e) => {
                let (name, r, is_doi) = start_tag(&e, &mut saw_resource);
                open.push((name, r, is_doi, String::new()));
            }
            Event::Empty(e) => {
                // A self-closing `<rights rightsURI=".."/>` has no text and no end tag.
                let (name, r, _) = start_tag(&e, &mut saw_resource);
                if name == "rights" {
                    rights.push(r);
                }
            }
            Event::Text(t) => {
                // An entity the document does not define is an error, never an empty value.
                let value = t.unescape().map_err(|e| bad(&reader, &e))?;
                if let Some(top) = open.last_mut() {
                    top.3.push_str(&value);
                }
            }
            Event::CData(t) => {
                if let Some(top) = open.last_mut() {
                    top.3.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                if let Some((name, mut r, is_doi, value)) = open.pop() {
                    match name.as_str() {
                        "identifier" if is_doi => doi = text(Some(&value)),
                        "title" if title.is_none() => title = text(Some(&value)),
                        "rights" => {
                            r.text = text(Some(&value));
                            rights.push(r);
                        }
                        "contentUrl" if content_url.is_none() => content_url = text(Some(&value)),
                        _ => {}
                    }
                }
            }
            Event::DocType(_) => {
                // Entities it declares are never expanded (see above); nothing else in it matters.
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if let Some((name, ..)) = open.last() {
        return Err(Error::input(path, format!("truncated XML: <{name}> is never closed")));
    }
    if !saw_resource {
        return Err(Error::input(path, "XML without a DataCite <resource> element"));
    }
    Ok(record_dataset(path, InputFormat::Datacite, doi, title, rights, content_url))
}

/// A tag's local name, its rights attributes, and whether it is a DOI identifier.
fn start_tag(e: &quick_xml::events::BytesStart, saw_resource: &mut bool) -> (String, Rights, bool) {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    if name == "resource" {
        *saw_resource = true;
    }
    let mut r = Rights::default();
    let mut is_doi = false;
    for attr in e.attributes().flatten() {
        let key = String::from_utf8_lossy(attr.key.local_name().as_ref()).into_owned();
        let value = attr.unescape_value().map(|v| v.into_owned()).unwrap_or_default();
        match key.as_str() {
            "rightsURI" => r.uri = text(Some(&value)),
            "rightsIdentifier" => r.identifier = text(Some(&value)),
            "identifierType" => is_doi = value.eq_ignore_ascii_case("DOI"),
            _ => {}
        }
    }
    (name, r, is_doi)
}

fn zenodo(path: &Path, position: usize, r: &Map<String, Value>) -> Entry {
    let meta = r.get("metadata").and_then(Value::as_object).unwrap_or(r);
    let doi = json_text(r.get("doi"))
        .or_else(|| json_text(meta.get("doi")))
        .or_else(|| r.get("pids").and_then(|p| p.get("doi")).and_then(|d| json_text(d.get("identifier"))));
    let recid = json_text(r.get("recid")).or_else(|| json_text(r.get("id")));
    let mut d = Dataset::new(path, position, InputFormat::Zenodo);
    d.id = doi.clone().or_else(|| recid.clone());
    // A deposit file (`.zenodo.json`) describes a record not yet published: it has no location.
    let deposit = r.contains_key("upload_type") && !r.contains_key("metadata");
    d.name = json_text(meta.get("title")).or_else(|| d.id.clone());
    d.expects_urls = !deposit;

    // License: `{"$ref": ".../licenses/CC-BY-4.0"}` (legacy), `{"id": "cc-by-4.0"}`, a string,
    // or InvenioRDM `rights: [{id, title, link}]`.
    let mut evidence = None;
    let license_value = meta.get("license").or_else(|| r.get("license"));
    d.license = match license_value {
        Some(Value::Object(l)) => json_text(l.get("id")).or_else(|| {
            let reference = json_text(l.get("$ref"))?;
            // The reference ends in Zenodo's license id (its SPDX-style key).
            let id = reference.trim_end_matches('/').rsplit('/').next().map(str::to_string);
            evidence = Some(format!("license reference {reference}"));
            id
        }),
        other => json_text(other),
    };
    if d.license.is_none()
        && let Some(rights) = meta.get("rights").and_then(Value::as_array)
    {
        let ids: Vec<String> = rights
            .iter()
            .filter_map(|x| {
                json_text(x.get("id")).or_else(|| x.get("title").and_then(|t| json_text(t.get("en"))))
            })
            .collect();
        d.license = super::join_licences(ids);
        // One licence (stated once, or the same one repeated): its link is the licence URL.
        if d.license.as_deref().is_some_and(|l| !l.contains(" AND ")) {
            d.license_url = rights.iter().find_map(|x| json_text(x.get("link")));
        }
    }

    // Access: `access_right` (open, embargoed, restricted, closed), or InvenioRDM `access`.
    d.access =
        json_text(meta.get("access_right")).or_else(|| json_text(r.get("access_right"))).or_else(|| {
            let access = r.get("access")?;
            if access.get("embargo").and_then(|e| e.get("active")) == Some(&Value::Bool(true)) {
                return Some("embargoed".into());
            }
            json_text(access.get("files")).map(|f| if f == "public" { "open".into() } else { f })
        });

    let record_url = r
        .get("links")
        .and_then(|l| json_text(l.get("doi")).or_else(|| json_text(l.get("html"))))
        .or_else(|| doi.as_deref().map(doi_url));
    let files: Vec<&Value> = match r.get("files").or_else(|| r.get("_files")) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => match o.get("entries") {
            Some(Value::Object(e)) => e.values().collect(),
            Some(Value::Array(e)) => e.iter().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    for f in files {
        let key = json_text(f.get("key")).or_else(|| json_text(f.get("filename")));
        let link = f
            .get("links")
            .and_then(|l| ["self", "download", "content"].iter().find_map(|k| json_text(l.get(*k))));
        d.items.push(Item {
            id: json_text(f.get("id")).or_else(|| json_text(f.get("file_id"))).or_else(|| key.clone()),
            title: key,
            url: link.or_else(|| record_url.clone()),
            evidence: evidence.clone(),
            ..Item::default()
        });
    }
    if d.items.is_empty() {
        // A record without files (metadata only, or closed): the record itself is the item.
        d.items.push(Item {
            id: d.id.clone(),
            title: d.name.clone(),
            url: record_url,
            evidence: evidence.clone(),
            ..Item::default()
        });
    }
    if d.id.is_none() && d.name.is_none() && d.license.is_none() && d.access.is_none() {
        return Err(Unreadable {
            source: path.to_path_buf(),
            position,
            id: None,
            name: None,
            reason: "Zenodo record without id, DOI, title, license or access_right".into(),
        });
    }
    // Files carry no license of their own on Zenodo: the record's applies to each.
    d.inherit();
    Ok(d)
}

#[cfg(test)]
mod xml_tests {
    use super::*;

    fn doc(rights: &str) -> String {
        format!(
            r#"<?xml version="1.0"?>
<resource xmlns="http://datacite.org/schema/kernel-4">
  <identifier identifierType="DOI">10.1234/x</identifier>
  <titles><title>T</title></titles>
  <rightsList>{rights}</rightsList>
</resource>"#
        )
    }

    fn license_of(xml: &str) -> Result<Option<String>> {
        let entry = read_xml(Path::new("r.xml"), xml.as_bytes())?;
        Ok(entry.ok().and_then(|d| d.license))
    }

    #[test]
    fn a_value_split_by_a_comment_or_in_cdata_is_read_whole() {
        let split = doc("<rights>CC-BY<!-- x -->-NC-4.0</rights>");
        assert_eq!(license_of(&split).expect("read").as_deref(), Some("CC-BY-NC-4.0"));
        let cdata = doc("<rights><![CDATA[CC-BY-NC]]>-4.0</rights>");
        assert_eq!(license_of(&cdata).expect("read").as_deref(), Some("CC-BY-NC-4.0"));
    }

    #[test]
    fn truncated_xml_and_undefined_entities_are_errors() {
        let whole = doc("<rights>CC0-1.0</rights>");
        let cut = &whole[..whole.find("</rightsList>").expect("end")];
        let err = license_of(cut).expect_err("truncated");
        assert!(err.to_string().contains("truncated"), "{err}");
        let entity = doc("<rights>&lic;</rights>");
        assert!(license_of(&entity).is_err());
    }
}
