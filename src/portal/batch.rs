//! Auditing portal metadata: one dataset gives the ordinary single-collection report; a file or
//! folder holding several gives a batch: one report per dataset (audited in parallel, each with
//! one worker) and a portal-level summary. A dataset that cannot be read becomes a failed entry
//! with a `manifest-row-invalid` finding at collection scope, and the batch goes on.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::{Dataset, Detected, Entry, InputFormat, LOOKED_FOR, Unreadable, detect, read_file};
use crate::audit::{AuditOptions, check_rule_data, run_collection};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::policy::{Rule, Severity};
use crate::report::{self, Collection, Finding, Group, Report, Summary, Tool, Verdict};

/// What auditing portal metadata produced.
#[derive(Debug)]
pub enum Outcome {
    /// One dataset: the ordinary report, rendered by any format.
    Single(Box<Report>),
    /// Several datasets.
    Batch(BatchReport),
}

/// The batch: summary plus one report per dataset, in the order of `summary.index`.
#[derive(Debug, Serialize)]
pub struct BatchReport {
    pub schema_version: u32,
    pub summary: BatchSummary,
    pub datasets: Vec<Report>,
}

#[derive(Debug, Serialize)]
pub struct BatchSummary {
    /// Datasets audited (unreadable ones included).
    pub datasets: usize,
    /// Datasets with no errors (verdict pass or review): they would qualify.
    pub qualify: usize,
    pub pass: usize,
    pub review: usize,
    pub fail: usize,
    /// Datasets that could not be read (counted in `fail` too).
    pub unreadable: usize,
    pub items: u64,
    /// Rules by how many datasets they stand in the way of (errors and warnings).
    pub top_reasons: Vec<Reason>,
    /// One entry per dataset, aligned with `datasets`.
    pub index: Vec<IndexEntry>,
}

#[derive(Debug, Serialize)]
pub struct Reason {
    pub rule: String,
    pub severity: Severity,
    /// Datasets with at least one such finding.
    pub datasets: usize,
    /// Findings in all datasets.
    pub findings: u64,
}

#[derive(Debug, Serialize)]
pub struct IndexEntry {
    pub source: String,
    pub id: Option<String>,
    pub name: Option<String>,
    pub format: Option<&'static str>,
    pub verdict: Verdict,
    pub items: u64,
}

/// Batch output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    Terminal,
    Json,
}

/// Which formats a batch can be written in (for the error on the others).
pub const BATCH_FORMATS: &str = "terminal, json";

/// File extensions looked at inside a folder.
const CANDIDATES: &[&str] =
    &["json", "jsonld", "jsonl", "ndjson", "ttl", "nt", "n3", "rdf", "owl", "xml", "md"];

/// One file to read, or a reason it cannot be.
#[derive(Debug)]
struct Source {
    path: PathBuf,
    format: std::result::Result<InputFormat, String>,
}

/// Audits `opts.paths` as portal metadata when they are (or `input` says so). `Ok(None)` means
/// they are item manifests: the caller runs the manifest pipeline.
pub fn run(opts: &AuditOptions, input: InputFormat) -> Result<Option<Outcome>> {
    if input == InputFormat::Manifest {
        return Ok(None);
    }
    let Some(sources) = sources(&opts.paths, input)? else { return Ok(None) };
    check_rule_data()?;
    let mut base = Config::discover(opts.config.as_deref(), opts.paths.first().map(PathBuf::as_path))?;

    let pool = pool(opts.threads)?;
    let mut read: Vec<(PathBuf, Result<Vec<Entry>>)> = pool.install(|| {
        sources
            .into_par_iter()
            .map(|s| {
                let entries = match s.format {
                    Ok(f) => read_file(&s.path, f),
                    Err(m) => Err(Error::input(&s.path, m)),
                };
                (s.path, entries)
            })
            .collect()
    });
    // One dataset in all (every file yields at least one entry, so this is one file): the
    // ordinary report, or the input error that stops it (exit 2).
    let total: usize = read.iter().map(|(_, r)| r.as_ref().map_or(1, Vec::len)).sum();
    if total == 1
        && let Some((path, result)) = read.pop()
    {
        return match result?.into_iter().next() {
            Some(Ok(d)) => {
                let report = audit_dataset(opts, &base, &d, d.display(false), false)?;
                Ok(Some(Outcome::Single(Box::new(report))))
            }
            Some(Err(u)) => Err(Error::input(&u.source, u.reason)),
            None => Err(Error::input(&path, "holds no datasets")),
        };
    }
    pool.install(|| batch(opts, &mut base, read)).map(Some)
}

