//! Parquet. The footer is read once by the reader thread; each row group becomes a task that a
//! worker decodes on its own (opening the file itself), reading only the mapped columns.

use std::fs::File;
use std::sync::Arc;

use crate::remote::source::{self as remote_source, RemoteFile, Source};

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field as ArrowField, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use super::text::to_text_array;
use super::{ColumnMap, Field, ItemBatch, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

/// One row group of one Parquet file, to be decoded by a worker.
#[derive(Debug)]
pub struct RowGroupTask {
    pub manifest: usize,
    path: std::path::PathBuf,
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    /// (field, column name) for the projected columns.
    fields: Arc<Vec<(Field, String)>>,
    row_group: usize,
    /// 1-based row number of the group's first row.
    first_row: u64,
    pub rows: u64,
    /// The remote file the path stands for (a manifest given as a URL): each task fetches its
    /// own column chunks by range requests.
    remote: Option<RemoteFile>,
}

/// Reads the footer, maps the columns and hands out one task per row group.
pub fn read(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let file = remote_source::open(path)?;
    let meta = crate::guard::watched(path, "the Parquet footer reader", || {
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| Error::input(path, format!("cannot read Parquet footer: {e}")))
    })?;
    let schema = meta.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let map = ColumnMap::resolve(path, &names, &opts.overrides)?;
    for (field, i, name) in map.iter() {
        check_type(manifest, field, name, schema.field(i))?;
    }
    let meta = with_dictionaries(meta, &map);
    // Only the columns the audit reads are decoded (and, for a remote file, fetched): a title is
    // mapped (for `init`) but judged by no rule.
    let read = || map.iter().filter(|(f, _, _)| *f != Field::Title);
    let mask = ProjectionMask::roots(meta.parquet_schema(), read().map(|(_, i, _)| i));
    let fields: Arc<Vec<(Field, String)>> = Arc::new(read().map(|(f, _, n)| (f, n.to_string())).collect());

    let remote = match &file {
        Source::Remote(r) => Some(r.clone()),
        Source::File(_) => None,
    };
    let mut first_row = 1u64;
    for (rg, group) in meta.metadata().row_groups().iter().enumerate() {
        let rows = u64::try_from(group.num_rows()).unwrap_or(0);
        let task = RowGroupTask {
            manifest: idx,
            path: path.clone(),
            meta: meta.clone(),
            mask: mask.clone(),
            fields: fields.clone(),
            row_group: rg,
            first_row,
            rows,
            remote: remote.as_ref().map(RemoteFile::empty_copy),
        };
        first_row += rows;
        if !sink(Unit::RowGroup(task)) {
            break;
        }
    }
    Ok(())
}

/// License, version and access columns repeat a few values: read as dictionaries, a batch holds
/// each distinct string once (no per-row copies) and the audit judges per dictionary value. Only
/// plain Utf8 columns are hinted; if the reader refuses the hint, the file is read as it is.
fn with_dictionaries(meta: ArrowReaderMetadata, map: &ColumnMap) -> ArrowReaderMetadata {
    use arrow_schema::DataType;
    let schema = meta.schema();
    let wanted: Vec<usize> = map
        .iter()
        .filter(|(f, i, _)| {
            matches!(f, Field::License | Field::LicenseVersion | Field::Access)
                && *schema.field(*i).data_type() == DataType::Utf8
        })
        .map(|(_, i, _)| i)
        .collect();
    if wanted.is_empty() {
        return meta;
    }
    let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let fields: Vec<arrow_schema::FieldRef> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            if wanted.contains(&i) {
                Arc::new(f.as_ref().clone().with_data_type(dict.clone()))
            } else {
                f.clone()
            }
        })
        .collect();
    let hinted = Arc::new(arrow_schema::Schema::new_with_metadata(fields, schema.metadata().clone()));
    ArrowReaderMetadata::try_new(meta.metadata().clone(), ArrowReaderOptions::new().with_schema(hinted))
        .unwrap_or(meta)
}

