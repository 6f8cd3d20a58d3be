//! Arrow IPC: the file format (Feather v2) and the stream format. Batches are already Arrow;
//! we project the mapped columns and pass them on.

use std::fs::File;
use std::io::BufReader;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_ipc::reader::{FileReader, StreamReader};

use super::parquet::rename_to_fields;
use super::{ColumnMap, Field, ItemBatch, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

pub fn read(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let open = || File::open(path).map_err(|e| Error::io(path, &e));
    let file_reader = FileReader::try_new(BufReader::new(open()?), None);
    let batches: Box<dyn Iterator<Item = std::result::Result<RecordBatch, arrow_schema::ArrowError>>> =
        match file_reader {
            Ok(r) => Box::new(r),
            Err(file_err) => match StreamReader::try_new(BufReader::new(open()?), None) {
                Ok(r) => Box::new(r),
                Err(_) => {
                    return Err(Error::input(path, format!("not a readable Arrow IPC file: {file_err}")));
                }
            },
        };
    let mut batches = batches.peekable();
    let mut fields: Option<Arc<Vec<(Field, String)>>> = None;
    let mut next_row = 1u64;
    for batch in batches.by_ref() {
        let batch = batch.map_err(|e| Error::input(path, format!("cannot decode Arrow IPC batch: {e}")))?;
        let fields = match &fields {
            Some(f) => f.clone(),
            None => {
                let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
                let map = ColumnMap::resolve(path, &names, &opts.overrides)?;
                let f = Arc::new(map.iter().map(|(f, _, n)| (f, n.to_string())).collect::<Vec<_>>());
                fields = Some(f.clone());
                f
            }
        };
        let rows = batch.num_rows() as u64;
        // IPC batches can be arbitrarily large; slice them so a worker holds at most batch_size rows.
        let mut offset = 0usize;
        let total = batch.num_rows();
        while offset < total {
            let len = opts.batch_size.min(total - offset);
            let part = rename_to_fields(path, &batch.slice(offset, len), &fields)?;
            let item = ItemBatch {
                manifest: idx,
                first_row: next_row + offset as u64,
                batch: part,
                problems: Vec::new(),
                lines: None,
            };
            if !sink(Unit::Batch(item)) {
                return Ok(());
            }
            offset += len;
        }
        next_row += rows;
    }
    if fields.is_none() {
        // No batch at all: still check the schema so a wrong file fails loudly.
        return Err(Error::input(path, "the Arrow IPC file holds no record batches"));
    }
    Ok(())
}
