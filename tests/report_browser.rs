//! The HTML report in a real browser (headless Chromium, Debian's `chromium` package, installed by
//! scripts/test.sh): it renders with both charts, its script runs without a console error,
//! the filter works, hostile manifest text does not run, and a screenshot is saved to
//! `target/tmp/report-screenshot.png` for a person to look at.
//!
//! Without a browser the test fails with a message saying how to get one; set
//! DPG_AUDIT_SKIP_BROWSER=1 to skip it on purpose. DPG_AUDIT_CHROMIUM names another binary.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{p, tempdir, write};

/// A browser that does not finish in this time is killed and the test fails.
const TIMEOUT: Duration = Duration::from_secs(120);

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DPG_AUDIT_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// The browser, or `None` when the test is skipped on purpose; panics when it is missing.
fn chromium() -> Option<PathBuf> {
    if std::env::var("DPG_AUDIT_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("DPG_AUDIT_SKIP_BROWSER=1: the HTML report is not checked in a browser");
        return None;
    }
    match find_chromium() {
        Some(path) => Some(path),
        None => panic!(
            "no Chromium found on PATH (chromium, chromium-browser, google-chrome): the HTML report \
             cannot be checked in a browser. Install it (`apt-get install chromium`, which \
             scripts/test.sh does), point DPG_AUDIT_CHROMIUM at one, or set DPG_AUDIT_SKIP_BROWSER=1 \
             to skip this test on purpose."
        ),
    }
}

struct BrowserRun {
    stdout: String,
    stderr: String,
}

/// Runs headless Chromium on `page` with `args` (e.g. --dump-dom), with a time limit.
fn browse(browser: &Path, page: &str, args: &[&str]) -> BrowserRun {
    let dir = tempdir();
    let out_path = dir.path().join("stdout");
    let err_path = dir.path().join("stderr");
    let profile = dir.path().join("profile");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(page)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).expect("stdout file"))
        .stderr(std::fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let start = Instant::now();
    loop {
        match child.try_wait().expect("wait for the browser") {
            Some(status) => {
                let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
                let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
                assert!(status.success(), "{} exited with {status}: {stderr}", browser.display());
                return BrowserRun { stdout, stderr };
            }
            None if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
                panic!("the browser did not finish in {TIMEOUT:?}: {stderr}");
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Console messages (errors, uncaught exceptions) from the page, as Chromium logs them.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught")).collect()
}

fn html_report(manifest: &Path, out: &Path) {
    let run = common::dpg_audit(&[
        "audit",
        p(manifest),
        "--quiet",
        "--format",
        "json",
        "--output",
        &format!("html={}", out.display()),
    ]);
    assert!(run.code == 0 || run.code == 1, "audit failed: {}", run.stderr);
}

fn file_url(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).expect("canonical path");
    format!("file://{}", abs.display())
}

/// Rows of the findings table in the DOM: (severity, hidden).
fn finding_rows(dom: &str) -> Vec<(String, bool)> {
    let start = dom.find("<table id=\"findings\"").expect("findings table in the DOM");
    let end = start + dom[start..].find("</table>").expect("end of table");
    dom[start..end]
        .split("<tr data-severity=\"")
        .skip(1)
        .map(|rest| {
            let severity = rest.split('"').next().unwrap_or("").to_string();
            let tag_end = rest.find('>').unwrap_or(0);
            (severity, rest[..tag_end].contains("hidden"))
        })
        .collect()
}

#[test]
fn html_report_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let page = target.join("report.html");
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data/openverse-images/items.csv");
    html_report(&manifest, &page);
    let url = file_url(&page);

    let run = browse(&browser, &url, &["--dump-dom"]);
    let dom = &run.stdout;
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not finish:\n{}", run.stderr);
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new(), "console messages");
    for chart in ["chart-licenses", "chart-hosts"] {
        let at = dom.find(&format!("<svg id=\"{chart}\"")).unwrap_or_else(|| panic!("{chart} missing"));
        let svg = &dom[at..at + dom[at..].find("</svg>").expect("svg end")];
        assert!(svg.contains("<rect"), "{chart} has no bars");
    }
    let rows = finding_rows(dom);
    assert!(rows.iter().any(|r| r.0 == "error") && rows.iter().any(|r| r.0 == "warning"));
    assert!(rows.iter().all(|r| !r.1), "nothing is filtered without a filter");

    // The severity filter, set from the URL fragment, hides all but the errors.
    let run = browse(&browser, &format!("{url}#severity=error"), &["--dump-dom"]);
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new(), "console messages");
    let rows = finding_rows(&run.stdout);
    assert!(rows.iter().any(|r| r.0 == "error" && !r.1), "errors are shown");
    assert!(rows.iter().filter(|r| r.0 != "error").all(|r| r.1), "other rows are hidden");

    let shot = target.join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    browse(&browser, &url, &[&format!("--screenshot={}", shot.display()), "--window-size=1280,2000"]);
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "not a real screenshot ({} bytes)", png.len());
    eprintln!("screenshot: {}", shot.display());
}

#[test]
fn hostile_manifest_text_does_not_run_in_the_browser() {
    let Some(browser) = chromium() else { return };
    let dir = tempdir();
    let pwn = "document.documentElement.setAttribute('data-pwned','1')";
    let csv = format!(
        "id,title,license,url,access\n\
         \"<script>{pwn}</script>\",\"t\",\"<img src=x onerror=\"\"{pwn}\"\">\",\"javascript:{pwn}\",\"<svg onload=\"\"{pwn}\"\">\"\n\
         \"b\",\"t\",\"</script><script>{pwn}</script>\",\"https://example.org/x\",\"open\"\n"
    );
    let manifest = write(dir.path(), "items.csv", csv);
    write(dir.path(), "dpg-audit.toml", format!("name = \"<script>{pwn}</script>\"\n"));
    let page = dir.path().join("report.html");
    html_report(&manifest, &page);
    let html = std::fs::read_to_string(&page).expect("report");
    assert!(html.contains("&lt;script&gt;"), "the hostile text is in the report, escaped");

    let run = browse(&browser, &file_url(&page), &["--dump-dom"]);
    assert!(run.stdout.contains("data-ready=\"1\""), "the page's script did not finish: {}", run.stderr);
    // The payload's text is in the page; only running it would set the attribute.
    assert!(!run.stdout.contains("data-pwned=\"1\""), "manifest text ran as script");
    assert!(run.stdout.contains("data-pwned"), "the payload is shown as text");
    assert_eq!(console_lines(&run.stderr), Vec::<&str>::new(), "console messages");
}
