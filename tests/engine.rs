//! The audit core: the report never depends on scheduling, splitting or display options.
//!
//! 1. Invariance: the JSON report of every sample collection and of generated dirty manifests is
//!    the same across `--threads`, `--batch-size`, `--max-findings` (groups and counts; findings
//!    as a prefix), the order of the files of a collection, and random splits of the rows into
//!    `Partial`s merged in random order (through their serialized form too).
//! 2. Regressions: a verdict that depended on another row (the judgement-cache key), waivers
//!    forgotten past `--max-findings`, and a portal batch of thousands of datasets.
//! 3. The library API audits in-memory Arrow batches and gets the CLI's report.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use common::{Rng, audit_json, dpg_audit, p, tempdir, write, write_parquet};
use dpg_audit::config::Config;
use dpg_audit::engine::{Auditor, Origin, Partial, Settings};
use parquet::basic::Compression;
use serde_json::Value;

/// A dirty manifest: licenses of every status, access terms, invalid and scattered URLs, ids out
/// of order with duplicates, and an exception in its config that waives some findings.
fn dirty_manifest(dir: &Path, rows: usize, seed: u64) -> std::path::PathBuf {
    let licenses = [
        "CC-BY-4.0",
        "CC BY-NC 4.0",
        "cc-by",
        "notspecified",
        "",
        "MIT",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "GPL-2.0",
        "Some custom terms",
        "CC0-1.0",
    ];
    let access = ["", "public", "registration required", "members only", "only residents of France"];
    let hosts = [
        "https://data.example.org/f/",
        "https://cdn.example.net/x/",
        "ftp://old.example.org/",
        "",
        "not a url",
    ];
    let mut rng = Rng(seed);
    let (mut ids, mut lic, mut acc, mut urls) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..rows {
        // Mostly increasing ids, with a run out of order and repeats.
        let id = match rng.below(20) {
            0 => format!("item-{:05}", rng.below(rows)),
            1 => format!("legacy-{}", rng.below(50)),
            _ => format!("item-{i:05}"),
        };
        ids.push(Some(id));
        let l = licenses[rng.below(licenses.len())];
        lic.push((!l.is_empty()).then(|| l.to_string()));
        let a = access[rng.below(access.len())];
        acc.push((!a.is_empty()).then(|| a.to_string()));
        let h = hosts[rng.below(hosts.len())];
        urls.push((!h.is_empty()).then(|| format!("{h}{i}")));
    }
    let col = |v: Vec<Option<String>>| Arc::new(StringArray::from(v)) as ArrayRef;
    let batch = common::batch(vec![
        ("id", col(ids)),
        ("license", col(lic)),
        ("access", col(acc)),
        ("url", col(urls)),
    ]);
    let path = dir.join("items.parquet");
    write_parquet(&path, &[batch], Compression::SNAPPY, 700);
    write(
        dir,
        "dpg-audit.toml",
        "name = \"dirty\"\ntype = \"data\"\nlicense = \"CC-BY-4.0\"\n\n[[exceptions]]\nrule = \"duplicate-item-id\"\nitems = [\"legacy-*\"]\nreason = \"legacy ids are reissued\"\n\n[[exceptions]]\nrule = \"license-missing\"\nitems = [\"item-000*\"]\nreason = \"being traced\"\n",
    );
    path
}

/// The collections the invariance tests run on: every sample manifest and two generated ones.
fn collections(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sample in ["biodiversity-occurrences", "open-data-portal", "openverse-images"] {
        out.push(format!("{}/sample-data/{sample}/items.csv", env!("CARGO_MANIFEST_DIR")));
        out.push(format!("{}/tests/fixtures/samples/{sample}/items.parquet", env!("CARGO_MANIFEST_DIR")));
    }
    for (i, seed) in [7u64, 1234].into_iter().enumerate() {
        let d = dir.join(format!("dirty{i}"));
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("{e}"));
        out.push(p(&dirty_manifest(&d, 3000, seed)).to_string());
    }
    out
}

fn report(args: &[&str]) -> Value {
    let run = audit_json(args);
    assert!(run.code == 0 || run.code == 1, "exit {}: {}", run.code, run.stderr);
    run.json()
}

