//! AI systems by component (DPG standard 1.1.7): each part follows its own license rules, and
//! model weights, training code and training data must all be there.

mod common;

use common::*;

fn audit(csv: &str) -> serde_json::Value {
    let dir = tempdir();
    write(dir.path(), "dpg-audit.toml", "name = \"model\"\ntype = \"ai-system\"\n");
    let path = write(dir.path(), "items.csv", csv);
    let run = audit_json(&[p(&path)]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    run.json()
}

/// The rules fired on item `id`.
fn rules_of(r: &serde_json::Value, id: &str) -> Vec<String> {
    r["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["item"] == id)
                .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

const PARTS: &str = "id,component,license,url\n\
    w,model,Apache-2.0,https://m.example.org/w\n\
    c,code,MIT,https://m.example.org/c\n\
    d,data,CC-BY-4.0,https://m.example.org/d\n";

#[test]
fn each_part_follows_its_own_rules() {
    let r = audit(&format!(
        "{PARTS}\
         code-cc,code,CC-BY-4.0,https://m.example.org/1\n\
         data-mit,data,MIT,https://m.example.org/2\n\
         data-nc,training data,CC-BY-NC-4.0,https://m.example.org/3\n\
         weights-cc,weights,CC-BY-4.0,https://m.example.org/4\n\
         weights-odbl,model,ODbL-1.0,https://m.example.org/5\n\
         weights-rail,model,OpenRAIL-M,https://m.example.org/6\n\
         docs,documentation,CC-BY-SA-4.0,https://m.example.org/7\n"
    ));
    // Code is software: CC BY is not OSI-approved.
    assert_eq!(rules_of(&r, "code-cc"), ["license-not-approved"], "{r}");
    // Training data follows the data rules: MIT (a software license) is not on the data list,
    // NonCommercial never is.
    assert_eq!(rules_of(&r, "data-mit"), ["license-not-approved"]);
    assert_eq!(rules_of(&r, "data-nc"), ["license-not-approved"]);
    // Model weights: OSI, open data or open content licenses are open.
    assert!(rules_of(&r, "weights-cc").is_empty(), "{:?}", rules_of(&r, "weights-cc"));
    assert!(rules_of(&r, "weights-odbl").is_empty());
    // A use-restricted model license is not.
    assert!(!rules_of(&r, "weights-rail").is_empty(), "RAIL passed: {r}");
    assert!(rules_of(&r, "docs").is_empty());
    for id in ["w", "c", "d"] {
        assert!(rules_of(&r, id).is_empty(), "{id}: {:?}", rules_of(&r, id));
    }
    let message = r["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["item"] == "code-cc"))
        .and_then(|f| f["message"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("an AI system's code"), "{message}");
}

#[test]
fn all_three_parts_must_be_there() {
    let complete = audit(PARTS);
    assert_eq!(complete["verdict"], "pass", "{complete}");
    for (missing, csv) in [
        ("data", PARTS.replace("d,data,", "d,documentation,")),
        ("model", PARTS.replace("w,model,", "w,code,")),
        ("code, no data", PARTS.replace("c,code,", "c,model,").replace("d,data,", "d,model,")),
    ] {
        let r = audit(&csv);
        assert_eq!(r["verdict"], "fail", "{missing}: {r}");
        let f = &r["findings"][0];
        assert_eq!(f["rule"], "ai-component-missing", "{missing}");
        assert!(f["message"].as_str().unwrap_or_default().contains(&format!("no {missing} item")), "{f}");
    }
}

#[test]
fn without_a_component_column_an_ai_system_is_at_best_review() {
    let r =
        audit("id,license,url\nw,Apache-2.0,https://m.example.org/w\nd,CC-BY-4.0,https://m.example.org/d\n");
    assert_eq!(r["verdict"], "review", "{r}");
    assert_eq!(r["summary"]["by_rule"]["ai-component-missing"], 1);
    // Other DPG types ignore a component column.
    let dir = tempdir();
    let path = write(
        dir.path(),
        "items.csv",
        "id,component,license,url\nx,code,CC-BY-4.0,https://d.example.org/x\n",
    );
    let data = audit_json(&["--type", "data", p(&path)]).json();
    assert_eq!(data["verdict"], "pass", "{data}");
}
