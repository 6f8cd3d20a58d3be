//! Dictionary-coded text columns of the Parquet findings file, written without hashing every row.
//!
//! Rule, severity, manifest, message and value repeat a few thousand distinct texts over millions
//! of findings. Parquet's own writer dictionary-codes a column by hashing each row's text and
//! comparing it with its entry: on 1M findings of a dirty manifest that was about 60% of the
//! findings writer's time (0.08 of 0.135 s). Here the work is split so that it is paid once per
//! distinct text instead:
//!
//! - a worker's [`DictBuilder`] numbers the texts of its chunk as it encodes them, finding a text
//!   it has seen by its address (findings borrow their message and value from the verdict they
//!   come from, so the same text comes back at the same address; the bytes are still compared,
//!   the address is only where to look);
//! - the writer thread's [`DictColumnWriter`] merges a chunk's distinct texts into the row
//!   group's dictionary (one hash each), renumbers the rows through that small map, and encodes
//!   one data page per chunk; the dictionary page goes first when the row group is written.
//!
//! The pages are Parquet format v1 data pages with RLE_DICTIONARY indices and RLE definition
//! levels, snappy-compressed like the rest of the file, so any Parquet reader reads them.

use std::collections::HashMap;

use bytes::Bytes;
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::page_index::offset_index::{OffsetIndexMetaData, PageLocation};
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;
use rustc_hash::FxHashMap;

/// The key of a null row in a [`DictChunk`].
const NULL: u32 = u32::MAX;

/// One column of an encoded chunk: per row a key into the chunk's own dictionary.
#[derive(Debug, Default)]
pub struct DictChunk {
    keys: Vec<u32>,
    /// Text `k` is `bytes[ends[k - 1]..ends[k]]` (from 0 for the first).
    ends: Vec<usize>,
    bytes: Vec<u8>,
}

impl DictChunk {
    fn text(&self, k: usize) -> &[u8] {
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.bytes[start..self.ends[k]]
    }
}

/// Worker side: builds one column of a chunk.
#[derive(Debug, Default)]
pub struct DictBuilder {
    chunk: DictChunk,
    /// (address, length) of a text pushed before -> its key. Only a place to look: the bytes
    /// are compared before the key is reused, since a freed text's address can come back with
    /// other bytes.
    by_addr: FxHashMap<(usize, usize), u32>,
    last: Option<((usize, usize), u32)>,
}

impl DictBuilder {
    pub fn push(&mut self, text: Option<&str>) {
        let Some(text) = text else {
            self.chunk.keys.push(NULL);
            return;
        };
        let addr = (text.as_ptr() as usize, text.len());
        // The text of the row before (a manifest's name, a rule's code) needs no lookup.
        let seen = match self.last {
            Some((a, k)) if a == addr => Some(k),
            _ => self.by_addr.get(&addr).copied(),
        };
        if let Some(k) = seen
            && self.chunk.text(k as usize) == text.as_bytes()
        {
            self.last = Some((addr, k));
            self.chunk.keys.push(k);
            return;
        }
        // A chunk holds at most CHUNK_ROWS rows, so its keys fit in u32 with room to spare.
        let k = u32::try_from(self.chunk.ends.len()).unwrap_or(NULL - 1);
        self.chunk.bytes.extend_from_slice(text.as_bytes());
        self.chunk.ends.push(self.chunk.bytes.len());
        self.by_addr.insert(addr, k);
        self.last = Some((addr, k));
        self.chunk.keys.push(k);
    }

    /// Hands over the chunk built so far; the next one starts at this one's size.
    pub fn take(&mut self) -> DictChunk {
        self.by_addr.clear();
        self.last = None;
        let c = &self.chunk;
        let next = DictChunk {
            keys: Vec::with_capacity(c.keys.len()),
            ends: Vec::with_capacity(c.ends.len()),
            bytes: Vec::with_capacity(c.bytes.len()),
        };
        std::mem::replace(&mut self.chunk, next)
    }
}

/// One encoded data page, waiting for its row group's dictionary page.
#[derive(Debug)]
struct DataPage {
    compressed: Bytes,
    uncompressed: usize,
    rows: u32,
}

