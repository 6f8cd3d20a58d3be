//! One wording for TOML mistakes in every file the user or the project writes (the collection
//! config, profiles, rule docs): the key at fault, its line and column, and toml's message.

/// A toml error as `key `name` (line L, column C): message`. toml points a type error at the
/// value (possibly lines below its key, inside an array or a multi-line string), an unknown or
/// duplicate key at the key itself, and a missing key at offset 0; each gets the key it is about.
pub(crate) fn describe(text: &str, err: &toml::de::Error) -> String {
    let msg = err.message().trim().replace('\n', " ");
    if let Some(field) = msg.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
        return format!("key `{field}` is missing");
    }
    let Some(span) = err.span() else { return msg };
    let start = span.start.min(text.len());
    let before = text.get(..start).unwrap_or(text);
    let line_no = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(1, |s| s.chars().count() + 1);
    match key_at(text, start) {
        Some(key) => format!("key `{key}` (line {line_no}, column {col}): {msg}"),
        None => format!("line {line_no}, column {col}: {msg}"),
    }
}

/// The key whose `key = value` holds byte offset `pos`: the last key line starting at or before
/// it, skipping lines inside multi-line strings; qualified by its `[table]` header if any.
fn key_at(text: &str, pos: usize) -> Option<String> {
    let mut table: Option<&str> = None;
    let mut key: Option<(Option<&str>, &str)> = None;
    let mut open_string: Option<&str> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > pos {
            break;
        }
        offset += line.len();
        if let Some(delim) = open_string {
            if line.matches(delim).count() % 2 == 1 {
                open_string = None;
            }
            continue;
        }
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[').and_then(|t| t.split(']').next()) {
            table = Some(header.trim_matches(['[', ' ']));
            key = None;
            continue;
        }
        let Some((name, value)) = trimmed.split_once('=') else { continue };
        let name = name.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            continue;
        }
        key = Some((table, name));
        open_string = ["\"\"\"", "'''"]
            .into_iter()
            .filter_map(|d| value.find(d).map(|i| (i, d)))
            .min()
            .filter(|&(_, d)| value.matches(d).count() % 2 == 1)
            .map(|(_, d)| d);
    }
    key.map(|(table, name)| match table {
        Some(t) if !t.is_empty() => format!("{t}.{name}"),
        _ => name.to_string(),
    })
}