#[test]
fn reports_do_not_depend_on_threads_batch_size_or_max_findings() {
    let dir = tempdir();
    for path in collections(dir.path()) {
        let base = report(&["-j", "1", &path]);
        for args in [
            vec!["-j", "2"],
            vec!["-j", "4"],
            vec!["-j", "4", "--batch-size", "1"],
            vec!["-j", "2", "--batch-size", "7"],
            vec!["-j", "3", "--batch-size", "64"],
        ] {
            let mut all = args.clone();
            all.push(&path);
            assert_eq!(report(&all), base, "{path} with {args:?}");
        }
        // Fewer findings shown: the same verdict, counts and groups; the findings a prefix.
        for max in ["1", "0", "5"] {
            let small = report(&["-j", "2", "--max-findings", max, &path]);
            for key in ["verdict", "summary", "groups", "collection"] {
                assert_eq!(small[key], base[key], "{path} --max-findings {max}: {key}");
            }
            let (all, few) = (base["findings"].as_array(), small["findings"].as_array());
            let (all, few) = (all.map_or(&[][..], |v| v), few.map_or(&[][..], |v| v));
            assert!(few.len() <= all.len() && all[..few.len()] == *few, "{path} --max-findings {max}");
        }
    }
}

#[test]
fn file_order_of_a_collection_changes_nothing_but_names() {
    let dir = tempdir();
    for d in ["a", "b"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap_or_else(|e| panic!("{e}"));
    }
    let a = dirty_manifest(&dir.path().join("a"), 1500, 3);
    let b = dirty_manifest(&dir.path().join("b"), 1500, 4);
    let config = dir.path().join("a/dpg-audit.toml");
    let ab = report(&["--config", p(&config), p(&a), p(&b)]);
    let ba = report(&["--config", p(&config), p(&b), p(&a)]);
    for key in ["verdict", "summary"] {
        assert_eq!(ab[key], ba[key], "{key}");
    }
    let shape = |r: &Value| {
        let mut g: Vec<(String, String, u64, bool)> = r["groups"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|g| {
                        let s = |k: &str| g[k].as_str().unwrap_or_default().to_string();
                        (s("rule"), s("key"), g["count"].as_u64().unwrap_or(0), g["waived"].is_string())
                    })
                    .collect()
            })
            .unwrap_or_default();
        g.sort();
        g
    };
    assert_eq!(shape(&ab), shape(&ba));
}

/// The Parquet file's rows as record batches (its own column names).
fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(333).build())
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|b| b.unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn config_beside(path: &Path) -> Config {
    let toml = path.with_file_name("dpg-audit.toml");
    if toml.exists() { Config::load(&toml).unwrap_or_else(|e| panic!("{e}")) } else { Config::default() }
}

