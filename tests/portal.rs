//! Portal and catalog metadata as input (issue #7).
//!
//! 1. Every real file in `tests/fixtures/portal-samples` (see its SOURCES.tsv) is detected and read, and
//!    what it yields is pinned: datasets, items, licenses (normalized), access facts, URLs and
//!    license inheritance.
//! 2. The CLI: single-dataset reports, batch JSON shape, exit codes, `--input-format`.
//! 3. Bad input: exit 2 naming the file and the reason, or a failed entry when only one dataset
//!    of a batch is bad.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use dpg_audit::portal::{self, Dataset, Detected, InputFormat, Item};
use serde_json::Value;

/// Real catalog files copied from public repositories (`tests/fixtures/portal-samples/SOURCES.tsv`).
fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal-samples")
}

fn sample(rel: &str) -> PathBuf {
    samples().join(rel)
}

/// Detects and reads a sample; every dataset in it must be readable.
fn load(rel: &str, expected: InputFormat) -> Vec<Dataset> {
    let path = sample(rel);
    let detected = portal::detect(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(detected, Detected::Portal(expected), "{rel}: detected format");
    let entries = portal::read_file(&path, expected).unwrap_or_else(|e| panic!("{rel}: {e}"));
    entries.into_iter().map(|e| e.unwrap_or_else(|u| panic!("{rel}: unreadable: {}", u.reason))).collect()
}

fn one(rel: &str, expected: InputFormat) -> Dataset {
    let mut all = load(rel, expected);
    assert_eq!(all.len(), 1, "{rel}: datasets");
    all.remove(0)
}

/// The normalized license of an item (the SPDX expression, or the status when none).
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

fn host(item: &Item) -> String {
    item.url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "-".into())
}

fn hosts(d: &Dataset) -> Vec<String> {
    d.items.iter().map(host).collect()
}

fn inherited(d: &Dataset) -> Vec<bool> {
    d.items.iter().map(|i| i.license_inherited).collect()
}

// ---------------------------------------------------------------------------------------------
// CKAN

#[test]
fn ckan_package_show_wrapper() {
    let d = one("ckan/amsterdam-dcatd__62513382-3b26-4bc8-9096-40b6ce8383c0.json", InputFormat::Ckan);
    assert_eq!(d.id.as_deref(), Some("62513382-3b26-4bc8-9096-40b6ce8383c0"));
    assert_eq!(d.license.as_deref(), Some("other-open"));
    assert_eq!(d.items.len(), 1);
    // CKAN's "Other (Open)" is a category, not a license.
    assert_eq!(norms(&d), ["unknown"]);
    assert_eq!(inherited(&d), [true]);
    assert_eq!(hosts(&d), ["demo.ckan.org"]);
    assert_eq!(d.items[0].access, None);
}

#[test]
fn ckan_package_search_gives_one_dataset_per_package() {
    let all = load("ckan/amsterdam-dcatd__packages.json", InputFormat::Ckan);
    let licenses: Vec<Option<&str>> = all.iter().map(|d| d.license.as_deref()).collect();
    assert_eq!(licenses, [Some("other-open"), Some("cc-by"), Some("cc-by")]);
    assert!(all.iter().all(|d| d.items.len() == 1 && d.items[0].license_inherited));
    assert!(all.iter().all(|d| hosts(d) == ["demo.ckan.org"]));
    assert_eq!(all.iter().map(|d| d.position).collect::<Vec<_>>(), [0, 1, 2]);
    // cc-by names no version: ambiguous, honestly.
    assert_eq!(norms(&all[1]), ["ambiguous"]);
    assert_eq!(all[1].items[0].license_url.as_deref(), Some("http://www.opendefinition.org/licenses/cc-by"));
}

#[test]
fn ckan_dcat_ap_schema_resource_license_and_access_text() {
    let d = one("ckan/ckanext-dcat__ckan_full_dataset_dcat_ap.json", InputFormat::Ckan);
    assert_eq!(d.license, None);
    assert_eq!(norms(&d), ["CC-BY-3.0"]);
    assert_eq!(inherited(&d), [false]);
    assert_eq!(d.items[0].url.as_deref(), Some("https://example.com/data.csv"));
    assert_eq!(d.items[0].access.as_deref(), Some("Statement about access rights"));
}

#[test]
fn ckan_bare_package_without_license_on_two_hosts() {
    let d = one("ckan/fl-ckan-mapper__ckan_package.json", InputFormat::Ckan);
    assert_eq!(d.license, None);
    assert_eq!(norms(&d), ["none", "none"]);
    assert_eq!(hosts(&d), ["datahub.io", "unicode.org"]);
}

#[test]
fn ckan_full_bare_package() {
    let d = one("ckan/fl-ckan-mapper__full_ckan_package.json", InputFormat::Ckan);
    assert_eq!(d.license.as_deref(), Some("cc-by"));
    assert_eq!(inherited(&d), [true]);
    assert_eq!(hosts(&d), ["localhost"]);
    assert_eq!(d.items[0].access, None, "private: false is no restriction");
}

