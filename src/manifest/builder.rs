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
        }
    }

    /// The mapped fields, in the order `push` expects their values.
    pub fn fields(&self) -> &[Field] {
        &self.fields
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
        let item = ItemBatch {
            manifest: self.manifest,
            first_row: self.next_row,
            batch,
            problems: std::mem::take(&mut self.problems),
            lines: None,
        };
        self.next_row += self.rows as u64;
        self.rows = 0;
        Some(item)
    }
}
