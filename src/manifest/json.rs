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

/// The most distinct top-level keys a JSON manifest may use (its columns): beyond this the
/// file is refused rather than some keys ignored.
pub const MAX_KEYS: usize = 10_000;

/// Reads a JSON Lines file in two passes: the first collects the top-level keys of every line
/// (keeping no value), so a key that first appears on row ten million is a column like any
/// other; the second builds the rows. (Standard input and pipes were copied to a file first,
/// see [`crate::input`].)
pub fn read_ndjson(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let open = || -> Result<BufReader<File>> {
        let file = File::open(path).map_err(|e| Error::io(path, &e))?;
        Ok(BufReader::with_capacity(1 << 20, file))
    };
    let max = opts.max_line_bytes;

    let mut keys = KeySet::default();
    let mut any_object = false;
    let mut input = open()?;
    let mut line = Vec::new();
    loop {
        match read_line(&mut input, &mut line, max).map_err(|e| Error::io(path, &e))? {
            Line::End => break,
            Line::TooLong => continue,
            Line::Read => {}
        }
        let mut de = serde_json::Deserializer::from_slice(trim_line(&line));
        if let Ok(true) = serde::Deserializer::deserialize_any(&mut de, KeysOf(&mut keys)) {
            any_object = true;
        }
        if keys.overflow {
            return Err(too_many_keys(path));
        }
    }
    if !any_object {
        return Err(Error::input(
            path,
            "not JSON Lines: no line is a JSON object (a manifest holds one object per line, or a JSON array of objects)",
        ));
    }
    let map = ColumnMap::resolve(path, &keys.keys, &opts.overrides)?;
    let mut rows = RowWriter::new(idx, &map, opts.batch_size);

    let mut input = open()?;
    let mut line_no = 0u64;
    loop {
        let read = read_line(&mut input, &mut line, max).map_err(|e| Error::io(path, &e))?;
        if read == Line::End {
            break;
        }
        line_no += 1;
        if read == Line::TooLong {
            rows.builder.at_line(line_no);
            rows.builder.push_invalid(
                None,
                "line too long",
                format!("line longer than {max} bytes (--max-line-bytes); not read"),
            );
        } else {
            let text = trim_line(&line);
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

fn too_many_keys(path: &std::path::Path) -> Error {
    Error::input(
        path,
        format!("more than {MAX_KEYS} distinct keys; a manifest's objects share a few columns"),
    )
}

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    Read,
    /// A line longer than the limit: skipped to its end, its bytes not kept.
    TooLong,
    End,
}

/// Reads one line (with its `\n`) into `buf`, holding at most `max` bytes of it: a longer line
/// (an endless one too) is consumed without being kept, so memory never depends on it. A
/// reader that reports no progress ends the file.
pub(crate) fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, max: usize) -> std::io::Result<Line> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if !too_long {
            if buf.len() + take > max.saturating_add(2) {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&available[..take]);
            }
        }
        input.consume(take);
        if done {
            break;
        }
    }
    Ok(if !any {
        Line::End
    } else if too_long {
        Line::TooLong
    } else {
        Line::Read
    })
}

/// Distinct keys in the order first seen.
#[derive(Debug, Default)]
struct KeySet {
    keys: Vec<String>,
    seen: std::collections::HashSet<String>,
    overflow: bool,
}

impl KeySet {
    fn add(&mut self, key: &str) {
        if !self.seen.contains(key) {
            if self.keys.len() >= MAX_KEYS {
                self.overflow = true;
                return;
            }
            self.seen.insert(key.to_string());
            self.keys.push(key.to_string());
        }
    }
}

/// Visits one JSON value: an object's keys go to the set (values skipped, never built); true
/// when the value was an object.
struct KeysOf<'k>(&'k mut KeySet);

impl<'de> Visitor<'de> for KeysOf<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            map.next_value::<serde::de::IgnoredAny>()?;
            self.0.add(&k);
        }
        Ok(true)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(false)
    }
    fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_str<E>(self, _: &str) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E>(self) -> Result<bool, E> {
        Ok(false)
    }
}

impl<'de> DeserializeSeed<'de> for KeysOf<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Visits a JSON array, each element through [`KeysOf`].
struct ArrayKeys<'k>(&'k mut KeySet);

impl<'de> Visitor<'de> for ArrayKeys<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(KeysOf(&mut *self.0))?.is_some() {
            if self.0.overflow {
                return Err(serde::de::Error::custom("too many keys"));
            }
        }
        Ok(())
    }
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
    let open = || -> Result<BufReader<File>> {
        let file = File::open(path).map_err(|e| Error::io(path, &e))?;
        let mut input = BufReader::with_capacity(1 << 20, file);
        let buf = input.fill_buf().map_err(|e| Error::io(path, &e))?;
        if buf.starts_with(b"\xef\xbb\xbf") {
            input.consume(3);
        }
        Ok(input)
    };
    // First pass: the keys of every element, so a key only later elements use is a column too.
    // A syntax error is left to the second pass, which says where it is.
    let mut keys = KeySet::default();
    let mut de = serde_json::Deserializer::from_reader(open()?);
    let _ = serde::Deserializer::deserialize_seq(&mut de, ArrayKeys(&mut keys));
    if keys.overflow {
        return Err(too_many_keys(path));
    }
    let input = open()?;
    let mut state =
        ArrayState { idx, manifest, opts, sink, rows: None, stopped: false, error: None, keys: keys.keys };
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
    /// Every element's keys, from the first pass.
    keys: Vec<String>,
}

impl ArrayState<'_> {
    /// Takes one element; returns false to stop reading.
    fn element(&mut self, value: Value) -> bool {
        if self.rows.is_none() {
            let Value::Object(_) = &value else {
                self.error = Some(Error::input(
                    &self.manifest.path,
                    format!(
                        "the array's first element is a JSON {}; expected an array of objects",
                        kind_of(&value)
                    ),
                ));
                return false;
            };
            // The columns are every element's keys (first pass), not this element's alone.
            match ColumnMap::resolve(&self.manifest.path, &self.keys, &self.opts.overrides) {
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
