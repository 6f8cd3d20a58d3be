//! Duplicate item ids in bounded memory. Exact detection needs every id; keeping them all in a
//! hash set would make memory grow with the manifest. Instead each worker buffers its ids (bytes
//! in an arena, plus a fixed record of hash, position and where the bytes are) and, at its
//! budget, spills a run to an anonymous temp file: the arena as it is, then the records grouped
//! by hash partition (a linear counting sort). At the end each partition (1/256 of the ids) is
//! loaded from every run, records only, sorted by hash and scanned; partitions run in parallel.
//! Only records that share a hash (true duplicates, or a 64-bit collision) have their id bytes
//! read back and compared byte by byte, so a collision never reports a false duplicate nor hides
//! a true one, and the common case of unique ids never reads an id twice.
//!
//! Before any of this, a batch whose ids are strictly increasing is only summed up as a span
//! ([`SortedSpans`]): a collection in id order needs no runs at all.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

/// Bytes of ids and records one collector holds before it spills a run (the spill's partition
/// sort keeps a second buffer of the records, so the peak is somewhat above this).
pub const DEFAULT_BUDGET: usize = 24 << 20;

/// A buffered id: its hash, position (see [`pos`]) and its bytes in the arena.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    hash: u64,
    pos: u64,
    off: u32,
    len: u32,
}

/// Bytes of one record in a run: hash, position, offset and length of the id bytes.
const RECORD: usize = 24;

/// Positions pack (manifest, row) into one u64 that sorts like the pair: 24 bits of manifest,
/// 40 of row (a trillion rows per manifest).
const ROW_BITS: u32 = 40;

fn pos(manifest: usize, row: u64) -> Option<u64> {
    let m = u64::try_from(manifest).ok().filter(|m| *m < 1 << (64 - ROW_BITS))?;
    (row < 1 << ROW_BITS).then_some(m << ROW_BITS | row)
}

fn unpos(pos: u64) -> (usize, u64) {
    ((pos >> ROW_BITS) as usize, pos & ((1 << ROW_BITS) - 1))
}

/// Collects the ids one worker sees.
#[derive(Debug)]
pub struct IdCollector {
    arena: Vec<u8>,
    entries: Vec<Entry>,
    runs: Vec<Run>,
    budget: usize,
    scratch: Vec<Entry>,
    hash: fn(&[u8]) -> u64,
}

/// Hash partitions: runs record where each starts, so the end pass takes one partition at a
/// time, in parallel (the records of one id always share a partition).
const PARTS: usize = 256;

fn part_of(hash: u64) -> usize {
    (hash >> (64 - PARTS.trailing_zeros())) as usize
}

/// A spilled run: the id bytes from offset 0, then the records, partition after partition;
/// `starts[p]` is the byte offset of partition `p`'s first record (the last entry is the end).
/// The run of the ids still buffered at the end stays in memory.
#[derive(Debug)]
struct Run {
    data: RunData,
    starts: [u64; PARTS + 1],
}

#[derive(Debug)]
enum RunData {
    File(File),
    Memory(Vec<u8>),
}

