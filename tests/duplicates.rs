//! Duplicate item ids: batches whose ids are increasing are only summed up, and the manifest is
//! read again for their ids when that cannot prove them distinct. Whatever the order of the ids,
//! the batch size and the threads, the duplicates found must be exactly the brute-force ones.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use arrow_array::ArrayRef;
use common::*;
use parquet::basic::{Compression, ZstdLevel};

/// (row, first row) of every duplicate in the report's findings, sorted.
fn found(r: &serde_json::Value) -> BTreeSet<(u64, String)> {
    r["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["rule"] == "duplicate-item-id")
        .map(|f| (f["row"].as_u64().unwrap_or(0), f["item"].as_str().unwrap_or("").to_string()))
        .collect()
}

/// What a hash set over the rows in order says: every row whose id appeared before.
fn expected(ids: &[Option<String>]) -> BTreeSet<(u64, String)> {
    let mut seen = HashMap::new();
    let mut out = BTreeSet::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id
            && seen.insert(id.clone(), i).is_some()
        {
            out.insert((i as u64 + 1, id.clone()));
        }
    }
    out
}

fn csv(ids: &[Option<String>]) -> String {
    let mut s = String::from("id,license,url\n");
    for (i, id) in ids.iter().enumerate() {
        s.push_str(&format!("{},CC0-1.0,https://data.example.org/i/{i}\n", id.as_deref().unwrap_or("")));
    }
    s
}

/// Id lists of the shapes that matter: fully increasing, increasing with repeats at batch
/// edges, increasing then restarting, shuffled, and a mix of runs with a few empty ids.
fn shapes() -> Vec<(&'static str, Vec<Option<String>>)> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let n = 60;
    let seq: Vec<Option<String>> = (0..n).map(|i| Some(format!("item-{i}"))).collect();
    let mut repeats = seq.clone();
    for i in [7, 8, 21, 40] {
        repeats[i] = repeats[i - 1].clone();
    }
    let restart: Vec<Option<String>> = (0..n).map(|i| Some(format!("item-{}", i % 45))).collect();
    let mut shuffled = seq.clone();
    for i in (1..n).rev() {
        shuffled.swap(i, (rng.next() % (i as u64 + 1)) as usize);
    }
    shuffled[50] = shuffled[3].clone();
    let runs: Vec<Option<String>> = (0..n)
        .map(|i| match rng.next() % 10 {
            0 => None,
            1 | 2 => Some(format!("item-{}", rng.next() % 30)),
            _ => Some(format!("item-{i}")),
        })
        .collect();
    vec![
        ("increasing", seq),
        ("repeats", repeats),
        ("restart", restart),
        ("shuffled", shuffled),
        ("runs", runs),
    ]
}

#[test]
fn csv_duplicates_match_brute_force_for_every_batch_size_and_thread_count() {
    let dir = tempdir();
    for (name, ids) in shapes() {
        let path = write(dir.path(), &format!("{name}.csv"), csv(&ids));
        let want = expected(&ids);
        for batch in ["1", "2", "3", "7", "64"] {
            for threads in ["1", "2"] {
                let run = audit_json(&[
                    "--batch-size",
                    batch,
                    "--threads",
                    threads,
                    "--max-findings",
                    "1000",
                    p(&path),
                ]);
                assert!(run.code <= 1, "{name}: {}", run.stderr);
                let r = run.json();
                assert_eq!(found(&r), want, "{name}, batch size {batch}, {threads} threads");
                assert_eq!(r["summary"]["items"], 60, "{name}: every row counted once");
            }
        }
    }
}

#[test]
fn parquet_row_groups_in_order_with_one_repeat_across_groups() {
    let dir = tempdir();
    let n = 5000;
    let mut ids: Vec<Option<String>> = (0..n).map(|i| Some(format!("item-{i:05}"))).collect();
    // Row 4001 (first of the fifth row group) repeats row 1000's id.
    ids[4000] = ids[999].clone();
    let values: Vec<Option<&str>> = ids.iter().map(|s| s.as_deref()).collect();
    let urls: Vec<String> = (0..n).map(|i| format!("https://data.example.org/i/{i}")).collect();
    let path = dir.path().join("m.parquet");
    let rows = batch(vec![
        ("id", strings(&values)),
        ("license", Arc::new(arrow_array::StringArray::from(vec!["CC0-1.0"; n])) as ArrayRef),
        ("url", Arc::new(arrow_array::StringArray::from(urls)) as ArrayRef),
    ]);
    write_parquet(&path, &[rows], Compression::ZSTD(ZstdLevel::default()), 1000);
    for threads in ["1", "2"] {
        let r = audit_json(&["--threads", threads, p(&path)]).json();
        assert_eq!(found(&r), expected(&ids), "{threads} threads");
        assert_eq!(r["summary"]["items"], 5000);
    }
}
