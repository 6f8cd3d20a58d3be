//! `--findings PATH`: every per-item finding streamed to .csv, .ndjson or .parquet.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Array, StringArray, UInt64Array};
use common::{audit_json, batch, p, tempdir, write, write_parquet};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;

/// The record batches of a Parquet findings file, as Parquet's own reader decodes them.
fn parquet_batches(path: &Path) -> Vec<arrow_array::RecordBatch> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{e}"));
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    reader.map(|b| b.unwrap_or_else(|e| panic!("{e}"))).collect()
}

/// (rule, item, row) of every finding in a findings file.
fn keys_of(path: &Path) -> Vec<(String, String, u64)> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
    match ext {
        "csv" => {
            let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{e}"));
            r.records()
                .map(|rec| {
                    let rec = rec.unwrap_or_else(|e| panic!("{e}"));
                    (rec[0].to_string(), rec[2].to_string(), rec[4].parse().unwrap_or_else(|e| panic!("{e}")))
                })
                .collect()
        }
        "ndjson" => std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{e}"))
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                assert_eq!(
                    v.as_object().map(|o| o.len()),
                    Some(12),
                    "every key on every line (license and license_status included): {l}"
                );
                (
                    v["rule"].as_str().unwrap_or_default().to_string(),
                    v["item"].as_str().unwrap_or_default().to_string(),
                    v["row"].as_u64().unwrap_or_default(),
                )
            })
            .collect(),
        _ => {
            let mut out = Vec::new();
            for b in parquet_batches(path) {
                let col = |name: &str| b.column_by_name(name).unwrap_or_else(|| panic!("no {name}")).clone();
                let rule = col("rule");
                let rule = rule.as_any().downcast_ref::<StringArray>().unwrap_or_else(|| panic!("rule type"));
                let item = col("item");
                let item = item.as_any().downcast_ref::<StringArray>().unwrap_or_else(|| panic!("item type"));
                let row = col("row");
                let row = row.as_any().downcast_ref::<UInt64Array>().unwrap_or_else(|| panic!("row type"));
                for i in 0..b.num_rows() {
                    out.push((rule.value(i).to_string(), item.value(i).to_string(), row.value(i)));
                }
            }
            out
        }
    }
}

