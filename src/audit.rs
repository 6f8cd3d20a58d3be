//! The parallel scan that ties the pipeline together.
//!
//! One reader thread walks the manifests in order. Parquet row groups go to the workers as tasks
//! (workers decode them); the text formats and IPC are parsed by the reader and sent as batches.
//! The channel between them is bounded, so at most `2 x threads` units wait in memory. Each worker
//! owns an [`Accum`] (counts, groups, the first findings, ids); the accumulators are merged at the
//! end and sorted, so the output does not depend on scheduling.

use std::collections::{BTreeMap, BinaryHeap, HashMap};

use arrow_array::Array;
use rustc_hash::FxHashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use crate::config::{Config, DpgType};
use crate::dedup::{Duplicate, IdCollector, SortedSpans};
use crate::error::{Error, Result};
use crate::manifest::{self, Field, ItemBatch, Manifest, ReadOptions, TextColumn, Unit};
use crate::policy::collection::{self, HostTally};
use crate::policy::exceptions::Exceptions;
use crate::policy::profile::Profile;
use crate::policy::url::UrlPrefix;
use crate::policy::{FindingSpec, Judgement, Policy, Rule, Severity, access, licenses, quote, rules};
use crate::progress::Progress;
use crate::report::findings::{CHUNK_ROWS, Chunk, Encoder, FindingRef, FindingsFile};
use crate::report::{Collection, Finding, Group, Report, Summary, Tool, Verdict};

/// Default rows per batch: large enough to amortize per-batch work, small enough that
/// threads x batch stays a few MB.
pub const DEFAULT_BATCH_SIZE: usize = 8192;

/// The finding of an item without an access URL.
const NO_URL: &str = "no access URL for the item";

/// Distinct values remembered across workers, and per worker. Real license columns hold a few
/// hundred distinct strings; the caps only matter for columns of unique free text. A worker
/// starts over between batches (its slots are held for a whole batch), so it may hold up to two
/// values per row of one batch beyond its cap.
const SHARED_CACHE_CAP: usize = 1 << 20;
const LOCAL_CACHE_CAP: usize = 1 << 16;

/// Row slots that name no verdict: a row the reader could not read, and (in a dictionary's
/// slots) a value not judged yet.
const UNREAD: u32 = u32::MAX;
const UNJUDGED: u32 = u32::MAX - 1;

/// [`Accum::slot_bits`]: the verdict has findings; the label slot + 1 below.
const NOISY: u32 = 1 << 31;
const LABEL_BITS: u32 = NOISY - 1;

/// Whether two string arrays share their buffers (and so, while one is held, their values).
fn same_array(a: &arrow_array::StringArray, b: &arrow_array::StringArray) -> bool {
    a.len() == b.len()
        && a.offsets().inner().inner().as_ptr() == b.offsets().inner().inner().as_ptr()
        && a.values().as_ptr() == b.values().as_ptr()
        && a.nulls().map(|n| n.buffer().as_ptr()) == b.nulls().map(|n| n.buffer().as_ptr())
}

/// Distinct hosts tallied per worker before the rest are counted together.
const HOST_CAP: usize = 10_000;
const OTHER_HOSTS: &str = "(other hosts)";

/// How many example items each finding group keeps.
const EXAMPLES: usize = 3;

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
        }
    }
}

/// Audits one collection (the manifests of `opts.paths`, with their config) and returns its report.
pub fn run(opts: &AuditOptions) -> Result<Report> {
    check_rule_data()?;
    let manifests = manifest::expand_inputs(&opts.paths)?;
    let config = Config::discover(opts.config.as_deref(), opts.paths.first().map(PathBuf::as_path))?;
    run_collection(opts, &config, &manifests)
}

/// The embedded rule data is checked before anything is read.
pub fn check_rule_data() -> Result<()> {
    rules::docs().map_err(Error::Usage)?;
    licenses::check_lists().map_err(Error::Usage)?;
    access::check_vocabulary().map_err(Error::Usage)?;
    Ok(())
}

/// Audits one collection given its config and manifests (files, or items in memory built from
/// portal metadata). `opts.paths` and `opts.config` are not used here.
pub fn run_collection(opts: &AuditOptions, config: &Config, manifests: &[Manifest]) -> Result<Report> {
    let mut overrides = BTreeMap::new();
    for (key, column) in &config.columns {
        if let Some(field) = Field::from_name(key) {
            overrides.insert(field, column.clone());
        }
    }
    for (field, column) in &opts.columns {
        overrides.insert(*field, column.clone());
    }
    // --profile wins over the config's `profile`; a bad name in the config is the config's error.
    let profile = match (&opts.profile, &config.profile) {
        (Some(p), _) => Profile::load(p)?,
        (None, Some(p)) => Profile::load(p).map_err(|e| match e {
            Error::Usage(m) => Error::config(
                config.path.as_deref().unwrap_or(std::path::Path::new(crate::config::CONFIG_FILE)),
                format!("key `profile`: {m}"),
            ),
            other => other,
        })?,
        (None, None) => Profile::default(),
    };
    let policy = Policy {
        dpg_type: opts.dpg_type.or(config.dpg_type).unwrap_or_default(),
        profile,
        locations: collection::Locations::from_config(config)?,
        exceptions: Exceptions::from_config(
            config.path.as_deref().unwrap_or(std::path::Path::new(crate::config::CONFIG_FILE)),
            &config.exceptions,
        )?,
    };
    let declared = collection::declared_licenses(config)?;
    let read_opts = ReadOptions { overrides, batch_size: opts.batch_size.max(1) };
    let threads = if opts.threads == 0 { rayon::current_num_threads() } else { opts.threads };

    // Created before reading, so a bad --findings path fails before any work is done.
    let findings_file = opts.findings.as_deref().map(FindingsFile::create).transpose()?;
    let shared = Shared::default();
    let result = scan(manifests, &read_opts, &policy, &shared, threads, opts, findings_file).and_then(
        |(acc, mut file)| {
            let report = build_report(
                acc,
                manifests,
                &policy,
                config,
                &declared,
                (opts.max_findings, threads),
                file.as_mut(),
            )?;
            file.map(FindingsFile::finish).transpose()?;
            Ok(report)
        },
    );
    if result.is_err()
        && let Some(path) = &opts.findings
    {
        // A findings file cut short would look complete; remove it.
        let _ = std::fs::remove_file(path);
    }
    result
}

/// How far (in units) the reader may run ahead of the findings writer. Units finish out of
/// order; the writer holds the early finishers until the ones before them arrive, so this bounds
/// that backlog (and with it memory) whatever the scheduling.
const WRITE_WINDOW_PER_THREAD: u64 = 4;

/// The findings file's progress, for the reader to wait on.
#[derive(Debug, Default)]
struct WriteGate {
    /// Units written so far (all units with a smaller sequence number are on disk).
    written: Mutex<u64>,
    moved: Condvar,
}

