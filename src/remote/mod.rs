//! Manifests at a URL. `audit https://host/path/items.parquet` reads the Parquet footer and only
//! the column chunks the audit maps, with HTTP range requests ([`source`]): the file is never
//! downloaded whole. A text manifest (CSV/TSV, NDJSON) or an Arrow/spreadsheet file at a URL is
//! streamed once into a temporary file ([`crate::input`] spools pipes the same way): its readers
//! read twice (format detection, column discovery), and a second download would cost more than
//! the disk.
//!
//! Every request goes through the crate's one client ([`crate::http::Client`]): one is installed
//! per run ([`install`]) from the command line's HTTP options, and the readers reach it here,
//! so the readers' signatures (and the thread model of `src/run.rs`) stay as they are.
//!
//! `s3://` and `gs://` URLs are refused with exit 2 naming what would read them: object stores
//! answer HTTP range requests too, so a public bucket's `https://` URL works today.

pub mod check;
pub mod source;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use url::Url;

use crate::error::{Error, Result};
use crate::http::{Client, HttpOptions};

static CLIENT: OnceLock<Arc<Client>> = OnceLock::new();

/// Inputs given as URLs and read by range requests: the path the run carries, and its URL.
static REMOTE: Mutex<Vec<(PathBuf, Url)>> = Mutex::new(Vec::new());

/// Installs the run's HTTP client (the first call wins; later calls keep it).
pub fn install(opts: HttpOptions) -> Result<Arc<Client>> {
    if let Some(c) = CLIENT.get() {
        return Ok(Arc::clone(c));
    }
    let client = Arc::new(Client::new(opts)?);
    Ok(Arc::clone(CLIENT.get_or_init(|| client)))
}

/// The run's client, installing one with default options if none was (library callers).
pub fn client() -> Result<Arc<Client>> {
    install(HttpOptions::default())
}

/// Whether an input names a URL (rather than a file).
pub fn is_url(input: &Path) -> bool {
    crate::http::is_http_url(input)
        || input.to_str().is_some_and(|s| {
            let lower = s.get(..5).unwrap_or(s).to_ascii_lowercase();
            lower.starts_with("s3://") || lower.starts_with("gs://")
        })
}

/// The URL a path stands for when it was given as a remote Parquet input.
pub fn url_of(path: &Path) -> Option<Url> {
    let list = REMOTE.lock().ok()?;
    list.iter().find(|(p, _)| p == path).map(|(_, u)| u.clone())
}

/// What kind of manifest a URL's path names, by its extension; `None`: not a manifest (a
/// portal page or API, which the harvester reads).
fn manifest_kind(url: &Url) -> Option<Kind> {
    let name = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("");
    let ext = Path::new(name).extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "parquet" | "pq" => Kind::Ranged,
        // `.json` is left out: at a URL it is as often a catalog (DCAT-US `data.json`) as a
        // manifest, and the portal reader decides on its content.
        "csv" | "tsv" | "tab" | "ndjson" | "jsonl" | "arrow" | "feather" | "ipc" | "arrows" | "xlsx"
        | "xlsm" | "xlsb" | "xls" | "ods" => Kind::Spooled,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ranged,
    Spooled,
}

/// What [`prepare`] made of a URL input.
#[derive(Debug)]
pub enum Prepared {
    /// A Parquet file read by ranges: the path stands for the URL ([`url_of`]).
    Ranged(PathBuf),
    /// Streamed into `dir/…`, named like the URL's last segment (so its extension still tells
    /// its format).
    Spooled(PathBuf),
    /// Not a manifest URL (a portal): left to the harvester.
    NotManifest,
}

/// Prepares a URL input: a Parquet URL is checked (its length and range support, with a ranged
/// read of its tail) and registered; another manifest URL is streamed into `dir`.
pub fn prepare(input: &Path, dir: &Path) -> Result<Prepared> {
    let raw = input.to_string_lossy();
    let url = Url::parse(&raw).map_err(|e| Error::usage(format!("{raw}: not a valid URL: {e}")))?;
    match url.scheme() {
        "s3" | "gs" => {
            return Err(Error::usage(format!(
                "{raw}: {}:// URLs are not read by this build; give the object's https:// URL \
                 (a public bucket answers range requests), or download it first",
                url.scheme()
            )));
        }
        "http" | "https" => {}
        other => return Err(Error::usage(format!("{raw}: cannot read {other}:// URLs"))),
    }
    let Some(kind) = manifest_kind(&url) else { return Ok(Prepared::NotManifest) };
    let client = client()?;
    match kind {
        Kind::Ranged => {
            let path = PathBuf::from(raw.as_ref());
            if let Ok(mut list) = REMOTE.lock() {
                list.push((path.clone(), url));
            }
            Ok(Prepared::Ranged(path))
        }
        Kind::Spooled => {
            let name = url.path_segments().and_then(|mut s| s.next_back()).unwrap_or("manifest").to_string();
            let copy = dir.join(name);
            let mut reader = client.get_reader(&url)?;
            let mut file = std::fs::File::create(&copy).map_err(|e| Error::io(&copy, &e))?;
            std::io::copy(&mut reader, &mut file)
                .map_err(|e| Error::http(url.as_str(), None, format!("cannot read the body: {e}")))?;
            Ok(Prepared::Spooled(copy))
        }
    }
}
