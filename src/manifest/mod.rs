//! Manifests: one row per item. Every reader turns its format into [`ItemBatch`]es: Arrow record
//! batches holding only the mapped columns (as text), plus the rows that could not be read.
//!
//! Readers come in two shapes. Parquet splits into row groups that workers decode in parallel
//! ([`Unit::ParquetRowGroup`]). The text formats (CSV/TSV, NDJSON, JSON array) and Arrow IPC are
//! parsed front to back by one reader thread that hands finished batches to the workers
//! ([`Unit::Batch`]) through a bounded channel, so memory stays at (threads + queue) x batch size.

pub mod builder;
pub mod chunks;
pub mod columns;
pub mod csv;
pub mod ipc;
pub mod json;
pub mod parquet;
pub mod sheet;
pub mod text;

use std::io::Read;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;

pub use columns::{ColumnMap, Field};
pub use text::TextColumn;

use crate::error::{Error, Result};

/// The manifest formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Parquet,
    Csv {
        delimiter: Option<u8>,
    },
    Ndjson,
    JsonArray,
    Ipc,
    /// Excel or OpenDocument: one manifest per sheet.
    Spreadsheet,
}

/// Extensions that mark a file as a manifest when a folder is given.
const MANIFEST_EXTENSIONS: &[&str] = &[
    "parquet", "pq", "csv", "tsv", "tab", "ndjson", "jsonl", "json", "arrow", "feather", "ipc", "arrows",
    "xlsx", "xlsm", "xlsb", "xls", "ods",
];

/// One manifest file of the collection.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The path as we opened it.
    pub path: PathBuf,
    /// How reports name it (the path as the user wrote it, or relative to the folder they gave).
    pub display: String,
    /// Items already in memory (from portal metadata): read from here instead of `path`. The
    /// columns are named by [`Field::name`] and hold text.
    pub memory: Option<std::sync::Arc<RecordBatch>>,
    /// The sheet to read, for a spreadsheet (each sheet is a manifest of its own).
    pub sheet: Option<String>,
}

impl Manifest {
    /// A manifest file on disk.
    pub fn file(path: PathBuf, display: String) -> Self {
        Manifest { path, display, memory: None, sheet: None }
    }

    /// Items built in memory; `path` is the file they came from (for messages), `display` how
    /// reports name them.
    pub fn in_memory(path: PathBuf, display: String, batch: RecordBatch) -> Self {
        Manifest { path, display, memory: Some(std::sync::Arc::new(batch)), sheet: None }
    }
}

/// A row that could not be read: it becomes a `manifest-row-invalid` finding.
#[derive(Debug, Clone)]
pub struct RowProblem {
    /// Index within the batch.
    pub index: usize,
    /// The column involved, when one is.
    pub column: Option<String>,
    /// Short classifier used to group findings ("ragged row", "invalid UTF-8", ...).
    pub kind: &'static str,
    pub message: String,
}

/// A slice of a manifest, ready to evaluate.
#[derive(Debug)]
pub struct ItemBatch {
    /// Index of the manifest in the run.
    pub manifest: usize,
    /// 1-based row number (header excluded) of the batch's first row.
    pub first_row: u64,
    /// Mapped columns only, named by [`Field::name`]; every column is text (see [`TextColumn`]).
    pub batch: RecordBatch,
    /// Rows that could not be read; they are present in `batch` as nulls.
    pub problems: Vec<RowProblem>,
    /// For text formats: the 1-based physical line where each row starts (SARIF regions).
    pub lines: Option<Vec<u64>>,
}

impl ItemBatch {
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column holding `field`, if the manifest has it mapped.
    pub fn column(&self, field: Field) -> Option<TextColumn<'_>> {
        let array = self.batch.column_by_name(field.name())?;
        TextColumn::new(array.as_ref())
    }
}

/// Expands the user's paths into manifest files, folders in sorted order.
pub fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<Manifest>> {
    expand_inputs_in(paths, None)
}

