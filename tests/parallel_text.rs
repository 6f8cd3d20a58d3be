//! CSV and NDJSON manifests are cut into ranges that workers parse in parallel: the report and
//! the findings file are the same whatever the threads, and compressed copies read like the
//! plain file.

mod common;

use std::io::Write;

use common::*;

/// A manifest of `n` items over several 4 MiB ranges, about a third of them with a finding:
/// quoted fields holding newlines and doubled quotes, CRLF and LF, blank lines, ragged rows,
/// invalid UTF-8, unknown and non-open licenses.
fn dirty_csv(n: usize) -> Vec<u8> {
    let mut out = b"id,license,url,title\r\n".to_vec();
    for i in 0..n {
        let row = match i % 29 {
            0 => {
                format!("item-{i},\"CC-BY-4.0\",\"https://e.org/{i}\",\"a title\nover \"\"two\"\" lines\"\n")
            }
            1 => format!("item-{i},CC-BY-NC-4.0,https://e.org/{i},t\r\n"),
            2 => format!("item-{i},MIT\n"),
            3 => "\n".to_string(),
            4 => format!("item-{i},license {},https://e.org/{i},t\n", i % 1000),
            5 => format!("item-{i},,ftp://e.org/{i},t\n"),
            6 => format!("item-{i},\"Apache-2.0\r\n\",https://e.org/{i},\"q,\"\"x\"\"\"\n"),
            _ => format!("item-{i},CC0-1.0,https://e.org/{i},\"plain, title\"\n"),
        };
        out.extend_from_slice(row.as_bytes());
        if i % 1013 == 0 {
            out.extend_from_slice(b"item-bad,\xff\xfe,https://e.org/x,t\n");
        }
    }
    out.extend_from_slice(b"item-last,CC0-1.0,https://e.org/last,no newline at the end");
    out
}

