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
    let count = match &value {
        Value::Object(o) => o.get("result").and_then(|r| r.get("count")).or_else(|| o.get("count")),
        _ => None,
    };
    let note = count.and_then(Value::as_u64).and_then(|c| partial_page(packages.len(), c));
    let mut entries: Vec<Entry> =
        packages.into_iter().enumerate().map(|(i, p)| package(path, i, p)).collect();
    super::add_note(&mut entries, note);
    Ok(entries)
}

/// The note for a `package_search` page that holds fewer packages than the portal's `count`:
/// the batch covers this page, not the portal.
pub(crate) fn partial_page(seen: usize, count: u64) -> Option<String> {
    (count > seen as u64).then(|| {
        format!(
            "this package_search page holds {seen} of the {count} packages the portal counts: the other {} were not audited (page through with `start` and `rows`)",
            count - seen as u64
        )
    })
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

pub(crate) fn package(path: &Path, position: usize, value: &Value) -> Entry {
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
    d.license_url = json_text(p.get("license_url"));
    let (license, evidence) = super::best_licence(&[
        ("license_id", json_text(p.get("license_id"))),
        ("license_title", json_text(p.get("license_title"))),
        ("license_url", d.license_url.clone()),
    ]);
    d.license = license;
    d.access = if p.get("private") == Some(&Value::Bool(true)) {
        // A private package is visible only to its organization's members.
        Some("private".into())
    } else {
        // ckanext-dcat's DCAT-AP schema: dct:accessRights as a URI or free text.
        json_text(p.get("access_rights")).or_else(|| json_text(p.get("access_level")))
    };
    d.expects_urls = true;
    let Some(resources) = p.get("resources").and_then(Value::as_array) else {
        return Err(unreadable(&d, "CKAN package has no `resources` list".into()));
    };
    if resources.is_empty() {
        // Still a dataset: its licence is judged and its missing location reported.
        d.items.push(d.record_item("the package lists no resources"));
    }
    for r in resources {
        let Some(r) = r.as_object() else { continue };
        let url = ["url", "download_url", "access_url"].iter().find_map(|k| json_text(r.get(*k)));
        d.items.push(Item {
            id: json_text(r.get("id")).or_else(|| json_text(r.get("name"))),
            title: json_text(r.get("name")).or_else(|| json_text(r.get("description"))),
            license: resource_licence(r),
            license_url: json_text(r.get("license_url")),
            url,
            // ckanext-dcat's `access_rights`, or an `access_level` (`open_login`, ...).
            access: json_text(r.get("access_rights")).or_else(|| json_text(r.get("access_level"))),
            ..Item::default()
        });
    }
    if d.items.is_empty() {
        return Err(unreadable(&d, "CKAN package's resources are not objects: nothing to audit".into()));
    }
    d.inherit();
    if let Some(e) = evidence {
        for item in d.items.iter_mut().filter(|i| i.license_inherited) {
            item.evidence = Some(match item.evidence.take() {
                Some(x) => format!("{x}; {e}"),
                None => e.clone(),
            });
        }
    }
    Ok(d)
}

/// A resource's licence: `license`, else `license_id`; a `rights` code (opendata.swiss keeps its
/// terms of use there) only when it names a licence with certainty, so a rights prose statement
/// is never read as the licence.
fn resource_licence(r: &Map<String, Value>) -> Option<String> {
    let stated = json_text(r.get("license")).or_else(|| json_text(r.get("license_id")));
    let certain = |v: &str| {
        use crate::license::{Status, normalize};
        matches!(normalize(v).status, Status::Exact | Status::Normalized)
    };
    match (stated, json_text(r.get("rights"))) {
        (Some(s), Some(rights)) if !certain(&s) && certain(&rights) => Some(rights),
        (None, Some(rights)) if certain(&rights) => Some(rights),
        (s, _) => s,
    }
}

/// Reads a CKAN file incrementally, handing each package to `each` as soon as it is read (until
/// `each` returns false), so a dump of any size is never held whole: a JSON Lines dump line by
/// line, an API response or array package by package as the parser reaches it. Only one
/// package's JSON is in memory at a time.
pub fn stream(path: &Path, each: &mut dyn FnMut(Entry) -> bool) -> Result<Vec<String>> {
    use std::io::{BufRead, BufReader};
    let open = || std::fs::File::open(path).map_err(|e| Error::io(path, &e));
    let mut reader = BufReader::with_capacity(1 << 16, open()?);
    // JSON Lines when the first line is a whole JSON value and more follows; else one document.
    // Lines are held up to the metadata limit (one package per line); a longer first line is
    // taken for one document, which streams.
    use crate::manifest::json::{Line, read_line};
    let max = usize::try_from(crate::limits::max_metadata_bytes()).unwrap_or(usize::MAX);
    let mut first = Vec::new();
    let first_read = read_line(&mut reader, &mut first, max).map_err(|e| Error::io(path, &e))?;
    let first_is_value =
        first_read == Line::Read && serde_json::from_slice::<serde::de::IgnoredAny>(&first).is_ok();
    let more = {
        // Trailing blank lines after a one-line document are not more JSON Lines.
        let rest = reader.fill_buf().map_err(|e| Error::io(path, &e))?;
        rest.iter().any(|b| !b.is_ascii_whitespace())
    };
    if first_is_value && more {
        let mut position = 0usize;
        let mut n = 0usize;
        let mut line = first;
        let mut too_long = false;
        loop {
            n += 1;
            if too_long {
                let entry = Err(Unreadable {
                    source: path.to_path_buf(),
                    position,
                    id: Some(format!("line {n}")),
                    name: None,
                    reason: format!("line {n} is longer than {max} bytes (--max-metadata-bytes); not read"),
                });
                position += 1;
                if !each(entry) {
                    return Ok(Vec::new());
                }
            } else if line.iter().any(|b| !b.is_ascii_whitespace()) {
                let entry = match serde_json::from_slice::<Value>(&line) {
                    Ok(v) => package(path, position, &v),
                    Err(e) => Err(Unreadable {
                        source: path.to_path_buf(),
                        position,
                        id: Some(format!("line {n}")),
                        name: None,
                        reason: format!("line {n} is not valid JSON: {e}"),
                    }),
                };
                position += 1;
                if !each(entry) {
                    return Ok(Vec::new());
                }
            }
            match read_line(&mut reader, &mut line, max).map_err(|e| Error::io(path, &e))? {
                Line::End => return Ok(Vec::new()),
                Line::TooLong => too_long = true,
                Line::Read => too_long = false,
            }
        }
    }
    // One JSON document: packages are handed on while the parser walks it.
    let reader = BufReader::with_capacity(1 << 16, open()?);
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut walker = Walker { path, each, position: 0, stopped: false, failure: None, count: None };
    let walked = serde::de::DeserializeSeed::deserialize(Top(&mut walker), &mut de);
    if let Some(e) = walker.failure {
        return Err(e);
    }
    if walker.stopped {
        return Ok(Vec::new());
    }
    let notes = walker.count.and_then(|c| partial_page(walker.position, c)).into_iter().collect();
    if let Err(e) = &walked
        && walker.position == 0
        && (e.to_string().contains("surrogate") || e.to_string().contains("hex escape"))
    {
        // A lone surrogate escape stops the streaming parser before any package: the file is
        // read whole once more, with the escape repaired and a note on every dataset.
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
        let (fixed, n) = super::repair_surrogates(&bytes);
        let mut entries = read(path, &fixed)?;
        let note = format!("{n} lone UTF-16 surrogate escape(s) replaced by U+FFFD ({e})");
        super::add_note(&mut entries, Some(note));
        for entry in entries {
            if !each(entry) {
                break;
            }
        }
        return Ok(notes);
    }
    match walked {
        Ok(()) => de
            .end()
            .map(|()| notes)
            .map_err(|e| Error::input(path, format!("not valid JSON after the packages: {e}"))),
        Err(e) => Err(Error::input(path, format!("not valid JSON ({e}); expected CKAN metadata"))),
    }
}

/// The state of a streamed document: where packages go and how many were seen.
struct Walker<'a, 'e> {
    path: &'a Path,
    each: &'e mut dyn FnMut(Entry) -> bool,
    position: usize,
    stopped: bool,
    failure: Option<Error>,
    /// `count` of a `package_search` result: how many packages the portal holds in all.
    count: Option<u64>,
}

impl Walker<'_, '_> {
    fn package(&mut self, value: &Value) {
        if self.stopped {
            return;
        }
        let entry = package(self.path, self.position, value);
        self.position += 1;
        if !(self.each)(entry) {
            self.stopped = true;
        }
    }
}

/// The top of a CKAN document: an API response (`{help, success, result}`), a `{results: [...]}`
/// object, a package, or an array of packages.
struct Top<'w, 'a, 'e>(&'w mut Walker<'a, 'e>);