/// The pool datasets are audited on: `-j N` threads, or one per core.
fn pool(threads: usize) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("dpg-audit-dataset-{i}"))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} worker threads: {e}")))
}

/// Finds the portal metadata files among the paths; `None` when they are manifests.
fn sources(paths: &[PathBuf], input: InputFormat) -> Result<Option<Vec<Source>>> {
    let mut out = Vec::new();
    let mut manifests = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            files.sort();
            let mut found = Vec::new();
            for f in files {
                let format = match input {
                    InputFormat::Auto => match detect(&f)? {
                        Detected::Portal(fmt) => Ok(fmt),
                        Detected::NotACard => continue,
                        Detected::Manifest => {
                            Err("an item manifest, not portal metadata: audit it apart".into())
                        }
                        Detected::UnknownJson => {
                            Err(format!("a JSON object in none of the portal formats ({LOOKED_FOR})"))
                        }
                    },
                    forced => {
                        if !fits(&f, forced) {
                            continue;
                        }
                        Ok(forced)
                    }
                };
                found.push(Source { path: f, format });
            }
            // A folder with no portal metadata at all is a folder of manifests.
            if found.iter().all(|s| s.format.is_err()) && input == InputFormat::Auto {
                manifests.push(path.clone());
                continue;
            }
            out.extend(found);
        } else {
            match input {
                InputFormat::Auto => match detect(path)? {
                    Detected::Portal(f) => out.push(Source { path: path.clone(), format: Ok(f) }),
                    Detected::Manifest => manifests.push(path.clone()),
                    Detected::NotACard => {
                        return Err(Error::input(
                            path,
                            "a Markdown file without YAML front matter: not a Hugging Face dataset card",
                        ));
                    }
                    Detected::UnknownJson => {
                        return Err(Error::input(
                            path,
                            format!(
                                "a single JSON object in none of the known formats: not JSON Lines or a JSON array of items (a manifest), and not portal metadata; {LOOKED_FOR}"
                            ),
                        ));
                    }
                },
                forced => out.push(Source { path: path.clone(), format: Ok(forced) }),
            }
        }
    }
    match (out.is_empty(), manifests.first()) {
        (true, _) => Ok(None),
        (false, None) => Ok(Some(out)),
        (false, Some(m)) => Err(Error::Usage(format!(
            "{} holds item manifests while other inputs hold portal metadata; audit them in separate runs",
            m.display()
        ))),
    }
}

