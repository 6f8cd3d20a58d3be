//! Duplicate item ids in bounded memory. Exact detection needs every id; keeping them all in a
//! hash set would make memory grow with the manifest. Instead each worker buffers (hash, id,
//! position) in an arena and, when it reaches its budget, spills it to an anonymous temp file
//! grouped by hash partition (a linear counting sort). At the end each partition (1/256 of the
//! ids) is read back from every run, sorted by (hash, position) in memory, and scanned:
//! partitions run in parallel. The records that share a hash are compared byte by byte, so a hash
//! collision never reports a false duplicate (nor hides a true one).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// Bytes of ids and entries one collector holds before it spills a run (the spill's partition sort
/// keeps a second buffer of the entries, so the peak is somewhat above this).
pub const DEFAULT_BUDGET: usize = 24 << 20;

#[derive(Debug, Clone, Copy)]
struct Entry {
    hash: u64,
    row: u64,
    manifest: u32,
    off: u32,
    len: u32,
}

/// Collects the ids one worker sees.
#[derive(Debug)]
pub struct IdCollector {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    runs: Vec<Run>,
    budget: usize,
    scratch: Vec<Entry>,
}

/// Hash partitions: runs record where each starts, so the end pass takes one partition at a
/// time, in parallel (the records of one id always share a partition).
const PARTS: usize = 256;

fn part_of(hash: u64) -> usize {
    (hash >> (64 - PARTS.trailing_zeros())) as usize
}

/// A spilled, sorted run: the file and the byte offset where each partition starts (the last
/// entry is the file's length).
#[derive(Debug)]
struct Run {
    file: File,
    starts: [u64; PARTS + 1],
}

/// A row whose id already appeared on an earlier row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub id: String,
    pub manifest: usize,
    pub row: u64,
    /// Where the id appeared first.
    pub first_manifest: usize,
    pub first_row: u64,
}

