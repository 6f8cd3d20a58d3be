//! Threads, in one place. Everything else in the crate is single-threaded and blocking-free; this
//! module decides who does what:
//!
//! * [`scan`]: one collection's manifests. A reader thread walks them in order; Parquet row
//!   groups go to the workers as tasks (workers decode them), the text formats and IPC are parsed
//!   by the reader and sent as batches. The channel between them is bounded, so at most
//!   `2 x threads` units wait in memory. Each worker observes into its own [`Partial`]; the
//!   partials are merged at the end, so output does not depend on scheduling. With a findings
//!   file, a writer thread puts the workers' encoded chunks in unit order.
//! * [`ordered_map`]: many small independent jobs (a portal batch's datasets) on one pool, each
//!   job single-threaded, results handed on in input order as they finish.
//!
//! A pool is never built inside a pool's job: a worker blocked on an inner pool would steal
//! outer jobs onto its own stack (a portal batch of a few hundred datasets once overflowed it).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Condvar, Mutex};

use crate::config::Config;
use crate::dedup::{IdCollector, SortedSpans};
use crate::engine::{Auditor, ChunkSink, Origin, Output, Partial, Settings};
use crate::error::{Error, Result};
use crate::manifest::{self, Field, ItemBatch, Manifest, ReadOptions, Unit};
use crate::progress::Progress;
use crate::report::Report;
use crate::report::findings::{Chunk, Encoder, FindingsFile};
use arrow_array::RecordBatch;
use std::path::Path;

/// How far (in units) the reader may run ahead of the findings writer. Units finish out of
/// order; the writer holds the early finishers until the ones before them arrive, so this bounds
/// that backlog (and with it memory) whatever the scheduling.
const WRITE_WINDOW_PER_THREAD: u64 = 4;

// The findings writer's budget (`crate::limits::findings_buffer_bytes`, 256 MiB by default):
// the most bytes of encoded findings it holds for units that finished ahead of their turn.
// Units are row groups of any size, so a window counted in units alone would let memory grow
// with row-group size x threads; past the budget, workers on later units wait (the worker of
// the unit being written never does, so the run always moves).

/// The findings writer's backlog, for workers to wait on: the unit being written, the bytes held
/// for later units, and whether the writer stopped.
#[derive(Debug, Default)]
struct Held {
    state: Mutex<(u64, usize, bool)>,
    changed: Condvar,
}

impl Held {
    fn update(&self, f: impl FnOnce(&mut (u64, usize, bool))) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
        self.changed.notify_all();
    }

    /// Blocks a worker about to hand over `size` bytes for unit `seq` while the backlog is over
    /// budget and `seq` is not the unit being written.
    fn wait_room(&self, seq: u64, size: usize) {
        let budget = crate::limits::findings_buffer_bytes();
        let Ok(mut s) = self.state.lock() else { return };
        while !s.2 && seq != s.0 && s.1 > 0 && s.1 + size > budget {
            match self.changed.wait_timeout(s, std::time::Duration::from_millis(50)) {
                Ok((next, _)) => s = next,
                Err(_) => return,
            }
        }
    }
}

/// A pool of `threads` workers (0: one per core).
pub fn pool(threads: usize, name: &'static str) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(move |i| format!("dpg-audit-{name}-{i}"))
        .build()
        .map_err(|e| Error::io_op(&format!("starting {threads} worker threads"), &std::io::Error::other(e)))
}

/// Audits a collection's manifests on `threads` threads and finishes its report. With
/// `findings_file`, every per-item finding is streamed to it in manifest order.
pub fn audit(
    auditor: &Auditor,
    manifests: &[Manifest],
    read_opts: &ReadOptions,
    threads: usize,
    progress: bool,
    findings_file: Option<FindingsFile>,
) -> Result<Report> {
    let threads =
        if threads == 0 { std::thread::available_parallelism().map_or(1, usize::from) } else { threads };
    let pool = pool(threads, "worker")?;
    let (total, file) = scan(&pool, auditor, manifests, read_opts, threads, progress, findings_file)?;
    pool.install(|| auditor.finish_with(total, threads, file))
}

