//! Auditing portal metadata: one dataset gives the ordinary single-collection report; a file or
//! folder holding several gives a batch: one report per dataset and a portal-level summary. A
//! dataset that cannot be read becomes a failed entry with a `manifest-row-invalid` finding at
//! collection scope, and the batch goes on.
//!
//! A batch streams: datasets are read incrementally (a CKAN dump package by package), audited
//! side by side on the runner's one pool (each dataset on one thread, see [`crate::run`]), and
//! each report is written as soon as it and those before it are done. Only the summary (a few
//! counters and one index line per dataset) is kept to the end, where it is written last.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::folder::{self, Scan, Source};
use super::harvest::{self, Event as HarvestEvent, Harvest};
use super::{Dataset, Detected, Entry, InputFormat, Item, LOOKED_FOR, Unreadable, detect, read_file};
use crate::audit::{AuditOptions, check_rule_data, run_here};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::policy::{Rule, Severity};
use crate::report::findings::{Encoder, FindingRef, FindingsFile};
use crate::report::{self, Collection, Finding, Group, Report, Skipped, Tool, Verdict};

/// What auditing portal metadata produced.
#[derive(Debug)]
pub enum Outcome {
    /// One dataset: the ordinary report, rendered by any format.
    Single(Box<Report>),
    /// Several datasets: their reports are written; this is the summary.
    Batch(BatchSummary),
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
    /// Files under the audited folders that were not audited, each with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// What reading the files had to repair or tolerate, and files that cover less than they
    /// seem to (a `package_search` page holding fewer packages than the portal's `count`), each
    /// prefixed by its file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
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
    /// The rules standing in this dataset's way, errors first (at most three).
    pub reasons: Vec<String>,
}

/// Batch output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    Terminal,
    /// `{"schema_version", "datasets": [...], "summary"}`: the datasets first, as they finish.
    Json,
    /// One single-collection report per line, then one line `{"summary": ...}`.
    Ndjson,
    /// One self-contained page: each dataset folded, the summary table (sortable) last.
    Html,
    /// Each dataset's Markdown report folded, the summary table last.
    Markdown,
}

/// Which formats a batch can be written in (for the error on the others).
pub const BATCH_FORMATS: &str = "terminal, json, ndjson, html, markdown";

/// Where a batch is written: each output in its format.
pub type BatchOutputs = Vec<(BatchFormat, Box<dyn Write + Send>)>;

/// Audits `opts.paths` as portal metadata when they are (or `input` says so). `Ok(None)` means
/// they are item manifests: the caller runs the manifest pipeline. A batch is written to the
/// outputs `open` gives (called once, when the input turns out to be a batch).
pub fn run(
    opts: &AuditOptions,
    input: InputFormat,
    open: &mut dyn FnMut(usize) -> Result<BatchOutputs>,
) -> Result<Option<Outcome>> {
    if input == InputFormat::Manifest {
        return Ok(None);
    }
    let Some(scan) = sources(opts, input)? else { return Ok(None) };
    check_rule_data()?;
    let mut base = Config::discover(opts.config.as_deref(), opts.paths.first().map(PathBuf::as_path))?;
    let Scan { sources, skipped, .. } = scan;

    // One dataset in all: the ordinary report, or the input error that stops it (exit 2).
    if let [only] = sources.as_slice() {
        let mut first = Vec::new();
        let read = entries_of(only, &mut |e| {
            first.push(e);
            first.len() < 2
        });
        // Two datasets make a batch, which reports a failure after them as a failed entry.
        let mut file_notes = Vec::new();
        if first.len() < 2 {
            file_notes = read?;
        }
        if first.len() < 2 {
            return match first.pop() {
                Some(Ok(d)) => {
                    let mut report = audit_dataset(opts, &base, &d, d.display(false), false)?;
                    report.skipped = skipped;
                    report.notes.extend(file_notes);
                    Ok(Some(Outcome::Single(Box::new(report))))
                }
                Some(Err(u)) => Err(Error::input(&u.source, u.reason)),
                None => Err(Error::input(source_path(only), "holds no datasets")),
            };
        }
    }
    // --findings for a batch: one file, every dataset's per-item findings in batch order, the
    // `manifest` column naming the dataset (`file#id`). Created before any work, so a bad path
    // fails first; each dataset keeps all its findings (its items are in memory already).
    let findings_file = opts.findings.as_deref().map(FindingsFile::create).transpose()?;
    let mut all = opts.clone();
    if findings_file.is_some() {
        all.max_findings = usize::MAX;
    }
    let opts = &all;
    // A config's name and declared license describe one collection; in a batch each dataset's
    // own metadata gives them.
    base.name = None;
    base.license = None;
    let mut outputs = open(sources.len())?;
    let result = batch(opts, &base, sources, skipped, &mut outputs, findings_file);
    if result.is_err()
        && let Some(path) = &opts.findings
    {
        // A findings file cut short would look complete; remove it.
        let _ = std::fs::remove_file(path);
    }
    result.map(|s| Some(Outcome::Batch(s)))
}

