//! Converts a CSV manifest to a zstd Parquet file with the same rows, every column as Utf8.
//!
//! ```text
//! cargo run --release --example csv_to_parquet -- IN.csv OUT.parquet
//! ```
//!
//! Used to make the Parquet twin (in `tests/fixtures/samples/`) of each sample in `sample-data/`,
//! so both hold the same items. Empty cells stay empty strings (not nulls), as the CSV reader sees them. A row whose
//! field count differs from the header's is an error: the samples are meant to be well formed.

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

const BATCH_ROWS: usize = 65_536;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: csv_to_parquet IN.csv OUT.parquet".into());
    };

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_path(input)
        .map_err(|e| format!("{input}: {e}"))?;
    let header = reader.headers().map_err(|e| format!("{input}: {e}"))?.clone();
    let schema = Arc::new(Schema::new(
        header.iter().map(|name| Field::new(name, DataType::Utf8, true)).collect::<Vec<_>>(),
    ));

    let props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
    let file = File::create(output).map_err(|e| format!("{output}: {e}"))?;
    let mut writer = ArrowWriter::try_new(BufWriter::new(file), schema.clone(), Some(props))?;

    let new_builders = || (0..header.len()).map(|_| StringBuilder::new()).collect::<Vec<_>>();
    let mut builders = new_builders();
    let mut pending = 0usize;
    let mut total = 0u64;
    let mut flush = |builders: &mut Vec<StringBuilder>| -> Result<(), Box<dyn Error>> {
        let columns: Vec<ArrayRef> = builders.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
        Ok(())
    };
    for record in reader.records() {
        let record = record.map_err(|e| format!("{input}: {e}"))?;
        for (builder, value) in builders.iter_mut().zip(record.iter()) {
            builder.append_value(value);
        }
        pending += 1;
        total += 1;
        if pending == BATCH_ROWS {
            flush(&mut builders)?;
            pending = 0;
        }
    }
    if pending > 0 {
        flush(&mut builders)?;
    }
    writer.close()?;
    eprintln!("csv_to_parquet: {total} rows, {} columns: {input} -> {output}", header.len());
    Ok(())
}