/// Observes batches handed over by a caller (an Arrow stream from another engine, e.g. a
/// DataFrame of the Python package) into one partial, on `threads` workers (0: one per core).
/// The calling thread pulls the batches in order, cuts them into `batch_size` rows and numbers
/// them from `start`; each worker observes into its own partial and they are merged, so the
/// result does not depend on scheduling. At most `2 x threads` slices wait in memory beyond the
/// caller's own batches.
pub fn observe_batches(
    auditor: &Auditor,
    batches: &mut dyn Iterator<Item = Result<RecordBatch>>,
    start: Origin,
    threads: usize,
    batch_size: usize,
) -> Result<Partial> {
    let threads =
        if threads == 0 { std::thread::available_parallelism().map_or(1, usize::from) } else { threads };
    let batch_size = batch_size.max(1);
    if threads == 1 {
        let mut partial = auditor.partial();
        let mut row = start.first_row;
        for batch in batches {
            let batch = batch?;
            for (offset, len) in slices(batch.num_rows(), batch_size) {
                let origin = Origin { manifest: start.manifest, first_row: row };
                auditor.observe(&mut partial, &batch.slice(offset, len), origin)?;
                row += len as u64;
            }
        }
        return Ok(partial);
    }
    let (tx, rx) = sync_channel::<(RecordBatch, Origin)>(threads * 2);
    let rx = Mutex::new(rx);
    let abort = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|i| {
                let (rx, abort) = (&rx, &abort);
                std::thread::Builder::new()
                    .name(format!("dpg-audit-batches-{i}"))
                    .spawn_scoped(scope, move || -> Result<Partial> {
                        let mut partial = auditor.partial();
                        let mut failed = None;
                        loop {
                            let next = match rx.lock() {
                                Ok(rx) => rx.recv(),
                                Err(_) => return Err(Error::internal("a worker of the batches stopped")),
                            };
                            let Ok((batch, origin)) = next else { break };
                            // After a failure the worker still takes what was sent, so the
                            // reader never waits on a full channel nobody empties.
                            if failed.is_none()
                                && let Err(e) = auditor.observe(&mut partial, &batch, origin)
                            {
                                abort.store(true, Ordering::Relaxed);
                                failed = Some(e);
                            }
                        }
                        match failed {
                            Some(e) => Err(e),
                            None => Ok(partial),
                        }
                    })
                    .map_err(|e| Error::io_op(&format!("starting {threads} worker threads"), &e))
            })
            .collect::<Result<_>>()?;
        let mut read = Ok(());
        let mut row = start.first_row;
        'read: for batch in batches {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    read = Err(e);
                    break;
                }
            };
            for (offset, len) in slices(batch.num_rows(), batch_size) {
                let origin = Origin { manifest: start.manifest, first_row: row };
                // A worker that failed stops the reading; its error is the one reported.
                if abort.load(Ordering::Relaxed) || tx.send((batch.slice(offset, len), origin)).is_err() {
                    break 'read;
                }
                row += len as u64;
            }
        }
        drop(tx);
        let mut total: Option<Partial> = None;
        let mut failed = None;
        for worker in workers {
            match worker.join() {
                Ok(Ok(p)) => match total.as_mut() {
                    Some(t) => t.merge(p)?,
                    None => total = Some(p),
                },
                Ok(Err(e)) => failed = failed.or(Some(e)),
                Err(_) => failed = failed.or(Some(Error::internal("a worker of the batches panicked"))),
            }
        }
        if let Some(e) = failed {
            return Err(e);
        }
        read?;
        Ok(total.unwrap_or_else(|| auditor.partial()))
    })
}

/// `(offset, len)` of consecutive slices of at most `size` rows.
fn slices(rows: usize, size: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..rows).step_by(size).map(move |o| (o, size.min(rows - o)))
}

/// The findings file's progress, for the reader to wait on.
#[derive(Debug, Default)]
struct WriteGate {
    /// Units written so far (all units with a smaller sequence number are on disk).
    written: Mutex<u64>,
    moved: Condvar,
}

/// What workers send the findings writer.
#[derive(Debug)]
enum Out {
    /// Encoded findings of unit `seq` (a unit may send several).
    Chunk(u64, Chunk, usize),
    /// Unit `seq` is finished.
    Done(u64),
}

/// A worker's chunks, on their way to the writer thread.
struct ToWriter(SyncSender<Out>, std::sync::Arc<Held>);