fn dirty_ndjson(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..n {
        let line = match i % 31 {
            0 => format!(
                "{{\"id\":\"item-{i}\",\"license\":\"CC-BY-NC-4.0\",\"url\":\"https://e.org/{i}\"}}\r\n"
            ),
            1 => format!("{{\"id\":{i},\"license\":\"MIT\",\"extra\":[1,{{\"a\":\"}}\\n\"}}]}}\n"),
            2 => "\n".to_string(),
            3 => format!("{{\"id\":\"item-{i}\",\"license\":5}}\n"),
            4 => format!("{{\"id\":\"item-{i}\",\"license\":\"CC-BY-4.0\"\n"),
            5 => "[1,2]\n".to_string(),
            6 => format!(
                "{{\"id\":\"item-{i}\",\"license\":\"license {}\",\"url\":\"https://e.org/{i}\"}}\n",
                i % 700
            ),
            _ => format!(
                "{{\"id\":\"item-{i}\",\"license\":\"CC0-1.0\",\"url\":\"https://e.org/{i}\",\"title\":\"t\\u00e9\"}}\n"
            ),
        };
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(b"{\"id\":\"last\",\"license\":\"MIT\"}");
    out
}

/// The JSON report (first findings only) and the whole findings file, with `threads`.
fn audit(path: &std::path::Path, threads: &str, findings: &std::path::Path) -> (String, String) {
    let run =
        audit_json(&["--threads", threads, "--max-findings", "300", "--findings", p(findings), p(path)]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let file = std::fs::read_to_string(findings).unwrap_or_else(|e| panic!("{e}"));
    (run.stdout, file)
}

fn same_whatever_the_threads(name: &str, bytes: &[u8]) {
    let dir = tempdir();
    let path = write(dir.path(), name, bytes);
    let out = dir.path().join("f.ndjson");
    let (one, file_one) = audit(&path, "1", &out);
    let (two, file_two) = audit(&path, "2", &out);
    let (three, file_three) = audit(&path, "3", &out);
    assert_eq!(one, two, "{name}: report, 1 vs 2 threads");
    assert_eq!(one, three, "{name}: report, 1 vs 3 threads");
    assert_eq!(file_one, file_two, "{name}: findings, 1 vs 2 threads");
    assert_eq!(file_one, file_three, "{name}: findings, 1 vs 3 threads");
    let r: serde_json::Value = serde_json::from_str(&one).unwrap_or_else(|e| panic!("{e}"));
    assert!(rule_count(&r, "manifest-row-invalid") > 0, "{name}: {r}");
    // Row and line numbers go on past the first range: the last finding is near the end.
    let last: serde_json::Value = file_one
        .lines()
        .last()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_default();
    assert!(last["row"].as_u64().unwrap_or(0) > 100_000, "{name}: {last}");
}

#[test]
fn csv_over_many_ranges_reads_the_same_on_any_number_of_threads() {
    // About 51 bytes a row: 200,000 rows is ~10 MiB, three ranges of 4 MiB.
    let bytes = dirty_csv(200_000);
    assert!(bytes.len() > 9 << 20, "more than two ranges: {}", bytes.len());
    same_whatever_the_threads("m.csv", &bytes);
}

#[test]
fn ndjson_over_many_ranges_reads_the_same_on_any_number_of_threads() {
    let bytes = dirty_ndjson(140_000);
    assert!(bytes.len() > 9 << 20, "more than two ranges: {}", bytes.len());
    same_whatever_the_threads("m.ndjson", &bytes);
}

#[test]
fn gzip_and_zstd_manifests_read_like_the_plain_file() {
    let dir = tempdir();
    let csv = dirty_csv(20_000);
    let ndjson = dirty_ndjson(20_000);
    for (plain, bytes) in [("m.csv", &csv), ("m.ndjson", &ndjson)] {
        let path = write(dir.path(), plain, bytes);
        let out = dir.path().join("f.ndjson");
        let (want, want_file) = audit(&path, "2", &out);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap_or_else(|e| panic!("{e}"));
        let gz = gz.finish().unwrap_or_else(|e| panic!("{e}"));
        let zst = zstd::encode_all(bytes.as_slice(), 1).unwrap_or_else(|e| panic!("{e}"));
        for (name, data) in [(format!("{plain}.gz"), &gz), (format!("{plain}.zst"), &zst)] {
            let sub = dir.path().join(name.replace('.', "-"));
            std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
            let path = write(&sub, &name, data);
            let (got, got_file) = audit(&path, "2", &out);
            let shown = p(&path).to_string();
            let plain_shown = p(&dir.path().join(plain)).to_string();
            assert_eq!(got.replace(&shown, &plain_shown), want, "{name}");
            assert_eq!(got_file.replace(&shown, &plain_shown), want_file, "{name}");
            // Cut short: exit 2 naming the file, never a shorter manifest.
            let cut = write(&sub, &format!("cut-{name}"), &data[..data.len() / 2]);
            let run = audit_json(&[p(&cut)]);
            assert_eq!(run.code, 2, "{name}: {}", run.stderr);
            assert!(
                run.stderr.contains(&format!("cut-{name}")) && run.stderr.contains("truncated"),
                "{}",
                run.stderr
            );
        }
    }
    // gzip data under a plain `.csv` name is still read (by its magic bytes).
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"id,license\n1,MIT\n2,CC0-1.0\n").unwrap_or_else(|e| panic!("{e}"));
    let named = write(dir.path(), "named.csv", gz.finish().unwrap_or_else(|e| panic!("{e}")));
    let run = audit_json(&[p(&named)]);
    assert_eq!(run.json()["summary"]["items"], 2, "{}", run.stderr);
    // A `.gz` name over plain text is refused, naming the file.
    let liar = write(dir.path(), "liar.csv.gz", "id,license\n1,MIT\n");
    let run = audit_json(&[p(&liar)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("liar.csv.gz") && run.stderr.contains("gzip"), "{}", run.stderr);
}

#[test]
fn compressed_manifests_are_found_in_a_folder_and_read_from_stdin() {
    let dir = tempdir();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"{\"id\":\"1\",\"license\":\"MIT\"}\n{\"id\":\"2\",\"license\":\"CC0-1.0\"}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let gz = gz.finish().unwrap_or_else(|e| panic!("{e}"));
    write(dir.path(), "items.jsonl.gz", &gz);
    let run = audit_json(&[p(dir.path())]);
    assert_eq!(run.json()["summary"]["items"], 2, "{}", run.stderr);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(["audit", "--format", "json", "--quiet", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&gz).unwrap_or_else(|e| panic!("{e}"));
    }
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r["summary"]["items"], 2);
}
