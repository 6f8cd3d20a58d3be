//! Portals II (issue #18): real catalogs as portals publish them, read from copies in
//! `tests/fixtures/portal/` (sources in `tests/fixtures/portal/SOURCES.tsv`). What each file
//! yields is pinned: datasets, items, licences, access facts; and folders never lose a file.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use dpg_audit::portal::{self, Dataset, Detected, InputFormat, Item};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal").join(rel)
}

/// Detects and reads a fixture; every dataset in it must be readable.
fn load(rel: &str, expected: InputFormat) -> Vec<Dataset> {
    let path = fixture(rel);
    let detected = portal::detect(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(detected, Detected::Portal(expected), "{rel}: detected format");
    let entries = portal::read_file(&path, expected).unwrap_or_else(|e| panic!("{rel}: {e}"));
    entries.into_iter().map(|e| e.unwrap_or_else(|u| panic!("{rel}: unreadable: {}", u.reason))).collect()
}

/// The normalized licence of an item (the SPDX expression, or the status when none).
fn norm(item: &Item) -> String {
    match &item.license {
        None => "none".into(),
        Some(l) => {
            let n = dpg_audit::license::normalize(l);
            n.expression
                .unwrap_or_else(|| serde_json::to_value(n.status).unwrap().as_str().unwrap().to_string())
        }
    }
}

fn norms(d: &Dataset) -> Vec<String> {
    d.items.iter().map(norm).collect()
}

fn urls(d: &Dataset) -> Vec<Option<&str>> {
    d.items.iter().map(|i| i.url.as_deref()).collect()
}

// ---------------------------------------------------------------------------------------------
// DCAT-US / Project Open Data data.json

#[test]
fn pod_remote_context_is_built_in() {
    // Every federal data.json names the remote POD context; it is never fetched.
    let all = load("dcat-us/ckanext-datajson__arm.data.json", InputFormat::Dcat);
    assert_eq!(all.len(), 3);
    for d in &all {
        assert_eq!(d.access.as_deref(), Some("public"));
        // The POD placeholder `unknown-license` names no licence.
        assert_eq!(norms(d), ["missing"]);
        assert!(d.items.iter().all(|i| i.url.as_deref().is_some_and(|u| u.starts_with("http"))));
    }
}

#[test]
fn pod_us_public_domain_marks_and_datasets_without_distributions() {
    let all = load("dcat-us/ckanext-datajson__collection-1-parent-2-children.data.json", InputFormat::Dcat);
    assert_eq!(all.len(), 3);
    // usa.gov/publicdomain/label/1.0 is the Public Domain Mark.
    assert!(
        all.iter().all(|d| norms(d).iter().all(|n| n == "CC-PDM-1.0")),
        "{:?}",
        all.iter().map(norms).collect::<Vec<_>>()
    );
    assert_eq!(all[0].items.len(), 2);
    // The parent lists no distribution: still a dataset, its licence judged, no location.
    assert_eq!(all[1].items.len(), 1);
    assert_eq!(urls(&all[1]), [None]);
    assert!(all[1].items[0].evidence.as_deref().unwrap().contains("no distribution"));
}

#[test]
fn pod_without_context_access_levels_rights_and_miscased_keys() {
    let all = load("dcat-us/hand__access-levels.data.json", InputFormat::Dcat);
    assert_eq!(all.len(), 3);
    assert_eq!(
        all[0].access.as_deref(),
        Some("non-public; Data set contains personally identifiable information.")
    );
    assert!(all[1].access.as_deref().unwrap().starts_with("restricted public; Access restricted"));
    assert_eq!(norms(&all[0]), ["LicenseRef-scancode-public-domain"]);
    assert_eq!(norms(&all[1]), ["CC-PDM-1.0"]);
    // ArcGIS Hub writes `accessUrl`.
    assert_eq!(urls(&all[2]), [Some("https://hub.agency.example.gov/datasets/parcels")]);
    // The lone surrogate in the third title is replaced, and every dataset says so.
    assert!(all[2].name.as_deref().unwrap().contains('\u{fffd}'));
    assert!(all.iter().all(|d| d.notes.iter().any(|n| n.contains("lone UTF-16 surrogate"))));
}

#[test]
fn pod_access_levels_go_through_the_access_rules() {
    let run = audit_json(&[fixture("dcat-us/hand__access-levels.data.json").to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let datasets = json["datasets"].as_array().unwrap();
    assert_eq!(rule_count(&datasets[0], "access-not-public"), 1);
    assert_eq!(rule_count(&datasets[1], "access-discriminatory"), 1);
    assert_eq!(datasets[2]["verdict"], "pass");
    assert!(datasets[2]["notes"][0].as_str().unwrap().contains("surrogate"));
}

#[test]
fn dcat_us_3_services_and_identifier_nodes() {
    let all = load("dcat-us/datagov-harvester__dcatus3_0_service_serves_dataset.json", InputFormat::Dcat);
    assert_eq!(all.len(), 1, "the dataset a service embeds");
    assert_eq!(urls(&all[0]), [Some("https://api.example.gov/climate/v1")]);
    let one = load("dcat-us/datagov-harvester__dcatus3_complete_dataset.json", InputFormat::Dcat);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].id.as_deref(), Some("https://example.gov/datasets/national-climate-observations-2024"));
    // Two distributions, no `license` anywhere (its `rights` text is an access fact, not a
    // licence): the licence is missing, never guessed from the prose.
    assert_eq!(norms(&one[0]), ["none", "none"]);
    assert!(one[0].access.as_deref().unwrap().starts_with("Public access with no restrictions"));
}

#[test]
fn dcat_us_3_dataset_series_members_are_datasets() {
    let all = load("dcat-us/datagov-harvester__dcatus3_0_series_with_members.json", InputFormat::Dcat);
    let names: Vec<&str> = all.iter().filter_map(|d| d.name.as_deref()).collect();
    assert_eq!(names, ["Annual Report 2023", "Annual Report 2024"]);
    assert!(all.iter().all(|d| urls(d) == [None] && norms(d) == ["none"]));
}

#[test]
fn pod_arcgis_hub_license_pages_are_not_guessed() {
    let all = load("dcat-us/ckanext-datajson__usda.gov.data.json", InputFormat::Dcat);
    assert_eq!(all.len(), 3);
    assert_eq!(norms(&all[0]), ["CC0-1.0"]);
    // A hub.arcgis.com ".../license" page names no licence by its address.
    assert!(norms(&all[1]).iter().all(|n| n == "unknown"), "{:?}", norms(&all[1]));
}

// ---------------------------------------------------------------------------------------------
// Tolerant parsing

#[test]
fn rdf_with_an_iri_a_strict_parser_refuses_is_read_leniently() {
    let run = audit_json(&[fixture("lenient-iri.rdf").to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["summary"]["by_license"]["CC-BY-4.0"], 1);
    assert!(json["notes"][0].as_str().unwrap().contains("read leniently"));
}

#[test]
fn really_invalid_json_is_exit_2_with_line_and_column() {
    let dir = tempdir();
    let bad = write(
        dir.path(),
        "data.json",
        "{\"conformsTo\": \"https://project-open-data.cio.gov/v1.1/schema\",\n \"dataset\": [\n {\"title\": \"x\" \"y\"}]}",
    );
    let run = audit_json(&[p(&bad)]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("data.json") && run.stderr.contains("line 3"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Folders: what they hold, and nothing skipped silently

fn skipped(json: &serde_json::Value) -> Vec<(String, String)> {
    json["skipped"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let path = s["path"].as_str().unwrap();
                    let name = Path::new(path).file_name().unwrap().to_string_lossy().into_owned();
                    (name, s["reason"].as_str().unwrap().to_string())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_card_folder_is_one_dataset_with_its_data_files() {
    let dir = tempdir();
    // A blank line before the front matter, as some tools write cards.
    write(dir.path(), "README.md", "\n---\nlicense: cc-by-4.0\npretty_name: Demo\n---\n# Demo\n");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    write(
        &dir.path().join("data"),
        "train.csv",
        "id,license,url\n1,CC-BY-4.0,https://x.org/1\n2,CC-BY-NC-4.0,https://x.org/2\n",
    );
    write(&dir.path().join("data"), "test.csv", "a,b\n1,2\n");
    write(dir.path(), ".gitattributes", "*.csv filter=lfs\n");
    let run = audit_json(&[p(dir.path())]);
    // The CSV's non-commercial row is an error: the folder is not eligible.
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    // data/test.csv and data/train.csv as files under the card's licence, plus train.csv's two rows.
    assert_eq!(json["collection"]["items"], 4);
    assert_eq!(json["summary"]["by_license"]["CC-BY-4.0"], 3);
    assert_eq!(rule_count(&json, "license-not-approved"), 1);
    assert_eq!(skipped(&json), [(".gitattributes".to_string(), "hidden".to_string())]);
}

#[test]
fn a_data_package_folder_matches_resources_to_files() {
    let dir = tempdir();
    write(
        dir.path(),
        "datapackage.json",
        r#"{"name": "trees", "licenses": [{"name": "CC0-1.0"}], "resources": [{"name": "trees", "path": "data/trees.csv"}]}"#,
    );
    std::fs::create_dir(dir.path().join("data")).unwrap();
    write(&dir.path().join("data"), "trees.csv", "id,height\n1,20\n");
    write(&dir.path().join("data"), "unlisted.geojson", "{}");
    write(dir.path(), "LICENSE", "CC0\n");
    let run = audit_json(&[p(dir.path())]);
    let json = run.json();
    // The resource is the listed file (not counted twice); the unlisted file is an item too.
    assert_eq!(json["collection"]["items"], 2, "{}", run.stdout);
    assert_eq!(json["summary"]["by_license"]["CC0-1.0"], 2);
    let s = skipped(&json);
    assert_eq!(s.len(), 1);
    assert!(s[0].0 == "LICENSE" && s[0].1.contains("licence text"), "{s:?}");
}

#[cfg(unix)]
#[test]
fn fifos_are_listed_never_opened() {
    let dir = tempdir();
    write(dir.path(), "items.csv", "id,license,url\n1,CC0-1.0,https://x.org/1\n");
    let fifo = dir.path().join("pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo on this system
    }
    let run = audit_json(&[p(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["collection"]["items"], 1);
    let s = skipped(&json);
    assert!(s.iter().any(|(n, r)| n == "pipe.csv" && r.contains("not a regular file")), "{s:?}");
}

#[test]
fn a_mixed_folder_loses_no_file() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::create_dir(d.join("manifests")).unwrap();
    write(
        &d.join("manifests"),
        "items.csv",
        "id,license,url\n1,CC0-1.0,https://x.org/1\n2,CC0-1.0,https://x.org/2\n",
    );
    write(&d.join("manifests"), "dpg-audit.toml", "name = \"Manifest collection\"\n");
    std::fs::copy(fixture("dcat-us/ckanext-datajson__arm.data.json"), d.join("data.json")).unwrap();
    write(d, "notes.txt", "hello\n");
    write(d, "picture.png", "\u{89}PNG");
    let run = audit_json(&[p(d)]);
    let json = run.json();
    let summary = &json["summary"];
    // Three POD datasets and the folder of manifests as one collection.
    assert_eq!(summary["datasets"], 4, "{}", run.stdout);
    let names: Vec<&str> =
        summary["index"].as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert!(names.contains(&"Manifest collection"), "{names:?}");
    let items: Vec<u64> =
        summary["index"].as_array().unwrap().iter().map(|i| i["items"].as_u64().unwrap()).collect();
    assert!(items.contains(&2), "the manifest's two rows: {items:?}");
    let s = skipped(summary);
    let names: Vec<&str> = s.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["dpg-audit.toml", "notes.txt", "picture.png"], "{s:?}");
}

#[test]
fn a_folder_of_manifests_lists_what_it_does_not_read() {
    let dir = tempdir();
    write(dir.path(), "items.csv", "id,license,url\n1,CC0-1.0,https://x.org/1\n");
    write(dir.path(), "README.md", "# About\n");
    let run = audit_json(&[p(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["collection"]["items"], 1);
    let s = skipped(&json);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].0, "README.md");
    // And the terminal report says so too.
    let run = dpg_audit(&["audit", p(dir.path())]);
    assert!(run.stdout.contains("Skipped 1 file(s)") && run.stdout.contains("README.md"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// More shapes

#[test]
fn zenodo_search_response_gives_one_dataset_per_hit_and_flags_a_partial_page() {
    let all = load("zenodo-search-response.json", InputFormat::Zenodo);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id.as_deref(), Some("10.5281/zenodo.8123456"));
    assert!(all.iter().all(|d| d.notes.iter().any(|n| n.contains("2 of the 57 records"))));
    let run = audit_json(&[fixture("zenodo-search-response.json").to_str().unwrap()]);
    let notes = run.json()["summary"]["notes"].clone();
    assert!(notes[0].as_str().unwrap().contains("2 of the 57 records"), "{notes}");
}

#[test]
fn zenodo_deposit_file_without_access_right() {
    let d = &load(".zenodo.json", InputFormat::Zenodo)[0];
    assert_eq!(d.name.as_deref(), Some("Tide gauge processing scripts"));
    assert_eq!(norms(d), ["CC-BY-4.0"]);
    // Not published yet: no location to check, and no access fact made up.
    assert!(!d.expects_urls);
    assert_eq!(d.access, None);
}

#[test]
fn a_json_array_of_ckan_packages_is_ckan_by_content() {
    let all = load("ckan-package-array.json", InputFormat::Ckan);
    assert_eq!(all.len(), 2);
    // An ambiguous `cc-by` is settled by its title and URL, and the evidence says so.
    assert_eq!(norms(&all[0]), ["CC-BY-4.0"]);
    assert!(all[0].items[0].evidence.as_deref().unwrap().contains("license_id `cc-by` is ambiguous"));
    // A resource's access_level is its access fact.
    assert_eq!(all[0].items[0].access.as_deref(), Some("open_login"));
    // A package without resources is still a dataset: its licence judged, no location.
    assert_eq!(norms(&all[1]), ["ODbL-1.0"]);
    assert_eq!(urls(&all[1]), [None]);
}

#[test]
fn a_partial_package_search_page_is_flagged() {
    let dir = tempdir();
    let page = r#"{"help": "https://ckan.example.org/api/3/action/help_show?name=package_search", "success": true,
      "result": {"count": 1234, "results": [
        {"id": "a", "title": "A", "license_id": "CC-BY-4.0", "resources": [{"url": "https://ckan.example.org/a.csv"}]},
        {"id": "b", "title": "B", "license_id": "CC-BY-4.0", "resources": [{"url": "https://ckan.example.org/b.csv"}]}]}}"#;
    let path = write(dir.path(), "page.json", page);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let notes = run.json()["summary"]["notes"].clone();
    assert!(notes[0].as_str().unwrap().contains("2 of the 1234 packages"), "{notes}");
    let run = dpg_audit(&["audit", p(&path)]);
    assert!(run.stdout.contains("note:") && run.stdout.contains("1234"), "{}", run.stdout);
}

#[test]
fn licences_in_several_languages_collapse_and_access_terms_leave_licence_fields() {
    let dir = tempdir();
    let record = r#"{"doi": "10.1234/abc", "titles": [{"title": "Survey"}], "rightsList": [
        {"rights": "Creative Commons Attribution 4.0 International", "rightsUri": "https://creativecommons.org/licenses/by/4.0/", "lang": "en"},
        {"rights": "Creative Commons Namensnennung 4.0 International", "rightsUri": "https://creativecommons.org/licenses/by/4.0/deed.de", "lang": "de"},
        {"rights": "Creative Commons Attribution 4.0 International", "rightsUri": "https://creativecommons.org/licenses/by/4.0/legalcode.fr", "lang": "fr"},
        {"rights": "Open Access", "rightsUri": "info:eu-repo/semantics/openAccess"}]}"#;
    let path = write(dir.path(), "record.json", record);
    let entries = portal::read_file(&path, InputFormat::Datacite).unwrap();
    let d = entries.into_iter().next().unwrap().unwrap();
    assert_eq!(norms(&d), ["CC-BY-4.0"], "not CC-BY-4.0 AND CC-BY-4.0 AND CC-BY-4.0");
    assert_eq!(d.access.as_deref(), Some("open"));
}

#[test]
fn an_access_rights_field_holding_a_licence_url_is_the_licence() {
    let dir = tempdir();
    let pkg = r#"{"id": "p", "title": "P", "notes": "x", "access_rights": "https://creativecommons.org/licenses/by/4.0/",
       "resources": [{"url": "https://data.example.org/p.csv"}]}"#;
    let path = write(dir.path(), "package.json", pkg);
    let d = load_path(&path, InputFormat::Ckan);
    assert_eq!(norms(&d), ["CC-BY-4.0"]);
    assert_eq!(d.access, None);
}

#[test]
fn frictionless_licence_fields_best_first() {
    let dir = tempdir();
    // `name` says only "Open Data Commons" (a family); the v1-beta `id` names the licence.
    let pkg = r#"{"name": "p", "licenses": [{"name": "Open Data Commons", "id": "odc-pddl"}],
       "resources": [{"name": "r", "path": "r.csv"}]}"#;
    let path = write(dir.path(), "datapackage.json", pkg);
    let d = load_path(&path, InputFormat::Frictionless);
    assert_eq!(norms(&d), ["PDDL-1.0"]);
}

#[test]
fn croissant_relative_content_url_is_reached_through_the_dataset_url() {
    let dir = tempdir();
    let cr = r#"{"@context": {"@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/"}, "conformsTo": "http://mlcommons.org/croissant/1.0",
       "name": "demo", "url": "https://huggingface.co/datasets/acme/demo", "license": "cc-by-4.0",
       "distribution": [{"@type": "cr:FileObject", "@id": "train", "name": "train", "contentUrl": "data/train.csv"}]}"#;
    let path = write(dir.path(), "metadata.json", cr);
    let d = load_path(&path, InputFormat::Croissant);
    assert_eq!(urls(&d), [Some("https://huggingface.co/datasets/acme/demo")]);
    assert!(d.items[0].evidence.as_deref().unwrap().contains("data/train.csv"));
}

fn load_path(path: &Path, expected: InputFormat) -> Dataset {
    assert_eq!(portal::detect(path).unwrap(), Detected::Portal(expected));
    let mut entries = portal::read_file(path, expected).unwrap();
    entries.remove(0).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Batch reports for people

#[test]
fn batch_html_folds_each_dataset_and_ends_with_a_sortable_summary() {
    let file = fixture("dcat-us/hand__access-levels.data.json");
    let run = dpg_audit(&["audit", "--format", "html", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let page = &run.stdout;
    assert_eq!(page.matches("<details id=\"dataset-").count(), 3);
    assert!(page.contains("Content-Security-Policy") && page.contains("default-src 'none'"));
    assert!(page.contains("<table class=\"sortable\" id=\"datasets\">"));
    for n in 1..=3 {
        assert!(page.contains(&format!("href=\"#dataset-{n}\"")), "link to dataset {n}");
    }
    // Each row carries its dataset's top reasons; the summary comes after every dataset.
    assert!(page.contains("access-not-public") && page.contains("access-discriminatory"));
    assert!(page.rfind("<details").unwrap() < page.find("id=\"summary\"").unwrap());
    // The lone-surrogate repair is listed as a note.
    assert!(page.contains("lone UTF-16 surrogate"));
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn batch_markdown_and_json_index_carry_the_reasons() {
    let file = fixture("dcat-us/hand__access-levels.data.json");
    let run = dpg_audit(&["audit", "--format", "markdown", file.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let md = &run.stdout;
    assert_eq!(md.matches("<details>").count(), 3);
    assert!(
        md.contains("| 1 | [Inspection case files](#dataset-1) | FAIL | 1 | `access-not-public`"),
        "{md}"
    );
    assert!(md.contains("## Summary") && md.contains("1 of 3 datasets would qualify"));
    let json = audit_json(&[file.to_str().unwrap()]).json();
    let reasons = &json["summary"]["index"][1]["reasons"];
    assert!(reasons.as_array().unwrap().iter().any(|r| r == "access-discriminatory"), "{reasons}");
}

#[test]
fn sample_data_federal_data_json_audits_as_its_readme_says() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/federal-data-json");
    let run = audit_json(&[dir.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let s = run.json()["summary"].clone();
    assert_eq!((s["datasets"].as_u64(), s["qualify"].as_u64()), (Some(3), Some(1)));
    let verdicts: Vec<&str> =
        s["index"].as_array().unwrap().iter().map(|e| e["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["pass", "fail", "fail"]);
    assert_eq!(s["index"][1]["reasons"][0], "license-unrecognized");
    assert_eq!(s["skipped"][0]["path"].as_str().map(|p| p.ends_with("README.md")), Some(true));
}

#[test]
fn opendata_swiss_terms_of_use_in_rights_are_read() {
    let dir = tempdir();
    let pkg = r#"{"id": "ch1", "title": "Luftqualität", "notes": "x", "resources": [
        {"id": "r1", "url": "https://data.example.ch/a.csv", "license": "https://opendata.swiss/terms-of-use#terms_by",
         "rights": "NonCommercialAllowed-CommercialAllowed-ReferenceRequired"},
        {"id": "r2", "url": "https://data.example.ch/b.csv", "rights": "NonCommercialAllowed-CommercialWithPermission-ReferenceRequired"},
        {"id": "r3", "url": "https://data.example.ch/c.csv", "rights": "Some statement about rights"}]}"#;
    let path = write(dir.path(), "package.json", pkg);
    let d = load_path(&path, InputFormat::Ckan);
    assert_eq!(
        norms(&d),
        ["LicenseRef-opendata-swiss-terms-by", "LicenseRef-opendata-swiss-terms-by-ask", "none"],
        "rights prose is never read as a licence"
    );
    let json = audit_json(&[p(&path)]).json();
    assert_eq!(rule_count(&json, "license-needs-review"), 1);
    assert_eq!(rule_count(&json, "license-not-approved"), 1);
    assert_eq!(rule_count(&json, "license-missing"), 1);
}

#[test]
fn ckan_lone_surrogate_and_a_title_the_url_contradicts() {
    let dir = tempdir();
    // The id is ambiguous; the title settles it (CC-BY-4.0) and the URL says otherwise: the
    // disagreement is license-url-mismatch, never silently one or the other.
    let page = r#"{"help": "h", "success": true, "result": {"count": 1, "results": [
        {"id": "a", "title": "Caf\ud83d stats", "license_id": "cc-by", "license_title": "Creative Commons Attribution 4.0",
         "license_url": "https://creativecommons.org/licenses/by-sa/4.0/", "resources": [{"url": "https://ckan.example.org/a.csv"}]}]}}"#;
    let path = write(dir.path(), "page.json", page);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(rule_count(&json, "license-url-mismatch"), 1, "{}", json["summary"]);
    assert!(json["notes"][0].as_str().unwrap().contains("surrogate"), "{}", json["notes"]);
}

#[test]
fn plain_dcat_json_catalogs_arrays_and_datasets() {
    let catalog = load("dcat-json/ckanext-dcat__catalog.json", InputFormat::Dcat);
    let list = load("dcat-json/ckanext-dcat__catalog_datasets_list.json", InputFormat::Dcat);
    assert_eq!(catalog.len(), 2);
    assert_eq!(list.len(), 2);
    for (a, b) in catalog.iter().zip(&list) {
        assert_eq!(norms(a), norms(b));
        assert_eq!(urls(a), urls(b));
    }
    // A licence page of the portal itself names no licence; an empty licence is missing.
    assert_eq!(norms(&catalog[0]), ["unknown", "unknown", "none"]);
    assert_eq!(
        catalog[0].items[2].url.as_deref(),
        Some("https://data.some.org/the/actual/catalog/link/to/an/api")
    );
    let one = load("dcat-json/ckanext-dcat__dataset.json", InputFormat::Dcat);
    assert_eq!(norms(&one[0]), ["none"]);
    assert_eq!(urls(&one[0]), [Some("http://www.bgs.ac.uk/gbase/geochemcd/home.html")]);
}

/// A catalog that copies the POD schema's description of `rights` into the field states nothing
/// about the dataset: a public dataset stays public (read as a restriction it gave a false
/// access-discriminatory). Real rights text beside it is still read.
#[test]
fn pod_rights_schema_boilerplate_is_not_a_restriction() {
    let dir = tempdir();
    let path = dir.path().join("data.json");
    let boilerplate = "This may include information regarding access or restrictions based on privacy, security, or other policies.";
    let catalog = serde_json::json!({
        "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
        "dataset": [
            {"identifier": "a", "title": "A", "accessLevel": "public", "rights": boilerplate,
             "license": "https://creativecommons.org/publicdomain/zero/1.0/",
             "distribution": [{"downloadURL": "https://data.example.gov/a.csv"}]},
            {"identifier": "b", "title": "B", "accessLevel": "restricted public",
             "rights": [boilerplate, "Access restricted to registered federal employees."],
             "license": "https://creativecommons.org/publicdomain/zero/1.0/",
             "distribution": [{"downloadURL": "https://data.example.gov/b.csv"}]}
        ]
    });
    std::fs::write(&path, serde_json::to_vec(&catalog).unwrap()).unwrap();
    let all = load_path_all(&path);
    assert_eq!(all[0].access.as_deref(), Some("public"));
    assert_eq!(
        all[1].access.as_deref(),
        Some("restricted public; Access restricted to registered federal employees.")
    );
}

fn load_path_all(path: &Path) -> Vec<Dataset> {
    assert_eq!(portal::detect(path).unwrap(), Detected::Portal(InputFormat::Dcat));
    portal::read_file(path, InputFormat::Dcat)
        .unwrap()
        .into_iter()
        .map(|e| e.unwrap_or_else(|u| panic!("{}", u.reason)))
        .collect()
}