/// Reads every manifest and evaluates every row, in parallel. With a findings file, each unit's
/// findings are written in unit order by a writer thread, so the file is the same whatever the
/// scheduling.
fn scan<'a>(
    manifests: &'a [Manifest],
    read_opts: &ReadOptions,
    policy: &'a Policy,
    shared: &'a Shared,
    threads: usize,
    opts: &AuditOptions,
    findings_file: Option<FindingsFile>,
) -> Result<(Accum<'a>, Option<FindingsFile>)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("dpg-audit-worker-{i}"))
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} worker threads: {e}")))?;
    let (tx, rx) = sync_channel::<(u64, Unit)>(threads * 2);
    let rx = Mutex::new(rx);
    let format = findings_file.as_ref().map(FindingsFile::format);
    // One worker gets the units in order, so it writes its findings itself: `--threads 1` then
    // is one thread of work. Several hand theirs to a writer thread that puts them in order.
    let (direct, findings_file) = if threads == 1 { (findings_file, None) } else { (None, findings_file) };
    let direct = Mutex::new(direct);
    let streaming = findings_file.is_some();
    let (out_tx, out_rx) = sync_channel::<Out>(threads * 2);
    let gate = WriteGate::default();
    let window = WRITE_WINDOW_PER_THREAD * threads as u64;
    let abort = AtomicBool::new(false);
    let progress = Progress::new(opts.progress);
    if progress.is_shown() {
        // Parquet footers give exact row counts; for other formats the bar stays a counter.
        let counts: Option<Vec<u64>> =
            manifests.iter().map(|m| manifest::parquet::row_count(&m.path)).collect();
        if let Some(counts) = counts {
            progress.set_total(counts.iter().sum());
        }
    }
    let results: Mutex<Vec<Accum>> = Mutex::new(Vec::new());

    let read_result = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let Some(file) = findings_file else { return Ok(None) };
            let result = write_in_order(file, out_rx, &gate);
            if result.is_err() {
                abort.store(true, Ordering::Relaxed);
            }
            // Wake a reader waiting on the gate, whatever happened.
            if let Ok(mut w) = gate.written.lock() {
                *w = u64::MAX;
            }
            gate.moved.notify_all();
            result.map(Some)
        });
        let reader = scope.spawn(|| {
            let tx = tx;
            let mut seq = 0u64;
            for (i, m) in manifests.iter().enumerate() {
                let mut sink = |unit: Unit| {
                    if streaming && !wait_for_writer(&gate, seq, window, &abort) {
                        return false;
                    }
                    let sent = !abort.load(Ordering::Relaxed) && tx.send((seq, unit)).is_ok();
                    seq += 1;
                    sent
                };
                manifest::read(i, m, read_opts, &mut sink)?;
                if abort.load(Ordering::Relaxed) {
                    break;
                }
            }
            Ok::<(), Error>(())
        });
        pool.scope(|s| {
            for _ in 0..threads {
                s.spawn(|_| {
                    let mut acc = Accum::new(policy, shared, manifests, opts.max_findings);
                    if let Some(format) = format {
                        let sink = match direct.lock().ok().and_then(|mut d| d.take()) {
                            Some(file) => Sink::File(file),
                            None => Sink::Writer(out_tx.clone()),
                        };
                        acc.rec.out = Some(Output { sink, seq: 0, encoder: Encoder::new(format) });
                    }
                    worker(&rx, &mut acc, read_opts.batch_size, &abort, &progress);
                    // Its sender must go now, or the findings writer would wait for it forever.
                    if let Some(Output { sink: Sink::File(file), .. }) = acc.rec.out.take()
                        && let Ok(mut d) = direct.lock()
                    {
                        *d = Some(file);
                    }
                    if let Ok(mut r) = results.lock() {
                        r.push(acc);
                    }
                });
            }
        });
        drop(out_tx);
        let read = reader.join().unwrap_or_else(|_| Err(Error::Usage("the reader thread failed".into())));
        let written =
            writer.join().unwrap_or_else(|_| Err(Error::Usage("the findings writer failed".into())));
        read.and(written)
    });
    progress.finish();
    let findings_file = match read_result? {
        Some(file) => Some(file),
        None => direct.into_inner().ok().flatten(),
    };

    let accs = results.into_inner().map_err(|_| Error::Usage("a worker thread failed".into()))?;
    let mut iter = accs.into_iter();
    let mut total = iter.next().ok_or_else(|| Error::Usage("no worker ran".into()))?;
    for acc in iter {
        total.merge(acc)?;
    }
    // A single worker's accumulator was not merged: its label counts still wait in lanes.
    total.fold_label_rows();
    if let Some(err) = total.rec.errors.drain(..).next() {
        return Err(err);
    }
    let spans = &shared.spans;
    if !spans.is_empty() && (!total.ids.is_empty() || !spans.is_chain()) {
        reread_ids(manifests, read_opts, threads, spans, &total.rows, &mut total.ids)?;
    }
    Ok((total, findings_file))
}

/// Reads the manifests again for the ids of the rows that were only summed up as increasing
/// spans, when the spans cannot prove the ids distinct on their own (some batch was out of order,
/// or a span does not continue the order of the one before). This second pass costs one more
/// decode; it only happens for collections partly in id order. The rows must come out as they
/// did the first time: a manifest that changed in between is an error, not a silent miss.
fn reread_ids(
    manifests: &[Manifest],
    read_opts: &ReadOptions,
    threads: usize,
    spans: &SortedSpans,
    rows: &[u64],
    into: &mut IdCollector,
) -> Result<()> {
    let ranges = spans.ranges();
    let (tx, rx) = sync_channel::<Unit>(threads * 2);
    let rx = Mutex::new(rx);
    let abort = AtomicBool::new(false);
    let (read, workers) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let tx = tx;
            for (i, m) in manifests.iter().enumerate() {
                if !ranges.iter().any(|(mi, _)| *mi == i) {
                    continue;
                }
                manifest::read(i, m, read_opts, &mut |unit| {
                    !abort.load(Ordering::Relaxed) && tx.send(unit).is_ok()
                })?;
            }
            Ok::<(), Error>(())
        });
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut ids = IdCollector::default();
                    let mut seen = vec![0u64; manifests.len()];
                    let mut each = |batch: ItemBatch| -> Result<()> {
                        seen[batch.manifest] += batch.num_rows() as u64;
                        let Some(column) = batch.column(Field::Id) else { return Ok(()) };
                        let (m, start) = (batch.manifest, batch.first_row);
                        let end = start + batch.num_rows() as u64;
                        let from = ranges.partition_point(|(mi, r)| (*mi, r.end) <= (m, start));
                        for (_, r) in ranges[from..].iter().take_while(|(mi, r)| *mi == m && r.start < end) {
                            for row in r.start.max(start)..r.end.min(end) {
                                if let Some(id) = column.get((row - start) as usize) {
                                    ids.push(m, row, id).map_err(|e| {
                                        Error::Usage(format!(
                                            "cannot write temporary file for duplicate ids: {e}"
                                        ))
                                    })?;
                                }
                            }
                        }
                        Ok(())
                    };
                    let mut result = Ok(());
                    loop {
                        let unit = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => break,
                        };
                        let Ok(unit) = unit else { break };
                        if result.is_err() {
                            continue; // drain so the reader is not blocked
                        }
                        let mut inner = Ok(());
                        let read = unit.batches(read_opts.batch_size, &mut |batch| {
                            if inner.is_ok() {
                                inner = each(batch);
                            }
                        });
                        result = read.and(inner);
                        if result.is_err() {
                            abort.store(true, Ordering::Relaxed);
                        }
                    }
                    result.map(|()| (ids, seen))
                })
            })
            .collect();
        let read = reader.join().unwrap_or_else(|_| Err(Error::Usage("the reader thread failed".into())));
        let workers: Vec<Result<(IdCollector, Vec<u64>)>> = workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(Error::Usage("a worker thread failed".into()))))
            .collect();
        (read, workers)
    });
    read?;
    let mut seen = vec![0u64; manifests.len()];
    for w in workers {
        let (ids, s) = w?;
        into.merge(ids).map_err(|e| Error::Usage(format!("cannot merge duplicate-id runs: {e}")))?;
        seen.iter_mut().zip(s).for_each(|(a, b)| *a += b);
    }
    for (i, m) in manifests.iter().enumerate() {
        if ranges.iter().any(|(mi, _)| *mi == i) && seen[i] != rows[i] {
            return Err(Error::input(
                &m.path,
                format!(
                    "changed while it was being read: {} rows, then {} when read again for duplicate ids",
                    rows[i], seen[i]
                ),
            ));
        }
    }
    Ok(())
}

