//! Text manifests (CSV/TSV, NDJSON) cut into ranges of whole records for the workers.
//!
//! The reader thread reads the file front to back (decompressing it when it is gzip or zstd) in
//! blocks of [`RANGE_BYTES`] and cuts each block after its last complete record. The cut is
//! found by a scan that follows the file from its first byte: for CSV an exact copy of the
//! `csv` crate's state machine (so a newline inside quotes, `""` escapes, a quote in the middle
//! of an unquoted field and CR, LF or CRLF terminators are read exactly as the parser reads
//! them); for NDJSON a newline. Because the scan starts at the file's first byte it never has to
//! guess the quote state in the middle of the file, so there is nothing to resynchronize: a
//! record of any length (a quoted field holding thousands of newlines) simply makes its range
//! longer, up to `--max-line-bytes`.
//!
//! The same scan counts each range's rows and lines, so every range is sent with its first row
//! and first line number: workers parse ranges in any order and the row and line numbers of
//! their findings are those of a front-to-back read. The worker checks that it parsed as many
//! rows as the scan counted; a disagreement is an internal error, never a shifted row number.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ItemBatch;
use crate::error::{Error, Result};

/// Bytes per range: large enough that per-range work (a parser, a batch builder) is noise,
/// small enough that `threads x 2` ranges waiting in the channel stay a few tens of MB.
pub const RANGE_BYTES: usize = 4 << 20;

/// How a text manifest is compressed, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    /// By magic bytes: gzip `1f 8b`, zstd frame `28 b5 2f fd`.
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    /// By the file's last extension (`.gz`, `.zst`...).
    pub fn of_extension(path: &Path) -> Option<Compression> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "gz" | "gzip" => Some(Compression::Gzip),
            "zst" | "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A text manifest opened for reading: its bytes, decompressed when its first bytes say it is
/// gzip or zstd (whatever its name).
pub struct TextInput {
    path: PathBuf,
    inner: Box<dyn Read + Send>,
    compression: Option<Compression>,
}

impl std::fmt::Debug for TextInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextInput").field("path", &self.path).field("compression", &self.compression).finish()
    }
}

impl TextInput {
    pub fn open(path: &Path) -> Result<TextInput> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
        let mut head = [0u8; 4];
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::io(path, &e)),
            }
        }
        let compression = Compression::sniff(&head[..n]);
        let file = std::io::Cursor::new(head[..n].to_vec()).chain(file);
        let inner: Box<dyn Read + Send> = match compression {
            None => Box::new(file),
            // Multi-member: `cat a.gz b.gz` and bgzip files are one stream of members.
            Some(Compression::Gzip) => {
                Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(1 << 16, file)))
            }
            Some(Compression::Zstd) => Box::new(
                zstd::stream::read::Decoder::new(file)
                    .map_err(|e| Error::input(path, format!("cannot start zstd decompression: {e}")))?,
            ),
        };
        Ok(TextInput { path: path.to_path_buf(), inner, compression })
    }

    /// Reads into `buf` until it holds `want` bytes or the input ends; false at the end. A read
    /// error of a compressed stream (truncated, corrupt) is an input error naming the file,
    /// never a silently shorter file.
    pub(crate) fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> Result<bool> {
        while buf.len() < want {
            // Grow by at most a range at a time: a large `want` (a long record) takes memory
            // only as its bytes arrive.
            let start = buf.len();
            if buf.capacity() == start {
                buf.reserve((want - start).min(RANGE_BYTES));
            }
            let room = (buf.capacity() - start).min(want - start);
            // Appended into the spare capacity without zero-filling it first: a decoder hands
            // out a few KiB per read, and clearing the whole room before each one cost a memset
            // of the range per read.
            let read = std::io::Read::take(&mut self.inner, room as u64).read_to_end(buf);
            match read {
                Ok(0) => {
                    buf.truncate(start);
                    return Ok(false);
                }
                Ok(_) => {}
                Err(e) => {
                    buf.truncate(start);
                    return Err(match self.compression {
                        Some(c) => Error::input(
                            &self.path,
                            format!("the {} stream is truncated or corrupt: {e}", c.name()),
                        ),
                        None => Error::io(&self.path, &e),
                    });
                }
            }
        }
        Ok(true)
    }

    /// Reads and drops bytes up to and including the next `\n`; true if one was found before
    /// the end. `buf` is left holding the bytes after it.
    fn skip_line(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        loop {
            if let Some(i) = memchr::memchr(b'\n', buf) {
                buf.drain(..=i);
                return Ok(true);
            }
            buf.clear();
            if !self.fill(buf, RANGE_BYTES)? && buf.is_empty() {
                return Ok(false);
            }
        }
    }
}

