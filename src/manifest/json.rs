//! NDJSON / JSON Lines and a JSON array of objects. A bad line in NDJSON is a row finding and the
//! file goes on; a syntax error inside a JSON array ends the file (exit 2), since nothing after it
//! can be located with certainty. The array is streamed element by element, never loaded whole.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::builder::BatchBuilder;
use super::chunks::{self, LineScanner, ParseRange, TextInput, TextRange, TooLong};
use super::{ColumnMap, Field, ItemBatch, Manifest, ReadOptions, Unit};
use crate::error::{Error, Result};

/// How many leading lines are looked at to find the column names of an NDJSON file.
pub(crate) const DETECT_LINES: usize = 64;

/// The most distinct top-level keys a JSON manifest may use (its columns): beyond this the
/// file is refused rather than some keys ignored.
pub const MAX_KEYS: usize = 10_000;

/// The first bytes of a JSON Lines file whose top-level keys name its columns: all of a file up
/// to this size (so a key that appears only once, anywhere, is a column like any other).
pub const SAMPLE_BYTES: usize = chunks::RANGE_BYTES * 4;

/// Reads a JSON Lines file: the columns are the keys of the objects in its first
/// [`SAMPLE_BYTES`] (the whole file when it is smaller), then ranges of whole lines go to the
/// workers ([`Unit::Text`]). A key first seen after the sample is checked by the worker that
/// meets it: one that would have made a column is an error naming it and its line, never a
/// column silently left out. (Standard input and pipes were copied to a file first, see
/// [`crate::input`].)
pub fn read_ndjson(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    read_ndjson_ranges(idx, manifest, opts, chunks::RANGE_BYTES, sink)
}

/// [`read_ndjson`] in ranges of about `range_bytes` (tests cut small files at every size).
pub(crate) fn read_ndjson_ranges(
    idx: usize,
    manifest: &Manifest,
    opts: &ReadOptions,
    range_bytes: usize,
    sink: &mut dyn FnMut(Unit) -> bool,
) -> Result<()> {
    let path = &manifest.path;
    let max = opts.max_line_bytes;
    let limit = max.saturating_add(2);
    let mut input = TextInput::open(path)?;
    let mut buf = Vec::new();
    let mut more = input.fill(&mut buf, SAMPLE_BYTES)?;
    // At least one whole line (or the limit) in the sample.
    while more && memchr::memchr(b'\n', &buf).is_none() && buf.len() <= limit {
        let want = buf.len() + chunks::RANGE_BYTES;
        more = input.fill(&mut buf, want)?;
    }
    let whole = !more;
    let sample_end = if whole { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };

    let mut keys = KeySet::default();
    let mut any_object = false;
    let mut start = 0;
    while start < sample_end {
        let end = memchr::memchr(b'\n', &buf[start..sample_end]).map_or(sample_end, |i| start + i + 1);
        let line = &buf[start..end];
        start = end;
        if line.len() > limit {
            continue;
        }
        let mut de = serde_json::Deserializer::from_slice(trim_line(line));
        if let Ok(true) = serde::Deserializer::deserialize_any(&mut de, KeysOf(&mut keys)) {
            any_object = true;
        }
        if keys.overflow {
            return Err(too_many_keys(path));
        }
    }
    if !any_object {
        let what = if whole { "no line" } else { "no line of the first MBs" };
        return Err(Error::input(
            path,
            format!(
                "not JSON Lines: {what} is a JSON object (a manifest holds one object per line, or a JSON array of objects)"
            ),
        ));
    }
    let mut available = keys.keys;
    if !whole {
        // A key mapped by name may first appear after the sample: it is a column all the same.
        for name in opts.overrides.values() {
            if !available.iter().any(|k| k == name) {
                available.push(name.clone());
            }
        }
    }
    let map = ColumnMap::resolve(path, &available, &opts.overrides)?;
    let parse = Arc::new(NdjsonRanges {
        path: path.clone(),
        known: available.iter().cloned().collect(),
        map,
        available,
        overrides: opts.overrides.clone(),
        limit,
        max,
        whole,
    });
    let mut scanner = LineScanner::new(max);
    chunks::cut_ranges(
        idx,
        &mut input,
        buf,
        1,
        &mut scanner,
        parse,
        max,
        TooLong::Row,
        range_bytes,
        &mut |range| sink(Unit::Text(range)),
    )?;
    Ok(())
}

/// What a worker needs to parse a range of a JSON Lines file.
struct NdjsonRanges {
    path: PathBuf,
    map: ColumnMap,
    /// Every key of the sample (and the mapped names).
    known: HashSet<String>,
    available: Vec<String>,
    overrides: BTreeMap<Field, String>,
    limit: usize,
    max: usize,
    /// The sample was the whole file: no key can come later.
    whole: bool,
}

impl ParseRange for NdjsonRanges {
    fn path(&self) -> &Path {
        &self.path
    }