/// Writer side: one column of the row group being written.
#[derive(Debug)]
pub struct DictColumnWriter {
    nullable: bool,
    /// Text -> its index in the row group's dictionary.
    index: HashMap<Box<[u8]>, u32, rustc_hash::FxBuildHasher>,
    /// The dictionary page, PLAIN-encoded: each text as a little-endian u32 length and its bytes.
    dictionary: Vec<u8>,
    distinct: u32,
    pages: Vec<DataPage>,
    rows: u64,
    // Scratch, kept between chunks.
    remap: Vec<u32>,
    indices: Vec<u32>,
    levels: Vec<u32>,
    page: Vec<u8>,
    snappy: snap::raw::Encoder,
}

impl DictColumnWriter {
    pub fn new(nullable: bool) -> Self {
        DictColumnWriter {
            nullable,
            index: HashMap::default(),
            dictionary: Vec::new(),
            distinct: 0,
            pages: Vec::new(),
            rows: 0,
            remap: Vec::new(),
            indices: Vec::new(),
            levels: Vec::new(),
            page: Vec::new(),
            snappy: snap::raw::Encoder::new(),
        }
    }

    /// Adds a chunk's rows as one data page.
    pub fn append(&mut self, chunk: &DictChunk) -> Result<(), String> {
        self.remap.clear();
        for k in 0..chunk.ends.len() {
            let text = chunk.text(k);
            let id = match self.index.get(text) {
                Some(&id) => id,
                None => {
                    let id = self.distinct;
                    let len = u32::try_from(text.len()).map_err(|_| "a text over 4 GiB".to_string())?;
                    self.dictionary.extend_from_slice(&len.to_le_bytes());
                    self.dictionary.extend_from_slice(text);
                    self.index.insert(text.into(), id);
                    self.distinct += 1;
                    id
                }
            };
            self.remap.push(id);
        }
        self.indices.clear();
        self.levels.clear();
        for &k in &chunk.keys {
            if k == NULL {
                if !self.nullable {
                    return Err("internal: a null in a column that has none".into());
                }
                self.levels.push(0);
            } else {
                self.levels.push(1);
                self.indices.push(self.remap[k as usize]);
            }
        }
        // A v1 data page: definition levels (length-prefixed) for a nullable column, then the
        // bit width of the indices and the indices, both RLE/bit-packed hybrid.
        self.page.clear();
        if self.nullable {
            self.page.extend_from_slice(&[0; 4]);
            rle_hybrid(&self.levels, 1, &mut self.page);
            let len = u32::try_from(self.page.len() - 4).map_err(|_| "a page over 4 GiB".to_string())?;
            self.page[..4].copy_from_slice(&len.to_le_bytes());
        }
        let width = bit_width(self.distinct.saturating_sub(1));
        self.page.push(width);
        rle_hybrid(&self.indices, width, &mut self.page);
        let compressed = self.snappy.compress_vec(&self.page).map_err(|e| e.to_string())?;
        let rows = u32::try_from(chunk.keys.len()).map_err(|_| "a chunk over 4G rows".to_string())?;
        self.pages.push(DataPage { compressed: compressed.into(), uncompressed: self.page.len(), rows });
        self.rows += u64::from(rows);
        Ok(())
    }