fn json_of(report: &dpg_audit::report::Report) -> Value {
    let mut out = Vec::new();
    dpg_audit::report::render(dpg_audit::report::Format::Json, report, &mut out, false)
        .unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn random_splits_into_partials_merged_in_random_order_give_the_cli_report() {
    let dir = tempdir();
    let mut paths: Vec<String> =
        collections(dir.path()).into_iter().filter(|p| p.ends_with(".parquet")).collect();
    paths.sort();
    for path in paths {
        let cli = report(&[&path]);
        let config = config_beside(Path::new(&path));
        let auditor =
            Auditor::new(&config, &Settings::default(), vec![path.clone()]).unwrap_or_else(|e| panic!("{e}"));
        // Rows as slices of at most 333, each with its first row number.
        let mut pieces = Vec::new();
        let mut row = 1u64;
        for b in read_parquet(Path::new(&path)) {
            pieces.push((row, b.clone()));
            row += b.num_rows() as u64;
        }
        for seed in [1u64, 2, 3, 99] {
            let mut rng = Rng(seed * 0x9e37_79b9 + 1);
            let k = 1 + rng.below(5);
            let mut partials: Vec<Partial> = (0..k).map(|_| auditor.partial()).collect();
            for (first, b) in &pieces {
                // Split each slice again at a random point, so partials take parts of batches.
                let cut = rng.below(b.num_rows() + 1);
                for (offset, len) in [(0, cut), (cut, b.num_rows() - cut)] {
                    if len == 0 {
                        continue;
                    }
                    let target = rng.below(k);
                    let origin = Origin { manifest: 0, first_row: first + offset as u64 };
                    auditor
                        .observe(&mut partials[target], &b.slice(offset, len), origin)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
            }
            // Merge in a random order, half of them through bytes.
            let mut total = auditor.partial();
            while !partials.is_empty() {
                let mut next = partials.swap_remove(rng.below(partials.len()));
                if rng.below(2) == 0 {
                    let bytes = next.to_bytes().unwrap_or_else(|e| panic!("{e}"));
                    next = Partial::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
                }
                if rng.below(2) == 0 {
                    total.merge(next).unwrap_or_else(|e| panic!("{e}"));
                } else {
                    next.merge(total).unwrap_or_else(|e| panic!("{e}"));
                    total = next;
                }
            }
            let lib = json_of(&auditor.finish(total).unwrap_or_else(|e| panic!("{e}")));
            assert_eq!(lib, cli, "{path}, seed {seed}, {k} partials");
        }
    }
}

#[test]
fn partial_bytes_from_another_tool_are_refused() {
    let Err(err) = Partial::from_bytes(b"not a partial") else { panic!("garbage read as a partial") };
    assert_eq!(err.kind(), dpg_audit::error::ErrorKind::Usage, "{err}");
}

#[test]
fn observe_refuses_an_origin_outside_the_collection() {
    let auditor = Auditor::new(&Config::default(), &Settings::default(), vec!["only".into()])
        .unwrap_or_else(|e| panic!("{e}"));
    let b = common::batch(vec![("license", Arc::new(StringArray::from(vec!["MIT"])) as ArrayRef)]);
    let mut part = auditor.partial();
    assert!(auditor.observe(&mut part, &b, Origin { manifest: 1, first_row: 1 }).is_err());
    assert!(auditor.observe(&mut part, &b, Origin { manifest: 0, first_row: 0 }).is_err());
    let missing = common::batch(vec![("x", Arc::new(StringArray::from(vec!["MIT"])) as ArrayRef)]);
    let Err(err) = auditor.observe(&mut part, &missing, Origin { manifest: 0, first_row: 1 }) else {
        panic!("a batch without a license column was observed")
    };
    assert!(err.to_string().contains("no license column"), "{err}");
}

// ---- regressions ----

#[test]
fn a_license_version_and_a_license_url_with_the_same_text_are_different_statements() {
    // `by` + version `4.0` is CC-BY-4.0; `by` + a license URL `4.0` names no license. They once
    // shared a cache key, and whichever came first decided both rows.
    let dir = tempdir();
    for (first, second) in [("version", "url"), ("url", "version")] {
        let row = |kind: &str, id: &str| match kind {
            "version" => format!("{id},by,4.0,,https://example.org/{id}\n"),
            _ => format!("{id},by,,4.0,https://example.org/{id}\n"),
        };
        let csv =
            format!("id,license,license_version,license_url,url\n{}{}", row(first, "a"), row(second, "b"));
        let path = write(dir.path(), &format!("{first}-{second}.csv"), csv);
        let r = report(&["-j", "1", p(&path)]);
        let findings = r["findings"].as_array().cloned().unwrap_or_default();
        let of = |id: &str| -> Vec<String> {
            findings
                .iter()
                .filter(|f| f["item"] == id)
                .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
                .collect()
        };
        // Row `a` is the first kind, `b` the second.
        let (versioned, with_url) = if first == "version" { (of("a"), of("b")) } else { (of("b"), of("a")) };
        assert!(versioned.is_empty(), "{first} first: the versioned row has findings {versioned:?}");
        // The URL `4.0` names no license, and `by` alone names none either.
        assert!(
            with_url.iter().any(|r| r.starts_with("license-")),
            "{first} first: the row with a license URL of `4.0` passed: {with_url:?}"
        );
        assert_eq!(r["verdict"], "fail", "{first} first");
    }
}

#[test]
fn waivers_do_not_depend_on_max_findings() {
    // 200 duplicate ids, all waived: pass whatever the number of findings shown.
    let dir = tempdir();
    let mut csv = String::from("id,license,url\n");
    for i in 0..400 {
        csv.push_str(&format!("dup-{},CC-BY-4.0,https://data.example.org/{i}\n", i % 200));
    }
    write(dir.path(), "items.csv", csv);
    write(
        dir.path(),
        "dpg-audit.toml",
        "type = \"data\"\n[[exceptions]]\nrule = \"duplicate-item-id\"\nitems = [\"dup-*\"]\nreason = \"two exports of one record\"\n",
    );
    let mut seen = Vec::new();
    for max in ["0", "1", "10", "1000"] {
        let r = report(&["--max-findings", max, p(&dir.path().join("items.csv"))]);
        assert_eq!(r["verdict"], "pass", "--max-findings {max}: {}", r["summary"]);
        assert_eq!(r["summary"]["waived"]["duplicate-item-id"], 200, "--max-findings {max}");
        seen.push((r["summary"].clone(), r["groups"].clone()));
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]));
}

