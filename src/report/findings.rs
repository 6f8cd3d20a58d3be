//! `--findings PATH`: every per-item finding, streamed to a file as the audit produces them.
//!
//! The format follows the extension: `.parquet`, `.csv` or `.ndjson` (`.jsonl`). Rows are written
//! as they arrive, in chunks, so memory does not depend on how many findings there are. The
//! columns are those of [`Finding`] (rule, severity, item, manifest, row, line, message, value,
//! evidence, waived), then the item's license as the audit read it: `license`, its normalized
//! SPDX expression, and `license_status` (`normalized`, `ambiguous`, `unrecognized`, `missing`), so
//! findings can be filtered by SPDX id. Both are empty for a row that could not be read and for
//! findings made after the rows (duplicate ids). A finding's absent value is an empty CSV cell, a
//! Parquet null, or a JSON null.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::policy::Severity;
use arrow_array::ArrayRef;
use arrow_array::builder::{StringBuilder, UInt64Builder};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnDescPtr;

use super::Finding;
use super::dict_column::{DictBuilder, DictChunk, DictColumnWriter, Texts};
use super::escape::neutralize_csv_cell;
use crate::error::{Error, Result};

const COLUMNS: [&str; 12] = [
    "rule",
    "severity",
    "item",
    "manifest",
    "row",
    "line",
    "message",
    "value",
    "evidence",
    "waived",
    "license",
    "license_status",
];

/// The Parquet columns of few distinct texts, which [`super::dict_column`] dictionary-codes
/// (positions in [`COLUMNS`]), and whether each can be null.
const DICT_COLUMNS: [(usize, bool); 7] =
    [(0, false), (1, false), (3, true), (6, false), (7, true), (10, true), (11, true)];
/// The others, which Parquet's own column writers encode.
const ARROW_COLUMNS: [usize; 5] = [2, 4, 5, 8, 9];

/// One finding, borrowed, as a worker holds it while encoding.
#[derive(Debug, Clone, Copy)]
pub struct FindingRef<'a> {
    pub rule: &'a str,
    pub severity: Severity,
    pub item: Option<&'a str>,
    pub manifest: Option<&'a str>,
    pub row: Option<u64>,
    pub line: Option<u64>,
    pub message: &'a str,
    pub value: Option<&'a str>,
    pub evidence: Option<&'a str>,
    /// The item's license label (see [`license_columns`]).
    pub license: Option<&'a str>,
    /// Names the license label for the Parquet encoder, as `kind` names the finding's texts:
    /// a number that never comes back with another label (the label's number in the worker's
    /// partial). With millions of findings the license and license_status columns then cost a
    /// number lookup per row instead of a hashed text. None: the label of this finding alone.
    pub license_key: Option<u64>,
    pub waived: Option<&'a str>,
    /// Names the rule, severity, message and value together for the Parquet encoder: findings
    /// of one kind have the same four texts, which a chunk then holds once. The auditor numbers
    /// kinds so that a number never comes back with other texts. None: texts of this finding
    /// alone.
    pub kind: Option<u64>,
    /// The manifest's position in the run, naming its text the same way.
    pub manifest_index: Option<usize>,
}

impl<'a> From<&'a Finding> for FindingRef<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingRef {
            rule: f.rule.code(),
            severity: f.severity,
            item: f.item.as_deref(),
            manifest: f.manifest.as_deref(),
            row: f.row,
            line: f.line,
            message: &f.message,
            value: f.value.as_deref(),
            evidence: f.evidence.as_deref(),
            license: None,
            license_key: None,
            waived: f.waived.as_deref(),
            kind: None,
            manifest_index: None,
        }
    }
}

/// A license label (the report's `by_license` key: an SPDX expression, or the status of a
/// statement that has none) as the `license` and `license_status` columns.
pub fn license_columns(label: Option<&str>) -> (Option<&str>, Option<&str>) {
    match label {
        None => (None, None),
        Some(status @ ("missing" | "unrecognized" | "ambiguous")) => (None, Some(status)),
        Some(expression) => (Some(expression), Some("normalized")),
    }
}

/// The file formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FindingsFormat {
    Parquet,
    Csv,
    Ndjson,
}

impl FindingsFormat {
    pub fn from_path(path: &Path) -> Result<FindingsFormat> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("parquet" | "pq") => Ok(FindingsFormat::Parquet),
            Some("csv") => Ok(FindingsFormat::Csv),
            Some("ndjson" | "jsonl") => Ok(FindingsFormat::Ndjson),
            _ => Err(Error::Usage(format!(
                "--findings {}: unknown extension; use .parquet, .csv or .ndjson",
                path.display()
            ))),
        }
    }
}