/// The path a source is named by in messages.
fn source_path(s: &Source) -> &Path {
    match s {
        Source::Catalog { path, .. } => path,
        Source::Folder { meta, .. } => meta,
        Source::Manifests { dir, .. } => dir,
        Source::Harvest(h) => h.label(),
    }
}

/// Hands a source's datasets to `each` in order until it returns false: a catalog's datasets,
/// a dataset folder's one dataset (its files among the items), a folder's manifests as one
/// collection.
fn entries_of(source: &Source, each: &mut dyn FnMut(Entry) -> bool) -> Result<Vec<String>> {
    match source {
        Source::Catalog { path, format } => {
            let format = format.clone().map_err(|m| Error::input(path, m))?;
            stream_file(path, format, each)
        }
        Source::Folder { meta, format, dir, files } => {
            for entry in read_file(meta, *format)? {
                let entry = entry.map(|mut d| {
                    with_files(&mut d, dir, files);
                    d
                });
                if !each(entry) {
                    break;
                }
            }
            Ok(Vec::new())
        }
        Source::Manifests { dir, files } => {
            let mut d = Dataset::new(dir, 0, InputFormat::Manifest);
            // Named as its own config names it, else by its folder.
            d.name = Config::discover(None, Some(dir))
                .ok()
                .and_then(|c| c.name)
                .or_else(|| Some(super::file_label(dir)));
            d.manifests.clone_from(files);
            d.config_dir = Some(dir.clone());
            each(Ok(d));
            Ok(Vec::new())
        }
        Source::Harvest(h) => {
            let mut notes = Vec::new();
            h.stream(&mut |event| match event {
                HarvestEvent::Entry(e) => each(e),
                HarvestEvent::File(_) => true,
                HarvestEvent::End(n) => {
                    notes.extend(n);
                    true
                }
            })?;
            Ok(notes)
        }
    }
}

/// Makes the files of a dataset's folder its items: a file the metadata already lists (a data
/// package resource's path) is that item; any other file is an item of its own, under the
/// dataset's licence and access. A file that is an item manifest adds its rows as well.
fn with_files(d: &mut Dataset, dir: &Path, files: &[PathBuf]) {
    let rel = |f: &Path| {
        let r = f.strip_prefix(dir).unwrap_or(f);
        r.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/")
    };
    let mut added = Vec::new();
    for f in files {
        let name = rel(f);
        let listed = d.items.iter().any(|i| {
            i.local_path.as_deref().map(|p| p.trim_start_matches("./").replace('\\', "/"))
                == Some(name.clone())
        });
        if !listed {
            let (license_inherited, evidence) = match &d.license {
                Some(_) => (true, "a file of the dataset's folder".to_string()),
                None if d.items.len() > 1 => (
                    false,
                    "a file of the dataset's folder; the metadata lists several licences without saying which covers it"
                        .to_string(),
                ),
                None => (false, "a file of the dataset's folder; the metadata states no licence".to_string()),
            };
            added.push(Item {
                id: Some(name.clone()),
                title: f.file_name().map(|n| n.to_string_lossy().into_owned()),
                license: d.license.clone(),
                license_url: d.license_url.clone(),
                access: d.access.clone(),
                license_inherited,
                evidence: Some(evidence),
                local_path: Some(name),
                ..Item::default()
            });
        }
        if crate::manifest::has_license_column(f) {
            d.manifests.push(f.clone());
        }
    }
    // A card's one item stands for the dataset only while no file does.
    if d.format == Some(InputFormat::HfCard) && d.items.len() == 1 && !added.is_empty() {
        d.items.clear();
    }
    d.items.extend(added);
}

