//! Builds [`ItemBatch`]es row by row for the text formats (CSV, NDJSON, JSON array).

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field as ArrowField, Schema, SchemaRef};

use super::{ColumnMap, Field, ItemBatch, RowProblem};

/// Accumulates rows for the mapped fields until a batch is full.
#[derive(Debug)]
pub struct BatchBuilder {
    manifest: usize,
    fields: Vec<Field>,
    schema: SchemaRef,
    builders: Vec<StringBuilder>,
    problems: Vec<RowProblem>,
    rows: usize,
    /// 1-based number of the next row to be added.
    next_row: u64,
    batch_size: usize,
    /// Physical line where each row of the current batch starts (text formats that know it).
    lines: Vec<u64>,
}

impl BatchBuilder {
    pub fn new(manifest: usize, map: &ColumnMap, batch_size: usize) -> Self {
        let fields: Vec<Field> = map.iter().map(|(f, _, _)| f).collect();
        let schema = Arc::new(Schema::new(
            fields.iter().map(|f| ArrowField::new(f.name(), DataType::Utf8, true)).collect::<Vec<_>>(),
        ));
        let builders = fields.iter().map(|_| StringBuilder::new()).collect();
        BatchBuilder {
            manifest,
            fields,
            schema,
            builders,
            problems: Vec::new(),
            rows: 0,
            next_row: 1,
            batch_size: batch_size.max(1),
            lines: Vec::new(),
        }
    }

    /// Numbers the rows from `first_row` (a range that starts inside a file).
    pub fn start_at(&mut self, first_row: u64) {
        self.next_row = first_row;
    }

    /// The mapped fields, in the order `push` expects their values.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// Records the 1-based line where the next row starts. Readers that know lines call it
    /// before every `push`/`push_invalid`; the batch carries lines only if every row has one.
    pub fn at_line(&mut self, line: u64) {
        self.lines.push(line);
    }

    /// Adds a readable row: one value per field of [`BatchBuilder::fields`].
    pub fn push<'s>(&mut self, values: impl IntoIterator<Item = Option<&'s str>>) {
        for (builder, value) in self.builders.iter_mut().zip(values) {
            builder.append_option(value);
        }
        self.rows += 1;
    }

    /// Adds a row that could not be read: all nulls, plus the problem.
    pub fn push_invalid(&mut self, column: Option<String>, kind: &'static str, message: String) {
        for builder in &mut self.builders {
            builder.append_null();
        }
        self.problems.push(RowProblem { index: self.rows, column, kind, message });
        self.rows += 1;
    }

    pub fn is_full(&self) -> bool {
        self.rows >= self.batch_size
    }

    /// Hands over the rows gathered so far (None when there are none).
    pub fn take(&mut self) -> Option<ItemBatch> {
        if self.rows == 0 {
            return None;
        }
        let columns: Vec<ArrayRef> =
            self.builders.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        // Cannot fail: every push appends to every builder, so the columns have equal lengths and
        // the schema's types; and there is at least one column (license is always mapped).
        let batch = RecordBatch::try_new(self.schema.clone(), columns).ok()?;
        let lines = std::mem::take(&mut self.lines);
        debug_assert!(lines.is_empty() || lines.len() == self.rows, "a row without its line");
        let item = ItemBatch {
            manifest: self.manifest,
            first_row: self.next_row,
            batch,
            problems: std::mem::take(&mut self.problems),
            lines: (lines.len() == self.rows).then_some(lines),
        };
        self.next_row += self.rows as u64;
        self.rows = 0;
        Some(item)
    }
}
