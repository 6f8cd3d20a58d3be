//! `dpg-audit audit <URL>` against a CKAN portal replayed on 127.0.0.1: pages generated from a
//! real `package_search` answer (tests/fixtures/live, see SOURCES.tsv) with ids and licences
//! varied. The live report must equal the offline audit of what `--save` wrote; `--cache`
//! re-runs send conditional requests; shortfalls and HTTP failures are never silent.

#[path = "support/mini_http.rs"]
mod mini_http;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use mini_http::{Server, answer};
use serde_json::{Value, json};

const TEMPLATE: &str = "tests/fixtures/live/ckan-demo__package_search.json";

/// Licence statements as CKAN portals write them (register keys, titles, URLs, blanks).
const LICENSES: &[&str] =
    &["cc-by", "odc-odbl", "other-open", "cc-nc", "notspecified", "CC-BY-4.0", "", "other-closed", "cc-zero"];

fn template() -> Vec<Value> {
    let text = std::fs::read_to_string(TEMPLATE).expect("template");
    let v: Value = serde_json::from_str(&text).expect("json");
    v["result"]["results"].as_array().expect("results").clone()
}

/// Package `i` of the replayed portal: a real package with its ids, licence and resource host
/// varied.
fn package(t: &[Value], i: usize) -> Value {
    let mut p = t[i % t.len()].clone();
    p["id"] = json!(format!("pkg-{i:06}"));
    p["name"] = json!(format!("dataset-{i}"));
    p["title"] = json!(format!("Dataset {i}"));
    let lic = LICENSES[i % LICENSES.len()];
    p["license_id"] = if lic.is_empty() { Value::Null } else { json!(lic) };
    if let Some(resources) = p["resources"].as_array_mut() {
        for (k, r) in resources.iter_mut().enumerate() {
            r["id"] = json!(format!("res-{i:06}-{k}"));
            r["url"] = json!(format!("https://files{}.example.org/{i}/{k}.csv", i % 7));
        }
    }
    p
}

fn query(path: &str, name: &str) -> Option<usize> {
    let q = path.split_once('?')?.1;
    q.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}=")).and_then(|v| v.parse().ok()))
}

/// A CKAN portal of `n` packages (claiming `count` of them) serving at most `cap` rows a page.
/// Pages carry an ETag and answer 304 to a matching If-None-Match.
fn portal(n: usize, count: usize, cap: usize) -> Server {
    let t = Arc::new(template());
    Server::start(move |_, seen, s| {
        if !seen.path.starts_with("/api/3/action/package_search") {
            answer(s, "404 Not Found", &[], b"not here");
            return;
        }
        let start = query(&seen.path, "start").unwrap_or(0);
        let rows = query(&seen.path, "rows").unwrap_or(10).min(cap);
        let etag = format!("\"page-{start}-{rows}\"");
        if seen.header("if-none-match") == Some(etag.as_str()) {
            let _ = std::io::Write::write_all(
                s,
                format!("HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n").as_bytes(),
            );
            return;
        }
        let results: Vec<Value> = (start..n.min(start + rows)).map(|i| package(&t, i)).collect();
        let body = json!({
            "help": "https://demo.ckan.org/api/3/action/help_show?name=package_search",
            "success": true,
            "result": {"count": count, "sort": "id asc", "results": results}
        });
        let body = serde_json::to_vec(&body).expect("encode");
        answer(s, "200 OK", &[("Content-Type", "application/json"), ("ETag", &etag)], &body);
    })
}

fn dpg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dpg-audit")).args(args).output().expect("run dpg-audit")
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {}", String::from_utf8_lossy(&o.stderr)))
}

fn gets(server: &Server) -> Vec<String> {
    server.log().into_iter().filter(|s| s.method == "GET").map(|s| s.path).collect()
}