/// Reads one metadata file, handing its datasets to `each` in file order until it returns false.
/// CKAN files stream; the other formats are read whole (their files hold one dataset or a
/// catalog, and their parsers need the whole document).
pub fn stream_file(
    path: &Path,
    format: InputFormat,
    each: &mut dyn FnMut(Entry) -> bool,
) -> Result<Vec<String>> {
    if format == InputFormat::Ckan {
        return super::ckan::stream(path, each);
    }
    for entry in read_file(path, format)? {
        if !each(entry) {
            break;
        }
    }
    Ok(Vec::new())
}
/// Finds what to audit among the paths; `None` when they are item manifests (a folder holding
/// nothing else is one collection, read by the manifest pipeline).
fn sources(opts: &AuditOptions, input: InputFormat) -> Result<Option<Scan>> {
    let mut out = Scan::default();
    let mut manifests = Vec::new();
    let urls = opts.paths.iter().filter(|p| harvest::is_url(p) && crate::remote::url_of(p).is_none()).count();
    if urls > 0 && opts.save.is_some() && opts.paths.len() > 1 {
        return Err(Error::usage("--save takes one URL to harvest (one portal per saved folder)"));
    }
    for path in &opts.paths {
        // A manifest at a URL (Parquet read by ranges, text spooled; crate::remote) is a manifest.
        if crate::remote::url_of(path).is_some() {
            manifests.push(path.clone());
            continue;
        }
        if harvest::is_url(path) {
            let url = path.to_string_lossy();
            let h = Harvest::new(&url, input, &opts.http, opts.save.as_deref(), opts.progress)?;
            out.sources.push(Source::Harvest(std::sync::Arc::new(h)));
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
        if meta.is_dir() {
            let mut found = Scan::default();
            folder::scan(path, input, &mut found)?;
            if found.only_manifests() && input == InputFormat::Auto {
                manifests.push(path.clone());
                continue;
            }
            found.settle_tables();
            out.sources.extend(found.sources);
            out.skipped.extend(found.skipped);
        } else {
            match input {
                InputFormat::Auto => match detect(path)? {
                    Detected::Portal(f) => {
                        out.sources.push(Source::Catalog { path: path.clone(), format: Ok(f) })
                    }
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
                forced => out.sources.push(Source::Catalog { path: path.clone(), format: Ok(forced) }),
            }
        }
    }
    match (out.sources.is_empty(), manifests.first()) {
        (true, _) => Ok(None),
        (false, None) => Ok(Some(out)),
        (false, Some(m)) => Err(Error::Usage(format!(
            "{} holds item manifests while other inputs hold portal metadata; audit them in separate runs",
            m.display()
        ))),
    }
}

/// Audits one dataset with the ordinary pipeline; in a batch, on the calling thread.
fn audit_dataset(
    opts: &AuditOptions,
    base: &Config,
    d: &Dataset,
    display: String,
    in_batch: bool,
) -> Result<Report> {
    // A folder of manifests in a mixed folder has its own `dpg-audit.toml` (unless --config).
    let own;
    let base = match &d.config_dir {
        Some(dir) if opts.config.is_none() => {
            own = Config::discover(None, Some(dir))?;
            &own
        }
        _ => base,
    };
    let config = d.config(base);
    let mut manifests = Vec::new();
    if !d.items.is_empty() {
        manifests.push(d.manifest(display)?);
    }
    manifests.extend(d.manifests.iter().map(|m| Manifest::file(m.clone(), m.display().to_string())));
    let mut report = if in_batch {
        run_here(opts, &config, &manifests)?
    } else {
        crate::audit::run_collection(opts, &config, &manifests)?
    };
    report.notes.clone_from(&d.notes);
    Ok(report)
}

/// An entry of the batch, with whether its file holds several datasets (reports then name the
/// dataset within the file).
type Job = (Entry, bool);

/// Audits every dataset, writing each report as it is done, and returns the summary.
fn batch(
    opts: &AuditOptions,
    base: &Config,
    sources: Vec<Source>,
    skipped: Vec<Skipped>,
    outputs: &mut BatchOutputs,
    mut findings_file: Option<FindingsFile>,
) -> Result<BatchSummary> {
    let (dpg_type, profile) = (
        opts.dpg_type.or(base.dpg_type).unwrap_or_default().as_str(),
        opts.profile.clone().or_else(|| base.profile.clone()).unwrap_or_else(|| "dpg".into()),
    );
    let pool = crate::run::pool(opts.threads, "dataset")?;
    let mut summary = Tally::default();
    // Notes about whole files (a partial package_search page), known once a file is read.
    let file_notes = std::sync::Mutex::new(Vec::<String>::new());
    for (format, out) in outputs.iter_mut() {
        write_head(*format, out, dpg_type, &profile).map_err(write_error)?;
    }
    let produce = |send: &mut dyn FnMut(Job) -> bool| -> Result<()> {
        for s in &sources {
            if let Source::Harvest(h) = s {
                // As for files, but a harvest hands on several files (pages) in turn; an HTTP
                // failure ends the run (exit 2) rather than auditing a portal in part.
                let mut file: Option<PathBuf> = None;
                let mut held: Option<Entry> = None;
                let mut many = false;
                let mut go_on = true;
                h.stream(&mut |event| {
                    match event {
                        HarvestEvent::File(p) => {
                            file = Some(p.to_path_buf());
                            held = None;
                            many = false;
                        }
                        HarvestEvent::Entry(e) => {
                            if let Some(first) = held.take() {
                                many = true;
                                go_on = send((first, true));
                            }
                            if many {
                                go_on = go_on && send((e, true));
                            } else {
                                held = Some(e);
                            }
                        }
                        HarvestEvent::End(notes) => {
                            if let Some(first) = held.take() {
                                go_on = go_on && send((first, false));
                            }
                            let path = file.as_deref().unwrap_or(h.label());
                            let mut all =
                                file_notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                            all.extend(notes.iter().map(|n| format!("{}: {n}", path.display())));
                        }
                    }
                    go_on
                })?;
                if !go_on {
                    return Ok(());
                }
                continue;
            }
            // The first entry of a file waits for a second: only then is it known whether the
            // file holds several datasets.
            let mut held: Option<Entry> = None;
            let mut many = false;
            let mut go_on = true;
            let path = source_path(s);
            if let Source::Catalog { format: Err(m), .. } = s {
                if !send((unreadable_file(path, 0, m.clone()), false)) {
                    return Ok(());
                }
                continue;
            }
            let mut position = 0usize;
            let read = entries_of(s, &mut |e| {
                position += 1;
                if let Some(first) = held.take() {
                    many = true;
                    go_on = send((first, true));
                }
                if many {
                    go_on = go_on && send((e, true));
                } else {
                    held = Some(e);
                }
                go_on
            });
            if let Some(first) = held.take() {
                go_on = send((first, false));
            }
            if let Ok(notes) = &read {
                let mut all = file_notes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                all.extend(notes.iter().map(|n| format!("{}: {n}", path.display())));
            }
            if let Err(e) = read {
                // The file (or the rest of it, after `position` datasets) cannot be read: one
                // failed entry says so; nothing is dropped silently.
                let reason = if position > 0 {
                    format!("after {position} dataset(s), the rest cannot be read: {}", strip_path(&e, path))
                } else {
                    strip_path(&e, path)
                };
                go_on = go_on && send((unreadable_file(path, position, reason), false));
            }
            if !go_on {
                break;
            }
        }
        Ok(())
    };
    let job = |(entry, many): Job| -> Result<(IndexEntry, Report)> {
        Ok(match entry {
            Ok(d) => {
                let display = d.display(many);
                let report = audit_dataset(opts, base, &d, display.clone(), true).unwrap_or_else(|e| {
                    failed_report(&display, d.name.clone(), &strip_path(&e, &d.source), dpg_type, &profile)
                });
                (index_entry(&d.source, d.id.clone(), d.name.clone(), d.format, &report), report)
            }
            Err(u) => {
                let display = match (&u.id, many) {
                    (Some(id), true) => format!("{}#{id}", u.source.display()),
                    _ => u.source.display().to_string(),
                };
                let report = failed_report(&display, u.name.clone(), &u.reason, dpg_type, &profile);
                (index_entry(&u.source, u.id.clone(), u.name.clone(), None, &report), report)
            }
        })
    };
    crate::run::ordered_map(&pool, produce, job, &mut |result| {
        let (index, report) = result?;
        if let Some(file) = findings_file.as_mut() {
            let mut enc = Encoder::new(file.format());
            for f in report.findings.iter().filter(|f| f.item.is_some() || f.row.is_some()) {
                enc.push(&FindingRef::from(f));
            }
            let rows = enc.len();
            if let Some(chunk) = enc.take() {
                file.append(chunk, rows)?;
            }
        }
        summary.add(index, &report);
        let n = summary.index.len();
        for (format, out) in outputs.iter_mut() {
            write_dataset(*format, out, n, &report).map_err(write_error)?;
        }
        Ok(())
    })?;
    if let Some(file) = findings_file {
        file.finish()?;
    }
    let mut summary = summary.finish();
    summary.skipped = skipped;
    summary.notes.extend(file_notes.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner));
    summary.notes.sort();
    summary.notes.dedup();
    for (format, out) in outputs.iter_mut() {
        write_summary(*format, out, &summary).and_then(|()| out.flush()).map_err(write_error)?;
    }
    Ok(summary)
}

fn write_error(e: std::io::Error) -> Error {
    Error::io_op("writing the batch report", &e)
}

/// A file that cannot be read (from `position` on) as a failed entry.
fn unreadable_file(path: &Path, position: usize, reason: String) -> Entry {
    Err(Unreadable { source: path.to_path_buf(), position, id: None, name: None, reason })
}

/// The summary as it grows: counters and the index, one line per dataset.
#[derive(Debug, Default)]
struct Tally {
    index: Vec<IndexEntry>,
    pass: usize,
    review: usize,
    fail: usize,
    unreadable: usize,
    items: u64,
    reasons: BTreeMap<(String, Severity), (usize, u64)>,
    notes: std::collections::BTreeSet<String>,
}

impl Tally {
    fn add(&mut self, index: IndexEntry, r: &Report) {
        for n in &r.notes {
            self.notes.insert(format!("{}: {n}", index.source));
        }
        let mut seen: BTreeMap<(String, Severity), u64> = BTreeMap::new();
        for g in r.groups.iter().filter(|g| g.waived.is_none() && g.severity >= Severity::Warning) {
            *seen.entry((g.rule.code().to_string(), g.severity)).or_default() += g.count;
        }
        for (k, n) in seen {
            let e = self.reasons.entry(k).or_default();
            e.0 += 1;
            e.1 += n;
        }
        match r.verdict {
            Verdict::Pass => self.pass += 1,
            Verdict::Review => self.review += 1,
            Verdict::Fail => self.fail += 1,
        }
        if r.collection.items == 0 {
            self.unreadable += 1;
        }
        self.items += r.collection.items;
        self.index.push(index);
    }

    fn finish(self) -> BatchSummary {
        let mut top_reasons: Vec<Reason> = self
            .reasons
            .into_iter()
            .map(|((rule, severity), (datasets, findings))| Reason { rule, severity, datasets, findings })
            .collect();
        top_reasons.sort_by(|a, b| {
            b.datasets.cmp(&a.datasets).then(b.severity.cmp(&a.severity)).then(a.rule.cmp(&b.rule))
        });
        BatchSummary {
            datasets: self.index.len(),
            qualify: self.pass + self.review,
            pass: self.pass,
            review: self.review,
            fail: self.fail,
            unreadable: self.unreadable,
            items: self.items,
            top_reasons,
            index: self.index,
            skipped: Vec::new(),
            notes: self.notes.into_iter().collect(),
        }
    }
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
        reasons: super::batch_pages::top_rules(report, 3),
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
    let rule = Rule::ManifestRowInvalid;
    let (key, message) = crate::policy::findings::unreadable_dataset(reason);
    let group = Group {
        rule,
        severity: Severity::Error,
        key: key.to_string(),
        count: 1,
        examples: Vec::new(),
        waived: None,
        message: message.clone(),
        first: None,
    };
    report::build::build(report::build::Tallies {
        collection: Collection {
            dpg_type,
            profile: profile.to_string(),
            manifests: vec![display.to_string()],
            items: 0,
            name,
        },
        items_with_errors: 0,
        groups: vec![group],
        collection_findings: vec![Finding::collection(
            rule,
            Severity::Error,
            Some(display.to_string()),
            message,
        )],
        item_findings: Vec::new(),
        max_findings: 0,
        labels: BTreeMap::new(),
        hosts: BTreeMap::new(),
        unused_exceptions: Vec::new(),
    })
}

/// What a batch report starts with.
fn write_head(
    format: BatchFormat,
    out: &mut dyn Write,
    dpg_type: &str,
    profile: &str,
) -> std::io::Result<()> {
    match format {
        BatchFormat::Json => {
            write!(out, "{{\"schema_version\": {},\n\"datasets\": [", report::SCHEMA_VERSION)
        }
        BatchFormat::Ndjson => Ok(()),
        BatchFormat::Html => super::batch_pages::html_head(out, dpg_type, profile),
        BatchFormat::Markdown => super::batch_pages::markdown_head(out, dpg_type, profile),
        BatchFormat::Terminal => {
            writeln!(
                out,
                "dpg-audit {}: portal batch (type {dpg_type}, profile {profile}); each dataset's report as it is done, the summary last",
                Tool::default().version
            )?;
            writeln!(out)
        }
    }
}

/// The report of dataset `n` (1-based).
fn write_dataset(format: BatchFormat, out: &mut dyn Write, n: usize, r: &Report) -> std::io::Result<()> {
    match format {
        BatchFormat::Json => {
            out.write_all(if n == 1 { b"\n" } else { b",\n" })?;
            crate::report::escape::json_to_writer_pretty(&mut *out, r)?;
            Ok(())
        }
        BatchFormat::Ndjson => {
            crate::report::escape::json_to_writer(&mut *out, r)?;
            out.write_all(b"\n")
        }
        BatchFormat::Html => super::batch_pages::html_dataset(out, n, r),
        BatchFormat::Markdown => super::batch_pages::markdown_dataset(out, n, r),
        BatchFormat::Terminal => {
            writeln!(out, "--- dataset {n}: {}", r.collection.manifests.join(", "))?;
            report::terminal::write(r, out)?;
            writeln!(out)
        }
    }
}

/// What a batch report ends with: the summary.
fn write_summary(format: BatchFormat, out: &mut dyn Write, s: &BatchSummary) -> std::io::Result<()> {
    match format {
        BatchFormat::Json => {
            out.write_all(b"\n],\n\"summary\": ")?;
            crate::report::escape::json_to_writer_pretty(&mut *out, s)?;
            out.write_all(b"\n}\n")
        }
        BatchFormat::Ndjson => {
            // Written through a borrowing wrapper: `json!` would copy the index of every dataset.
            #[derive(Serialize)]
            struct Last<'a> {
                summary: &'a BatchSummary,
            }
            crate::report::escape::json_to_writer(&mut *out, &Last { summary: s })?;
            out.write_all(b"\n")
        }
        BatchFormat::Html => super::batch_pages::html_summary(out, s),
        BatchFormat::Markdown => super::batch_pages::markdown_summary(out, s),
        BatchFormat::Terminal => write_terminal_summary(s, out),
    }
}

fn write_terminal_summary(s: &BatchSummary, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "=== portal batch of {} datasets", s.datasets)?;
    writeln!(out)?;
    writeln!(out, "  {:<7} {:>7}  dataset", "verdict", "items")?;
    for (n, i) in s.index.iter().enumerate() {
        let label = i.name.clone().or_else(|| i.id.clone()).unwrap_or_default();
        // Dataset names come from the metadata: nothing raw reaches the terminal.
        let label = crate::report::escape::visible(&label);
        writeln!(
            out,
            "  {:<7} {:>7}  {label}  (dataset {})",
            i.verdict.as_str().to_uppercase(),
            i.items,
            n + 1
        )?;
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
    for note in &s.notes {
        writeln!(out, "note: {note}")?;
    }
    if !s.notes.is_empty() {
        writeln!(out)?;
    }
    report::terminal::write_skipped(&s.skipped, out)?;
    let unreadable = if s.unreadable > 0 { format!(", {} unreadable", s.unreadable) } else { String::new() };
    writeln!(
        out,
        "{} of {} datasets would qualify (pass {}, review {}, fail {}{unreadable})",
        s.qualify, s.datasets, s.pass, s.review, s.fail
    )
}
