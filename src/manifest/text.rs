//! A read-only text view over the Arrow string layouts readers hand us, so the evaluator reads
//! `&str` straight out of Arrow buffers (no per-row allocation) whatever the file's layout.

use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowDictionaryKeyType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use arrow_array::{Array, ArrayRef, DictionaryArray, StringArray};
use arrow_buffer::ArrowNativeType;
use arrow_schema::DataType;

use super::Field;
use crate::error::{Error, Result};

/// Text column in one of the layouts Arrow uses for strings.
#[derive(Debug, Clone, Copy)]
pub enum TextColumn<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    /// Dictionary-encoded: `keys[i]` indexes `values`. Evaluators can work per distinct value.
    Dict {
        keys: DictKeys<'a>,
        values: &'a StringArray,
    },
}

/// Dictionary keys, widened on read.
#[derive(Debug, Clone, Copy)]
pub enum DictKeys<'a> {
    I8(&'a DictionaryArray<Int8Type>),
    I16(&'a DictionaryArray<Int16Type>),
    I32(&'a DictionaryArray<Int32Type>),
    I64(&'a DictionaryArray<Int64Type>),
    U8(&'a DictionaryArray<UInt8Type>),
    U16(&'a DictionaryArray<UInt16Type>),
    U32(&'a DictionaryArray<UInt32Type>),
    U64(&'a DictionaryArray<UInt64Type>),
}

macro_rules! key_at {
    ($d:expr, $i:expr) => {{
        let d = $d;
        if d.is_null($i) { None } else { usize::try_from(d.keys().value($i)).ok() }
    }};
}

/// `out` gets, per row, `map[key + 1]` (`map[0]` for a null row), or `missing` for a key with no
/// entry in `map` (negative, or past it).
fn map_keys<K: ArrowDictionaryKeyType>(
    d: &DictionaryArray<K>,
    map: &[u32],
    missing: u32,
    out: &mut Vec<u32>,
) {
    let at = |k: K::Native| k.to_usize().and_then(|k| map.get(k + 1)).copied().unwrap_or(missing);
    let keys = d.keys().values();
    if d.null_count() == 0 {
        out.extend(keys.iter().map(|&k| at(k)));
    } else {
        let null = map.first().copied().unwrap_or(missing);
        out.extend(keys.iter().enumerate().map(|(i, &k)| if d.is_null(i) { null } else { at(k) }));
    }
}

impl DictKeys<'_> {
    /// Every row's entry in `map`, which is indexed by dictionary key + 1 (0 for a null row):
    /// one pass over the keys, with no per-row dispatch on the key type. See [`map_keys`].
    pub fn map_into(&self, map: &[u32], missing: u32, out: &mut Vec<u32>) {
        match self {
            DictKeys::I8(d) => map_keys(d, map, missing, out),
            DictKeys::I16(d) => map_keys(d, map, missing, out),
            DictKeys::I32(d) => map_keys(d, map, missing, out),
            DictKeys::I64(d) => map_keys(d, map, missing, out),
            DictKeys::U8(d) => map_keys(d, map, missing, out),
            DictKeys::U16(d) => map_keys(d, map, missing, out),
            DictKeys::U32(d) => map_keys(d, map, missing, out),
            DictKeys::U64(d) => map_keys(d, map, missing, out),
        }
    }

    /// The dictionary index of row `i` (None for a null row).
    #[inline(always)]
    pub fn key(&self, i: usize) -> Option<usize> {
        match self {
            DictKeys::I8(d) => key_at!(d, i),
            DictKeys::I16(d) => key_at!(d, i),
            DictKeys::I32(d) => key_at!(d, i),
            DictKeys::I64(d) => key_at!(d, i),
            DictKeys::U8(d) => key_at!(d, i),
            DictKeys::U16(d) => key_at!(d, i),
            DictKeys::U32(d) => key_at!(d, i),
            DictKeys::U64(d) => key_at!(d, i),
        }
    }
}

impl<'a> TextColumn<'a> {
    /// A view over `array` if it holds text in a layout we read; `None` otherwise.
    pub fn new(array: &'a dyn Array) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Utf8 => TextColumn::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => TextColumn::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => TextColumn::View(array.as_string_view()),
            DataType::Dictionary(key, value) if **value == DataType::Utf8 => {
                let keys = match **key {
                    DataType::Int8 => DictKeys::I8(array.as_dictionary()),
                    DataType::Int16 => DictKeys::I16(array.as_dictionary()),
                    DataType::Int32 => DictKeys::I32(array.as_dictionary()),
                    DataType::Int64 => DictKeys::I64(array.as_dictionary()),
                    DataType::UInt8 => DictKeys::U8(array.as_dictionary()),
                    DataType::UInt16 => DictKeys::U16(array.as_dictionary()),
                    DataType::UInt32 => DictKeys::U32(array.as_dictionary()),
                    DataType::UInt64 => DictKeys::U64(array.as_dictionary()),
                    _ => return None,
                };
                let values = match keys {
                    DictKeys::I8(d) => d.values(),
                    DictKeys::I16(d) => d.values(),
                    DictKeys::I32(d) => d.values(),
                    DictKeys::I64(d) => d.values(),
                    DictKeys::U8(d) => d.values(),
                    DictKeys::U16(d) => d.values(),
                    DictKeys::U32(d) => d.values(),
                    DictKeys::U64(d) => d.values(),
                };
                TextColumn::Dict { keys, values: values.as_string_opt::<i32>()? }
            }
            _ => return None,
        })
    }

    /// The value at row `i`; `None` for null (and for an out-of-range dictionary key).
    /// For a dictionary column: its keys and values, so a caller can work per distinct value.
    pub fn dictionary(&self) -> Option<(DictKeys<'a>, &'a StringArray)> {
        match self {
            TextColumn::Dict { keys, values } => Some((*keys, values)),
            _ => None,
        }
    }

    /// The bytes every value of a plain string column is a slice of (perhaps with bytes of no
    /// row, for a sliced array): for checks that hold for all values at once.
    pub fn value_bytes(&self) -> Option<&'a [u8]> {
        match self {
            TextColumn::Utf8(a) => Some(a.values().as_slice()),
            TextColumn::LargeUtf8(a) => Some(a.values().as_slice()),
            TextColumn::View(_) | TextColumn::Dict { .. } => None,
        }
    }

    #[inline(always)]
    pub fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            TextColumn::Utf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            TextColumn::LargeUtf8(a) => (!a.is_null(i)).then(|| a.value(i)),
            TextColumn::View(a) => (!a.is_null(i)).then(|| a.value(i)),
            TextColumn::Dict { keys, values } => {
                let k = keys.key(i)?;
                (k < values.len() && !values.is_null(k)).then(|| values.value(k))
            }
        }
    }
}

/// Brings a column read from a typed file (Parquet, IPC) into a text layout, or explains why it
/// cannot be. Integer ids are common and are turned into text; any other non-text type for a
/// field is a file-level error naming the column and its type.
pub fn to_text_array(path: &Path, field: Field, column: &str, array: &ArrayRef) -> Result<ArrayRef> {
    if TextColumn::new(array.as_ref()).is_some() {
        return Ok(array.clone());
    }
    // A dictionary of large strings or string views (Polars' categoricals, Arrow data from other
    // engines): only its distinct values are rewritten as plain strings, the keys stay.
    if let Some(dict) = array.as_any_dictionary_opt()
        && let Some(values) = TextColumn::new(dict.values().as_ref())
        && !matches!(dict.values().data_type(), DataType::Dictionary(..))
        && dict.values().get_buffer_memory_size() < i32::MAX as usize
    {
        let plain: StringArray = (0..dict.values().len()).map(|i| values.get(i)).collect();
        let rebuilt = dict.with_values(Arc::new(plain));
        if TextColumn::new(rebuilt.as_ref()).is_some() {
            return Ok(rebuilt);
        }
    }
    if field == Field::Id || field == Field::LicenseVersion {
        if let Some(text) = integer_to_text(array.as_ref()) {
            return Ok(Arc::new(text));
        }
        if field == Field::LicenseVersion
            && let Some(a) = array.as_primitive_opt::<arrow_array::types::Float64Type>()
        {
            return Ok(Arc::new(a.iter().map(|v| v.map(|v| format!("{v:.1}"))).collect::<StringArray>()));
        }
    }
    Err(Error::input(
        path,
        format!(
            "column `{column}` (field `{}`) has type {}; expected text (a string column)",
            field.name(),
            array.data_type()
        ),
    ))
}

fn integer_to_text(array: &dyn Array) -> Option<StringArray> {
    macro_rules! ints {
        ($($t:ty),*) => {$(
            if let Some(a) = array.as_primitive_opt::<$t>() {
                return Some(a.iter().map(|v| v.map(|v| v.to_string())).collect());
            }
        )*};
    }
    ints!(Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type);
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::types::UInt32Type;
    use arrow_array::{LargeStringArray, StringViewArray};

    #[test]
    fn dictionaries_of_large_strings_and_views_are_text() {
        let keys = arrow_array::UInt32Array::from(vec![Some(1), None, Some(0), Some(1)]);
        let values: [ArrayRef; 2] = [
            Arc::new(LargeStringArray::from(vec!["CC-BY-4.0", "MIT"])),
            Arc::new(StringViewArray::from(vec!["CC-BY-4.0", "MIT"])),
        ];
        for v in values {
            let dict: ArrayRef = Arc::new(
                DictionaryArray::<UInt32Type>::try_new(keys.clone(), v).unwrap_or_else(|e| panic!("{e}")),
            );
            let text = to_text_array(Path::new("t"), Field::License, "license", &dict)
                .unwrap_or_else(|e| panic!("{e}"));
            let col = TextColumn::new(text.as_ref()).expect("text");
            let got: Vec<Option<&str>> = (0..4).map(|i| col.get(i)).collect();
            assert_eq!(got, [Some("MIT"), None, Some("CC-BY-4.0"), Some("MIT")]);
        }
        // A dictionary of numbers is still no text.
        let numbers: ArrayRef = Arc::new(
            DictionaryArray::<UInt32Type>::try_new(keys, Arc::new(arrow_array::Int64Array::from(vec![1, 2])))
                .unwrap_or_else(|e| panic!("{e}")),
        );
        assert!(to_text_array(Path::new("t"), Field::License, "license", &numbers).is_err());
    }
}
