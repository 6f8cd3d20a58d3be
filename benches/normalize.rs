//! Throughput of the license normalizer over every distinct string of the shared corpus
//! (`tests/fixtures/corpus/license-strings.tsv`), one thread. Target: at least 200,000 strings/s.
//!
//! Run: `cargo bench --bench normalize` (criterion reports `thrpt` in elements/s; one element is
//! one string).

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dpg_audit::license::{normalize, normalize_with_version};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/corpus/license-strings.tsv");

fn distinct_strings() -> Vec<String> {
    let text = std::fs::read_to_string(CORPUS).unwrap_or_else(|e| panic!("cannot read {CORPUS}: {e}"));
    let set: BTreeSet<String> =
        text.lines().skip(1).filter_map(|l| l.split('\t').next()).map(str::to_string).collect();
    set.into_iter().collect()
}

fn bench(c: &mut Criterion) {
    let strings = distinct_strings();
    // Build the tables before measuring.
    black_box(normalize("CC-BY-4.0"));
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Elements(strings.len() as u64));
    g.bench_function("corpus-distinct", |b| {
        b.iter(|| {
            for s in &strings {
                black_box(normalize(black_box(s)));
            }
        })
    });
    let openverse: Vec<(&str, &str)> =
        ["by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd", "cc0", "pdm"]
            .iter()
            .flat_map(|l| ["4.0", "3.0", "2.0", "1.0", ""].iter().map(move |v| (*l, *v)))
            .collect();
    g.throughput(Throughput::Elements(openverse.len() as u64));
    g.bench_function("openverse-with-version", |b| {
        b.iter(|| {
            for (l, v) in &openverse {
                black_box(normalize_with_version(black_box(l), black_box(v)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
