//! Portal and catalog metadata as input: CKAN, DCAT / DCAT-AP (JSON-LD, Turtle, RDF/XML),
//! Frictionless data packages, Croissant, Hugging Face dataset cards, Zenodo and DataCite.
//!
//! Stewards and portal batch jobs rarely hold an item manifest; they hold catalog metadata. Each
//! reader turns its format into one model, [`Dataset`] with [`Item`]s (one per resource,
//! distribution, file or record), and [`Dataset::manifest`] turns that into the in-memory
//! manifest the ordinary audit reads. Nothing here judges: licenses and access facts are passed
//! on as written (or as the access-vocabulary term they stand for), so the rules stay in one place.

pub mod batch;
pub mod batch_pages;
pub mod ckan;
pub mod croissant;
pub mod datacite;
pub mod dcat;
pub mod folder;
pub mod frictionless;
pub mod harvest;
pub mod hf_card;
pub mod pod;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field as ArrowField, Schema};

use crate::config::{Config, OneOrMany};
use crate::error::{Error, Result};
use crate::license::{self, Status};
use crate::manifest::{Field, Manifest};

/// `--input-format`: what the audited paths hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum InputFormat {
    /// Decide by content (and extension for RDF and cards).
    Auto,
    /// An item manifest (Parquet, CSV/TSV, NDJSON, JSON array, Arrow IPC).
    Manifest,
    /// CKAN `package_show` / `package_search` API JSON, or a JSON Lines dump of packages.
    Ckan,
    /// DCAT / DCAT-AP as JSON-LD, Turtle, N-Triples or RDF/XML.
    Dcat,
    /// Frictionless `datapackage.json`.
    Frictionless,
    /// MLCommons Croissant JSON-LD.
    Croissant,
    /// Hugging Face dataset card (`README.md` with YAML front matter).
    HfCard,
    /// DataCite JSON or XML (kernel 4).
    Datacite,
    /// Zenodo record JSON (legacy or REST).
    Zenodo,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Auto => "auto",
            InputFormat::Manifest => "manifest",
            f => reader(f).map_or("portal metadata", |r| r.name),
        }
    }
}

type JsonObject = serde_json::Map<String, serde_json::Value>;

/// A portal reader: its format, how reports name it, the file extensions a folder's file may
/// have for it, how a top-level JSON object is recognized as it (for formats that are JSON
/// objects), and the reader.
#[derive(Debug)]
pub struct Reader {
    pub format: InputFormat,
    pub name: &'static str,
    pub extensions: &'static [&'static str],
    pub json_detect: Option<fn(&JsonObject) -> bool>,
    read: fn(&Path, &[u8]) -> Result<Vec<Entry>>,
}

fn has_context(o: &JsonObject) -> bool {
    o.contains_key("@context") || o.contains_key("@graph")
}

/// The portal readers, one row each. JSON detection tries the rows in this order.
pub const READERS: &[Reader] = &[
    Reader {
        format: InputFormat::Ckan,
        name: "CKAN",
        extensions: &["json", "jsonl", "ndjson"],
        json_detect: Some(|o| ckan::is_api_response(o) || ckan::is_package(o)),
        read: ckan::read,
    },
    Reader {
        format: InputFormat::Croissant,
        name: "Croissant",
        extensions: &["json", "jsonld"],
        json_detect: Some(|o| has_context(o) && croissant::is_croissant(o)),
        read: |path, bytes| {
            let (o, note) = parse_object(path, bytes, InputFormat::Croissant)?;
            let mut entries = vec![croissant::read(path, &o)];
            add_note(&mut entries, note);
            Ok(entries)
        },
    },
    Reader {
        format: InputFormat::Dcat,
        name: "DCAT",
        extensions: &["ttl", "nt", "n3", "rdf", "owl", "xml", "jsonld", "json"],
        json_detect: Some(|o| has_context(o) || pod::is_catalog(o)),
        read: dcat::read,
    },
    Reader {
        format: InputFormat::Zenodo,
        name: "Zenodo record",
        extensions: &["json", "jsonld"],
        json_detect: Some(datacite::is_zenodo),
        read: |path, bytes| datacite::read(path, bytes, InputFormat::Zenodo),
    },
    Reader {
        format: InputFormat::Datacite,
        name: "DataCite",
        extensions: &["json", "xml"],
        json_detect: Some(datacite::is_datacite),
        read: |path, bytes| datacite::read(path, bytes, InputFormat::Datacite),
    },
    Reader {
        format: InputFormat::Frictionless,
        name: "Frictionless data package",
        extensions: &["json", "jsonld"],
        json_detect: Some(frictionless::is_package),
        read: |path, bytes| {
            let (o, note) = parse_object(path, bytes, InputFormat::Frictionless)?;
            let mut entries = vec![frictionless::read(path, &o)];
            add_note(&mut entries, note);
            Ok(entries)
        },
    },
    Reader {
        format: InputFormat::HfCard,
        name: "Hugging Face dataset card",
        extensions: &["md"],
        json_detect: None,
        read: |path, bytes| Ok(vec![hf_card::read(path, bytes)?]),
    },
];