/// For readers that stream the bytes themselves (the JSON array): the same errors, as I/O
/// errors whose text names the problem.
impl Read for TextInput {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf).map_err(|e| match self.compression {
            Some(c) => std::io::Error::other(format!("the {} stream is truncated or corrupt: {e}", c.name())),
            None => e,
        })
    }
}

/// What decides where records end in a text format, continued over blocks.
pub(crate) trait Scanner {
    /// Scans `bytes`, the bytes of the pending range from offset `from` on (the bytes before
    /// were scanned by earlier calls). Returns the offset just after the last record ending in
    /// `bytes[from..]` and the rows of the range up to there, if a record ended.
    fn scan(&mut self, bytes: &[u8], from: usize) -> Option<(usize, u64)>;
    /// Rows of the range's bytes after the last cut, the input having ended there.
    fn finish(&mut self, rest: &[u8]) -> u64;
    /// Starts over for a new range (after a cut): the scan state itself carries on.
    fn cut(&mut self);
}

/// A range of whole records of a text manifest, for a worker to parse.
pub struct TextRange {
    pub(crate) manifest: usize,
    pub(crate) bytes: Vec<u8>,
    /// 1-based row number (header excluded) of the range's first row.
    pub(crate) first_row: u64,
    /// 1-based physical line of the range's first byte.
    pub(crate) first_line: u64,
    /// Rows the reader's scan counted in the range.
    pub(crate) rows: u64,
    /// An NDJSON line longer than `--max-line-bytes`: its bytes were never kept; the range
    /// stands for that one row.
    pub(crate) long_line: bool,
    pub(crate) parse: Arc<dyn ParseRange>,
}

impl std::fmt::Debug for TextRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextRange")
            .field("manifest", &self.manifest)
            .field("bytes", &self.bytes.len())
            .field("first_row", &self.first_row)
            .field("first_line", &self.first_line)
            .field("rows", &self.rows)
            .finish()
    }
}