// ---------------------------------------------------------------------------------------------
// DCAT

#[test]
fn dcat_rdf_xml_distribution_license_and_literal_access() {
    let d = one("dcat/ckanext-dcat__dataset.rdf", InputFormat::Dcat);
    assert_eq!(
        d.id.as_deref(),
        Some("https://data.some.org/catalog/datasets/9df8df51-63db-37a8-e044-0003ba9b0d98")
    );
    assert_eq!(d.license.as_deref(), Some("https://data.some.org/link/to/license"));
    assert_eq!(d.access.as_deref(), Some("public"));
    // The data service inside the distribution is how it is accessed, not another item.
    assert_eq!(d.items.len(), 1);
    assert_eq!(norms(&d), ["CC-BY-NC-2.0"]);
    assert_eq!(inherited(&d), [false]);
    assert_eq!(hosts(&d), ["www.bgs.ac.uk"]);
    assert_eq!(d.items[0].access.as_deref(), Some("public"));
}

#[test]
fn dcat_catalog_license_is_not_the_datasets() {
    let d = one("dcat/ckanext-dcat__dataset_sweden.rdf", InputFormat::Dcat);
    assert_eq!(d.name.as_deref(), Some("Linked Nobel prizes"));
    assert_eq!(d.license, None, "the catalog's CC0 licenses the metadata");
    assert_eq!(norms(&d), ["CC-BY-NC-3.0"]);
    assert_eq!(d.items[0].url.as_deref(), Some("http://data.nobelprize.org/"));
}

#[test]
fn dcat_us_json_ld_with_pod_context() {
    let d = one("dcat/ckanext-dcat__catalog_pod.jsonld", InputFormat::Dcat);
    assert_eq!(d.id.as_deref(), Some("http://www.agency.gov/datasets/widgets-data"));
    // The POD context maps license to dct:#license; it is read all the same.
    assert_eq!(
        d.license.as_ref().map(|l| dpg_audit::license::normalize(l).expression),
        Some(Some("CC0-1.0".into()))
    );
    // accessLevel is outside the JSON-LD context; it is read from the JSON, with the `rights`
    // text (issue #18: the access conditions POD keeps there).
    assert_eq!(
        d.access.as_deref(),
        Some(
            "public; This dataset has been given an international public domain dedication for worldwide reuse"
        )
    );
    assert_eq!(d.items.len(), 4);
    assert_eq!(norms(&d), ["CC0-1.0"; 4]);
    assert_eq!(inherited(&d), [true; 4]);
    let mut h = hosts(&d);
    h.sort();
    assert_eq!(h, ["data.agency.gov", "data.agency.gov", "data.agency.gov", "www.agency.gov"]);
}

#[test]
fn dcat_health_turtle_eu_vocabularies() {
    let d = one("dcat/ckanext-dcat__dataset_health.ttl", InputFormat::Dcat);
    assert_eq!(
        d.access.as_deref(),
        Some("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")
    );
    assert_eq!(d.items.len(), 1, "adms:sample is not a distribution");
    assert_eq!(norms(&d), ["CC-BY-NC-ND-3.0"]);
    // downloadURL before the placeholder accessURL.
    assert_eq!(hosts(&d), ["fair.healthdata.be"]);
    assert_eq!(d.items[0].access, d.access);
}

#[test]
fn dcat_licence_document_with_exact_match() {
    let d = one("dcat/semic-dcat-ap__example-ms_catalogue_hvd.ttl", InputFormat::Dcat);
    assert_eq!(d.name.as_deref(), Some("The population of bees"));
    assert_eq!(norms(&d), ["CC0-1.0"]);
    let evidence = d.items[0].evidence.as_deref().unwrap_or_default();
    assert!(evidence.contains("skos:exactMatch") && evidence.contains("FreeAndOpen"), "{evidence}");
    assert_eq!(hosts(&d), ["orgea.exampleMS.gov".to_ascii_lowercase()]);
}