/// Whether a folder's file is worth reading as the forced format.
fn fits(path: &Path, format: InputFormat) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    match format {
        InputFormat::HfCard => ext == "md",
        InputFormat::Dcat => {
            matches!(ext.as_str(), "ttl" | "nt" | "n3" | "rdf" | "owl" | "xml" | "jsonld" | "json")
        }
        InputFormat::Ckan => matches!(ext.as_str(), "json" | "jsonl" | "ndjson"),
        InputFormat::Datacite => matches!(ext.as_str(), "json" | "xml"),
        _ => matches!(ext.as_str(), "json" | "jsonld"),
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))? {
        let entry = entry.map_err(|e| Error::io(dir, &e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type().map_err(|e| Error::io(&path, &e))?.is_dir() {
            walk(&path, out)?;
        } else {
            let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
            if ext.is_some_and(|e| CANDIDATES.contains(&e.as_str())) {
                out.push(path);
            }
        }
    }
    Ok(())
}

/// Audits one dataset with the ordinary pipeline.
fn audit_dataset(
    opts: &AuditOptions,
    base: &Config,
    d: &Dataset,
    display: String,
    in_batch: bool,
) -> Result<Report> {
    let config = d.config(base);
    let manifest = d.manifest(display)?;
    let mut o = opts.clone();
    if in_batch {
        // Parallel across datasets: each dataset's scan gets one worker and no progress bar.
        o.threads = 1;
        o.progress = false;
        o.findings = None;
    }
    run_collection(&o, &config, &[manifest])
}

/// Audits every dataset and builds the batch report.
fn batch(
    opts: &AuditOptions,
    base: &mut Config,
    read: Vec<(PathBuf, Result<Vec<Entry>>)>,
) -> Result<Outcome> {
    if opts.findings.is_some() {
        return Err(Error::Usage(
            "--findings is not supported for a batch of datasets; audit one dataset, or use --format json"
                .into(),
        ));
    }
    // A config's name and declared license describe one collection; in a batch each dataset's
    // own metadata gives them.
    base.name = None;
    base.license = None;
    let base = &*base;

    let mut entries: Vec<(Entry, bool)> = Vec::new();
    for (path, result) in read {
        match result {
            Ok(list) => {
                let many = list.len() > 1;
                entries.extend(list.into_iter().map(|e| (e, many)));
            }
            Err(e) => entries.push((
                Err(Unreadable {
                    source: path.clone(),
                    position: 0,
                    id: None,
                    name: None,
                    reason: strip_path(&e, &path),
                }),
                false,
            )),
        }
    }
    let (dpg_type, profile) = (
        opts.dpg_type.or(base.dpg_type).unwrap_or_default().as_str(),
        opts.profile.clone().or_else(|| base.profile.clone()).unwrap_or_else(|| "dpg".into()),
    );
    let results: Vec<(IndexEntry, Report)> = entries
        .par_iter()
        .map(|(entry, many)| match entry {
            Ok(d) => {
                let display = d.display(*many);
                let report = audit_dataset(opts, base, d, display.clone(), true).unwrap_or_else(|e| {
                    failed_report(&display, d.name.clone(), &strip_path(&e, &d.source), dpg_type, &profile)
                });
                (index_entry(&d.source, d.id.clone(), d.name.clone(), d.format, &report), report)
            }
            Err(u) => {
                let display = match (&u.id, *many) {
                    (Some(id), true) => format!("{}#{id}", u.source.display()),
                    _ => u.source.display().to_string(),
                };
                let report = failed_report(&display, u.name.clone(), &u.reason, dpg_type, &profile);
                (index_entry(&u.source, u.id.clone(), u.name.clone(), None, &report), report)
            }
        })
        .collect();

    let mut reasons: BTreeMap<(String, Severity), (usize, u64)> = BTreeMap::new();
    for (_, r) in &results {
        let mut seen: BTreeMap<(String, Severity), u64> = BTreeMap::new();
        for g in r.groups.iter().filter(|g| g.waived.is_none() && g.severity >= Severity::Warning) {
            *seen.entry((g.rule.clone(), g.severity)).or_default() += g.count;
        }
        for (k, n) in seen {
            let e = reasons.entry(k).or_default();
            e.0 += 1;
            e.1 += n;
        }
    }
    let mut top_reasons: Vec<Reason> = reasons
        .into_iter()
        .map(|((rule, severity), (datasets, findings))| Reason { rule, severity, datasets, findings })
        .collect();
    top_reasons.sort_by(|a, b| {
        b.datasets.cmp(&a.datasets).then(b.severity.cmp(&a.severity)).then(a.rule.cmp(&b.rule))
    });
    let count = |v: Verdict| results.iter().filter(|(_, r)| r.verdict == v).count();
    let (pass, review, fail) = (count(Verdict::Pass), count(Verdict::Review), count(Verdict::Fail));
    let unreadable = results.iter().filter(|(_, r)| r.collection.items == 0).count();
    let items = results.iter().map(|(_, r)| r.collection.items).sum();
    let (index, datasets): (Vec<IndexEntry>, Vec<Report>) = results.into_iter().unzip();
    Ok(Outcome::Batch(BatchReport {
        schema_version: report::SCHEMA_VERSION,
        summary: BatchSummary {
            datasets: datasets.len(),
            qualify: pass + review,
            pass,
            review,
            fail,
            unreadable,
            items,
            top_reasons,
            index,
        },
        datasets,
    }))
}

/// An error's message without the `path: ` prefix the entry already names.
fn strip_path(e: &Error, path: &Path) -> String {
    let s = e.to_string();
    let prefix = format!("{}: ", path.display());
    s.strip_prefix(&prefix).map(str::to_string).unwrap_or(s)
}

fn index_entry(
    source: &Path,
    id: Option<String>,
    name: Option<String>,
    format: Option<InputFormat>,
    report: &Report,
) -> IndexEntry {
    IndexEntry {
        source: source.display().to_string(),
        id,
        name,
        format: format.map(InputFormat::name),
        verdict: report.verdict,
        items: report.collection.items,
    }
}

/// The report of a dataset that could not be read: verdict fail, one collection-scope finding.
fn failed_report(
    display: &str,
    name: Option<String>,
    reason: &str,
    dpg_type: &'static str,
    profile: &str,
) -> Report {
    let rule = Rule::ManifestRowInvalid.code().to_string();
    let message = format!("the dataset cannot be read: {reason}");
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: Tool::default(),
        collection: Collection {
            dpg_type,
            profile: profile.to_string(),
            manifests: vec![display.to_string()],
            items: 0,
            name,
        },
        verdict: Verdict::Fail,
        summary: Summary {
            items: 0,
            items_with_errors: 0,
            by_rule: BTreeMap::from([(rule.clone(), 1)]),
            by_license: BTreeMap::new(),
            by_host: BTreeMap::new(),
            waived: BTreeMap::new(),
            unused_exceptions: Vec::new(),
        },
        groups: vec![Group {
            rule: rule.clone(),
            severity: Severity::Error,
            key: "unreadable dataset".into(),
            count: 1,
            examples: Vec::new(),
            waived: None,
            message: message.clone(),
        }],
        findings: vec![Finding::collection(&rule, Severity::Error, Some(display.to_string()), message)],
        findings_truncated: false,
    }
}

