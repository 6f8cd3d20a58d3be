//! Table tests for each layer of the license normalizer, the data tables' integrity, and a
//! property test: arbitrary input never panics and is bounded in work.

use dpg_audit::license::cleanup::{clean, token_texts};
use dpg_audit::license::{
    Normalized, Resolution, Status, cc, is_spdx_listed, normalize, normalize_with_version, spdx_ids, url,
    vocab,
};
use proptest::prelude::*;

/// `(input, expected expression)` -> asserts status normalized/exact with that expression.
fn assert_expr(cases: &[(&str, &str)]) {
    let mut bad = Vec::new();
    for (input, want) in cases {
        let n = normalize(input);
        if n.expression.as_deref() != Some(*want) || !matches!(n.status, Status::Exact | Status::Normalized) {
            bad.push(format!("{input:?}: want {want}, got {n:?}"));
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

fn assert_status(cases: &[(&str, Status)]) {
    let mut bad = Vec::new();
    for (input, want) in cases {
        let n = normalize(input);
        if n.status != *want
            || (n.expression.is_some() && !matches!(want, Status::Exact | Status::Normalized))
        {
            bad.push(format!("{input:?}: want {want:?}, got {n:?}"));
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

fn ambiguous_with(input: &str, must_contain: &[&str]) {
    let n = normalize(input);
    assert_eq!(n.status, Status::Ambiguous, "{input:?}: {n:?}");
    assert!(n.expression.is_none());
    for c in must_contain {
        assert!(n.candidates.iter().any(|x| x == c), "{input:?}: {c} not among {:?}", n.candidates);
    }
}

// ---------------------------------------------------------------------------------------------
// Layer 1: cleanup and tokenization

#[test]
fn cleanup_strips_wrappers_prefixes_and_noise() {
    let cases = [
        ("  MIT  ", "MIT"),
        ("\"CC-BY-4.0\"", "CC-BY-4.0"),
        ("'Apache-2.0',", "Apache-2.0"),
        ("[CC0-1.0]", "CC0-1.0"),
        ("(MIT)", "MIT"),
        ("(MIT) and (BSD)", "(MIT) and (BSD)"),
        ("License: CC-BY-4.0", "CC-BY-4.0"),
        ("DataLicense: CC0-1.0", "CC0-1.0"),
        ("SPDX-License-Identifier: MIT", "MIT"),
        ("license='Attribution 4.0 International',", "Attribution 4.0 International"),
        ("name: Open Government Licence v2.0", "Open Government Licence v2.0"),
        ("# Community Data License", "Community Data"),
        ("Apache-2.0 License", "Apache-2.0"),
        ("MIT licence.", "MIT"),
        ("CC BY 4.0\u{a0}International", "CC BY 4.0 International"),
        ("CC\tBY\n4.0", "CC BY 4.0"),
        ("Attribution\u{2013}ShareAlike", "Attribution-ShareAlike"),
        ("F\\*ck", "F*ck"),
        ("License", "License"),
        ("[]", ""),
        ("", ""),
    ];
    for (input, want) in cases {
        assert_eq!(clean(input), want, "{input:?}");
    }
}

#[test]
fn tokens_fold_case_accents_and_versions() {
    let cases: &[(&str, &[&str])] = &[
        ("Atribución 4.0 Internacional", &["atribucion", "4.0", "internacional"]),
        ("GNU GPL v.3", &["gnu", "gpl", "3.0"]),
        ("GPLv3+", &["gpl", "3.0", "+"]),
        ("OGL3", &["ogl", "3.0"]),
        ("ccby40", &["ccby", "40"]),
        ("cc0", &["cc", "0.0"]),
        ("CC_BYNC_4_0", &["cc", "bync", "4.0"]),
        ("lppl-1.3c", &["lppl", "1.3c"]),
        ("Apache License, Version 2.0", &["apache", "2.0"]),
        ("署名 4.0 国际", &["署名", "4.0", "国际"]),
        ("Namensnennung & Weitergabe", &["namensnennung", "and", "weitergabe"]),
        ("Ältere", &["altere"]),
        ("MIT (https://example.org/x)", &["mit", "(", "https://example.org/x", ")"]),
    ];
    for (input, want) in cases {
        assert_eq!(token_texts(input), *want, "{input:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Layer 2: SPDX ids and expressions

#[test]
fn spdx_ids_any_case_and_exact_only_when_canonical() {
    let cases = [
        ("CC-BY-4.0", Status::Exact),
        ("MIT", Status::Exact),
        ("MIT OR Apache-2.0", Status::Exact),
        ("cc-by-4.0", Status::Normalized),
        ("mit", Status::Normalized),
        ("GPL-2.0", Status::Normalized),
        ("LicenseRef-my-terms", Status::Exact),
    ];
    assert_status(&cases);
    assert_expr(&[
        ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0"),
        ("BSD-3-CLAUSE", "BSD-3-Clause"),
        ("odbl-1.0", "ODbL-1.0"),
        ("licenseref-foo", "LicenseRef-foo"),
        ("mit or apache-2.0", "MIT OR Apache-2.0"),
        ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
        ("apache-2.0 with llvm-exception", "Apache-2.0 WITH LLVM-exception"),
        ("(MIT AND bsd-3-clause) or GPL-3.0-or-later", "(MIT AND BSD-3-Clause) OR GPL-3.0-or-later"),
        ("Apache-2.0+", "Apache-2.0+"),
    ]);
}

#[test]
fn deprecated_ids_are_rewritten_and_reported() {
    let cases = [
        ("GPL-2.0", "GPL-2.0-only", "GPL-2.0"),
        ("gpl-3.0", "GPL-3.0-only", "GPL-3.0"),
        ("GPL-2.0+", "GPL-2.0-or-later", "GPL-2.0+"),
        ("LGPL-2.1+", "LGPL-2.1-or-later", "LGPL-2.1+"),
        ("AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0"),
        ("GFDL-1.3", "GFDL-1.3-only", "GFDL-1.3"),
        ("wxWindows", "LGPL-2.0-or-later WITH WxWindows-exception-3.1", "wxWindows"),
        ("BSD-2-Clause-FreeBSD", "BSD-2-Clause-Views", "BSD-2-Clause-FreeBSD"),
        ("StandardML-NJ", "SMLNJ", "StandardML-NJ"),
    ];
    for (input, want, dep) in cases {
        let n = normalize(input);
        assert_eq!(n.expression.as_deref(), Some(want), "{input}");
        assert_eq!(n.status, Status::Normalized, "{input}");
        assert_eq!(n.deprecated, vec![(dep.to_string(), want.to_string())], "{input}");
    }
    let n = normalize("MIT OR GPL-2.0");
    assert_eq!(n.expression.as_deref(), Some("MIT OR GPL-2.0-only"));
    assert_eq!(n.deprecated.len(), 1);
    // Names are not ids: nothing deprecated was written.
    assert!(normalize("GNU GPL v2").deprecated.is_empty());
}

#[test]
fn deprecated_table_covers_every_deprecated_id_with_valid_replacements() {
    let table = spdx_ids::deprecated_table();
    for lic in spdx::identifiers::LICENSES {
        let Some(id) = spdx::license_id(lic.name) else { continue };
        if id.is_deprecated() && lic.name != "NOASSERTION" {
            assert!(
                table.iter().any(|(old, _)| *old == lic.name),
                "deprecated {} not in deprecated.tsv",
                lic.name
            );
        }
    }
    for (old, new) in table {
        assert!(spdx::license_id(old).is_some(), "{old} is not an SPDX id");
        if !new.is_empty() {
            let e = spdx::Expression::parse_mode(new, spdx::ParseMode::STRICT);
            assert!(e.is_ok(), "replacement {new} of {old} is not a strict SPDX expression");
        }
    }
}

#[test]
fn is_spdx_listed_only_for_list_ids() {
    assert!(is_spdx_listed("CC-BY-4.0"));
    assert!(is_spdx_listed("GPL-2.0-only"));
    assert!(is_spdx_listed("CC-BY-3.0-IGO"));
    assert!(!is_spdx_listed("cc-by-4.0"));
    assert!(!is_spdx_listed("LicenseRef-CC-BY-SA-3.0-US"));
    assert!(!is_spdx_listed("CC-BY-SA-3.0-US"));
    assert!(!is_spdx_listed("CC-BY-NC-3.0-US"));
    assert!(!is_spdx_listed("CC-BY-NC-SA-3.0-US"));
    assert!(!is_spdx_listed("NOASSERTION"));
    assert!(!is_spdx_listed("NONE"));
}

#[test]
fn expressions_that_are_not_expressions_fall_through() {
    for s in ["MIT AND", "AND MIT", "MIT Apache-2.0", "MIT WITH Apache-2.0", "(MIT", "Creative Commons"] {
        assert!(spdx_ids::parse_expression(s).is_none(), "{s}");
    }
}

// ---------------------------------------------------------------------------------------------
// Layer 3: URLs

#[test]
fn url_grammar() {
    let lic = |s: &str| Some(Resolution::License(s.to_string()));
    let cases = [
        ("https://creativecommons.org/licenses/by/4.0/", lic("CC-BY-4.0")),
        ("http://creativecommons.org/licenses/by-nc-sa/4.0/legalcode.de", lic("CC-BY-NC-SA-4.0")),
        ("https://creativecommons.org/licenses/by/4.0/deed.zh-hans", lic("CC-BY-4.0")),
        ("https://creativecommons.org/licenses/by/3.0/de/deed.en", lic("CC-BY-3.0-DE")),
        ("https://creativecommons.org/licenses/by-sa/3.0/igo/", lic("CC-BY-SA-3.0-IGO")),
        ("https://creativecommons.org/licenses/by-sa/3.0/us/", lic("LicenseRef-CC-BY-SA-3.0-US")),
        ("https://creativecommons.org/licenses/by-nc/3.0/us/", lic("LicenseRef-CC-BY-NC-3.0-US")),
        ("https://creativecommons.org/licenses/by-nc-sa/2.0/uk/", lic("CC-BY-NC-SA-2.0-UK")),
        ("https://creativecommons.org/publicdomain/zero/1.0/", lic("CC0-1.0")),
        ("https://creativecommons.org/publicdomain/mark/1.0/", lic("CC-PDM-1.0")),
        ("http://creativecommons.org/licenses/publicdomain/", lic("CC-PDDC")),
        ("https://creativecommons.org/share-your-work/public-domain/cc0", lic("CC0-1.0")),
        ("creativecommons.org/licenses/by-nd/4.0", lic("CC-BY-ND-4.0")),
        ("https://opendatacommons.org/licenses/odbl/1-0/", lic("ODbL-1.0")),
        ("http://opendatacommons.org/licenses/by/summary/", lic("ODC-By-1.0")),
        ("http://www.opendefinition.org/licenses/odc-pddl", lic("PDDL-1.0")),
        ("http://publications.europa.eu/resource/authority/licence/CC_BYNCND_4_0", lic("CC-BY-NC-ND-4.0")),
        ("http://publications.europa.eu/resource/authority/licence/CC_BY_3_0_IGO", lic("CC-BY-3.0-IGO")),
        ("http://publications.europa.eu/resource/authority/licence/EUPL_1_2", lic("EUPL-1.2")),
        ("http://publications.europa.eu/resource/authority/licence/ODC_BL", lic("ODbL-1.0")),
        ("http://dcat-ap.de/def/licenses/cc-by/4.0", lic("CC-BY-4.0")),
        ("http://dcat-ap.de/def/licenses/cc-by-nd/3_0", lic("CC-BY-ND-3.0")),
        ("http://dcat-ap.de/def/licenses/cc-by-de/3.0", lic("CC-BY-3.0-DE")),
        ("http://dcat-ap.de/def/licenses/dl-by-de/2_0", lic("DL-DE-BY-2.0")),
        ("http://dcat-ap.de/def/licenses/gpl/3.0", lic("GPL-3.0-only")),
        ("https://spdx.org/licenses/MIT.html", lic("MIT")),
        ("https://spdx.org/licenses/GPL-2.0.html", lic("GPL-2.0-only")),
        ("https://opensource.org/licenses/BSD-3-Clause", lic("BSD-3-Clause")),
        ("https://opensource.org/license/apache-2-0", lic("Apache-2.0")),
        ("https://www.gnu.org/licenses/old-licenses/lgpl-2.1.en.html", lic("LGPL-2.1-only")),
        ("https://www.apache.org/licenses/LICENSE-2.0.txt", lic("Apache-2.0")),
        ("https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/", lic("OGL-UK-3.0")),
        ("https://data.norge.no/nlod/en/2.0", lic("NLOD-2.0")),
        ("https://choosealicense.com/licenses/cc-by-sa-4.0/", lic("CC-BY-SA-4.0")),
        ("https://github.com/org/repo/blob/main/LICENSE", Some(Resolution::Unrecognized)),
        ("https://rightsstatements.org/page/NoC-NC/1.0/", Some(Resolution::NotLicense)),
        ("not a url", None),
    ];
    for (input, want) in cases {
        assert_eq!(url::parse_url(input), want, "{input}");
    }
    // Families and impossible versions are not guessed.
    assert!(matches!(
        url::parse_url("https://creativecommons.org/licenses/by-sa/"),
        Some(Resolution::Ambiguous(_))
    ));
    assert!(matches!(
        url::parse_url("http://creativecommons.org/licenses/sa/2.0"),
        Some(Resolution::Ambiguous(_))
    ));
    assert!(matches!(url::parse_url("http://dcat-ap.de/def/licenses/cc-by"), Some(Resolution::Ambiguous(_))));
    assert_eq!(
        url::parse_url("https://opendatacommons.org/licenses/odbl/2.0/"),
        Some(Resolution::Unrecognized)
    );
}

// ---------------------------------------------------------------------------------------------
// Layer 4: Creative Commons names

#[test]
fn cc_names_abbreviations_versions_ports() {
    assert_expr(&[
        ("Attribution 4.0 International", "CC-BY-4.0"),
        ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International", "CC-BY-NC-SA-4.0"),
        ("CC BY-NC-SA 3.0 IGO", "CC-BY-NC-SA-3.0-IGO"),
        ("CC BY 3.0 IGO", "CC-BY-3.0-IGO"),
        ("CC BY-SA 3.0 US", "LicenseRef-CC-BY-SA-3.0-US"),
        ("CC BY-NC 3.0 US", "LicenseRef-CC-BY-NC-3.0-US"),
        (
            "Creative Commons Attribution-NonCommercial-ShareAlike 3.0 United States",
            "LicenseRef-CC-BY-NC-SA-3.0-US",
        ),
        ("CC BY 3.0 AT", "CC-BY-3.0-AT"),
        ("Creative Commons Attribution 3.0 Austria", "CC-BY-3.0-AT"),
        ("Creative Commons Namensnennung 3.0 Deutschland", "CC-BY-3.0-DE"),
        ("Creative Commons Attribution-ShareAlike 2.5 Scotland", "LicenseRef-CC-BY-SA-2.5-SCOTLAND"),
        ("CC BY 4.0 DE", "CC-BY-4.0"),
        ("CC Attribution 4.0", "CC-BY-4.0"),
        ("Creative Commons 4.0 BY-NC", "CC-BY-NC-4.0"),
        ("BY-NC-SA 4.0", "CC-BY-NC-SA-4.0"),
        ("ccbysa30", "CC-BY-SA-3.0"),
        ("CCA 4.0", "CC-BY-4.0"),
        ("CC Atribution 3.0", "CC-BY-3.0"),
        ("Attribution-NoDerivs 3.0 Unported", "CC-BY-ND-3.0"),
        ("Creative Commons Attribution No Derivative Works 2.5", "CC-BY-ND-2.5"),
        ("Reconocimiento-NoComercial-CompartirIgual 3.0", "CC-BY-NC-SA-3.0"),
        ("Atribución-NoComercial 4.0 Internacional", "CC-BY-NC-4.0"),
        ("Namensnennung - Nicht kommerziell - Keine Bearbeitungen 4.0 International", "CC-BY-NC-ND-4.0"),
        ("Attribuzione - Non commerciale 4.0 Internazionale", "CC-BY-NC-4.0"),
        (
            "Paternité - Pas d'Utilisation Commerciale - Partage dans les Mêmes Conditions 2.0",
            "CC-BY-NC-SA-2.0",
        ),
        ("Naamsvermelding-GelijkDelen 4.0 Internationaal", "CC-BY-SA-4.0"),
        ("署名-非商业性使用-相同方式共享 4.0 国际", "CC-BY-NC-SA-4.0"),
        ("表示 - 継承 4.0 国際", "CC-BY-SA-4.0"),
        ("CC0", "CC0-1.0"),
        ("CC-0", "CC0-1.0"),
        ("CC Zero", "CC0-1.0"),
        ("Creative Commons Zero", "CC0-1.0"),
        ("CC0 1.0 Universal", "CC0-1.0"),
        ("CC PDM", "CC-PDM-1.0"),
        ("Creative Commons Public Domain Mark 1.0", "CC-PDM-1.0"),
        ("Creative Commons Attribution 4.0 International (CC BY 4.0)", "CC-BY-4.0"),
        ("CC BY-NC 4.0 (Attribution, Non-Commercial)", "CC-BY-NC-4.0"),
    ]);
    ambiguous_with("CC BY", &["CC-BY-4.0", "CC-BY-3.0"]);
    ambiguous_with("Creative Commons", &["CC-BY-4.0", "CC0-1.0"]);
    ambiguous_with("Creative Commons Attribution-ShareAlike", &["CC-BY-SA-4.0"]);
    ambiguous_with("CC BY-SA", &["CC-BY-SA-3.0"]);
    ambiguous_with("CC-BY-2.1", &["LicenseRef-CC-BY-2.1-JP"]);
    ambiguous_with("CC0 2.0", &["CC0-1.0"]);
    ambiguous_with("CC-NC 3.0", &["CC-BY-NC-3.0"]);
    ambiguous_with("Creative Commons Public Domain Dedication", &["CC0-1.0", "CC-PDDC"]);
    // Contradictions are not licenses.
    assert_status(&[("CC BY-SA-ND 4.0", Status::Unknown)]);
}

#[test]
fn cc_codes_and_squashed_forms() {
    assert_eq!(cc::code_elements("by-nc-sa"), Some(cc::BY | cc::NC | cc::SA));
    assert_eq!(cc::code_elements("cc0"), Some(cc::ZERO));
    assert_eq!(cc::code_elements("by-xx"), None);
    assert_eq!(cc::squashed("ccbyncnd"), Some((cc::BY | cc::NC | cc::ND, true)));
    assert_eq!(cc::squashed("bync"), Some((cc::BY | cc::NC, false)));
    assert_eq!(cc::squashed("by"), None);
    assert_eq!(cc::squashed("ccbyby"), None);
    assert_eq!(cc::port_code("de"), Some("DE"));
    assert_eq!(cc::port_code("xx"), None);
}

// ---------------------------------------------------------------------------------------------
// Layer 5: vocabularies, names, families

#[test]
fn vocabularies_and_names() {
    assert_expr(&[
        // CKAN / Open Definition
        ("odc-odbl", "ODbL-1.0"),
        ("odc-by", "ODC-By-1.0"),
        ("cc-zero", "CC0-1.0"),
        ("Open Data Commons Open Database License (ODbL)", "ODbL-1.0"),
        ("agpl-v3", "AGPL-3.0-only"),
        ("OGL-CA-2.0", "OGL-Canada-2.0"),
        // Hugging Face
        ("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0"),
        ("bigscience-openrail-m", "LicenseRef-scancode-bigscience-open-rail-m"),
        ("llama3.1", "LicenseRef-scancode-llama-3.1-license-2024"),
        ("c-uda", "C-UDA-1.0"),
        ("odbl", "ODbL-1.0"),
        // GovData / DCAT-AP.de codes
        ("dl-by-de/2.0", "DL-DE-BY-2.0"),
        ("cc-by-nd/3.0", "CC-BY-ND-3.0"),
        ("odcpddl", "PDDL-1.0"),
        ("Datenlizenz Deutschland – Zero – Version 2.0", "DL-DE-ZERO-2.0"),
        // names and families
        ("Apache License, Version 2.0", "Apache-2.0"),
        ("GNU General Public License v3.0", "GPL-3.0-only"),
        ("GNU GPLv2 or later", "GPL-2.0-or-later"),
        ("GPL v3+", "GPL-3.0-or-later"),
        ("LGPL 2.1", "LGPL-2.1-only"),
        ("GNU Lesser General Public License v3 or later", "LGPL-3.0-or-later"),
        ("Mozilla Public License 2.0", "MPL-2.0"),
        ("BSD 3-Clause \"New\" or \"Revised\" License", "BSD-3-Clause"),
        ("Simplified BSD License", "BSD-2-Clause"),
        ("Open Government Licence v3.0", "OGL-UK-3.0"),
        ("OGL v2", "OGL-UK-2.0"),
        ("Open Government Licence - Canada", "OGL-Canada-2.0"),
        ("Licence Ouverte 2.0", "etalab-2.0"),
        ("NLOD 1.0", "NLOD-1.0"),
        ("Open Database License", "ODbL-1.0"),
        ("Community Data License Agreement – Sharing, Version 1.0", "CDLA-Sharing-1.0"),
        ("Public Domain", "LicenseRef-scancode-public-domain"),
    ]);
    ambiguous_with("GPL", &["GPL-2.0-only", "GPL-3.0-or-later"]);
    ambiguous_with("GNU Free Documentation License", &["GFDL-1.3-only"]);
    ambiguous_with("apache", &["Apache-2.0"]);
    ambiguous_with("bsd", &["BSD-3-Clause"]);
    ambiguous_with("Open Government Licence", &["OGL-UK-3.0"]);
    ambiguous_with("Norwegian Licence for Open Government Data", &["NLOD-2.0"]);
    ambiguous_with("uk-ogl", &["OGL-UK-2.0"]);
}

#[test]
fn placeholders_are_missing_and_categories_unknown() {
    assert_status(&[
        ("", Status::Missing),
        ("   ", Status::Missing),
        ("NOASSERTION", Status::Missing),
        ("NONE", Status::Missing),
        ("none", Status::Missing),
        ("notspecified", Status::Missing),
        ("License not specified", Status::Missing),
        ("unknown", Status::Missing),
        ("Unknown", Status::Missing),
        ("other", Status::Missing),
        ("No License", Status::Missing),
        ("n/a", Status::Missing),
        ("[]", Status::Missing),
        ("-", Status::Missing),
        ("other-open", Status::Unknown),
        ("Other (Not Open)", Status::Unknown),
        ("custom", Status::Unknown),
        ("info:eu-repo/semantics/openAccess", Status::Unknown),
        ("unknown but apparently free", Status::Unknown),
    ]);
}

#[test]
fn tables_are_clean() {
    assert!(
        vocab::problems().is_empty(),
        "table rows that cannot be used:\n{}",
        vocab::problems().join("\n")
    );
    assert!(url::problems().is_empty(), "urls.tsv rows that cannot be used:\n{}", url::problems().join("\n"));
    // Keys claimed twice with different results: each of these was reviewed.
    let reviewed = ["\"mozilla\": kept License(\"MPL-2.0\")", "\"gnu free documentation 1."];
    let unexpected: Vec<&String> =
        vocab::conflicts().iter().filter(|c| !reviewed.iter().any(|r| c.starts_with(r))).collect();
    assert!(unexpected.is_empty(), "unreviewed key conflicts:\n{unexpected:#?}");
    assert_eq!(vocab::key_of("Apache License, Version 2.0"), "apache 2.0");
}

// ---------------------------------------------------------------------------------------------
// Layer 6: lists and prose

#[test]
fn prose_and_lists() {
    assert_expr(&[
        ("This dataset is released under the CC BY 4.0 license.", "CC-BY-4.0"),
        ("Licensed under the Apache License, Version 2.0", "Apache-2.0"),
        ("The project is licensed under CC-BY-4.0", "CC-BY-4.0"),
        ("CC0: Public Domain", "CC0-1.0"),
        ("Public domain (CC0)", "CC0-1.0"),
        ("Open Government Licence 3.0 (OGL)", "OGL-UK-3.0"),
        ("MIT License (https://github.com/org/repo/blob/master/LICENSE)", "MIT"),
        ("CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)", "CC-BY-4.0"),
        ("cc-by-4.0, CC BY 4.0", "CC-BY-4.0"),
    ]);
    // A list does not say whether all of its licenses apply or any one: never one license.
    ambiguous_with("bsd-2-clause,mit", &["BSD-2-Clause", "MIT"]);
    ambiguous_with("cc-by-sa-3.0,gfdl", &["CC-BY-SA-3.0", "GFDL-1.3-only"]);
    ambiguous_with("MIT and BSD", &["MIT", "BSD-3-Clause"]);
    ambiguous_with("CC BY-SA 4.0 (text) and CC0 (metadata)", &["CC-BY-SA-4.0", "CC0-1.0"]);
    // A name and a URL that disagree.
    ambiguous_with("MIT License (https://creativecommons.org/licenses/by/4.0/)", &["MIT", "CC-BY-4.0"]);
    // Restrictions next to a license name: it is not that license.
    assert_status(&[
        ("MIT License for non-commercial use", Status::Unknown),
        ("CC BY 4.0 for research purposes only", Status::Unknown),
        ("Apache 2.0 with Commons Clause", Status::Unknown),
        ("modified MIT license", Status::Unknown),
        ("MIT-style", Status::Unknown),
        ("Open Government Licence v3.0 (Ontario)", Status::Unknown),
        ("Copyright 2017 Google Inc.", Status::Unknown),
        ("Permission is hereby granted, free of charge, to any person", Status::Unknown),
        ("https://github.com/org/repo/blob/main/LICENSE", Status::Unknown),
    ]);
    // Ordinary words that are also SPDX ids are not taken from prose.
    assert_status(&[("The data is provided in JSON format", Status::Unknown)]);
}

// ---------------------------------------------------------------------------------------------
// Openverse: license and version held apart

#[test]
fn a_placeholder_beside_a_license_is_not_that_license() {
    // "X AND other" names a second license without saying which: never just X (this was
    // normalized to X before, via prose, which would have passed the item).
    for input in ["CC-BY-4.0 AND other", "MIT and others", "cc-by-4.0 OR unknown", "Apache-2.0 plus other"] {
        let n = normalize(input);
        assert_eq!(n.status, Status::Ambiguous, "{input:?}: {n:?}");
        assert!(n.expression.is_none(), "{input:?}");
    }
    ambiguous_with("CC-BY-4.0 AND other", &["CC-BY-4.0"]);
    // "other" that is not a part of its own leaves prose alone.
    assert_expr(&[
        ("Released under CC BY 4.0 and no other license", "CC-BY-4.0"),
        ("This dataset is released under the CC BY 4.0 license.", "CC-BY-4.0"),
    ]);
}

#[test]
fn openverse_license_and_version() {
    let cases = [
        ("by", "4.0", Some("CC-BY-4.0")),
        ("by-nc", "2.0", Some("CC-BY-NC-2.0")),
        ("by-sa", "3.0", Some("CC-BY-SA-3.0")),
        ("by-nd", "4.0", Some("CC-BY-ND-4.0")),
        ("by-nc-sa", "2.5", Some("CC-BY-NC-SA-2.5")),
        ("by-nc-nd", "1.0", Some("CC-BY-NC-ND-1.0")),
        ("cc0", "1.0", Some("CC0-1.0")),
        ("pdm", "1.0", Some("CC-PDM-1.0")),
        ("cc0", "", Some("CC0-1.0")),
        ("BY", " 4.0 ", Some("CC-BY-4.0")),
        ("sampling+", "1.0", Some("LicenseRef-CC-Sampling-Plus-1.0")),
        ("nc-sampling+", "1.0", Some("LicenseRef-CC-NC-Sampling-Plus-1.0")),
        ("apache", "2.0", Some("Apache-2.0")),
        ("CC-BY-4.0", "4.0", Some("CC-BY-4.0")),
    ];
    for (l, v, want) in cases {
        let n = normalize_with_version(l, v);
        assert_eq!(n.expression.as_deref(), want, "{l:?} + {v:?}: {n:?}");
    }
    let n = normalize_with_version("by", "");
    assert_eq!(n.status, Status::Ambiguous, "{n:?}");
    assert!(n.candidates.contains(&"CC-BY-4.0".to_string()));
    assert_eq!(normalize_with_version("by", "9.9").status, Status::Unknown);
    assert_eq!(normalize_with_version("", "").status, Status::Missing);
    assert_eq!(normalize_with_version("CC-BY-4.0", "3.0").status, Status::Ambiguous);
}

// ---------------------------------------------------------------------------------------------
// Invariants and robustness

fn check_invariants(input: &str, n: &Normalized) {
    match n.status {
        Status::Exact => assert_eq!(n.expression.as_deref(), Some(input.trim())),
        Status::Normalized => assert!(n.expression.is_some()),
        Status::Ambiguous | Status::Unknown | Status::Missing => assert!(n.expression.is_none()),
    }
    if let Some(e) = &n.expression {
        let parsed = spdx::Expression::parse_mode(e, spdx::ParseMode::STRICT);
        assert!(parsed.is_ok(), "{input:?} -> non-canonical expression {e:?}");
    }
    for c in &n.candidates {
        assert!(
            spdx::Expression::parse_mode(c, spdx::ParseMode::STRICT).is_ok(),
            "{input:?}: candidate {c:?}"
        );
    }
    assert!(!n.via.is_empty());
}

#[test]
fn huge_and_hostile_inputs_are_cheap() {
    let huge = "CC BY 4.0 ".repeat(100_000);
    let n = normalize(&huge);
    assert_eq!(n.status, Status::Unknown);
    assert_eq!(n.via, "too-long");
    let nested = format!("a, {}x{}", "(b, ".repeat(900), ")".repeat(900));
    check_invariants(&nested, &normalize(&nested));
    let parens = format!("https://x.org/{}", ")".repeat(4000));
    check_invariants(&parens, &normalize(&parens));
    let markers = "cc ".repeat(1300);
    check_invariants(&markers, &normalize(&markers));
    let ids = "MIT AND ".repeat(120) + "MIT";
    check_invariants(&ids, &normalize(&ids));
    for s in [
        "https://spdx.org/licenses/éé",
        "https://www.gnu.org/licenses/éé",
        "https://opensource.org/licenses/ﬃ.en",
        "https://creativecommons.org/licenses/é/4.0/",
        "https://dcat-ap.de/def/licenses/é/é",
        "https://é.org/",
        "éé.org/x",
        "License: é",
        "é license",
    ] {
        check_invariants(s, &normalize(s));
    }
    for s in
        ["\u{0}", "\u{feff}MIT", "MIT\u{200b}", "ŉ", "İ", "ﬃ", "\u{301}", "((((", "))))", "+", "AND", "WITH"]
    {
        check_invariants(s, &normalize(s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_strings(s in any::<String>()) {
        let n = normalize(&s);
        check_invariants(&s, &n);
        let _ = normalize_with_version(&s, &s);
    }

    #[test]
    fn never_panics_on_license_like_strings(
        s in proptest::string::string_regex(
            "[A-Za-z0-9 .,;:/()+_\\-]{0,40}(CC|cc|BY|by|GPL|Creative Commons|http://|https://creativecommons.org/licenses/|and|or|WITH|,|\\(|\\)|[0-9]\\.[0-9]| ){0,12}"
        ).unwrap_or_else(|e| panic!("{e}"))
    ) {
        check_invariants(&s, &normalize(&s));
    }

    #[test]
    fn never_panics_on_arbitrary_url_paths(
        host in proptest::sample::select(vec![
            "https://creativecommons.org/licenses/", "http://creativecommons.org/publicdomain/",
            "https://opendatacommons.org/licenses/", "https://opendefinition.org/licenses/",
            "http://publications.europa.eu/resource/authority/licence/", "http://dcat-ap.de/def/licenses/",
            "https://spdx.org/licenses/", "https://opensource.org/licenses/", "https://www.gnu.org/licenses/",
            "https://www.apache.org/licenses/", "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/",
            "https://data.norge.no/nlod/", "https://choosealicense.com/licenses/", "x.org/",
        ]),
        tail in any::<String>(),
    ) {
        let s = format!("{host}{tail}");
        check_invariants(&s, &normalize(&s));
        let _ = url::parse_url(&s);
    }

    #[test]
    fn never_panics_on_large_inputs(s in proptest::collection::vec(any::<char>(), 0..20_000)) {
        let s: String = s.into_iter().collect();
        check_invariants(&s, &normalize(&s));
    }

    #[test]
    fn megabyte_inputs_are_rejected_quickly(c in any::<char>(), n in 500_000usize..1_000_000) {
        let s: String = std::iter::repeat_n(c, n / c.len_utf8().max(1)).collect();
        let r = normalize(&s);
        prop_assert_eq!(r.status, Status::Unknown);
    }

    #[test]
    fn control_and_space_noise_does_not_change_ids(
        pre in "[ \t\r\n]{0,3}", post in "[ \t\r\n]{0,3}",
        id in proptest::sample::select(vec!["CC-BY-4.0", "MIT", "ODbL-1.0", "CC0-1.0", "GPL-3.0-only"])
    ) {
        let n = normalize(&format!("{pre}{id}{post}"));
        prop_assert_eq!(n.expression.as_deref(), Some(id));
        prop_assert_eq!(n.status, Status::Exact);
    }
}