/// A CKAN JSON Lines dump of `n` packages, each with `resources` resources; every 7th package is
/// under a NonCommercial license, every 11th has no resources, line 13 is broken.
fn ckan_dump(dir: &Path, n: usize, resources: usize) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("dump.jsonl");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap_or_else(|e| panic!("{e}")));
    for i in 0..n {
        if i == 12 {
            writeln!(out, "{{\"id\": \"broken\", ").unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        let license = if i % 7 == 0 { "cc-nc" } else { "cc-by-4.0" };
        let res: Vec<Value> = (0..if i % 11 == 5 { 0 } else { resources })
            .map(|r| serde_json::json!({"id": format!("r{i}-{r}"), "url": format!("https://data.example.org/{i}/{r}.csv")}))
            .collect();
        let pkg = serde_json::json!({"id": format!("pkg-{i}"), "name": format!("pkg-{i}"), "title": format!("Dataset {i}"),
            "license_id": license, "license_title": "x", "private": false, "resources": res});
        writeln!(out, "{pkg}").unwrap_or_else(|e| panic!("{e}"));
    }
    out.flush().unwrap_or_else(|e| panic!("{e}"));
    path
}

#[test]
fn a_portal_batch_of_five_thousand_datasets_at_any_thread_count() {
    let dir = tempdir();
    let dump = ckan_dump(dir.path(), 5000, 3);
    let mut outputs = Vec::new();
    for j in ["1", "4"] {
        let run = dpg_audit(&["audit", "--quiet", "--format", "json", "-j", j, p(&dump)]);
        assert_eq!(run.code, 1, "-j {j}: {}", run.stderr);
        let json = run.json();
        let s = &json["summary"];
        assert_eq!(s["datasets"], 5000, "-j {j}");
        assert_eq!(json["datasets"].as_array().map(Vec::len), Some(5000));
        // The broken line is a failed entry, not dropped. A package without resources is a
        // dataset (issue #18): its licence judged, `access-location-missing`, so it fails too.
        let unreadable = 1;
        assert_eq!(s["unreadable"], unreadable as u64, "-j {j}");
        let failing = (0..5000).filter(|i| (i % 7 == 0 || i % 11 == 5) && *i != 12).count();
        assert_eq!(s["fail"], (failing + unreadable) as u64, "-j {j}");
        // In file order.
        let index = s["index"].as_array().cloned().unwrap_or_default();
        assert_eq!(index[0]["id"], "pkg-0");
        assert_eq!(index[4999]["id"], "pkg-4999");
        outputs.push(run.stdout);
    }
    assert_eq!(outputs[0], outputs[1], "-j 1 and -j 4 give the same batch report");

    // NDJSON: one report per line, then the summary.
    let run = dpg_audit(&["audit", "--quiet", "--format", "ndjson", "-j", "2", p(&dump)]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5001, "{}", run.stderr);
    let last: Value = serde_json::from_str(lines[5000]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(last["summary"]["datasets"], 5000);
    let first: Value = serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first["verdict"], "fail", "pkg-0 is NonCommercial");
}