impl Run {
    fn read_at(&self, out: &mut [u8], at: u64) -> std::io::Result<()> {
        match &self.data {
            RunData::File(f) => std::os::unix::fs::FileExt::read_exact_at(f, out, at),
            RunData::Memory(v) => {
                let slice = usize::try_from(at)
                    .ok()
                    .and_then(|a| v.get(a..a.checked_add(out.len())?))
                    .ok_or(std::io::ErrorKind::UnexpectedEof)?;
                out.copy_from_slice(slice);
                Ok(())
            }
        }
    }
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
            hash: hash_id,
        }
    }

    /// Records the ids of a batch (`ids(i)` for rows `first_row + i`, `i < n`). A batch whose ids
    /// are strictly increasing is only summed up in `spans` (first and last id), which costs one
    /// comparison per row: many manifests are exported in id order, and if the whole collection
    /// turns out to be one increasing chain no id can repeat. Any other batch pushes its ids.
    pub fn push_batch<'s>(
        &mut self,
        spans: Option<&SortedSpans>,
        manifest: usize,
        first_row: u64,
        n: usize,
        ids: impl Fn(usize) -> Option<&'s str>,
    ) -> std::io::Result<()> {
        let mut first: Option<&str> = None;
        let mut last: Option<&str> = None;
        // Without spans (a caller that cannot read the rows again), every id is pushed.
        let mut increasing = spans.is_some();
        for i in 0..n {
            let Some(id) = ids(i) else { continue };
            if let Some(prev) = last
                && !shortlex_less(prev.as_bytes(), id.as_bytes())
            {
                increasing = false;
                break;
            }
            first.get_or_insert(id);
            last = Some(id);
        }
        match (increasing, first, last) {
            (true, Some(first), Some(last)) => {
                let Some(spans) = spans else { return Ok(()) };
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
        let Some(pos) = pos(manifest, row) else {
            return Err(std::io::Error::other(format!(
                "row {row} of manifest {manifest} is past what the duplicate check can number"
            )));
        };
        let (Ok(off), Ok(len)) = (u32::try_from(self.arena.len()), u32::try_from(bytes.len())) else {
            // A run holds at most 4 GB of ids; spill first and retry with an empty arena.
            if self.arena.is_empty() {
                return Err(std::io::Error::other("an id of 4 GB or more"));
            }
            self.spill()?;
            return self.push(manifest, row, id);
        };
        self.arena.extend_from_slice(bytes);
        self.entries.push(Entry { hash: (self.hash)(bytes), pos, off, len });
        if self.arena.len() + self.entries.len() * std::mem::size_of::<Entry>() >= self.budget {
            self.spill()?;
        }
        Ok(())
    }

    /// Groups the entries by hash partition, keeping push order within each (a stable counting
    /// sort: linear; the real sorting happens per partition at the end).
    fn sort(&mut self) {
        let mut counts = [0usize; PARTS + 1];
        for e in &self.entries {
            counts[part_of(e.hash) + 1] += 1;
        }
        for p in 0..PARTS {
            counts[p + 1] += counts[p];
        }
        // The scratch buffer is kept between spills, so each spill does not fault in new pages.
        let mut sorted = std::mem::take(&mut self.scratch);
        sorted.clear();
        sorted.resize(self.entries.len(), Entry::default());
        for e in &self.entries {
            let p = part_of(e.hash);
            sorted[counts[p]] = *e;
            counts[p] += 1;
        }
        self.scratch = std::mem::replace(&mut self.entries, sorted);
    }

    /// The buffered ids as one run: the arena, then the records by partition.
    fn encode(
        &mut self,
        out: &mut dyn FnMut(&[u8]) -> std::io::Result<()>,
    ) -> std::io::Result<[u64; PARTS + 1]> {
        self.sort();
        out(&self.arena)?;
        let mut offset = self.arena.len() as u64;
        let mut starts = [offset; PARTS + 1];
        let mut part = 0usize;
        let mut buf: Vec<u8> = Vec::with_capacity(RECORD << 14);
        for e in &self.entries {
            while part < part_of(e.hash) {
                part += 1;
                starts[part] = offset;
            }
            offset += RECORD as u64;
            buf.extend_from_slice(&e.hash.to_le_bytes());
            buf.extend_from_slice(&e.pos.to_le_bytes());
            buf.extend_from_slice(&e.off.to_le_bytes());
            buf.extend_from_slice(&e.len.to_le_bytes());
            if buf.len() >= RECORD << 14 {
                out(&buf)?;
                buf.clear();
            }
        }
        out(&buf)?;
        while part < PARTS {
            part += 1;
            starts[part] = offset;
        }
        self.entries.clear();
        self.arena.clear();
        Ok(starts)
    }

    fn spill(&mut self) -> std::io::Result<()> {
        if self.entries.is_empty() {
            return Ok(());
        }
        let mut file = tempfile::tempfile()?;
        let starts = self.encode(&mut |bytes| file.write_all(bytes))?;
        self.runs.push(Run { data: RunData::File(file), starts });
        Ok(())
    }

    /// Merges another collector into this one (keeps its runs, takes over its buffered ids).
    pub fn merge(&mut self, mut other: IdCollector) -> std::io::Result<()> {
        self.runs.append(&mut other.runs);
        for e in std::mem::take(&mut other.entries) {
            let id = &other.arena[e.off as usize..e.off as usize + e.len as usize];
            let (manifest, row) = unpos(e.pos);
            self.push(manifest, row, &String::from_utf8_lossy(id))?;
        }
        Ok(())
    }

    /// Hands every id collected (buffered or spilled) to `each` as (manifest, row, id), for a
    /// partial's serialized form.
    pub fn for_each(&self, each: &mut dyn FnMut(usize, u64, &str)) -> std::io::Result<()> {
        for e in &self.entries {
            let (m, r) = unpos(e.pos);
            let id = self.arena.get(e.off as usize..e.off as usize + e.len as usize).unwrap_or_default();
            each(m, r, &String::from_utf8_lossy(id));
        }
        let mut id = Vec::new();
        for run in &self.runs {
            let (mut at, end) = (run.starts[0], run.starts[PARTS]);
            let mut rec = [0u8; RECORD];
            while at < end {
                run.read_at(&mut rec, at)?;
                at += RECORD as u64;
                let word = |i: usize| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&rec[i..i + 8]);
                    u64::from_le_bytes(b)
                };
                let (pos, loc) = (word(8), word(16));
                id.resize((loc >> 32) as usize, 0);
                run.read_at(&mut id, loc & 0xffff_ffff)?;
                let (m, r) = unpos(pos);
                each(m, r, &String::from_utf8_lossy(&id));
            }
        }
        Ok(())
    }

    /// Finds every duplicate, in (id hash, position) order; the caller sorts for display.
    /// Partitions are done in parallel, a wave of `threads` at a time, and reported in order; so
    /// memory holds `threads` partitions (each 1/256 of the records) and their duplicates.
    pub fn finish(mut self, threads: usize, each: &mut dyn FnMut(Duplicate)) -> std::io::Result<()> {
        use rayon::prelude::*;
        if !self.entries.is_empty() {
            let mut data = Vec::new();
            let starts = self.encode(&mut |bytes| {
                data.extend_from_slice(bytes);
                Ok(())
            })?;
            self.runs.push(Run { data: RunData::Memory(data), starts });
        }
        if self.runs.is_empty() {
            return Ok(());
        }
        let threads = threads.max(1);
        let parts: Vec<usize> = (0..PARTS).collect();
        for wave in parts.chunks(threads) {
            // One thread: no pool is touched (a portal batch finishes its datasets this way, on
            // the threads of the runner's one pool).
            let found: Vec<std::io::Result<Found>> = if threads == 1 {
                wave.iter().map(|&p| self.scan_part(p)).collect()
            } else {
                wave.par_iter().map(|&p| self.scan_part(p)).collect()
            };
            for part in found {
                let part = part?;
                for &(pos, first) in &part.dups {
                    let (id, first_pos) = &part.firsts[first as usize];
                    let ((manifest, row), (first_manifest, first_row)) = (unpos(pos), unpos(*first_pos));
                    each(Duplicate {
                        id: String::from_utf8_lossy(id).into_owned(),
                        manifest,
                        row,
                        first_manifest,
                        first_row,
                    });
                }
            }
        }
        Ok(())
    }

    /// The duplicates among the records of hash partition `part`, from every run.
    fn scan_part(&self, part: usize) -> std::io::Result<Found> {
        let mut recs: Vec<Rec> = Vec::new();
        // Sized to what the partition holds (at most 4096 records a read): a collection of a few
        // ids (a portal batch's dataset) must not zero a block per partition, which was most of
        // a batch's time.
        let largest = self.runs.iter().map(|r| r.starts[part + 1] - r.starts[part]).max().unwrap_or(0);
        if largest == 0 {
            return Ok(Found::default());
        }
        let mut buf = vec![0u8; usize::try_from(largest).unwrap_or(usize::MAX).min(RECORD << 12)];
        for (run_index, run) in self.runs.iter().enumerate() {
            let (mut at, end) = (run.starts[part], run.starts[part + 1]);
            recs.reserve(usize::try_from((end - at) / RECORD as u64).unwrap_or(0));
            while at < end {
                let n = usize::try_from(end - at).unwrap_or(usize::MAX).min(buf.len());
                run.read_at(&mut buf[..n], at)?;
                at += n as u64;
                for r in buf[..n].chunks_exact(RECORD) {
                    let word = |i: usize| {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(&r[i..i + 8]);
                        u64::from_le_bytes(b)
                    };
                    recs.push(Rec { hash: word(0), pos: word(8), loc: word(16), run: run_index as u32 });
                }
            }
        }
        // Sorted by hash alone (the cheapest key); the rare groups that share a hash are then put
        // in position order, so the first row of an id comes first.
        recs.sort_unstable_by_key(|r| r.hash);
        let mut found = Found::default();
        let mut group = Group::default();
        let mut reader = IdReader::new(self.runs.len());
        let mut i = 0;
        while i < recs.len() {
            let j = i + recs[i..].iter().take_while(|r| r.hash == recs[i].hash).count();
            if j - i > 1 {
                recs[i..j].sort_unstable_by_key(|r| r.pos);
                group.start();
                for r in &recs[i..j] {
                    let id = reader.read(&self.runs, r)?;
                    group.add(id, r.pos, &mut found);
                }
            }
            i = j;
        }
        Ok(found)
    }
}

