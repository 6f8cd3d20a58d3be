//! Remote manifests (a Parquet file read by HTTP ranges, a CSV streamed) and `--check-urls`,
//! against the tests' own server on 127.0.0.1 (tests/common/http_server.rs): no test reaches
//! the network.

mod common;

use std::sync::Arc;

use arrow_array::{ArrayRef, StringArray};
use common::http_server::{HttpServer, Route};
use common::{Rng, audit_json, batch, p, rule_count, tempdir, write, write_parquet};
use parquet::basic::Compression;

/// A manifest of `rows` items shaped like a portal export: the columns the audit maps (id,
/// license, url, access) and two it does not read (a description and a checksum), which hold
/// most of the bytes, as free text does in real exports.
fn manifest(path: &std::path::Path, rows: usize) {
    let mut rng = Rng(7);
    let licenses = ["CC-BY-4.0", "CC-BY-4.0", "CC0-1.0", "cc by-nc 4.0", "unknown"];
    let words = ["river", "survey", "station", "annual", "count", "soil", "sample", "map", "grid", "report"];
    let mut batches = Vec::new();
    let per = 50_000;
    for start in (0..rows).step_by(per) {
        let n = per.min(rows - start);
        let id: Vec<String> = (start..start + n).map(|i| format!("item-{i:08}")).collect();
        let license: Vec<&str> = (0..n).map(|_| licenses[rng.below(licenses.len())]).collect();
        let url: Vec<String> =
            (start..start + n).map(|i| format!("https://data.example.org/items/{i}.csv")).collect();
        let access: Vec<&str> = (0..n).map(|i| if i % 97 == 0 { "registration" } else { "" }).collect();
        let description: Vec<String> = (0..n)
            .map(|_| {
                let mut s = String::new();
                for _ in 0..12 {
                    s.push_str(words[rng.below(words.len())]);
                    s.push(' ');
                    s.push_str(&rng.next().to_string());
                    s.push(' ');
                }
                s
            })
            .collect();
        let checksum: Vec<String> =
            (0..n).map(|_| format!("{:016x}{:016x}", rng.next(), rng.next())).collect();
        let col = |v: Vec<String>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        batches.push(batch(vec![
            ("id", col(id)),
            ("description", col(description)),
            ("license", Arc::new(StringArray::from(license)) as ArrayRef),
            ("url", col(url)),
            ("access", Arc::new(StringArray::from(access)) as ArrayRef),
            ("sha256", col(checksum)),
        ]));
    }
    write_parquet(path, &batches, Compression::SNAPPY, 65_536);
}

/// The parts of a report that must not depend on where the manifest was read from.
fn essence(r: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "verdict": r["verdict"],
        "items": r["summary"]["items"],
        "items_with_errors": r["summary"]["items_with_errors"],
        "by_rule": r["summary"]["by_rule"],
    })
}

#[test]
fn a_remote_parquet_manifest_is_read_by_ranges_not_whole() {
    let dir = tempdir();
    let path = dir.path().join("items.parquet");
    manifest(&path, 200_000);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let server = HttpServer::start();
    server.route("/exports/items.parquet", Route::file(&path));
    let url = server.url("/exports/items.parquet");

    let remote = audit_json(&[&url, "--allow-private-hosts", "--rate", "0"]);
    assert!(remote.code == 0 || remote.code == 1, "{}", remote.stderr);
    let local = audit_json(&[p(&path)]);
    assert_eq!(essence(&remote.json()), essence(&local.json()));
    assert_eq!(remote.json()["summary"]["items"], 200_000);

    let log = server.requests_for("/exports/items.parquet");
    let served = server.body_bytes_for("/exports/items.parquet");
    assert!(served * 2 < size, "served {served} of {size} bytes: {log:#?}");
    // Every GET was ranged, and the footer was read by one: a range ending at the file's end.
    let gets: Vec<_> = log.iter().filter(|r| r.method == "GET").collect();
    assert!(!gets.is_empty());
    assert!(gets.iter().all(|r| r.status == 206 && r.range().is_some()), "{gets:#?}");
    assert!(gets.iter().any(|r| r.served_range.is_some_and(|(_, last)| last == size - 1)), "{gets:#?}");
    // Coalesced: a few requests per row group (4 groups), not one per page.
    assert!(gets.len() <= 1 + 4 * 4, "{} requests", gets.len());
}

#[test]
fn a_remote_csv_is_streamed_and_audited_like_the_file() {
    let dir = tempdir();
    let csv = "id,license,url\n1,CC-BY-4.0,https://data.example.org/1.csv\n2,CC-BY-NC-4.0,https://data.example.org/2.csv\n";
    let path = write(dir.path(), "items.csv", csv);
    let server = HttpServer::start();
    server.route("/items.csv", Route::text(csv).content_type("text/csv"));
    let remote = audit_json(&[&server.url("/items.csv"), "--allow-private-hosts", "--rate", "0"]);
    let local = audit_json(&[p(&path)]);
    assert_eq!(remote.code, local.code, "{}", remote.stderr);
    assert_eq!(essence(&remote.json()), essence(&local.json()));
}