impl ChunkSink for ToWriter {
    fn chunk(&mut self, seq: u64, chunk: Chunk, rows: usize) -> Result<()> {
        self.1.wait_room(seq, chunk.size());
        self.0.send(Out::Chunk(seq, chunk, rows)).map_err(|_| Error::internal("the findings writer stopped"))
    }
    fn done(&mut self, seq: u64) -> Result<()> {
        self.0.send(Out::Done(seq)).map_err(|_| Error::internal("the findings writer stopped"))
    }
}

/// Reads every manifest and observes every row, in parallel, into one merged partial (the ids
/// of increasing spans read again when they do not prove themselves distinct). With a findings
/// file, each unit's findings are written in unit order by a writer thread, so the file is the
/// same whatever the scheduling; with one thread the worker writes it itself, and the file stays
/// in the returned partial's output.
#[allow(clippy::too_many_arguments)]
fn scan(
    pool: &rayon::ThreadPool,
    auditor: &Auditor,
    manifests: &[Manifest],
    read_opts: &ReadOptions,
    threads: usize,
    progress: bool,
    findings_file: Option<FindingsFile>,
) -> Result<(Partial, Option<FindingsFile>)> {
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
    let held = std::sync::Arc::new(Held::default());
    let window = WRITE_WINDOW_PER_THREAD * threads as u64;
    let abort = AtomicBool::new(false);
    let progress = Progress::new(progress);
    if progress.is_shown() {
        // Parquet footers give exact row counts; for other formats the bar stays a counter.
        let counts: Option<Vec<u64>> =
            manifests.iter().map(|m| manifest::parquet::row_count(&m.path)).collect();
        if let Some(counts) = counts {
            progress.set_total(counts.iter().sum());
        }
    }
    let results: Mutex<Vec<Partial>> = Mutex::new(Vec::new());

    let read_result = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let Some(file) = findings_file else { return Ok(None) };
            let result = write_in_order(file, out_rx, &gate, &held);
            held.update(|s| s.2 = true);
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
                    let mut partial = auditor.partial();
                    if let Some(format) = format {
                        let sink: Box<dyn ChunkSink> = match direct.lock().ok().and_then(|mut d| d.take()) {
                            Some(file) => Box::new(file),
                            None => Box::new(ToWriter(out_tx.clone(), held.clone())),
                        };
                        partial.rec.out = Some(Output { sink, seq: 0, encoder: Encoder::new(format) });
                    }
                    worker(&rx, auditor, &mut partial, read_opts.batch_size, &abort, &progress);
                    // A writer's sender must go now, or the findings writer would wait for it
                    // forever; the file itself (one worker) stays with the partial.
                    if threads > 1 {
                        partial.rec.out = None;
                    }
                    if let Ok(mut r) = results.lock() {
                        r.push(partial);
                    }
                });
            }
        });
        drop(out_tx);
        let read = reader.join().unwrap_or_else(|_| Err(Error::internal("the reader thread failed")));
        let written = writer.join().unwrap_or_else(|_| Err(Error::internal("the findings writer failed")));
        read.and(written)
    });
    progress.finish();
    let findings_file = read_result?;

    let partials = results.into_inner().map_err(|_| Error::internal("a worker thread failed"))?;
    let mut iter = partials.into_iter();
    let mut total = iter.next().ok_or_else(|| Error::internal("no worker ran"))?;
    for partial in iter {
        total.merge(partial)?;
    }
    total.settle();
    if let Some(err) = total.rec.errors.drain(..).next() {
        return Err(err);
    }
    let spans = std::mem::take(&mut total.spans);
    if !spans.is_empty() && (!total.ids.is_empty() || !spans.is_chain()) {
        reread_ids(pool, manifests, read_opts, threads, &spans, &total.rows, &mut total.ids)?;
    }
    Ok((total, findings_file))
}