/// Parses a range's rows into batches (on a worker).
pub(crate) trait ParseRange: Send + Sync {
    fn parse(&self, range: &TextRange, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<u64>;
    fn path(&self) -> &Path;
}

impl TextRange {
    /// Parses the range into batches of at most `batch_size` rows, checking that it holds the
    /// rows the reader counted.
    pub fn read(self, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<()> {
        let parsed = self.parse.parse(&self, batch_size, each)?;
        if parsed != self.rows {
            return Err(Error::internal(format!(
                "{}: the range from line {} held {parsed} rows when parsed, {} when its boundaries were found",
                self.parse.path().display(),
                self.first_line,
                self.rows
            )));
        }
        Ok(())
    }
}

/// The limit past which a pending record with no end is refused (CSV) or skipped (NDJSON).
pub(crate) enum TooLong {
    /// Exit 2 naming the line.
    Error,
    /// One row standing for the line, its bytes dropped.
    Row,
}

/// Cuts `input` (already past any header) into ranges and hands them to `send` (false: stop).
/// `buf` holds bytes already read past the header. Returns false if stopped.
#[allow(clippy::too_many_arguments)]
pub(crate) fn cut_ranges(
    manifest: usize,
    input: &mut TextInput,
    mut buf: Vec<u8>,
    mut first_line: u64,
    scanner: &mut dyn Scanner,
    parse: Arc<dyn ParseRange>,
    max_line_bytes: usize,
    too_long: TooLong,
    range_bytes: usize,
    send: &mut dyn FnMut(TextRange) -> bool,
) -> Result<bool> {
    let path = input.path.clone();
    let mut first_row = 1u64;
    let mut scanned = 0usize;
    let range_bytes = range_bytes.max(1);
    let mut want = range_bytes;
    let limit = max_line_bytes.saturating_add(2);
    loop {
        let more = if buf.len() < want { input.fill(&mut buf, want)? } else { true };
        let cut = scanner.scan(&buf, scanned);
        scanned = buf.len();
        if !more {
            let rows = scanner.finish(&buf);
            if buf.is_empty() {
                return Ok(true);
            }
            let range = TextRange {
                manifest,
                bytes: buf,
                first_row,
                first_line,
                rows,
                long_line: false,
                parse: parse.clone(),
            };
            return Ok(send(range));
        }
        let Some((at, rows)) = cut else {
            // No record ended in the pending bytes: one record (after perhaps blank lines)
            // longer than a range so far.
            if buf.len() > limit {
                match too_long {
                    TooLong::Error => {
                        return Err(Error::input(
                            &path,
                            format!(
                                "line {first_line}: a record longer than {max_line_bytes} bytes (--max-line-bytes)"
                            ),
                        ));
                    }
                    TooLong::Row => {
                        // Its bytes are dropped as they come: memory never holds the line.
                        let ended = input.skip_line(&mut buf)?;
                        let range = TextRange {
                            manifest,
                            bytes: Vec::new(),
                            first_row,
                            first_line,
                            rows: 1,
                            long_line: true,
                            parse: parse.clone(),
                        };
                        if !send(range) {
                            return Ok(false);
                        }
                        first_row += 1;
                        first_line += 1;
                        scanned = 0;
                        scanner.cut();
                        want = range_bytes;
                        if !ended {
                            return Ok(true);
                        }
                        continue;
                    }
                }
            }
            want = (buf.len() + range_bytes).min(limit + 1).max(buf.len() + 1);
            continue;
        };
        let rest = buf[at..].to_vec();
        let mut bytes = std::mem::replace(&mut buf, rest);
        bytes.truncate(at);
        let lines = memchr::memchr_iter(b'\n', &bytes).count() as u64;
        scanned -= at;
        scanner.cut();
        let range = TextRange {
            manifest,
            bytes,
            first_row,
            first_line,
            rows,
            long_line: false,
            parse: parse.clone(),
        };
        if !send(range) {
            return Ok(false);
        }
        first_row += rows;
        first_line += lines;
        want = range_bytes.max(buf.len() + 1);
    }
}

/// The byte classes the CSV state machine tells apart.
const OTHER: u8 = 0;
const DELIM: u8 = 1;
const QUOTE: u8 = 2;
const TERM: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CsvState {
    /// Between records (blank lines are skipped here, as the parser skips them).
    StartRecord,
    StartField,
    InField,
    InQuoted,
    /// A quote inside a quoted field: `""` or the field's end.
    QuoteInQuoted,
}

/// Follows the `csv` crate's parser (csv-core with quoting and doubled quotes, no escape byte,
/// no comments, CR/LF/CRLF terminators) byte for byte, to know where its records end and how
/// many rows they make. A record ends at the terminator byte that ends it (after a `\r` of a
/// CRLF, as the parser ends it there too: the `\n` then is a blank line it skips).
pub(crate) struct CsvScanner {
    classes: [u8; 256],
    state: CsvState,
    /// The record being scanned has a delimiter or a field byte: it is not a lone empty field.
    nonempty: bool,
    /// The header has more than one column: a record of one empty field is a blank line the
    /// reader skips, not a row.
    skip_empty: bool,
    /// Rows of the current range so far.
    rows: u64,
}

impl CsvScanner {
    pub(crate) fn new(delimiter: u8, width: usize) -> Self {
        let mut classes = [OTHER; 256];
        classes[b'\r' as usize] = TERM;
        classes[b'\n' as usize] = TERM;
        classes[b'"' as usize] = QUOTE;
        classes[delimiter as usize] = DELIM;
        CsvScanner { classes, state: CsvState::StartRecord, nonempty: false, skip_empty: width > 1, rows: 0 }
    }

    /// Offset just after the end of the first record in `bytes` (the header), if it ends there.
    pub(crate) fn first_record_end(&mut self, bytes: &[u8]) -> Option<usize> {
        let end = bytes.iter().position(|&b| self.step(b)).map(|i| i + 1);
        self.rows = 0;
        end
    }

    /// Takes one byte; true when it ended a record.
    #[inline(always)]
    fn step(&mut self, b: u8) -> bool {
        let class = self.classes[b as usize];
        match self.state {
            CsvState::StartRecord => match class {
                TERM => {}
                QUOTE => self.state = CsvState::InQuoted,
                DELIM => {
                    self.nonempty = true;
                    self.state = CsvState::StartField;
                }
                _ => {
                    self.nonempty = true;
                    self.state = CsvState::InField;
                }
            },
            CsvState::StartField => match class {
                QUOTE => self.state = CsvState::InQuoted,
                DELIM => {}
                TERM => return self.end_record(),
                _ => self.state = CsvState::InField,
            },
            CsvState::InField => match class {
                DELIM => self.state = CsvState::StartField,
                TERM => return self.end_record(),
                _ => {}
            },
            CsvState::InQuoted => {
                if class == QUOTE {
                    self.state = CsvState::QuoteInQuoted;
                } else {
                    self.nonempty = true;
                }
            }
            CsvState::QuoteInQuoted => match class {
                QUOTE => {
                    self.nonempty = true;
                    self.state = CsvState::InQuoted;
                }
                DELIM => {
                    self.nonempty = true;
                    self.state = CsvState::StartField;
                }
                TERM => return self.end_record(),
                _ => {
                    self.nonempty = true;
                    self.state = CsvState::InField;
                }
            },
        }
        false
    }