#[test]
fn remote_manifests_fail_with_the_url_named() {
    let server = HttpServer::start();
    server.route("/gone.parquet", Route::text("no").status(404));
    server.route("/notparquet.parquet", Route::bytes(b"id,license\n1,MIT\n".to_vec()));
    let r =
        audit_json(&[&server.url("/gone.parquet"), "--allow-private-hosts", "--rate", "0", "--retries", "0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("/gone.parquet") && r.stderr.contains("404"), "{}", r.stderr);
    let r = audit_json(&[&server.url("/notparquet.parquet"), "--allow-private-hosts", "--rate", "0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("notparquet.parquet"), "{}", r.stderr);
    // Without the flag, the test server's address is refused.
    let r = audit_json(&[&server.url("/gone.parquet")]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--allow-private-hosts"), "{}", r.stderr);
    let r = audit_json(&["s3://bucket/items.parquet"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("s3://"), "{}", r.stderr);
}

/// The findings of `rule` as (row, value) pairs.
fn rows_of(r: &serde_json::Value, rule: &str) -> Vec<u64> {
    let mut rows: Vec<u64> = r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == rule)
        .filter_map(|f| f["row"].as_u64())
        .collect();
    rows.sort_unstable();
    rows
}

#[test]
fn check_urls_reports_each_problem_on_its_rows() {
    let server = HttpServer::start();
    server.route("/files/ok.csv", Route::text("a,b\n1,2\n").content_type("text/csv"));
    server.route("/files/nohead.csv", Route::text("a\n").content_type("text/csv").head_status(405));
    server.route("/files/missing.csv", Route::text("nope").status(404));
    server.route("/files/login.csv", Route::login_page());
    server.route("/files/forbidden.csv", Route::text("no").status(403));
    server.route("/files/moved.csv", Route::redirect(&server.url_as("localhost", "/files/there.csv")));
    server.route("/files/there.csv", Route::text("a\n").content_type("text/csv"));
    server.route("/files/broken.csv", Route::text("x").fail_times(1000, 500));
    server.route(
        "/licenses/by-4.0",
        Route::html("<html><head><title>Deed - Attribution 4.0 International</title></head><body>CC BY 4.0</body></html>"),
    );
    server.route(
        "/licenses/mit",
        Route::html("<html><head><title>The MIT License</title></head><body>MIT License</body></html>"),
    );
    let dead = HttpServer::closed_port_url("/files/x.csv");
    let u = |path: &str| server.url(path);
    let rows = [
        (u("/files/ok.csv"), u("/licenses/by-4.0")),
        (u("/files/nohead.csv"), u("/licenses/by-4.0")),
        (u("/files/missing.csv"), u("/licenses/by-4.0")),
        (u("/files/login.csv"), u("/licenses/mit")),
        (u("/files/forbidden.csv"), u("/licenses/by-4.0")),
        (u("/files/moved.csv"), u("/licenses/by-4.0")),
        (u("/files/broken.csv"), u("/licenses/by-4.0")),
        (dead, u("/licenses/by-4.0")),
        (u("/files/ok.csv"), u("/licenses/mit")),
        (u("/files/missing.csv"), u("/licenses/by-4.0")),
    ];
    let mut csv = String::from("id,license,license_url,url\n");
    for (i, (url, lic)) in rows.iter().enumerate() {
        csv.push_str(&format!("item-{},CC-BY-4.0,{lic},{url}\n", i + 1));
    }
    let dir = tempdir();
    let path = write(dir.path(), "items.csv", &csv);
    let cache = dir.path().join("cache");
    let args = [
        p(&path),
        "--check-urls",
        "--allow-private-hosts",
        "--rate",
        "0",
        "--retries",
        "0",
        "--timeout",
        "5",
        "--cache",
        p(&cache),
    ];
    let r = audit_json(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = r.json();
    assert_eq!(rows_of(&report, "access-location-http-error"), [3, 10]);
    assert_eq!(rows_of(&report, "access-login-required"), [4, 5]);
    assert_eq!(rows_of(&report, "access-location-other-host"), [6]);
    assert_eq!(rows_of(&report, "access-location-unreachable"), [7, 8]);
    assert_eq!(rows_of(&report, "license-url-unverified"), [4, 9]);
    // Loopback URLs are accepted with the flag: no access-location-invalid.
    assert_eq!(rule_count(&report, "access-location-invalid"), 0);
    // Each distinct URL once: the URL listed twice was asked once.
    let heads = |path: &str| server.requests_for(path).iter().filter(|r| r.method == "HEAD").count();
    assert_eq!(heads("/files/missing.csv"), 1);
    assert_eq!(heads("/files/ok.csv"), 1);
    assert_eq!(server.requests_for("/licenses/by-4.0").len(), 1);
    // HEAD refused: a ranged GET of the first byte.
    let gets = server.requests_for("/files/nohead.csv");
    assert!(gets.iter().any(|r| r.method == "GET" && r.range() == Some("bytes=0-0")), "{gets:#?}");

    // A second run answers the access checks from the cache: no new HEAD.
    server.clear_log();
    let again = audit_json(&args);
    assert_eq!(essence(&again.json()), essence(&report));
    assert_eq!(server.log().iter().filter(|r| r.method == "HEAD").count(), 0, "{:#?}", server.log());

    // Without --check-urls nothing is asked and none of the new rules fires.
    server.clear_log();
    let plain = audit_json(&[p(&path), "--allow-private-hosts"]);
    assert!(server.log().is_empty());
    assert_eq!(rule_count(&plain.json(), "access-location-http-error"), 0);
}