/// Blocks the reader until unit `seq` is within the window of the writer. False when the writer
/// has stopped or the run is aborting (units dropped by an abort never reach the writer, so it
/// would not move again).
fn wait_for_writer(gate: &WriteGate, seq: u64, window: u64, abort: &AtomicBool) -> bool {
    let Ok(mut written) = gate.written.lock() else { return false };
    while seq >= written.saturating_add(window) {
        if abort.load(Ordering::Relaxed) {
            return false;
        }
        match gate.moved.wait_timeout(written, std::time::Duration::from_millis(50)) {
            Ok((w, _)) => written = w,
            Err(_) => return false,
        }
    }
    *written != u64::MAX
}

/// What workers send the findings writer.
#[derive(Debug)]
enum Out {
    /// Encoded findings of unit `seq` (a unit may send several).
    Chunk(u64, Chunk, usize),
    /// Unit `seq` is finished.
    Done(u64),
}

/// A worker's findings output: where its chunks go, the unit it is on, and its encoder.
#[derive(Debug)]
struct Output {
    sink: Sink,
    seq: u64,
    encoder: Encoder,
}

#[derive(Debug)]
enum Sink {
    /// To the writer thread, which puts the units in order.
    Writer(SyncSender<Out>),
    /// Straight to the file (the only worker: its units come in order).
    File(FindingsFile),
}

impl Output {
    fn send_chunk(&mut self) -> Result<()> {
        let rows = self.encoder.len();
        let Some(chunk) = self.encoder.take() else { return Ok(()) };
        match &mut self.sink {
            Sink::Writer(tx) => tx
                .send(Out::Chunk(self.seq, chunk, rows))
                .map_err(|_| Error::Usage("the findings writer stopped".into())),
            Sink::File(file) => file.append(chunk, rows),
        }
    }

    /// Unit `seq` is finished.
    fn done(&mut self, seq: u64) -> Result<()> {
        self.send_chunk()?;
        match &self.sink {
            Sink::Writer(tx) => {
                tx.send(Out::Done(seq)).map_err(|_| Error::Usage("the findings writer stopped".into()))
            }
            Sink::File(_) => Ok(()),
        }
    }
}

/// The findings writer: writes the findings of unit `next` as they come, and holds those of later
/// units (already finished by other workers) until their turn.
fn write_in_order(mut file: FindingsFile, rx: Receiver<Out>, gate: &WriteGate) -> Result<FindingsFile> {
    let mut pending: BTreeMap<u64, (Vec<(Chunk, usize)>, bool)> = BTreeMap::new();
    let mut next = 0u64;
    for msg in rx {
        match msg {
            Out::Chunk(seq, chunk, rows) if seq == next => file.append(chunk, rows)?,
            Out::Chunk(seq, chunk, rows) => pending.entry(seq).or_default().0.push((chunk, rows)),
            Out::Done(seq) => pending.entry(seq).or_default().1 = true,
        }
        // Move on while the current unit is done; a unit that becomes current writes what it
        // had waiting.
        while let Some((chunks, done)) = pending.get_mut(&next) {
            for (chunk, rows) in chunks.drain(..) {
                file.append(chunk, rows)?;
            }
            if !*done {
                break;
            }
            pending.remove(&next);
            next += 1;
            if let Ok(mut w) = gate.written.lock() {
                *w = next;
            }
            gate.moved.notify_all();
        }
    }
    Ok(file)
}

fn worker(
    rx: &Mutex<Receiver<(u64, Unit)>>,
    acc: &mut Accum,
    batch_size: usize,
    abort: &AtomicBool,
    progress: &Progress,
) {
    loop {
        let unit = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok((seq, unit)) = unit else { return };
        if abort.load(Ordering::Relaxed) {
            continue; // drain so the reader is not blocked
        }
        if let Some(out) = &mut acc.rec.out {
            out.seq = seq;
        }
        // A bug that panics here must not hang the run: the reader would wait forever for a
        // worker to take its next unit. The panic becomes an error that aborts the run, and
        // this worker goes on draining units like the others.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            unit.batches(batch_size, &mut |batch| {
                progress.add(batch.num_rows() as u64);
                acc.evaluate(&batch);
            })
        }))
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(Error::Usage(format!("internal error, a bug in dpg-audit (please report it): {what}")))
        });
        if let Err(e) = result {
            acc.rec.errors.push(e);
            abort.store(true, Ordering::Relaxed);
        }
        if let Some(out) = &mut acc.rec.out
            && let Err(e) = out.done(seq)
        {
            acc.rec.errors.push(e);
            abort.store(true, Ordering::Relaxed);
        }
        if !acc.rec.errors.is_empty() {
            abort.store(true, Ordering::Relaxed);
        }
    }
}

#[inline(always)]
fn get<'b>(column: &Option<TextColumn<'b>>, i: usize) -> Option<&'b str> {
    column.as_ref().and_then(|c| c.get(i))
}

/// What a cached judgement is about; the value indexes the per-column arrays
/// ([`Accum::dict_slots`], `dict_values`, `row_slots`).
#[derive(Debug, Clone, Copy)]
enum Kind {
    License = 0,
    Access = 1,
}

/// What the workers of one run share.
#[derive(Debug, Default)]
struct Shared {
    cache: LicenseCache,
    /// Batches whose ids were increasing; see [`IdCollector::push_batch`].
    spans: SortedSpans,
}

/// Distinct values (license statements, access restrictions) seen by any worker, judged once.
#[derive(Debug, Default)]
struct LicenseCache {
    verdicts: Mutex<HashMap<String, Arc<Judgement>>>,
}

impl LicenseCache {
    fn get(&self, key: &str, judge: impl FnOnce() -> Judgement) -> Arc<Judgement> {
        let Ok(mut map) = self.verdicts.lock() else { return Arc::new(judge()) };
        if let Some(v) = map.get(key) {
            return v.clone();
        }
        let v = Arc::new(judge());
        // A column of unique free text (an access note per item) must not make memory grow with
        // the manifest: past the cap, values are judged without being remembered.
        if map.len() < SHARED_CACHE_CAP {
            map.insert(key.to_string(), v.clone());
        }
        v
    }
}

/// A worker's view of a cached verdict: the group slots its findings count into.
#[derive(Debug)]
struct LocalVerdict {
    verdict: Arc<Judgement>,
    groups: Vec<usize>,
    /// The kind of its first finding; the others' follow (see [`Accum::new_kinds`]).
    kinds: u64,
    /// The value as findings quote it.
    value: Option<String>,
}

