//! The floor for `dpg-audit audit` on a Parquet manifest: decode the same columns with the same
//! crates and the same number of threads, touch every value, judge nothing, write nothing.
//! No audit of that file can be faster than this.
//!
//! ```text
//! cargo run --release --example decode_floor -- items.parquet [--threads 2] [--batch-size 8192]
//! ```
//!
//! Columns: those of `license`, `license_version`, `license_url`, `url`, `access`, `id`
//! that the file has (exact names, as the generator writes them; dpg-audit finds the same ones by
//! name). Each thread takes the next row group not yet taken (as dpg-audit's workers take the
//! next unit), opens the file and decodes the group batch by batch. (Dealing the groups out
//! round-robin instead left one thread idle at the end: a floor about 10% slower than this one.)
//! Every value's bytes are
//! folded into a checksum so the decoding cannot be optimized away. Prints rows, values and the
//! checksum.

use std::error::Error;
use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::Int32Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use clap::Parser;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

/// The columns dpg-audit maps when a manifest names them exactly.
/// (`title` is recognized but not read by dpg-audit, so the floor leaves it out too.)
const COLUMNS: &[&str] = &["license", "license_version", "license_url", "url", "access", "id"];

#[derive(Debug, Parser)]
#[command(about = "Decodes a Parquet manifest's dpg-audit columns and nothing else (the benchmark floor)")]
struct Args {
    /// Parquet manifest.
    path: PathBuf,
    /// Decoding threads (row groups are split between them).
    #[arg(long, short = 'j', default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    threads: u32,
    /// Rows per decoded batch (dpg-audit's default).
    #[arg(long, default_value_t = 8192, value_parser = clap::value_parser!(u32).range(1..))]
    batch_size: u32,
}

/// What one thread saw.
#[derive(Debug, Default)]
struct Tally {
    rows: u64,
    values: u64,
    checksum: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.rows += other.rows;
        self.values += other.values;
        self.checksum = self.checksum.wrapping_add(other.checksum);
    }

    /// Folds one value: its length and its first and last bytes. Reading the bytes (not only
    /// the offsets) keeps the compiler from skipping the values.
    fn touch(&mut self, v: &[u8]) {
        self.values += 1;
        let first = v.first().copied().unwrap_or(0);
        let last = v.last().copied().unwrap_or(0);
        // A plain sum: the same for any split of row groups between threads.
        self.checksum =
            self.checksum.wrapping_add(v.len() as u64 ^ (u64::from(first) << 8) ^ (u64::from(last) << 16));
    }

    fn batch(&mut self, batch: &RecordBatch) -> Result<(), Box<dyn Error>> {
        self.rows += batch.num_rows() as u64;
        for col in batch.columns() {
            self.column(col.as_ref())?;
        }
        Ok(())
    }

    fn column(&mut self, col: &dyn Array) -> Result<(), Box<dyn Error>> {
        match col.data_type() {
            DataType::Utf8 => {
                col.as_string::<i32>().iter().for_each(|v| self.touch(v.unwrap_or("").as_bytes()))
            }
            DataType::LargeUtf8 => {
                col.as_string::<i64>().iter().for_each(|v| self.touch(v.unwrap_or("").as_bytes()))
            }
            DataType::Utf8View => {
                col.as_string_view().iter().for_each(|v| self.touch(v.unwrap_or("").as_bytes()))
            }
            DataType::Binary => col.as_binary::<i32>().iter().for_each(|v| self.touch(v.unwrap_or(b""))),
            DataType::Dictionary(key, _) if **key == DataType::Int32 => {
                let dict = col.as_dictionary::<Int32Type>();
                // Resolve every key through the values, as a reader handing out &str would.
                let values = dict.values();
                let strings = values.as_string_opt::<i32>().ok_or("dictionary of a non-string type")?;
                for k in dict.keys().iter() {
                    let v = k.and_then(|k| usize::try_from(k).ok()).map_or("", |k| strings.value(k));
                    self.touch(v.as_bytes());
                }
            }
            other => return Err(format!("column of type {other} is not text").into()),
        }
        Ok(())
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    let file = File::open(&args.path).map_err(|e| format!("{}: {e}", args.path.display()))?;
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| format!("{}: {e}", args.path.display()))?;
    // The same decode dpg-audit does: its license, version and access columns are read as
    // dictionaries (cheaper than building a string per row), so the floor reads them so too.
    let meta = {
        let schema = meta.schema();
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let fields: Vec<arrow_schema::FieldRef> = schema
            .fields()
            .iter()
            .map(|f| {
                let hinted = matches!(f.name().as_str(), "license" | "license_version" | "access")
                    && *f.data_type() == DataType::Utf8;
                if hinted { Arc::new(f.as_ref().clone().with_data_type(dict.clone())) } else { f.clone() }
            })
            .collect();
        let hinted = Arc::new(arrow_schema::Schema::new_with_metadata(fields, schema.metadata().clone()));
        ArrowReaderMetadata::try_new(meta.metadata().clone(), ArrowReaderOptions::new().with_schema(hinted))
            .map_err(|e| format!("{}: {e}", args.path.display()))?
    };
    let schema = meta.schema().clone();
    let roots: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| COLUMNS.contains(&f.name().as_str()))
        .map(|(i, _)| i)
        .collect();
    if roots.is_empty() {
        return Err(format!("{}: none of the columns {COLUMNS:?}", args.path.display()).into());
    }
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots.iter().copied());
    let groups = meta.metadata().num_row_groups();
    let threads = args.threads as usize;

    let next_group = AtomicUsize::new(0);
    let tallies = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (meta, mask, path, next_group) = (meta.clone(), mask.clone(), &args.path, &next_group);
                scope.spawn(move || -> Result<Tally, String> {
                    let mut tally = Tally::default();
                    loop {
                        let rg = next_group.fetch_add(1, Ordering::Relaxed);
                        if rg >= groups {
                            break;
                        }
                        // One reader per row group, as dpg-audit's workers do.
                        let file = File::open(path).map_err(|e| e.to_string())?;
                        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
                            .with_projection(mask.clone())
                            .with_row_groups(vec![rg])
                            .with_batch_size(args.batch_size as usize)
                            .build()
                            .map_err(|e| e.to_string())?;
                        for batch in reader {
                            let batch = batch.map_err(|e| format!("row group {rg}: {e}"))?;
                            tally.batch(&batch).map_err(|e| e.to_string())?;
                        }
                    }
                    Ok(tally)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a decoding thread panicked".into())))
            .collect::<Result<Vec<Tally>, String>>()
    })?;

    let mut total = Tally::default();
    for t in tallies {
        total.add(t);
    }
    let names: Vec<&str> = roots.iter().map(|&i| schema.field(i).name().as_str()).collect();
    println!(
        "decode_floor: {} rows, {} values, checksum {:016x} ({} row groups, {threads} threads, columns {})",
        total.rows,
        total.values,
        total.checksum,
        groups,
        names.join(",")
    );
    Ok(())
}
