//! Profiles: dpg (default), dpg-strict, open-definition, or a profile file.

mod common;

use common::*;

fn manifest(dir: &std::path::Path, licenses: &[&str]) -> std::path::PathBuf {
    let mut text = String::from("id,license,url\n");
    for (i, l) in licenses.iter().enumerate() {
        text.push_str(&format!("i{i},{l},https://data.example.org/{i}\n"));
    }
    write(dir, "items.csv", text)
}

#[test]
fn dpg_strict_makes_open_questions_errors() {
    let dir = tempdir();
    let path = manifest(dir.path(), &["CC0-1.0", "CC-BY-4.0"]);
    let r = audit_json(&[p(&path)]).json();
    // A mix of approved licenses is information for the DPGA (dpg-rules.md section 2).
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["collection"]["profile"], "dpg");
    let g = r["groups"].as_array().into_iter().flatten().find(|g| g["rule"] == "mixed-licensing");
    assert_eq!(g.map(|g| g["severity"].clone()), Some(serde_json::json!("info")));
    let run = audit_json(&["--profile", "dpg-strict", p(&path)]);
    assert_eq!(run.code, 1);
    let r = run.json();
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["collection"]["profile"], "dpg-strict");
    let g = r["groups"].as_array().into_iter().flatten().find(|g| g["rule"] == "mixed-licensing");
    assert_eq!(g.map(|g| g["severity"].clone()), Some(serde_json::json!("error")));
}

#[test]
fn open_definition_accepts_od_conformant_licenses_for_data() {
    let dir = tempdir();
    let path = manifest(dir.path(), &["https://creativecommons.org/licenses/by/3.0/de/", "CC-BY-3.0-DE"]);
    let r = audit_json(&[p(&path)]).json();
    assert_eq!(rule_count(&r, "license-not-approved"), 2, "CC BY 3.0 ports are content-only for the DPGA");
    let r = audit_json(&["--profile", "open-definition", p(&path)]).json();
    assert_eq!(rule_count(&r, "license-not-approved"), 0);
    assert_eq!(r["verdict"], "pass");

    // OGL-UK-3.0 is approved for data by default now; v2.0 is conformant but not listed.
    let ogl3 = manifest(dir.path(), &["Open Government Licence v3.0"]);
    assert_eq!(audit_json(&[p(&ogl3)]).json()["verdict"], "pass");
    let ogl = manifest(dir.path(), &["Open Government Licence v2.0"]);
    assert_eq!(audit_json(&[p(&ogl)]).json()["verdict"], "review");
    // The profile can come from the config too.
    write(dir.path(), "dpg-audit.toml", "profile = \"open-definition\"\n");
    assert_eq!(audit_json(&[p(&ogl)]).json()["verdict"], "pass");
    // NonCommercial stays unacceptable for data under every profile.
    let nc = manifest(dir.path(), &["CC-BY-NC-3.0"]);
    assert_eq!(audit_json(&[p(&nc)]).json()["verdict"], "fail");
}

#[test]
fn a_profile_file_and_its_mistakes() {
    let dir = tempdir();
    let path = manifest(dir.path(), &["CC0-1.0", "CC-BY-4.0"]);
    let custom = write(
        dir.path(),
        "lenient.toml",
        "description = \"mixes are fine\"\n[severity]\nmixed-licensing = \"info\"\n",
    );
    let r = audit_json(&["--profile", p(&custom), p(&path)]).json();
    assert_eq!(r["verdict"], "pass");
    assert_eq!(r["collection"]["profile"], "lenient");

    let bad = write(dir.path(), "bad.toml", "description = \"x\"\n[severity]\nmixed-licencing = \"error\"\n");
    let run = audit_json(&["--profile", p(&bad), p(&path)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("bad.toml") && run.stderr.contains("severity.mixed-licencing"),
        "{}",
        run.stderr
    );

    let bad =
        write(dir.path(), "bad2.toml", "description = \"x\"\n[severity]\nmixed-licensing = \"fatal\"\n");
    let run = audit_json(&["--profile", p(&bad), p(&path)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad2.toml") && run.stderr.contains("mixed-licensing"), "{}", run.stderr);

    let run = audit_json(&["--profile", "strict", p(&path)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("dpg-strict"), "{}", run.stderr);
    write(dir.path(), "dpg-audit.toml", "profile = \"strict\"\n");
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("dpg-audit.toml") && run.stderr.contains("`profile`"), "{}", run.stderr);
}