/// Reads the manifests again for the ids of the rows that were only summed up as increasing
/// spans, when the spans cannot prove the ids distinct on their own (some batch was out of order,
/// or a span does not continue the order of the one before). This second pass costs one more
/// decode; it only happens for collections partly in id order. The rows must come out as they
/// did the first time: a manifest that changed in between is an error, not a silent miss.
fn reread_ids(
    pool: &rayon::ThreadPool,
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
    let workers: Mutex<Vec<Result<SpanIds>>> = Mutex::new(Vec::new());
    let read = std::thread::scope(|scope| {
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
        pool.scope(|s| {
            for _ in 0..threads {
                s.spawn(|_| {
                    let result =
                        collect_span_ids(&rx, &ranges, manifests.len(), read_opts.batch_size, &abort);
                    if let Ok(mut w) = workers.lock() {
                        w.push(result);
                    }
                });
            }
        });
        reader.join().unwrap_or_else(|_| Err(Error::internal("the reader thread failed")))
    });
    read?;
    let mut seen = vec![0u64; manifests.len()];
    for w in workers.into_inner().map_err(|_| Error::internal("a worker thread failed"))? {
        let (ids, s) = w?;
        into.merge(ids).map_err(|e| Error::io_op("merging duplicate-id runs", &e))?;
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

/// What a worker of [`reread_ids`] read: the ids, and the rows seen per manifest.
type SpanIds = (IdCollector, Vec<u64>);

/// A worker of [`reread_ids`]: the ids of the span rows in the units it takes.
fn collect_span_ids(
    rx: &Mutex<Receiver<Unit>>,
    ranges: &[(usize, std::ops::Range<u64>)],
    manifests: usize,
    batch_size: usize,
    abort: &AtomicBool,
) -> Result<SpanIds> {
    let mut ids = IdCollector::default();
    let mut seen = vec![0u64; manifests];
    let mut each = |batch: ItemBatch| push_span_ids(&batch, ranges, &mut ids, &mut seen);
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
        let read = unit.batches(batch_size, &mut |batch| {
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
}

/// The ids of `batch`'s rows that lie in `ranges` (sorted spans), into `ids`; its rows are
/// counted in `seen`.
fn push_span_ids(
    batch: &ItemBatch,
    ranges: &[(usize, std::ops::Range<u64>)],
    ids: &mut IdCollector,
    seen: &mut [u64],
) -> Result<()> {
    if let Some(s) = seen.get_mut(batch.manifest) {
        *s += batch.num_rows() as u64;
    }
    let Some(column) = batch.column(Field::Id) else { return Ok(()) };
    let (m, start) = (batch.manifest, batch.first_row);
    let end = start + batch.num_rows() as u64;
    let from = ranges.partition_point(|(mi, r)| (*mi, r.end) <= (m, start));
    for (_, r) in ranges[from..].iter().take_while(|(mi, r)| *mi == m && r.start < end) {
        for row in r.start.max(start)..r.end.min(end) {
            if let Some(id) = column.get((row - start) as usize) {
                ids.push(m, row, id)
                    .map_err(|e| Error::io_op("writing a temporary file for duplicate ids", &e))?;
            }
        }
    }
    Ok(())
}

/// Where a caller's batches come from, for [`audit_batches`]: each call hands them over again
/// from the start (a table in memory exports its stream as often as asked).
pub type BatchSource<'a> = dyn FnMut() -> Result<Box<dyn Iterator<Item = Result<RecordBatch>> + 'a>> + 'a;

/// Audits a caller's batches that it can hand over twice (a pyarrow Table, a Polars DataFrame)
/// as the CLI audits a file: ids in increasing order are only summed up as spans, and the
/// batches are read a second time, for the ids of those spans, only when the spans cannot prove
/// the ids distinct on their own. Rows are numbered from 1 in manifest 0 of
/// `manifests`. A source that hands over other rows the second time is an input error.
pub fn audit_batches(
    config: &Config,
    settings: &Settings,
    manifests: Vec<String>,
    source: &mut BatchSource<'_>,
    threads: usize,
    batch_size: usize,
) -> Result<Report> {
    let auditor = Auditor::new(config, settings, manifests)?.rereading();
    let threads =
        if threads == 0 { std::thread::available_parallelism().map_or(1, usize::from) } else { threads };
    let batch_size = batch_size.max(1);
    let start = Origin { manifest: 0, first_row: 1 };
    let mut total = observe_batches(&auditor, &mut *source()?, start, threads, batch_size)?;
    total.settle();
    if let Some(err) = total.rec.errors.drain(..).next() {
        return Err(err);
    }
    let spans = std::mem::take(&mut total.spans);
    if !spans.is_empty() && (!total.ids.is_empty() || !spans.is_chain()) {
        let ranges = spans.ranges();
        let mut seen = vec![0u64; auditor.manifests.len()];
        let mut row = 1u64;
        for batch in source()? {
            let batch = batch?;
            // Cut as the first pass cut them, so each slice's columns resolve the same way.
            for (offset, len) in slices(batch.num_rows(), batch_size) {
                let items =
                    auditor.items(&batch.slice(offset, len), Origin { manifest: 0, first_row: row })?;
                push_span_ids(&items, &ranges, &mut total.ids, &mut seen)?;
                row += len as u64;
            }
        }
        if seen.first() != total.rows.first() {
            return Err(Error::input(
                Path::new(auditor.manifests.first().map_or("", String::as_str)),
                format!(
                    "changed while it was being read: {} rows, then {} when read again for duplicate ids",
                    total.rows.first().copied().unwrap_or(0),
                    seen.first().copied().unwrap_or(0)
                ),
            ));
        }
    }
    auditor.finish_with(total, threads, None)
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

/// The findings writer: writes the findings of unit `next` as they come, and holds those of later
/// units (already finished by other workers) until their turn.
fn write_in_order(
    mut file: FindingsFile,
    rx: Receiver<Out>,
    gate: &WriteGate,
    held: &Held,
) -> Result<FindingsFile> {
    let mut pending: BTreeMap<u64, (Vec<(Chunk, usize)>, bool)> = BTreeMap::new();
    let mut next = 0u64;
    for msg in rx {
        match msg {
            Out::Chunk(seq, chunk, rows) if seq == next => file.append(chunk, rows)?,
            Out::Chunk(seq, chunk, rows) => {
                let size = chunk.size();
                held.update(|s| s.1 += size);
                pending.entry(seq).or_default().0.push((chunk, rows));
            }
            Out::Done(seq) => pending.entry(seq).or_default().1 = true,
        }
        // Move on while the current unit is done; a unit that becomes current writes what it
        // had waiting.
        while let Some((chunks, done)) = pending.get_mut(&next) {
            for (chunk, rows) in chunks.drain(..) {
                let size = chunk.size();
                file.append(chunk, rows)?;
                held.update(|s| s.1 = s.1.saturating_sub(size));
            }
            if !*done {
                break;
            }
            pending.remove(&next);
            next += 1;
            held.update(|s| s.0 = next);
            if let Ok(mut w) = gate.written.lock() {
                *w = next;
            }
            gate.moved.notify_all();
        }
    }
    Ok(file)
}

/// Turns a caught panic into an error: a bug must end the run with exit 2, never hang it.
fn panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    Error::internal(what)
}

fn worker(
    rx: &Mutex<Receiver<(u64, Unit)>>,
    auditor: &Auditor,
    partial: &mut Partial,
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
        if let Some(out) = &mut partial.rec.out {
            out.seq = seq;
        }
        // A bug that panics here must not hang the run: the reader would wait forever for a
        // worker to take its next unit. The panic becomes an error that aborts the run, and
        // this worker goes on draining units like the others.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut observed = Ok(());
            let read = unit.batches(batch_size, &mut |batch| {
                progress.add(batch.num_rows() as u64);
                if observed.is_ok() {
                    observed = auditor.observe_items(partial, &batch);
                }
            });
            read.and(observed)
        }))
        .unwrap_or_else(|panic| Err(panic_error(panic)));
        if let Err(e) = result {
            partial.rec.errors.push(e);
        }
        if let Some(out) = &mut partial.rec.out
            && let Err(e) = out.done(seq)
        {
            partial.rec.errors.push(e);
        }
        if !partial.rec.errors.is_empty() {
            abort.store(true, Ordering::Relaxed);
        }
    }
}