    /// Encodes the row group's column chunk (dictionary page first), ready for
    /// `SerializedRowGroupWriter::append_column`, and starts over for the next row group.
    pub fn finish(&mut self, descr: ColumnDescPtr) -> parquet::errors::Result<(Bytes, ColumnCloseResult)> {
        let mut sink = TrackedWrite::new(Vec::new());
        let mut pages = SerializedPageWriter::new(&mut sink);
        let dictionary = std::mem::take(&mut self.dictionary);
        let dict_len = dictionary.len();
        let compressed = self
            .snappy
            .compress_vec(&dictionary)
            .map_err(|e| parquet::errors::ParquetError::General(e.to_string()))?;
        let dict = pages.write_page(CompressedPage::new(
            Page::DictionaryPage {
                buf: compressed.into(),
                num_values: self.distinct,
                encoding: Encoding::PLAIN,
                is_sorted: false,
            },
            dict_len,
        ))?;
        let (mut compressed_total, mut uncompressed_total) = (dict.compressed_size, dict.uncompressed_size);
        let mut locations = Vec::with_capacity(self.pages.len());
        let mut first_row = 0i64;
        for page in self.pages.drain(..) {
            let spec = pages.write_page(CompressedPage::new(
                Page::DataPage {
                    buf: page.compressed,
                    num_values: page.rows,
                    encoding: Encoding::RLE_DICTIONARY,
                    def_level_encoding: Encoding::RLE,
                    rep_level_encoding: Encoding::RLE,
                    statistics: None,
                },
                page.uncompressed,
            ))?;
            compressed_total += spec.compressed_size;
            uncompressed_total += spec.uncompressed_size;
            locations.push(PageLocation {
                offset: to_i64(spec.offset)?,
                compressed_page_size: i32::try_from(spec.compressed_size)
                    .map_err(|_| parquet::errors::ParquetError::General("a page over 2 GiB".into()))?,
                first_row_index: first_row,
            });
            first_row += i64::from(page.rows);
        }
        pages.close()?;
        let data_offset = locations.first().map_or(to_i64(sink.bytes_written() as u64)?, |l| l.offset);
        let metadata = ColumnChunkMetaData::builder(descr)
            .set_compression(Compression::SNAPPY)
            .set_encodings(vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY])
            .set_num_values(to_i64(self.rows)?)
            .set_total_compressed_size(to_i64(compressed_total as u64)?)
            .set_total_uncompressed_size(to_i64(uncompressed_total as u64)?)
            .set_dictionary_page_offset(Some(to_i64(dict.offset)?))
            .set_data_page_offset(data_offset)
            .build()?;
        let close = ColumnCloseResult {
            bytes_written: sink.bytes_written() as u64,
            rows_written: self.rows,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: Some(OffsetIndexMetaData {
                page_locations: locations,
                unencoded_byte_array_data_bytes: None,
            }),
        };
        self.index.clear();
        self.distinct = 0;
        self.rows = 0;
        Ok((Bytes::from(sink.into_inner()?), close))
    }
}

fn to_i64(n: u64) -> parquet::errors::Result<i64> {
    i64::try_from(n).map_err(|_| parquet::errors::ParquetError::General("a size over i64".into()))
}

/// Bits to write `max` (at least 1: a width of 0 is legal but some readers trip on it).
fn bit_width(max: u32) -> u8 {
    (32 - max.leading_zeros()).max(1) as u8
}

/// Appends `values` (each below 2^`width`) in Parquet's RLE/bit-packed hybrid encoding: runs of 8
/// or more equal values as RLE runs, the rest bit-packed in groups of 8 (the last group padded
/// with zeros, which readers ignore since the page says how many values it holds).
fn rle_hybrid(values: &[u32], width: u8, out: &mut Vec<u8>) {
    let n = values.len();
    let (mut literal_start, mut i) = (0, 0);
    while i < n {
        let v = values[i];
        let mut j = i + 1;
        while j < n && values[j] == v {
            j += 1;
        }
        // Bit-packed groups hold 8 values: the literals before a run are topped up to a
        // multiple of 8 from the run's start, and the rest of the run goes as an RLE run.
        let pad = (8 - (i - literal_start) % 8) % 8;
        if j - i >= pad + 8 {
            bit_packed(&values[literal_start..i + pad], width, out);
            varint(((j - i - pad) as u64) << 1, out);
            let bytes = v.to_le_bytes();
            out.extend_from_slice(&bytes[..usize::from(width).div_ceil(8)]);
            literal_start = j;
        }
        i = j;
    }
    bit_packed(&values[literal_start..], width, out);
}