/// [`expand_inputs`], with a spreadsheet given as one manifest per sheet that holds cells, or
/// only the sheet `sheet` names (`--sheet`).
pub fn expand_inputs_in(paths: &[PathBuf], sheet: Option<&str>) -> Result<Vec<Manifest>> {
    let files = expand_files(paths)?;
    let mut out = Vec::with_capacity(files.len());
    for m in files {
        if extension_format(&m.path) != Some(Format::Spreadsheet) {
            out.push(m);
            continue;
        }
        detect_format(&m.path)?;
        let sheets = sheet::sheets(&m.path, sheet)?;
        let many = sheets.len() > 1;
        for name in sheets {
            let display = if many { format!("{}#{name}", m.display) } else { m.display.clone() };
            out.push(Manifest { display, sheet: Some(name), ..m.clone() });
        }
    }
    Ok(out)
}

fn expand_files(paths: &[PathBuf]) -> Result<Vec<Manifest>> {
    let mut out = Vec::new();
    for path in paths {
        if let Some(url) = crate::remote::url_of(path) {
            out.push(Manifest::file(path.clone(), url.to_string()));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            collect_manifests(path, &mut found)?;
            found.sort();
            if found.is_empty() {
                return Err(Error::input(
                    path,
                    format!(
                        "folder holds no manifest files (looked for: .{})",
                        MANIFEST_EXTENSIONS.join(", .")
                    ),
                ));
            }
            for file in found {
                let rel = file.strip_prefix(path).unwrap_or(&file);
                let display = Path::new(&path.display().to_string()).join(rel).display().to_string();
                out.push(Manifest::file(file, display));
            }
        } else {
            out.push(Manifest::file(path.clone(), crate::input::shown(path).display().to_string()));
        }
    }
    Ok(out)
}

fn collect_manifests(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, &e))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry.file_type().map_err(|e| Error::io(&path, &e))?;
        if file_type.is_dir() {
            collect_manifests(&path, out)?;
        } else if extension_format(&path).is_some() && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            // Only regular files (or links to them) are opened: a FIFO or device named like a
            // manifest would block or never end; the report lists it as skipped.
            out.push(path);
        }
    }
    Ok(())
}

/// Whether a file's extension is one of the item manifest formats.
pub fn is_manifest_file(path: &Path) -> bool {
    extension_format(path).is_some()
}

/// Whether a file reads as an item manifest: a known format with a licence column (found by
/// name, as the audit finds it). Reads the header (or Parquet footer) and at most the first
/// batch.
pub fn has_license_column(path: &Path) -> bool {
    if !is_manifest_file(path) {
        return false;
    }
    let m = Manifest::file(path.to_path_buf(), path.display().to_string());
    let opts = ReadOptions {
        overrides: std::collections::BTreeMap::new(),
        batch_size: 64,
        max_line_bytes: DEFAULT_MAX_LINE_BYTES,
    };
    read(0, &m, &opts, &mut |_| false).is_ok()
}

fn extension_format(path: &Path) -> Option<Format> {
    if chunks::Compression::of_extension(path).is_some() {
        // `items.csv.gz`: the format is the name's inner extension; only text is read
        // compressed (a bare `items.gz` is sniffed from its decompressed bytes).
        let inner = Path::new(path.file_stem()?);
        return match inner.extension() {
            None => Some(Format::Csv { delimiter: None }),
            Some(_) => extension_format(inner)
                .filter(|f| matches!(f, Format::Csv { .. } | Format::Ndjson | Format::JsonArray)),
        };
    }
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "parquet" | "pq" => Format::Parquet,
        "csv" => Format::Csv { delimiter: None },
        "tsv" | "tab" => Format::Csv { delimiter: Some(b'\t') },
        "ndjson" | "jsonl" => Format::Ndjson,
        "json" => Format::JsonArray,
        "arrow" | "feather" | "ipc" | "arrows" => Format::Ipc,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Format::Spreadsheet,
        _ => return None,
    })
}

