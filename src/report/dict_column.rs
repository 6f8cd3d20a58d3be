//! Dictionary-coded text columns of the Parquet findings file, written without hashing every row.
//!
//! Rule, severity, manifest, message and value repeat a few thousand distinct texts over millions
//! of findings. Parquet's own writer dictionary-codes a column by hashing each row's text and
//! comparing it with its entry: on 1M findings of a dirty manifest that was about 60% of the
//! findings writer's time (0.08 of 0.135 s). Here the work is split so that it is paid once per
//! distinct text instead:
//!
//! - a worker's [`DictBuilder`] numbers the entries of its chunk as it encodes them. The caller
//!   names each entry with an id that always comes with the same texts (a verdict's finding, a
//!   manifest), so a row whose id was seen costs one lookup of a number: no text is hashed or
//!   compared. Several columns can share one builder when one id settles all their texts (rule,
//!   severity, message and value all follow from the verdict a finding comes from).
//! - the writer thread's [`DictColumnWriter`] merges a chunk's entries into the row group's
//!   dictionary (one hash per entry), renumbers the rows through that small map, and encodes
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

/// A null entry's place in [`DictColumnWriter`]'s renumbering.
const NULL: u32 = u32::MAX;

/// Marks a null entry in [`Texts::spans`].
const NULL_SPAN: (usize, usize) = (usize::MAX, 0);

/// One column's text for each entry of a chunk (or null).
#[derive(Debug, Default)]
pub struct Texts {
    /// Entry `k` is `bytes[start..end]`, or null for [`NULL_SPAN`].
    spans: Vec<(usize, usize)>,
    bytes: Vec<u8>,
}

impl Texts {
    fn push(&mut self, text: Option<&str>) {
        match text {
            Some(t) => {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(t.as_bytes());
                self.spans.push((start, self.bytes.len()));
            }
            None => self.spans.push(NULL_SPAN),
        }
    }

    fn len(&self) -> usize {
        self.spans.len()
    }

    fn get(&self, k: usize) -> Option<&[u8]> {
        let (start, end) = self.spans[k];
        (start != NULL_SPAN.0).then(|| &self.bytes[start..end])
    }
}

/// `N` columns of an encoded chunk: per row a key into the chunk's entries, and each column's
/// text per entry.
#[derive(Debug)]
pub struct DictChunk<const N: usize> {
    keys: Vec<u32>,
    texts: [Texts; N],
}

impl<const N: usize> DictChunk<N> {
    pub fn keys(&self) -> &[u32] {
        &self.keys
    }

    pub fn texts(&self) -> &[Texts; N] {
        &self.texts
    }

    /// Bytes held (keys, spans and texts), for the findings writer's memory budget.
    pub fn byte_size(&self) -> usize {
        self.keys.len() * 4 + self.texts.iter().map(|t| t.spans.len() * 16 + t.bytes.len()).sum::<usize>()
    }
}

/// Worker side: builds `N` columns of a chunk whose rows are named by ids.
#[derive(Debug)]
pub struct DictBuilder<const N: usize> {
    keys: Vec<u32>,
    texts: [Texts; N],
    /// Id of an entry pushed before -> its key.
    by_id: FxHashMap<u64, u32>,
    last: Option<(u64, u32)>,
}

impl<const N: usize> Default for DictBuilder<N> {
    fn default() -> Self {
        DictBuilder {
            keys: Vec::new(),
            texts: std::array::from_fn(|_| Texts::default()),
            by_id: Default::default(),
            last: None,
        }
    }
}

impl<const N: usize> DictBuilder<N> {
    /// Adds a row with these texts. `id`, when given, names them: the caller makes sure an id
    /// never comes back with other texts, so a row with an id seen before in this chunk reuses
    /// its entry without looking at the texts. Without an id the texts get an entry of their own.
    pub fn push(&mut self, id: Option<u64>, texts: [Option<&str>; N]) {
        let Some(id) = id else {
            self.add(texts);
            return;
        };
        let seen = match self.last {
            Some((last, k)) if last == id => Some(k),
            _ => self.by_id.get(&id).copied(),
        };
        let k = match seen {
            Some(k) => {
                debug_assert!(
                    (0..N).all(|c| self.texts[c].get(k as usize) == texts[c].map(str::as_bytes)),
                    "id {id} came back with other texts"
                );
                self.keys.push(k);
                k
            }
            None => {
                let k = self.add(texts);
                self.by_id.insert(id, k);
                k
            }
        };
        self.last = Some((id, k));
    }