/// The row of `format` (none for `Auto` and `Manifest`).
pub fn reader(format: InputFormat) -> Option<&'static Reader> {
    READERS.iter().find(|r| r.format == format)
}

/// Whether a folder's file is worth reading as `format` (by its extension).
pub fn fits(path: &Path, format: InputFormat) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    reader(format).is_some_and(|r| r.extensions.contains(&ext.as_str()))
}

/// Whether a folder's file could hold portal metadata of any format.
pub fn is_candidate(path: &Path) -> bool {
    READERS.iter().any(|r| fits(path, r.format))
}

/// One dataset of a catalog, in the one model all formats share.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// The file it was read from.
    pub source: PathBuf,
    /// Position in that file (0 for a file holding one dataset): keeps batch output ordered.
    pub position: usize,
    /// The format it was read as.
    pub format: Option<InputFormat>,
    /// Identifier as the metadata gives it (package id, dataset IRI, DOI, ...).
    pub id: Option<String>,
    /// Human name or title.
    pub name: Option<String>,
    /// Dataset-level license statement as written: an id, a URL or a label.
    pub license: Option<String>,
    pub license_url: Option<String>,
    /// Dataset-level access fact, as a term the access vocabulary knows where one applies.
    pub access: Option<String>,
    /// A landing page, when the metadata has one (reported; not used as the home URL, see
    /// [`Dataset::config`]).
    pub home_url: Option<String>,
    /// Whether the format gives items an access URL. When it does, an item without one is an
    /// `access-location-missing` finding; when it never does (a dataset card), the report says
    /// the single-location criterion cannot be checked.
    pub expects_urls: bool,
    pub items: Vec<Item>,
    /// What the reader had to repair or tolerate to read the file (a lone surrogate escape, an
    /// IRI a strict parser refuses): the report lists these so a reading is never silently
    /// different from the file.
    pub notes: Vec<String>,
    /// Item manifests whose rows are items of this dataset too (data files of a dataset folder
    /// that have a licence column; the files of a folder of manifests).
    pub manifests: Vec<PathBuf>,
    /// Where this dataset's `dpg-audit.toml` is looked for, when it is not the batch's (a
    /// folder of manifests inside a mixed folder).
    pub config_dir: Option<PathBuf>,
}

/// One item: a resource, distribution, file or record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Item {
    pub id: Option<String>,
    pub title: Option<String>,
    pub license: Option<String>,
    pub license_url: Option<String>,
    pub url: Option<String>,
    pub access: Option<String>,
    /// The license was taken from the dataset because the item states none.
    pub license_inherited: bool,
    /// Where the license statement came from when that is worth saying (an RDF licence
    /// document's `skos:exactMatch`, a Zenodo license reference, ...).
    pub evidence: Option<String>,
    /// The item's file relative to the metadata file, when the metadata names one (a data
    /// package resource's local path): matches the item to a file of the dataset's folder.
    pub local_path: Option<String>,
}

/// A dataset that could not be read: in a batch it becomes a failed entry and the batch goes on.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub source: PathBuf,
    pub position: usize,
    pub id: Option<String>,
    pub name: Option<String>,
    pub reason: String,
}

/// What a file yields: datasets, or datasets that could not be read, in file order.
pub type Entry = std::result::Result<Dataset, Unreadable>;

impl Dataset {
    /// A new dataset read from `source` at `position`.
    pub fn new(source: &Path, position: usize, format: InputFormat) -> Dataset {
        Dataset { source: source.to_path_buf(), position, format: Some(format), ..Dataset::default() }
    }

