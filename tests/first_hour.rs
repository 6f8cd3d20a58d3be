//! The first hour of a new user (issue #22): `--version` with the commit, exit codes in `--help`,
//! `init`, `completions`, `man`, `--output PATH` by extension, `rules licenses`, and Excel /
//! OpenDocument manifests (`tests/fixtures/spreadsheets/`, made by its `make.py`).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spreadsheets").join(name)
}

fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(rel)
}

#[test]
fn version_names_the_package_version() {
    let run = dpg_audit(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with(&format!("dpg-audit {}", env!("CARGO_PKG_VERSION"))), "{}", run.stdout);
    // In a git checkout the commit follows; a source tarball has none, and says nothing.
    if Path::new(env!("CARGO_MANIFEST_DIR")).join(".git").exists() {
        assert!(run.stdout.contains("(commit "), "{}", run.stdout);
    }
}

#[test]
fn help_lists_the_exit_codes() {
    for args in [&["--help"][..], &["audit", "--help"][..]] {
        let run = dpg_audit(args);
        assert_eq!(run.code, 0);
        for line in
            ["Exit codes:", "0  eligible", "1  not eligible", "2  usage, configuration or input error"]
        {
            assert!(run.stdout.contains(line), "{args:?}: no `{line}` in\n{}", run.stdout);
        }
    }
}

#[test]
fn completions_and_man_page_come_from_the_command_line() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = dpg_audit(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        // Every subcommand and a nested option are offered.
        for word in ["audit", "init", "normalize", "rules", "max-findings"] {
            assert!(run.stdout.contains(word), "{shell} completions lack `{word}`");
        }
    }
    assert_eq!(dpg_audit(&["completions", "tcsh"]).code, 2, "an unknown shell is a usage error");
    let man = dpg_audit(&["man"]);
    assert_eq!(man.code, 0);
    assert!(man.stdout.contains(".TH dpg-audit 1"), "{}", &man.stdout[..man.stdout.len().min(300)]);
    assert!(man.stdout.contains("completions") && man.stdout.contains("Exit codes"));
}