#[derive(Debug)]
struct GroupAcc {
    rule: Rule,
    severity: Severity,
    key: String,
    message: String,
    count: u64,
    /// The first items (by manifest, row), at most [`EXAMPLES`].
    examples: Vec<(usize, u64, String)>,
    /// The exception (index) that waives these findings.
    waived: Option<usize>,
}

/// A retained finding, ordered by position so the report keeps the first ones.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Retained {
    manifest: usize,
    row: u64,
    rule: Rule,
    line: Option<u64>,
    item: String,
    message: String,
    value: Option<String>,
    evidence: Option<String>,
    severity: Severity,
    waived: Option<usize>,
}

/// Where a finding is: its manifest and row, the text line where the row starts, the item's id
/// (without one, the item is named by its row), and the evidence of where its license came from.
#[derive(Clone, Copy)]
struct At<'r> {
    manifest: usize,
    row: u64,
    line: Option<u64>,
    id: Option<&'r str>,
    evidence: Option<&'r str>,
}

impl At<'_> {
    /// The item's name in findings: its id, or its row number.
    fn item<'b>(&'b self, digits: &'b mut [u8; 20]) -> &'b str {
        match self.id {
            Some(id) => id,
            None => row_name(self.row, digits),
        }
    }
}

/// `row` in decimal, written into `digits` (no allocation per finding).
fn row_name(row: u64, digits: &mut [u8; 20]) -> &str {
    let mut n = row;
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&digits[start..]).unwrap_or("")
}

/// One worker's results.
struct Accum<'a> {
    policy: &'a Policy,
    shared: &'a Shared,
    /// Per-row lookups: FxHash, since SipHash's DoS resistance buys nothing for a local cache
    /// and costs a few percent of a run.
    local: FxHashMap<String, usize>,
    verdicts: Vec<LocalVerdict>,
    /// Per verdict slot, what the row loop needs, packed so all of it stays in L1: [`NOISY`]
    /// when the verdict has findings, and its label slot + 1 (0 for none) in the low bits.
    slot_bits: Vec<u32>,
    key_buf: String,
    /// Where findings are counted, kept and written: apart from `verdicts`, so a verdict's
    /// messages can be lent to it without copying.
    rec: Recorder<'a>,
    labels: Vec<(String, u64)>,
    /// Rows per label not yet in `labels`, counted in four lanes by row: one counter bumped by
    /// every row made each row wait for the row before's store (see [`Accum::fold_label_rows`]).
    label_rows: Vec<[u64; 4]>,
    label_index: HashMap<String, usize>,
    rows: Vec<u64>,
    has_url: Vec<bool>,
    hosts: HashMap<String, HostTally>,
    run_host: String,
    run_tally: HostTally,
    items_with_errors: u64,
    ids: IdCollector,
    url_memo: crate::policy::url::UrlMemo,
    /// The prefix of the last good URL, valid while its host is `run_host`.
    url_prefix: Option<UrlPrefix>,
    /// The prefix before it, with its host: a stray URL amid a long run of one prefix then costs
    /// one full check, not a second one to find the prefix again.
    prev_prefix: Option<(UrlPrefix, String)>,
    /// For dictionary columns (license, access): dictionary index + 1 (0 = null) -> verdict
    /// slot, [`UNJUDGED`] when not judged yet; valid for the dictionary in `dict_values`.
    dict_slots: [Vec<u32>; 2],
    dict_values: [Option<arrow_array::StringArray>; 2],
    /// Per batch: each row's license and access verdict slots.
    row_slots: [Vec<u32>; 2],
    /// The next finding kind to hand out (see [`Accum::new_kinds`]).
    next_kind: u64,
}

/// A worker's findings: their groups (counts and examples), the first `max_findings` kept for
/// the report, and, with `--findings`, the output every finding is encoded to.
struct Recorder<'a> {
    policy: &'a Policy,
    manifests: &'a [Manifest],
    groups: Vec<GroupAcc>,
    group_index: HashMap<(Rule, String, Option<usize>), usize>,
    findings: BinaryHeap<Retained>,
    max_findings: usize,
    errors: Vec<Error>,
    /// With `--findings`: where every finding goes, in the order found.
    out: Option<Output>,
}

impl std::fmt::Debug for Accum<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accum").field("rows", &self.rows).field("groups", &self.rec.groups.len()).finish()
    }
}

impl<'a> Accum<'a> {
    fn new(policy: &'a Policy, shared: &'a Shared, manifests: &'a [Manifest], max_findings: usize) -> Self {
        Accum {
            policy,
            shared,
            local: FxHashMap::default(),
            verdicts: Vec::new(),
            slot_bits: Vec::new(),
            key_buf: String::new(),
            rec: Recorder {
                policy,
                manifests,
                groups: Vec::new(),
                group_index: HashMap::new(),
                findings: BinaryHeap::new(),
                max_findings,
                errors: Vec::new(),
                out: None,
            },
            labels: Vec::new(),
            label_rows: Vec::new(),
            label_index: HashMap::new(),
            rows: vec![0; manifests.len()],
            has_url: vec![false; manifests.len()],
            hosts: HashMap::new(),
            run_host: String::new(),
            run_tally: HostTally::default(),
            items_with_errors: 0,
            ids: IdCollector::default(),
            url_memo: Default::default(),
            url_prefix: None,
            prev_prefix: None,
            dict_slots: Default::default(),
            dict_values: Default::default(),
            row_slots: Default::default(),
            next_kind: 0,
        }
    }

    /// `n` new finding kinds (the first; the others follow it). A kind names a finding's rule,
    /// severity, message and value for the findings file's encoder, which keeps a kind's texts
    /// once per chunk without comparing them again. So a kind is handed out once per worker
    /// and for texts that never change: a judged value's findings (a verdict is never
    /// modified, and one judged again after the cache starts over gets new kinds), or a fixed
    /// message. Per-row texts get none.
    fn new_kinds(&mut self, n: usize) -> u64 {
        let first = self.next_kind;
        self.next_kind += n as u64;
        first
    }

    fn label(&mut self, label: &str) -> usize {
        if let Some(&i) = self.label_index.get(label) {
            return i;
        }
        let i = self.labels.len();
        self.labels.push((label.to_string(), 0));
        self.label_rows.push([0; 4]);
        self.label_index.insert(label.to_string(), i);
        i
    }

    /// Moves the rows counted in `label_rows` into `labels`, which merging and the report read.
    fn fold_label_rows(&mut self) {
        for ((_, n), lanes) in self.labels.iter_mut().zip(&mut self.label_rows) {
            *n += lanes.iter().sum::<u64>();
            *lanes = [0; 4];
        }
    }
}

