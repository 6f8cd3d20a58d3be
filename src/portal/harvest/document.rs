//! One document read whole: a DCAT-US `data.json`, a DCAT catalog (Turtle, RDF/XML, JSON-LD),
//! a Zenodo / DataCite record or search page, a card. It is written to a file (the `--save`
//! folder, else a temporary one) and read by the very reader an offline audit of that file
//! uses, so the two cannot differ. DCAT-AP endpoints paged with Hydra (`hydra:next`) are
//! followed page by page, each page a file of its own.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use url::Url;

use super::{Event, Harvest, save_name};
use crate::error::{Error, Result};
use crate::portal::{Detected, InputFormat, detect, read_file};

/// What DCAT endpoints are asked for (content negotiation), most wanted first.
const RDF_ACCEPT: &str =
    "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8, application/json;q=0.7, */*;q=0.1";

pub(super) fn harvest(
    h: &Harvest,
    format: Option<InputFormat>,
    each: &mut dyn FnMut(Event<'_>) -> bool,
) -> Result<()> {
    let accept = match format {
        Some(InputFormat::Dcat) | None => RDF_ACCEPT,
        Some(InputFormat::HfCard) => "text/markdown, text/plain;q=0.9, */*;q=0.1",
        Some(_) => "application/json, */*;q=0.1",
    };
    let temp = tempfile::Builder::new()
        .prefix("dpg-audit-harvest-")
        .tempdir()
        .map_err(|e| Error::io_op("creating a temporary folder for the harvest", &e))?;
    let mut url = h.url.clone();
    let mut visited = HashSet::new();
    let mut n = 0usize;
    loop {
        n += 1;
        visited.insert(url.to_string());
        let next = page(h, &url, n, format, accept, temp.path(), each)?;
        match next {
            Some(next) if !visited.contains(next.as_str()) => url = next,
            Some(next) => {
                return Err(Error::http(
                    url.as_str(),
                    None,
                    format!("hydra:next leads back to {next}, a page already read"),
                ));
            }
            None => return Ok(()),
        }
    }
}

/// Reads page `n` at `url`; returns the next page's URL (DCAT-AP Hydra paging) when there is
/// one, `None` at the end or when `each` asked to stop.
fn page(
    h: &Harvest,
    url: &Url,
    n: usize,
    format: Option<InputFormat>,
    accept: &str,
    temp: &Path,
    each: &mut dyn FnMut(Event<'_>) -> bool,
) -> Result<Option<Url>> {
    let response = h.get_accepting(url, accept)?;
    let ext = extension(url, response.header("content-type"));
    let path = match &h.save {
        Some(dir) => dir.join(save_name(&format!("document-{n:05}"), &h.url, ext)),
        None => temp.join(format!("page-{n:05}.{ext}")),
    };
    std::fs::write(&path, &response.body).map_err(|e| Error::io(&path, &e))?;
    // Without --save, reports name the URL rather than a temporary file.
    let label = if h.save.is_some() { path.clone() } else { PathBuf::from(url.as_str()) };
    let named = |e: Error| match e {
        Error::Input { message, .. } => Error::http(url.as_str(), Some(response.status), message),
        other => other,
    };
    let format = match format {
        Some(f) => f,
        None => match detect(&path).map_err(named)? {
            Detected::Portal(f) => f,
            _ => {
                return Err(Error::http(
                    url.as_str(),
                    Some(response.status),
                    "the answer is not portal metadata of a known format; pass --input-format",
                ));
            }
        },
    };
    let entries = read_file(&path, format).map_err(named)?;
    if !each(Event::File(&label)) {
        return Ok(None);
    }
    for entry in entries {
        let entry = match entry {
            Ok(mut d) => {
                d.source.clone_from(&label);
                Ok(d)
            }
            Err(mut u) => {
                u.source.clone_from(&label);
                Err(u)
            }
        };
        if !each(Event::Entry(entry)) {
            return Ok(None);
        }
    }
    each(Event::End(Vec::new()));
    Ok(if format == InputFormat::Dcat { hydra_next(url, &path, &response.body) } else { None })
}

/// The `hydra:next` (or the older `hydra:nextPage`) of a DCAT-AP page, resolved against the
/// page's URL.
fn hydra_next(page: &Url, path: &Path, bytes: &[u8]) -> Option<Url> {
    const NEXT: [&str; 2] =
        ["http://www.w3.org/ns/hydra/core#next", "http://www.w3.org/ns/hydra/core#nextPage"];
    if !bytes.windows(5).any(|w| w.eq_ignore_ascii_case(b"hydra")) {
        return None;
    }
    let format = crate::portal::dcat::rdf_format(path, bytes);
    let parser = oxrdfio::RdfParser::from_format(format).lenient().with_base_iri(page.as_str()).ok()?;
    for quad in parser.for_slice(bytes).flatten() {
        if NEXT.contains(&quad.predicate.as_str())
            && let oxrdf::Term::NamedNode(next) = &quad.object
        {
            return Url::parse(next.as_str()).ok();
        }
    }
    None
}

/// The saved file's extension, which the offline reader's detection goes by: from the media
/// type, else the URL's own.
fn extension(url: &Url, content_type: Option<&str>) -> &'static str {
    let media = content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        "text/turtle" | "application/x-turtle" => "ttl",
        "application/rdf+xml" => "rdf",
        "application/n-triples" => "nt",
        "application/ld+json" => "jsonld",
        "text/markdown" => "md",
        "application/json" => "json",
        _ => {
            let path = url.path().to_ascii_lowercase();
            ["jsonld", "json", "ttl", "rdf", "xml", "nt", "n3", "md"]
                .into_iter()
                .find(|e| path.ends_with(&format!(".{e}")))
                .unwrap_or("json")
        }
    }
}
