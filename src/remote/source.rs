//! A Parquet file read by HTTP range requests, as parquet's [`ChunkReader`], so the existing
//! reader (`src/manifest/parquet.rs`) decodes it as it decodes a local file.
//!
//! Requests are few and large: opening reads the file's last [`TAIL_BYTES`] in one request (the
//! footer and, usually, the whole metadata); before a row group is decoded its projected column
//! chunks are fetched with [`RemoteFile::prefetch`], neighbours closer than [`COALESCE_GAP`]
//! merged into one request. The decoder's many small reads (page headers, pages) are then served
//! from those blocks; a read outside them fetches at least [`MIN_FETCH`] bytes. The blocks are
//! held while the file is (a row group's projected columns at most, plus the tail).

use std::io::Read;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};
use url::Url;

use crate::error::{Error, Result};
use crate::http::Client;

/// Bytes read from the end of the file when it is opened: Parquet footers of manifests are a few
/// KB to a few hundred KB; a larger one costs one more request.
pub const TAIL_BYTES: u64 = 256 * 1024;

/// Ranges closer than this are fetched in one request (a little waste saves a round trip).
pub const COALESCE_GAP: u64 = 64 * 1024;

/// The smallest request made for a read the prefetch did not cover.
pub const MIN_FETCH: u64 = 64 * 1024;

/// Blocks kept beyond those of the current prefetch (reads outside them).
const MAX_EXTRA_BLOCKS: usize = 16;

/// One remote Parquet file. Cheap to share: clones share the blocks.
#[derive(Debug, Clone)]
pub struct RemoteFile {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    url: Url,
    len: u64,
    client: Arc<Client>,
    /// Fetched blocks, sorted by start, not overlapping.
    blocks: Mutex<Vec<(u64, Bytes)>>,
}

impl RemoteFile {
    /// Opens `url`: the tail is read with one suffix-like range request (its length comes from a
    /// HEAD's `Content-Length`).
    pub fn open(client: Arc<Client>, url: &Url) -> Result<RemoteFile> {
        let head = client.head(url)?;
        if !(200..300).contains(&head.status) {
            return Err(Error::http(url.as_str(), Some(head.status), format!("HTTP {}", head.status)));
        }
        let len = head
            .header("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| Error::http(url.as_str(), Some(head.status), "the server does not say the file's length (no Content-Length), so it cannot be read by ranges"))?;
        if head.header("accept-ranges").is_some_and(|v| v.trim().eq_ignore_ascii_case("none")) {
            return Err(Error::http(
                url.as_str(),
                Some(head.status),
                "the server does not serve byte ranges (Accept-Ranges: none); download the file first",
            ));
        }
        let file = RemoteFile::with_len(client, url.clone(), len);
        file.prefetch(std::slice::from_ref(&(len.saturating_sub(TAIL_BYTES)..len)))
            .map_err(|e| Error::http(url.as_str(), None, e.to_string()))?;
        Ok(file)
    }

    /// A file of known length (a row group task knows it from the footer read before).
    pub fn with_len(client: Arc<Client>, url: Url, len: u64) -> RemoteFile {
        RemoteFile { inner: Arc::new(Inner { url, len, client, blocks: Mutex::new(Vec::new()) }) }
    }

    /// The same file with no blocks (for a task that fetches its own).
    pub fn empty_copy(&self) -> RemoteFile {
        RemoteFile::with_len(Arc::clone(&self.inner.client), self.inner.url.clone(), self.inner.len)
    }

    pub fn url(&self) -> &Url {
        &self.inner.url
    }

    /// Fetches `ranges` (merged when closer than [`COALESCE_GAP`]) and keeps them; previously
    /// kept blocks are dropped first, so memory is what this call asked for.
    pub fn prefetch(&self, ranges: &[Range<u64>]) -> std::io::Result<()> {
        let mut wanted: Vec<Range<u64>> = ranges
            .iter()
            .map(|r| r.start.min(self.inner.len)..r.end.min(self.inner.len))
            .filter(|r| r.start < r.end)
            .collect();
        wanted.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<u64>> = Vec::new();
        for r in wanted {
            match merged.last_mut() {
                Some(last) if r.start <= last.end.saturating_add(COALESCE_GAP) => {
                    last.end = last.end.max(r.end)
                }
                _ => merged.push(r),
            }
        }
        let mut fetched = Vec::with_capacity(merged.len());
        for r in merged {
            fetched.push((r.start, self.fetch(r)?));
        }
        let mut blocks = self.inner.blocks.lock().unwrap_or_else(|e| e.into_inner());
        *blocks = fetched;
        Ok(())
    }

    fn fetch(&self, r: Range<u64>) -> std::io::Result<Bytes> {
        let want = r.end - r.start;
        let bytes = self.inner.client.get_range(&self.inner.url, r.clone()).map_err(std::io::Error::other)?;
        if (bytes.len() as u64) < want {
            return Err(std::io::Error::other(format!(
                "{}: asked for bytes {}-{}, the server sent {}",
                self.inner.url,
                r.start,
                r.end - 1,
                bytes.len()
            )));
        }
        Ok(bytes)
    }

    /// Up to `len` bytes at `start` (fewer only at the end of the file), from the blocks or a new
    /// request.
    fn read_at(&self, start: u64, len: u64) -> std::io::Result<Bytes> {
        let end = start.saturating_add(len).min(self.inner.len);
        if start >= end {
            return Ok(Bytes::new());
        }
        {
            let blocks = self.inner.blocks.lock().unwrap_or_else(|e| e.into_inner());
            // The last block starting at or before `start`.
            let i = blocks.partition_point(|(s, _)| *s <= start);
            if i > 0 {
                let (s, b) = &blocks[i - 1];
                let b_end = s + b.len() as u64;
                if end <= b_end {
                    return Ok(b.slice((start - s) as usize..(end - s) as usize));
                }
            }
        }
        let fetch_end = end.max(start.saturating_add(MIN_FETCH)).min(self.inner.len);
        let block = self.fetch(start..fetch_end)?;
        let out = block.slice(..(end - start) as usize);
        let mut blocks = self.inner.blocks.lock().unwrap_or_else(|e| e.into_inner());
        if blocks.len() >= MAX_EXTRA_BLOCKS {
            blocks.remove(0);
        }
        // Kept sorted; an overlapping block is harmless (lookups take the nearest start).
        let at = blocks.partition_point(|(s, _)| *s <= start);
        blocks.insert(at, (start, block));
        Ok(out)
    }
}

impl Length for RemoteFile {
    fn len(&self) -> u64 {
        self.inner.len
    }
}

impl ChunkReader for RemoteFile {
    type T = RangeReader;