/// Decides a file's format from its extension, checked against its first bytes so that a file
/// misnamed `.parquet` is reported as what it is instead of failing deep in a decoder.
pub fn detect_format(path: &Path) -> Result<Format> {
    // Only Parquet is read by ranges (other formats at a URL were copied to a file); its footer
    // read checks the magic bytes.
    if crate::remote::url_of(path).is_some() {
        return Ok(Format::Parquet);
    }
    let mut head = [0u8; 8];
    // Opening a FIFO blocks until a writer comes, reading a device may never end: only regular
    // files are opened here (an explicit pipe or `-` was copied to one, see crate::input).
    refuse_special(path)?;
    let n = {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::input(path, "is a folder"));
        }
        read_up_to(&mut file, &mut head).map_err(|e| Error::io(path, &e))?
    };
    let head = &head[..n];
    if n == 0 {
        return Err(Error::input(path, "empty file: a manifest needs at least a header or one item"));
    }
    let compressed = chunks::Compression::sniff(head);
    if let Some(named) = chunks::Compression::of_extension(path)
        && compressed != Some(named)
    {
        return Err(Error::input(
            path,
            format!("named like {} data but does not start like it", named.name()),
        ));
    }
    if let Some(c) = compressed {
        return detect_compressed(path, c);
    }
    let by_ext = extension_format(path);
    let by_content = sniff(head);
    match (by_ext, by_content) {
        (Some(Format::Parquet), Some(Format::Parquet)) => Ok(Format::Parquet),
        (Some(Format::Parquet), _) => {
            Err(Error::input(path, "not a Parquet file (it does not start with the PAR1 magic bytes)"))
        }
        (Some(Format::Ipc), Some(Format::Ipc)) | (Some(Format::Ipc), None) => Ok(Format::Ipc),
        (Some(Format::Ipc), Some(_)) => Err(Error::input(path, "not an Arrow IPC (Feather) file")),
        (Some(Format::Spreadsheet), Some(Format::Spreadsheet)) => Ok(Format::Spreadsheet),
        (Some(Format::Spreadsheet), _) => Err(Error::input(
            path,
            "not an Excel or OpenDocument file (it is neither a zip nor an OLE container)",
        )),
        (ext, Some(Format::Spreadsheet)) => {
            let named = ext.map_or("a manifest", format_name);
            Err(Error::input(
                path,
                format!(
                    "named like {named} but holds a spreadsheet or another zip/OLE file; give it its own extension (.xlsx, .xls or .ods) to read its sheets"
                ),
            ))
        }
        (Some(ext), Some(Format::Parquet)) | (Some(ext), Some(Format::Ipc)) => {
            Err(Error::input(path, format!("named like {} but holds binary columnar data", format_name(ext))))
        }
        // A `.json` file whose first value is an object on its own line is JSON Lines.
        (Some(Format::JsonArray), Some(Format::Ndjson)) => Ok(Format::Ndjson),
        (Some(ext), _) => Ok(ext),
        (None, Some(content)) => Ok(content),
        (None, None) => Ok(Format::Csv { delimiter: None }),
    }
}

/// The format of a gzip or zstd file: its inner extension (`.csv.gz`), checked against, or else
/// found from, its first decompressed bytes. Only text formats are read compressed.
fn detect_compressed(path: &Path, compression: chunks::Compression) -> Result<Format> {
    let mut input = chunks::TextInput::open(path)?;
    let mut head = Vec::new();
    input.fill(&mut head, 512)?;
    if head.is_empty() {
        return Err(Error::input(
            path,
            format!(
                "empty once decompressed ({}): a manifest needs at least a header or one item",
                compression.name()
            ),
        ));
    }
    let by_content = sniff(&head);
    let inner = path.file_stem().map(Path::new).filter(|_| chunks::Compression::of_extension(path).is_some());
    let by_ext = match inner {
        Some(inner) if inner.extension().is_some() => extension_format(inner),
        // `items.csv` that holds gzip data: its own extension.
        None => extension_format(path),
        Some(_) => None,
    };
    match (by_ext, by_content) {
        (_, Some(f @ (Format::Parquet | Format::Ipc | Format::Spreadsheet)))
        | (Some(f @ (Format::Parquet | Format::Ipc | Format::Spreadsheet)), _) => Err(Error::input(
            path,
            format!("{}-compressed {} is not read; decompress it first", compression.name(), format_name(f)),
        )),
        (Some(Format::JsonArray), Some(Format::Ndjson)) => Ok(Format::Ndjson),
        (Some(ext), _) => Ok(ext),
        (None, Some(content)) => Ok(content),
        (None, None) => Ok(Format::Csv { delimiter: None }),
    }
}