impl Recorder<'_> {
    fn group(&mut self, rule: Rule, severity: Severity, key: &str, message: &str) -> usize {
        self.group_with(rule, severity, key, message, None)
    }

    /// The group of (rule, key), apart for findings waived by an exception.
    fn group_with(
        &mut self,
        rule: Rule,
        severity: Severity,
        key: &str,
        message: &str,
        waived: Option<usize>,
    ) -> usize {
        if let Some(&i) = self.group_index.get(&(rule, key.to_string(), waived)) {
            return i;
        }
        let i = self.groups.len();
        self.groups.push(GroupAcc {
            rule,
            severity,
            key: key.to_string(),
            message: message.to_string(),
            count: 0,
            examples: Vec::new(),
            waived,
        });
        self.group_index.insert((rule, key.to_string(), waived), i);
        i
    }

    /// Counts a finding in its group, and keeps it when it is among the first `max_findings`.
    /// Returns false when an exception waives it (it is counted in a waived group instead).
    /// Borrows everything: a finding that is only counted and encoded allocates nothing.
    /// `kind` names (group's rule and severity, message, value) for the findings file: see
    /// [`Accum::new_kinds`].
    fn record(
        &mut self,
        group: usize,
        at: &At,
        message: &str,
        value: Option<&str>,
        kind: Option<u64>,
    ) -> bool {
        let (manifest, row) = (at.manifest, at.row);
        let mut digits = [0u8; 20];
        let item = at.item(&mut digits);
        let mut group = group;
        let mut waived = None;
        let rule = self.groups[group].rule;
        if self.policy.exceptions.any_for(rule)
            && let Some(x) = self.policy.exceptions.waiver(rule, Some(item))
        {
            let g = &self.groups[group];
            let (severity, key, msg) = (g.severity, g.key.clone(), g.message.clone());
            group = self.group_with(rule, severity, &key, &msg, Some(x));
            waived = Some(x);
        }
        let g = &mut self.groups[group];
        g.count += 1;
        let rule = g.rule;
        let severity = g.severity;
        if g.examples.len() < EXAMPLES
            || g.examples.last().is_some_and(|(m, r, _)| (manifest, row) < (*m, *r))
        {
            g.examples.push((manifest, row, item.to_string()));
            g.examples.sort_by_key(|(m, r, _)| (*m, *r));
            g.examples.truncate(EXAMPLES);
        }
        if let Some(out) = &mut self.out {
            out.encoder.push(&FindingRef {
                rule: rule.code(),
                severity,
                item: Some(item),
                manifest: Some(&self.manifests[manifest].display),
                row: Some(row),
                line: at.line,
                message,
                value,
                evidence: at.evidence,
                waived: waived.and_then(|x| self.policy.exceptions.get(x)).map(|e| e.reason.as_str()),
                kind,
                manifest_index: Some(manifest),
            });
            if out.encoder.len() >= CHUNK_ROWS
                && let Err(e) = out.send_chunk()
            {
                self.errors.push(e);
            }
        }
        if self.max_findings == 0 {
            return waived.is_none();
        }
        let keep = self.findings.len() < self.max_findings
            || self
                .findings
                .peek()
                .is_some_and(|top| (manifest, row, rule) < (top.manifest, top.row, top.rule));
        if keep {
            self.findings.push(Retained {
                manifest,
                row,
                rule,
                line: at.line,
                item: item.to_string(),
                message: message.to_string(),
                value: value.map(str::to_string),
                evidence: at.evidence.map(str::to_string),
                severity,
                waived,
            });
            if self.findings.len() > self.max_findings {
                self.findings.pop();
            }
        }
        waived.is_none()
    }
}