#[test]
fn output_infers_the_format_from_the_extension() {
    let dir = tempdir();
    let manifest = sample("open-data-portal/items.csv");
    let html = dir.path().join("r.html");
    let sarif = dir.path().join("r.sarif");
    let json = dir.path().join("out=r.json"); // `out` is no format: the whole is a path
    let md = dir.path().join("explicit.txt");
    let run = dpg_audit(&[
        "audit",
        "-q",
        p(&manifest),
        "--output",
        p(&html),
        "-o",
        p(&sarif),
        "--output",
        p(&json),
        "--output",
        &format!("markdown={}", p(&md)),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(std::fs::read_to_string(&html).unwrap().starts_with("<!DOCTYPE html>"));
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(json["verdict"], "pass");
    // FORMAT=PATH wins over the extension.
    assert!(std::fs::read_to_string(&md).unwrap().starts_with('#'));

    let unknown = dpg_audit(&["audit", "-q", p(&manifest), "--output", p(&dir.path().join("r.bin"))]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("cannot tell the report format"), "{}", unknown.stderr);
    let bad = dpg_audit(&["audit", "-q", p(&manifest), "--output", "yaml=r.yaml"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown format `yaml`"), "{}", bad.stderr);
}

#[test]
fn rules_licenses_lists_what_a_type_accepts_and_why() {
    let data = dpg_audit(&["rules", "licenses", "--type", "data"]);
    assert_eq!(data.code, 0, "{}", data.stderr);
    let (approved, review) = data.stdout.split_once("Reviewers decide").unwrap();
    assert!(approved.contains("    CC-BY-4.0\n") && approved.contains("    ODbL-1.0\n"), "{approved}");
    assert!(approved.contains("rules/licenses/data.toml"), "the source is named: {approved}");
    assert!(!data.stdout.contains("CC-BY-NC-4.0"), "NC is not acceptable for data");
    assert!(review.contains("OGL-UK-2.0") && review.contains("Open Definition conformant"), "{review}");

    // A profile adds what it approves, with its name, and takes it off the review list.
    let od = dpg_audit(&["rules", "licenses", "--type", "data", "--profile", "open-definition"]);
    let (approved, review) = od.stdout.split_once("Reviewers decide").unwrap();
    assert!(approved.contains("approved by profile `open-definition`") && approved.contains("OGL-UK-2.0"));
    assert!(!review.contains("OGL-UK-2.0"), "{review}");

    let software = dpg_audit(&["rules", "licenses", "--type", "software"]);
    assert!(software.stdout.contains("any OSI-approved license"), "{}", software.stdout);
    let content = dpg_audit(&["rules", "licenses", "--type", "content"]);
    assert!(content.stdout.contains("    CC-BY-2.0\n"), "{}", content.stdout);
    let bad = dpg_audit(&["rules", "licenses", "--profile", "nope"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("unknown profile `nope`"), "{}", bad.stderr);
}

#[test]
fn init_writes_a_commented_config_the_audit_accepts() {
    let dir = tempdir();
    let csv = write(
        dir.path(),
        "photos.csv",
        "identifier,License,foreign_landing_url,caption\n\
         a1,CC BY 4.0,https://photos.example.org/p/1.jpg,x\n\
         a2,CC BY 4.0,https://photos.example.org/p/2.JPG,y\n\
         a3,cc0,https://cdn.example.net/p/3.png,z\n",
    );
    let run = dpg_audit(&["init", p(&csv)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let config = std::fs::read_to_string(dir.path().join("dpg-audit.toml")).unwrap();
    assert!(config.contains("type = \"content\""), "two of three URLs are images:\n{config}");
    assert!(config.contains("home_url = \"https://photos.example.org/\""), "{config}");
    assert!(config.contains("id = \"identifier\"") && config.contains("license = \"License\""), "{config}");
    assert!(config.contains("url = \"foreign_landing_url\""), "{config}");
    // The license is the steward's to declare: only proposed in a comment.
    assert!(config.contains("# license = \"CC-BY-4.0\""), "{config}");
    assert!(config.contains("#   CC-BY-4.0: 2"), "{config}");
    let (top, columns) = config.split_once("\n[columns]\n").unwrap();
    assert!(top.lines().all(|l| !l.starts_with("license =")), "{config}");
    assert!(columns.lines().any(|l| l == "license = \"License\""), "{config}");

    // The audit reads it (it is valid TOML with known keys) and finds it beside the manifest.
    let audit = audit_json(&[p(&csv)]);
    assert_eq!(audit.json()["collection"]["type"], "content", "{}", audit.stderr);

    // Never overwritten without --force.
    std::fs::write(dir.path().join("dpg-audit.toml"), "# mine\n").unwrap();
    let again = dpg_audit(&["init", p(&csv)]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists") && again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(dir.path().join("dpg-audit.toml")).unwrap(), "# mine\n");
    assert_eq!(dpg_audit(&["init", "--force", p(&csv)]).code, 0);
    assert_ne!(std::fs::read_to_string(dir.path().join("dpg-audit.toml")).unwrap(), "# mine\n");
}

#[test]
fn init_reads_catalogs_and_spreadsheets() {
    let run = dpg_audit(&["init", "--stdout", p(&sample("ckan-portal-dump/package_search.json"))]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Read as CKAN") || run.stdout.contains("catalog metadata"), "{}", run.stdout);
    assert!(run.stdout.contains("home_url = \"https://opendata.larkspur-bay.example/\""), "{}", run.stdout);
    assert!(!run.stdout.contains("\n[columns]\n"), "{}", run.stdout);

    let xlsx = dpg_audit(&["init", "--stdout", p(&fixture("items.ods"))]);
    assert_eq!(xlsx.code, 0, "{}", xlsx.stderr);
    assert!(
        xlsx.stdout.contains("type = \"data\"") && xlsx.stdout.contains("id = \"id\""),
        "{}",
        xlsx.stdout
    );
    assert!(xlsx.stdout.contains("home_url = \"https://data.example.org/\""), "{}", xlsx.stdout);
}

#[test]
fn excel_manifests_are_read_sheet_by_sheet() {
    let xlsx = fixture("items.xlsx");
    // Every sheet is a manifest: the Notes sheet has no license column, and the error names it.
    let all = audit_json(&[p(&xlsx)]);
    assert_eq!(all.code, 2);
    assert!(all.stderr.contains("sheet `Notes`") && all.stderr.contains("--sheet"), "{}", all.stderr);

    let run = audit_json(&[p(&xlsx), "--sheet", "Items"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run.json();
    assert_eq!(r["collection"]["items"], 4, "the blank row is no item");
    // Whole numbers are ids without a fraction (Excel stores 1004 as 1004.0).
    let nc = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "license-not-approved").unwrap();
    assert_eq!(nc["item"], "1002");
    assert_eq!(nc["row"], 2);
    // The #N/A cell is a bad-cell finding naming the column, at the sheet's own row number (5).
    let bad = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "manifest-row-invalid").unwrap();
    assert!(bad["message"].as_str().unwrap().contains("column `license` (sheet column C)"), "{bad}");
    assert!(bad["message"].as_str().unwrap().contains("#N/A"), "{bad}");
    assert_eq!(bad["line"], 5, "{bad}");
    let missing = audit_json(&[p(&xlsx), "--sheet", "Nope"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no sheet named `Nope`; sheets: `Items`, `Notes`"), "{}", missing.stderr);
}

#[test]
fn opendocument_manifests_are_read() {
    let run = audit_json(&[p(&fixture("items.ods"))]);
    let r = run.json();
    assert_eq!(r["collection"]["items"], 4, "{}", run.stderr);
    assert_eq!(r["summary"]["by_license"]["CC-BY-NC-4.0"], 1);
    assert_eq!(r["summary"]["by_license"]["CC0-1.0"], 1);
}

#[test]
fn a_spreadsheet_named_csv_is_refused_not_read_as_text() {
    let dir = tempdir();
    let fake = dir.path().join("items.csv");
    std::fs::copy(fixture("items.xlsx"), &fake).unwrap();
    let run = audit_json(&[p(&fake)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("holds a spreadsheet"), "{}", run.stderr);
}

#[test]
fn terminal_shows_unreadable_rows_the_fix_for_encoding_and_where_problems_are() {
    let dir = tempdir();
    // Row 2 is not UTF-8 (Latin-1 é); row 4 has a URL that is not absolute; row 5 repeats id a1.
    let mut bytes = b"id,license,url\na1,CC-BY-4.0,https://data.example.org/1\n".to_vec();
    bytes.extend_from_slice(b"a2,CC-BY-4.0 caf\xe9,https://data.example.org/2\n");
    bytes.extend_from_slice(b"a3,CC-BY-4.0,https://data.example.org/3\n");
    bytes.extend_from_slice(b"a4,CC-BY-4.0,data.example.org/4\n");
    bytes.extend_from_slice(b"a1,CC-BY-4.0,https://data.example.org/5\n");
    let csv = write(dir.path(), "items.csv", bytes);
    let run = dpg_audit(&["audit", "-q", p(&csv)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let out = &run.stdout;
    // The Licenses table adds up to the items.
    assert!(out.contains("(unreadable rows)") && out.contains("1   20.0%"), "{out}");
    // Invalid UTF-8: how to save the file, not advice about quoting.
    assert!(out.contains("fix: Save the file as UTF-8"), "{out}");
    assert!(!out.contains("quoting, valid JSON"), "{out}");
    // The offending URL and the other copy of the id are shown.
    assert!(out.contains("first: access URL `data.example.org/4`"), "{out}");
    assert!(out.contains("first: id `a1` is also on row 1 of"), "{out}");
}

#[test]
fn counts_are_written_alike_and_html_sets_quoted_values_as_code() {
    let dir = tempdir();
    let mut csv = String::from("id,license,url\n");
    for i in 0..1200 {
        csv.push_str(&format!("i{i},CC BY-NC 4.0,https://data.example.org/{i}\n"));
    }
    let path = write(dir.path(), "items.csv", csv);
    let run = dpg_audit(&["audit", "-q", p(&path)]);
    assert!(
        run.stdout.contains("1,200 of 1,200 items have errors (1,200 error finding(s)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("1200"), "one way of writing a count: {}", run.stdout);
    let html = dpg_audit(&["audit", "-q", p(&path), "--format", "html"]).stdout;
    assert!(html.contains("data-v=\"1200\">1,200<"), "the count shown with separators, sorted by value");
    assert!(!html.contains("&#96;") && !html.contains("`CC BY-NC 4.0`"), "no literal backticks in messages");
}

#[test]
fn the_json_report_names_the_collection() {
    let run = audit_json(&[p(&sample("open-data-portal"))]);
    assert_eq!(run.json()["collection"]["name"], "Larkspur Bay Open Data");
    // Without a config there is no name, and no key.
    let dir = tempdir();
    let csv = write(dir.path(), "items.csv", "id,license,url\n1,CC-BY-4.0,https://data.example.org/1\n");
    let r = audit_json(&[p(&csv)]).json();
    assert!(r["collection"].get("name").is_none(), "{}", r["collection"]);
}

#[test]
fn a_bad_json_line_names_its_line_in_the_file() {
    let dir = tempdir();
    let path = write(
        dir.path(),
        "items.ndjson",
        "{\"id\": \"a\", \"license\": \"CC-BY-4.0\", \"url\": \"https://d.example.org/a\"}\n\
         {\"id\": \"b\", \"license\": }\n",
    );
    let r = audit_json(&[p(&path)]).json();
    let f = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "manifest-row-invalid").unwrap();
    assert_eq!(f["line"], 2, "{f}");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("at column") && !message.contains("line 1"), "{message}");
    // The unreadable row has no id: its group names it as a row, never as item "2".
    let g = r["groups"].as_array().unwrap().iter().find(|g| g["rule"] == "manifest-row-invalid").unwrap();
    assert_eq!(g["examples"], serde_json::json!(["row 2"]), "{g}");
    let terminal = dpg_audit(&["audit", "-q", p(&path)]).stdout;
    assert!(terminal.contains("e.g. row 2"), "{terminal}");
}

#[test]
fn a_content_audit_that_passes_noncommercial_items_says_so() {
    let images = sample("openverse-images");
    let old = dpg_audit(&["audit", "-q", p(&images), "--profile", "dpg-2024"]);
    assert!(
        old.stdout.contains("note: 17 item(s) under NonCommercial licenses (CC-BY-NC-2.0, CC-BY-NC-4.0) pass under profile `dpg-2024`"),
        "{}",
        old.stdout
    );
    // Under the default profile they fail: nothing passed, no note.
    let now = dpg_audit(&["audit", "-q", p(&images)]);
    assert!(!now.stdout.contains("note:"), "{}", now.stdout);
}

#[test]
fn a_private_item_is_described_in_a_sentence() {
    let dir = tempdir();
    let csv = write(
        dir.path(),
        "items.csv",
        "id,license,url,access\n1,CC-BY-4.0,https://d.example.org/1,private\n",
    );
    let r = audit_json(&[p(&csv)]).json();
    let f = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "access-not-public").unwrap();
    let message = f["message"].as_str().unwrap();
    assert!(message.starts_with("access statement `private`: the item is not public ("), "{message}");
}

#[test]
fn findings_files_carry_the_items_normalized_license() {
    let dir = tempdir();
    let csv = write(
        dir.path(),
        "items.csv",
        "id,license,url,access\n\
         a,CC BY-NC 4.0,https://d.example.org/a,\n\
         b,CC BY,https://d.example.org/b,\n\
         c,CC-BY-4.0,https://d.example.org/c,private\n",
    );
    let out = dir.path().join("findings.csv");
    let run = dpg_audit(&["audit", "-q", p(&csv), "--findings", p(&out)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(&header[10..], ["license", "license_status"]);
    let rows: Vec<(String, String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[2].to_string(), r[10].to_string(), r[11].to_string())
        })
        .collect();
    let find = |rule: &str, item: &str| {
        rows.iter().find(|r| r.0 == rule && r.1 == item).unwrap_or_else(|| panic!("{rule} {item}: {rows:?}"))
    };
    assert_eq!(find("license-not-approved", "a").2, "CC-BY-NC-4.0");
    assert_eq!(find("license-not-approved", "a").3, "normalized");
    // No version: no expression, and the status says why.
    assert_eq!(
        (find("license-ambiguous", "b").2.as_str(), find("license-ambiguous", "b").3.as_str()),
        ("", "ambiguous")
    );
    // An access finding carries the item's license too, so it can be filtered by SPDX id.
    assert_eq!(find("access-not-public", "c").2, "CC-BY-4.0");

    let pq = dir.path().join("findings.parquet");
    assert_eq!(dpg_audit(&["audit", "-q", p(&csv), "--findings", p(&pq)]).code, 1);
    let file = std::fs::File::open(&pq).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut seen = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<arrow_array::StringArray>()
                .unwrap()
                .clone()
        };
        let (rule, license, status) = (col("rule"), col("license"), col("license_status"));
        for i in 0..batch.num_rows() {
            let l = if arrow_array::Array::is_null(&license, i) {
                None
            } else {
                Some(license.value(i).to_string())
            };
            seen.push((rule.value(i).to_string(), l, status.value(i).to_string()));
        }
    }
    assert!(
        seen.contains(&("license-not-approved".into(), Some("CC-BY-NC-4.0".into()), "normalized".into())),
        "{seen:?}"
    );
    assert!(seen.contains(&("license-ambiguous".into(), None, "ambiguous".into())), "{seen:?}");
}