/// Encoded findings, ready to append to the file: workers encode in parallel and the writer
/// thread only appends (and, for Parquet, compresses).
#[derive(Debug)]
pub enum Chunk {
    Bytes(Vec<u8>),
    Parquet(Box<ParquetChunk>),
}

impl Chunk {
    /// Bytes it holds (about, for Parquet: its Arrow arrays plus the keys and texts of the
    /// dictionary-coded columns), for the writer's memory budget.
    pub fn size(&self) -> usize {
        match self {
            Chunk::Bytes(b) => b.len(),
            Chunk::Parquet(p) => {
                let arrow: usize = p.arrow.iter().map(|a| a.get_array_memory_size()).sum();
                arrow + p.kinds.byte_size() + p.manifest.byte_size() + p.licenses.byte_size()
            }
        }
    }
}

/// A chunk of Parquet findings: the dictionary-coded columns ([`DICT_COLUMNS`]) and Arrow
/// arrays of the others ([`ARROW_COLUMNS`]), all of `rows` rows.
#[derive(Debug)]
pub struct ParquetChunk {
    /// Rule, severity, message and value, keyed by the findings' kinds.
    kinds: DictChunk<4>,
    manifest: DictChunk<1>,
    /// License and license_status, keyed by the items' license labels.
    licenses: DictChunk<2>,
    arrow: [ArrayRef; 5],
    rows: usize,
}

impl ParquetChunk {
    /// Rows' keys and entry texts of each column in [`DICT_COLUMNS`], in that order.
    fn dict_columns(&self) -> [(&[u32], &Texts); 7] {
        let [rule, severity, message, value] = self.kinds.texts();
        let keys = self.kinds.keys();
        let [license, status] = self.licenses.texts();
        [
            (keys, rule),
            (keys, severity),
            (self.manifest.keys(), &self.manifest.texts()[0]),
            (keys, message),
            (keys, value),
            (self.licenses.keys(), license),
            (self.licenses.keys(), status),
        ]
    }
}

/// Encodes findings into [`Chunk`]s of a bounded size.
pub struct Encoder {
    format: FindingsFormat,
    bytes: Vec<u8>,
    columns: Option<Box<Columns>>,
    rows: usize,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder").field("format", &self.format).field("rows", &self.rows).finish()
    }
}

/// Findings per chunk: a worker hands its chunk over once it holds this many.
pub const CHUNK_ROWS: usize = 16 * 1024;

impl Encoder {
    pub fn new(format: FindingsFormat) -> Encoder {
        let columns = (format == FindingsFormat::Parquet).then(|| Box::new(Columns::new()));
        Encoder { format, bytes: Vec::new(), columns, rows: 0 }
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn push(&mut self, f: &FindingRef) {
        self.rows += 1;
        match self.format {
            FindingsFormat::Parquet => {
                if let Some(c) = &mut self.columns {
                    c.push(f);
                }
            }
            FindingsFormat::Csv => csv_line(&mut self.bytes, f),
            FindingsFormat::Ndjson => {
                // Serializing plain strings and numbers into a Vec cannot fail.
                let _ = super::escape::json_to_writer(&mut self.bytes, &NdjsonRow(f));
                self.bytes.push(b'\n');
            }
        }
    }

    /// Hands over what was encoded so far (None when nothing was).
    pub fn take(&mut self) -> Option<Chunk> {
        if self.rows == 0 {
            return None;
        }
        self.rows = 0;
        match &mut self.columns {
            Some(c) => Some(Chunk::Parquet(Box::new(c.finish()))),
            None => Some(Chunk::Bytes(std::mem::take(&mut self.bytes))),
        }
    }
}

/// A findings file being written.
pub struct FindingsFile {
    path: PathBuf,
    format: FindingsFormat,
    sink: Sink,
    written: u64,
    /// The temporary file written; renamed to `path` by [`FindingsFile::finish`] only, so a
    /// run that fails or is interrupted leaves no findings file that looks complete.
    staged: crate::output::Staged,
}

enum Sink {
    Parquet(Box<ParquetSink>),
    Text(BufWriter<File>),
}

/// The Parquet findings file: row groups of at least [`ROW_GROUP_ROWS`] findings (whole chunks),
/// each column written by Parquet's Arrow column writers or by a [`DictColumnWriter`].
struct ParquetSink {
    file: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    columns: Vec<ColumnDescPtr>,
    /// The row group being filled: writers of [`ARROW_COLUMNS`] (made at its first chunk) and
    /// of [`DICT_COLUMNS`].
    arrow: Option<Vec<ArrowColumnWriter>>,
    dict: [DictColumnWriter; 7],
    rows: usize,
    row_groups: usize,
}

impl ParquetSink {
    fn append(&mut self, chunk: &ParquetChunk) -> parquet::errors::Result<()> {
        let writers = match &mut self.arrow {
            Some(w) => w,
            None => {
                let all = self.factory.create_column_writers(self.row_groups)?;
                let mine =
                    all.into_iter().enumerate().filter(|(i, _)| ARROW_COLUMNS.contains(i)).map(|(_, w)| w);
                self.arrow.insert(mine.collect())
            }
        };
        for ((writer, &pos), array) in writers.iter_mut().zip(&ARROW_COLUMNS).zip(&chunk.arrow) {
            for leaf in compute_leaves(self.schema.field(pos), array)? {
                writer.write(&leaf)?;
            }
        }
        for (writer, (keys, texts)) in self.dict.iter_mut().zip(chunk.dict_columns()) {
            writer.append(keys, texts).map_err(parquet::errors::ParquetError::General)?;
        }
        self.rows += chunk.rows;
        if self.rows >= ROW_GROUP_ROWS {
            self.flush_row_group()?;
        }
        Ok(())
    }