impl Accum<'_> {
    fn evaluate(&mut self, batch: &ItemBatch) {
        let m = batch.manifest;
        let n = batch.num_rows();
        self.rows[m] += n as u64;
        let license = batch.column(Field::License);
        let version = batch.column(Field::LicenseVersion);
        let license_url = batch.column(Field::LicenseUrl);
        let url = batch.column(Field::Url);
        let access_col = batch.column(Field::Access);
        let id = batch.column(Field::Id);
        if url.is_some() {
            self.has_url[m] = true;
        }
        if self.local.len() >= LOCAL_CACHE_CAP {
            // Between batches, where no slot is held: start the per-worker cache over.
            self.local.clear();
            self.verdicts.clear();
            self.slot_bits.clear();
            self.dict_slots = Default::default();
        }

        // Every row's verdict slots first, column by column (a dictionary column per distinct
        // value); then the rows, of which most only count.
        let mut slots = std::mem::take(&mut self.row_slots);
        let [license_slots, access_slots] = &mut slots;
        self.fill_slots(Kind::License, [&license, &version, &license_url], n, &batch.problems, license_slots);
        let has_access = access_col.is_some();
        if has_access {
            self.fill_slots(Kind::Access, [&access_col, &None, &None], n, &batch.problems, access_slots);
        }
        let [license_slots, access_slots] = &slots;
        let access_slots = has_access.then_some(access_slots.as_slice());
        match &url {
            // The usual URL column, read through a closure the compiler can inline into the row
            // loop rather than through `TextColumn::get`'s match on the layout (measured: about
            // 1% of the row loop; the id check below gained more).
            Some(TextColumn::Utf8(a)) if a.null_count() == 0 => {
                self.evaluate_rows(batch, license_slots, access_slots, &url, |i| Some(a.value(i)))
            }
            _ => self.evaluate_rows(batch, license_slots, access_slots, &url, |i| get(&url, i)),
        }
        self.row_slots = slots;
        let (spans, first) = (&self.shared.spans, batch.first_row);
        let pushed = match &id {
            // The usual id column: a closure the compiler can inline into the order check that
            // runs on every row (reading through `TextColumn::get` cost a call per row).
            Some(TextColumn::Utf8(a)) if a.null_count() == 0 => {
                self.ids.push_batch(spans, m, first, n, |i| Some(a.value(i)))
            }
            Some(col) => self.ids.push_batch(spans, m, first, n, |i| col.get(i)),
            None => Ok(()),
        };
        if let Err(e) = pushed {
            self.rec.errors.push(Error::Usage(format!("cannot write temporary file for duplicate ids: {e}")));
        }
    }

    /// The row loop of [`evaluate`](Self::evaluate): counts, findings and URL checks per row,
    /// given each row's verdict slots (access ones when the manifest has the column) and the
    /// URL of row `i` as `url_at(i)`.
    fn evaluate_rows<'b>(
        &mut self,
        batch: &'b ItemBatch,
        license_slots: &[u32],
        access_slots: Option<&[u32]>,
        url: &Option<TextColumn<'b>>,
        url_at: impl Fn(usize) -> Option<&'b str>,
    ) {
        let (m, n) = (batch.manifest, batch.num_rows());
        let has_access = access_slots.is_some();
        let id = batch.column(Field::Id);
        let evidence = batch.column(Field::Evidence);
        let mut problems = batch.problems.iter();
        // Most URL columns hold no whitespace or control byte at all: one scan of the batch's
        // bytes then spares every row its own.
        let urls_visible =
            url.as_ref().and_then(TextColumn::value_bytes).is_some_and(crate::policy::url::all_visible);
        let mut url_groups: [Option<(usize, Option<u64>)>; 9] = [None; 9];
        let at = |i: usize| At {
            manifest: m,
            row: batch.first_row + i as u64,
            line: batch.lines.as_ref().and_then(|l| l.get(i).copied()),
            id: get(&id, i),
            evidence: None,
        };

        let has_url = url.is_some();
        let mut i = 0;
        while i < n {
            // Most rows only count: judged values without findings, and a URL with the prefix
            // of the current run of one host (or no URL column). A tight loop of their own
            // keeps the rest of the row's work out of it.
            let prefix = self.url_prefix.as_ref();
            let (mut items, mut uncovered) = (0u64, 0u64);
            while i < n {
                // An unread row's slot is past `slot_bits`: it goes the long way.
                let Some(&bits) = self.slot_bits.get(license_slots[i] as usize) else { break };
                let access_bits =
                    access_slots.map_or(0, |a| self.slot_bits.get(a[i] as usize).map_or(NOISY, |b| *b));
                if (bits | access_bits) & NOISY != 0 {
                    break;
                }
                if has_url {
                    let (Some(p), Some(u)) = (prefix, url_at(i)) else { break };
                    if !(if urls_visible { p.starts(u) } else { p.matches(u) }) {
                        break;
                    }
                    items += 1;
                    uncovered += u64::from(!p.covered);
                }
                if let Some(label) = ((bits & LABEL_BITS) as usize).checked_sub(1) {
                    self.label_rows[label][i & 3] += 1;
                }
                i += 1;
            }
            self.run_tally.items += items;
            self.run_tally.uncovered += uncovered;
            if i == n {
                break;
            }
            // The long way: findings, a new host, a URL to check.
            'row: {
                let license_slot = license_slots[i] as usize;
                if license_slots[i] == UNREAD {
                    // The reader could not read this row: one finding, nothing else judged.
                    if let Some(p) = problems.find(|p| p.index == i) {
                        let g = self.rec.group(
                            Rule::ManifestRowInvalid,
                            self.policy.profile.severity(Rule::ManifestRowInvalid),
                            p.kind,
                            &p.message,
                        );
                        if self.rec.record(g, &at(i), &p.message, None, None) {
                            self.items_with_errors += 1;
                        }
                    }
                    break 'row;
                }
                let mut has_error = false;

                // License and access restrictions: judged once per distinct value already.
                let bits = self.slot_bits[license_slot];
                if let Some(label) = ((bits & LABEL_BITS) as usize).checked_sub(1) {
                    self.label_rows[label][i & 3] += 1;
                }
                let mut noisy = bits & NOISY != 0;
                let access_slot = access_slots.map_or(usize::MAX, |a| a[i] as usize);
                if has_access {
                    noisy |= self.slot_bits[access_slot] & NOISY != 0;
                }
                if noisy {
                    let at = at(i);
                    has_error |= self.record_verdict(license_slot, &At { evidence: get(&evidence, i), ..at });
                    if has_access {
                        has_error |= self.record_verdict(access_slot, &at);
                    }
                }

                // Access location.
                let raw_url = url_at(i);
                if let (Some(fast), Some(u)) = (&self.url_prefix, raw_url)
                    && (if urls_visible { fast.starts(u) } else { fast.matches(u) })
                {
                    // Same host as the current run (see `tally_host`), coverage known.
                    self.run_tally.items += 1;
                    self.run_tally.uncovered += u64::from(!fast.covered);
                } else if let Some(u) = raw_url
                    && self.prev_prefix.as_ref().is_some_and(|(p, _)| p.matches(u))
                    && let Some((prev, host)) = self.prev_prefix.take()
                {
                    // Back to the run before (the current prefix becomes the previous one).
                    self.tally_host(&host, prev.covered);
                    self.url_prefix = Some(prev);
                } else if url.is_some() {
                    let problem = match raw_url.map(str::trim).filter(|u| !u.is_empty()) {
                        None => Some((Rule::AccessLocationMissing, None, 8usize)),
                        Some(u) => match self.url_memo.check(u) {
                            Ok((host, path)) => {
                                let covered = self.policy.locations.covers_path(host, path);
                                self.tally_host(host, covered);
                                if raw_url.is_some_and(|r| r.len() == u.len()) {
                                    let locations = &self.policy.locations;
                                    self.url_prefix = UrlPrefix::of(u, host, path, |dir| {
                                        locations.covers_all_under(host, dir)
                                    });
                                }
                                None
                            }
                            Err(p) => Some((Rule::AccessLocationInvalid, Some((u, p)), p as usize)),
                        },
                    };
                    if let Some((rule, detail, slot)) = problem {
                        let (g, kind) = match url_groups[slot] {
                            Some(found) => found,
                            None => {
                                let (key, message) = match detail {
                                    Some((_, p)) => {
                                        (p.describe(), format!("the access URL {}", p.describe()))
                                    }
                                    None => ("no url", NO_URL.to_string()),
                                };
                                let g =
                                    self.rec.group(rule, self.policy.profile.severity(rule), key, &message);
                                // A missing URL's finding has fixed texts; an invalid one quotes it.
                                let kind = detail.is_none().then(|| self.new_kinds(1));
                                url_groups[slot] = Some((g, kind));
                                (g, kind)
                            }
                        };
                        let active = match detail {
                            Some((u, p)) => {
                                let shown = quote(u);
                                let msg = format!("access URL `{shown}` {}", p.describe());
                                self.rec.record(g, &at(i), &msg, Some(&shown), None)
                            }
                            None => self.rec.record(g, &at(i), NO_URL, None, kind),
                        };
                        has_error |= active && self.policy.profile.severity(rule) == Severity::Error;
                    }
                }

                if has_error {
                    self.items_with_errors += 1;
                }
            }
            i += 1;
        }
    }

    /// Fills `out` with the verdict slot of each of the batch's `n` rows for one kind of value
    /// (`cols`: the value column, and for licenses the version and license URL columns beside
    /// it). Rows the reader could not read (`problems`, sorted by index) get [`UNREAD`] and are
    /// not judged. A dictionary column (with nothing beside it, as the verdict key is then the
    /// value alone) maps its keys through per-dictionary slots, kept while the next batch has
    /// the same dictionary: Parquet row groups hand every batch the column chunk's dictionary.
    fn fill_slots(
        &mut self,
        kind: Kind,
        cols: [&Option<TextColumn>; 3],
        n: usize,
        problems: &[manifest::RowProblem],
        out: &mut Vec<u32>,
    ) {
        let which = kind as usize;
        out.clear();
        let [col, version, license_url] = cols;
        let dict =
            col.as_ref().and_then(|c| c.dictionary()).filter(|_| version.is_none() && license_url.is_none());
        let Some((keys, values)) = dict else {
            let mut problems = problems.iter().peekable();
            for i in 0..n {
                if problems.next_if(|p| p.index == i).is_some() {
                    out.push(UNREAD);
                    continue;
                }
                let slot = self.judged(kind, get(col, i), get(version, i), get(license_url, i));
                out.push(u32::try_from(slot).unwrap_or(UNREAD));
            }
            return;
        };
        let same = self.dict_values[which].as_ref().is_some_and(|held| same_array(held, values));
        if !same {
            // Holding the dictionary keeps its buffers alive, so equal pointers mean equal values.
            self.dict_values[which] = Some(values.clone());
            self.dict_slots[which].clear();
        }
        let map = &mut self.dict_slots[which];
        if map.len() < values.len() + 1 {
            map.resize(values.len() + 1, UNJUDGED);
        }
        keys.map_into(map, UNJUDGED, out);
        for p in problems {
            if let Some(slot) = out.get_mut(p.index) {
                *slot = UNREAD;
            }
        }
        // Once a dictionary's values are judged (after its first batch or so), no row is left to
        // judge: a branch-free scan says so and spares the per-row pass.
        if !out.iter().fold(false, |any, &slot| any | (slot == UNJUDGED)) {
            return;
        }
        for (i, slot) in out.iter_mut().enumerate() {
            if *slot == UNJUDGED {
                *slot = u32::try_from(self.dict_slot(kind, keys.key(i), values)).unwrap_or(UNREAD);
            }
        }
    }

    /// Counts an item's host (as written; case is folded once at the end). Items of one host come
    /// in long runs, so the current run is tallied apart and flushed into the map when the host
    /// changes. Past [`HOST_CAP`] distinct hosts the rest share one entry, keeping memory bounded.
    fn tally_host(&mut self, host: &str, covered: bool) {
        if self.run_host != host {
            self.flush_host_run();
            // The URL prefix counts into the current run: it leaves with it, as the previous one.
            let old = std::mem::replace(&mut self.run_host, host.to_string());
            self.prev_prefix = self.url_prefix.take().map(|p| (p, old));
        }
        self.run_tally.items += 1;
        if !covered {
            self.run_tally.uncovered += 1;
        }
    }

    fn flush_host_run(&mut self) {
        let run = std::mem::take(&mut self.run_tally);
        if run.items == 0 {
            return;
        }
        let tally = match self.hosts.get_mut(self.run_host.as_str()) {
            Some(t) => t,
            None => {
                let key =
                    if self.hosts.len() < HOST_CAP { self.run_host.clone() } else { OTHER_HOSTS.to_string() };
                self.hosts.entry(key).or_default()
            }
        };
        tally.items += run.items;
        tally.uncovered += run.uncovered;
    }

    /// Finds (or judges) the verdict for a value; returns its slot. The key is built in a reused
    /// buffer, so a value seen before costs one hash lookup and no allocation.
    fn judged(&mut self, kind: Kind, raw: Option<&str>, version: Option<&str>, url: Option<&str>) -> usize {
        self.key_buf.clear();
        self.key_buf.push(match kind {
            Kind::License => 'L',
            Kind::Access => 'A',
        });
        self.key_buf.push_str(raw.unwrap_or(""));
        for part in [version, url].into_iter().flatten() {
            self.key_buf.push('\u{1f}');
            self.key_buf.push_str(part);
        }
        if let Some(&slot) = self.local.get(self.key_buf.as_str()) {
            return slot;
        }
        let key = self.key_buf.clone();
        let policy = self.policy;
        let verdict = self.shared.cache.get(&key, || match kind {
            Kind::License => policy.judge_license(raw, version, url),
            Kind::Access => access::judge(raw, &|r| policy.profile.severity(r)),
        });
        let groups: Vec<usize> = verdict
            .findings
            .iter()
            .map(|f: &FindingSpec| self.rec.group(f.rule, f.severity, &f.key, &f.message))
            .collect();
        let label = matches!(kind, Kind::License).then(|| self.label(&verdict.label));
        // The value findings quote: a function of the key, so shown once per distinct value.
        // Blank is no value, as an empty CSV cell is.
        let value = raw
            .map(|r| match (kind, version) {
                (Kind::License, Some(v)) => quote(&format!("{r} {v}")),
                _ => quote(r),
            })
            .filter(|v| !v.is_empty());
        let slot = self.verdicts.len();
        let label_bits = label.map_or(0, |l| u32::try_from(l + 1).unwrap_or(0) & LABEL_BITS);
        self.slot_bits.push(label_bits | if groups.is_empty() { 0 } else { NOISY });
        let kinds = self.new_kinds(groups.len());
        self.verdicts.push(LocalVerdict { verdict, groups, kinds, value });
        self.local.insert(key, slot);
        slot
    }

    /// The verdict slot for a dictionary key (None for a null row), judged on first use in the
    /// current dictionary and remembered there.
    fn dict_slot(&mut self, kind: Kind, key: Option<usize>, values: &arrow_array::StringArray) -> usize {
        let which = kind as usize;
        // A key past the dictionary (which Arrow does not build) is judged as a null each time.
        let idx = key.map_or(0, |k| k.saturating_add(1));
        if let Some(&slot) = self.dict_slots[which].get(idx)
            && slot != UNJUDGED
        {
            // Judged for an earlier row of this batch.
            return slot as usize;
        }
        let raw = key.and_then(|k| (k < values.len() && !values.is_null(k)).then(|| values.value(k)));
        let slot = self.judged(kind, raw, None, None);
        if let Some(s) = self.dict_slots[which].get_mut(idx) {
            *s = u32::try_from(slot).unwrap_or(UNJUDGED);
        }
        slot
    }

    /// Records the findings of a judged value for one row; returns whether one is an error.
    fn record_verdict(&mut self, slot: usize, at: &At) -> bool {
        let lv = &self.verdicts[slot];
        let mut has_error = false;
        for ((&g, spec), kind) in lv.groups.iter().zip(&lv.verdict.findings).zip(lv.kinds..) {
            let active = self.rec.record(g, at, &spec.message, lv.value.as_deref(), Some(kind));
            has_error |= active && spec.severity == Severity::Error;
        }
        has_error
    }

    fn merge(&mut self, mut other: Accum) -> Result<()> {
        self.flush_host_run();
        other.flush_host_run();
        self.fold_label_rows();
        other.fold_label_rows();
        for (i, n) in other.rows.iter().enumerate() {
            self.rows[i] += n;
        }
        for (i, h) in other.has_url.iter().enumerate() {
            self.has_url[i] |= h;
        }
        for (host, t) in other.hosts {
            let mine = self.hosts.entry(host).or_default();
            mine.items += t.items;
            mine.uncovered += t.uncovered;
        }
        self.items_with_errors += other.items_with_errors;
        for g in other.rec.groups {
            let i = self.rec.group_with(g.rule, g.severity, &g.key, &g.message, g.waived);
            let mine = &mut self.rec.groups[i];
            mine.count += g.count;
            mine.examples.extend(g.examples);
            mine.examples.sort_by_key(|(m, r, _)| (*m, *r));
            mine.examples.truncate(EXAMPLES);
        }
        for (label, n) in other.labels {
            let i = self.label(&label);
            self.labels[i].1 += n;
        }
        for f in other.rec.findings {
            self.rec.findings.push(f);
            if self.rec.findings.len() > self.rec.max_findings {
                self.rec.findings.pop();
            }
        }
        self.ids
            .merge(other.ids)
            .map_err(|e| Error::Usage(format!("cannot merge duplicate-id runs: {e}")))?;
        self.rec.errors.extend(other.rec.errors);
        Ok(())
    }
}

