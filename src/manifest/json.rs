//! NDJSON / JSON Lines and a JSON array of objects. A bad line in NDJSON is a row finding and the
//! file goes on; a syntax error inside a JSON array ends the file (exit 2), since nothing after it
//! can be located with certainty. The array is streamed element by element, never loaded whole.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::builder::BatchBuilder;
use super::{ColumnMap, Field, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

/// How many leading lines are looked at to find the column names of an NDJSON file.
pub(crate) const DETECT_LINES: usize = 64;

/// Reads a JSON Lines file.
pub fn read_ndjson(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let file = File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut input = BufReader::with_capacity(1 << 20, file);

    // Keep the first lines so the columns can be taken from the keys they use.
    let mut head: Vec<Vec<u8>> = Vec::new();
    let mut eof = false;
    while head.len() < DETECT_LINES {
        let mut line = Vec::new();
        if input.read_until(b'\n', &mut line).map_err(|e| Error::io(path, &e))? == 0 {
            eof = true;
            break;
        }
        head.push(line);
    }
    let mut keys: Vec<String> = Vec::new();
    let mut any_object = false;
    for line in &head {
        if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(trim_line(line)) {
            any_object = true;
            for k in obj.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    if !any_object {
        return Err(Error::input(
            path,
            format!(
                "not JSON Lines: none of the first {} lines is a JSON object (a manifest holds one object per line, or a JSON array of objects)",
                head.len()
            ),
        ));
    }
    let map = ColumnMap::resolve(path, &keys, &opts.overrides)?;
    let mut rows = RowWriter::new(idx, &map, opts.batch_size);

    let mut line = Vec::new();
    let mut head_iter = head.into_iter();
    let mut line_no = 0u64;
    loop {
        let current: Cow<[u8]> = match head_iter.next() {
            Some(l) => Cow::Owned(l),
            None if eof => break,
            None => {
                line.clear();
                if input.read_until(b'\n', &mut line).map_err(|e| Error::io(path, &e))? == 0 {
                    break;
                }
                Cow::Borrowed(&line)
            }
        };
        line_no += 1;
        let text = trim_line(&current);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        rows.builder.at_line(line_no);
        match serde_json::from_slice::<Value>(text) {
            Ok(Value::Object(obj)) => rows.push_object(&obj),
            Ok(other) => rows.builder.push_invalid(
                None,
                "not an object",
                format!("line holds a JSON {}, expected an object", kind_of(&other)),
            ),
            Err(e) => rows.builder.push_invalid(None, "malformed JSON", malformed_line(&e)),
        }
        if rows.builder.is_full()
            && let Some(batch) = rows.builder.take()
            && !sink(Unit::Batch(batch))
        {
            return Ok(());
        }
    }
    if let Some(batch) = rows.builder.take() {
        sink(Unit::Batch(batch));
    }
    Ok(())
}

fn trim_line(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line)
}

/// Reads a file holding one JSON array of objects, one element at a time.
pub fn read_array(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let file = File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut input = BufReader::with_capacity(1 << 20, file);
    let buf = input.fill_buf().map_err(|e| Error::io(path, &e))?;
    if buf.starts_with(b"\xef\xbb\xbf") {
        input.consume(3);
    }
    let mut state = ArrayState { idx, manifest, opts, sink, rows: None, stopped: false, error: None };
    let mut de = serde_json::Deserializer::from_reader(input);
    let outcome = ArraySeed(&mut state).deserialize(&mut de).and_then(|()| de.end());
    if let Some(err) = state.error {
        return Err(err);
    }
    if let Err(e) = outcome
        && !state.stopped
    {
        return Err(Error::input(path, format!("invalid JSON: {e}")));
    }
    match state.rows.as_mut() {
        Some(rows) => {
            if let Some(batch) = rows.builder.take() {
                (state.sink)(Unit::Batch(batch));
            }
            Ok(())
        }
        None => Err(Error::input(path, "the JSON array is empty: no items")),
    }
}

struct ArrayState<'a> {
    idx: usize,
    manifest: &'a Manifest,
    opts: &'a ReadOptions,
    sink: &'a mut dyn FnMut(Unit) -> bool,
    rows: Option<RowWriter>,
    stopped: bool,
    error: Option<Error>,
}

impl ArrayState<'_> {
    /// Takes one element; returns false to stop reading.
    fn element(&mut self, value: Value) -> bool {
        if self.rows.is_none() {
            let Value::Object(obj) = &value else {
                self.error = Some(Error::input(
                    &self.manifest.path,
                    format!(
                        "the array's first element is a JSON {}; expected an array of objects",
                        kind_of(&value)
                    ),
                ));
                return false;
            };
            let keys: Vec<String> = obj.keys().cloned().collect();
            match ColumnMap::resolve(&self.manifest.path, &keys, &self.opts.overrides) {
                Ok(map) => self.rows = Some(RowWriter::new(self.idx, &map, self.opts.batch_size)),
                Err(e) => {
                    self.error = Some(e);
                    return false;
                }
            }
        }
        let Some(rows) = self.rows.as_mut() else { return false };
        match &value {
            Value::Object(obj) => rows.push_object(obj),
            other => rows.builder.push_invalid(
                None,
                "not an object",
                format!("array element is a JSON {}, expected an object", kind_of(other)),
            ),
        }
        if rows.builder.is_full()
            && let Some(batch) = rows.builder.take()
            && !(self.sink)(Unit::Batch(batch))
        {
            self.stopped = true;
            return false;
        }
        true
    }
}