/// Runs `job` on every input `produce` sends, on `pool`, each job on one thread, and hands the
/// results to `each` in input order as soon as they and all before them are done. `produce`
/// runs on a reader thread of its own and sends inputs through a bounded channel (its `send`
/// returns false when the run stops), and at most a few results per thread wait for an earlier
/// one: a batch of any size streams in bounded memory. A panicking job gives its input an error;
/// the others go on.
pub fn ordered_map<I, R>(
    pool: &rayon::ThreadPool,
    produce: impl FnOnce(&mut dyn FnMut(I) -> bool) -> Result<()> + Send,
    job: impl Fn(I) -> Result<R> + Sync,
    each: &mut (dyn FnMut(Result<R>) -> Result<()> + Send),
) -> Result<()>
where
    I: Send,
    R: Send,
{
    let threads = pool.current_num_threads().max(1);
    let (in_tx, in_rx) = sync_channel::<(u64, I)>(threads * 2);
    let in_rx = Mutex::new(in_rx);
    // At most `window` results wait for an earlier one: a slow dataset does not let memory grow.
    let window = threads as u64 * 4;
    let gate = WriteGate::default();
    let (tx, rx) = sync_channel::<(u64, Result<R>)>(threads * 2);
    let abort = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut seq = 0u64;
            let mut send = |input: I| {
                let sent = !abort.load(Ordering::Relaxed) && in_tx.send((seq, input)).is_ok();
                seq += 1;
                sent
            };
            let result = produce(&mut send);
            drop(in_tx);
            result
        });
        let consumer = scope.spawn(|| {
            let mut pending: BTreeMap<u64, Result<R>> = BTreeMap::new();
            let mut next = 0u64;
            let mut outcome = Ok(());
            for (seq, r) in rx {
                pending.insert(seq, r);
                while let Some(r) = pending.remove(&next) {
                    next += 1;
                    if outcome.is_ok() {
                        outcome = each(r);
                        if outcome.is_err() {
                            abort.store(true, Ordering::Relaxed);
                        }
                    }
                }
                if let Ok(mut w) = gate.written.lock() {
                    *w = next;
                }
                gate.moved.notify_all();
            }
            if let Ok(mut w) = gate.written.lock() {
                *w = u64::MAX;
            }
            gate.moved.notify_all();
            outcome
        });
        pool.scope(|s| {
            for _ in 0..threads {
                let tx = tx.clone();
                let (in_rx, job, gate, abort) = (&in_rx, &job, &gate, &abort);
                s.spawn(move |_| {
                    loop {
                        let next = match in_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok((seq, input)) = next else { return };
                        if !wait_for_writer(gate, seq, window, abort) {
                            // Stopping: drain so the reader is not blocked.
                            continue;
                        }
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(input)))
                            .unwrap_or_else(|panic| Err(panic_error(panic)));
                        if tx.send((seq, result)).is_err() {
                            abort.store(true, Ordering::Relaxed);
                        }
                    }
                });
            }
        });
        drop(tx);
        let read = reader.join().unwrap_or_else(|_| Err(Error::internal("the batch reader failed")));
        let written = consumer.join().unwrap_or_else(|_| Err(Error::internal("the batch writer failed")));
        written.and(read)
    })
}