/// Reads the id bytes of records back from their runs, through one block buffer per run. A
/// group's records come in position order, which within one run is (nearly) the order the ids
/// were written, so a group of a million copies of one id reads each run front to back instead
/// of once per record, and nothing but the buffers is held.
struct IdReader {
    blocks: Vec<(u64, Vec<u8>)>,
    long: Vec<u8>,
}

impl IdReader {
    const BLOCK: u64 = 1 << 16;

    fn new(runs: usize) -> Self {
        IdReader { blocks: vec![(0, Vec::new()); runs], long: Vec::new() }
    }

    fn read(&mut self, runs: &[Run], r: &Rec) -> std::io::Result<&[u8]> {
        let (off, len) = (r.loc & 0xffff_ffff, r.loc >> 32);
        let run = &runs[r.run as usize];
        if len > Self::BLOCK {
            self.long.resize(usize::try_from(len).unwrap_or(0), 0);
            run.read_at(&mut self.long, off)?;
            return Ok(&self.long);
        }
        let (at, block) = &mut self.blocks[r.run as usize];
        if off < *at || off + len > *at + block.len() as u64 {
            // The ids end where the records start: read up to there, at most a block.
            let want = run.starts[0].saturating_sub(off).min(Self::BLOCK).max(len);
            block.resize(usize::try_from(want).unwrap_or(0), 0);
            run.read_at(block, off)?;
            *at = off;
        }
        let from = usize::try_from(off - *at).unwrap_or(0);
        Ok(&block[from..from + len as usize])
    }
}

