//! Limits on metadata the parsers are handed (README, "Limits"): checked with cheap scans
//! before a parser sees the bytes, because the parsers themselves recurse (stack overflow), are
//! quadratic in nesting (YAML flow collections), or expand entities without bound (RDF/XML).
//! Each refusal is an input error naming the limit.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Deepest nesting of JSON arrays/objects and YAML flow collections accepted (serde_json's own
/// default, so a JSON-LD file that serde_json reads is never refused here).
pub const MAX_NESTING: usize = 128;

/// Most bytes RDF/XML internal entities may expand to, in all (16 MiB): an OWL file's `&xsd;`
/// shorthands use a few KB; a "billion laughs" document asks for gigabytes.
pub const MAX_ENTITY_EXPANSION: u64 = 16 << 20;

/// Default of `--max-metadata-bytes`: the largest metadata file read whole into memory
/// (256 MiB). CKAN dumps stream and are not bound by it.
pub const DEFAULT_MAX_METADATA_BYTES: u64 = 256 << 20;

static MAX_METADATA_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_METADATA_BYTES);

/// Default of `--findings-buffer-bytes`: the most bytes of encoded findings the findings writer
/// holds for units (row groups, batches) that finished before their turn (256 MiB).
pub const DEFAULT_FINDINGS_BUFFER_BYTES: u64 = 256 << 20;

static FINDINGS_BUFFER_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_FINDINGS_BUFFER_BYTES);

/// Sets the findings writer's budget for the process (`--findings-buffer-bytes`).
pub fn set_findings_buffer_bytes(bytes: u64) {
    FINDINGS_BUFFER_BYTES.store(bytes.max(1), Ordering::Relaxed);
}