/// `--check-urls`: reads the manifests once for their distinct access URLs and (license URL,
/// license) pairs, then checks each distinct URL once on `workers` threads (the client paces
/// each host and bounds requests in flight). Results cached in `cache_dir` are not asked again.
/// Distinct URLs past [`check::MAX_ACCESS_URLS`] / [`check::MAX_LICENSE_URLS`] are not checked
/// and the returned notes say how many.
pub fn check_urls(
    manifests: &[Manifest],
    read_opts: &ReadOptions,
    client: &crate::http::Client,
    cache_dir: Option<&Path>,
    workers: usize,
    allow_private: bool,
) -> Result<crate::remote::check::UrlChecks> {
    use crate::remote::check::{self, CheckCache, LicensePage, UrlChecks};
    use std::collections::{HashMap, HashSet};

    let mut access: HashSet<String> = HashSet::new();
    let mut licenses: HashMap<String, HashSet<String>> = HashMap::new();
    let (mut access_over, mut license_over) = (0u64, 0u64);
    let mut memo = crate::policy::url::UrlMemo::allowing(allow_private);
    for (i, m) in manifests.iter().enumerate() {
        let mut failed = Ok(());
        manifest::read(i, m, read_opts, &mut |unit| {
            let read = unit.batches(read_opts.batch_size, &mut |batch| {
                let url = batch.column(Field::Url);
                let license_url = batch.column(Field::LicenseUrl);
                let license = batch.column(Field::License);
                for r in 0..batch.num_rows() {
                    // Only URLs the row loop accepts are asked (an invalid one is a finding
                    // already, and a private host is not fetched unless allowed).
                    if let Some(u) = url.as_ref().and_then(|c| c.get(r)).map(str::trim)
                        && !u.is_empty()
                        && memo.check(u).is_ok()
                        && !access.contains(u)
                    {
                        if access.len() < check::MAX_ACCESS_URLS {
                            access.insert(u.to_string());
                        } else {
                            access_over += 1;
                        }
                    }
                    let lu = license_url.as_ref().and_then(|c| c.get(r)).map(str::trim);
                    let l = license.as_ref().and_then(|c| c.get(r));
                    if let (Some(lu), Some(l)) = (lu, l)
                        && !lu.is_empty()
                        && memo.check(lu).is_ok()
                    {
                        let known = licenses.len();
                        match licenses.get_mut(lu) {
                            Some(set) => {
                                if !set.contains(l) {
                                    if set.len() < 64 {
                                        set.insert(l.to_string());
                                    } else {
                                        license_over += 1;
                                    }
                                }
                            }
                            None if known < check::MAX_LICENSE_URLS => {
                                licenses.insert(lu.to_string(), HashSet::from([l.to_string()]));
                            }
                            None => license_over += 1,
                        }
                    }
                }
            });
            if read.is_err() {
                failed = read;
            }
            failed.is_ok()
        })?;
        failed?;
    }

    let mut out = UrlChecks::default();
    let mut cache = match cache_dir {
        Some(dir) => Some(CheckCache::open(dir).map_err(|e| Error::io(dir, &e))?),
        None => None,
    };
    let mut todo: Vec<String> = Vec::new();
    for u in access {
        match cache.as_ref().and_then(|c| c.get(&u)) {
            Some(cached) => {
                out.from_cache += 1;
                if let Some(p) = cached {
                    out.access.insert(u, p.clone());
                }
            }
            None => todo.push(u),
        }
    }
    todo.sort();
    let license_urls: Vec<String> = {
        let mut v: Vec<String> = licenses.keys().cloned().collect();
        v.sort();
        v
    };
    // One queue of jobs for the workers: access checks, then license pages.
    let jobs: Vec<(bool, &str)> = todo
        .iter()
        .map(|u| (true, u.as_str()))
        .chain(license_urls.iter().map(|u| (false, u.as_str())))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Per job: its index, an access URL's problem, or a license URL's page.
    type Done = (usize, Option<check::Problem>, Option<LicensePage>);
    let results: Mutex<Vec<Done>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for w in 0..workers.clamp(1, 64).min(jobs.len().max(1)) {
            let (jobs, next, results) = (&jobs, &next, &results);
            let _ = std::thread::Builder::new().name(format!("dpg-audit-url-check-{w}")).spawn_scoped(
                scope,
                move || {
                    loop {
                        let j = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&(is_access, url)) = jobs.get(j) else { break };
                        let done = if is_access {
                            (j, check::check_access(client, url), None)
                        } else {
                            (j, None, Some(check::fetch_license_page(client, url)))
                        };
                        if let Ok(mut r) = results.lock() {
                            r.push(done);
                        }
                    }
                },
            );
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    if results.len() != jobs.len() {
        return Err(Error::internal(format!("{} of {} URL checks finished", results.len(), jobs.len())));
    }
    let mut fresh = Vec::with_capacity(todo.len());
    for (j, problem, page) in results {
        let (is_access, url) = jobs[j];
        out.checked += 1;
        if is_access {
            fresh.push((url.to_string(), problem.clone()));
            if let Some(p) = problem {
                out.access.insert(url.to_string(), p);
            }
        } else if let Some(page) = page {
            for l in licenses.get(url).into_iter().flatten() {
                if let Some(p) = check::license_problem(&page, url, l) {
                    out.license.entry(url.to_string()).or_default().insert(l.clone(), p);
                }
            }
        }
    }
    if let Some(cache) = &mut cache
        && let Err(e) = cache.save(&fresh)
    {
        out.notes.push(format!("--check-urls: the check cache could not be written: {e}"));
    }
    if access_over > 0 {
        out.notes.push(format!(
            "--check-urls: {access_over} rows had access URLs beyond the first {} distinct ones; those were not checked",
            check::MAX_ACCESS_URLS
        ));
    }
    if license_over > 0 {
        out.notes.push(format!(
            "--check-urls: {license_over} rows had license URLs beyond the first {} distinct ones; those were not checked",
            check::MAX_LICENSE_URLS
        ));
    }
    out.notes.push(format!(
        "--check-urls: {} distinct URLs checked, {} answered from the cache; {} access URLs and {} (license URL, license) pairs have problems",
        out.checked,
        out.from_cache,
        out.access.len(),
        out.license.values().map(|m| m.len()).sum::<usize>()
    ));
    Ok(out)
}