#[test]
fn every_format_holds_exactly_the_reports_item_findings() {
    let dir = tempdir();
    let manifest = "sample-data/openverse-images/items.csv";
    for ext in ["csv", "ndjson", "parquet"] {
        let out = dir.path().join(format!("findings.{ext}"));
        let run = audit_json(&[manifest, "--max-findings", "100000", "--findings", p(&out)]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report = run.json();
        let expected: BTreeSet<(String, String, u64)> = report["findings"]
            .as_array()
            .unwrap_or_else(|| panic!("findings"))
            .iter()
            .filter(|f| !f["item"].is_null())
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    f["item"].as_str().unwrap_or_default().to_string(),
                    f["row"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        assert!(!expected.is_empty());
        let got = keys_of(&out);
        assert_eq!(got.len(), expected.len(), "{ext}: one line per finding");
        assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected, "{ext}");
    }
}

/// A CSV with hostile cells, a quoted field over two lines, and a duplicate id.
fn hostile_csv(dir: &Path) -> std::path::PathBuf {
    let mut text = String::from("id,license,url,access\n");
    text.push_str("a1,\"=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",https://data.example.org/1,\n");
    text.push_str("a2,\"CC BY-NC\n4.0\",https://data.example.org/2,\n");
    text.push_str("@a3,CC-BY-4.0,ftp://data.example.org/3,members only\n");
    for i in 4..40 {
        let license = if i % 3 == 0 { "CC-BY-NC-4.0" } else { "CC-BY-4.0" };
        text.push_str(&format!("a{i},{license},https://data.example.org/{i},\n"));
    }
    text.push_str("a1,CC-BY-4.0,https://data.example.org/dup,\n");
    write(dir, "items.csv", text)
}

#[test]
fn csv_cells_are_neutralized_and_lines_point_into_the_manifest() {
    let dir = tempdir();
    let manifest = hostile_csv(dir.path());
    let out = dir.path().join("f.csv");
    let run = audit_json(&[p(&manifest), "--findings", p(&out)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut r = csv::Reader::from_path(&out).unwrap_or_else(|e| panic!("{e}"));
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap_or_else(|e| panic!("{e}"))).collect();
    let first = rows.iter().find(|r| &r[2] == "a1").unwrap_or_else(|| panic!("a1 finding"));
    assert!(first[7].starts_with("'="), "formula neutralized: {:?}", &first[7]);
    assert_eq!(&first[5], "2", "a1 starts on line 2");
    let a3 = rows.iter().find(|r| &r[2] == "'@a3").unwrap_or_else(|| panic!("@a3 neutralized as item"));
    // a2's quoted license spans lines 3-4, so a3 starts on line 5.
    assert_eq!(&a3[5], "5");
    assert_eq!(&a3[4], "3", "row is the data row");
    assert!(rows.iter().any(|r| &r[0] == "duplicate-item-id"), "duplicates are streamed too");
}

#[test]
fn the_file_is_the_same_whatever_the_threads_and_batches() {
    let dir = tempdir();
    let manifest = hostile_csv(dir.path());
    let mut outputs = Vec::new();
    for (threads, batch) in [("1", "1000"), ("4", "3"), ("3", "1")] {
        let out = dir.path().join(format!("f-{threads}-{batch}.ndjson"));
        let run = audit_json(&[p(&manifest), "-j", threads, "--batch-size", batch, "--findings", p(&out)]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        outputs.push(std::fs::read(&out).unwrap_or_else(|e| panic!("{e}")));
    }
    assert!(!outputs[0].is_empty());
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "findings files differ between runs");
}

#[test]
fn a_bad_extension_is_exit_2_and_creates_nothing() {
    let dir = tempdir();
    let out = dir.path().join("findings.txt");
    let run = audit_json(&["sample-data/open-data-portal/items.csv", "--findings", p(&out)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("findings.txt") && run.stderr.contains(".parquet"), "{}", run.stderr);
    assert!(!out.exists());
}

#[test]
fn a_failed_audit_leaves_no_findings_file() {
    let dir = tempdir();
    let manifest = write(dir.path(), "items.csv", "title,url\nx,https://a.example/\n");
    let out = dir.path().join("f.csv");
    // One thread writes the file itself; more hand it to a writer thread: both clean up.
    for threads in ["1", "2"] {
        let run = audit_json(&[p(&manifest), "-j", threads, "--findings", p(&out)]);
        assert_eq!(run.code, 2, "no license column: {}", run.stderr);
        assert!(!out.exists(), "a findings file cut short must not be left behind ({threads} threads)");
    }
}

/// Peak resident memory (VmHWM) of a run of the binary, polled from /proc while it runs.
fn peak_rss_kb(args: &[&str]) -> u64 {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    loop {
        if let Ok(status) = std::fs::read_to_string(&status_path)
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            let kb: u64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0);
            peak = peak.max(kb);
        }
        if child.try_wait().unwrap_or_else(|e| panic!("{e}")).is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    peak
}

/// Over a million findings go to the file while memory stays where a run with few findings is:
/// the findings are streamed, not held. (A held `Finding` costs a few hundred bytes, so 1.2M of
/// them would add hundreds of MB.)
#[test]
fn over_a_million_findings_stream_in_flat_memory() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("no /proc: cannot read peak memory here");
        return;
    }
    let dir = tempdir();
    let rows = 1_200_000usize;
    let make = |name: &str, bad_every: usize| {
        let license: Vec<&str> =
            (0..rows).map(|i| if i % bad_every == 0 { "CC BY-NC 4.0" } else { "CC-BY-4.0" }).collect();
        let ids: Vec<String> = (0..rows).map(|i| format!("item-{i:08}")).collect();
        let urls: Vec<String> = (0..rows).map(|i| format!("https://data.example.org/items/{i}")).collect();
        let chunk = 200_000;
        let batches: Vec<_> = (0..rows)
            .step_by(chunk)
            .map(|s| {
                let e = (s + chunk).min(rows);
                batch(vec![
                    ("id", Arc::new(StringArray::from_iter_values(&ids[s..e])) as _),
                    ("license", Arc::new(StringArray::from_iter_values(&license[s..e])) as _),
                    ("url", Arc::new(StringArray::from_iter_values(&urls[s..e])) as _),
                ])
            })
            .collect();
        let path = dir.path().join(name);
        // Row groups (the workers' units) of 10k rows: the writer's window of 4 x threads units then
        // holds at most 80k findings, a small part of the file, so a run that kept its findings
        // would stand out from one that streams them.
        write_parquet(&path, &batches, Compression::SNAPPY, 10_000);
        path
    };
    let many = make("many.parquet", 1);
    let few = make("few.parquet", 1000);
    let out_many = dir.path().join("many.parquet.findings.parquet");
    let out_few = dir.path().join("few.parquet.findings.parquet");
    let run = |m: &Path, o: &Path| {
        peak_rss_kb(&["audit", "-q", "-j", "2", "--format", "json", p(m), "--findings", p(o)])
    };
    let peak_few = run(&few, &out_few);
    let peak_many = run(&many, &out_many);
    eprintln!("peak few {peak_few} kB, many {peak_many} kB");
    let written = keys_of(&out_many).len();
    assert_eq!(written, rows, "one finding per row");
    assert_eq!(keys_of(&out_few).len(), rows / 1000);
    // Flat: the 1.2M-finding run may use a little more (larger output chunks in flight), but not
    // memory in proportion to the findings.
    assert!(
        peak_many < peak_few + 64 * 1024,
        "peak RSS grew with findings: {peak_few} kB for 1.2k findings, {peak_many} kB for {rows}"
    );
}

/// Every finding, every column, as JSON values: from an NDJSON findings file, or read back from a
/// Parquet one (nulls as JSON null, row and line as numbers).
fn rows_of(path: &Path) -> Vec<Vec<serde_json::Value>> {
    const COLUMNS: [&str; 12] = [
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
        "license_status",
    ];
    if path.extension().and_then(|e| e.to_str()) == Some("ndjson") {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        return text
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
                COLUMNS.iter().map(|c| v[*c].clone()).collect()
            })
            .collect();
    }
    let mut out = Vec::new();
    for b in parquet_batches(path) {
        for i in 0..b.num_rows() {
            let row = COLUMNS
                .iter()
                .map(|c| {
                    let col = b.column_by_name(c).unwrap_or_else(|| panic!("no {c}"));
                    if col.is_null(i) {
                        serde_json::Value::Null
                    } else if let Some(s) = col.as_any().downcast_ref::<StringArray>() {
                        s.value(i).into()
                    } else if let Some(n) = col.as_any().downcast_ref::<UInt64Array>() {
                        n.value(i).into()
                    } else {
                        panic!("{c}: unexpected type {}", col.data_type())
                    }
                })
                .collect();
            out.push(row);
        }
    }
    out
}