    #[inline(always)]
    fn end_record(&mut self) -> bool {
        if self.nonempty || !self.skip_empty {
            self.rows += 1;
        }
        self.nonempty = false;
        self.state = CsvState::StartRecord;
        true
    }
}

impl Scanner for CsvScanner {
    fn scan(&mut self, bytes: &[u8], from: usize) -> Option<(usize, u64)> {
        let mut last = None;
        let mut i = from;
        while i < bytes.len() {
            // Inside a quoted field only a quote matters: jump to the next one.
            if self.state == CsvState::InQuoted {
                match memchr::memchr(b'"', &bytes[i..]) {
                    Some(k) => {
                        if k > 0 {
                            self.nonempty = true;
                        }
                        i += k;
                    }
                    None => {
                        if i < bytes.len() {
                            self.nonempty = true;
                        }
                        break;
                    }
                }
            }
            if self.step(bytes[i]) {
                last = Some(i + 1);
            }
            i += 1;
        }
        last.map(|at| (at, self.rows))
    }

    fn finish(&mut self, _rest: &[u8]) -> u64 {
        // The parser ends a record left open by the end of the input.
        if self.state != CsvState::StartRecord {
            self.end_record();
        }
        self.rows
    }

    fn cut(&mut self) {
        self.rows = 0;
    }
}

/// NDJSON: a record is a line; blank lines are no rows, a line longer than the limit is one.
pub(crate) struct LineScanner {
    /// Longest line kept, with its `\r\n` (`--max-line-bytes` + 2, as lines were always counted).
    limit: usize,
    /// Offset of the pending line's first byte.
    line_start: usize,
    rows: u64,
}

impl LineScanner {
    pub(crate) fn new(max_line_bytes: usize) -> Self {
        LineScanner { limit: max_line_bytes.saturating_add(2), line_start: 0, rows: 0 }
    }

    fn counts(&self, line: &[u8]) -> bool {
        line.len() > self.limit || !is_blank_line(line)
    }
}

/// A line of only whitespace (after its terminator and a byte-order mark): no item.
pub(crate) fn is_blank_line(line: &[u8]) -> bool {
    match line.first() {
        Some(b) if !b.is_ascii_whitespace() && *b != 0xef => false,
        _ => super::json::trim_line(line).iter().all(u8::is_ascii_whitespace),
    }
}

impl Scanner for LineScanner {
    fn scan(&mut self, bytes: &[u8], from: usize) -> Option<(usize, u64)> {
        let mut last = None;
        for i in memchr::memchr_iter(b'\n', &bytes[from..]) {
            let end = from + i + 1;
            if self.counts(&bytes[self.line_start..end]) {
                self.rows += 1;
            }
            self.line_start = end;
            last = Some(end);
        }
        last.map(|at| (at, self.rows))
    }

    fn finish(&mut self, rest: &[u8]) -> u64 {
        if self.line_start < rest.len() && self.counts(&rest[self.line_start..]) {
            self.rows += 1;
        }
        self.rows
    }