/// A record loaded at the end: hash, position, (length << 32 | offset) of the id in its run.
#[derive(Debug, Clone, Copy)]
struct Rec {
    hash: u64,
    pos: u64,
    loc: u64,
    run: u32,
}

/// A partition's duplicates, compact: each repeated id once, with its first position, and per
/// duplicate row its position and which id it repeats. (A million copies of one id cost 16 bytes
/// each here, not a string each.)
#[derive(Debug, Default)]
struct Found {
    firsts: Vec<(Vec<u8>, u64)>,
    dups: Vec<(u64, u32)>,
}

/// The distinct ids (almost always one) among the records sharing one hash, as indexes into
/// [`Found::firsts`]. Records come in position order, so a record whose id is already here
/// repeats that first row.
#[derive(Debug, Default)]
struct Group {
    firsts: Vec<u32>,
}

impl Group {
    /// Begins the next hash group.
    fn start(&mut self) {
        self.firsts.clear();
    }

    /// Adds the record at `pos` whose id is `id`.
    fn add(&mut self, id: &[u8], pos: u64, found: &mut Found) {
        match self.firsts.iter().find(|&&k| found.firsts[k as usize].0 == id) {
            Some(&k) => found.dups.push((pos, k)),
            None => {
                // A partition holds far fewer than 2^32 distinct repeated ids (it would need
                // 2^32 records in memory first).
                self.firsts.push(u32::try_from(found.firsts.len()).unwrap_or(u32::MAX));
                found.firsts.push((id.to_vec(), pos));
            }
        }
    }
}