    fn parse(&self, range: &TextRange, batch_size: usize, each: &mut dyn FnMut(ItemBatch)) -> Result<u64> {
        let mut rows = RowWriter::new(range.manifest, &self.map, batch_size);
        rows.builder.start_at(range.first_row);
        let too_long = format!("line longer than {} bytes (--max-line-bytes); not read", self.max);
        if range.long_line {
            rows.builder.at_line(range.first_line);
            rows.builder.push_invalid(None, "line too long", too_long);
            if let Some(batch) = rows.builder.take() {
                each(batch);
            }
            return Ok(1);
        }
        let bytes = range.bytes.as_slice();
        let mut count = 0u64;
        let mut line_no = range.first_line - 1;
        let mut start = 0usize;
        let mut late: Vec<(String, u64)> = Vec::new();
        while start < bytes.len() {
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i + 1);
            let line = &bytes[start..end];
            start = end;
            line_no += 1;
            if line.len() > self.limit {
                rows.builder.at_line(line_no);
                rows.builder.push_invalid(None, "line too long", too_long.clone());
            } else {
                let text = trim_line(line);
                if text.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                rows.builder.at_line(line_no);
                let before = late.len();
                rows.push_line(text, &self.known, &mut late);
                for (_, at) in &mut late[before..] {
                    *at = line_no;
                }
            }
            count += 1;
            if rows.builder.is_full()
                && let Some(batch) = rows.builder.take()
            {
                each(batch);
            }
            if late.len() > MAX_KEYS {
                return Err(too_many_keys(&self.path));
            }
        }
        if !late.is_empty() && !self.whole {
            self.check_late(&late)?;
        }
        if let Some(batch) = rows.builder.take() {
            each(batch);
        }
        Ok(count)
    }
}

