//! Per-row evaluation: a whole audit of 100,000 items held in memory, one thread, so no file is
//! read or decoded. What is measured is the judging: license cache lookups, URL and access checks,
//! duplicate ids, the per-worker tallies and the report. Two mixes: `dirty` (about one row in ten
//! has a finding, with a long tail of license spellings) and `clean` (none).
//!
//! Run: `cargo bench --bench evaluate` (criterion reports `thrpt` in elements/s; one element is one
//! row).

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dpg_audit::audit::{AuditOptions, run_collection};
use dpg_audit::config::Config;
use dpg_audit::manifest::Manifest;

const ROWS: usize = 100_000;

/// License strings with weights: skewed, as real portals are (a few common values, a long tail).
const DIRTY_LICENSES: &[(&str, u32)] = &[
    ("CC-BY-4.0", 600),
    ("cc-by-4.0", 40),
    ("CC BY 4.0", 40),
    ("https://creativecommons.org/licenses/by/4.0/", 50),
    ("http://creativecommons.org/licenses/by/4.0/legalcode", 20),
    ("CC0-1.0", 55),
    ("CC0 1.0 Universal", 10),
    ("ODbL-1.0", 15),
    ("CC-BY-SA-4.0", 30),
    ("CC-BY-NC-4.0", 30),
    ("CC BY-NC-SA 4.0", 8),
    ("CC-BY-ND-4.0", 4),
    ("GPL-2.0", 2),
    ("MIT", 3),
    ("CC BY", 6),
    ("Creative Commons", 4),
    ("unknown", 3),
    ("", 15),
    ("Public Domain", 3),
    ("https://creativecommons.org/licenses/by/3.0/de/deed.en", 1),
    ("Open Government Licence v3.0", 1),
    ("Licence Ouverte / Open Licence 2.0", 1),
    ("Datenlizenz Deutschland Namensnennung 2.0", 1),
    ("CC BY 3.0 IGO", 1),
];
const DIRTY_ACCESS: &[(&str, u32)] = &[
    ("", 600),
    ("none", 140),
    ("public", 140),
    ("login", 35),
    ("registration", 25),
    ("api key", 25),
    ("rate limit", 20),
    ("US only", 3),
    ("members only", 3),
    ("request access", 3),
    ("subscription", 3),
    ("ask the archivist", 3),
];

/// A deterministic weighted pick for row `i` (a multiplicative hash spreads rows over weights).
fn pick<'a>(table: &[(&'a str, u32)], i: usize, salt: u64) -> &'a str {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let h = ((i as u64 ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % u64::from(total);
    let mut acc = 0u64;
    for (s, w) in table {
        acc += u64::from(*w);
        if h < acc {
            return s;
        }
    }
    table[0].0
}

fn batch(dirty: bool) -> RecordBatch {
    let mut license = Vec::with_capacity(ROWS);
    let mut url = Vec::with_capacity(ROWS);
    let mut access = Vec::with_capacity(ROWS);
    let mut id = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        id.push(format!("item-{i:09}"));
        if dirty {
            license.push(pick(DIRTY_LICENSES, i, 1).to_string());
            access.push(pick(DIRTY_ACCESS, i, 2).to_string());
            url.push(match i % 500 {
                0 => format!("http://localhost/items/{i}"),
                1 => format!("https://mirror.example.net/items/{i}"),
                2 => String::new(),
                _ => format!("https://data.example.org/items/item-{i:09}"),
            });
        } else {
            license.push("CC-BY-4.0".to_string());
            access.push(if i % 3 == 0 { "none" } else { "" }.to_string());
            url.push(format!("https://data.example.org/items/item-{i:09}"));
        }
    }
    let col = |v: Vec<String>| Arc::new(StringArray::from(v)) as ArrayRef;
    RecordBatch::try_from_iter([
        ("id", col(id)),
        ("license", col(license)),
        ("url", col(url)),
        ("access", col(access)),
    ])
    .unwrap_or_else(|e| panic!("building the bench batch: {e}"))
}

fn bench(c: &mut Criterion) {
    let opts = AuditOptions { threads: 1, ..AuditOptions::default() };
    let config = Config::default();
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(20);
    for (name, dirty) in [("dirty-100k", true), ("clean-100k", false)] {
        let manifests =
            [Manifest::in_memory(PathBuf::from("bench.parquet"), "bench.parquet".into(), batch(dirty))];
        // One audit first: fails loudly if the batch is not read as meant (nothing judged).
        let report = run_collection(&opts, &config, &manifests)
            .unwrap_or_else(|e| panic!("audit of the {name} batch: {e}"));
        assert_eq!(report.summary.items, ROWS as u64, "{name}: every row audited");
        assert_eq!(report.summary.items_with_errors > 0, dirty, "{name}: findings only in the dirty mix");
        g.bench_function(name, |b| {
            b.iter(|| black_box(run_collection(black_box(&opts), &config, &manifests)))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