impl<'de> serde::de::DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(Level { walker: self.0, depth: 0 })
    }
}

/// One level of the document: at depth 0 the top; a `result` or `results` member below it holds
/// the packages. A top-level object that is itself a package is handed on whole.
struct Level<'w, 'a, 'e> {
    walker: &'w mut Walker<'a, 'e>,
    depth: u8,
}

impl<'de> serde::de::Visitor<'de> for Level<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a CKAN package, package list or API response")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        // An array of packages: one at a time. Once the caller has stopped, the rest is not
        // parsed (the parser's complaint about the unfinished array is then ignored).
        while !self.walker.stopped {
            match seq.next_element::<Value>()? {
                Some(v) => self.walker.package(&v),
                None => break,
            }
        }
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        // Members are kept (small ones: help, success, count...) until the packages come; a
        // package list under `result`/`results` is streamed instead of kept.
        let mut kept = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            if self.depth < 2 && (key == "result" || key == "results") {
                map.next_value_seed(Inner {
                    walker: self.walker,
                    depth: self.depth + 1,
                    streamed: &mut streamed,
                })?;
            } else {
                let v: Value = map.next_value()?;
                kept.insert(key, v);
            }
        }
        if kept.get("success") == Some(&Value::Bool(false)) {
            let why = kept.get("error").map_or_else(|| "no error given".to_string(), Value::to_string);
            self.walker.failure =
                Some(Error::input(self.walker.path, format!("the CKAN API answered success: false ({why})")));
            return Ok(());
        }
        if !streamed && self.depth == 0 {
            if is_api_response(&kept) || kept.contains_key("results") {
                self.walker.failure = Some(Error::input(
                    self.walker.path,
                    "CKAN API response without a package or package list",
                ));
            } else {
                // A bare package (package_show without the wrapper).
                self.walker.package(&Value::Object(kept));
            }
        }
        Ok(())
    }
}