#[test]
fn a_package_search_file_streams_like_a_dump() {
    let dir = tempdir();
    let pkgs: Vec<Value> = (0..300)
        .map(|i| {
            serde_json::json!({"id": format!("p{i}"), "license_id": "cc-by-4.0", "license_title": "CC BY 4.0",
                "resources": [{"id": format!("r{i}"), "url": format!("https://d.example.org/{i}")}]})
        })
        .collect();
    let search = serde_json::json!({"help": "x", "success": true, "result": {"count": 300, "results": pkgs}});
    let path = write(dir.path(), "search.json", serde_json::to_string_pretty(&search).unwrap_or_default());
    let json = dpg_audit(&["audit", "--quiet", "--format", "json", p(&path)]).json();
    assert_eq!(json["summary"]["datasets"], 300);
    assert_eq!(json["summary"]["pass"], 300);
    // Cut short: the datasets read are audited and the rest is one failed entry.
    let text = serde_json::to_string(&search).unwrap_or_default();
    let cut = write(dir.path(), "cut.json", &text[..text.len() / 2]);
    // (A file cut short is no longer recognizable as CKAN by its content: say what it is.)
    let run = dpg_audit(&["audit", "--quiet", "--format", "json", "--input-format", "ckan", p(&cut)]);
    let json = run.json();
    let s = &json["summary"];
    assert_eq!(s["unreadable"], 1, "{s}");
    let read = s["datasets"].as_u64().unwrap_or(0);
    assert!(read > 100 && read < 300, "{read}");
    let last = &json["datasets"][read as usize - 1];
    assert!(
        last["findings"][0]["message"].as_str().unwrap_or_default().contains("the rest cannot be read"),
        "{last}"
    );
}

// ---- the library ----