    fn flush_row_group(&mut self) -> parquet::errors::Result<()> {
        let Some(writers) = self.arrow.take() else { return Ok(()) };
        let mut writers = writers.into_iter();
        let mut dict = self.dict.iter_mut();
        let mut group = self.file.next_row_group()?;
        for (pos, column) in self.columns.iter().enumerate() {
            if DICT_COLUMNS.iter().any(|&(p, _)| p == pos) {
                let writer = dict.next().ok_or_else(|| internal("a dictionary column writer"))?;
                let (bytes, close) = writer.finish(column.clone())?;
                group.append_column(&bytes, close)?;
            } else {
                let writer = writers.next().ok_or_else(|| internal("an Arrow column writer"))?;
                writer.close()?.append_to_row_group(&mut group)?;
            }
        }
        group.close()?;
        self.rows = 0;
        self.row_groups += 1;
        Ok(())
    }

    fn finish(mut self) -> parquet::errors::Result<()> {
        self.flush_row_group()?;
        self.file.close().map(|_| ())
    }
}

fn internal(what: &str) -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::General(format!("internal: {what} is missing"))
}

impl std::fmt::Debug for FindingsFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindingsFile").field("path", &self.path).field("written", &self.written).finish()
    }
}

impl FindingsFile {
    /// Creates the file (a temporary one beside it, see [`crate::output`]); its extension
    /// picks the format. Called before the audit starts, so a wrong extension or an unwritable
    /// path fails at once.
    pub fn create(path: &Path) -> Result<FindingsFile> {
        let format = FindingsFormat::from_path(path)?;
        let (staged, file) = crate::output::Staged::create(path)
            .map_err(|e| Error::Usage(format!("--findings {}: cannot create: {e}", path.display())))?;
        let sink = match format {
            FindingsFormat::Parquet => {
                let col = |name: &str| parquet::schema::types::ColumnPath::from(name);
                let mut props = WriterProperties::builder().set_compression(Compression::SNAPPY);
                // Item ids, rows and lines are (nearly) unique: a dictionary would only cost hashing.
                for name in ["item", "row", "line"] {
                    props = props.set_column_dictionary_enabled(col(name), false);
                }
                // Min/max only where a reader can skip by them: rows (and lines) ascend, and ids
                // often do. (Evidence and waiver texts are never a range; the dictionary-coded
                // columns, written apart, keep none either.)
                props = props.set_statistics_enabled(EnabledStatistics::None);
                for name in ["item", "row", "line"] {
                    props = props.set_column_statistics_enabled(col(name), EnabledStatistics::Page);
                }
                // Row numbers ascend: deltas pack them into a few bits each. Ids in a manifest
                // often share long prefixes, which DELTA_BYTE_ARRAY stores once: a third off
                // the file, and less for snappy to compress (measured: 1M findings written in
                // 0.145 s against 0.18 s plain).
                for name in ["row", "line"] {
                    props =
                        props.set_column_encoding(col(name), parquet::basic::Encoding::DELTA_BINARY_PACKED);
                }
                props = props.set_column_encoding(col("item"), parquet::basic::Encoding::DELTA_BYTE_ARRAY);
                let props = props.build();
                // The Arrow writer only sets the file up (its schema, with the Arrow schema in
                // the metadata); row groups are put together column by column in ParquetSink.
                let (file, factory) = ArrowWriter::try_new(file, schema(), Some(props))
                    .and_then(ArrowWriter::into_serialized_writer)
                    .map_err(|e| write_error(path, &e))?;
                let columns = file.schema_descr().columns().to_vec();
                let dict = DICT_COLUMNS.map(|(_, nullable)| DictColumnWriter::new(nullable));
                Sink::Parquet(Box::new(ParquetSink {
                    file,
                    factory,
                    schema: schema(),
                    columns,
                    arrow: None,
                    dict,
                    rows: 0,
                    row_groups: 0,
                }))
            }
            FindingsFormat::Csv => {
                let mut w = BufWriter::with_capacity(1 << 16, file);
                w.write_all(COLUMNS.join(",").as_bytes())
                    .and_then(|()| w.write_all(b"\n"))
                    .map_err(|e| write_error(path, &e))?;
                Sink::Text(w)
            }
            FindingsFormat::Ndjson => Sink::Text(BufWriter::with_capacity(1 << 16, file)),
        };
        Ok(FindingsFile { path: path.to_path_buf(), format, sink, written: 0, staged })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn format(&self) -> FindingsFormat {
        self.format
    }

    /// How many findings were written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Appends an encoded chunk of `rows` findings.
    pub fn append(&mut self, chunk: Chunk, rows: usize) -> Result<()> {
        self.written += rows as u64;
        let path = &self.path;
        match (&mut self.sink, chunk) {
            (Sink::Parquet(w), Chunk::Parquet(c)) => w.append(&c).map_err(|e| write_error(path, &e)),
            (Sink::Text(w), Chunk::Bytes(b)) => w.write_all(&b).map_err(|e| write_error(path, &e)),
            _ => Err(Error::Usage(format!(
                "--findings {}: internal: chunk of the wrong format",
                path.display()
            ))),
        }
    }

    /// Flushes and closes the file and moves it into place; returns how many findings it holds.
    pub fn finish(self) -> Result<u64> {
        let path = &self.path;
        match self.sink {
            Sink::Parquet(w) => w.finish().map_err(|e| write_error(path, &e))?,
            Sink::Text(w) => {
                w.into_inner().map_err(|e| write_error(path, e.error()))?;
            }
        }
        self.staged.commit().map_err(|e| write_error(path, &e))?;
        Ok(self.written)
    }
}

/// Rows per Parquet row group of the findings file (at least; a row group ends with a chunk).
const ROW_GROUP_ROWS: usize = 128 * 1024;

fn write_error(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Usage(format!("--findings {}: cannot write: {e}", path.display()))
}

/// Findings as one Arrow record batch with the findings file's columns and types (the report's
/// retained findings, for a caller that works in Arrow, e.g. the Python package). A report's
/// finding does not keep its item's license label, so `license` and `license_status` are null
/// here; the `--findings` file has them.
pub fn record_batch(findings: &[Finding]) -> Result<arrow_array::RecordBatch> {
    let mut text: Vec<StringBuilder> = (0..COLUMNS.len()).map(|_| StringBuilder::new()).collect();
    let (mut row, mut line) = (UInt64Builder::new(), UInt64Builder::new());
    for f in findings {
        let cells: [Option<&str>; COLUMNS.len()] = [
            Some(f.rule.code()),
            Some(f.severity.as_str()),
            f.item.as_deref(),
            f.manifest.as_deref(),
            None,
            None,
            Some(&f.message),
            f.value.as_deref(),
            f.evidence.as_deref(),
            f.waived.as_deref(),
            None,
            None,
        ];
        for (b, cell) in text.iter_mut().zip(cells) {
            b.append_option(cell);
        }
        row.append_option(f.row);
        line.append_option(f.line);
    }
    let columns: Vec<ArrayRef> = text
        .iter_mut()
        .enumerate()
        .map(|(i, b)| match COLUMNS[i] {
            "row" => Arc::new(row.finish()) as ArrayRef,
            "line" => Arc::new(line.finish()) as ArrayRef,
            _ => Arc::new(b.finish()) as ArrayRef,
        })
        .collect();
    arrow_array::RecordBatch::try_new(schema(), columns)
        .map_err(|e| Error::internal(format!("the findings as Arrow: {e}")))
}

fn schema() -> SchemaRef {
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|&name| match name {
            "row" | "line" => Field::new(name, DataType::UInt64, true),
            "rule" | "severity" | "message" => Field::new(name, DataType::Utf8, false),
            _ => Field::new(name, DataType::Utf8, true),
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// One CSV line; text cells from the manifest are neutralized, and quoted when needed.
fn csv_line(out: &mut Vec<u8>, f: &FindingRef) {
    let cell = |out: &mut Vec<u8>, s: &str, last: bool| {
        let s = super::escape::visible(s);
        let s = neutralize_csv_cell(&s);
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            out.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(s.as_bytes());
        }
        out.push(if last { b'\n' } else { b',' });
    };
    let num = |out: &mut Vec<u8>, n: Option<u64>| {
        if let Some(n) = n {
            out.extend_from_slice(n.to_string().as_bytes());
        }
        out.push(b',');
    };
    cell(out, f.rule, false);
    cell(out, f.severity.as_str(), false);
    cell(out, f.item.unwrap_or(""), false);
    cell(out, f.manifest.unwrap_or(""), false);
    num(out, f.row);
    num(out, f.line);
    cell(out, f.message, false);
    cell(out, f.value.unwrap_or(""), false);
    cell(out, f.evidence.unwrap_or(""), false);
    cell(out, f.waived.unwrap_or(""), false);
    let (license, status) = license_columns(f.license);
    cell(out, license.unwrap_or(""), false);
    cell(out, status.unwrap_or(""), true);
}

/// Every key present, absent values as null, so each line has the same shape.
struct NdjsonRow<'a, 'b>(&'a FindingRef<'b>);

impl serde::Serialize for NdjsonRow<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let f = self.0;
        let mut m = s.serialize_map(Some(COLUMNS.len()))?;
        m.serialize_entry("rule", f.rule)?;
        m.serialize_entry("severity", f.severity.as_str())?;
        m.serialize_entry("item", &f.item)?;
        m.serialize_entry("manifest", &f.manifest)?;
        m.serialize_entry("row", &f.row)?;
        m.serialize_entry("line", &f.line)?;
        m.serialize_entry("message", f.message)?;
        m.serialize_entry("value", &f.value)?;
        m.serialize_entry("evidence", &f.evidence)?;
        m.serialize_entry("waived", &f.waived)?;
        let (license, status) = license_columns(f.license);
        m.serialize_entry("license", &license)?;
        m.serialize_entry("license_status", &status)?;
        m.end()
    }
}