/// The Parquet findings file codes rule, severity, manifest, message and value with its own
/// dictionary pages. Read back by Parquet's reader, it must hold what the NDJSON file holds, row
/// by row and column by column: here with more findings than one row group holds, tens of
/// thousands of distinct values (wide dictionary indices), null values, per-row messages (bad
/// URLs), waived findings and duplicate ids (written after the rest by another encoder).
#[test]
fn parquet_findings_equal_ndjson_findings_in_every_column() {
    let dir = tempdir();
    let rows = 200_000;
    let mut csv = String::from("id,license,url\n");
    for i in 0..rows {
        let license = match i % 4 {
            0 => format!("Mystery License {i}"),
            1 => "CC-BY-NC-4.0".to_string(),
            2 => String::new(),
            _ => "CC-BY-4.0".to_string(),
        };
        let url = if i % 997 == 0 {
            format!("ftp://files.example.org/{i}")
        } else {
            format!("https://data.example.org/{i}")
        };
        // Every 5000th id repeats the one before it.
        let id = if i % 5000 == 1 { format!("item-{}", i - 1) } else { format!("item-{i}") };
        csv.push_str(&format!("{id},{license},{url}\n"));
    }
    let manifest = write(dir.path(), "items.csv", csv);
    write(
        dir.path(),
        "dpg-audit.toml",
        "[[exceptions]]\nrule = \"license-not-approved\"\nitems = [\"item-1?\"]\nreason = \"relicensed upstream\"\n",
    );
    let run = |ext: &str| {
        let out = dir.path().join(format!("findings.{ext}"));
        let r = audit_json(&[p(&manifest), "-j", "2", "--max-findings", "0", "--findings", p(&out)]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        rows_of(&out)
    };
    let from_parquet = run("parquet");
    let from_ndjson = run("ndjson");
    assert_eq!(from_parquet.len(), from_ndjson.len());
    // More than one row group (128Ki findings) of the Parquet file.
    assert!(from_ndjson.len() > 140_000, "{} findings", from_ndjson.len());
    if let Some(i) = (0..from_ndjson.len()).find(|&i| from_parquet[i] != from_ndjson[i]) {
        panic!("finding {i}: {:?} from Parquet, {:?} from NDJSON", from_parquet[i], from_ndjson[i]);
    }
    // The cases above are all there.
    let has = |pred: &dyn Fn(&[serde_json::Value]) -> bool| from_ndjson.iter().any(|r| pred(r));
    assert!(has(&|r| r[0] == "license-unrecognized" && r[7] == "Mystery License 199996"));
    assert!(has(&|r| r[0] == "license-missing" && r[7].is_null()));
    assert!(has(&|r| r[0] == "access-location-invalid"));
    assert!(has(&|r| r[0] == "duplicate-item-id"));
    assert!(has(&|r| r[9] == "relicensed upstream"));
}

/// A Parquet manifest where about half the rows fail, in many row groups (the workers' units),
/// with ids in no order and a few repeated: every findings format must come out the same whatever
/// the threads and batch sizes. Parquet files are compared by content (a chunk boundary may fall
/// elsewhere, so row groups may differ), CSV and NDJSON byte for byte.
#[test]
fn findings_are_the_same_in_every_format_whatever_the_threads_and_batches() {
    let dir = tempdir();
    let rows = 50_000usize;
    let licenses =
        ["CC-BY-4.0", "CC-BY-NC-4.0", "CC BY 4.0", "", "Mystery", "CC0-1.0", "GPL-2.0", "cc-by-4.0"];
    let id = |i: usize| {
        // Scattered (no increasing batch), and every 4,999th row repeats an earlier id.
        let k = if i % 4999 == 4998 { i / 2 } else { i };
        format!("{:016x}", (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    };
    let ids: Vec<String> = (0..rows).map(id).collect();
    let license: Vec<&str> = (0..rows).map(|i| licenses[(i * 7 + i / 3) % licenses.len()]).collect();
    let urls: Vec<String> = (0..rows)
        .map(|i| match i % 5 {
            0 => format!("https://mirror.example.net/{i}"),
            1 if i % 3 == 0 => format!("ftp://files.example.org/{i}"),
            _ => format!("https://data.example.org/{i}"),
        })
        .collect();
    let access: Vec<&str> = (0..rows).map(|i| ["", "login", "members only", "whatever"][i % 4]).collect();
    let b = batch(vec![
        ("id", Arc::new(StringArray::from_iter_values(&ids)) as _),
        ("license", Arc::new(StringArray::from_iter_values(&license)) as _),
        ("url", Arc::new(StringArray::from_iter_values(&urls)) as _),
        ("access", Arc::new(StringArray::from_iter_values(&access)) as _),
    ]);
    let manifest = dir.path().join("items.parquet");
    write_parquet(&manifest, &[b], Compression::SNAPPY, 3_000);
    for ext in ["parquet", "csv", "ndjson"] {
        let mut outputs = Vec::new();
        for (threads, batch) in [("1", "8192"), ("2", "1000"), ("3", "77")] {
            let out = dir.path().join(format!("f-{threads}-{batch}.{ext}"));
            let run = audit_json(&[
                p(&manifest),
                "-j",
                threads,
                "--batch-size",
                batch,
                "--max-findings",
                "0",
                "--findings",
                p(&out),
            ]);
            assert_eq!(run.code, 1, "{}", run.stderr);
            outputs.push(if ext == "parquet" {
                serde_json::to_vec(&rows_of(&out)).unwrap_or_else(|e| panic!("{e}"))
            } else {
                std::fs::read(&out).unwrap_or_else(|e| panic!("{e}"))
            });
        }
        if ext == "parquet" {
            let first = rows_of(&dir.path().join("f-1-8192.parquet"));
            assert!(first.len() > rows / 2, "{ext}: about half the rows fail, some twice: {}", first.len());
            assert!(first.iter().any(|r| r[0] == "duplicate-item-id"), "duplicates are in the file too");
        }
        assert!(outputs.windows(2).all(|w| w[0] == w[1]), "{ext}: findings files differ between runs");
    }
}