#[test]
fn the_library_audits_arrow_batches_and_gets_the_cli_report() {
    let dir = tempdir();
    let path = dirty_manifest(dir.path(), 2000, 42);
    for max in [1000usize, 3] {
        let cli = report(&["--max-findings", &max.to_string(), p(&path)]);
        let config = config_beside(&path);
        let settings = Settings { max_findings: max, ..Settings::default() };
        let auditor =
            Auditor::new(&config, &settings, vec![p(&path).to_string()]).unwrap_or_else(|e| panic!("{e}"));
        let mut partial = auditor.partial();
        let mut row = 1;
        for b in read_parquet(&path) {
            auditor
                .observe(&mut partial, &b, Origin { manifest: 0, first_row: row })
                .unwrap_or_else(|e| panic!("{e}"));
            row += b.num_rows() as u64;
        }
        let lib = json_of(&auditor.finish(partial).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(lib, cli, "--max-findings {max}");
    }
}

#[test]
fn partial_bytes_that_disagree_on_lengths_do_not_panic() {
    // A partial of a 3-manifest auditor merged into one of a 1-manifest auditor, both ways, and
    // observed further: lengths are reconciled, never indexed past.
    let col = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
    let b = common::batch(vec![("license", col(vec!["MIT"])), ("url", col(vec!["https://e.org/1"]))]);
    let three =
        Auditor::new(&Config::default(), &Settings::default(), vec!["a".into(), "b".into(), "c".into()])
            .unwrap_or_else(|e| panic!("{e}"));
    let one = Auditor::new(&Config::default(), &Settings::default(), vec!["a".into()])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut big = three.partial();
    three.observe(&mut big, &b, Origin { manifest: 2, first_row: 1 }).unwrap_or_else(|e| panic!("{e}"));
    let bytes = big.to_bytes().unwrap_or_else(|e| panic!("{e}"));
    let mut small = one.partial();
    small
        .merge(Partial::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"));
    one.observe(&mut small, &b, Origin { manifest: 0, first_row: 2 }).unwrap_or_else(|e| panic!("{e}"));
    let mut other = Partial::from_bytes(&bytes).unwrap_or_else(|e| panic!("{e}"));
    other.merge(one.partial()).unwrap_or_else(|e| panic!("{e}"));
    let report = one.finish(small).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.summary.items, 2);
}

#[test]
fn a_one_line_package_search_with_trailing_blank_lines_is_one_document() {
    let dir = tempdir();
    let pkg = |i: u32| {
        serde_json::json!({"id": format!("p{i}"), "license_id": "cc-by-4.0", "license_title": "x",
        "resources": [{"id": format!("r{i}"), "url": format!("https://d.example.org/{i}")}]})
    };
    let search = serde_json::json!({"help": "x", "success": true, "result": {"count": 2, "results": [pkg(1), pkg(2)]}});
    let path = write(dir.path(), "search.json", format!("{search}\n\n\n"));
    let json = dpg_audit(&["audit", "--quiet", "--format", "json", p(&path)]).json();
    assert_eq!(json["summary"]["datasets"], 2, "{}", json["summary"]);
    assert_eq!(json["summary"]["pass"], 2);
}

#[test]
fn observe_batches_on_any_thread_count_gives_the_cli_report() {
    let dir = tempdir();
    let path = dirty_manifest(dir.path(), 3000, 7);
    let cli = report(&[p(&path)]);
    let config = config_beside(&path);
    let auditor = Auditor::new(&config, &Settings::default(), vec![p(&path).to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    for (threads, batch_size) in [(1, 8192), (2, 100), (3, 7), (0, 1000)] {
        let mut batches = read_parquet(&path).into_iter().map(Ok);
        let start = Origin { manifest: 0, first_row: 1 };
        let partial = dpg_audit::run::observe_batches(&auditor, &mut batches, start, threads, batch_size)
            .unwrap_or_else(|e| panic!("{e}"));
        let lib = json_of(&auditor.finish(partial).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(lib, cli, "{threads} threads, batches of {batch_size}");
    }
}

#[test]
fn observe_batches_stops_on_the_first_error_without_hanging() {
    let auditor = Auditor::new(&Config::default(), &Settings::default(), vec!["items".into()])
        .unwrap_or_else(|e| panic!("{e}"));
    let good =
        RecordBatch::try_from_iter([("license", Arc::new(StringArray::from(vec!["MIT"; 50])) as ArrayRef)])
            .unwrap_or_else(|e| panic!("{e}"));
    // A stream that fails after a few batches: its error is the result, whatever the threads.
    for threads in [1, 2, 4] {
        let mut n = 0;
        let mut batches = std::iter::from_fn(|| {
            n += 1;
            match n {
                1..=20 => Some(Ok(good.clone())),
                21 => Some(Err(dpg_audit::Error::input(Path::new("items"), "the stream broke"))),
                _ => None,
            }
        });
        let start = Origin { manifest: 0, first_row: 1 };
        let Err(err) = dpg_audit::run::observe_batches(&auditor, &mut batches, start, threads, 10) else {
            panic!("a broken stream gave a partial")
        };
        assert!(err.to_string().contains("the stream broke"), "{err}");
    }
    // A worker's error (an origin outside the collection) stops the reading: the error comes
    // back even though the stream never ends.
    for threads in [1, 3] {
        let mut endless = std::iter::repeat_with(|| Ok(good.clone()));
        let start = Origin { manifest: 5, first_row: 1 };
        let Err(err) = dpg_audit::run::observe_batches(&auditor, &mut endless, start, threads, 10) else {
            panic!("an origin outside the collection was accepted")
        };
        assert!(err.to_string().contains("out of range"), "{err}");
    }
}

#[test]
fn configs_from_text_are_checked_like_files() {
    let origin = Path::new("<memory>");
    let c = Config::from_toml("type = 'content'\n[columns]\nlicense = 'rights'\n", origin)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.dpg_type, Some(dpg_audit::config::DpgType::Content));
    assert_eq!(c.columns["license"], "rights");
    let j = Config::from_json(r#"{"type": "content", "columns": {"license": "rights"}}"#, origin)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((j.dpg_type, j.columns), (c.dpg_type, c.columns));
    for bad in ["[columns]\nlicence_col = 'x'\n", "no_such_key = 1\n", "type = 'nonsense'\n"] {
        let Err(e) = Config::from_toml(bad, origin) else { panic!("{bad:?} was accepted") };
        assert_eq!(e.kind(), dpg_audit::error::ErrorKind::Config, "{e}");
        assert!(e.to_string().starts_with("<memory>: "), "{e}");
    }
    let Err(e) = Config::from_json(r#"{"columns": {"licence_col": "x"}}"#, origin) else {
        panic!("an unknown field was accepted")
    };
    assert!(e.to_string().contains("unknown field `licence_col`"), "{e}");
}

#[test]
fn findings_as_arrow_have_the_findings_file_columns() {
    use arrow_array::Array;
    let dir = tempdir();
    let path = dirty_manifest(dir.path(), 500, 3);
    let config = config_beside(&path);
    let auditor = Auditor::new(&config, &Settings::default(), vec![p(&path).to_string()])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut batches = read_parquet(&path).into_iter().map(Ok);
    let partial =
        dpg_audit::run::observe_batches(&auditor, &mut batches, Origin { manifest: 0, first_row: 1 }, 2, 64)
            .unwrap_or_else(|e| panic!("{e}"));
    let report = auditor.finish(partial).unwrap_or_else(|e| panic!("{e}"));
    let batch = dpg_audit::report::findings::record_batch(&report.findings).unwrap_or_else(|e| panic!("{e}"));
    let schema = batch.schema();
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(
        names,
        [
            "rule",
            "severity",
            "item",
            "manifest",
            "row",
            "line",
            "message",
            "value",
            "evidence",
            "waived",
            "license",
            "license_status"
        ]
    );
    assert_eq!(batch.num_rows(), report.findings.len());
    assert!(batch.num_rows() > 10);
    let rows = batch.column(4).as_any().downcast_ref::<arrow_array::UInt64Array>().expect("row is u64");
    let rules = batch.column(0).as_any().downcast_ref::<StringArray>().expect("rule is text");
    for (i, f) in report.findings.iter().enumerate() {
        assert_eq!(rules.value(i), f.rule.code());
        assert_eq!(rows.is_valid(i).then(|| rows.value(i)), f.row);
    }
}

#[test]
fn batches_read_twice_give_the_cli_report_and_a_changed_source_is_an_error() {
    let dir = tempdir();
    // Mostly increasing ids with repeats: spans that need the second reading.
    let path = dirty_manifest(dir.path(), 4000, 11);
    let cli = report(&[p(&path)]);
    let config = config_beside(&path);
    let batches = read_parquet(&path);
    for threads in [1, 2] {
        let mut source = || -> dpg_audit::Result<Box<dyn Iterator<Item = dpg_audit::Result<RecordBatch>>>> {
            Ok(Box::new(batches.clone().into_iter().map(Ok)))
        };
        let report = dpg_audit::run::audit_batches(
            &config,
            &Settings::default(),
            vec![p(&path).to_string()],
            &mut source,
            threads,
            500,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(json_of(&report), cli, "{threads} threads");
    }
    // In order, unique: proven distinct by the spans, never read again.
    let ids: Vec<String> = (0..5000).map(|i| format!("id-{i:06}")).collect();
    let ordered = RecordBatch::try_from_iter([
        ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
        ("license", Arc::new(StringArray::from(vec!["CC-BY-4.0"; 5000])) as ArrayRef),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let mut reads = 0;
    let mut source = || -> dpg_audit::Result<Box<dyn Iterator<Item = dpg_audit::Result<RecordBatch>>>> {
        reads += 1;
        Ok(Box::new(std::iter::once(Ok(ordered.clone()))))
    };
    let report = dpg_audit::run::audit_batches(
        &Config::default(),
        &Settings::default(),
        vec!["t".into()],
        &mut source,
        2,
        700,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reads, 1);
    assert_eq!(report.collection.items, 5000);
    // A source whose second reading has fewer rows is refused, naming it.
    let dup = ordered.slice(0, 10);
    let mut n = 0;
    let mut changing = || -> dpg_audit::Result<Box<dyn Iterator<Item = dpg_audit::Result<RecordBatch>>>> {
        n += 1;
        let first = if n == 1 { vec![ordered.clone(), dup.clone()] } else { vec![ordered.clone()] };
        Ok(Box::new(first.into_iter().map(Ok)))
    };
    let Err(err) = dpg_audit::run::audit_batches(
        &Config::default(),
        &Settings::default(),
        vec!["t".into()],
        &mut changing,
        2,
        700,
    ) else {
        panic!("a source that changed was audited")
    };
    assert!(err.to_string().starts_with("t: changed while it was being read"), "{err}");
}