/// The value of a `result`/`results` member: a package list (streamed), a package, or an
/// object holding `results`.
struct Inner<'w, 'a, 'e, 's> {
    walker: &'w mut Walker<'a, 'e>,
    depth: u8,
    streamed: &'s mut bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Inner<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        let v = d.deserialize_any(InnerVisitor { walker: self.walker, depth: self.depth })?;
        *self.streamed |= v;
        Ok(())
    }
}

struct InnerVisitor<'w, 'a, 'e> {
    walker: &'w mut Walker<'a, 'e>,
    depth: u8,
}

impl<'de> serde::de::Visitor<'de> for InnerVisitor<'_, '_, '_> {
    /// Whether packages were found here.
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a package list or a package")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> std::result::Result<bool, A::Error> {
        Level { walker: self.walker, depth: self.depth }.visit_seq(seq)?;
        Ok(true)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<bool, A::Error> {
        // `result` of package_search holds `results`; of package_show, the package itself.
        let mut kept = Map::new();
        let mut streamed = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "results" {
                map.next_value_seed(Inner {
                    walker: self.walker,
                    depth: self.depth + 1,
                    streamed: &mut streamed,
                })?;
            } else {
                let v: Value = map.next_value()?;
                kept.insert(key, v);
            }
        }
        if !streamed {
            self.walker.package(&Value::Object(kept));
        } else if let Some(c) = kept.get("count").and_then(Value::as_u64) {
            self.walker.count = Some(c);
        }
        Ok(true)
    }

    fn visit_unit<E>(self) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<bool, E> {
        Ok(false)
    }
}
