//! CSV / TSV. Parsed with the `csv` crate on raw bytes rather than with arrow-csv: arrow-csv fails
//! a whole batch on one ragged row or one invalid UTF-8 byte, and we must report such a row as a
//! finding and audit the rest of the file.

use std::fs::File;
use std::io::{BufRead, BufReader};

use super::builder::BatchBuilder;
use super::{ColumnMap, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

/// Reads one CSV file and hands its batches to `sink` (which returns false to stop early).
pub fn read(
    idx: usize,
    manifest: &Manifest,
    delimiter: Option<u8>,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let file = File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut input = BufReader::with_capacity(1 << 20, file);
    skip_bom(&mut input).map_err(|e| Error::io(path, &e))?;
    let delimiter = match delimiter {
        Some(d) => d,
        None => sniff_delimiter(input.fill_buf().map_err(|e| Error::io(path, &e))?),
    };
    let used = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let guarded = Guarded { inner: input, used: used.clone(), max: opts.max_line_bytes };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(guarded);

    let header = reader.byte_headers().map_err(|e| csv_error(manifest, &e))?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(Error::input(path, "no header row: the first line must name the columns"));
    }
    let names: Vec<String> = header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
    let map = ColumnMap::resolve(path, &names, &opts.overrides)?;
    let sources: Vec<(usize, String)> = map.iter().map(|(_, i, n)| (i, n.to_string())).collect();
    let mut builder = BatchBuilder::new(idx, &map, opts.batch_size);

    let width = header.len();
    let mut record = csv::ByteRecord::new();
    loop {
        used.set(0);
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                // The csv parser only fails on I/O; its error carries the position.
                return Err(csv_error(manifest, &e));
            }
        }
        // The reader's guard counts whole reads; this catches a long record inside one.
        if record.as_slice().len() > opts.max_line_bytes {
            let line = record.position().map_or(0, |p| p.line());
            return Err(Error::input(
                path,
                format!("line {line}: a record longer than {} bytes (--max-line-bytes)", opts.max_line_bytes),
            ));
        }
        if record.len() == 1 && record[0].is_empty() && width > 1 {
            // A blank line: not an item.
            continue;
        }
        builder.at_line(record.position().map_or(0, |p| p.line()));
        if record.len() != width {
            builder.push_invalid(
                None,
                "ragged row",
                format!("row has {} fields, the header has {width}", record.len()),
            );
        } else {
            let mut bad = None;
            for (src, name) in &sources {
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
                    let values = sources.iter().map(|(src, _)| {
                        let v = std::str::from_utf8(&record[*src]).unwrap_or_default();
                        (!v.is_empty()).then_some(v)
                    });
                    builder.push(values);
                }
            }
        }
        if builder.is_full()
            && let Some(batch) = builder.take()
            && !sink(Unit::Batch(batch))
        {
            return Ok(());
        }
    }
    if let Some(batch) = builder.take() {
        sink(Unit::Batch(batch));
    }
    Ok(())
}

/// The file as the CSV parser reads it, refusing to hand over more than `max` bytes for one
/// record (the count restarts at each record): the parser grows a record to any size, so an
/// endless line or a huge field would otherwise take memory without limit.
struct Guarded<R> {
    inner: R,
    used: std::rc::Rc<std::cell::Cell<usize>>,
    max: usize,
}

impl<R: std::io::Read> std::io::Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.used.get() > self.max {
            return Err(std::io::Error::other(format!(
                "a record longer than {} bytes (--max-line-bytes)",
                self.max
            )));
        }
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n);
        Ok(n)
    }
}

fn csv_error(manifest: &Manifest, err: &csv::Error) -> Error {
    let at = err.position().map(|p| format!(" at line {}", p.line())).unwrap_or_default();
    Error::input(&manifest.path, format!("cannot read CSV{at}: {err}"))
}

pub(crate) fn skip_bom(input: &mut BufReader<File>) -> std::io::Result<()> {
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
