//! `--cache DIR`: responses kept with their validators (ETag, Last-Modified). A later GET of the
//! same URL (and the same negotiated headers) is conditional; a `304 Not Modified` answer is
//! served from here. An interrupted harvest re-run revalidates each page instead of
//! downloading it again.
//!
//! One entry is two files named by a hash of the request: `<hash>.json` (URL, status, headers,
//! validators) and `<hash>.body`. Both are written to a temporary file and renamed, so a run
//! killed mid-write leaves no half entry; the JSON names the request so a hash collision is a
//! miss, never another page's body.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};

use super::Response;

#[derive(Debug)]
pub struct Cache {
    dir: PathBuf,
}

/// What the cache knows of one response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The request: its URL and the headers it negotiated with.
    pub key: String,
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    #[serde(skip)]
    body_path: PathBuf,
}

/// The request as the cache tells requests apart: the URL plus the headers sent with it
/// (`Accept` changes what a portal answers).
pub fn key(url: &Url, headers: &[(&'static str, String)]) -> String {
    let mut k = url.as_str().to_string();
    for (n, v) in headers {
        k.push('\n');
        k.push_str(n);
        k.push_str(": ");
        k.push_str(v);
    }
    k
}

impl Cache {
    pub fn open(dir: &Path) -> Result<Cache> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        Ok(Cache { dir: dir.to_path_buf() })
    }

    fn paths(&self, key: &str) -> (PathBuf, PathBuf) {
        let h = format!("{:016x}", fnv1a(key.as_bytes()));
        (self.dir.join(format!("{h}.json")), self.dir.join(format!("{h}.body")))
    }

    /// The entry for this request, if any (and it has a validator to revalidate with).
    pub fn lookup(&self, key: &str) -> Result<Option<Entry>> {
        let (meta, body) = self.paths(key);
        let text = match std::fs::read(&meta) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&meta, &e)),
        };
        // A damaged entry is a miss: the response is fetched again and the entry rewritten.
        let Ok(mut entry) = serde_json::from_slice::<Entry>(&text) else { return Ok(None) };
        if entry.key != key || !body.is_file() || (entry.etag.is_none() && entry.last_modified.is_none()) {
            return Ok(None);
        }
        entry.body_path = body;
        Ok(Some(entry))
    }

    pub fn body(&self, entry: &Entry) -> Result<Bytes> {
        std::fs::read(&entry.body_path).map(Bytes::from).map_err(|e| Error::io(&entry.body_path, &e))
    }

    /// Keeps a response that carries a validator (others could never be revalidated).
    pub fn store(&self, key: &str, response: &Response) -> Result<()> {
        let etag = response.header("etag").map(str::to_string);
        let last_modified = response.header("last-modified").map(str::to_string);
        if etag.is_none() && last_modified.is_none() {
            return Ok(());
        }
        let (meta, body) = self.paths(key);
        let entry = Entry {
            key: key.to_string(),
            final_url: response.url.to_string(),
            status: response.status,
            headers: response.headers.clone(),
            etag,
            last_modified,
            body_path: PathBuf::new(),
        };
        let json = serde_json::to_vec(&entry).map_err(|e| Error::internal(format!("cache entry: {e}")))?;
        self.write(&body, &response.body)?;
        self.write(&meta, &json)
    }

    fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| Error::io(&self.dir, &e))?;
        tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), &e))?;
        tmp.persist(path).map_err(|e| Error::io(path, &e.error))?;
        Ok(())
    }
}

/// FNV-1a 64: a stable file name for a request (std's hasher is seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
