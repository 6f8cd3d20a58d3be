//! Spreadsheets: Excel (.xlsx, .xlsm, .xlsb, .xls) and OpenDocument (.ods), read with calamine.
//! Stewards keep manifests in Excel; each sheet is a manifest of its own (`file.xlsx#Sheet`), or
//! only the one `--sheet NAME` names. The first non-empty row of a sheet is its header, columns
//! are detected as in every other format, and the row numbers reports give are the sheet's own
//! (the number Excel shows at the left), so a finding can be found in the workbook.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};

use super::builder::BatchBuilder;
use super::{ColumnMap, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

fn open(path: &Path) -> Result<calamine::Sheets<std::io::BufReader<std::fs::File>>> {
    open_workbook_auto(path).map_err(|e| Error::input(path, format!("cannot read the spreadsheet: {e}")))
}

/// The sheets of a workbook to audit: `only` if given (an error listing the sheets when there is
/// no such sheet), else every sheet that holds at least one cell.
pub fn sheets(path: &Path, only: Option<&str>) -> Result<Vec<String>> {
    let mut book = open(path)?;
    let names = book.sheet_names();
    if let Some(wanted) = only {
        return match names.iter().find(|n| n.as_str() == wanted || n.eq_ignore_ascii_case(wanted)) {
            Some(n) => Ok(vec![n.clone()]),
            None => Err(Error::input(path, format!("no sheet named `{wanted}`; sheets: {}", quoted(&names)))),
        };
    }
    let mut out = Vec::new();
    for name in &names {
        let range = book
            .worksheet_range(name)
            .map_err(|e| Error::input(path, format!("sheet `{name}`: cannot read it: {e}")))?;
        if !range.is_empty() {
            out.push(name.clone());
        }
    }
    if out.is_empty() {
        return Err(Error::input(path, format!("every sheet is empty; sheets: {}", quoted(&names))));
    }
    Ok(out)
}

fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".into();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// A cell as the text the audit reads. Whole numbers are written without a fraction (an id typed
/// as 1907083647 is read by Excel as a number); an error cell (`#N/A`, `#REF!`) is not text.
fn cell_text(cell: &Data) -> std::result::Result<Option<String>, String> {
    Ok(match cell {
        Data::Empty => None,
        Data::String(s) => (!s.is_empty()).then(|| s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(format!("{}", *f as i64)),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::DateTime(d) => Some(d.to_string()),
        Data::Error(e) => return Err(format!("{e}")),
    })
}

/// The header of `sheet`: the first row that holds a cell, and its sheet row number (1-based).
fn header(range: &calamine::Range<Data>) -> (Vec<String>, u64, usize) {
    let start_row = range.start().map_or(0, |(r, _)| u64::from(r));
    for (i, row) in range.rows().enumerate() {
        if row.iter().any(|c| !matches!(c, Data::Empty)) {
            let names =
                row.iter().map(|c| cell_text(c).ok().flatten().unwrap_or_default().trim().to_string());
            return (names.collect(), start_row + i as u64 + 1, i);
        }
    }
    (Vec::new(), start_row + 1, 0)
}

/// The column names of a sheet (for `init`).
pub fn column_names(path: &Path, sheet: &str) -> Result<Vec<String>> {
    let range = open(path)?
        .worksheet_range(sheet)
        .map_err(|e| Error::input(path, format!("sheet `{sheet}`: cannot read it: {e}")))?;
    Ok(header(&range).0)
}

/// Reads one sheet and hands its batches to `sink` (which returns false to stop early).
pub fn read(
    idx: usize,
    manifest: &Manifest,
    sheet: &str,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let range = open(path)?
        .worksheet_range(sheet)
        .map_err(|e| Error::input(path, format!("sheet `{sheet}`: cannot read it: {e}")))?;
    let (names, header_row, header_index) = header(&range);
    if names.iter().all(String::is_empty) {
        return Err(Error::input(
            path,
            format!("sheet `{sheet}` has no header row: its first row must name the columns"),
        ));
    }
    let map = ColumnMap::resolve(path, &names, &opts.overrides).map_err(|e| match e {
        Error::Input { path, message } => Error::Input {
            path,
            message: format!("sheet `{sheet}`: {message}; or read another sheet only, with --sheet NAME"),
        },
        other => other,
    })?;
    let sources: Vec<(usize, String)> = map.iter().map(|(_, i, n)| (i, n.to_string())).collect();
    let mut builder = BatchBuilder::new(idx, &map, opts.batch_size);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut values: Vec<Option<String>> = Vec::with_capacity(sources.len());
    for (offset, row) in range.rows().enumerate().skip(header_index + 1) {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            // A blank row: not an item.
            continue;
        }
        builder.at_line(header_row + (offset - header_index) as u64);
        values.clear();
        let mut bad = None;
        for (src, name) in &sources {
            match cell_text(row.get(*src).unwrap_or(&Data::Empty)) {
                Ok(v) => values.push(v),
                Err(e) => {
                    bad = Some((name.clone(), column_letters(first_col + src), e));
                    break;
                }
            }
        }
        match bad {
            Some((column, letters, error)) => {
                let message =
                    format!("column `{column}` (sheet column {letters}) holds the error value {error}");
                builder.push_invalid(Some(column), "error cell", message);
            }
            None => builder.push(values.iter().map(Option::as_deref)),
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

/// A 0-based column index as spreadsheet letters: 0 -> A, 25 -> Z, 26 -> AA.
fn column_letters(mut index: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27 * 26), "AAA");
    }

    #[test]
    fn cells_as_text() {
        assert_eq!(cell_text(&Data::Float(1907083647.0)), Ok(Some("1907083647".into())));
        assert_eq!(cell_text(&Data::Float(2.5)), Ok(Some("2.5".into())));
        assert_eq!(cell_text(&Data::String(String::new())), Ok(None));
        assert!(cell_text(&Data::Error(calamine::CellErrorType::NA)).is_err());
    }
}
