//! CSV / TSV. Parsed with the `csv` crate on raw bytes rather than with arrow-csv: arrow-csv fails
//! a whole batch on one ragged row or one invalid UTF-8 byte, and we must report such a row as a
//! finding and audit the rest of the file.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::builder::BatchBuilder;
use super::chunks::{self, CsvScanner, ParseRange, TextInput, TextRange, TooLong};
use super::{ColumnMap, ItemBatch, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

/// Reads one CSV file: the header here, then ranges of whole records that workers parse
/// ([`Unit::Text`]); `sink` returns false to stop early.
pub fn read(
    idx: usize,
    manifest: &Manifest,
    delimiter: Option<u8>,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    read_ranges(idx, manifest, delimiter, opts, chunks::RANGE_BYTES, sink)
}

/// [`read`] in ranges of about `range_bytes` (tests cut small files at every size).
pub(crate) fn read_ranges(
    idx: usize,
    manifest: &Manifest,
    delimiter: Option<u8>,
    opts: &ReadOptions,
    range_bytes: usize,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let mut input = TextInput::open(path)?;
    let mut buf = Vec::new();
    // The header: read until its record ends (a header longer than a range is read whole, up
    // to the record limit).
    let mut want = chunks::RANGE_BYTES;
    let mut more = input.fill(&mut buf, want)?;
    let bom = if buf.starts_with(b"\xef\xbb\xbf") { 3 } else { 0 };
    let delimiter = match delimiter {
        Some(d) => d,
        None => sniff_delimiter(&buf[bom..]),
    };
    let mut header_scan = CsvScanner::new(delimiter, 1);
    let mut scanned = bom;
    let header_end = loop {
        if let Some(end) = header_scan.first_record_end(&buf[scanned..]) {
            break scanned + end;
        }
        scanned = buf.len();
        if !more {
            break buf.len();
        }
        if buf.len() > opts.max_line_bytes.saturating_add(2) {
            return Err(Error::input(
                path,
                format!("line 1: a record longer than {} bytes (--max-line-bytes)", opts.max_line_bytes),
            ));
        }
        want += chunks::RANGE_BYTES;
        more = input.fill(&mut buf, want)?;
    };
    let header = {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(&buf[bom..header_end]);
        let mut record = csv::ByteRecord::new();
        reader.read_byte_record(&mut record).map_err(|e| csv_error(manifest, &e))?;
        record
    };
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(Error::input(path, "no header row: the first line must name the columns"));
    }
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
    let map = ColumnMap::resolve(path, &names, &opts.overrides)?;
    let width = header.len();
    let first_line = 1 + memchr::memchr_iter(b'\n', &buf[..header_end]).count() as u64;
    let rest = buf.split_off(header_end);
    let parse = Arc::new(CsvRanges {
        path: path.clone(),
        delimiter,
        width,
        sources: map.iter().map(|(_, i, n)| (i, n.to_string())).collect(),
        map,
        max_line_bytes: opts.max_line_bytes,
    });
    let mut scanner = CsvScanner::new(delimiter, width);
    chunks::cut_ranges(
        idx,
        &mut input,
        rest,
        first_line,
        &mut scanner,
        parse,
        opts.max_line_bytes,
        TooLong::Error,
        range_bytes,
        &mut |range| sink(Unit::Text(range)),
    )?;
    Ok(())
}

/// What a worker needs to parse a range of a CSV file.
struct CsvRanges {
    path: PathBuf,
    delimiter: u8,
    width: usize,
    map: ColumnMap,
    /// (column index, column name) of each mapped field, in builder order.
    sources: Vec<(usize, String)>,
    max_line_bytes: usize,
}

impl ParseRange for CsvRanges {
    fn path(&self) -> &Path {
        &self.path
    }

    fn parse(&self, range: &TextRange, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<u64> {
        let mut builder = BatchBuilder::new(range.manifest, &self.map, batch_size);
        builder.start_at(range.first_row);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(BufReader::with_capacity(1 << 16, range.bytes.as_slice()));
        let width = self.width;
        let mut rows = 0u64;
        let mut record = csv::ByteRecord::new();
        // The parser counts lines from 1 at the range's first byte.
        let line_of = |r: &csv::ByteRecord| range.first_line + r.position().map_or(1, |p| p.line()) - 1;
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let at = e.position().map(|p| format!(" at line {}", range.first_line + p.line() - 1));
                    return Err(Error::input(
                        &self.path,
                        format!("cannot read CSV{}: {e}", at.unwrap_or_default()),
                    ));
                }
            }
            if record.as_slice().len() > self.max_line_bytes {
                return Err(Error::input(
                    &self.path,
                    format!(
                        "line {}: a record longer than {} bytes (--max-line-bytes)",
                        line_of(&record),
                        self.max_line_bytes
                    ),
                ));
            }
            if record.len() == 1 && record[0].is_empty() && width > 1 {
                // A blank line: not an item.
                continue;
            }
            rows += 1;
            builder.at_line(line_of(&record));
            if record.len() != width {
                builder.push_invalid(
                    None,
                    "ragged row",
                    format!("row has {} fields, the header has {width}", record.len()),
                );
            } else {
                let mut bad = None;
                for (src, name) in &self.sources {
                    if std::str::from_utf8(&record[*src]).is_err() {
                        bad = Some(name.clone());
                        break;
                    }
                }
                match bad {
                    Some(column) => {
                        let message = format!("column `{column}` is not valid UTF-8");
                        builder.push_invalid(Some(column), "invalid UTF-8", message);
                    }
                    None => {
                        let values = self.sources.iter().map(|(src, _)| {
                            let v = std::str::from_utf8(&record[*src]).unwrap_or_default();
                            (!v.is_empty()).then_some(v)
                        });
                        builder.push(values);
                    }
                }
            }
            if builder.is_full()
                && let Some(batch) = builder.take()
            {
                each(batch);
            }
        }
        if let Some(batch) = builder.take() {
            each(batch);
        }
        Ok(rows)
    }
}

fn csv_error(manifest: &Manifest, err: &csv::Error) -> Error {
    let at = err.position().map(|p| format!(" at line {}", p.line())).unwrap_or_default();
    Error::input(&manifest.path, format!("cannot read CSV{at}: {err}"))
}

pub(crate) fn skip_bom(input: &mut impl std::io::BufRead) -> std::io::Result<()> {
    let buf = input.fill_buf()?;
    if buf.starts_with(b"\xef\xbb\xbf") {
        input.consume(3);
    }
    Ok(())
}
/// Picks the delimiter that splits the header line most often (outside quotes). European portals
/// export `;`-separated files under a `.csv` name; guessing wrong would hide every column.
pub(crate) fn sniff_delimiter(head: &[u8]) -> u8 {
    let line_end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = &head[..line_end];
    let mut counts = [0usize; 4];
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = CANDIDATES.iter().position(|&c| c == b) {
            counts[i] += 1;
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

#[cfg(test)]
mod tests {
    use super::sniff_delimiter;

    #[test]
    fn sniffs_the_delimiter_of_the_header() {
        assert_eq!(sniff_delimiter(b"id;license;url\n1;a,b;c"), b';');
        assert_eq!(sniff_delimiter(b"id,license,url\n"), b',');
        assert_eq!(sniff_delimiter(b"id\tlicense\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
    }
}