    fn add(&mut self, texts: [Option<&str>; N]) -> u32 {
        // A chunk holds at most CHUNK_ROWS rows, so its keys fit in u32 with room to spare.
        let k = u32::try_from(self.texts[0].len()).unwrap_or(u32::MAX);
        for (column, text) in self.texts.iter_mut().zip(texts) {
            column.push(text);
        }
        self.keys.push(k);
        k
    }

    /// Hands over the chunk built so far; the next one starts at this one's size.
    pub fn take(&mut self) -> DictChunk<N> {
        self.by_id.clear();
        self.last = None;
        let next = DictChunk {
            keys: Vec::with_capacity(self.keys.len()),
            texts: std::array::from_fn(|c| Texts {
                spans: Vec::with_capacity(self.texts[c].spans.len()),
                bytes: Vec::with_capacity(self.texts[c].bytes.len()),
            }),
        };
        let keys = std::mem::replace(&mut self.keys, next.keys);
        let texts = std::mem::replace(&mut self.texts, next.texts);
        DictChunk { keys, texts }
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

    /// Adds a chunk's rows (`keys` into the entries of `texts`) as one data page.
    pub fn append(&mut self, keys: &[u32], texts: &Texts) -> Result<(), String> {
        self.remap.clear();
        for k in 0..texts.len() {
            let Some(text) = texts.get(k) else {
                self.remap.push(NULL);
                continue;
            };
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
        for &k in keys {
            let id = self.remap.get(k as usize).copied().ok_or("internal: a key past the chunk's entries")?;
            if id == NULL {
                if !self.nullable {
                    return Err("internal: a null in a column that has none".into());
                }
                self.levels.push(0);
            } else {
                // Levels are only written for a nullable column.
                if self.nullable {
                    self.levels.push(1);
                }
                self.indices.push(id);
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
        let rows = u32::try_from(keys.len()).map_err(|_| "a chunk over 4G rows".to_string())?;
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

    /// Each row's texts, read back through its key.
    fn rows<const N: usize>(chunk: &DictChunk<N>) -> Vec<[Option<&[u8]>; N]> {
        chunk.keys.iter().map(|&k| std::array::from_fn(|c| chunk.texts[c].get(k as usize))).collect()
    }

    #[test]
    fn builder_keeps_one_entry_per_id_and_one_per_row_without() {
        let mut b = DictBuilder::<2>::default();
        b.push(Some(7), [Some("rule-a"), Some("value")]);
        b.push(None, [Some("rule-a"), Some("value")]);
        b.push(Some(9), [Some("rule-b"), None]);
        b.push(Some(7), [Some("rule-a"), Some("value")]);
        b.push(Some(9), [Some("rule-b"), None]);
        let chunk = b.take();
        assert_eq!(chunk.keys, vec![0, 1, 2, 0, 2], "ids 7 and 9 reuse their entries; no id, a new one");
        assert_eq!(
            rows(&chunk),
            vec![
                [Some(&b"rule-a"[..]), Some(&b"value"[..])],
                [Some(b"rule-a"), Some(b"value")],
                [Some(b"rule-b"), None],
                [Some(b"rule-a"), Some(b"value")],
                [Some(b"rule-b"), None],
            ]
        );
        // The next chunk starts with no entries: a known id is added again, with key 0.
        b.push(Some(9), [Some("rule-b"), None]);
        let next = b.take();
        assert_eq!(next.keys, vec![0]);
        assert_eq!(rows(&next), vec![[Some(&b"rule-b"[..]), None]]);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "came back with other texts")]
    fn builder_catches_an_id_reused_for_other_texts_in_debug_builds() {
        let mut b = DictBuilder::<1>::default();
        b.push(Some(1), [Some("one")]);
        b.push(Some(1), [Some("two")]);
    }

    #[test]
    fn writer_renumbers_entries_into_one_dictionary_and_keeps_nulls() {
        let mut b = DictBuilder::<1>::default();
        for (id, text) in [(1, Some("b")), (2, None), (3, Some("a")), (1, Some("b")), (4, Some("b"))] {
            b.push(Some(id), [text]);
        }
        let chunk = b.take();
        let mut w = DictColumnWriter::new(true);
        assert_eq!(w.append(chunk.keys(), &chunk.texts()[0]), Ok(()));
        // Entries "b" (ids 1 and 4) are one dictionary text; the null entry is a null row.
        assert_eq!(w.distinct, 2);
        assert_eq!(w.indices, vec![0, 1, 0, 0]);
        assert_eq!(w.levels, vec![1, 0, 1, 1, 1]);
        let mut strict = DictColumnWriter::new(false);
        assert!(strict.append(chunk.keys(), &chunk.texts()[0]).is_err(), "a null in a required column");
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