/// Bit-packed runs of at most 63 groups of 8 (the longest a one-byte header can announce, which
/// every reader accepts), values packed from the least significant bit. A group of 8 values is
/// exactly `width` bytes: it is packed into a u128 (8 x at most 16 bits) or, wider, two u128s.
fn bit_packed(values: &[u32], width: u8, out: &mut Vec<u8>) {
    let w = u32::from(width);
    for run in values.chunks(63 * 8) {
        let groups = run.len().div_ceil(8);
        varint(((groups as u64) << 1) | 1, out);
        out.reserve(groups * usize::from(width));
        for g in 0..groups {
            let mut group = [0u32; 8];
            let part = &run[g * 8..run.len().min(g * 8 + 8)];
            group[..part.len()].copy_from_slice(part);
            let (mut lo, mut hi) = (0u128, 0u128);
            for (k, &v) in group.iter().enumerate() {
                let at = k as u32 * w;
                if at < 128 {
                    lo |= u128::from(v) << at;
                    if at + w > 128 {
                        hi |= u128::from(v) >> (128 - at);
                    }
                } else {
                    hi |= u128::from(v) << (at - 128);
                }
            }
            let bytes = usize::from(width);
            let lo = lo.to_le_bytes();
            out.extend_from_slice(&lo[..bytes.min(16)]);
            if bytes > 16 {
                out.extend_from_slice(&hi.to_le_bytes()[..bytes - 16]);
            }
        }
    }
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reference decoder of the hybrid encoding, written from the format's description.
    fn decode(mut data: &[u8], width: u8, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let read_varint = |data: &mut &[u8]| {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let b = data[0];
                *data = &data[1..];
                v |= u64::from(b & 0x7f) << shift;
                shift += 7;
                if b < 0x80 {
                    return v;
                }
            }
        };
        while out.len() < n {
            let header = read_varint(&mut data);
            if header & 1 == 1 {
                let count = (header >> 1) as usize * 8;
                let bytes = count * usize::from(width) / 8;
                let (packed, rest) = data.split_at(bytes);
                for k in 0..count {
                    let bit = k * usize::from(width);
                    let mut v = 0u64;
                    for b in 0..usize::from(width) {
                        let at = bit + b;
                        v |= u64::from((packed[at / 8] >> (at % 8)) & 1) << b;
                    }
                    out.push(v as u32);
                }
                data = rest;
            } else {
                let count = (header >> 1) as usize;
                let nbytes = usize::from(width).div_ceil(8);
                let mut b = [0u8; 4];
                b[..nbytes].copy_from_slice(&data[..nbytes]);
                data = &data[nbytes..];
                out.extend(std::iter::repeat_n(u32::from_le_bytes(b), count));
            }
        }
        assert!(data.is_empty(), "{} bytes left over", data.len());
        out.truncate(n);
        out
    }

    #[test]
    fn hybrid_round_trips_runs_literals_and_widths() {
        let cases: Vec<(Vec<u32>, u8)> = vec![
            (vec![], 1),
            (vec![1], 1),
            (vec![0; 100], 1),
            (vec![3, 3, 3, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 1], 2),
            ((0..1000).map(|i| i % 7).collect(), 3),
            ((0..2000).map(|i| if i % 300 < 20 { 5 } else { i % 13 }).collect(), 4),
            ((0..70_000).collect(), 17),
            ((0..600).map(|i| u32::MAX >> (i % 3)).collect(), 32),
        ];
        for (values, width) in cases {
            let mut out = Vec::new();
            rle_hybrid(&values, width, &mut out);
            assert_eq!(decode(&out, width, values.len()), values, "width {width}, {} values", values.len());
        }
    }

    #[test]
    fn long_runs_become_rle_runs() {
        let mut out = Vec::new();
        rle_hybrid(&[7; 10_000], 3, &mut out);
        // One header (varint of 20000 = 3 bytes) and one value byte.
        assert_eq!(out.len(), 4);
    }

    #[test]
    fn builder_finds_a_reused_address_with_other_bytes_is_a_new_text() {
        let mut b = DictBuilder::default();
        let kept = String::from("kept");
        b.push(Some(&kept));
        b.push(None);
        b.push(Some(&kept));
        // The same address and length, other bytes: must not get the old key.
        let mut s = String::from("abcd");
        b.push(Some(&s));
        s.replace_range(.., "wxyz");
        b.push(Some(&s));
        b.push(Some("kept"));
        let chunk = b.take();
        let texts: Vec<Option<&[u8]>> =
            chunk.keys.iter().map(|&k| (k != NULL).then(|| chunk.text(k as usize))).collect();
        assert_eq!(
            texts,
            vec![Some(&b"kept"[..]), None, Some(b"kept"), Some(b"abcd"), Some(b"wxyz"), Some(b"kept")]
        );
        assert_eq!(chunk.keys[0], chunk.keys[2], "the same text at the same address is one entry");
        assert!(b.take().keys.is_empty());
    }

    #[test]
    fn bit_width_is_at_least_one() {
        assert_eq!(bit_width(0), 1);
        assert_eq!(bit_width(1), 1);
        assert_eq!(bit_width(2), 2);
        assert_eq!(bit_width(255), 8);
        assert_eq!(bit_width(256), 9);
        assert_eq!(bit_width(u32::MAX), 32);
    }
}