/// An input error for anything but a regular file or a folder (a FIFO, a device, a socket).
pub fn refuse_special(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    if meta.is_file() || meta.is_dir() {
        return Ok(());
    }
    Err(Error::input(path, "not a regular file (a FIFO, device or socket); not opened"))
}

fn read_up_to(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn sniff(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PAR1") {
        return Some(Format::Parquet);
    }
    if head.starts_with(b"ARROW1") || head.starts_with(&[0xff, 0xff, 0xff, 0xff]) {
        return Some(Format::Ipc);
    }
    // A zip (xlsx, ods) or an OLE compound file (xls): never text.
    if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])
    {
        return Some(Format::Spreadsheet);
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    match text.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Some(Format::JsonArray),
        Some(b'{') => Some(Format::Ndjson),
        _ => None,
    }
}

pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Parquet => "Parquet",
        Format::Csv { delimiter: Some(b'\t') } => "TSV",
        Format::Csv { .. } => "CSV",
        Format::Ndjson => "NDJSON",
        Format::JsonArray => "JSON",
        Format::Ipc => "Arrow IPC",
        Format::Spreadsheet => "a spreadsheet",
    }
}

/// What a reader hands to the workers.
#[derive(Debug)]
pub enum Unit {
    /// Rows already parsed (text formats, IPC).
    Batch(ItemBatch),
    /// A Parquet row group for a worker to decode.
    RowGroup(parquet::RowGroupTask),
    /// Whole records of a CSV or NDJSON file for a worker to parse.
    Text(chunks::TextRange),
}

impl Unit {
    /// Hands the unit's rows to `each` in batches of at most `batch_size` (a row group is decoded
    /// here, on the calling worker).
    pub fn batches(self, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<()> {
        match self {
            Unit::Batch(batch) => {
                each(batch);
                Ok(())
            }
            Unit::RowGroup(task) => task.read(batch_size, each),
            Unit::Text(range) => range.read(batch_size, each),
        }
    }
}

/// Settings every reader needs.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Field -> column name, from `--column` and the config (these win over auto-detection).
    pub overrides: std::collections::BTreeMap<Field, String>,
    /// Rows per batch.
    pub batch_size: usize,
    /// The longest line (NDJSON) or record (CSV/TSV) read, in bytes; longer ones are row
    /// findings (NDJSON) or an input error naming the line (CSV), never held in memory.
    pub max_line_bytes: usize,
}

/// Default of `--max-line-bytes`: 64 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// Reads manifest `idx`, handing units to `sink` until it returns false.
pub fn read(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    if let Some(batch) = &manifest.memory {
        return read_memory(idx, manifest, batch, opts, sink);
    }
    let format = detect_format(&manifest.path)?;
    // A panic in a decoding crate on a malformed file is an input error naming the file.
    let what = format!("the {} reader", format_name(format));
    crate::guard::decode(&manifest.path, &what, || match format {
        Format::Parquet => parquet::read(idx, manifest, opts, sink),
        Format::Csv { delimiter } => csv::read(idx, manifest, delimiter, opts, sink),
        Format::Ndjson => json::read_ndjson(idx, manifest, opts, sink),
        Format::JsonArray => json::read_array(idx, manifest, opts, sink),
        Format::Ipc => ipc::read(idx, manifest, opts, sink),
        Format::Spreadsheet => match &manifest.sheet {
            Some(name) => sheet::read(idx, manifest, name, opts, sink),
            None => {
                let first = sheet::sheets(&manifest.path, None)?.into_iter().next().unwrap_or_default();
                sheet::read(idx, manifest, &first, opts, sink)
            }
        },
    })
}