    /// The label reports use: the name, else the id, else the file name.
    pub fn label(&self) -> String {
        self.name.clone().or_else(|| self.id.clone()).unwrap_or_else(|| file_label(&self.source))
    }

    /// How reports name the dataset's items: the file, and the dataset within it when the file
    /// holds several.
    pub fn display(&self, many_in_file: bool) -> String {
        let file = self.source.display().to_string();
        if many_in_file {
            format!("{file}#{}", self.id.clone().unwrap_or_else(|| self.label()))
        } else {
            file
        }
    }

    /// Gives every item without a license the dataset's, and without an access fact the
    /// dataset's. Readers call this once, after collecting the items.
    pub fn inherit(&mut self) {
        // An access-rights field that holds a licence URL states the licence, not an access
        // condition: it is read as the licence where none is stated, and never as access.
        if let Some(a) = self.access.take_if(|a| names_a_licence(a))
            && self.license.is_none()
        {
            self.license = Some(a);
        }
        // An access vocabulary term in a licence field (`info:eu-repo/semantics/openAccess`) is
        // an access fact, not a licence.
        if let Some(term) = self.license.as_deref().and_then(datacite::eu_repo_access) {
            self.license = None;
            self.access.get_or_insert_with(|| term.to_string());
        }
        for item in &mut self.items {
            if let Some(term) = item.license.as_deref().and_then(datacite::eu_repo_access) {
                item.license = None;
                item.access.get_or_insert_with(|| term.to_string());
            }
        }
        for item in &mut self.items {
            if let Some(a) = item.access.take_if(|a| names_a_licence(a))
                && item.license.is_none()
            {
                item.license = Some(a);
                item.evidence.get_or_insert_with(|| "the access-rights field holds a licence URL".into());
            }
        }
        for item in &mut self.items {
            if item.license.as_deref().is_none_or(|l| l.trim().is_empty())
                && let Some(l) = &self.license
            {
                item.license = Some(l.clone());
                if item.license_url.is_none() {
                    item.license_url.clone_from(&self.license_url);
                }
                item.license_inherited = true;
            }
            if item.access.is_none() {
                item.access.clone_from(&self.access);
            }
        }
    }

    /// An item standing for the dataset itself, for a dataset that lists no file or
    /// distribution: it carries the dataset's licence (judged as any other) and no access URL
    /// (so a format that gives URLs reports `access-location-missing`), with `why` as evidence.
    pub fn record_item(&self, why: &str) -> Item {
        Item {
            id: self.id.clone().or_else(|| Some(file_label(&self.source))),
            title: self.name.clone(),
            evidence: Some(why.to_string()),
            ..Item::default()
        }
    }

    /// The dataset's items as an in-memory manifest for [`crate::audit::run_collection`].
    pub fn manifest(&self, display: String) -> Result<Manifest> {
        let mut fields = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        let mut push = |field: Field, values: Vec<Option<String>>, always: bool| {
            if always || values.iter().any(Option::is_some) {
                fields.push(ArrowField::new(field.name(), DataType::Utf8, true));
                columns.push(Arc::new(StringArray::from(values)));
            }
        };
        let col = |f: &dyn Fn(&Item) -> Option<String>| self.items.iter().map(f).collect::<Vec<_>>();
        push(Field::License, col(&|i| i.license.clone()), true);
        push(Field::LicenseUrl, col(&|i| i.license_url.clone()), false);
        push(Field::Url, col(&|i| i.url.clone()), self.expects_urls);
        push(Field::Access, col(&|i| i.access.clone()), false);
        push(Field::Id, col(&|i| i.id.clone()), false);
        push(Field::Title, col(&|i| i.title.clone()), false);
        push(Field::Evidence, col(&|i| evidence(i)), false);
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
            .map_err(|e| Error::input(&self.source, format!("cannot build the item table: {e}")))?;
        Ok(Manifest::in_memory(self.source.clone(), display, batch))
    }