fn hash_id(bytes: &[u8]) -> u64 {
    // FxHash-style word mixing with a murmur3 finalizer: fast for short ids, well spread.
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in chunks.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    let mut w = [0u8; 8];
    w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(0x517c_c1b7_2722_0a95);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

impl Default for IdCollector {
    fn default() -> Self {
        IdCollector::with_budget(DEFAULT_BUDGET)
    }
}

impl IdCollector {
    pub fn with_budget(budget: usize) -> Self {
        IdCollector {
            arena: Vec::new(),
            entries: Vec::new(),
            runs: Vec::new(),
            budget: budget.max(1024),
            scratch: Vec::new(),
        }
    }

    /// Records the ids of a batch (`ids(i)` for rows `first_row + i`, `i < n`). A batch whose ids
    /// are strictly increasing is only summed up in `spans` (first and last id), which costs one
    /// comparison per row: many manifests are exported in id order, and if the whole collection
    /// turns out to be one increasing chain no id can repeat. Any other batch pushes its ids.
    pub fn push_batch<'s>(
        &mut self,
        spans: &SortedSpans,
        manifest: usize,
        first_row: u64,
        n: usize,
        ids: impl Fn(usize) -> Option<&'s str>,
    ) -> std::io::Result<()> {
        let mut first: Option<&str> = None;
        let mut last: Option<&str> = None;
        let mut increasing = true;
        for i in 0..n {
            let Some(id) = ids(i) else { continue };
            if let Some(prev) = last
                && shortlex(prev.as_bytes(), id.as_bytes()) != Ordering::Less
            {
                increasing = false;
                break;
            }
            first.get_or_insert(id);
            last = Some(id);
        }
        match (increasing, first, last) {
            (true, Some(first), Some(last)) => {
                spans.insert(manifest, first_row..first_row + n as u64, first.as_bytes(), last.as_bytes());
                Ok(())
            }
            (true, _, _) => Ok(()), // no ids at all
            (false, _, _) => {
                for i in 0..n {
                    if let Some(id) = ids(i) {
                        self.push(manifest, first_row + i as u64, id)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// Whether no id was pushed (every batch so far was increasing, or had no ids).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty() && self.runs.is_empty()
    }

    /// Records that `id` is on `row` of manifest `manifest`.
    pub fn push(&mut self, manifest: usize, row: u64, id: &str) -> std::io::Result<()> {
        let bytes = id.as_bytes();
        let (Ok(off), Ok(len)) = (u32::try_from(self.arena.len()), u32::try_from(bytes.len())) else {
            // An id of 4 GB cannot be buffered; spill first and retry with an empty arena.
            self.spill()?;
            if u32::try_from(bytes.len()).is_err() {
                return Ok(());
            }
            return self.push(manifest, row, id);
        };
        self.arena.extend_from_slice(bytes);
        let manifest = u32::try_from(manifest).unwrap_or(u32::MAX);
        self.entries.push(Entry { hash: hash_id(bytes), row, manifest, off, len });
        if self.arena.len() + self.entries.len() * std::mem::size_of::<Entry>() >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    fn id_of(&self, e: &Entry) -> &[u8] {
        &self.arena[e.off as usize..e.off as usize + e.len as usize]
    }

    /// Groups the entries by hash partition, keeping push order within each (a stable counting
    /// sort: linear, and the real sorting happens per partition at the end).
    fn sort(&mut self) {
        let mut counts = vec![0usize; PARTS + 1];
        for e in &self.entries {
            counts[part_of(e.hash) + 1] += 1;
        }
        for p in 0..PARTS {
            counts[p + 1] += counts[p];
        }
        // The scratch buffer is kept between spills, so each spill does not fault in new pages.
        let mut sorted = std::mem::take(&mut self.scratch);
        sorted.clear();
        sorted.resize(self.entries.len(), Entry { hash: 0, row: 0, manifest: 0, off: 0, len: 0 });
        for e in &self.entries {
            let p = part_of(e.hash);
            sorted[counts[p]] = *e;
            counts[p] += 1;
        }
        self.scratch = std::mem::replace(&mut self.entries, sorted);
    }

    fn spill(&mut self) -> std::io::Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        self.sort();
        let mut file = tempfile::tempfile()?;
        // Records are encoded into one buffer (a few stores each) and written in large blocks.
        let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
        let mut starts = [0u64; PARTS + 1];
        let mut offset = 0u64;
        let mut part = 0usize;
        for e in &self.entries {
            while part < part_of(e.hash) {
                part += 1;
                starts[part] = offset;
            }
            offset += 24 + u64::from(e.len);
            let mut head = [0u8; 24];
            head[..8].copy_from_slice(&e.hash.to_le_bytes());
            head[8..12].copy_from_slice(&e.manifest.to_le_bytes());
            head[12..20].copy_from_slice(&e.row.to_le_bytes());
            head[20..].copy_from_slice(&e.len.to_le_bytes());
            out.extend_from_slice(&head);
            out.extend_from_slice(&self.arena[e.off as usize..e.off as usize + e.len as usize]);
            if out.len() >= 1 << 20 {
                file.write_all(&out)?;
                out.clear();
            }
        }
        file.write_all(&out)?;
        while part < PARTS {
            part += 1;
            starts[part] = offset;
        }
        self.runs.push(Run { file, starts });
        self.entries.clear();
        self.arena.clear();
        Ok(())
    }

    /// Merges this collector into `other` (keeps the runs, buffers in memory).
    pub fn merge(&mut self, mut other: IdCollector) -> std::io::Result<()> {
        self.runs.append(&mut other.runs);
        for e in &other.entries {
            let id = &other.arena[e.off as usize..e.off as usize + e.len as usize];
            let id = String::from_utf8_lossy(id);
            self.push(e.manifest as usize, e.row, &id)?;
        }
        Ok(())
    }

    /// Finds every duplicate, in (id hash, position) order; the caller sorts for display.
    /// Partitions are done in parallel, a wave of `threads` at a time, and reported in order; so
    /// memory holds `threads` partitions (each 1/256 of the ids) and their duplicates.
    pub fn finish(mut self, threads: usize, each: &mut dyn FnMut(Duplicate)) -> std::io::Result<()> {
        use rayon::prelude::*;
        self.sort();
        let threads = threads.max(1);
        let parts: Vec<usize> = (0..PARTS).collect();
        for wave in parts.chunks(threads) {
            let found: Vec<std::io::Result<Vec<Duplicate>>> =
                wave.par_iter().map(|&p| self.merge_part(p)).collect();
            for dups in found {
                dups?.into_iter().for_each(&mut *each);
            }
        }
        Ok(())
    }

    /// The duplicates among the records of hash partition `part`, from every run and memory.
    fn merge_part(&self, part: usize) -> std::io::Result<Vec<Duplicate>> {
        let mut sources: Vec<Source> =
            self.runs.iter().map(|r| Source::run(&r.file, r.starts[part], r.starts[part + 1])).collect();
        let from = self.entries.partition_point(|e| part_of(e.hash) < part);
        let to = self.entries.partition_point(|e| part_of(e.hash) <= part);
        sources.push(Source::memory(from, to));
        // The partition's records from every run, in memory (1/PARTS of all ids), sorted by
        // (hash, position): equal ids end up next to each other, earliest first.
        // Sized up front from the runs' byte ranges (a record is 24 bytes plus its id), so the
        // buffers do not grow by copying.
        let bytes: u64 = self.runs.iter().map(|r| r.starts[part + 1] - r.starts[part]).sum();
        let mut ids: Vec<u8> = Vec::with_capacity(usize::try_from(bytes).unwrap_or(0) / 2);
        let mut records: Vec<(Key, usize, usize)> =
            Vec::with_capacity(usize::try_from(bytes / 32).unwrap_or(0) + (to - from));
        for src in &mut sources {
            while let Some(key) = src.advance(self)? {
                records.push((key, ids.len(), src.id.len()));
                ids.extend_from_slice(&src.id);
            }
        }
        records.sort_unstable_by_key(|r| r.0);
        let mut found = Vec::new();
        let mut group = Group::default();
        for (key, off, len) in records {
            if group.hash != Some(key.0) {
                group.start(key.0);
            }
            group.add(&ids, off..off + len, key.1, key.2, &mut |d| found.push(d));
        }
        Ok(found)
    }
}

/// The distinct ids (almost always one) among the records sharing one hash, each with where it
/// first appeared. Records come in position order, so a record whose id is already here is a
/// duplicate of that first row; it is reported at once and not kept, so a million copies of one
/// id cost no memory.
#[derive(Debug, Default)]
struct Group {
    hash: Option<u64>,
    /// Ranges into the partition's id bytes.
    firsts: Vec<(std::ops::Range<usize>, u32, u64)>,
}

impl Group {
    fn start(&mut self, hash: u64) {
        self.hash = Some(hash);
        self.firsts.clear();
    }

    /// Adds the record whose id is `ids[range]`.
    fn add(
        &mut self,
        ids: &[u8],
        range: std::ops::Range<usize>,
        manifest: u32,
        row: u64,
        each: &mut dyn FnMut(Duplicate),
    ) {
        let id = &ids[range.clone()];
        match self.firsts.iter().find(|(r, _, _)| &ids[r.clone()] == id) {
            Some((_, fm, fr)) => each(Duplicate {
                id: String::from_utf8_lossy(id).into_owned(),
                manifest: manifest as usize,
                row,
                first_manifest: *fm as usize,
                first_row: *fr,
            }),
            None => self.firsts.push((range, manifest, row)),
        }
    }
}

/// Shortlex order (shorter first, then bytes): a total order under which `item-9` comes before
/// `item-10`, so unpadded numeric ids written in sequence count as increasing too.
fn shortlex(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Row ranges whose ids were strictly increasing, with their first and last id, shared by all
/// workers. Ranges that touch and continue the order are joined as they arrive, so a manifest in
/// id order ends as a handful of spans whatever its size.
#[derive(Debug, Default)]
pub struct SortedSpans {
    spans: Mutex<BTreeMap<(usize, u64), Span>>,
}

#[derive(Debug)]
struct Span {
    end: u64,
    first: Box<[u8]>,
    last: Box<[u8]>,
}

impl SortedSpans {
    fn insert(&self, manifest: usize, rows: std::ops::Range<u64>, first: &[u8], last: &[u8]) {
        let Ok(mut spans) = self.spans.lock() else { return };
        let mut start = rows.start;
        let mut span = Span { end: rows.end, first: first.into(), last: last.into() };
        // Join the span that ends where this one starts, if the order continues across.
        if let Some((&(pm, ps), prev)) = spans.range(..(manifest, rows.start)).next_back()
            && pm == manifest
            && prev.end == rows.start
            && shortlex(&prev.last, first) == Ordering::Less
        {
            span.first = prev.first.clone();
            start = ps;
            spans.remove(&(pm, ps));
        }
        // And the one that starts where this one ends.
        if let Some(next) = spans.get(&(manifest, rows.end))
            && shortlex(last, &next.first) == Ordering::Less
            && let Some(next) = spans.remove(&(manifest, rows.end))
        {
            span.end = next.end;
            span.last = next.last;
        }
        spans.insert((manifest, start), span);
    }

    /// True when the spans, in manifest and row order, form one strictly increasing chain: then
    /// no id repeats among them.
    pub fn is_chain(&self) -> bool {
        let Ok(spans) = self.spans.lock() else { return false };
        spans.values().zip(spans.values().skip(1)).all(|(a, b)| shortlex(&a.last, &b.first) == Ordering::Less)
    }

    pub fn is_empty(&self) -> bool {
        self.spans.lock().map(|s| s.is_empty()).unwrap_or(true)
    }

    /// The row ranges covered, per manifest, in order.
    pub fn ranges(&self) -> Vec<(usize, std::ops::Range<u64>)> {
        let Ok(spans) = self.spans.lock() else { return Vec::new() };
        spans.iter().map(|(&(m, start), s)| (m, start..s.end)).collect()
    }
}

/// Sort key of a record: (hash, manifest, row).
type Key = (u64, u32, u64);

/// One sorted run being merged (a byte range of a spilled file, read with positioned reads so
/// partitions can share the file), or a range of the entries still in memory.
struct Source<'f> {
    file: Option<&'f File>,
    pos: u64,
    end: u64,
    buf: Vec<u8>,
    at: usize,
    id: Vec<u8>,
}

impl<'f> Source<'f> {
    fn run(file: &'f File, start: u64, end: u64) -> Self {
        Source { file: Some(file), pos: start, end, buf: Vec::new(), at: 0, id: Vec::new() }
    }

    fn memory(from: usize, to: usize) -> Self {
        Source { file: None, pos: from as u64, end: to as u64, buf: Vec::new(), at: 0, id: Vec::new() }
    }

    /// Fills `out` from the run, refilling the buffer with positioned reads.
    fn read_exact(&mut self, out: &mut [u8]) -> std::io::Result<()> {
        use std::os::unix::fs::FileExt;
        let Some(file) = self.file else { return Err(std::io::ErrorKind::InvalidInput.into()) };
        let mut done = 0;
        while done < out.len() {
            if self.at == self.buf.len() {
                let want = (self.end - self.pos).min(1 << 16) as usize;
                if want == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                self.buf.resize(want, 0);
                file.read_exact_at(&mut self.buf, self.pos)?;
                self.pos += want as u64;
                self.at = 0;
            }
            let n = (out.len() - done).min(self.buf.len() - self.at);
            out[done..done + n].copy_from_slice(&self.buf[self.at..self.at + n]);
            self.at += n;
            done += n;
        }
        Ok(())
    }

    /// Moves to the next record: its key, with its id in `self.id`.
    fn advance(&mut self, collector: &IdCollector) -> std::io::Result<Option<Key>> {
        if self.file.is_none() {
            if self.pos >= self.end {
                return Ok(None);
            }
            let e = &collector.entries[self.pos as usize];
            self.pos += 1;
            self.id.clear();
            self.id.extend_from_slice(collector.id_of(e));
            return Ok(Some((e.hash, e.manifest, e.row)));
        }
        if self.at == self.buf.len() && self.pos >= self.end {
            return Ok(None);
        }
        let mut head = [0u8; 24];
        self.read_exact(&mut head)?;
        let word = |r: std::ops::Range<usize>| {
            let mut b = [0u8; 8];
            b[..r.len()].copy_from_slice(&head[r]);
            u64::from_le_bytes(b)
        };
        let (hash, manifest, row, len) =
            (word(0..8), word(8..12) as u32, word(12..20), word(20..24) as usize);
        let mut id = std::mem::take(&mut self.id);
        id.resize(len, 0);
        let read = self.read_exact(&mut id);
        self.id = id;
        read?;
        Ok(Some((hash, manifest, row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dups(collectors: Vec<IdCollector>) -> Vec<(String, u64, u64)> {
        let mut iter = collectors.into_iter();
        let mut all = iter.next().unwrap_or_default();
        for c in iter {
            all.merge(c).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut out = Vec::new();
        all.finish(2, &mut |d| out.push((d.id, d.first_row, d.row))).unwrap_or_else(|e| panic!("{e}"));
        out.sort();
        out
    }

    #[test]
    fn finds_duplicates_across_spilled_runs_and_workers() {
        // A tiny budget forces many spills; two collectors stand for two workers.
        let mut a = IdCollector::with_budget(1024);
        let mut b = IdCollector::with_budget(1024);
        for row in 1..=5000u64 {
            let id = format!("item-{}", row % 2500);
            let c = if row % 3 == 0 { &mut a } else { &mut b };
            c.push(0, row, &id).unwrap_or_else(|e| panic!("{e}"));
        }
        let found = dups(vec![a, b]);
        assert_eq!(found.len(), 2500);
        assert!(found.iter().all(|(_, first, dup)| first + 2500 == *dup));
        assert!(found.contains(&("item-7".to_string(), 7, 2507)));
    }

    #[test]
    fn ids_that_share_a_hash_are_told_apart_by_their_bytes() {
        // As after a 64-bit collision: two ids interleaved within one hash group.
        let mut group = Group::default();
        group.start(42);
        let mut found = Vec::new();
        let ids = b"abab c";
        for (range, row) in [(0..1, 1), (1..2, 2), (2..3, 3), (3..4, 4), (5..6, 5)] {
            group.add(ids, range, 0, row, &mut |d| found.push((d.id, d.first_row, d.row)));
        }
        assert_eq!(found, vec![("a".to_string(), 1, 3), ("b".to_string(), 2, 4)]);
    }

    #[test]
    fn increasing_batches_are_summed_up_and_joined() {
        let spans = SortedSpans::default();
        let mut c = IdCollector::with_budget(1024);
        let ids = ["item-8", "item-9", "item-10", "item-11", "item-12", "item-13"];
        // Batches arrive out of order (two workers); shortlex puts item-9 before item-10.
        for (first_row, range) in [(4u64, 3..6), (1, 0..3)] {
            let batch = &ids[range];
            c.push_batch(&spans, 0, first_row, batch.len(), |i| Some(batch[i]))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(c.is_empty(), "increasing batches push no ids");
        assert_eq!(spans.ranges(), vec![(0, 1..7)], "touching spans that continue the order join");
        assert!(spans.is_chain());
    }

    #[test]
    fn spans_that_break_the_order_stay_apart_and_fail_the_chain() {
        let spans = SortedSpans::default();
        let mut c = IdCollector::with_budget(1024);
        let batches: [(u64, &[&str]); 3] = [(1, &["a", "b"]), (3, &["b", "c"]), (5, &["d", "e"])];
        for (first_row, batch) in batches {
            c.push_batch(&spans, 0, first_row, batch.len(), |i| Some(batch[i]))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        // "b" ends the first span and starts the second: not joined, and not a chain.
        assert_eq!(spans.ranges(), vec![(0, 1..3), (0, 3..7)]);
        assert!(!spans.is_chain());
    }

    #[test]
    fn a_batch_out_of_order_pushes_every_id_and_nulls_are_skipped() {
        let spans = SortedSpans::default();
        let mut c = IdCollector::with_budget(1 << 20);
        let batch = [Some("b"), None, Some("a"), Some("a")];
        c.push_batch(&spans, 0, 1, batch.len(), |i| batch[i]).unwrap_or_else(|e| panic!("{e}"));
        assert!(spans.is_empty());
        assert_eq!(dups(vec![c]), vec![("a".to_string(), 3, 4)]);
        // A batch with only nulls records nothing.
        let mut c = IdCollector::with_budget(1024);
        c.push_batch(&spans, 0, 1, 3, |_| None).unwrap_or_else(|e| panic!("{e}"));
        assert!(c.is_empty() && spans.is_empty());
    }

    #[test]
    fn distinct_ids_are_not_duplicates() {
        let mut a = IdCollector::with_budget(1024);
        for row in 1..=3000u64 {
            a.push(0, row, &format!("id{row}")).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(dups(vec![a]).is_empty());
    }
}
