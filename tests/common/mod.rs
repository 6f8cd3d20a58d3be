//! Shared helpers for the integration tests: run the binary, parse its JSON report, and write
//! fixtures (Parquet with ArrowWriter, so no opaque binaries are checked in).
#![allow(dead_code)]

pub mod http_server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr: {}", self.stdout, self.stderr))
    }
}

pub fn dpg_audit(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_dpg-audit"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dpg-audit: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "dpg-audit panicked: {stderr}");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

/// `dpg-audit audit --format json --quiet <args>`.
pub fn audit_json(args: &[&str]) -> Run {
    let mut all = vec!["audit", "--format", "json", "--quiet"];
    all.extend_from_slice(args);
    dpg_audit(&all)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap_or_else(|| panic!("non-UTF-8 temp path"))
}

/// A record batch from named columns.
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let schema = Schema::new(
        columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), columns.into_iter().map(|(_, a)| a).collect())
        .unwrap_or_else(|e| panic!("batch: {e}"))
}

/// Writes `batches` as Parquet with the given codec and row-group size.
pub fn write_parquet(path: &Path, batches: &[RecordBatch], compression: Compression, row_group_rows: usize) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("create: {e}"));
    let props = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let mut writer =
        ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap_or_else(|e| panic!("{e}"));
    for b in batches {
        writer.write(b).unwrap_or_else(|e| panic!("write: {e}"));
    }
    writer.close().unwrap_or_else(|e| panic!("close: {e}"));
}

pub fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(arrow_array::StringArray::from(values.to_vec()))
}

/// The count of a rule in `summary.by_rule` (0 when absent).
pub fn rule_count(report: &serde_json::Value, rule: &str) -> u64 {
    report["summary"]["by_rule"][rule].as_u64().unwrap_or(0)
}

/// A small deterministic generator (xorshift), so failures and random splits reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