    /// The collection config for this dataset: `base` (the user's `--config` or the
    /// `dpg-audit.toml` beside the input) wins where it sets a key; the metadata fills the name
    /// and the declared license.
    ///
    /// The dataset-level license becomes the declared license only when it names a license
    /// (so items that differ from it give `declared-license-mismatch`); a statement that names
    /// none is already judged on every item that inherits it. A landing page is *not* taken as
    /// the home URL: it links to the files rather than serving them, so treating it as the
    /// single location would flag every download URL as outside it (or, if it covered them,
    /// hide real scattering). Without a home URL, the audit still reports items spread over
    /// several hosts.
    pub fn config(&self, base: &Config) -> Config {
        let mut config = base.clone();
        if config.name.is_none() {
            config.name = Some(self.label());
        }
        if config.license.is_none()
            && let Some(l) = &self.license
        {
            let n = license::normalize(l);
            if matches!(n.status, Status::Exact | Status::Normalized) {
                config.license = n.expression.map(OneOrMany::One);
            }
        }
        config
    }
}

/// The evidence text of an item: inheritance first, then the reader's note.
fn evidence(item: &Item) -> Option<String> {
    let inherited = item.license_inherited.then(|| "license inherited from the dataset".to_string());
    match (inherited, &item.evidence) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or_else(|| b.clone()),
    }
}

pub(crate) fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Trimmed, non-empty text.
pub(crate) fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// A JSON value as text when it is a non-empty string (or a number, for ids).
pub(crate) fn json_text(v: Option<&serde_json::Value>) -> Option<String> {
    match v? {
        serde_json::Value::String(s) => text(Some(s)),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The best licence statement among a record's fields, best first (`name` is how the report
/// names the field): the first that names a licence with certainty wins; when that is not the
/// first stated, the evidence says which field was ambiguous or unknown and which settled it.
/// Without any certain one, the first stated is kept (and judged as what it is).
pub(crate) fn best_licence(fields: &[(&str, Option<String>)]) -> (Option<String>, Option<String>) {
    let stated: Vec<(&str, &String)> = fields
        .iter()
        .filter_map(|(n, v)| v.as_ref().filter(|v| !v.trim().is_empty()).map(|v| (*n, v)))
        .collect();
    let Some(&(first_name, first)) = stated.first() else { return (None, None) };
    let certain = |v: &str| matches!(license::normalize(v).status, Status::Exact | Status::Normalized);
    if certain(first) {
        return (Some(first.clone()), None);
    }
    match stated.iter().find(|(_, v)| certain(v)) {
        Some(&(name, v)) => {
            let status = license::normalize(first).status;
            let what = serde_json::to_value(status)
                .ok()
                .and_then(|s| s.as_str().map(str::to_string))
                .unwrap_or_default();
            (
                Some(v.clone()),
                Some(format!("{first_name} `{first}` is {what}; {name} `{v}` names the licence")),
            )
        }
        None => (Some(first.clone()), None),
    }
}

/// Several licence statements for one thing joined with AND (each has to be acceptable), the
/// same licence stated twice (in several languages, or as an id and a URL) counted once.
pub(crate) fn join_licences(all: Vec<String>) -> Option<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for l in all {
        let n = license::normalize(&l);
        let key = n.expression.unwrap_or_else(|| l.trim().to_lowercase());
        if !seen.contains(&key) {
            seen.push(key);
            out.push(l);
        }
    }
    match out.len() {
        0 => None,
        1 => out.pop(),
        _ => Some(out.join(" AND ")),
    }
}

/// Whether an access statement is a licence URL (one the normalizer identifies).
fn names_a_licence(s: &str) -> bool {
    is_web_url(s) && matches!(license::normalize(s).status, Status::Exact | Status::Normalized)
}

/// Whether a string is an absolute http(s) URL (the only kind an item can be accessed at).
pub(crate) fn is_web_url(s: &str) -> bool {
    let head: String = s.trim().chars().take(8).collect::<String>().to_ascii_lowercase();
    head.starts_with("http://") || head.starts_with("https://")
}

/// What a file holds, decided from its content (and extension for RDF and cards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// Portal metadata in this format.
    Portal(InputFormat),
    /// An item manifest (or something the manifest readers will judge).
    Manifest,
    /// A Markdown file without YAML front matter: not a card, skipped in folders.
    NotACard,
    /// A JSON object that is none of the formats: an input error naming what was looked for.
    UnknownJson,
}

/// What was looked for in a JSON object, for the error message.
pub const LOOKED_FOR: &str = "looked for CKAN (resources with license_id/notes/extras, or a help/result API wrapper), \
DataCite (rightsList, doi with titles/creators), Zenodo (access_right, metadata, recid, _files), \
Frictionless (resources with path/data, licenses), Croissant or DCAT JSON-LD (@context, @graph)";

