//! Collection rules: single location (home URL and mirrors), declared vs carried licenses.

mod common;

use common::*;

fn manifest(dir: &std::path::Path, rows: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = String::from("id,license,url\n");
    for (i, (license, url)) in rows.iter().enumerate() {
        text.push_str(&format!("i{i},{license},{url}\n"));
    }
    write(dir, "items.csv", text)
}

fn collection_finding<'a>(r: &'a serde_json::Value, rule: &str) -> Option<&'a serde_json::Value> {
    r["findings"].as_array()?.iter().find(|f| f["rule"] == rule && f["item"].is_null())
}

#[test]
fn several_hosts_without_a_home_url_are_scattered() {
    let dir = tempdir();
    let path = manifest(
        dir.path(),
        &[
            ("CC0-1.0", "https://data.example.org/1"),
            ("CC0-1.0", "https://DATA.example.org/2"),
            ("CC0-1.0", "https://files.example.net/3"),
        ],
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1);
    let r = run.json();
    let f = collection_finding(&r, "access-location-scattered").unwrap_or_else(|| panic!("{}", run.stdout));
    let msg = f["message"].as_str().unwrap_or("");
    assert!(
        msg.contains("2 hosts")
            && msg.contains("data.example.org (2)")
            && msg.contains("files.example.net (1)"),
        "{msg}"
    );
}

#[test]
fn home_url_and_mirrors_cover_their_items() {
    let dir = tempdir();
    write(
        dir.path(),
        "dpg-audit.toml",
        "home_url = \"https://data.example.org/coll/\"\nmirrors = [\"https://files.example.net\"]\n",
    );
    let path = manifest(
        dir.path(),
        &[("CC0-1.0", "https://data.example.org/coll/1"), ("CC0-1.0", "https://files.example.net/3")],
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(rule_count(&run.json(), "access-location-scattered"), 0);

    // An item outside the home URL's path and the mirrors is named by host.
    let path = manifest(
        dir.path(),
        &[("CC0-1.0", "https://data.example.org/coll/1"), ("CC0-1.0", "https://data.example.org/other/2")],
    );
    let r = audit_json(&[p(&path)]).json();
    let f = collection_finding(&r, "access-location-scattered").unwrap_or_else(|| panic!("{r}"));
    assert!(f["message"].as_str().unwrap_or("").contains("1 item(s) are served outside"), "{f}");
}

#[test]
fn declared_license_must_match_what_items_carry() {
    let dir = tempdir();
    write(dir.path(), "dpg-audit.toml", "license = \"ODC-BY\"\n");
    let path = manifest(
        dir.path(),
        &[("ODbL-1.0", "https://data.example.org/1"), ("ODbL-1.0", "https://data.example.org/2")],
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1);
    let r = run.json();
    let f = collection_finding(&r, "declared-license-mismatch").unwrap_or_else(|| panic!("{}", run.stdout));
    let msg = f["message"].as_str().unwrap_or("");
    assert!(msg.contains("declares ODC-By-1.0") && msg.contains("undeclared ODbL-1.0 (2)"), "{msg}");

    write(dir.path(), "dpg-audit.toml", "license = [\"odbl\"]\n");
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(rule_count(&run.json(), "declared-license-mismatch"), 0);
}

#[test]
fn a_declared_license_that_is_not_one_is_a_config_error() {
    let dir = tempdir();
    write(dir.path(), "dpg-audit.toml", "license = \"CC BY\"\n");
    let path = manifest(dir.path(), &[("CC-BY-4.0", "https://data.example.org/1")]);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("dpg-audit.toml")
            && run.stderr.contains("`license`")
            && run.stderr.contains("ambiguous"),
        "{}",
        run.stderr
    );
    write(dir.path(), "dpg-audit.toml", "home_url = \"opendata.example.org\"\n");
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("home_url"), "{}", run.stderr);
}

/// Items of one URL prefix come in runs broken by strays (another host, the home host outside
/// the home path, a mirror). The scan settles most URLs by the last prefix (or the one before)
/// instead of a full check; every host count and every uncovered item must come out as a full
/// check of each URL gives, whatever the batch size and thread count.
#[test]
fn hosts_and_coverage_are_exact_when_runs_of_a_prefix_are_interrupted() {
    let dir = tempdir();
    write(
        dir.path(),
        "dpg-audit.toml",
        "home_url = \"https://data.example.org/coll/\"\nmirrors = [\"https://files.example.net\"]\n",
    );
    let home = |n: u32| format!("https://data.example.org/coll/{n}");
    let mut urls: Vec<String> = Vec::new();
    urls.extend((0..5).map(home));
    urls.push("https://files.example.net/a".into()); // mirror: covered
    urls.extend((5..8).map(home));
    urls.push("https://other.example.com/x".into()); // uncovered
    urls.extend((8..10).map(home));
    urls.push("https://data.example.org/other/2".into()); // home host, outside the home path
    urls.extend((10..12).map(home));
    urls.push("https://other.example.com/y".into()); // uncovered
    urls.push("https://files.example.net/b".into()); // mirror after a stray
    urls.push(home(12));
    let rows: Vec<(&str, &str)> = urls.iter().map(|u| ("CC0-1.0", u.as_str())).collect();
    let path = manifest(dir.path(), &rows);
    for batch in ["1", "2", "3", "8192"] {
        for threads in ["1", "2"] {
            let run = audit_json(&[p(&path), "--batch-size", batch, "-j", threads]);
            let r = run.json();
            let hosts = &r["summary"]["by_host"];
            assert_eq!(hosts["data.example.org"], 14, "batch {batch}, -j {threads}: {hosts}");
            assert_eq!(hosts["files.example.net"], 2, "batch {batch}, -j {threads}: {hosts}");
            assert_eq!(hosts["other.example.com"], 2, "batch {batch}, -j {threads}: {hosts}");
            let f = collection_finding(&r, "access-location-scattered").unwrap_or_else(|| panic!("{r}"));
            let msg = f["message"].as_str().unwrap_or("");
            assert!(
                msg.starts_with("3 item(s) are served outside")
                    && msg.contains("other.example.com (2)")
                    && msg.contains("data.example.org (1)"),
                "batch {batch}, -j {threads}: {msg}"
            );
        }
    }
}