pub fn findings_buffer_bytes() -> usize {
    usize::try_from(FINDINGS_BUFFER_BYTES.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
}

/// Sets the metadata size limit for the process (the CLI's `--max-metadata-bytes`).
pub fn set_max_metadata_bytes(bytes: u64) {
    MAX_METADATA_BYTES.store(bytes.max(1), Ordering::Relaxed);
}

pub fn max_metadata_bytes() -> u64 {
    MAX_METADATA_BYTES.load(Ordering::Relaxed)
}

/// Reads a metadata file whole, refusing one larger than the limit before reading it (and one
/// that grows past it while being read).
pub fn read_metadata(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let max = max_metadata_bytes();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let too_large = || {
        Error::input(
            path,
            format!("larger than {max} bytes, the most metadata read into memory (--max-metadata-bytes)"),
        )
    };
    if file.metadata().map(|m| m.len()).unwrap_or(0) > max {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| Error::io(path, &e))?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Checks that no JSON array or object is nested deeper than [`MAX_NESTING`] (strings are
/// skipped, escapes included).
pub fn check_json_nesting(path: &Path, bytes: &[u8]) -> Result<()> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(nesting_error(path, "JSON"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Checks YAML flow collections (`[`, `{`) for nesting deeper than [`MAX_NESTING`]. Quoted
/// scalars and comments are skipped; a bracket inside a plain scalar may be counted, which can
/// only make the check stricter on text nobody nests 128 deep.
pub fn check_yaml_nesting(path: &Path, text: &str) -> Result<()> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut comment = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if comment {
            comment = b != b'\n';
        } else if let Some(q) = quote {
            if q == b'"' && b == b'\\' {
                i += 1;
            } else if b == q {
                quote = None;
            }
        } else {
            match b {
                b'"' | b'\'' => quote = Some(b),
                b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => comment = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(nesting_error(path, "YAML"));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    Ok(())
}

fn nesting_error(path: &Path, what: &str) -> Error {
    Error::input(path, format!("{what} nested deeper than {MAX_NESTING} levels; refused before parsing"))
}

/// Checks the internal entities an XML document's DTD declares: parameter entities are
/// refused, and the text that the document's entity references would expand to, counted
/// through entities that reference others, must stay under [`MAX_ENTITY_EXPANSION`].
pub fn check_xml_entities(path: &Path, bytes: &[u8]) -> Result<()> {
    let text = String::from_utf8_lossy(bytes);
    let Some(start) = text.find("<!DOCTYPE") else { return Ok(()) };
    let refuse = |why: String| Err(Error::input(path, format!("XML DTD refused: {why}")));
    let mut entities: Vec<(String, String)> = Vec::new();
    let mut rest = &text[start..];
    while let Some(at) = rest.find("<!ENTITY") {
        rest = rest[at + "<!ENTITY".len()..].trim_start();
        if rest.starts_with('%') {
            return refuse("parameter entities are not supported".into());
        }
        let name_end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
        let name = rest[..name_end].to_string();
        rest = rest[name_end..].trim_start();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &rest[1..];
                let end = body
                    .find(q)
                    .ok_or_else(|| Error::input(path, "XML DTD: an entity value is never closed"))?;
                let v = body[..end].to_string();
                rest = &body[end..];
                v
            }
            // External (SYSTEM/PUBLIC) entities are not loaded by the parsers: nothing expands.
            _ => String::new(),
        };
        entities.push((name, value));
    }
    if entities.is_empty() {
        return Ok(());
    }
    // Expanded size of each entity, innermost first; a cycle or an oversize one is refused.
    let mut sizes: Vec<Option<u64>> = vec![None; entities.len()];
    fn size_of(
        i: usize,
        entities: &[(String, String)],
        sizes: &mut Vec<Option<u64>>,
        stack: &mut Vec<usize>,
    ) -> Option<u64> {
        if let Some(s) = sizes[i] {
            return Some(s);
        }
        if stack.contains(&i) {
            return None;
        }
        stack.push(i);
        let value = &entities[i].1;
        let mut total = value.len() as u64;
        for (name, count) in references(value, entities) {
            let j = entities.iter().position(|(n, _)| *n == name)?;
            let s = size_of(j, entities, sizes, stack)?;
            total = total.saturating_add(s.saturating_mul(count));
            if total > MAX_ENTITY_EXPANSION {
                return None;
            }
        }
        stack.pop();
        sizes[i] = Some(total);
        Some(total)
    }
    let mut total: u64 = 0;
    for (name, count) in references(&text, &entities) {
        let Some(j) = entities.iter().position(|(n, _)| *n == name) else { continue };
        let Some(s) = size_of(j, &entities, &mut sizes, &mut Vec::new()) else {
            return refuse(format!(
                "entity `{name}` expands past {MAX_ENTITY_EXPANSION} bytes or refers to itself"
            ));
        };
        total = total.saturating_add(s.saturating_mul(count));
        if total > MAX_ENTITY_EXPANSION {
            return refuse(format!("its entities expand past {MAX_ENTITY_EXPANSION} bytes"));
        }
    }
    Ok(())
}

/// How often each declared entity is referenced (`&name;`) in `text`.
fn references(text: &str, entities: &[(String, String)]) -> Vec<(String, u64)> {
    let mut counts: Vec<(String, u64)> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        rest = &rest[at + 1..];
        let Some(end) = rest.find(';') else { break };
        let name = &rest[..end];
        if name.len() <= 256 && entities.iter().any(|(n, _)| n == name) {
            match counts.iter_mut().find(|(n, _)| n == name) {
                Some((_, c)) => *c += 1,
                None => counts.push((name.to_string(), 1)),
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("x")
    }

    #[test]
    fn json_nesting() {
        let deep = "[".repeat(MAX_NESTING + 1);
        assert!(check_json_nesting(p(), deep.as_bytes()).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_NESTING), "]".repeat(MAX_NESTING));
        assert!(check_json_nesting(p(), ok.as_bytes()).is_ok());
        // Brackets inside strings are text.
        let s = format!("[\"{}\\\"\"]", "[".repeat(1000));
        assert!(check_json_nesting(p(), s.as_bytes()).is_ok());
    }

    #[test]
    fn yaml_nesting() {
        assert!(check_yaml_nesting(p(), &"{a: ".repeat(100_000)).is_err());
        assert!(check_yaml_nesting(p(), "license: '[[[[[['\ntags: [a, b] # {{{{\n").is_ok());
    }

    #[test]
    fn entity_expansion() {
        let mut laughs = String::from("<!DOCTYPE r [<!ENTITY l0 \"lol\">");
        for i in 1..10 {
            laughs.push_str(&format!("<!ENTITY l{i} \"{}\">", format!("&l{};", i - 1).repeat(10)));
        }
        laughs.push_str("]><r>&l9;</r>");
        assert!(check_xml_entities(p(), laughs.as_bytes()).is_err());
        let owl = format!(
            "<!DOCTYPE rdf:RDF [<!ENTITY xsd \"http://www.w3.org/2001/XMLSchema#\">]><rdf:RDF>{}</rdf:RDF>",
            "<x rdf:datatype=\"&xsd;string\"/>".repeat(100)
        );
        assert!(check_xml_entities(p(), owl.as_bytes()).is_ok());
        let cycle = "<!DOCTYPE r [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]><r>&a;</r>";
        assert!(check_xml_entities(p(), cycle.as_bytes()).is_err());
    }
}