#[test]
fn portal_of_20000_packages_live_equals_offline_audit_of_the_saved_files() {
    let server = portal(20_000, 20_000, 1000);
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("saved");
    let save_s = save.to_str().expect("utf-8");
    let live = dpg(&[
        "audit",
        &format!("{}/", server.base),
        "--allow-private-hosts",
        "--rate",
        "0",
        "--save",
        save_s,
        "--format",
        "json",
        "--quiet",
    ]);
    assert_ne!(live.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&live.stderr));
    let pages = gets(&server);
    assert_eq!(pages.len(), 20, "20 pages of 1000, each asked once: {pages:?}");
    assert!(pages.iter().all(|p| p.contains("rows=1000")));
    let live = json_out(&live);
    assert_eq!(live["summary"]["datasets"], 20_000);
    assert!(
        live["summary"]["notes"]
            .as_array()
            .is_none_or(|n| n.iter().all(|n| !n.to_string().contains("were not audited")))
    );

    let offline = dpg(&["audit", save_s, "--format", "json", "--quiet"]);
    assert_ne!(offline.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&offline.stderr));
    assert_eq!(json_out(&offline), live, "the live report differs from the offline audit of --save");
    assert_eq!(gets(&server).len(), 20, "the offline audit asked nothing");
}

#[test]
fn a_page_search_url_keeps_its_query_and_the_shortfall_is_a_note() {
    // The portal counts 30 but serves 25: the harvest stops at the end and says so.
    let server = portal(25, 30, 10);
    let url = format!("{}/api/3/action/package_search?q=water&fq=tags:env&rows=10", server.base);
    let out = dpg(&["audit", &url, "--allow-private-hosts", "--rate", "0", "--format", "json", "--quiet"]);
    assert_ne!(out.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let report = json_out(&out);
    assert_eq!(report["summary"]["datasets"], 25);
    let notes = report["summary"]["notes"].to_string();
    assert!(notes.contains("holds 25 of the 30 packages"), "{notes}");
    let pages = gets(&server);
    assert!(pages.iter().all(|p| p.contains("q=water") && p.contains("fq=tags%3Aenv")), "{pages:?}");
    assert_eq!(pages.len(), 4, "starts 0, 10, 20 and 25 (empty): {pages:?}");
}

#[test]
fn cache_makes_a_rerun_conditional_with_the_same_report() {
    let server = portal(30, 30, 10);
    let tmp = tempfile::tempdir().expect("tmp");
    let cache = tmp.path().join("cache");
    let args = |c: &Path| {
        vec![
            "audit".to_string(),
            server.base.clone(),
            "--allow-private-hosts".into(),
            "--rate".into(),
            "0".into(),
            "--cache".into(),
            c.display().to_string(),
            "--format".into(),
            "json".into(),
            "--quiet".into(),
        ]
    };
    let a = args(&cache);
    let first = dpg(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let second = dpg(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(json_out(&first), json_out(&second));
    let log = server.log();
    assert_eq!(log.len(), 6, "3 pages, twice");
    assert!(log[..3].iter().all(|s| s.header("if-none-match").is_none()));
    assert!(log[3..].iter().all(|s| s.header("if-none-match").is_some_and(|v| v.starts_with("\"page-"))));
}

#[test]
fn private_host_is_refused_without_the_flag() {
    let server = portal(3, 3, 10);
    let out = dpg(&["audit", &server.base, "--format", "json", "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("127.0.0.1") && err.contains("--allow-private-hosts"), "{err}");
    assert!(server.log().is_empty());
}

#[test]
fn a_failing_page_ends_the_run_naming_url_and_status() {
    let t = Arc::new(template());
    let server = Server::start(move |_, seen, s| {
        let start = query(&seen.path, "start").unwrap_or(0);
        if start >= 10 {
            answer(s, "500 Internal Server Error", &[], b"boom");
            return;
        }
        let results: Vec<Value> = (start..start + 10).map(|i| package(&t, i)).collect();
        let body = json!({"help": "h", "success": true, "result": {"count": 30, "results": results}});
        answer(s, "200 OK", &[], &serde_json::to_vec(&body).expect("encode"));
    });
    let out = dpg(&[
        "audit",
        &format!("{}/api/3/action/package_search?rows=10", server.base),
        "--allow-private-hosts",
        "--rate",
        "0",
        "--retries",
        "1",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("start=10") && err.contains("HTTP 500"), "{err}");
}

#[test]
fn a_portal_of_one_package_gives_the_ordinary_report() {
    let server = portal(1, 1, 10);
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("one");
    let out = dpg(&[
        "audit",
        &server.base,
        "--allow-private-hosts",
        "--rate",
        "0",
        "--save",
        save.to_str().expect("utf-8"),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_ne!(out.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let live = json_out(&out);
    assert!(live.get("datasets").is_none() && live.get("verdict").is_some(), "{live}");
    assert_eq!(gets(&server).len(), 1, "the first page is asked once");
    let offline = json_out(&dpg(&["audit", save.to_str().expect("utf-8"), "--format", "json", "--quiet"]));
    assert_eq!(offline, live);
}

#[test]
fn a_data_json_url_is_one_document_and_saved_for_the_offline_audit() {
    let body =
        std::fs::read("tests/fixtures/portal/dcat-us/ckanext-datajson__ny.data.json").expect("fixture");
    let server = Server::start(move |_, seen, s| {
        if seen.path == "/data.json" {
            answer(s, "200 OK", &[("Content-Type", "application/json")], &body);
        } else {
            answer(s, "404 Not Found", &[], b"");
        }
    });
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("agency");
    let save_s = save.to_str().expect("utf-8");
    let url = format!("{}/data.json", server.base);
    let live =
        dpg(&["audit", &url, "--allow-private-hosts", "--save", save_s, "--format", "json", "--quiet"]);
    assert_ne!(live.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&live.stderr));
    let offline = dpg(&["audit", save_s, "--format", "json", "--quiet"]);
    assert_eq!(json_out(&offline), json_out(&live));
    assert_eq!(gets(&server), vec!["/data.json".to_string()]);
    // Without --save the report names the URL, not a temporary file.
    let named = dpg(&["audit", &url, "--allow-private-hosts", "--format", "json", "--quiet"]);
    let text = String::from_utf8_lossy(&named.stdout);
    assert!(text.contains(&url) && !text.contains("dpg-audit-harvest-"), "{text}");
}

#[test]
fn dcat_hydra_pages_are_followed_to_the_end() {
    // Three pages: a real DCAT-AP Turtle file, each with a Hydra view linking the next page.
    let ttl = std::fs::read_to_string("tests/fixtures/portal-samples/dcat/ckanext-dcat__dataset_health.ttl")
        .expect("fixture");
    let server = Server::start(move |_, seen, s| {
        let page = query(&seen.path, "page").unwrap_or(1);
        let mut body = ttl.replace(
            "http://example.healthdata.nl/set/dataset",
            &format!("http://example.healthdata.nl/set/dataset-{page}"),
        );
        body.push_str(&format!(
            "\n<?page={page}> a <http://www.w3.org/ns/hydra/core#PartialCollectionView> {} .\n",
            if page < 3 {
                format!("; <http://www.w3.org/ns/hydra/core#next> <?page={}>", page + 1)
            } else {
                String::new()
            }
        ));
        answer(s, "200 OK", &[("Content-Type", "text/turtle")], body.as_bytes());
    });
    let tmp = tempfile::tempdir().expect("tmp");
    let save = tmp.path().join("dcat");
    let save_s = save.to_str().expect("utf-8");
    let url = format!("{}/catalog?page=1", server.base);
    let live = dpg(&[
        "audit",
        &url,
        "--input-format",
        "dcat",
        "--allow-private-hosts",
        "--rate",
        "0",
        "--save",
        save_s,
        "--format",
        "json",
        "--quiet",
    ]);
    assert_ne!(live.status.code(), Some(2), "stderr: {}", String::from_utf8_lossy(&live.stderr));
    assert_eq!(gets(&server), vec!["/catalog?page=1", "/catalog?page=2", "/catalog?page=3"]);
    let live = json_out(&live);
    assert_eq!(live["summary"]["datasets"], 3, "{live}");
    let offline = dpg(&["audit", save_s, "--format", "json", "--quiet"]);
    assert_eq!(json_out(&offline), live);
}
