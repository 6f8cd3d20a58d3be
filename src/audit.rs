//! One collection's audit, as the CLI runs it: manifests found, config discovered, an
//! [`Auditor`] built, the rows observed on the runner's threads ([`crate::run`]) and the report
//! finished. The core it stands on is [`crate::engine`].

use std::path::PathBuf;

use crate::config::{Config, DpgType};
use crate::engine::{Auditor, Settings};
use crate::error::Result;
use crate::manifest::{self, Field, Manifest, ReadOptions};
use crate::report::Report;
use crate::report::findings::FindingsFile;

pub use crate::engine::check_rule_data;

/// Default rows per batch: large enough to amortize per-batch work, small enough that
/// threads x batch stays a few MB.
pub const DEFAULT_BATCH_SIZE: usize = 8192;

/// Everything `dpg-audit audit` was asked to do.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub paths: Vec<PathBuf>,
    pub config: Option<PathBuf>,
    /// `--column FIELD=NAME`, winning over the config's mapping.
    pub columns: Vec<(Field, String)>,
    pub dpg_type: Option<DpgType>,
    /// `--profile NAME|PATH`, winning over the config's `profile`.
    pub profile: Option<String>,
    /// Worker threads; 0 = one per core.
    pub threads: usize,
    pub batch_size: usize,
    pub max_findings: usize,
    pub progress: bool,
    /// `--findings PATH`: stream every per-item finding to this file (.parquet, .csv, .ndjson).
    pub findings: Option<PathBuf>,
    /// `--sheet NAME`: the one sheet of a spreadsheet manifest to read (default: every sheet).
    pub sheet: Option<String>,
    /// `--max-line-bytes`: the longest NDJSON line or CSV record read.
    pub max_line_bytes: usize,
    /// How URLs among `paths` are fetched (`--rate`, `--timeout`, `--allow-private-hosts`, ...).
    pub http: crate::http::HttpOptions,
    /// `--save DIR`: where a harvested portal's metadata is written, for an offline re-audit.
    pub save: Option<PathBuf>,
    /// `--check-urls`: ask each distinct access and license URL once (see `crate::remote::check`).
    pub check_urls: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            paths: Vec::new(),
            config: None,
            columns: Vec::new(),
            dpg_type: None,
            profile: None,
            threads: 0,
            batch_size: DEFAULT_BATCH_SIZE,
            max_findings: 1000,
            progress: false,
            findings: None,
            sheet: None,
            max_line_bytes: manifest::DEFAULT_MAX_LINE_BYTES,
            http: crate::http::HttpOptions::default(),
            save: None,
            check_urls: false,
        }
    }
}

/// Audits one collection (the manifests of `opts.paths`, with their config) and returns its report.
pub fn run(opts: &AuditOptions) -> Result<Report> {
    check_rule_data()?;
    let manifests = manifest::expand_inputs_in(&opts.paths, opts.sheet.as_deref())?;
    let config = Config::discover(opts.config.as_deref(), opts.paths.first().map(PathBuf::as_path))?;
    let mut report = run_collection(opts, &config, &manifests)?;
    // A folder's files that are not manifests are listed, never left out silently.
    report.skipped = crate::portal::folder::skipped_in(&opts.paths)?;
    Ok(report)
}

/// Audits one collection given its config and manifests (files, or items in memory built from
/// portal metadata). `opts.paths` and `opts.config` are not used here.
pub fn run_collection(opts: &AuditOptions, config: &Config, manifests: &[Manifest]) -> Result<Report> {
    let mut auditor =
        Auditor::new(config, &opts.settings(), manifests.iter().map(|m| m.display.clone()).collect())?;
    // The runner can read the rows again, so ids in order need not be kept (see `summarize_ids`).
    auditor.summarize_ids = true;
    let read_opts = ReadOptions {
        overrides: auditor.overrides().clone(),
        batch_size: opts.batch_size.max(1),
        max_line_bytes: opts.max_line_bytes.max(1),
    };
    // Created before reading, so a bad --findings path fails before any work is done.
    let findings_file = opts.findings.as_deref().map(FindingsFile::create).transpose()?;
    let mut notes = Vec::new();
    if opts.check_urls {
        // With the checks asked for, local and private hosts are checked like any other
        // (`--allow-private-hosts`) rather than reported invalid.
        auditor.allow_private_hosts(opts.http.allow_private_hosts);
        let client = crate::remote::install(opts.http.clone())?;
        let checks = crate::run::check_urls(
            manifests,
            &read_opts,
            &client,
            opts.http.cache_dir.as_deref(),
            opts.http.max_concurrency,
            opts.http.allow_private_hosts,
        )?;
        notes = checks.notes.clone();
        auditor.set_url_checks(std::sync::Arc::new(checks));
    }
    // A run that fails drops the findings file uncommitted: its temporary file goes, and
    // whatever was at the final path before stays as it was.
    let mut report =
        crate::run::audit(&auditor, manifests, &read_opts, opts.threads, opts.progress, findings_file)?;
    report.notes.extend(notes);
    report.url_checks = opts.check_urls;
    Ok(report)
}

impl AuditOptions {
    /// What the engine needs of these options.
    pub fn settings(&self) -> Settings {
        Settings {
            dpg_type: self.dpg_type,
            profile: self.profile.clone(),
            columns: self.columns.clone(),
            max_findings: self.max_findings,
        }
    }
}

/// Audits one small collection (a dataset of a portal batch) on the calling thread: no thread is
/// started and no pool is touched, so datasets can run side by side on the runner's one pool.
pub fn run_here(opts: &AuditOptions, config: &Config, manifests: &[Manifest]) -> Result<Report> {
    let auditor =
        Auditor::new(config, &opts.settings(), manifests.iter().map(|m| m.display.clone()).collect())?;
    let read_opts = ReadOptions {
        overrides: auditor.overrides().clone(),
        batch_size: opts.batch_size.max(1),
        max_line_bytes: opts.max_line_bytes.max(1),
    };
    let mut partial = auditor.partial();
    for (i, m) in manifests.iter().enumerate() {
        let mut result = Ok(());
        manifest::read(i, m, &read_opts, &mut |unit| {
            let read = unit.batches(read_opts.batch_size, &mut |batch| {
                if result.is_ok() {
                    result = auditor.observe_items(&mut partial, &batch);
                }
            });
            if result.is_ok() {
                result = read;
            }
            result.is_ok()
        })?;
        result?;
    }
    auditor.finish_with(partial, 1, None)
}