impl NdjsonRanges {
    /// Keys first seen after the sample: one that would have been mapped to a field (or taken a
    /// field from the column the sample gave it) stops the run, naming it; others change
    /// nothing (the reader keeps only mapped columns).
    fn check_late(&self, late: &[(String, u64)]) -> Result<()> {
        for (key, line) in late {
            let mut with = self.available.clone();
            with.push(key.clone());
            let Ok(other) = ColumnMap::resolve(&self.path, &with, &self.overrides) else { continue };
            if let Some((field, _, _)) = other.iter().find(|(_, _, name)| name == key) {
                return Err(Error::input(
                    &self.path,
                    format!(
                        "line {line}: key `{key}` first appears after the first {} MiB, from which the columns were chosen, and would be read as field `{}`; name it with --column {}={key} to read it",
                        SAMPLE_BYTES >> 20,
                        field.name(),
                        field.name()
                    ),
                ));
            }
        }
        Ok(())
    }
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

pub(crate) fn trim_line(line: &[u8]) -> &[u8] {
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
    let open = || -> Result<BufReader<TextInput>> {
        let mut input = BufReader::with_capacity(1 << 20, TextInput::open(path)?);
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

    /// Adds the row of one JSON Lines line (trimmed): the mapped keys' values, or the reason
    /// the line is no row. Keys not in `known` go to `late`.
    fn push_line(&mut self, text: &[u8], known: &HashSet<String>, late: &mut Vec<(String, u64)>) {
        let mut de = serde_json::Deserializer::from_slice(text);
        let seed = LineSeed { keys: &self.keys, known, late };
        let parsed = seed.deserialize(&mut de).and_then(|row| de.end().map(|()| row));
        match parsed {
            Ok(LineRow::Object(values)) => {
                for ((field, key), value) in self.keys.iter().zip(&values) {
                    let kind = match value {
                        Some(Scalar::Other(kind)) => *kind,
                        Some(Scalar::Num(_)) if !matches!(field, Field::Id | Field::LicenseVersion) => {
                            "number"
                        }
                        _ => continue,
                    };
                    let message =
                        format!("`{key}` is a JSON {kind}; field `{}` must be a string", field.name());
                    self.builder.push_invalid(Some(key.clone()), "wrong type", message);
                    return;
                }
                self.builder.push(values.iter().map(|v| match v {
                    Some(Scalar::Str(s)) => (!s.is_empty()).then_some(s.as_ref()),
                    Some(Scalar::Num(n)) => Some(n.as_str()),
                    _ => None,
                }));
            }
            Ok(LineRow::Other(kind)) => self.builder.push_invalid(
                None,
                "not an object",
                format!("line holds a JSON {kind}, expected an object"),
            ),
            Err(e) => self.builder.push_invalid(None, "malformed JSON", malformed_line(&e)),
        }
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

/// One JSON Lines line, as far as the row needs it.
enum LineRow<'de> {
    /// The mapped keys' values, in builder order (None: key absent).
    Object(Vec<Option<Scalar<'de>>>),
    /// Not an object: its JSON kind.
    Other(&'static str),
}

/// A mapped key's value: text, a number (kept as its text), null, or another kind.
enum Scalar<'de> {
    Null,
    Str(Cow<'de, str>),
    Num(NumText),
    Other(&'static str),
}

/// A number's text as `serde_json::Number` prints it.
struct NumText(String);

impl NumText {
    fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a line's object without building it: mapped keys' values are kept (borrowed from
/// the line when they hold no escape), others are skipped.
struct LineSeed<'a> {
    keys: &'a [(Field, String)],
    known: &'a HashSet<String>,
    late: &'a mut Vec<(String, u64)>,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = LineRow<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<LineRow<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = LineRow<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<LineRow<'de>, A::Error> {
        let mut values: Vec<Option<Scalar<'de>>> = (0..self.keys.len()).map(|_| None).collect();
        while let Some(KeyText(k)) = map.next_key::<KeyText<'de>>()? {
            match self.keys.iter().position(|(_, name)| *name == k) {
                Some(i) => values[i] = Some(map.next_value_seed(ScalarSeed)?),
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    if !self.known.contains(k.as_ref()) && !self.late.iter().any(|(l, _)| *l == k) {
                        self.late.push((k.into_owned(), 0));
                    }
                }
            }
        }
        Ok(LineRow::Object(values))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LineRow<'de>, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(LineRow::Other("array"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<LineRow<'de>, E> {
        Ok(LineRow::Other("boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<LineRow<'de>, E> {
        Ok(LineRow::Other("number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<LineRow<'de>, E> {
        Ok(LineRow::Other("number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<LineRow<'de>, E> {
        Ok(LineRow::Other("number"))
    }
    fn visit_str<E>(self, _: &str) -> Result<LineRow<'de>, E> {
        Ok(LineRow::Other("string"))
    }
    fn visit_unit<E>(self) -> Result<LineRow<'de>, E> {
        Ok(LineRow::Other("null"))
    }
}

/// An object key, borrowed from the line when it holds no escape.
struct KeyText<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for KeyText<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyText<'de>, E> {
                Ok(KeyText(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V)
    }
}

struct ScalarSeed;

impl<'de> DeserializeSeed<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Scalar<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed {
    type Value = Scalar<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Str(Cow::Owned(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Num(NumText(serde_json::Number::from(v).to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Num(NumText(serde_json::Number::from(v).to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar<'de>, E> {
        Ok(match serde_json::Number::from_f64(v) {
            Some(n) => Scalar::Num(NumText(n.to_string())),
            None => Scalar::Other("number"),
        })
    }
    fn visit_unit<E>(self) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Scalar<'de>, E> {
        Ok(Scalar::Other("boolean"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar<'de>, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other("array"))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Scalar<'de>, A::Error> {
        while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other("object"))
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

#[cfg(test)]
mod late_key_tests {
    use super::*;

    fn ranges(keys: &[&str]) -> NdjsonRanges {
        let available: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        let path = PathBuf::from("late.ndjson");
        let map = ColumnMap::resolve(&path, &available, &BTreeMap::new()).unwrap_or_else(|e| panic!("{e}"));
        NdjsonRanges {
            known: available.iter().cloned().collect(),
            map,
            available,
            overrides: BTreeMap::new(),
            limit: 1 << 20,
            max: 1 << 20,
            whole: false,
            path,
        }
    }

    fn parse(r: &NdjsonRanges, text: &str) -> Result<u64> {
        let range = TextRange {
            manifest: 0,
            bytes: text.as_bytes().to_vec(),
            first_row: 1,
            first_line: 1000,
            rows: 0,
            long_line: false,
            parse: Arc::new(ranges(&["id", "license"])),
        };
        r.parse(&range, 8, &mut |_| {})
    }

    #[test]
    fn a_key_after_the_sample_that_would_be_a_column_is_reported_never_dropped() {
        let r = ranges(&["id", "license"]);
        // A key no field uses changes nothing.
        assert_eq!(parse(&r, "{\"id\":\"1\",\"license\":\"MIT\",\"colour\":\"red\"}\n").ok(), Some(1));
        // `url` would have been read as the item's access location: the run stops, naming it.
        let err = parse(&r, "{\"id\":\"1\",\"license\":\"MIT\"}\n{\"id\":\"2\",\"license\":\"MIT\",\"download_url\":\"https://e.org\"}\n")
            .expect_err("a late url column");
        let text = err.to_string();
        assert!(
            text.contains("line 1001")
                && text.contains("`download_url`")
                && text.contains("--column url=download_url"),
            "{text}"
        );
        // A key that would take a field from the column the sample gave it too (`license` is
        // preferred to `licence`).
        let r = ranges(&["id", "licence"]);
        assert!(parse(&r, "{\"id\":\"1\",\"licence\":\"MIT\",\"license\":\"MIT\"}\n").is_err());
        // When the sample was the whole file there is no later key to miss.
        let mut r = ranges(&["id", "license"]);
        r.whole = true;
        assert!(parse(&r, "{\"id\":\"1\",\"license\":\"MIT\",\"url\":\"https://e.org\"}\n").is_ok());
    }
}
