//! Hostile input (issue #19): every case spawns the binary under a 1.5 GB address-space limit and
//! a wall-clock limit, with inputs the test writes itself. Outputs never touch inputs, nothing is
//! dropped silently, limits hold, and untrusted text reaches no terminal raw.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

/// Address space allowed to the binary (KiB, as `ulimit -v` counts).
const MEMORY_KIB: u64 = 1536 * 1024;
/// Wall-clock limit for one bounded case.
const SECONDS: u64 = 60;

/// Runs `dpg-audit args` under the limits, with `stdin` piped in when given.
fn limited(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn dpg-audit");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    // Output is collected while the child runs (a full pipe would stall it), on a thread, so
    // the wall-clock limit can be enforced here.
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let out = match rx.recv_timeout(Duration::from_secs(SECONDS)) {
        Ok(out) => out.expect("output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("dpg-audit {args:?} ran for more than {SECONDS} s");
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "dpg-audit panicked: {stderr}");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

fn audit(args: &[&str]) -> Run {
    let mut all = vec!["audit", "--format", "json", "--quiet"];
    all.extend_from_slice(args);
    limited(&all, None)
}

const MANIFEST: &str = "id,license,url\na,CC-BY-4.0,https://example.org/a\nb,CC0-1.0,https://example.org/b\n";

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---- 1. Outputs never touch inputs ----------------------------------------------------------

#[test]
fn findings_naming_the_input_is_refused_and_the_input_kept() {
    let dir = tempdir();
    let input = write(dir.path(), "items.csv", MANIFEST);
    let run = audit(&[p(&input), "--findings", p(&input)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--findings") && run.stderr.contains("input"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&input).expect("input"), MANIFEST);
}

#[test]
fn a_report_output_linking_to_the_input_is_refused() {
    let dir = tempdir();
    let input = write(dir.path(), "items.csv", MANIFEST);
    let link = dir.path().join("report.html");
    std::os::unix::fs::symlink(&input, &link).expect("symlink");
    let out = format!("html={}", p(&link));
    let run = audit(&[p(&input), "--output", &out]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&input).expect("input"), MANIFEST);
    // A file inside an input folder counts too.
    let out = format!("json={}", p(&input));
    let run = audit(&[p(dir.path()), "--output", &out]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&input).expect("input"), MANIFEST);
}

#[test]
fn a_failed_run_leaves_no_findings_file_and_keeps_an_older_one() {
    let dir = tempdir();
    // A Parquet name over CSV bytes: exit 2 once reading starts, after the findings file opened.
    let bad = write(dir.path(), "bad.parquet", MANIFEST);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let findings = out.join("findings.csv");
    let run = audit(&[p(&bad), "--findings", p(&findings)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(files_in(&out).is_empty(), "nothing left: {:?}", files_in(&out));
    std::fs::write(&findings, "mine").expect("write");
    let run = audit(&[p(&bad), "--findings", p(&findings)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&findings).expect("kept"),
        "mine",
        "never deleted what it did not create"
    );
    assert_eq!(files_in(&out), vec!["findings.csv".to_string()]);
}

#[test]
fn a_good_run_moves_its_findings_file_into_place() {
    let dir = tempdir();
    let input = write(dir.path(), "items.csv", "id,license,url\na,Proprietary,https://example.org/a\n");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let findings = out.join("findings.ndjson");
    let report = out.join("report.json");
    let report_arg = format!("json={}", p(&report));
    let run = audit(&[p(&input), "--findings", p(&findings), "--output", &report_arg]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(files_in(&out), vec!["findings.ndjson".to_string(), "report.json".to_string()]);
    assert!(std::fs::read_to_string(&findings).expect("findings").contains("Proprietary"));
}

#[test]
fn an_interrupted_run_leaves_no_partial_findings_file() {
    let dir = tempdir();
    // Enough rows that the run is still going when the signal comes.
    let mut csv = String::from("id,license,url\n");
    for i in 0..400_000 {
        csv.push_str(&format!("i{i},Proprietary {i},https://example.org/{i}\n"));
    }
    let input = write(dir.path(), "items.csv", csv);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let findings = out.join("findings.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(["audit", "--quiet", "--format", "json", p(&input), "--findings", p(&findings)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait for the temporary file to appear, then interrupt.
    let start = Instant::now();
    while files_in(&out).is_empty() && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().expect("wait");
    if status.success() {
        // The run won the race; its file must then be whole.
        assert!(findings.exists());
        return;
    }
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(files_in(&out).is_empty(), "left behind: {:?}", files_in(&out));
}

// ---- 2. No silent drops ---------------------------------------------------------------------

fn findings_of(report: &serde_json::Value, rule: &str) -> usize {
    report["findings"].as_array().map_or(0, |f| f.iter().filter(|x| x["rule"] == rule).count())
}

#[test]
fn an_ndjson_key_first_seen_late_is_still_read() {
    let dir = tempdir();
    let mut text = String::new();
    for i in 0..100_000 {
        text.push_str(&format!(
            "{{\"id\":\"i{i}\",\"license\":\"CC-BY-4.0\",\"url\":\"https://e.org/{i}\"}}\n"
        ));
    }
    text.push_str(
        "{\"id\":\"late\",\"license\":\"CC-BY-4.0\",\"url\":\"https://e.org/late\",\"access\":\"available to residents of France only\"}\n",
    );
    let path = write(dir.path(), "items.ndjson", &text);
    let run = audit(&[p(&path)]);
    assert_eq!(run.code, 1, "a discriminatory restriction on the last row fails: {}", run.stderr);
    assert_eq!(findings_of(&run.json(), "access-discriminatory"), 1);
}

#[test]
fn a_json_array_key_first_seen_late_is_still_read() {
    let dir = tempdir();
    let mut items: Vec<serde_json::Value> = (0..5000)
        .map(|i| serde_json::json!({"id": format!("i{i}"), "license": "CC-BY-4.0", "url": format!("https://e.org/{i}")}))
        .collect();
    items.push(serde_json::json!({"id": "late", "license": "CC-BY-4.0", "url": "https://e.org/late",
        "access": "available to residents of France only"}));
    let path = write(dir.path(), "items.json", serde_json::to_string(&items).expect("json"));
    let run = audit(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(findings_of(&run.json(), "access-discriminatory"), 1);
}

#[test]
fn standard_input_loses_no_byte() {
    // Each row matters: losing the first bytes would lose the first row or the header.
    let csv = "id,license,url\na,Proprietary,https://e.org/a\nb,CC0-1.0,https://e.org/b\n";
    let run = limited(&["audit", "--format", "json", "--quiet", "-"], Some(csv.as_bytes()));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["items"], 2, "{report}");
    let ndjson = "{\"id\":\"a\",\"license\":\"CC0-1.0\",\"url\":\"https://e.org/a\"}\n";
    let run = limited(&["audit", "--format", "json", "--quiet", "/dev/stdin"], Some(ndjson.as_bytes()));
    assert_eq!(run.code, 0, "{} {}", run.stderr, run.stdout);
}

#[test]
fn device_files_are_refused() {
    let run = audit(&["/dev/zero"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("/dev/zero") && run.stderr.contains("device"), "{}", run.stderr);
}

// ---- 3. Limits --------------------------------------------------------------------------------

#[test]
fn a_huge_csv_field_is_an_error_naming_the_limit_not_memory() {
    let dir = tempdir();
    let path = dir.path().join("items.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        f.write_all(b"id,license,url\na,\"").expect("w");
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..80 {
            f.write_all(&chunk).expect("w");
        }
        f.write_all(b"\",https://e.org/a\n").expect("w");
    }
    let run = audit(&[p(&path)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("items.csv") && run.stderr.contains("--max-line-bytes"), "{}", run.stderr);
    // The option moves the limit.
    let small =
        write(dir.path(), "small.csv", format!("id,license,url\na,{},https://e.org/a\n", "y".repeat(5000)));
    let run = audit(&[p(&small), "--max-line-bytes", "1000"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
}

#[test]
fn an_endless_ndjson_line_is_a_row_finding_and_the_rest_is_read() {
    let dir = tempdir();
    let path = dir.path().join("items.ndjson");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        f.write_all(b"{\"id\":\"a\",\"license\":\"CC0-1.0\",\"url\":\"https://e.org/a\"}\n{\"id\":\"")
            .expect("w");
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..80 {
            f.write_all(&chunk).expect("w");
        }
        f.write_all(b"\"}\n{\"id\":\"c\",\"license\":\"CC0-1.0\",\"url\":\"https://e.org/c\"}\n").expect("w");
    }
    let run = audit(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["items"], 3, "{report}");
    assert_eq!(findings_of(&report, "manifest-row-invalid"), 1, "{report}");
}

fn assert_refused(run: &Run, file: &str, words: &[&str]) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert!(run.stderr.contains(file), "names {file}: {}", run.stderr);
    for w in words {
        assert!(run.stderr.contains(w), "says {w}: {}", run.stderr);
    }
}

#[test]
fn rdf_xml_entity_expansion_is_refused() {
    let dir = tempdir();
    let mut doc = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rdf:RDF [\n<!ENTITY l0 \"lollollollollollollollollollol\">\n",
    );
    for i in 1..12 {
        doc.push_str(&format!("<!ENTITY l{i} \"{}\">\n", format!("&l{};", i - 1).repeat(10)));
    }
    doc.push_str("]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns:dct=\"http://purl.org/dc/terms/\">\n<rdf:Description rdf:about=\"http://e.org/d\"><dct:title>&l11;</dct:title></rdf:Description>\n</rdf:RDF>\n");
    let path = write(dir.path(), "catalog.rdf", doc);
    assert_refused(&audit(&[p(&path)]), "catalog.rdf", &["entit"]);
}

#[test]
fn deep_json_ld_and_yaml_flow_nesting_are_refused_before_parsing() {
    let dir = tempdir();
    let mut jsonld = String::new();
    for _ in 0..1000 {
        jsonld.push_str("{\"@id\":\"http://e.org/x\",\"http://e.org/p\":");
    }
    jsonld.push_str("\"v\"");
    jsonld.push_str(&"}".repeat(1000));
    let path = write(dir.path(), "catalog.jsonld", jsonld);
    assert_refused(&audit(&[p(&path)]), "catalog.jsonld", &["nested deeper"]);

    let card = format!("---\nlicense: {}\n---\n# card\n", "{a: ".repeat(100_000));
    let path = write(dir.path(), "README.md", card);
    assert_refused(&audit(&[p(&path), "--input-format", "hf-card"]), "README.md", &["nested deeper"]);
}

#[test]
fn a_metadata_file_over_the_size_limit_is_refused_naming_it() {
    let dir = tempdir();
    let json =
        serde_json::json!({"@context": "https://w3id.org/croissant/", "name": "x", "pad": "p".repeat(5000)});
    let path = write(dir.path(), "croissant.json", json.to_string());
    let run = audit(&[p(&path), "--max-metadata-bytes", "1000"]);
    assert_refused(&run, "croissant.json", &["--max-metadata-bytes"]);
}

// ---- 4. Dependency failures as clean errors -----------------------------------------------

/// A valid Parquet file, then byte mutations (a fixed pseudo-random sequence) until one makes
/// the parquet crate panic; the binary must report it as exit 2 naming the file, in one line.
#[test]
fn a_panic_inside_the_parquet_crate_is_one_line_naming_the_file() {
    dpg_audit::guard::install_quiet_hook();
    let dir = tempdir();
    let ids = strings(
        &(0..300)
            .map(|i| format!("i{i}"))
            .collect::<Vec<_>>()
            .iter()
            .map(|s| Some(s.as_str()))
            .collect::<Vec<_>>(),
    );
    let lic = strings(
        &(0..300).map(|i| Some(if i % 2 == 0 { "CC-BY-4.0" } else { "CC0-1.0" })).collect::<Vec<_>>(),
    );
    let good = dir.path().join("good.parquet");
    write_parquet(
        &good,
        &[batch(vec![("id", ids), ("license", lic)])],
        parquet::basic::Compression::UNCOMPRESSED,
        1024,
    );
    let base = std::fs::read(&good).expect("read");
    let path = dir.path().join("bad.parquet");
    let opts = dpg_audit::manifest::ReadOptions {
        overrides: Default::default(),
        batch_size: 64,
        max_line_bytes: 1 << 20,
    };
    let mut seed = 12345u64;
    let mut found = false;
    for _ in 0..20_000 {
        let mut m = base.clone();
        for _ in 0..3 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let pos = (seed >> 33) as usize % m.len();
            m[pos] = (seed >> 13) as u8;
        }
        std::fs::write(&path, &m).expect("write");
        let manifest = dpg_audit::manifest::Manifest::file(path.clone(), "bad.parquet".into());
        let mut caught = false;
        let read = dpg_audit::manifest::read(0, &manifest, &opts, &mut |u| {
            if let Err(e) = u.batches(64, &mut |_| {}) {
                caught |= e.to_string().contains("failed on this file");
            }
            true
        });
        if caught || read.is_err_and(|e| e.to_string().contains("failed on this file")) {
            found = true;
            break;
        }
    }
    assert!(found, "no mutation made the decoder panic (the crate may have been fixed)");
    for threads in ["1", "2"] {
        let run = audit(&[p(&path), "--threads", threads]);
        assert_refused(&run, "bad.parquet", &["failed on this file"]);
        assert_eq!(run.stderr.trim_end().lines().count(), 1, "one line: {}", run.stderr);
        assert!(!run.stderr.contains("RUST_BACKTRACE"), "{}", run.stderr);
    }
}

#[test]
fn lz4_feather_files_are_read() {
    let dir = tempdir();
    let b = batch(vec![
        ("id", strings(&[Some("a"), Some("b")])),
        ("license", strings(&[Some("CC0-1.0"), Some("CC-BY-4.0")])),
        ("url", strings(&[Some("https://e.org/a"), Some("https://e.org/b")])),
    ]);
    let path = dir.path().join("items.feather");
    let file = std::fs::File::create(&path).expect("create");
    let options = arrow_ipc::writer::IpcWriteOptions::default()
        .try_with_compression(Some(arrow_ipc::CompressionType::LZ4_FRAME))
        .expect("lz4");
    let mut w =
        arrow_ipc::writer::FileWriter::try_new_with_options(file, &b.schema(), options).expect("writer");
    w.write(&b).expect("write");
    w.finish().expect("finish");
    let run = audit(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["items"], 2);
}

// ---- 5. Untrusted text is inert ------------------------------------------------------------

/// Would a terminal act on this text, or display it reordered?
fn has_unsafe(s: &str) -> bool {
    s.chars().any(|c| {
        c.is_control() && c != '\n' && c != '\t' && c != '\r'
            || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn control_and_bidi_characters_reach_no_output_raw() {
    let dir = tempdir();
    let evil_id = "a\u{202e}gnp.exe\u{1b}]0;pwned\u{7}";
    let csv = format!(
        "id,license,url,access\n{evil_id},Proprietary \u{9b}31m,https://e.org/a,only for \u{1b}[2Jmembers\n"
    );
    let path = write(dir.path(), "items.csv", csv);
    for format in
        ["terminal", "json", "ndjson", "sarif", "github", "junit", "html", "markdown", "dpg-submission"]
    {
        let run = limited(&["audit", "--quiet", "--format", format, p(&path)], None);
        assert!(run.code == 1, "{format}: {}", run.stderr);
        assert!(!has_unsafe(&run.stdout), "{format} shows raw control text: {:?}", run.stdout);
        assert!(!has_unsafe(&run.stderr), "{format}: {:?}", run.stderr);
        if format == "json" {
            // JSON keeps the text exactly, escaped.
            let report = run.json();
            let ids: Vec<&str> = report["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .filter_map(|f| f["item"].as_str())
                .collect();
            assert!(ids.contains(&evil_id), "{ids:?}");
        }
    }
    // The findings files too.
    for ext in ["csv", "ndjson"] {
        let findings = dir.path().join(format!("f.{ext}"));
        let run = audit(&[p(&path), "--findings", p(&findings)]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let text = std::fs::read_to_string(&findings).expect("findings");
        assert!(!has_unsafe(&text), "{ext}: {text:?}");
        assert!(text.contains("202e"), "the character is shown, escaped: {text}");
    }
    // An exit-2 message quoting a header name.
    let bad = write(dir.path(), "bad.csv", "id,lic\u{1b}[31mense\u{202e},url\na,b,c\n");
    let run = audit(&[p(&bad), "--column", "license=nope"]);
    assert_eq!(run.code, 2);
    assert!(!has_unsafe(&run.stderr), "{:?}", run.stderr);
    assert!(run.stderr.contains("\\u{1b}"), "{}", run.stderr);
}

// ---- 3b. Findings buffering bounded in bytes -------------------------------------------------

#[test]
fn a_tiny_findings_buffer_still_writes_every_finding_in_order() {
    let dir = tempdir();
    let n = 120_000;
    let ids: Vec<String> = (0..n).map(|i| format!("item-{i:07}")).collect();
    let ids = strings(&ids.iter().map(|s| Some(s.as_str())).collect::<Vec<_>>());
    let lic = strings(
        &(0..n).map(|i| Some(if i % 3 == 0 { "CC0-1.0" } else { "Proprietary" })).collect::<Vec<_>>(),
    );
    let path = dir.path().join("items.parquet");
    // Four row groups: later ones finish while the first is still being written.
    write_parquet(
        &path,
        &[batch(vec![("id", ids), ("license", lic)])],
        parquet::basic::Compression::SNAPPY,
        n / 4,
    );
    let one = dir.path().join("one.csv");
    let run = audit(&[p(&path), "--threads", "1", "--findings", p(&one)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let four = dir.path().join("four.csv");
    let run =
        audit(&[p(&path), "--threads", "4", "--findings", p(&four), "--findings-buffer-bytes", "10000"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let a = std::fs::read(&one).expect("one");
    assert!(a.len() > 1_000_000, "findings for every item: {}", a.len());
    assert!(a == std::fs::read(&four).expect("four"), "the same file whatever the threads and budget");
}

#[test]
fn a_named_fifo_is_read_whole_and_one_without_a_writer_gives_up() {
    let dir = tempdir();
    let fifo = dir.path().join("items.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(writer_path).expect("open fifo");
        f.write_all(MANIFEST.as_bytes()).expect("write fifo");
    });
    let run = audit(&[p(&fifo)]);
    writer.join().expect("writer");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["items"], 2);
    // No writer: an error after the wait, naming the FIFO.
    let start = Instant::now();
    let run = audit(&[p(&fifo)]);
    assert_refused(&run, "items.csv", &["FIFO"]);
    assert!(start.elapsed() < Duration::from_secs(30));
    // In a folder: never opened, and listed as skipped with the reason (issue #18's folder rule:
    // every file is audited or listed), while the regular manifest beside it is audited.
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).expect("mkdir");
    assert!(Command::new("mkfifo").arg(folder.join("more.csv")).status().expect("mkfifo").success());
    write(&folder, "a.csv", MANIFEST);
    let start = Instant::now();
    let run = audit(&[p(&folder)]);
    assert!(start.elapsed() < Duration::from_secs(30), "a FIFO in a folder was waited on");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["items"], 2, "{report}");
    let skipped = report["skipped"].as_array().cloned().unwrap_or_default();
    assert!(
        skipped.iter().any(|s| s["path"].as_str().is_some_and(|p| p.ends_with("more.csv"))),
        "the FIFO is listed: {report}"
    );
}

#[test]
fn two_runs_writing_one_findings_path_never_interleave() {
    let dir = tempdir();
    let mut csv = String::from("id,license,url\n");
    for i in 0..50_000 {
        csv.push_str(&format!("i{i},Proprietary,https://e.org/{i}\n"));
    }
    let input = write(dir.path(), "items.csv", csv);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("mkdir");
    let findings = out.join("findings.ndjson");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
            .args(["audit", "--quiet", "--format", "json", p(&input), "--findings", p(&findings)])
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert_eq!(a.wait().expect("a").code(), Some(1));
    assert_eq!(b.wait().expect("b").code(), Some(1));
    assert_eq!(files_in(&out), vec!["findings.ndjson".to_string()]);
    let text = std::fs::read_to_string(&findings).expect("findings");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 50_000, "one whole run's findings");
    for line in lines {
        serde_json::from_str::<serde_json::Value>(line).expect("every line whole");
    }
}

#[test]
fn an_overlong_ckan_dump_line_is_a_failed_dataset_and_the_rest_is_read() {
    let dir = tempdir();
    let pkg = |name: &str, pad: usize| {
        serde_json::json!({"name": name, "license_id": "cc-by", "notes": "p".repeat(pad),
            "resources": [{"url": format!("https://e.org/{name}"), "format": "CSV"}]})
        .to_string()
    };
    let dump = format!("{}\n{}\n{}\n", pkg("a", 10), pkg("b", 50_000), pkg("c", 10));
    let path = write(dir.path(), "dump.jsonl", dump);
    let run = audit(&[p(&path), "--max-metadata-bytes", "10000"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["datasets"], 3, "{report}");
    assert_eq!(report["summary"]["unreadable"], 1, "{report}");
}