    fn cut(&mut self) {
        self.rows = 0;
        self.line_start = 0;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io::Write;

    use super::*;

    /// A text reader under test (CSV or NDJSON), called with the range size to cut at.
    type ReadFn = fn(&Manifest, &ReadOptions, usize, &mut dyn FnMut(Unit) -> bool) -> Result<()>;
    use crate::manifest::{Manifest, ReadOptions, TextColumn, Unit};

    /// A small deterministic generator (xorshift), so failures replay.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }

    /// Record ends as the `csv` crate finds them (offsets after the terminator that ended a
    /// record, or the input's length).
    fn csv_crate_ends(bytes: &[u8], delimiter: u8) -> Vec<usize> {
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut record = ::csv::ByteRecord::new();
        let mut ends = Vec::new();
        while reader.read_byte_record(&mut record).unwrap_or(false) {
            ends.push(reader.position().byte() as usize);
        }
        ends
    }

    fn scanner_ends(bytes: &[u8], delimiter: u8) -> Vec<usize> {
        let mut s = CsvScanner::new(delimiter, 2);
        let mut ends: Vec<usize> =
            bytes.iter().enumerate().filter_map(|(i, &b)| s.step(b).then_some(i + 1)).collect();
        if s.state != CsvState::StartRecord {
            ends.push(bytes.len());
        }
        ends
    }

    #[test]
    fn the_csv_scan_ends_records_where_the_csv_parser_does() {
        let cases: [&[u8]; 9] = [
            b"a,b\nc,d\n",
            b"a,\"b\nc\",d\r\ne,f",
            b"\"x\"\"y\",z\n\n\nq\r\r\n",
            b"5\" disk,\"q\"x,y\n\"\"\n",
            b"\"unclosed\n,a\nb",
            b"\r\n\r\n,\n",
            b"a,\"\"\"\"\n\"\",\"\n\"\n",
            b"\xef\xbb\xbfid,license\r\n1,MIT",
            b"",
        ];
        for case in cases {
            assert_eq!(
                scanner_ends(case, b','),
                csv_crate_ends(case, b','),
                "{:?}",
                String::from_utf8_lossy(case)
            );
        }
        let alphabet = [b'a', b',', b';', b'"', b'\n', b'\r', b' '];
        let mut rng = Rng(0x9e3779b97f4a7c15);
        for _ in 0..5000 {
            let len = rng.below(24);
            let bytes: Vec<u8> = (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect();
            for d in [b',', b';'] {
                assert_eq!(
                    scanner_ends(&bytes, d),
                    csv_crate_ends(&bytes, d),
                    "{:?}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
    }

    fn opts(max: usize) -> ReadOptions {
        ReadOptions { overrides: BTreeMap::new(), batch_size: 3, max_line_bytes: max }
    }

    /// Every row a reader hands over, as text: row number, line, values, problem.
    fn rows_of(
        path: &Path,
        range: usize,
        max: usize,
        read: ReadFn,
    ) -> std::result::Result<Vec<String>, String> {
        let m = Manifest::file(path.to_path_buf(), "t".into());
        let mut units = Vec::new();
        read(&m, &opts(max), range, &mut |u| {
            units.push(u);
            true
        })
        .map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for unit in units {
            let mut failed = None;
            unit.batches(3, &mut |b| {
                for i in 0..b.num_rows() {
                    let values: Vec<Option<String>> = b
                        .batch
                        .columns()
                        .iter()
                        .map(|c| TextColumn::new(c.as_ref()).and_then(|t| t.get(i)).map(str::to_string))
                        .collect();
                    let problem =
                        b.problems.iter().find(|p| p.index == i).map(|p| (p.kind, p.message.clone()));
                    let line = b.lines.as_ref().map(|l| l[i]);
                    out.push(format!("{} {line:?} {values:?} {problem:?}", b.first_row + i as u64));
                }
                if b.lines.is_none() {
                    failed = Some("a batch without lines".to_string());
                }
            })
            .map_err(|e| e.to_string())?;
            if let Some(f) = failed {
                return Err(f);
            }
        }
        Ok(out)
    }

    fn read_csv(m: &Manifest, o: &ReadOptions, r: usize, s: &mut dyn FnMut(Unit) -> bool) -> Result<()> {
        crate::manifest::csv::read_ranges(0, m, None, o, r, s)
    }

    fn read_ndjson(m: &Manifest, o: &ReadOptions, r: usize, s: &mut dyn FnMut(Unit) -> bool) -> Result<()> {
        crate::manifest::json::read_ndjson_ranges(0, m, o, r, s)
    }

    /// Ranges of every size give the rows, lines and row findings of one front-to-back read.
    fn same_at_every_range_size(path: &Path, len: usize, max: usize, read: ReadFn) {
        let whole = rows_of(path, 1 << 30, max, read);
        for range in 1..=len + 1 {
            let cut = rows_of(path, range, max, read);
            assert_eq!(
                cut,
                whole,
                "range of {range} bytes over {:?}",
                String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default())
            );
        }
    }

    #[test]
    fn csv_ranges_of_every_size_read_like_one_pass() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("t.csv");
        let headers: [&[u8]; 3] = [b"id,license\n", b"\xef\xbb\xbfid,license,url\r\n", b"license\n"];
        let pieces: [&[u8]; 12] =
            [b"a", b",", b"\"", b"\"\"", b"\n", b"\r\n", b"\r", b"MIT", b" ", b"\xff", b"x\ny", b"\"q\nq\""];
        let mut rng = Rng(7);
        for n in 0..300 {
            let mut bytes = headers[n % headers.len()].to_vec();
            for _ in 0..rng.below(14) {
                bytes.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
            same_at_every_range_size(&path, bytes.len(), 1 << 20, read_csv);
        }
    }

    #[test]
    fn a_quoted_newline_across_a_naive_cut_stays_in_its_record() {
        // Cut at every newline, as a reader that ignored quotes would, this file's second record
        // would become three rows (`"a`, `b,c`, `d"`), and row 3 would be row 5.
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("q.csv");
        let text =
            b"id,license\n1,\"MIT\nb,c\nd\"\n2,CC0-1.0\n3,\"a \"\"quoted\"\"\r\nlicense\"\n4,Apache-2.0";
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let whole = rows_of(&path, 1 << 20, 1 << 20, read_csv).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(whole.len(), 4, "{whole:?}");
        assert!(whole[0].starts_with("1 Some(2) [Some(\"MIT\\nb,c\\nd\"), Some(\"1\")]"), "{}", whole[0]);
        assert!(whole[1].starts_with("2 Some(5) "), "{}", whole[1]);
        assert!(whole[3].starts_with("4 Some(8) [Some(\"Apache-2.0\"), Some(\"4\")]"), "{}", whole[3]);
        same_at_every_range_size(&path, text.len(), 1 << 20, read_csv);
    }

    #[test]
    fn ndjson_ranges_of_every_size_read_like_one_pass() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("t.ndjson");
        let lines: [&[u8]; 12] = [
            b"{\"id\":\"1\",\"license\":\"MIT\"}\n",
            b"{\"id\":2,\"license\":\"CC0-1.0\",\"x\":[1,{\"a\":\"}\"}]}\r\n",
            b"\n",
            b"   \n",
            b"{\"license\": 5}\n",
            b"[1,2]\n",
            b"{\"license\": \"a\\nb\"\n",
            b"{\"license\":\"Apache-2.0\",\"license\":null}\n",
            b"\xef\xbb\xbf{\"license\":\"MIT\"}\n",
            b"{\"license\":\"a very long license line that goes past the limit\"}\n",
            b"\xff\n",
            b"{\"license\":\"MIT\"}",
        ];
        let mut rng = Rng(11);
        for _ in 0..150 {
            let mut bytes = b"{\"id\":\"0\",\"license\":\"MIT\",\"url\":\"https://e.org/\"}\n".to_vec();
            for _ in 0..rng.below(8) {
                bytes.extend_from_slice(lines[rng.below(lines.len())]);
            }
            std::fs::write(&path, &bytes).unwrap_or_else(|e| panic!("{e}"));
            // A limit of 50 bytes: the long line is a row finding, whether it falls inside a
            // range or is longer than the range being cut.
            same_at_every_range_size(&path, bytes.len(), 50, read_ndjson);
            same_at_every_range_size(&path, bytes.len(), 1 << 20, read_ndjson);
        }
    }

    #[test]
    fn compressed_text_reads_like_the_plain_file_and_a_truncated_stream_is_an_error() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut text = b"id,license\n".to_vec();
        for i in 0..5000 {
            text.extend_from_slice(format!("{i},\"MIT\nx\"\n").as_bytes());
        }
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, &text).unwrap_or_else(|e| panic!("{e}"));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&text).unwrap_or_else(|e| panic!("{e}"));
        let gz = gz.finish().unwrap_or_else(|e| panic!("{e}"));
        let zst = zstd::encode_all(text.as_slice(), 3).unwrap_or_else(|e| panic!("{e}"));
        let want = rows_of(&plain, 1000, 1 << 20, read_csv).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(want.len(), 5000);
        for (name, bytes) in [("a.csv.gz", &gz), ("b.csv.zst", &zst), ("gzip-named.csv", &gz)] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(rows_of(&path, 1000, 1 << 20, read_csv), Ok(want.clone()), "{name}");
            assert_eq!(
                crate::manifest::detect_format(&path).ok(),
                Some(crate::manifest::Format::Csv { delimiter: None }),
                "{name}"
            );
            let cut = dir.path().join(format!("cut-{name}"));
            std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap_or_else(|e| panic!("{e}"));
            let err = rows_of(&cut, 1000, 1 << 20, read_csv).expect_err("a truncated stream read");
            assert!(err.contains("truncated or corrupt") && err.contains(&format!("cut-{name}")), "{err}");
        }
    }
}