/// Writes the batch report.
pub fn write(batch: &BatchReport, format: BatchFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        BatchFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, batch)?;
            out.write_all(b"\n")
        }
        BatchFormat::Terminal => write_terminal(batch, out),
    }
}

fn write_terminal(batch: &BatchReport, out: &mut dyn Write) -> std::io::Result<()> {
    let s = &batch.summary;
    let first = batch.datasets.first();
    writeln!(
        out,
        "dpg-audit {}: portal batch of {} datasets (type {}, profile {})",
        Tool::default().version,
        s.datasets,
        first.map_or("data", |r| r.collection.dpg_type),
        first.map_or("dpg", |r| r.collection.profile.as_str()),
    )?;
    writeln!(out)?;
    writeln!(out, "  {:<7} {:>7}  dataset", "verdict", "items")?;
    for (i, r) in s.index.iter().zip(&batch.datasets) {
        let label = i.name.clone().or_else(|| i.id.clone()).unwrap_or_default();
        let manifest = r.collection.manifests.join(", ");
        writeln!(out, "  {:<7} {:>7}  {label}  ({manifest})", i.verdict.as_str().to_uppercase(), i.items)?;
    }
    writeln!(out)?;
    if !s.top_reasons.is_empty() {
        writeln!(out, "Top reasons (datasets affected)")?;
        for r in s.top_reasons.iter().take(8) {
            writeln!(
                out,
                "  {:<8} {:<26} {:>5} dataset(s), {} finding(s)",
                r.severity.as_str(),
                r.rule,
                r.datasets,
                r.findings
            )?;
        }
        writeln!(out)?;
    }
    for (n, r) in batch.datasets.iter().enumerate() {
        writeln!(out, "--- dataset {} of {}: {}", n + 1, s.datasets, r.collection.manifests.join(", "))?;
        report::terminal::write(r, out)?;
        writeln!(out)?;
    }
    let unreadable = if s.unreadable > 0 { format!(", {} unreadable", s.unreadable) } else { String::new() };
    writeln!(
        out,
        "{} of {} datasets would qualify (pass {}, review {}, fail {}{unreadable})",
        s.qualify, s.datasets, s.pass, s.review, s.fail
    )
}