/// Turns the merged accumulator into the report, adding what only the whole collection shows.
fn build_report(
    mut acc: Accum,
    manifests: &[Manifest],
    policy: &Policy,
    config: &Config,
    declared: &[String],
    (max_findings, threads): (usize, usize),
    mut findings_file: Option<&mut FindingsFile>,
) -> Result<Report> {
    let items: u64 = acc.rows.iter().sum();
    if items == 0 {
        let names: Vec<&str> = manifests.iter().map(|m| m.display.as_str()).collect();
        return Err(Error::input(
            manifests.first().map_or(std::path::Path::new("."), |m| m.path.as_path()),
            format!("no items: the manifest(s) hold no rows ({})", names.join(", ")),
        ));
    }

    // Duplicate ids, found by merging the workers' sorted runs.
    let ids = std::mem::take(&mut acc.ids);
    let mut dups: Vec<Duplicate> = Vec::new();
    let mut dup_count = 0u64;
    let dup_rule = Rule::DuplicateItemId;
    let dup_message = |d: &Duplicate| {
        format!(
            "id `{}` is also on row {} of {}",
            quote(&d.id),
            d.first_row,
            manifests[d.first_manifest].display
        )
    };
    let mut write_error = None;
    let mut dup_encoder = findings_file.as_ref().map(|f| Encoder::new(f.format()));
    ids.finish(threads, &mut |d| {
        dup_count += 1;
        // The findings file gets every duplicate (in id-hash order, after the other findings).
        if let (Some(file), Some(enc)) = (findings_file.as_deref_mut(), dup_encoder.as_mut())
            && write_error.is_none()
        {
            let waived = policy.exceptions.waiver(dup_rule, Some(&d.id));
            let (message, value) = (dup_message(&d), quote(&d.id));
            let f = FindingRef {
                rule: dup_rule.code(),
                severity: policy.profile.severity(dup_rule),
                item: Some(&d.id),
                manifest: Some(&manifests[d.manifest].display),
                row: Some(d.row),
                line: None,
                message: &message,
                value: Some(&value),
                evidence: None,
                waived: waived.and_then(|x| policy.exceptions.get(x)).map(|e| e.reason.as_str()),
                kind: None,
                manifest_index: Some(d.manifest),
            };
            enc.push(&f);
            if enc.len() >= CHUNK_ROWS {
                let rows = enc.len();
                write_error = enc.take().and_then(|chunk| file.append(chunk, rows).err());
            }
        }
        dups.push(d);
        // Keep memory bounded: only the first findings are shown; the rest are counted.
        if dups.len() > max_findings.max(EXAMPLES) * 4 {
            dups.sort_by_key(|d| (d.manifest, d.row));
            dups.truncate(max_findings.max(EXAMPLES));
        }
    })
    .map_err(|e| Error::Usage(format!("cannot read temporary file for duplicate ids: {e}")))?;
    if let (Some(file), Some(enc)) = (findings_file, dup_encoder.as_mut())
        && write_error.is_none()
    {
        let rows = enc.len();
        write_error = enc.take().and_then(|chunk| file.append(chunk, rows).err());
    }
    if let Some(e) = write_error {
        return Err(e);
    }
    dups.sort_by_key(|d| (d.manifest, d.row));
    if dup_count > 0 {
        let rule = dup_rule;
        let g = acc.rec.group(
            rule,
            policy.profile.severity(rule),
            "repeated id",
            "the same id is on more than one row",
        );
        // Already written to the findings file above.
        acc.rec.out = None;
        for d in &dups {
            let at = At { manifest: d.manifest, row: d.row, line: None, id: Some(&d.id), evidence: None };
            acc.rec.record(g, &at, &dup_message(d), Some(&quote(&d.id)), None);
        }
        // Count the duplicates that were not kept in memory (waived ones are counted by record).
        let shown = dups.len() as u64;
        if dup_count > shown {
            acc.rec.groups[g].count += dup_count - shown;
        }
    }

    // Collection-level: a manifest without a url column cannot show a single location.
    let mut collection_findings = Vec::new();
    for (i, m) in manifests.iter().enumerate() {
        if acc.rows[i] > 0 && !acc.has_url[i] {
            let rule = Rule::AccessLocationMissing;
            let message = format!(
                "{} has no url column: the single-location criterion cannot be checked (map one with --column url=NAME)",
                m.display
            );
            let g = acc.rec.group(rule, Severity::Warning, "no url column", &message);
            acc.rec.groups[g].count += 1;
            collection_findings.push(Finding::collection(
                rule.code(),
                Severity::Warning,
                Some(m.display.clone()),
                message,
            ));
        }
    }

    // Collection rules, from the merged tallies.
    acc.flush_host_run();
    let labels: BTreeMap<String, u64> = acc.labels.iter().cloned().collect();
    let mut hosts: BTreeMap<String, HostTally> = BTreeMap::new();
    for (host, t) in &acc.hosts {
        // Workers lowercase independently; fold again so one host is one entry.
        let e = hosts.entry(host.to_ascii_lowercase()).or_default();
        e.items += t.items;
        e.uncovered += t.uncovered;
    }
    let by_host =
        crate::report::cap_hosts(hosts.iter().map(|(h, t)| (h.clone(), t.items)), crate::report::MAX_HOSTS);
    for f in collection::judge(&labels, &hosts, declared, policy) {
        let severity = f.severity;
        let waived = policy.exceptions.waiver(f.rule, None);
        let g = acc.rec.group_with(f.rule, severity, &f.key, &f.message, waived);
        acc.rec.groups[g].count += 1;
        collection_findings.push(Finding {
            waived: waived.and_then(|x| policy.exceptions.get(x)).map(|e| e.reason.clone()),
            ..Finding::collection(f.rule.code(), severity, None, f.message)
        });
    }

    let mut by_rule: BTreeMap<String, u64> = BTreeMap::new();
    let mut waived: BTreeMap<String, u64> = BTreeMap::new();
    for g in acc.rec.groups.iter().filter(|g| g.count > 0) {
        let counts = if g.waived.is_some() { &mut waived } else { &mut by_rule };
        *counts.entry(g.rule.code().to_string()).or_default() += g.count;
    }
    let reason = |x: Option<usize>| x.and_then(|x| policy.exceptions.get(x)).map(|e| e.reason.clone());
    let by_license: BTreeMap<String, u64> = acc.labels.iter().filter(|(_, n)| *n > 0).cloned().collect();

    let mut groups: Vec<Group> = acc
        .rec
        .groups
        .into_iter()
        .filter(|g| g.count > 0)
        .map(|g| Group {
            rule: g.rule.code().to_string(),
            severity: g.severity,
            key: g.key,
            count: g.count,
            examples: g.examples.into_iter().map(|(_, _, item)| item).collect(),
            waived: reason(g.waived),
            message: g.message,
        })
        .collect();
    groups.sort_by(|a, b| {
        // Active findings first; waived ones after, still listed.
        (a.waived.is_some().cmp(&b.waived.is_some()))
            .then(b.severity.cmp(&a.severity))
            .then(b.count.cmp(&a.count))
            .then(a.rule.cmp(&b.rule))
            .then(a.key.cmp(&b.key))
    });

    let total_item_findings: u64 =
        groups.iter().map(|g| g.count).sum::<u64>() - collection_findings.len() as u64;
    let mut retained = acc.rec.findings.into_sorted_vec();
    retained.truncate(max_findings);
    let findings_truncated = total_item_findings > retained.len() as u64;
    let mut findings = collection_findings;
    findings.extend(retained.into_iter().map(|r| Finding {
        rule: r.rule.code().to_string(),
        severity: r.severity,
        item: Some(r.item),
        manifest: Some(manifests[r.manifest].display.clone()),
        row: Some(r.row),
        line: r.line,
        message: r.message,
        value: r.value,
        evidence: r.evidence,
        waived: reason(r.waived),
    }));

    let active = |severity: Severity| groups.iter().any(|g| g.severity == severity && g.waived.is_none());
    let verdict = if active(Severity::Error) {
        Verdict::Fail
    } else if active(Severity::Warning) {
        Verdict::Review
    } else {
        Verdict::Pass
    };

    Ok(Report {
        schema_version: crate::report::SCHEMA_VERSION,
        tool: Tool::default(),
        collection: Collection {
            dpg_type: policy.dpg_type.as_str(),
            profile: policy.profile.name.clone(),
            manifests: manifests.iter().map(|m| m.display.clone()).collect(),
            items,
            name: config.name.clone(),
        },
        verdict,
        summary: Summary {
            items,
            items_with_errors: acc.items_with_errors,
            by_rule,
            by_license,
            waived,
            unused_exceptions: policy.exceptions.unused(),
            by_host,
        },
        groups,
        findings,
        findings_truncated,
    })
}