/// Decides what `path` holds. Reads only a file's head, except for a `.json`/`.jsonld` file
/// holding one JSON object, which is parsed in full: the keys that tell the formats apart can be
/// anywhere in it.
pub fn detect(path: &Path) -> Result<Detected> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match ext.as_str() {
        "ttl" | "nt" | "n3" | "rdf" | "owl" => return Ok(Detected::Portal(InputFormat::Dcat)),
        "md" | "markdown" => {
            // Blank lines before the opening fence are tolerated, as `hf_card::front_matter` does.
            let head = read_head(path, 4096)?;
            let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
            let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
            return Ok(if head[start..].starts_with(b"---") {
                Detected::Portal(InputFormat::HfCard)
            } else {
                Detected::NotACard
            });
        }
        "xml" => {
            let head = read_head(path, 4096)?;
            let head = String::from_utf8_lossy(&head);
            return Ok(if head.contains("datacite.org/schema/kernel") {
                Detected::Portal(InputFormat::Datacite)
            } else {
                Detected::Portal(InputFormat::Dcat)
            });
        }
        "jsonl" | "ndjson" => {
            // A JSON Lines dump of CKAN packages, or an item manifest.
            let head = read_head(path, 1 << 20)?;
            let first = head.split(|b| *b == b'\n').find(|l| l.iter().any(|b| !b.is_ascii_whitespace()));
            let obj = first.and_then(|l| serde_json::from_slice::<serde_json::Value>(l).ok());
            return Ok(match obj.as_ref().and_then(serde_json::Value::as_object) {
                Some(o) if ckan::is_package(o) => Detected::Portal(InputFormat::Ckan),
                _ => Detected::Manifest,
            });
        }
        "json" | "jsonld" => {}
        _ => return Ok(Detected::Manifest),
    }
    let head = read_head(path, 64)?;
    let first = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head).iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        // A JSON array of CKAN packages (told by its first element), else a manifest (a JSON
        // array of flat objects); JSON-LD may also be an array of nodes.
        if first == Some(&b'[')
            && let Some(serde_json::Value::Object(o)) = first_element(path)
        {
            if ckan::is_package(&o) {
                return Ok(Detected::Portal(InputFormat::Ckan));
            }
            // A JSON array of DCAT datasets (title, distributions with access URLs): no item
            // manifest has a `distribution` list of objects.
            if pod::is_dcat_json_dataset(&o) {
                return Ok(Detected::Portal(InputFormat::Dcat));
            }
        }
        return Ok(if ext == "jsonld" { Detected::Portal(InputFormat::Dcat) } else { Detected::Manifest });
    }
    // JSON Lines named .json (a manifest, or a CKAN dump): the first line is a whole object and
    // more follows. Decided from the head, so a large manifest is not read here.
    let head = read_head(path, 1 << 20)?;
    let lines_kind = |first: &[u8]| {
        let obj = serde_json::from_slice::<serde_json::Value>(first).ok()?;
        let o = obj.as_object()?;
        Some(if ckan::is_package(o) { Detected::Portal(InputFormat::Ckan) } else { Detected::Manifest })
    };
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    if let Some(end) = text[start..].iter().position(|b| *b == b'\n')
        && text[start + end..].iter().any(|b| !b.is_ascii_whitespace())
        && let Some(kind) = lines_kind(&text[start..start + end])
    {
        return Ok(kind);
    }
    // A CKAN API response is told by its top-level keys alone: scanned without keeping the
    // values, so a `package_search` file of any size is not read into memory here.
    if let Some(keys) = top_level_keys(path)
        && keys.iter().any(|k| k == "result")
        && keys.iter().any(|k| k == "help" || k == "success")
    {
        return Ok(Detected::Portal(InputFormat::Ckan));
    }
    let bytes = crate::limits::read_metadata(path)?;
    let value: serde_json::Value = match parse_json(path, &bytes, InputFormat::Auto) {
        Ok((v, _)) => v,
        Err(e) => {
            if ext == "jsonld" {
                return Ok(Detected::Portal(InputFormat::Dcat));
            }
            // JSON Lines whose first line is broken: the manifest reader reports the rows.
            let objects =
                text.split(|b| *b == b'\n').filter(|l| l.iter().any(|b| !b.is_ascii_whitespace())).take(3);
            let lines = objects
                .filter(|l| serde_json::from_slice::<serde_json::Value>(l).is_ok_and(|v| v.is_object()))
                .count();
            if lines > 0 {
                return Ok(Detected::Manifest);
            }
            // One JSON document that is broken: the parser's line and column say where.
            return Err(e);
        }
    };
    let Some(obj) = value.as_object() else { return Ok(Detected::Manifest) };
    Ok(match detect_json(obj) {
        Some(f) => Detected::Portal(f),
        None if ext == "jsonld" => Detected::Portal(InputFormat::Dcat),
        None => Detected::UnknownJson,
    })
}

