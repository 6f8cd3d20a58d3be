//! `dpg-audit audit <URL>`: harvests a live portal page by page and hands its datasets to the
//! batch as they arrive (page N+1 is fetched while page N's datasets are audited; memory holds a
//! page or two). Pages are read by the existing readers (`ckan::package`, ...): nothing here
//! parses a metadata format.
//!
//! `--save DIR` writes what was harvested as a file the offline readers read the same way, and
//! the live run names its datasets by that file, so `dpg-audit audit DIR` gives the same report.
//! A CKAN harvest is saved as one `package_search`-shaped document holding every package read
//! and the portal's last `count`: the offline reader then finds the same shortfall (if any) and
//! the same positions as the live run.

mod ckan;
mod document;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use url::Url;

use super::{Entry, InputFormat};
use crate::error::{Error, Result};
use crate::http::{Client, HttpOptions, Response};

/// What a harvest hands to the batch, in order: a file starts (the saved file, or the page URL
/// when nothing is saved), its entries, its end with the file-level notes.
// Events go one at a time by value to the batch and are never stored: their size is harmless.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event<'p> {
    File(&'p Path),
    Entry(Entry),
    End(Vec<String>),
}

/// Which API a URL is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// CKAN action API `package_search` (a site root is probed for it).
    Ckan,
    /// One document read whole by the reader of its format (`None`: detected from the
    /// content): a DCAT-US `data.json`, a DCAT catalog, a record.
    Document(Option<InputFormat>),
}

/// The API a URL is, from `--input-format` and the URL itself.
fn api_of(url: &Url, input: InputFormat) -> Api {
    let path = url.path().to_ascii_lowercase();
    match input {
        InputFormat::Ckan => Api::Ckan,
        InputFormat::Auto => {
            let last = path.rsplit('/').next().unwrap_or("");
            let document = last.ends_with(".json")
                || [".jsonld", ".ttl", ".rdf", ".xml", ".nt", ".n3", ".md"].iter().any(|e| last.ends_with(e));
            if path.ends_with("/action/package_search") || !document {
                Api::Ckan
            } else {
                Api::Document(None)
            }
        }
        other => Api::Document(Some(other)),
    }
}

/// One live portal to harvest.
#[derive(Debug)]
pub struct Harvest {
    url: Url,
    api: Api,
    client: Client,
    save: Option<PathBuf>,
    /// The first pages, kept once fetched: a run looks at the first two datasets to tell one
    /// dataset from a batch, then harvests the whole portal; those pages are not asked for twice.
    first: Mutex<Vec<(Url, Response)>>,
    progress: bool,
    /// The URL as a path, for messages about the harvest as a whole.
    label: PathBuf,
}

/// Pages kept for the second pass (two datasets are on at most two non-empty pages).
const KEPT_PAGES: usize = 2;

/// Whether a path given on the command line is a URL to harvest.
pub fn is_url(path: &Path) -> bool {
    crate::http::is_http_url(path)
}

impl Harvest {
    /// `input`: `--input-format` (`Auto` decides from the URL and, for a site root, by probing).
    pub fn new(
        url: &str,
        input: InputFormat,
        http: &HttpOptions,
        save: Option<&Path>,
        progress: bool,
    ) -> Result<Harvest> {
        let parsed = Url::parse(url).map_err(|e| Error::usage(format!("{url}: not a valid URL ({e})")))?;
        if input == InputFormat::Manifest {
            return Err(Error::usage(format!(
                "{url}: item manifests over HTTP are not read yet; download the file and audit it"
            )));
        }
        let api = api_of(&parsed, input);
        if let Some(dir) = save {
            prepare_save_dir(dir)?;
        }
        Ok(Harvest {
            url: parsed,
            api,
            client: Client::new(http.clone())?,
            save: save.map(Path::to_path_buf),
            first: Mutex::new(Vec::new()),
            progress,
            label: PathBuf::from(url),
        })
    }

    /// How messages name the harvest.
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn label(&self) -> &Path {
        &self.label
    }

    pub fn api(&self) -> Api {
        self.api
    }

    /// Harvests to the end (or until `each` returns false). An HTTP failure ends the harvest
    /// with an error naming the URL and status: a portal read in part is never reported as read.
    pub fn stream(&self, each: &mut dyn FnMut(Event<'_>) -> bool) -> Result<()> {
        match self.api {
            Api::Ckan => ckan::harvest(self, each),
            Api::Document(format) => document::harvest(self, format, each),
        }
    }

    /// GET a page, through the kept first page.
    fn get(&self, url: &Url) -> Result<Response> {
        self.get_accepting(url, "application/json")
    }

    fn get_accepting(&self, url: &Url, accept: &str) -> Result<Response> {
        let mut first = self.first.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, r)) = first.iter().find(|(u, _)| u == url) {
            return Ok(r.clone());
        }
        let r = self.client.get_with(url, &[("accept", accept)])?;
        if first.len() < KEPT_PAGES {
            first.push((url.clone(), r.clone()));
        }
        Ok(r)
    }
}

/// `--save DIR` must be new or empty: the offline audit of DIR reads every file in it, and an
/// earlier harvest's files would be audited as part of this one.
fn prepare_save_dir(dir: &Path) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::usage(format!(
                    "{}: --save needs a new or empty folder (its files are what a later offline audit reads)",
                    dir.display()
                )));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))
        }
        Err(e) => Err(Error::io(dir, &e)),
    }
}

/// A saved file written as the harvest goes: to `<name>.partial`, renamed when complete, so an
/// interrupted harvest never leaves a file that looks whole.
struct SaveFile {
    partial: PathBuf,
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl SaveFile {
    fn create(path: PathBuf) -> Result<SaveFile> {
        let mut partial = path.clone().into_os_string();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, &e))?;
        Ok(SaveFile { partial, path, out: std::io::BufWriter::new(file) })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|e| Error::io(&self.partial, &e))
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::io(&self.partial, &e))?;
        std::fs::rename(&self.partial, &self.path).map_err(|e| Error::io(&self.path, &e))
    }

    /// A harvest stopped early (the run saw enough): nothing half-written is left behind.
    fn abandon(self) {
        let SaveFile { partial, out, .. } = self;
        drop(out);
        let _ = std::fs::remove_file(partial);
    }
}

/// A file name for the saved harvest of `url`: the API and host, so several portals can be
/// saved side by side.
fn save_name(api: &str, url: &Url, ext: &str) -> String {
    let host: String = url
        .host_str()
        .unwrap_or("portal")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect();
    match url.port() {
        Some(p) => format!("{api}-{host}-{p}.{ext}"),
        None => format!("{api}-{host}.{ext}"),
    }
}
