//! Bad input: file-level problems exit 2 naming the file; row-level problems become
//! `manifest-row-invalid` findings with their row, and the rest of the file is still audited.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array};
use common::*;
use parquet::basic::Compression;

fn assert_input_error(run: &Run, file: &str, words: &[&str]) {
    assert_eq!(run.code, 2, "exit code; stderr: {}", run.stderr);
    assert!(run.stderr.contains(file), "stderr should name {file}: {}", run.stderr);
    for w in words {
        assert!(run.stderr.contains(w), "stderr should say `{w}`: {}", run.stderr);
    }
    assert!(run.stdout.is_empty(), "no report on an input error: {}", run.stdout);
}

#[test]
fn nonexistent_path() {
    let run = audit_json(&["no/such/manifest.parquet"]);
    assert_input_error(&run, "no/such/manifest.parquet", &["no such file"]);
}

#[test]
fn empty_file() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", "");
    assert_input_error(&audit_json(&[p(&path)]), "items.csv", &["empty file"]);
}

#[test]
fn parquet_name_but_not_parquet() {
    let dir = tempdir();
    let path = write(dir.path(), "items.parquet", "id,license\n1,CC-BY-4.0\n");
    assert_input_error(&audit_json(&[p(&path)]), "items.parquet", &["not a Parquet file"]);
}

#[test]
fn truncated_parquet() {
    let dir = tempdir();
    let path = dir.path().join("items.parquet");
    let b = batch(vec![
        ("id", strings(&[Some("a"), Some("b")])),
        ("license", strings(&[Some("CC-BY-4.0"), Some("CC0-1.0")])),
    ]);
    write_parquet(&path, &[b], Compression::SNAPPY, 1024);
    let bytes = std::fs::read(&path).unwrap_or_default();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap_or_else(|e| panic!("{e}"));
    let run = audit_json(&[p(&path)]);
    assert_input_error(&run, "items.parquet", &["Parquet"]);
}

#[test]
fn csv_with_ragged_rows_and_invalid_utf8() {
    let dir = tempdir();
    let mut bytes = b"id,license,url\n".to_vec();
    bytes.extend_from_slice(b"a,CC-BY-4.0,https://example.org/a\n");
    bytes.extend_from_slice(b"b,CC-BY-4.0\n"); // row 2: ragged
    bytes.extend_from_slice(b"c,CC-BY-\xff4.0,https://example.org/c\n"); // row 3: invalid UTF-8
    bytes.extend_from_slice(b"d,CC-BY-4.0,https://example.org/d,extra\n"); // row 4: ragged
    bytes.extend_from_slice(b"e,CC-BY-4.0,https://example.org/e\n");
    let path = write(dir.path(), "items.csv", bytes);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["summary"]["items"], 5, "every row read is counted");
    assert_eq!(rule_count(&r, "manifest-row-invalid"), 3);
    let rows: Vec<(u64, String)> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "manifest-row-invalid")
        .map(|f| (f["row"].as_u64().unwrap_or(0), f["message"].as_str().unwrap_or("").to_string()))
        .collect();
    assert_eq!(rows.iter().map(|(r, _)| *r).collect::<Vec<_>>(), vec![2, 3, 4]);
    assert!(rows[1].1.contains("license") && rows[1].1.contains("UTF-8"), "{rows:?}");
    // The good rows were audited: two CC-BY-4.0 items counted.
    assert_eq!(r["summary"]["by_license"]["CC-BY-4.0"], 2);
}

#[test]
fn ndjson_with_one_malformed_line() {
    let dir = tempdir();
    let text = concat!(
        "{\"id\": \"a\", \"license\": \"CC-BY-4.0\", \"url\": \"https://example.org/a\"}\n",
        "{\"id\": \"b\", \"license\": \"CC-BY-4.0\", \"url\": \"https://example.org/b\"}\n",
        "{\"id\": \"c\", \"license\": \"CC-BY-4.0\", \"url\": \n",
        "\n",
        "{\"id\": \"d\", \"license\": \"CC-BY-4.0\", \"url\": \"https://example.org/d\"}\n",
    );
    let path = write(dir.path(), "items.ndjson", text);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["summary"]["items"], 4);
    assert_eq!(rule_count(&r, "manifest-row-invalid"), 1);
    let f = &r["findings"][0];
    assert_eq!(f["rule"], "manifest-row-invalid");
    assert_eq!(f["row"], 3);
    assert_eq!(r["summary"]["by_license"]["CC-BY-4.0"], 3);
}

#[test]
fn manifest_without_a_license_column() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", "id,title,url\n1,x,https://example.org/1\n");
    let run = audit_json(&[p(&path)]);
    assert_input_error(
        &run,
        "items.csv",
        &["no license column", "`id`, `title`, `url`", "licence", "license_id"],
    );
}