struct ArraySeed<'s, 'a>(&'s mut ArrayState<'a>);

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(value) = seq.next_element::<Value>()? {
            if !self.0.element(value) {
                return Err(serde::de::Error::custom("stopped"));
            }
        }
        Ok(())
    }
}

/// Turns JSON objects into builder rows.
struct RowWriter {
    builder: BatchBuilder,
    /// (field, key in the object) in builder order.
    keys: Vec<(Field, String)>,
}

impl RowWriter {
    fn new(idx: usize, map: &ColumnMap, batch_size: usize) -> Self {
        let builder = BatchBuilder::new(idx, map, batch_size);
        let keys = map.iter().map(|(f, _, name)| (f, name.to_string())).collect();
        RowWriter { builder, keys }
    }

    fn push_object(&mut self, obj: &Map<String, Value>) {
        let mut values: Vec<Option<Cow<str>>> = Vec::with_capacity(self.keys.len());
        for (field, key) in &self.keys {
            match obj.get(key) {
                None | Some(Value::Null) => values.push(None),
                Some(Value::String(s)) => values.push((!s.is_empty()).then_some(Cow::Borrowed(s.as_str()))),
                Some(Value::Number(n)) if matches!(field, Field::Id | Field::LicenseVersion) => {
                    values.push(Some(Cow::Owned(n.to_string())))
                }
                Some(other) => {
                    let message = format!(
                        "`{key}` is a JSON {}; field `{}` must be a string",
                        kind_of(other),
                        field.name()
                    );
                    self.builder.push_invalid(Some(key.clone()), "wrong type", message);
                    return;
                }
            }
        }
        self.builder.push(values.iter().map(|v| v.as_deref()));
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A JSON Lines row that does not parse. serde_json counts lines within the text it was given,
/// which is this one line: its "line 1" would be read as the file's first line, so only the
/// column is kept (the finding's `line` gives the line in the file).
fn malformed_line(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = text.strip_suffix(&suffix).unwrap_or(&text);
    if e.column() > 0 {
        format!("malformed JSON at column {} of the line: {what}", e.column())
    } else {
        format!("malformed JSON: {what}")
    }
}

#[cfg(test)]
mod malformed_tests {
    #[test]
    fn a_bad_line_names_its_column_not_line_1() {
        let Err(e) = serde_json::from_slice::<serde_json::Value>(b"{\"id\": 1, \"license\": }") else {
            panic!("parsed")
        };
        let m = super::malformed_line(&e);
        assert!(m.starts_with("malformed JSON at column 22 of the line: expected value"), "{m}");
        assert!(!m.contains("line 1"), "{m}");
    }
}
