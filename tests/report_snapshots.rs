//! Snapshots (insta) of every report format on every sample collection, run from the repository
//! root with relative paths so they hold no machine's paths. A changed report shows up as a
//! diff to review (`cargo insta review`, or INSTA_UPDATE=always then `git diff`); a missing
//! snapshot fails, because all of them are committed under tests/snapshots/.

use std::process::Command;

const SAMPLES: &[&str] = &["open-data-portal", "biodiversity-occurrences", "openverse-images"];
const FORMATS: &[&str] =
    &["terminal", "json", "markdown", "html", "sarif", "junit", "github", "dpg-submission"];

fn render(sample: &str, format: &str) -> String {
    render_path(&format!("sample-data/{sample}/items.csv"), format)
}

fn render_path(manifest: &str, format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(["audit", manifest, "--format", format, "--quiet"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .output()
        .expect("run dpg-audit");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{manifest} {format}: {:?} {stderr}", out.status);
    String::from_utf8(out.stdout).expect("UTF-8 report")
}

#[test]
fn every_format_on_every_sample() {
    for sample in SAMPLES {
        for format in FORMATS {
            let report = render(sample, format);
            // Twice the same: output is deterministic whatever the thread scheduling.
            assert_eq!(report, render(sample, format), "{sample} {format}: output differs between runs");
            insta::assert_snapshot!(format!("{sample}-{format}"), report);
        }
    }
}

/// The submission answer of a collection whose only finding is a warning (verdict `review`):
/// the samples give `pass` and `fail`.
#[test]
fn dpg_submission_of_a_collection_under_review() {
    let report = render_path("tests/fixtures/rules/access-unrecognized/trigger/items.csv", "dpg-submission");
    assert!(report.contains("needs a reviewer's decision"), "{report}");
    insta::assert_snapshot!("access-unrecognized-review-dpg-submission", report);
}