    fn get_read(&self, start: u64) -> parquet::errors::Result<RangeReader> {
        Ok(RangeReader { file: self.clone(), pos: start })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let bytes = self
            .read_at(start, length as u64)
            .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))?;
        if bytes.len() < length {
            return Err(parquet::errors::ParquetError::EOF(format!(
                "{}: {length} bytes at {start} run past the end of the file ({} bytes)",
                self.inner.url, self.inner.len
            )));
        }
        Ok(bytes)
    }
}

/// A sequential reader over a remote file (page headers are parsed from one).
#[derive(Debug)]
pub struct RangeReader {
    file: RemoteFile,
    pos: u64,
}

impl Read for RangeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let bytes = self.file.read_at(self.pos, buf.len() as u64)?;
        buf[..bytes.len()].copy_from_slice(&bytes);
        self.pos += bytes.len() as u64;
        Ok(bytes.len())
    }
}

/// A Parquet file, local or remote, for the reader.
#[derive(Debug)]
pub enum Source {
    File(std::fs::File),
    Remote(RemoteFile),
}

impl Length for Source {
    fn len(&self) -> u64 {
        match self {
            Source::File(f) => f.len(),
            Source::Remote(r) => r.len(),
        }
    }
}

/// The reader of either.
#[derive(Debug)]
pub enum SourceRead {
    File(std::io::BufReader<std::fs::File>),
    Remote(RangeReader),
}

impl Read for SourceRead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            SourceRead::File(f) => f.read(buf),
            SourceRead::Remote(r) => r.read(buf),
        }
    }
}

impl ChunkReader for Source {
    type T = SourceRead;

    fn get_read(&self, start: u64) -> parquet::errors::Result<SourceRead> {
        Ok(match self {
            Source::File(f) => SourceRead::File(f.get_read(start)?),
            Source::Remote(r) => SourceRead::Remote(r.get_read(start)?),
        })
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        match self {
            Source::File(f) => f.get_bytes(start, length),
            Source::Remote(r) => r.get_bytes(start, length),
        }
    }
}

/// Opens a manifest path for the Parquet reader: the file, or the remote file it stands for.
pub fn open(path: &std::path::Path) -> Result<Source> {
    if let Some(url) = super::url_of(path) {
        return Ok(Source::Remote(RemoteFile::open(super::client()?, &url)?));
    }
    std::fs::File::open(path).map(Source::File).map_err(|e| Error::io(path, &e))
}