/// Hands in-memory items to the workers in slices of at most `batch_size` rows. Only columns
/// named like a field are kept, each cast to text the way the file readers do.
fn read_memory(
    idx: usize,
    manifest: &Manifest,
    batch: &RecordBatch,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    if !names.iter().any(|n| n == Field::License.name()) {
        return Err(Error::input(&manifest.path, "in-memory items have no `license` column"));
    }
    let total = batch.num_rows();
    let mut offset = 0usize;
    while offset < total {
        let len = opts.batch_size.max(1).min(total - offset);
        let item = ItemBatch {
            manifest: idx,
            first_row: offset as u64 + 1,
            batch: batch.slice(offset, len),
            problems: Vec::new(),
            lines: None,
        };
        if !sink(Unit::Batch(item)) {
            break;
        }
        offset += len;
    }
    Ok(())
}

/// The column names of a manifest file as the readers see them (the header of a CSV, the keys of
/// the first JSON objects, the schema of a Parquet or Arrow file), without reading its rows. For
/// `init`, which shows what each field was matched to.
pub fn column_names(manifest: &Manifest) -> Result<Vec<String>> {
    use std::io::BufRead;
    let path = manifest.path.as_path();
    let open = || std::fs::File::open(path).map_err(|e| Error::io(path, &e));
    Ok(match detect_format(path)? {
        Format::Parquet => {
            let builder = ::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(open()?)
                .map_err(|e| Error::input(path, format!("cannot read the Parquet footer: {e}")))?;
            builder.schema().fields().iter().map(|f| f.name().clone()).collect()
        }
        Format::Ipc => {
            let file = std::io::BufReader::new(open()?);
            match arrow_ipc::reader::FileReader::try_new(file, None) {
                Ok(r) => r.schema().fields().iter().map(|f| f.name().clone()).collect(),
                Err(_) => arrow_ipc::reader::StreamReader::try_new(std::io::BufReader::new(open()?), None)
                    .map_err(|e| Error::input(path, format!("not a readable Arrow IPC file: {e}")))?
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect(),
            }
        }
        Format::Csv { delimiter } => {
            let mut input = std::io::BufReader::new(chunks::TextInput::open(path)?);
            csv::skip_bom(&mut input).map_err(|e| Error::io(path, &e))?;
            let delimiter = match delimiter {
                Some(d) => d,
                None => csv::sniff_delimiter(input.fill_buf().map_err(|e| Error::io(path, &e))?),
            };
            let mut reader = ::csv::ReaderBuilder::new().delimiter(delimiter).from_reader(input);
            let header = reader.byte_headers().map_err(|e| Error::input(path, e.to_string()))?;
            header.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect()
        }
        Format::Ndjson => {
            let input = std::io::BufReader::new(chunks::TextInput::open(path)?);
            let mut keys: Vec<String> = Vec::new();
            for line in input.split(b'\n').take(json::DETECT_LINES) {
                let line = line.map_err(|e| Error::io(path, &e))?;
                if let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice(&line) {
                    keys.extend(obj.keys().filter(|k| !keys.contains(k)).cloned().collect::<Vec<_>>());
                }
            }
            keys
        }
        Format::Spreadsheet => match &manifest.sheet {
            Some(name) => sheet::column_names(path, name)?,
            None => {
                let first = sheet::sheets(path, None)?.into_iter().next().unwrap_or_default();
                sheet::column_names(path, &first)?
            }
        },
        Format::JsonArray => {
            let mut text = Vec::new();
            chunks::TextInput::open(path)?.read_to_end(&mut text).map_err(|e| Error::io(path, &e))?;
            let value: serde_json::Value =
                serde_json::from_slice(&text).map_err(|e| Error::input(path, format!("not JSON: {e}")))?;
            let mut keys: Vec<String> = Vec::new();
            for obj in value.as_array().into_iter().flatten().take(json::DETECT_LINES) {
                if let Some(obj) = obj.as_object() {
                    keys.extend(obj.keys().filter(|k| !keys.contains(k)).cloned().collect::<Vec<_>>());
                }
            }
            keys
        }
    })
}