/// The first element of the JSON array `path` holds, read without keeping the rest; `None` when
/// the file is not a JSON array or is empty.
fn first_element(path: &Path) -> Option<serde_json::Value> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    // Past the opening bracket (and a byte-order mark or whitespace before it).
    let mut byte = [0u8; 1];
    loop {
        reader.read_exact(&mut byte).ok()?;
        match byte[0] {
            b'[' => break,
            b if b.is_ascii_whitespace() || matches!(b, 0xef | 0xbb | 0xbf) => {}
            _ => return None,
        }
    }
    // One value is parsed; the rest of the file is never read.
    serde_json::Deserializer::from_reader(reader).into_iter::<serde_json::Value>().next()?.ok()
}

/// The keys of the JSON object `path` holds, read in one pass that keeps no value; `None` when
/// the file is not one JSON object.
fn top_level_keys(path: &Path) -> Option<Vec<String>> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Vec<String>, A::Error> {
            let mut keys = Vec::new();
            while let Some(k) = map.next_key::<String>()? {
                map.next_value::<serde::de::IgnoredAny>()?;
                keys.push(k);
            }
            Ok(keys)
        }
    }
    let file = std::fs::File::open(path).ok()?;
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(1 << 16, file));
    serde::Deserializer::deserialize_map(&mut de, Keys).ok()
}

/// The format of a top-level JSON object, by its keys.
pub fn detect_json(obj: &JsonObject) -> Option<InputFormat> {
    READERS.iter().find(|r| r.json_detect.is_some_and(|d| d(obj))).map(|r| r.format)
}

fn read_head(path: &Path, n: usize) -> Result<Vec<u8>> {
    use std::io::Read;
    // A FIFO found in a folder would block the open forever.
    crate::manifest::refuse_special(path)?;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut buf = Vec::with_capacity(n.min(1 << 16));
    file.take(n as u64).read_to_end(&mut buf).map_err(|e| Error::io(path, &e))?;
    Ok(buf)
}

/// Reads one metadata file as `format` (never `Auto`/`Manifest`). An error means the whole file
/// could not be read (exit 2 for a single input, a failed entry in a batch).
pub fn read_file(path: &Path, format: InputFormat) -> Result<Vec<Entry>> {
    let bytes = crate::limits::read_metadata(path)?;
    if bytes.is_empty() {
        return Err(Error::input(path, format!("empty file: expected {} metadata", format.name())));
    }
    let Some(r) = reader(format) else {
        return Err(Error::usage(format!("{}: not a portal metadata format", format.name())));
    };
    let entries = (r.read)(path, &bytes)?;
    if entries.is_empty() {
        return Err(Error::input(path, format!("holds no datasets ({} metadata)", format.name())));
    }
    Ok(entries)
}

/// The file as one JSON object, or an input error naming the format expected.
pub(crate) fn parse_object(
    path: &Path,
    bytes: &[u8],
    format: InputFormat,
) -> Result<(serde_json::Map<String, serde_json::Value>, Option<String>)> {
    match parse_json(path, bytes, format)? {
        (serde_json::Value::Object(o), note) => Ok((o, note)),
        _ => Err(Error::input(path, format!("expected a JSON object holding {} metadata", format.name()))),
    }
}