/// Rows in a Parquet file per its footer; `None` for anything else or an unreadable file (the
/// scan reports those properly).
pub fn row_count(path: &std::path::Path) -> Option<u64> {
    // A remote file's count would cost another footer read: the progress bar goes without.
    if crate::remote::url_of(path).is_some() || super::detect_format(path).ok()? != super::Format::Parquet {
        return None;
    }
    let count = || {
        let file = File::open(path).ok()?;
        let reader = parquet::file::serialized_reader::SerializedFileReader::new(file).ok()?;
        use parquet::file::reader::FileReader;
        u64::try_from(reader.metadata().file_metadata().num_rows()).ok()
    };
    crate::guard::decode(path, "the Parquet footer reader", || Ok(count())).ok().flatten()
}

/// A type we cannot read as text is a file-level error; find it before any row is decoded.
fn check_type(manifest: &Manifest, field: Field, name: &str, arrow_field: &ArrowField) -> Result<()> {
    let empty = arrow_array::new_empty_array(arrow_field.data_type());
    to_text_array(&manifest.path, field, name, &empty).map(|_| ())
}

impl RowGroupTask {
    /// Decodes the row group batch by batch, handing each to `each`.
    pub fn read(&self, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<()> {
        crate::guard::watched(&self.path, "the Parquet decoder", || self.decode(batch_size, each))
    }

    /// Rows are numbered from what is decoded, checked against the footer's claim: a group that
    /// decodes more rows than it claims, an empty batch (no progress), or fewer rows than claimed
    /// is an error, so the numbers of later groups (which start after the claim) are never wrong.
    fn decode(&self, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<()> {
        let file = match &self.remote {
            Some(remote) => {
                // The group's projected column chunks in a few large requests, before the
                // decoder's many small reads.
                let group = self.meta.metadata().row_group(self.row_group);
                let ranges: Vec<std::ops::Range<u64>> = group
                    .columns()
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| self.mask.leaf_included(*i))
                    .map(|(_, c)| {
                        let (start, len) = c.byte_range();
                        start..start.saturating_add(len)
                    })
                    .collect();
                let remote = remote.empty_copy();
                remote.prefetch(&ranges).map_err(|e| self.error(&e))?;
                Source::Remote(remote)
            }
            None => Source::File(File::open(&self.path).map_err(|e| Error::io(&self.path, &e))?),
        };
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_projection(self.mask.clone())
            .with_row_groups(vec![self.row_group])
            .with_batch_size(batch_size)
            .build()
            .map_err(|e| self.error(&e))?;
        let mut next_row = self.first_row;
        for batch in reader {
            let batch = batch.map_err(|e| self.error(&e))?;
            let rows = batch.num_rows() as u64;
            if rows == 0 {
                return Err(self.error(&"the decoder returned an empty batch (no progress)"));
            }
            crate::guard::progress();
            if next_row - self.first_row + rows > self.rows {
                return Err(
                    self.error(&format!("it holds more rows than the {} its footer claims", self.rows))
                );
            }
            let batch = rename_to_fields(&self.path, &batch, &self.fields)?;
            each(ItemBatch {
                manifest: self.manifest,
                first_row: next_row,
                batch,
                problems: Vec::new(),
                lines: None,
            });
            next_row += rows;
        }
        let decoded = next_row - self.first_row;
        if decoded != self.rows {
            return Err(self.error(&format!("its footer claims {} rows, {decoded} were decoded", self.rows)));
        }
        Ok(())
    }

    fn error(&self, err: &dyn std::fmt::Display) -> Error {
        Error::input(&self.path, format!("cannot decode row group {}: {err}", self.row_group))
    }
}

/// Gives projected columns their field names and a text layout.
pub(crate) fn rename_to_fields(
    path: &std::path::Path,
    batch: &RecordBatch,
    fields: &[(Field, String)],
) -> Result<RecordBatch> {
    let mut arrow_fields = Vec::with_capacity(fields.len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(fields.len());
    for (field, name) in fields {
        let Some(array) = batch.column_by_name(name) else {
            return Err(Error::input(path, format!("column `{name}` vanished while reading")));
        };
        let array = to_text_array(path, *field, name, array)?;
        arrow_fields.push(ArrowField::new(field.name(), array.data_type().clone(), true));
        columns.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(arrow_fields)), columns)
        .map_err(|e| Error::input(path, format!("cannot assemble columns: {e}")))
}