#[test]
fn mapped_column_that_does_not_exist() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", "id,lic\n1,CC0-1.0\n");
    let run = audit_json(&["--column", "license=rights_statement", p(&path)]);
    assert_input_error(&run, "items.csv", &["rights_statement", "`lic`"]);
}

#[test]
fn parquet_license_column_of_integer_type() {
    let dir = tempdir();
    let path = dir.path().join("items.parquet");
    let licenses: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
    let b = batch(vec![("id", strings(&[Some("a"), Some("b"), Some("c")])), ("license", licenses)]);
    write_parquet(&path, &[b], Compression::ZSTD(Default::default()), 1024);
    let run = audit_json(&[p(&path)]);
    assert_input_error(&run, "items.parquet", &["`license`", "Int64", "expected text"]);
}

#[test]
fn ndjson_license_of_wrong_type_is_a_row_finding() {
    let dir = tempdir();
    let text = "{\"id\": 1, \"license\": 7, \"url\": \"https://example.org/1\"}\n{\"id\": 2, \"license\": \"CC0-1.0\", \"url\": \"https://example.org/2\"}\n";
    let path = write(dir.path(), "items.jsonl", text);
    let run = audit_json(&[p(&path)]);
    let r = run.json();
    assert_eq!(r["summary"]["items"], 2);
    assert_eq!(rule_count(&r, "manifest-row-invalid"), 1);
    assert_eq!(r["findings"][0]["row"], 1);
    assert!(r["findings"][0]["message"].as_str().unwrap_or("").contains("number"));
    assert_eq!(r["summary"]["by_license"]["CC0-1.0"], 1);
}

#[test]
fn one_megabyte_license_string() {
    let dir = tempdir();
    let huge = "Attribution ".repeat(90_000);
    let text =
        format!("id,license,url\n1,\"{huge}\",https://example.org/1\n2,CC0-1.0,https://example.org/2\n");
    let path = write(dir.path(), "items.csv", text);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["summary"]["items"], 2);
    let f = &r["findings"][0];
    assert_eq!(f["row"], 1);
    assert!(f["rule"].as_str().unwrap_or("").starts_with("license-"), "{f}");
    // Untrusted text is shortened in reports, never copied whole.
    assert!(f["value"].as_str().unwrap_or("").chars().count() <= 130);
    assert!(run.stdout.len() < 20_000, "report size {}", run.stdout.len());
}

#[test]
fn folder_with_no_manifests() {
    let dir = tempdir();
    write(dir.path(), "notes.txt", "nothing here");
    let run = audit_json(&[p(dir.path())]);
    assert_input_error(&run, p(dir.path()), &["no manifest files"]);
}

#[test]
fn header_only_csv_has_no_items() {
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", "id,license,url\n");
    assert_input_error(&audit_json(&[p(&path)]), "items.csv", &["no items"]);
}

#[test]
fn json_that_is_neither_lines_nor_an_array() {
    let dir = tempdir();
    let path = write(dir.path(), "items.json", "{\n  \"license\": \"CC0-1.0\"\n}\n");
    assert_input_error(&audit_json(&[p(&path)]), "items.json", &["not JSON Lines"]);
}

#[test]
fn json_array_with_a_syntax_error() {
    let dir = tempdir();
    let path = write(dir.path(), "items.json", "[{\"license\": \"CC0-1.0\"}, {\"license\": ]");
    assert_input_error(&audit_json(&[p(&path)]), "items.json", &["invalid JSON", "line 1"]);
}

#[test]
fn config_with_an_unknown_key() {
    let dir = tempdir();
    write(dir.path(), "dpg-audit.toml", "name = \"x\"\nhome_ulr = \"https://example.org\"\n");
    let path = write(dir.path(), "items.csv", "id,license\n1,CC0-1.0\n");
    let run = audit_json(&[p(&path)]);
    assert_input_error(&run, "dpg-audit.toml", &["home_ulr", "line 2"]);
}

#[test]
fn config_with_a_wrong_type() {
    let dir = tempdir();
    write(dir.path(), "dpg-audit.toml", "type = \"dataset\"\n");
    let path = write(dir.path(), "items.csv", "id,license\n1,CC0-1.0\n");
    let run = audit_json(&[p(&path)]);
    assert_input_error(&run, "dpg-audit.toml", &["dataset", "line 1"]);
    write(dir.path(), "dpg-audit.toml", "mirrors = \"https://example.org\"\n");
    assert_input_error(&audit_json(&[p(&path)]), "dpg-audit.toml", &["mirrors"]);
    write(dir.path(), "dpg-audit.toml", "[columns]\nlicence = \"x\"\n");
    assert_input_error(&audit_json(&[p(&path)]), "dpg-audit.toml", &["licence", "[columns]"]);
}

#[test]
fn bad_usage_exits_2() {
    let run = dpg_audit(&["audit", "--column", "licence=x", "items.csv"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown field `licence`"), "{}", run.stderr);
    assert_eq!(dpg_audit(&["audit"]).code, 2);
}