/// The file as one JSON value. A lone UTF-16 surrogate escape (`"\ud83d"` without its pair),
/// which real exports contain and strict JSON parsers refuse, is replaced by U+FFFD and the
/// returned note says how many were and where the first was; any other error is an input error
/// with the parser's line and column.
pub(crate) fn parse_json(
    path: &Path,
    bytes: &[u8],
    format: InputFormat,
) -> Result<(serde_json::Value, Option<String>)> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // Nesting deeper than the documented limit is refused before parsing (crate::limits).
    crate::limits::check_json_nesting(path, bytes)?;
    let what = match format {
        InputFormat::Auto => "portal metadata or an item manifest".to_string(),
        f => format!("{} metadata", f.name()),
    };
    let invalid = |e: serde_json::Error| Error::input(path, format!("not valid JSON ({e}); expected {what}"));
    match serde_json::from_slice(bytes) {
        Ok(v) => Ok((v, None)),
        Err(e) if e.to_string().contains("surrogate") || e.to_string().contains("hex escape") => {
            let (fixed, n) = repair_surrogates(bytes);
            let v = serde_json::from_slice(&fixed).map_err(invalid)?;
            let note = format!(
                "{n} lone UTF-16 surrogate escape(s) replaced by U+FFFD (the first at line {}, column {})",
                e.line(),
                e.column()
            );
            Ok((v, Some(note)))
        }
        Err(e) => Err(invalid(e)),
    }
}

/// Replaces `\uXXXX` escapes of unpaired surrogates inside JSON strings with `\ufffd`; returns
/// the text and how many were replaced. Everything else is copied as is.
pub(crate) fn repair_surrogates(bytes: &[u8]) -> (Vec<u8>, usize) {
    fn hex4(b: &[u8]) -> Option<u16> {
        let s = std::str::from_utf8(b.get(..4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    }
    let escape_at = |i: usize| -> Option<u16> {
        if bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u') {
            hex4(&bytes[i + 2..])
        } else {
            None
        }
    };
    let mut out = Vec::with_capacity(bytes.len());
    let (mut in_string, mut i, mut n) = (false, 0usize, 0usize);
    while i < bytes.len() {
        let b = bytes[i];
        if !in_string {
            in_string = b == b'"';
            out.push(b);
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                in_string = false;
                out.push(b);
                i += 1;
            }
            b'\\' => match escape_at(i) {
                Some(hi @ 0xD800..=0xDBFF) => {
                    if escape_at(i + 6).is_some_and(|lo| (0xDC00..=0xDFFF).contains(&lo)) {
                        out.extend_from_slice(&bytes[i..i + 12]);
                        i += 12;
                    } else {
                        let _ = hi;
                        out.extend_from_slice(b"\\ufffd");
                        n += 1;
                        i += 6;
                    }
                }
                Some(0xDC00..=0xDFFF) => {
                    out.extend_from_slice(b"\\ufffd");
                    n += 1;
                    i += 6;
                }
                _ => {
                    // Any other escape: copied with the character it escapes.
                    out.extend_from_slice(&bytes[i..(i + 2).min(bytes.len())]);
                    i += 2;
                }
            },
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    (out, n)
}

/// Adds a reader's note to every dataset read from a file.
pub(crate) fn add_note(entries: &mut [Entry], note: Option<String>) {
    if let Some(note) = note {
        for d in entries.iter_mut().flatten() {
            d.notes.push(note.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_without_a_license_inherit_the_datasets_and_say_so() {
        let mut d = Dataset {
            license: Some("CC-BY-4.0".into()),
            access: Some("open".into()),
            items: vec![
                Item { id: Some("a".into()), ..Item::default() },
                Item { id: Some("b".into()), license: Some("CC0-1.0".into()), ..Item::default() },
            ],
            ..Dataset::default()
        };
        d.inherit();
        assert_eq!(d.items[0].license.as_deref(), Some("CC-BY-4.0"));
        assert!(d.items[0].license_inherited);
        assert_eq!(evidence(&d.items[0]).as_deref(), Some("license inherited from the dataset"));
        assert_eq!(d.items[1].license.as_deref(), Some("CC0-1.0"));
        assert!(!d.items[1].license_inherited);
        assert_eq!(d.items[1].access.as_deref(), Some("open"));
    }

    #[test]
    fn only_a_license_that_names_one_is_declared() {
        let mut d = Dataset { license: Some("cc-by-sa-4.0".into()), ..Dataset::default() };
        let declared = d.config(&Config::default()).declared_licenses();
        assert_eq!(declared, vec!["CC-BY-SA-4.0".to_string()]);
        d.license = Some("Twitter Developer Agreement".into());
        assert!(d.config(&Config::default()).declared_licenses().is_empty());
    }
}
