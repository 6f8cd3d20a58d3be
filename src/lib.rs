//! dpg-audit: can this data set or content collection be recognized as a Digital Public Good?
//!
//! The pipeline, one module per stage:
//!
//! 1. [`manifest`] reads manifest files (Parquet, CSV/TSV, NDJSON, JSON array, Arrow IPC) into
//!    Arrow record batches holding only the mapped columns. Parquet row groups are decoded in
//!    parallel; text formats are parsed by one reader thread. Memory is bounded by threads x
//!    batch size, never by manifest size.
//! 2. [`license`] normalizes each distinct license statement once to an SPDX expression with an
//!    honest status (exact, normalized, ambiguous, unknown, missing).
//! 3. [`policy`] judges each item against the DPG rules (license lists per DPG type, access
//!    locations), with rule docs and lists kept as data under `rules/`.
//! 4. [`engine`] ties the stages together without threads: an [`engine::Auditor`] (policy,
//!    rules, a shared judgement cache) observes batches into [`engine::Partial`]s, which merge
//!    in any order and serialize, so a split of the rows over threads, processes or machines
//!    gives the same report. [`run`] is the only module with threads: the reader, the workers
//!    (one partial each) and the ordered findings writer of one collection, and the one pool a
//!    portal batch runs its datasets on. [`audit`] is one collection as the CLI runs it.
//! 5. [`report`] builds the report from the finished tallies and renders it (terminal, JSON,
//!    NDJSON, Markdown, HTML, SARIF, JUnit, GitHub annotations).

pub mod audit;
#[cfg(feature = "cli")]
pub mod cli;
pub mod config;
pub mod dedup;
pub mod engine;
pub mod error;
pub mod guard;
pub mod http;
pub mod init;
pub mod input;
pub mod license;
pub mod limits;
pub mod manifest;
pub mod output;
pub mod policy;
pub mod portal;
pub mod progress;
pub mod remote;
pub mod report;
pub mod run;
mod toml_error;

pub use audit::{AuditOptions, run};
pub use error::{Error, Result};