/// Shortlex order (shorter first, then bytes): a total order under which `item-9` comes before
/// `item-10`, so unpadded numeric ids written in sequence count as increasing too.
fn shortlex(a: &[u8], b: &[u8]) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// `shortlex(a, b) == Less`, inline and 8 bytes at a time: it runs once per row of a manifest
/// in id order, where a `memcmp` call per row was a visible share of the scan.
#[inline(always)]
fn shortlex_less(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return n < b.len();
    }
    if n < 8 {
        return a < b;
    }
    // Big-endian words compare as their bytes do.
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_be_bytes(w)
    };
    let mut at = 0;
    while at + 8 < n {
        let (x, y) = (word(a, at), word(b, at));
        if x != y {
            return x < y;
        }
        at += 8;
    }
    // The last word overlaps bytes already found equal, which does not change the order.
    word(a, n - 8) < word(b, n - 8)
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
    /// Adds the spans of another collector (another partial's), joining those that continue.
    pub fn absorb(&self, other: SortedSpans) {
        let Ok(theirs) = other.spans.into_inner() else { return };
        for ((m, start), s) in theirs {
            self.insert(m, start..s.end, &s.first, &s.last);
        }
    }

    /// Every span: (manifest, first row, end row, first id, last id).
    pub fn export(&self) -> Vec<(usize, u64, u64, String, String)> {
        let Ok(spans) = self.spans.lock() else { return Vec::new() };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        spans.iter().map(|(&(m, start), s)| (m, start, s.end, text(&s.first), text(&s.last))).collect()
    }

    pub(crate) fn insert(&self, manifest: usize, rows: std::ops::Range<u64>, first: &[u8], last: &[u8]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortlex_less_agrees_with_shortlex() {
        // Every length from 0 to 24 and a difference at every position (or none), in both
        // directions, with bytes whose order differs when read as signed.
        for len in 0..=24usize {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let mut cases = vec![(base.clone(), base.clone())];
            for at in 0..len {
                for (x, y) in [(b'a', b'b'), (0x7f, 0x80), (0x00, 0xff)] {
                    let (mut a, mut b) = (base.clone(), base.clone());
                    a[at] = x;
                    b[at] = y;
                    cases.push((a.clone(), b.clone()));
                    cases.push((b, a));
                }
            }
            cases.push((base.clone(), [base.as_slice(), b"z"].concat()));
            cases.push(([base.as_slice(), b"z"].concat(), base.clone()));
            for (a, b) in cases {
                assert_eq!(shortlex_less(&a, &b), shortlex(&a, &b) == Ordering::Less, "{a:?} {b:?}");
            }
        }
    }

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

    /// Every duplicate by brute force: (id, first row, row).
    fn brute(ids: &[(u64, String)]) -> Vec<(String, u64, u64)> {
        let mut first = std::collections::HashMap::new();
        let mut out = Vec::new();
        for (row, id) in ids {
            match first.get(id) {
                Some(f) => out.push((id.clone(), *f, *row)),
                None => {
                    first.insert(id.clone(), *row);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn colliding_hashes_are_resolved_by_the_id_bytes_across_runs() {
        // Every id hashes alike (a worst case of collisions): the end pass must read the bytes
        // back from the spilled runs and the memory run and still find exactly the duplicates.
        for hash in [(|_: &[u8]| 7u64) as fn(&[u8]) -> u64, |b: &[u8]| b.len() as u64 % 3] {
            let ids: Vec<(u64, String)> =
                (1..=3000u64).map(|row| (row, format!("id-{}", (row * 7919) % 1400))).collect();
            let mut a = IdCollector::with_budget(1024);
            let mut b = IdCollector::with_budget(1 << 20);
            a.hash = hash;
            b.hash = hash;
            for (row, id) in &ids {
                let c = if row % 2 == 0 { &mut a } else { &mut b };
                c.push(0, *row, id).unwrap_or_else(|e| panic!("{e}"));
            }
            assert!(!a.runs.is_empty() && !b.entries.is_empty(), "both spilled and buffered ids");
            assert_eq!(dups(vec![a, b]), brute(&ids));
        }
    }

    /// A UUID-shaped id for `n`, unique per `n` (the splitmix64 finalizer is a bijection) and in
    /// no order, as content collections keyed by UUID have them.
    fn uuid(n: u64) -> String {
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let (hi, lo) = (mix(n), mix(n ^ 0x5851_F42D_4C95_7F2D));
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0xfff,
            0x8000 | (lo >> 48 & 0x3fff),
            lo & 0xffff_ffff_ffff
        )
    }

    #[test]
    fn distinct_ids_that_collide_in_a_tiny_hash_are_not_duplicates() {
        // A 4-bit hash: every id shares its hash with thousands of others, across spilled runs,
        // the memory run and two workers. Only the bytes may decide, and they all differ.
        let tiny: fn(&[u8]) -> u64 = |b| hash_id(b) & 0xf;
        let mut a = IdCollector::with_budget(4096);
        let mut b = IdCollector::with_budget(1 << 20);
        a.hash = tiny;
        b.hash = tiny;
        for row in 1..=20_000u64 {
            let c = if row % 2 == 0 { &mut a } else { &mut b };
            c.push(0, row, &uuid(row)).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(a.runs.len() > 1 && !b.entries.is_empty(), "spilled runs and buffered ids both take part");
        assert_eq!(dups(vec![a, b]), vec![]);

        // Two different ids with one hash, next to a real duplicate with that same hash.
        let mut c = IdCollector::with_budget(1024);
        c.hash = |_| 42;
        for (row, id) in [(1, "alpha"), (2, "beta"), (3, "gamma"), (4, "beta")] {
            c.push(0, row, id).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(dups(vec![c]), vec![("beta".to_string(), 2, 4)]);
    }

    #[test]
    fn one_real_duplicate_among_millions_of_unordered_ids_is_found_with_its_rows() {
        // 3 million UUIDs in no order, fed as two workers feed batches (so the increasing-span
        // shortcut does not apply), with the default budget: several spilled runs each. Row
        // 2,750,001 repeats the id of row 123,457; nothing else repeats.
        const ROWS: u64 = 3_000_000;
        const BATCH: u64 = 8192;
        let (first, again) = (123_457u64, 2_750_001u64);
        let id_of = |row: u64| if row == again { uuid(first) } else { uuid(row) };
        let spans = SortedSpans::default();
        let mut workers = [IdCollector::default(), IdCollector::default()];
        for (k, start) in (1..=ROWS).step_by(BATCH as usize).enumerate() {
            let n = BATCH.min(ROWS + 1 - start);
            let ids: Vec<String> = (start..start + n).map(id_of).collect();
            workers[k % 2]
                .push_batch(Some(&spans), 0, start, ids.len(), |i| Some(ids[i].as_str()))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(spans.is_empty(), "no batch of UUIDs is increasing");
        assert!(workers.iter().all(|w| !w.runs.is_empty()), "each worker spilled");
        let [a, b] = workers;
        assert_eq!(dups(vec![a, b]), vec![(uuid(first), first, again)]);
    }

    #[test]
    fn long_ids_past_the_read_block_are_compared_whole() {
        let long = |c: char| c.to_string().repeat(70_000);
        let ids: Vec<(u64, String)> = vec![(1, long('x')), (2, long('y')), (3, long('x')), (4, "x".into())];
        let mut a = IdCollector::with_budget(1024);
        a.hash = |_| 1;
        for (row, id) in &ids {
            a.push(0, *row, id).unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(dups(vec![a]), brute(&ids));
    }

    #[test]
    fn positions_keep_manifest_and_row_apart() {
        for (m, row) in [(0usize, 1u64), (3, (1 << ROW_BITS) - 1), ((1 << 24) - 1, 42)] {
            assert_eq!(pos(m, row).map(unpos), Some((m, row)));
        }
        assert!(pos(1 << 24, 1).is_none() && pos(0, 1 << ROW_BITS).is_none());
        assert!(pos(1, 0) > pos(0, (1 << ROW_BITS) - 1), "positions sort like (manifest, row)");
    }

    #[test]
    fn ids_that_share_a_hash_are_told_apart_by_their_bytes() {
        // As after a 64-bit collision: two ids interleaved within one hash group.
        let mut group = Group::default();
        group.start();
        let mut found = Found::default();
        for (id, row) in [("a", 1), ("b", 2), ("a", 3), ("b", 4), ("c", 5)] {
            group.add(id.as_bytes(), row, &mut found);
        }
        let got: Vec<(&[u8], u64, u64)> = found
            .dups
            .iter()
            .map(|&(pos, k)| (found.firsts[k as usize].0.as_slice(), found.firsts[k as usize].1, pos))
            .collect();
        assert_eq!(got, vec![(&b"a"[..], 1, 3), (&b"b"[..], 2, 4)]);
    }

    #[test]
    fn increasing_batches_are_summed_up_and_joined() {
        let spans = SortedSpans::default();
        let mut c = IdCollector::with_budget(1024);
        let ids = ["item-8", "item-9", "item-10", "item-11", "item-12", "item-13"];
        // Batches arrive out of order (two workers); shortlex puts item-9 before item-10.
        for (first_row, range) in [(4u64, 3..6), (1, 0..3)] {
            let batch = &ids[range];
            c.push_batch(Some(&spans), 0, first_row, batch.len(), |i| Some(batch[i]))
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
            c.push_batch(Some(&spans), 0, first_row, batch.len(), |i| Some(batch[i]))
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
        c.push_batch(Some(&spans), 0, 1, batch.len(), |i| batch[i]).unwrap_or_else(|e| panic!("{e}"));
        assert!(spans.is_empty());
        assert_eq!(dups(vec![c]), vec![("a".to_string(), 3, 4)]);
        // A batch with only nulls records nothing.
        let mut c = IdCollector::with_budget(1024);
        c.push_batch(Some(&spans), 0, 1, 3, |_| None).unwrap_or_else(|e| panic!("{e}"));
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