/// Column builders for one Parquet chunk.
struct Columns {
    /// Rule, severity, message and value, by the findings' kinds.
    kinds: DictBuilder<4>,
    manifest: DictBuilder<1>,
    /// License and license_status, by the items' license labels.
    licenses: DictBuilder<2>,
    /// item, evidence, waived.
    text: [StringBuilder; 3],
    row: UInt64Builder,
    line: UInt64Builder,
}

impl Columns {
    fn new() -> Self {
        Columns {
            kinds: DictBuilder::default(),
            manifest: DictBuilder::default(),
            licenses: DictBuilder::default(),
            text: std::array::from_fn(|_| StringBuilder::new()),
            row: UInt64Builder::new(),
            line: UInt64Builder::new(),
        }
    }

    fn push(&mut self, f: &FindingRef) {
        self.kinds.push(f.kind, [Some(f.rule), Some(f.severity.as_str()), Some(f.message), f.value]);
        self.manifest.push(f.manifest_index.map(|m| m as u64), [f.manifest]);
        let (license, status) = license_columns(f.license);
        self.licenses.push(f.license_key, [license, status]);
        let [item, evidence, waived] = &mut self.text;
        item.append_option(f.item);
        evidence.append_option(f.evidence);
        waived.append_option(f.waived);
        self.row.append_option(f.row);
        self.line.append_option(f.line);
    }

    fn finish(&mut self) -> ParquetChunk {
        // `finish` leaves an empty builder; the next chunk starts at this one's size instead of
        // growing from nothing again.
        let col = |b: &mut StringBuilder| {
            let (rows, bytes) = (b.offsets_slice().len() - 1, b.values_slice().len());
            let array = b.finish();
            *b = StringBuilder::with_capacity(rows, bytes);
            Arc::new(array) as ArrayRef
        };
        let [item, evidence, waived] = &mut self.text;
        let rows = self.row.values_slice().len();
        ParquetChunk {
            kinds: self.kinds.take(),
            manifest: self.manifest.take(),
            licenses: self.licenses.take(),
            arrow: [
                col(item),
                Arc::new(self.row.finish()),
                Arc::new(self.line.finish()),
                col(evidence),
                col(waived),
            ],
            rows,
        }
    }
}