#[test]
fn dcat_json_ld_graph_with_two_datasets() {
    let all = load("dcat/semic-dcat-ap__example-ms_dataset_2_licenses.jsonld", InputFormat::Dcat);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].name.as_deref(), Some("The population of bees"));
    assert_eq!(all[1].name.as_deref(), Some("The population of wasps"));
    assert_eq!(all[0].items.len(), 2);
    assert_eq!(all[1].items.len(), 1);
    assert!(
        all[0]
            .items
            .iter()
            .all(|i| i.license.as_deref() == Some("https://data.exampleMS.gov/resource/FreeAndOpen"))
    );
    assert_eq!(
        all[1].items[0].license.as_deref(),
        Some("https://data.exampleMS.gov/resource/NoCommercialUseWithFees")
    );
    // The distributions give no URL; the dcat:DataService serving both datasets is where they
    // are accessed (issue #18: the service is an access location).
    assert!(
        all.iter()
            .flat_map(|d| &d.items)
            .all(|i| i.url.as_deref().is_some_and(|u| u.contains("orgea.exampleMS.gov"))),
        "{:?}",
        all.iter().flat_map(|d| &d.items).map(|i| &i.url).collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------------------------
// Frictionless

#[test]
fn frictionless_v1_beta_keys_and_resource_licenses() {
    let d = one("frictionless/fl-examples__geo-location-fk__datapackage.json", InputFormat::Frictionless);
    assert_eq!(d.license.as_deref(), Some("CC0-1.0"));
    assert_eq!(norms(&d), ["CC0-1.0", "CC-BY-4.0"]);
    assert_eq!(inherited(&d), [false, false]);
    assert_eq!(hosts(&d), ["-", "-"], "relative paths are not access URLs");
}

#[test]
fn frictionless_title_and_path_only() {
    let d = one(
        "frictionless/fl-examples__open-data-day-tweets-2018__datapackage.json",
        InputFormat::Frictionless,
    );
    assert_eq!(d.license.as_deref(), Some("Twitter Developer Agreement"));
    assert_eq!(d.license_url.as_deref(), Some("https://developer.twitter.com/en/developer-terms/agreement"));
    assert_eq!(norms(&d), ["unknown"]);
    assert_eq!(inherited(&d), [true]);

    let d = one(
        "frictionless/fl-examples__world-continents-topojson__datapackage.json",
        InputFormat::Frictionless,
    );
    assert_eq!(norms(&d), ["MIT"]);
    assert_eq!(inherited(&d), [true]);
    assert_eq!(hosts(&d), ["github.com"]);
}

#[test]
fn frictionless_language_maps() {
    let d = one(
        "frictionless/fl-examples__iso-639-1-language-codes__datapackage.json",
        InputFormat::Frictionless,
    );
    assert_eq!(d.name.as_deref(), Some("ISO 639-1 Language Codes"));
    assert_eq!(norms(&d), ["CC-BY-SA-3.0"]);
    assert_eq!(d.items[0].license_url.as_deref(), Some("https://creativecommons.org/licenses/by-sa/3.0/"));
}

#[test]
fn frictionless_without_and_with_repeated_licenses() {
    let d = one("frictionless/fl-examples__finance-vix__datapackage.json", InputFormat::Frictionless);
    assert_eq!(d.license, None);
    assert_eq!(norms(&d), ["none"]);
    assert_eq!(d.home_url.as_deref(), Some("http://www.cboe.com/micro/VIX/"));

    let d = one(
        "frictionless/fl-examples__countries-and-currencies__datapackage.json",
        InputFormat::Frictionless,
    );
    assert_eq!(norms(&d), ["CC0-1.0", "CC0-1.0"]);
    assert_eq!(inherited(&d), [false, false], "each resource repeats the license itself");
}

// ---------------------------------------------------------------------------------------------
// Croissant

#[test]
fn croissant_licenses_and_contained_files() {
    let cases: &[(&str, &str, usize, &str)] = &[
        ("croissant/mlc-1.0__huggingface-c4__metadata.json", "ODC-By-1.0", 2, "huggingface.co"),
        ("croissant/mlc-1.0__gpt-3__metadata.json", "missing", 2, "github.com"),
        ("croissant/mlc-1.0__world-happiness__metadata.json", "CC0-1.0", 6, "www.kaggle.com"),
        ("croissant/mlc-1.0__bigcode-the-stack__metadata.json", "missing", 2, "huggingface.co"),
        ("croissant/mlc-1.0__huggingface-squad__metadata.json", "none", 2, "huggingface.co"),
        ("croissant/mlc-1.0__flores-200__metadata.json", "CC-BY-SA-4.0", 5, "dl.fbaipublicfiles.com"),
    ];
    for (rel, license, items, on) in cases {
        let d = one(rel, InputFormat::Croissant);
        assert_eq!(d.items.len(), *items, "{rel}: items");
        assert!(norms(&d).iter().all(|l| l == license), "{rel}: {:?}", norms(&d));
        // Files inside an archive or repository are reached through it.
        assert!(hosts(&d).iter().all(|h| h == on), "{rel}: {:?}", hosts(&d));
        assert_eq!(inherited(&d).iter().all(|i| *i), *license != "none", "{rel}");
    }
}

// ---------------------------------------------------------------------------------------------
// Hugging Face cards

#[test]
fn hf_cards() {
    let d = one("hf-cards/hf-datasets__squad__README.md", InputFormat::HfCard);
    assert_eq!(d.name.as_deref(), Some("SQuAD"));
    assert_eq!(norms(&d), ["CC-BY-4.0"]);
    assert_eq!(d.access, None);
    assert!(!d.expects_urls);

    let d = one("hf-cards/hf-datasets__imagenet-1k__README.md", InputFormat::HfCard);
    assert_eq!(
        d.items[0].license.as_deref(),
        Some("imagenet-agreement"),
        "license: other, named by license_details"
    );
    assert!(d.items[0].evidence.as_deref().is_some_and(|e| e.contains("other")));
    assert!(
        d.access.as_deref().is_some_and(|a| a.contains("click-through")),
        "extra_gated_prompt: {:?}",
        d.access
    );

    let d = one("hf-cards/hf-datasets__xtreme__README.md", InputFormat::HfCard);
    assert_eq!(
        norms(&d),
        ["Apache-2.0", "CC-BY-4.0", "CC-BY-2.0", "CC-BY-SA-4.0", "unknown", "CC-BY-NC-4.0"],
        "one item per listed license; `other` named by license_details"
    );
    assert_eq!(d.items[4].license.as_deref(), Some("Licence Universal Dependencies v2.5"));

    let d = one("hf-cards/hf-datasets__wikitext__README.md", InputFormat::HfCard);
    assert_eq!(norms(&d), ["CC-BY-SA-3.0", "ambiguous"], "gfdl without a version");

    let d = one("hf-cards/hf-datasets__hellaswag__README.md", InputFormat::HfCard);
    assert_eq!(norms(&d), ["none"]);

    let d = one("hf-cards/hf-datasets__ag_news__README.md", InputFormat::HfCard);
    assert_eq!(norms(&d), ["missing"]);
}

// ---------------------------------------------------------------------------------------------
// DataCite and Zenodo

#[test]
fn datacite_json_rights() {
    let d =
        one("zenodo-datacite/datacite-schema__datacite-example-GeoLocation-v4.json", InputFormat::Datacite);
    assert_eq!(d.id.as_deref(), Some("10.5072/geopointexample"));
    assert_eq!(norms(&d), ["CC-BY-ND-2.0"]);
    assert_eq!(d.items[0].license_url.as_deref(), Some("http://creativecommons.org/licenses/by/3.0/deed"));
    assert_eq!(d.items[0].url.as_deref(), Some("https://doi.org/10.5072/geopointexample"));

    let d = one(
        "zenodo-datacite/datacite-schema__datacite-example-fundingReference-v4.json",
        InputFormat::Datacite,
    );
    assert_eq!(d.access.as_deref(), Some("open"), "info:eu-repo/semantics/openAccess");
    assert_eq!(norms(&d), ["CC0-1.0"]);

    let d = one(
        "zenodo-datacite/datacite-schema__datacite-example-ResourceTypeGeneral_Collection-v4.json",
        InputFormat::Datacite,
    );
    assert_eq!(norms(&d), ["unknown"]);

    let d = one("zenodo-datacite/datacite-schema__datacite-example-dataset-v4.json", InputFormat::Datacite);
    assert_eq!(norms(&d), ["none"], "empty rightsList");
}

#[test]
fn datacite_xml_rights_identifier_and_uri() {
    let d = one(
        "zenodo-datacite/datacite-schema__kernel-4.7__datacite-example-dataset-v4.xml",
        InputFormat::Datacite,
    );
    assert_eq!(d.id.as_deref(), Some("10.82433/9184-DY35"));
    assert_eq!(d.name.as_deref(), Some("External Environmental Data, 2010-2020, National Gallery"));
    assert_eq!(norms(&d), ["CC-BY-4.0"]);
    assert_eq!(d.items[0].license_url.as_deref(), Some("https://creativecommons.org/licenses/by-nc/4.0/"));
}

#[test]
fn zenodo_legacy_record() {
    let d = one("zenodo-datacite/zenodo-rdm__legacy_record.json", InputFormat::Zenodo);
    assert_eq!(d.access.as_deref(), Some("open"));
    assert_eq!(d.license.as_deref(), Some("CC-BY-4.0"));
    assert_eq!(d.items.len(), 1);
    assert_eq!(d.items[0].title.as_deref(), Some("ovensuukyselyt.csv"));
    assert_eq!(d.items[0].url.as_deref(), Some("https://doi.org/10.5281/zenodo.167280"));
    assert_eq!(inherited(&d), [true]);
    assert!(d.items[0].evidence.as_deref().is_some_and(|e| e.contains("dx.zenodo.org/licenses/CC-BY-4.0")));
}

// ---------------------------------------------------------------------------------------------
// Every sample through the CLI

/// Every sample file (SOURCES.tsv rows) audits without an input error, as one report or a batch.
#[test]
fn every_sample_audits_without_error() {
    let sources = std::fs::read_to_string(samples().join("SOURCES.tsv")).unwrap();
    let files: Vec<&str> =
        sources.lines().skip(1).filter_map(|l| l.split('\t').next()).filter(|f| !f.is_empty()).collect();
    assert!(files.len() >= 30, "SOURCES.tsv rows: {}", files.len());
    for f in files {
        let path = sample(f);
        let run = audit_json(&[p(&path)]);
        assert!(run.code == 0 || run.code == 1, "{f}: exit {} {}", run.code, run.stderr);
        let json = run.json();
        let reports: Vec<&Value> = match json.get("datasets") {
            Some(Value::Array(a)) => a.iter().collect(),
            _ => vec![&json],
        };
        for r in reports {
            assert!(r["collection"]["items"].as_u64().unwrap() > 0, "{f}: no items");
            assert!(r["summary"]["by_rule"].get("manifest-row-invalid").is_none(), "{f}: {r}");
        }
    }
}

#[test]
fn sample_verdicts_follow_the_rules() {
    let rules = |rel: &str| {
        let run = audit_json(&[p(&sample(rel))]);
        (run.code, run.json())
    };
    let (code, r) = rules("frictionless/fl-examples__geo-location-fk__datapackage.json");
    assert_eq!(code, 1);
    assert_eq!(rule_count(&r, "declared-license-mismatch"), 1, "package CC0, a resource CC-BY-4.0");

    let (_, r) = rules("zenodo-datacite/datacite-schema__kernel-4.7__datacite-example-dataset-v4.xml");
    assert_eq!(rule_count(&r, "license-url-mismatch"), 1);

    let (_, r) = rules("dcat/ckanext-dcat__dataset_health.ttl");
    assert_eq!(rule_count(&r, "access-not-public"), 1, "NON_PUBLIC");
    assert_eq!(rule_count(&r, "license-not-approved"), 1);

    let (_, r) = rules("hf-cards/hf-datasets__imagenet-1k__README.md");
    assert_eq!(rule_count(&r, "access-unrecognized"), 1, "click-through terms go to review");

    let (code, r) = rules("croissant/mlc-1.0__world-happiness__metadata.json");
    assert_eq!((code, r["verdict"].as_str()), (0, Some("pass")));

    let (_, r) = rules("ckan/fl-ckan-mapper__ckan_package.json");
    assert_eq!(rule_count(&r, "access-location-scattered"), 1, "datahub.io and unicode.org");
    assert_eq!(rule_count(&r, "license-missing"), 2);

    // Inherited licenses say so in the finding's evidence.
    let (_, r) = rules("ckan/amsterdam-dcatd__62513382-3b26-4bc8-9096-40b6ce8383c0.json");
    let f = r["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "license-unrecognized").unwrap();
    assert_eq!(f["evidence"], "license inherited from the dataset");
}

#[test]
fn the_whole_samples_folder_is_one_batch() {
    let run = audit_json(&[p(&samples())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let s = &json["summary"];
    // 7 CKAN packages, 7 DCAT datasets, 6 data packages, 6 Croissant, 6 cards, 6 DataCite/Zenodo;
    // README.md (no front matter) and SOURCES.tsv are not metadata.
    assert_eq!(s["datasets"], 38);
    assert_eq!(s["unreadable"], 0);
    assert_eq!(json["datasets"].as_array().unwrap().len(), 38);
    let qualify = s["qualify"].as_u64().unwrap();
    assert_eq!(qualify, s["pass"].as_u64().unwrap() + s["review"].as_u64().unwrap());
    // Ordered by source file, then position in the file.
    let sources: Vec<&str> =
        s["index"].as_array().unwrap().iter().map(|e| e["source"].as_str().unwrap()).collect();
    let mut sorted = sources.clone();
    sorted.sort();
    assert_eq!(sources, sorted);
}

// ---------------------------------------------------------------------------------------------
// Batch mode on the bundled samples

fn sample_data(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data").join(rel).display().to_string()
}

#[test]
fn ckan_portal_dump_batch() {
    let run = audit_json(&[&sample_data("ckan-portal-dump")]);
    assert_eq!(run.code, 1, "a dataset is not eligible: exit 1; {}", run.stderr);
    let json = run.json();
    assert_eq!(json["schema_version"], 1);
    let s = &json["summary"];
    assert_eq!(
        (s["datasets"].as_u64(), s["qualify"].as_u64(), s["fail"].as_u64()),
        (Some(6), Some(2), Some(4))
    );
    assert_eq!(s["items"], 10);
    let verdicts: Vec<&str> =
        s["index"].as_array().unwrap().iter().map(|e| e["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["pass", "pass", "fail", "fail", "fail", "fail"]);
    let reasons: Vec<&str> =
        s["top_reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    // bus-ridership's `cc-nc` is ambiguous alone, but its license_url (by-nc/2.0) settles it
    // (issue #18: every piece of licence evidence is used): not approved rather than ambiguous.
    for rule in ["access-not-public", "license-missing", "license-not-approved"] {
        assert!(reasons.contains(&rule), "{rule} in {reasons:?}");
    }
    let bus = &json["datasets"][2];
    assert_eq!(rule_count(bus, "license-not-approved"), 1);
    let evidence = bus["findings"][0]["evidence"].as_str().unwrap_or_default();
    assert!(evidence.contains("license_id `cc-nc` is ambiguous"), "{evidence}");
    // Each element is exactly a single-collection report.
    let single = audit_json(&[p(&sample("croissant/mlc-1.0__world-happiness__metadata.json"))]).json();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    for r in json["datasets"].as_array().unwrap() {
        assert_eq!(keys(r), keys(&single));
        assert_eq!(keys(&r["collection"]), keys(&single["collection"]));
    }
    let staff = &json["datasets"][4];
    assert!(
        staff["collection"]["manifests"][0]
            .as_str()
            .unwrap()
            .ends_with("#3f6c2b1e-8d4a-4d1b-9a0e-1c2d3e4f5a05")
    );
    assert_eq!(rule_count(staff, "access-not-public"), 1, "private package");
}

#[test]
fn dcat_catalog_batch() {
    let run = audit_json(&[&sample_data("dcat-catalog/catalog.ttl")]);
    assert_eq!(run.code, 1);
    let json = run.json();
    let names: Vec<&str> =
        json["summary"]["index"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Bathing water quality 2025",
            "Strategic noise map (Lden)",
            "Hospital admissions by diagnosis group",
            "Parking garage occupancy"
        ]
    );
    let verdicts: Vec<&str> =
        json["datasets"].as_array().unwrap().iter().map(|r| r["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["pass", "pass", "fail", "pass"]);
    assert_eq!(json["datasets"][1]["summary"]["by_license"]["CC0-1.0"], 1, "skos:exactMatch lic:CC0");
    assert_eq!(json["datasets"][3]["summary"]["by_license"]["CC-BY-4.0"], 2, "inherited blank-node licence");
}

#[test]
fn batch_terminal_and_determinism() {
    let dir = sample_data("ckan-portal-dump");
    let a = dpg_audit(&["audit", "--quiet", &dir]);
    let b = dpg_audit(&["audit", "--quiet", "-j", "1", &dir]);
    assert_eq!(a.code, 1);
    assert_eq!(a.stdout, b.stdout, "parallel or not, the same output");
    // Reports stream as datasets are done; the summary comes last.
    assert!(a.stdout.contains("portal batch of 6 datasets"), "{}", a.stdout);
    assert!(a.stdout.contains("2 of 6 datasets would qualify"), "{}", a.stdout);
    assert!(a.stdout.contains("--- dataset 6:"), "{}", a.stdout);
    assert!(a.stdout.find("--- dataset 6:") < a.stdout.find("portal batch of 6 datasets"), "{}", a.stdout);
}

#[test]
fn a_batch_of_passing_datasets_exits_0() {
    let dir = tempdir();
    let card =
        |name: &str, license: &str| format!("---\npretty_name: {name}\nlicense: {license}\n---\n# {name}\n");
    // Two folders, as Hugging Face repositories are laid out.
    for (name, license) in [("alpha", "cc-by-4.0"), ("beta", "cc0-1.0")] {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        write(&dir.path().join(name), "README.md", card(name, license));
    }
    let run = audit_json(&[p(dir.path())]);
    // Cards have no access URL: the single-location criterion is a warning, so review, exit 0.
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["summary"]["review"], 2);
    let ids: Vec<&str> =
        json["summary"]["index"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["alpha", "beta"], "a card's id is its folder");
    let strict = audit_json(&["--fail-on", "warning", p(dir.path())]);
    assert_eq!(strict.code, 1);
}

// ---------------------------------------------------------------------------------------------
// --input-format

#[test]
fn input_format_forces_the_reader() {
    let dir = tempdir();
    // Turtle in a file whose name says nothing.
    let ttl = std::fs::read(sample_data("dcat-catalog/catalog.ttl")).unwrap();
    let path = write(dir.path(), "export.txt", &ttl);
    let run = audit_json(&["--input-format", "dcat", p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["datasets"], 4);

    // As a manifest, a CKAN package is a single JSON object: not a manifest.
    let ckan = sample("ckan/fl-ckan-mapper__full_ckan_package.json");
    let run = audit_json(&["--input-format", "manifest", p(&ckan)]);
    assert_eq!(run.code, 2, "{}", run.stdout);

    // A reader forced onto the wrong content says what it expected.
    let run = audit_json(&["--input-format", "hf-card", p(&ckan)]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("full_ckan_package.json") && run.stderr.contains("front matter"),
        "{}",
        run.stderr
    );
}

#[test]
fn ckan_json_lines_dump() {
    let dir = tempdir();
    let pkg = |id: &str, license: &str| {
        format!(
            r#"{{"id":"{id}","name":"{id}","title":"Package {id}","license_id":"{license}","private":false,"resources":[{{"id":"{id}-r","url":"https://ckan.example.org/dataset/{id}/resource/r.csv"}}]}}"#
        )
    };
    let text = format!("{}\n{}\n{{not json\n", pkg("one", "CC-BY-4.0"), pkg("two", "CC-BY-NC-4.0"));
    let path = write(dir.path(), "dump.jsonl", text);
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let verdicts: Vec<&str> =
        json["datasets"].as_array().unwrap().iter().map(|r| r["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["pass", "fail", "fail"]);
    assert_eq!(json["summary"]["unreadable"], 1);
    let msg = json["datasets"][2]["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("line 3"), "{msg}");
}

// ---------------------------------------------------------------------------------------------
// Bad input

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/portal").join(name).display().to_string()
}

fn assert_input_error(run: &Run, file: &str, words: &[&str]) {
    assert_eq!(run.code, 2, "exit code; stdout: {}", run.stdout);
    assert!(run.stderr.contains(file), "stderr should name {file}: {}", run.stderr);
    for w in words {
        assert!(run.stderr.contains(w), "stderr should say `{w}`: {}", run.stderr);
    }
    assert!(run.stdout.is_empty());
}

#[test]
fn json_in_none_of_the_formats() {
    let run = audit_json(&[&fixture("not-a-portal.json")]);
    assert_input_error(
        &run,
        "not-a-portal.json",
        &["none of the known formats", "CKAN", "DataCite", "Croissant"],
    );
}

#[test]
fn dcat_with_broken_rdf() {
    let run = audit_json(&[&fixture("broken.ttl")]);
    assert_input_error(&run, "broken.ttl", &["invalid RDF (Turtle)", "line"]);
}

#[test]
fn card_with_broken_yaml() {
    let run = audit_json(&[&fixture("broken-card.md")]);
    assert_input_error(&run, "broken-card.md", &["YAML front matter is invalid"]);
}

#[test]
fn ckan_package_without_resources() {
    // Issue #18: a package without resources is still a dataset; its licence is judged and the
    // missing access location is the finding (it used to be an unreadable input).
    let run = audit_json(&[&fixture("no-resources.json")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["summary"]["by_license"]["CC-BY-4.0"], 1);
    assert_eq!(rule_count(&json, "access-location-missing"), 1);
}

#[test]
fn one_bad_dataset_does_not_stop_the_batch() {
    let run = audit_json(&[&fixture("search-with-bad-package.json")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["summary"]["datasets"], 2);
    // The package without resources is a dataset with a finding, not an unreadable one.
    assert_eq!(json["summary"]["unreadable"], 0);
    assert_eq!(json["datasets"][0]["verdict"], "pass");
    let bad = &json["datasets"][1];
    assert_eq!(bad["verdict"], "fail");
    assert_eq!(rule_count(bad, "access-location-missing"), 1);
    assert_eq!(bad["summary"]["by_license"]["CC-BY-4.0"], 1);
}

#[test]
fn bad_files_in_a_folder_become_failed_entries() {
    let dir = tempdir();
    for name in ["broken.ttl", "broken-card.md", "not-a-portal.json"] {
        std::fs::copy(fixture(name), dir.path().join(name)).unwrap();
    }
    std::fs::copy(sample("hf-cards/hf-datasets__squad__README.md"), dir.path().join("squad.md")).unwrap();
    write(dir.path(), "notes.md", "# Not a card\n");
    let run = audit_json(&[p(dir.path())]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["summary"]["datasets"], 4, "notes.md without front matter is skipped");
    assert_eq!(json["summary"]["unreadable"], 3);
    let index = json["summary"]["index"].as_array().unwrap();
    let squad = index.iter().position(|e| e["source"].as_str().unwrap().ends_with("squad.md")).unwrap();
    assert_eq!(json["datasets"][squad]["verdict"], "review");
}

#[test]
fn findings_file_for_a_batch_names_each_dataset() {
    // Issue #18: --findings works for a batch: one file, the manifest column naming the dataset.
    let dir = tempdir();
    let out = dir.path().join("findings.csv");
    let run = audit_json(&["--findings", p(&out), &sample_data("ckan-portal-dump")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let csv = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // aerial imagery (2 resources not approved), bus ridership (1), staff directory (1), council
    // minutes (1): every per-item finding of every dataset.
    let json = run.json();
    let expected: u64 = json["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["findings"].as_array().unwrap().iter())
        .filter(|f| !f["item"].is_null())
        .count() as u64;
    assert_eq!(rows.len() as u64, expected);
    assert!(expected >= 5, "{csv}");
    assert!(rows.iter().all(|r| r.contains("package_search.json#")), "{csv}");
}

#[test]
fn manifests_are_still_manifests() {
    // A JSON array of flat objects stays an item manifest.
    let dir = tempdir();
    let path = write(
        dir.path(),
        "items.json",
        r#"[{"id":"a","license":"CC0-1.0","url":"https://data.example.org/a"},{"id":"b","license":"CC0-1.0","url":"https://data.example.org/b"}]"#,
    );
    let run = audit_json(&[p(&path)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert!(json.get("datasets").is_none());
    assert_eq!(json["collection"]["items"], 2);
}

// ---------------------------------------------------------------------------------------------
// The facts the readers produce, as the rules data judges them

#[test]
fn access_facts_map_to_vocabulary_classes() {
    use dpg_audit::policy::{Rule, access};
    let judge = |raw: &str| {
        let j = access::judge(Some(raw), &|r: Rule| r.default_severity());
        j.findings.first().map(|f| f.rule.code())
    };
    let eu = "http://publications.europa.eu/resource/authority/access-right/";
    // Permitted: no finding.
    for raw in ["open", "public", "gated auto", &format!("{eu}PUBLIC")] {
        assert_eq!(judge(raw), None, "{raw}");
    }
    // At someone's discretion.
    for raw in ["gated manual", "restricted", &format!("{eu}RESTRICTED")] {
        assert_eq!(judge(raw), Some("access-discriminatory"), "{raw}");
    }
    // Not public at all: a rule of its own (issue 17).
    for raw in ["private", "embargoed", "closed", &format!("{eu}NON_PUBLIC")] {
        assert_eq!(judge(raw), Some("access-not-public"), "{raw}");
    }
    // Terms to accept: a reviewer reads them.
    assert_eq!(judge("gated auto, click-through terms (extra_gated_prompt)"), Some("access-unrecognized"));
    assert_eq!(
        dpg_audit::portal::datacite::eu_repo_access("info:eu-repo/semantics/embargoedAccess"),
        Some("embargoed")
    );
}

#[test]
fn eu_licence_authority_iris_are_recognized() {
    let base = "http://publications.europa.eu/resource/authority/licence/";
    for (code, spdx) in [("CC_BYNCND_3_0", "CC-BY-NC-ND-3.0"), ("CC0", "CC0-1.0"), ("CC_BY_4_0", "CC-BY-4.0")]
    {
        let n = dpg_audit::license::normalize(&format!("{base}{code}"));
        assert_eq!(n.expression.as_deref(), Some(spdx), "{code}");
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes the shared samples do not cover (hand-made fixtures in tests/fixtures/portal)

fn read_fixture(name: &str) -> Dataset {
    let path = PathBuf::from(fixture(name));
    let Detected::Portal(format) = portal::detect(&path).unwrap() else {
        panic!("{name}: not detected as metadata")
    };
    let mut all = portal::read_file(&path, format).unwrap();
    assert_eq!(all.len(), 1);
    all.remove(0).unwrap_or_else(|u| panic!("{name}: {}", u.reason))
}

#[test]
fn zenodo_rest_record_with_file_links() {
    let d = read_fixture("zenodo-rest-record.json");
    assert_eq!(d.format, Some(InputFormat::Zenodo));
    assert_eq!(d.id.as_deref(), Some("10.5281/zenodo.8123456"));
    assert_eq!(d.access.as_deref(), Some("embargoed"));
    assert_eq!(norms(&d), ["CC-BY-4.0", "CC-BY-4.0"]);
    assert_eq!(inherited(&d), [true, true]);
    assert_eq!(
        d.items[0].url.as_deref(),
        Some("https://zenodo.org/api/records/8123456/files/transects.csv/content")
    );
}

#[test]
fn invenio_rdm_record_access_and_rights() {
    let d = read_fixture("invenio-rdm-record.json");
    assert_eq!(d.id.as_deref(), Some("10.5281/zenodo.9000001"));
    assert_eq!(d.access.as_deref(), Some("restricted"), "access.files");
    assert_eq!(norms(&d), ["CC-BY-NC-4.0"]);
    assert_eq!(d.items[0].title.as_deref(), Some("transcripts.zip"));
    // No file link: the record's DOI is where the file is reached.
    assert_eq!(d.items[0].url.as_deref(), Some("https://doi.org/10.5281/zenodo.9000001"));
}

#[test]
fn datacite_rest_wrapper() {
    let d = read_fixture("datacite-rest.json");
    assert_eq!(d.format, Some(InputFormat::Datacite));
    assert_eq!(d.access.as_deref(), Some("restricted"), "info:eu-repo/semantics/restrictedAccess");
    assert_eq!(norms(&d), ["CC-BY-4.0"], "rightsIdentifier, the access statement set apart");
    assert_eq!(d.items[0].url.as_deref(), Some("https://data.larkspur-bay.example/dataset/tides"));
}

#[test]
fn a_folder_with_one_dataset_gives_the_ordinary_report() {
    let dir = tempdir();
    std::fs::copy(sample("hf-cards/hf-datasets__squad__README.md"), dir.path().join("README.md")).unwrap();
    let run = audit_json(&[p(dir.path())]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json = run.json();
    assert!(json.get("datasets").is_none(), "not a batch");
    assert_eq!(json["verdict"], "review");
    assert_eq!(json["summary"]["by_license"]["CC-BY-4.0"], 1);
}
