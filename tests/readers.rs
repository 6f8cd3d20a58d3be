//! Every format reads, columns are found or mapped, and the report does not depend on threads.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, DictionaryArray, Int64Array, types::Int32Type};
use common::*;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};

/// Collection findings (item null) come first; this is the first per-item one.
fn first_item_finding(r: &serde_json::Value) -> &serde_json::Value {
    r["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| !f["item"].is_null()))
        .unwrap_or_else(|| panic!("no item finding in {r}"))
}

fn rows(n: usize, license: impl Fn(usize) -> &'static str) -> arrow_array::RecordBatch {
    let ids: Vec<String> = (0..n).map(|i| format!("item-{i}")).collect();
    let urls: Vec<String> = (0..n).map(|i| format!("https://data.example.org/items/{i}")).collect();
    let lic: Vec<&str> = (0..n).map(license).collect();
    batch(vec![
        ("identifier", Arc::new(arrow_array::StringArray::from(ids)) as ArrayRef),
        ("Licence", Arc::new(arrow_array::StringArray::from(lic)) as ArrayRef),
        ("accessURL", Arc::new(arrow_array::StringArray::from(urls)) as ArrayRef),
    ])
}

#[test]
fn parquet_reads_with_every_common_codec() {
    let dir = tempdir();
    let codecs = [
        ("snappy", Compression::SNAPPY),
        ("zstd", Compression::ZSTD(ZstdLevel::default())),
        ("gzip", Compression::GZIP(GzipLevel::default())),
        ("lz4", Compression::LZ4_RAW),
        ("lz4-hadoop", Compression::LZ4),
        ("none", Compression::UNCOMPRESSED),
    ];
    for (name, codec) in codecs {
        let path = dir.path().join(format!("{name}.parquet"));
        write_parquet(
            &path,
            &[rows(3000, |i| if i % 10 == 0 { "CC0-1.0" } else { "CC-BY-4.0" })],
            codec,
            1000,
        );
        let run = audit_json(&[p(&path)]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        let r = run.json();
        assert_eq!(r["summary"]["items"], 3000, "{name}");
        assert_eq!(r["summary"]["by_license"]["CC0-1.0"], 300, "{name}");
        // Two approved licenses: noted (info), not a question for a reviewer (the DPGA rejects
        // open mixed with proprietary, not a mix of approved licenses; dpg-rules.md section 3).
        assert_eq!(r["verdict"], "pass", "{name}");
        assert_eq!(rule_count(&r, "mixed-licensing"), 1, "{name}");
    }
}

#[test]
fn dictionary_encoded_and_integer_id_columns() {
    let dir = tempdir();
    let path = dir.path().join("dict.parquet");
    let keys: Vec<i32> = (0..1000).map(|i| i % 3).collect();
    let dict = DictionaryArray::<Int32Type>::try_new(
        keys.into(),
        Arc::new(arrow_array::StringArray::from(vec!["CC-BY-4.0", "CC0-1.0", "CC-BY-NC-4.0"])),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ids: ArrayRef = Arc::new(Int64Array::from((0..1000).collect::<Vec<i64>>()));
    let urls: Vec<String> = (0..1000).map(|i| format!("https://example.org/{i}")).collect();
    let b = batch(vec![
        ("id", ids),
        ("license", Arc::new(dict) as ArrayRef),
        ("url", Arc::new(arrow_array::StringArray::from(urls)) as ArrayRef),
    ]);
    write_parquet(&path, &[b], Compression::SNAPPY, 256);
    let r = audit_json(&[p(&path)]).json();
    assert_eq!(r["summary"]["items"], 1000);
    assert_eq!(r["summary"]["by_license"]["CC-BY-NC-4.0"], 333);
    assert_eq!(rule_count(&r, "license-not-approved"), 333);
    // Integer ids are item labels.
    let first = first_item_finding(&r);
    assert_eq!(first["item"], "2");
    assert_eq!(first["row"], 3);
}

#[test]
fn arrow_ipc_file_and_stream() {
    let dir = tempdir();
    let b = rows(500, |i| if i == 7 { "CC-BY-ND-4.0" } else { "CC-BY-4.0" });
    let file_path = dir.path().join("items.arrow");
    {
        let f = std::fs::File::create(&file_path).unwrap_or_else(|e| panic!("{e}"));
        let mut w = arrow_ipc::writer::FileWriter::try_new(f, &b.schema()).unwrap_or_else(|e| panic!("{e}"));
        w.write(&b).unwrap_or_else(|e| panic!("{e}"));
        w.finish().unwrap_or_else(|e| panic!("{e}"));
    }
    let stream_path = dir.path().join("items.arrows");
    {
        let f = std::fs::File::create(&stream_path).unwrap_or_else(|e| panic!("{e}"));
        let mut w =
            arrow_ipc::writer::StreamWriter::try_new(f, &b.schema()).unwrap_or_else(|e| panic!("{e}"));
        w.write(&b).unwrap_or_else(|e| panic!("{e}"));
        w.finish().unwrap_or_else(|e| panic!("{e}"));
    }
    for path in [file_path, stream_path] {
        let run = audit_json(&["--batch-size", "64", p(&path)]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let r = run.json();
        assert_eq!(r["summary"]["items"], 500);
        let first = first_item_finding(&r);
        assert_eq!(first["row"], 8);
        assert_eq!(first["item"], "item-7");
        assert!(first["message"].as_str().unwrap_or("").contains("NoDerivatives"));
    }
}

#[test]
fn json_array_tsv_and_semicolon_csv() {
    let dir = tempdir();
    let array = write(
        dir.path(),
        "a.json",
        r#"[{"key": "x1", "rights": "CC0-1.0", "download_url": "https://example.org/1"},
            {"key": "x2", "rights": "MIT", "download_url": "https://example.org/2"},
            "stray string"]"#,
    );
    let r = audit_json(&[p(&array)]).json();
    assert_eq!(r["summary"]["items"], 3);
    assert_eq!(rule_count(&r, "license-not-approved"), 1);
    assert_eq!(rule_count(&r, "manifest-row-invalid"), 1);

    let tsv = write(
        dir.path(),
        "b.tsv",
        "item_id\tlicense_id\tlanding_page\nt1\tCC-BY-4.0\thttps://example.org/t1\n",
    );
    let run = audit_json(&[p(&tsv)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["by_license"]["CC-BY-4.0"], 1);

    let semi = write(
        dir.path(),
        "c.csv",
        "id;license;url\ns1;CC-BY-4.0;https://example.org/s1\ns2;ODbL-1.0;https://example.org/s2\n",
    );
    let r = audit_json(&[p(&semi)]).json();
    assert_eq!(r["summary"]["by_license"]["ODbL-1.0"], 1);
    assert_eq!(r["verdict"], "pass", "two approved licenses are mixed licensing, noted as info");
}

#[test]
fn openverse_license_and_version_are_one_statement() {
    let dir = tempdir();
    let path = write(
        dir.path(),
        "ov.csv",
        "identifier,license,license_version,foreign_landing_url\n\
         a,by,4.0,https://www.flickr.com/photos/1\n\
         b,by-nc,2.0,https://www.flickr.com/photos/2\n\
         c,cc0,1.0,https://www.flickr.com/photos/3\n",
    );
    let run = audit_json(&["--type", "content", p(&path)]);
    let r = run.json();
    assert_eq!(r["collection"]["type"], "content");
    assert_eq!(r["summary"]["by_license"]["CC-BY-4.0"], 1, "{}", run.stdout);
    assert_eq!(r["summary"]["by_license"]["CC-BY-NC-2.0"], 1);
    assert_eq!(r["summary"]["by_license"]["CC0-1.0"], 1);
    // NonCommercial fails for data and, since the DPGA's 2026 guidance, for content too; the
    // `dpg-2024` profile keeps the older list, where it was acceptable for content.
    assert_eq!(rule_count(&r, "license-not-approved"), 1);
    let older = audit_json(&["--type", "content", "--profile", "dpg-2024", p(&path)]).json();
    assert_eq!(rule_count(&older, "license-not-approved"), 0);
    let data = audit_json(&["--type", "data", p(&path)]).json();
    assert_eq!(rule_count(&data, "license-not-approved"), 1);
}

#[test]
fn column_mapping_from_flag_and_config() {
    let dir = tempdir();
    let path = write(dir.path(), "m.csv", "ref,terms,where\nr1,CC0-1.0,https://example.org/r1\n");
    let run =
        audit_json(&["--column", "license=terms", "--column", "url=where", "--column", "id=ref", p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    write(
        dir.path(),
        "dpg-audit.toml",
        "type = \"data\"\n[columns]\nlicense = \"terms\"\nurl = \"where\"\nid = \"ref\"\n",
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["by_license"]["CC0-1.0"], 1);
}

#[test]
fn a_folder_is_one_collection_in_sorted_order() {
    let dir = tempdir();
    let sub = dir.path().join("part=2");
    std::fs::create_dir(&sub).unwrap_or_else(|e| panic!("{e}"));
    write(&sub, "b.csv", "id,license,url\nshared,CC-BY-NC-4.0,https://example.org/b\n");
    write(
        dir.path(),
        "a.ndjson",
        "{\"id\": \"shared\", \"license\": \"CC-BY-4.0\", \"url\": \"https://example.org/a\"}\n",
    );
    write(dir.path(), "README.md", "not a manifest");
    let r = audit_json(&[p(dir.path())]).json();
    let manifests: Vec<&str> =
        r["collection"]["manifests"].as_array().into_iter().flatten().filter_map(|m| m.as_str()).collect();
    assert_eq!(manifests.len(), 2);
    assert!(manifests[0].ends_with("a.ndjson") && manifests[1].ends_with("b.csv"), "{manifests:?}");
    assert_eq!(r["summary"]["items"], 2);
    // The same id in two manifests of one collection is a duplicate.
    assert_eq!(rule_count(&r, "duplicate-item-id"), 1);
    let dup = r["findings"].as_array().into_iter().flatten().find(|f| f["rule"] == "duplicate-item-id");
    assert!(dup.is_some_and(|f| f["manifest"].as_str().unwrap_or("").ends_with("b.csv")));
}

#[test]
fn without_a_url_column_the_location_is_a_warning() {
    let dir = tempdir();
    let path = write(dir.path(), "m.csv", "id,license\n1,CC0-1.0\n2,CC-BY-4.0\n");
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "warnings alone exit 0: {}", run.stderr);
    let r = run.json();
    assert_eq!(r["verdict"], "review");
    assert_eq!(r["findings"][0]["rule"], "access-location-missing");
    assert_eq!(r["findings"][0]["severity"], "warning");
    assert!(r["findings"][0]["item"].is_null());
    assert_eq!(audit_json(&["--fail-on", "warning", p(&path)]).code, 1);
}

#[test]
fn access_locations_missing_and_invalid() {
    let dir = tempdir();
    let path = write(
        dir.path(),
        "m.csv",
        "id,license,url\n1,CC0-1.0,https://example.org/1\n2,CC0-1.0,\n3,CC0-1.0,ftp://example.org/3\n4,CC0-1.0,http://192.168.1.5/x\n5,CC0-1.0,/local/path\n",
    );
    let r = audit_json(&[p(&path)]).json();
    assert_eq!(rule_count(&r, "access-location-missing"), 1);
    assert_eq!(rule_count(&r, "access-location-invalid"), 3);
    assert_eq!(r["summary"]["items_with_errors"], 4);
    assert_eq!(r["verdict"], "fail");
}

#[test]
fn report_is_identical_whatever_the_threads_and_batches() {
    let dir = tempdir();
    let path = dir.path().join("big.parquet");
    let b = rows(20_000, |i| match i % 97 {
        0 => "CC-BY-NC-4.0",
        1 => "other",
        2 => "CC BY",
        _ => "CC-BY-4.0",
    });
    write_parquet(&path, &[b], Compression::SNAPPY, 1500);
    let one = audit_json(&["--threads", "1", "--max-findings", "50", p(&path)]);
    let four = audit_json(&["--threads", "4", "--batch-size", "333", "--max-findings", "50", p(&path)]);
    assert_eq!(one.stdout, four.stdout);
    let r = one.json();
    let items = r["findings"].as_array().into_iter().flatten().filter(|f| !f["item"].is_null()).count();
    assert_eq!(items, 50, "--max-findings bounds the per-item findings");
    assert_eq!(r["findings_truncated"], true);
    // The kept findings are the first ones, in manifest and row order.
    let rows: Vec<u64> =
        r["findings"].as_array().into_iter().flatten().filter_map(|f| f["row"].as_u64()).collect();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(rows, sorted);
    assert_eq!(rows[0], 1);
}

#[test]
fn json_report_has_exactly_the_contract_keys() {
    let dir = tempdir();
    let path = write(dir.path(), "m.csv", "id,license,url\n1,CC-BY-NC-4.0,https://example.org/1\n");
    let r = audit_json(&[p(&path)]).json();
    let keys: Vec<&str> = r.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
    let mut keys = keys;
    keys.sort();
    assert_eq!(
        keys,
        [
            "collection",
            "findings",
            "findings_truncated",
            "groups",
            "schema_version",
            "summary",
            "tool",
            "verdict"
        ]
    );
    assert_eq!(r["schema_version"], 1);
    let f = r["findings"][0].as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    for k in ["rule", "severity", "item", "manifest", "row", "message", "value"] {
        assert!(f.iter().any(|x| x == k), "finding lacks {k}");
    }
    assert_eq!(r["findings"][0]["message"], "CC-BY-NC-4.0 is not acceptable for open data: NonCommercial");
}

#[test]
fn license_url_is_normalized_and_compared_and_deprecated_ids_are_info() {
    let dir = tempdir();
    let path = write(
        dir.path(),
        "m.csv",
        "id,license,license_url,url\n\
         1,CC-BY-4.0,https://creativecommons.org/licenses/by/4.0/,https://example.org/1\n\
         2,CC-BY-4.0,https://creativecommons.org/licenses/by-nc/4.0/legalcode,https://example.org/2\n\
         3,cc-by-4.0,,https://example.org/3\n",
    );
    let run = audit_json(&["--type", "content", p(&path)]);
    let r = run.json();
    assert_eq!(rule_count(&r, "license-url-mismatch"), 1, "{}", run.stdout);
    let f = first_item_finding(&r);
    assert_eq!(f["rule"], "license-url-mismatch");
    assert_eq!(f["row"], 2);
    assert!(f["message"].as_str().unwrap_or("").contains("CC-BY-NC-4.0"));
    // A case variant of an SPDX id is the same license, not a finding.
    assert_eq!(r["summary"]["by_license"]["CC-BY-4.0"], 3);

    let gpl = write(dir.path(), "s.csv", "id,license,url\n1,GPL-2.0,https://example.org/1\n");
    let r = audit_json(&["--type", "software", p(&gpl)]).json();
    assert_eq!(rule_count(&r, "license-deprecated-id"), 1);
    assert_eq!(r["summary"]["by_license"]["GPL-2.0-only"], 1);
    // Info findings alone do not change the verdict.
    assert_eq!(r["verdict"], "pass");
}

/// Parquet license and access columns are read as dictionaries and judged per dictionary value,
/// with slots kept while batches share a row group's dictionary. With more distinct values than
/// the per-worker cache holds (it starts over between batches), the verdicts, and every finding
/// row by row, must still be those of the same rows read from CSV, where no dictionary is used.
#[test]
fn dictionary_judging_matches_plain_text_past_the_cache_cap() {
    let dir = tempdir();
    let n = 280_000usize;
    let license: Vec<String> = (0..n)
        .map(|i| match i % 4 {
            0 => "CC-BY-4.0".to_string(),
            1 => "CC BY-NC 4.0".to_string(),
            2 => format!("custom terms {}", i / 4),
            _ => String::new(),
        })
        .collect();
    let access: Vec<Option<&str>> =
        (0..n).map(|i| [None, Some("public"), Some("members only"), Some("login")][i % 4]).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("id-{i}")).collect();
    let b = batch(vec![
        ("id", Arc::new(arrow_array::StringArray::from_iter_values(&ids)) as ArrayRef),
        ("license", Arc::new(arrow_array::StringArray::from_iter_values(&license)) as ArrayRef),
        ("access", Arc::new(arrow_array::StringArray::from(access.clone())) as ArrayRef),
    ]);
    let parquet = dir.path().join("items.parquet");
    write_parquet(&parquet, &[b], Compression::SNAPPY, 50_000);
    let mut csv = String::from("id,license,access\n");
    for i in 0..n {
        csv.push_str(&format!("{},{},{}\n", ids[i], license[i], access[i].unwrap_or("")));
    }
    let csv = write(dir.path(), "items.csv", csv);
    let summary = |path: &std::path::Path| {
        let findings = path.with_extension("findings.ndjson");
        let run = audit_json(&[p(path), "-j", "2", "--max-findings", "0", "--findings", p(&findings)]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let r = run.json();
        // Each finding without where it was read from (file name, CSV line).
        let text = std::fs::read_to_string(&findings).unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<String> = text
            .lines()
            .map(|l| {
                let f: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"));
                format!("{} {} {} {} {}", f["rule"], f["item"], f["row"], f["message"], f["value"])
            })
            .collect();
        (
            r["summary"]["by_rule"].clone(),
            r["summary"]["by_license"].clone(),
            r["summary"]["items_with_errors"].clone(),
            rows,
        )
    };
    let from_parquet = summary(&parquet);
    let from_csv = summary(&csv);
    assert_eq!(from_parquet.3.len(), from_csv.3.len());
    if let Some(i) = (0..from_csv.3.len()).find(|&i| from_parquet.3[i] != from_csv.3[i]) {
        panic!("finding {i}: {} from Parquet, {} from CSV", from_parquet.3[i], from_csv.3[i]);
    }
    assert_eq!(from_parquet, from_csv);
    assert_eq!(from_parquet.0["license-unrecognized"].as_u64(), Some(70_000), "{:?}", from_parquet.0);
    assert_eq!(from_parquet.0["license-not-approved"].as_u64(), Some(70_000));
    assert_eq!(from_parquet.0["license-missing"].as_u64(), Some(70_000));
}
