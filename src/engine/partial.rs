//! [`Partial`]: what the audit of some of a collection's rows has found so far. Owned, mergeable
//! and serializable, so the rows can be split any way (threads, processes, Spark tasks) and the
//! pieces merged in any order into the same report.
//!
//! A partial holds two kinds of state. The *result* (row counts, license labels, hosts, finding
//! groups with their first examples, the first findings, ids for the duplicate check) is what
//! merging adds up and what [`Partial::to_bytes`] writes. The *working memory* (per-worker
//! judgement slots, the current URL prefix, a findings file's encoder) only makes the next batch
//! faster; it is never serialized and is rebuilt on demand, so a partial read back from bytes
//! observes more rows exactly like a fresh one.

use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::Auditor;
use crate::dedup::{IdCollector, SortedSpans};
use crate::error::{Error, Result};
use crate::policy::collection::HostTally;
use crate::policy::url::UrlPrefix;
use crate::policy::{Judgement, Rule, Severity};
use crate::report::findings::{CHUNK_ROWS, Chunk, Encoder, FindingRef};

/// How many example items each finding group keeps.
pub(crate) const EXAMPLES: usize = 3;

/// Distinct hosts tallied per partial before the rest are counted together.
pub(crate) const HOST_CAP: usize = 10_000;

/// URL prefixes kept besides the current one (see [`Partial::recent_prefixes`]): enough for the
/// handful of hosts and folders a collection mixes; a row that matches none is checked in full.
pub(crate) const RECENT_PREFIXES: usize = 8;

/// A URL prefix that was current before, with its host and the items counted for it since.
#[derive(Debug)]
pub(crate) struct RecentPrefix {
    pub(crate) prefix: UrlPrefix,
    pub(crate) host: String,
    pub(crate) tally: HostTally,
}

/// Adds a run of items of `host` to the host table (past [`HOST_CAP`] hosts, to the shared
/// entry of the others).
pub(crate) fn count_host(hosts: &mut HashMap<String, HostTally>, host: &str, run: HostTally) {
    if run.items == 0 {
        return;
    }
    let tally = match hosts.get_mut(host) {
        Some(t) => t,
        None => {
            let key = if hosts.len() < HOST_CAP { host.to_string() } else { OTHER_HOSTS.to_string() };
            hosts.entry(key).or_default()
        }
    };
    tally.items += run.items;
    tally.uncovered += run.uncovered;
}
pub(crate) const OTHER_HOSTS: &str = "(other hosts)";

/// Bumped whenever the serialized form changes: bytes of another version are refused.
const FORMAT_VERSION: u32 = 2;

/// A worker's view of a cached verdict: the group slots its findings count into.
#[derive(Debug)]
pub(crate) struct LocalVerdict {
    pub(crate) verdict: Arc<Judgement>,
    pub(crate) groups: Vec<usize>,
    /// The kind of its first finding; the others' follow (see [`Partial::new_kinds`]).
    pub(crate) kinds: u64,
    /// The value as findings quote it.
    pub(crate) value: Option<String>,
}

/// A group of findings: one rule and key (and waiver), counted, with its first examples.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct GroupAcc {
    pub(crate) rule: Rule,
    pub(crate) severity: Severity,
    pub(crate) key: String,
    pub(crate) message: String,
    pub(crate) count: u64,
    /// The first items (by manifest, row), at most [`EXAMPLES`].
    pub(crate) examples: Vec<(usize, u64, String)>,
    /// The exception (index) that waives these findings.
    pub(crate) waived: Option<usize>,
}

/// A retained finding, ordered by position so the report keeps the first ones.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct Retained {
    pub(crate) manifest: usize,
    pub(crate) row: u64,
    pub(crate) rule: Rule,
    pub(crate) line: Option<u64>,
    pub(crate) item: String,
    pub(crate) message: String,
    pub(crate) value: Option<String>,
    pub(crate) evidence: Option<String>,
    pub(crate) severity: Severity,
    pub(crate) waived: Option<usize>,
}

/// Where a finding is: its manifest and row, the text line where the row starts, the item's id
/// (without one, the item is named by its row), and the evidence of where its license came from.
#[derive(Clone, Copy)]
pub(crate) struct At<'r> {
    pub(crate) manifest: usize,
    pub(crate) row: u64,
    pub(crate) line: Option<u64>,
    pub(crate) id: Option<&'r str>,
    pub(crate) evidence: Option<&'r str>,
    /// The item's license label (its normalized SPDX expression, or the status when none), for
    /// the findings file; None where the row was not read or the finding is made later.
    pub(crate) license: Option<&'r str>,
    /// Names `license` for the findings file's encoder: the label's number in the partial,
    /// which never comes back with another text (see [`FindingRef::license_key`]).
    pub(crate) license_key: Option<u64>,
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

/// Where a findings file's encoded chunks go: the runner's ordered writer, or the file itself.
/// Chunks are sent every [`CHUNK_ROWS`] findings, so a call through the trait costs nothing per
/// finding.
pub(crate) trait ChunkSink: Send {
    /// Encoded findings of unit `seq` (a unit may send several chunks).
    fn chunk(&mut self, seq: u64, chunk: Chunk, rows: usize) -> Result<()>;
    /// Unit `seq` is finished.
    fn done(&mut self, seq: u64) -> Result<()>;
    /// No more chunks: complete the output (a file gets its footer).
    fn close(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}

/// The findings file itself is a sink when one thread writes it in order.
impl ChunkSink for crate::report::findings::FindingsFile {
    fn chunk(&mut self, _seq: u64, chunk: Chunk, rows: usize) -> Result<()> {
        self.append(chunk, rows)
    }
    fn done(&mut self, _seq: u64) -> Result<()> {
        Ok(())
    }
    fn close(self: Box<Self>) -> Result<()> {
        (*self).finish().map(|_| ())
    }
}

/// A partial's findings output: where its chunks go, the unit it is on, and its encoder.
pub(crate) struct Output {
    pub(crate) sink: Box<dyn ChunkSink>,
    pub(crate) seq: u64,
    pub(crate) encoder: Encoder,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("seq", &self.seq).finish()
    }
}

impl Output {
    pub(crate) fn send_chunk(&mut self) -> Result<()> {
        let rows = self.encoder.len();
        let Some(chunk) = self.encoder.take() else { return Ok(()) };
        self.sink.chunk(self.seq, chunk, rows)
    }

    /// Unit `seq` is finished.
    pub(crate) fn done(&mut self, seq: u64) -> Result<()> {
        self.send_chunk()?;
        self.sink.done(seq)
    }
}

/// The findings of a partial: their groups (counts and examples), the first `max_findings` kept
/// for the report, and, with a findings file, the output every finding is encoded to.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub(crate) groups: Vec<GroupAcc>,
    pub(crate) group_index: HashMap<(Rule, String, Option<usize>), usize>,
    pub(crate) findings: BinaryHeap<Retained>,
    pub(crate) errors: Vec<Error>,
    /// With a findings file: where every finding goes, in the order found.
    pub(crate) out: Option<Output>,
}

impl Recorder {
    pub(crate) fn group(&mut self, rule: Rule, severity: Severity, key: &str, message: &str) -> usize {
        self.group_with(rule, severity, key, message, None)
    }

    /// The group of (rule, key), apart for findings waived by an exception.
    pub(crate) fn group_with(
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

    /// The one waiver path: every finding, item or collection, passes here. An item finding
    /// (`item` Some) is waived by an exception naming the rule and matching the item; a
    /// collection finding by one naming the rule alone. The finding then counts in a group of
    /// its own, apart from the active ones. Returns the group it counts in and the exception.
    pub(crate) fn waive(&mut self, ax: &Auditor, group: usize, item: Option<&str>) -> (usize, Option<usize>) {
        let rule = self.groups[group].rule;
        if !ax.policy.exceptions.any_for(rule) {
            return (group, None);
        }
        match ax.policy.exceptions.waiver(rule, item) {
            Some(x) => {
                let g = &self.groups[group];
                let (severity, key, msg) = (g.severity, g.key.clone(), g.message.clone());
                (self.group_with(rule, severity, &key, &msg, Some(x)), Some(x))
            }
            None => (group, None),
        }
    }

    /// Counts a collection finding (no item, no row) in its group, through the waiver path.
    pub(crate) fn record_collection(&mut self, ax: &Auditor, group: usize) -> Option<usize> {
        let (group, waived) = self.waive(ax, group, None);
        self.groups[group].count += 1;
        waived
    }

    /// Whether a finding at (manifest, row) of `rule` would be kept or written, so its texts are
    /// worth making.
    pub(crate) fn wants_texts(&self, ax: &Auditor, manifest: usize, row: u64, rule: Rule) -> bool {
        self.out.is_some()
            || (ax.max_findings > 0
                && (self.findings.len() < ax.max_findings
                    || self
                        .findings
                        .peek()
                        .is_some_and(|top| (manifest, row, rule) < (top.manifest, top.row, top.rule))))
    }

    /// Counts a finding in its group, and keeps it when it is among the first `max_findings`.
    /// Returns false when an exception waives it (it is counted in a waived group instead).
    /// Borrows everything: a finding that is only counted and encoded allocates nothing.
    /// `kind` names (group's rule and severity, message, value) for the findings file: see
    /// [`Partial::new_kinds`].
    pub(crate) fn record(
        &mut self,
        ax: &Auditor,
        group: usize,
        at: &At,
        message: &str,
        value: Option<&str>,
        kind: Option<u64>,
    ) -> bool {
        let (manifest, row) = (at.manifest, at.row);
        let mut digits = [0u8; 20];
        let item = at.item(&mut digits);
        let (group, waived) = self.waive(ax, group, Some(item));
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
                manifest: ax.manifests.get(manifest).map(String::as_str),
                row: Some(row),
                line: at.line,
                message,
                value,
                evidence: at.evidence,
                license: at.license,
                license_key: at.license_key,
                waived: waived.and_then(|x| ax.policy.exceptions.get(x)).map(|e| e.reason.as_str()),
                kind,
                manifest_index: Some(manifest),
            });
            if out.encoder.len() >= CHUNK_ROWS
                && let Err(e) = out.send_chunk()
            {
                self.errors.push(e);
            }
        }
        let max = ax.max_findings;
        if max == 0 {
            return waived.is_none();
        }
        let keep = self.findings.len() < max
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
            if self.findings.len() > max {
                self.findings.pop();
            }
        }
        waived.is_none()
    }
}

/// What the audit of some rows found; see the module docs. Made by [`Auditor::partial`], fed by
/// [`Auditor::observe`], combined with [`Partial::merge`] and turned into a report by
/// [`Auditor::finish`].
#[derive(Default)]
pub struct Partial {
    // ---- the result ----
    /// How many findings to keep (the auditor's `max_findings`).
    pub(crate) max_findings: usize,
    pub(crate) rec: Recorder,
    pub(crate) labels: Vec<(String, u64)>,
    /// Rows per manifest.
    pub(crate) rows: Vec<u64>,
    /// Whether each manifest had a url column.
    pub(crate) has_url: Vec<bool>,
    pub(crate) hosts: HashMap<String, HostTally>,
    pub(crate) items_with_errors: u64,
    /// AI systems: items per part ([`crate::policy::Component`] order), and whether any batch
    /// had a component column.
    pub(crate) components: [u64; 4],
    pub(crate) component_column: bool,
    pub(crate) ids: IdCollector,
    /// Batches whose ids were increasing; see [`IdCollector::push_batch`].
    pub(crate) spans: SortedSpans,

    // ---- working memory (never serialized) ----
    /// Per-row lookups: FxHash, since SipHash's DoS resistance buys nothing for a local cache
    /// and costs a few percent of a run.
    pub(crate) local: FxHashMap<String, usize>,
    pub(crate) verdicts: Vec<LocalVerdict>,
    /// Per verdict slot, what the row loop needs, packed so all of it stays in L1: `NOISY`
    /// when the verdict has findings, and its label slot + 1 (0 for none) in the low bits.
    pub(crate) slot_bits: Vec<u32>,
    pub(crate) key_buf: String,
    /// Rows per label not yet in `labels`, counted in four lanes by row: one counter bumped by
    /// every row made each row wait for the row before's store (see [`Partial::fold_label_rows`]).
    pub(crate) label_rows: Vec<[u64; 4]>,
    pub(crate) label_index: HashMap<String, usize>,
    pub(crate) run_host: String,
    pub(crate) run_tally: HostTally,
    pub(crate) url_memo: crate::policy::url::UrlMemo,
    /// The prefix of the last good URL, valid while its host is `run_host`.
    pub(crate) url_prefix: Option<UrlPrefix>,
    /// The prefixes before it, most recent first (at most [`RECENT_PREFIXES`]), each with its
    /// host and the items counted for it since it left the current run. A stray URL amid a long
    /// run of one prefix then costs one full check, not a second one to find the prefix again;
    /// and hosts mixed row by row (a few hosts in any order) cost a few prefix comparisons per
    /// row instead of a URL check, a host table update and a host string each time the host
    /// changes.
    pub(crate) recent_prefixes: Vec<RecentPrefix>,
    /// For dictionary columns (license, access): dictionary index + 1 (0 = null) -> verdict
    /// slot, `UNJUDGED` when not judged yet; valid for the dictionary in `dict_values`.
    pub(crate) dict_slots: [Vec<u32>; 2],
    pub(crate) dict_values: [Option<arrow_array::StringArray>; 2],
    /// Per batch: each row's license and access verdict slots.
    pub(crate) row_slots: [Vec<u32>; 2],
    /// The next finding kind to hand out (see [`Partial::new_kinds`]).
    pub(crate) next_kind: u64,
    /// AI systems: component values already read.
    pub(crate) component_memo: FxHashMap<String, Option<crate::policy::Component>>,
}

impl std::fmt::Debug for Partial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partial").field("rows", &self.rows).field("groups", &self.rec.groups.len()).finish()
    }
}

/// The serialized form of a partial's result.
#[derive(Serialize, Deserialize)]
struct Frozen {
    version: u32,
    max_findings: usize,
    groups: Vec<GroupAcc>,
    findings: Vec<Retained>,
    labels: Vec<(String, u64)>,
    rows: Vec<u64>,
    has_url: Vec<bool>,
    hosts: BTreeMap<String, (u64, u64)>,
    items_with_errors: u64,
    components: [u64; 4],
    component_column: bool,
    /// Every buffered or spilled id: (manifest, row, id).
    ids: Vec<(usize, u64, String)>,
    /// Increasing spans: (manifest, first row, end row, first id, last id).
    spans: Vec<(usize, u64, u64, String, String)>,
}

impl Partial {
    pub(crate) fn new(manifests: usize, max_findings: usize) -> Partial {
        Partial {
            max_findings,
            rows: vec![0; manifests],
            has_url: vec![false; manifests],
            ..Partial::default()
        }
    }

    /// Rows observed so far.
    pub fn rows(&self) -> u64 {
        self.rows.iter().sum()
    }

    /// `n` new finding kinds (the first; the others follow it). A kind names a finding's rule,
    /// severity, message and value for the findings file's encoder, which keeps a kind's texts
    /// once per chunk without comparing them again. So a kind is handed out once per partial
    /// and for texts that never change: a judged value's findings (a verdict is never
    /// modified, and one judged again after the cache starts over gets new kinds), or a fixed
    /// message. Per-row texts get none.
    pub(crate) fn new_kinds(&mut self, n: usize) -> u64 {
        let first = self.next_kind;
        self.next_kind += n as u64;
        first
    }

    pub(crate) fn label(&mut self, label: &str) -> usize {
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
    pub(crate) fn fold_label_rows(&mut self) {
        for ((_, n), lanes) in self.labels.iter_mut().zip(&mut self.label_rows) {
            *n += lanes.iter().sum::<u64>();
            *lanes = [0; 4];
        }
    }

    /// Counts the current run of one host into the host table.
    pub(crate) fn flush_host_run(&mut self) {
        let run = std::mem::take(&mut self.run_tally);
        count_host(&mut self.hosts, &self.run_host, run);
    }

    /// Everything counted so far moved out of the working memory into the result.
    pub(crate) fn settle(&mut self) {
        self.flush_host_run();
        for r in &mut self.recent_prefixes {
            count_host(&mut self.hosts, &r.host, std::mem::take(&mut r.tally));
        }
        self.fold_label_rows();
    }

    /// Adds `other`'s result to this one. Any split of the rows, merged in any order, gives the
    /// same report (findings and examples are kept by position, counts are sums).
    pub fn merge(&mut self, mut other: Partial) -> Result<()> {
        self.settle();
        other.settle();
        // Bytes from elsewhere may disagree on lengths: never index past either.
        let manifests = self.rows.len().max(other.rows.len()).max(other.has_url.len());
        self.rows.resize(manifests, 0);
        self.has_url.resize(manifests, false);
        for (i, n) in other.rows.iter().enumerate() {
            self.rows[i] += n;
        }
        for (i, h) in other.has_url.iter().enumerate() {
            self.has_url[i] |= h;
        }
        for (host, t) in other.hosts {
            self.add_host(host, t);
        }
        self.items_with_errors += other.items_with_errors;
        for (mine, theirs) in self.components.iter_mut().zip(other.components) {
            *mine += theirs;
        }
        self.component_column |= other.component_column;
        for g in other.rec.groups {
            self.add_group(g);
        }
        for (label, n) in other.labels {
            let i = self.label(&label);
            self.labels[i].1 += n;
        }
        self.add_findings(other.rec.findings.into_vec());
        self.ids.merge(other.ids).map_err(|e| Error::io_op("merging duplicate-id runs", &e))?;
        self.spans.absorb(other.spans);
        self.rec.errors.extend(other.rec.errors);
        Ok(())
    }

    fn add_host(&mut self, host: String, t: HostTally) {
        let key = if self.hosts.contains_key(&host) || self.hosts.len() < HOST_CAP {
            host
        } else {
            OTHER_HOSTS.to_string()
        };
        let mine = self.hosts.entry(key).or_default();
        mine.items += t.items;
        mine.uncovered += t.uncovered;
    }

    fn add_group(&mut self, g: GroupAcc) {
        let i = self.rec.group_with(g.rule, g.severity, &g.key, &g.message, g.waived);
        let mine = &mut self.rec.groups[i];
        mine.count += g.count;
        mine.examples.extend(g.examples);
        mine.examples.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)).then(a.2.cmp(&b.2)));
        mine.examples.dedup();
        mine.examples.truncate(EXAMPLES);
    }

    /// Keeps the first `max_findings` findings of both (by manifest, row and rule).
    fn add_findings(&mut self, findings: Vec<Retained>) {
        for f in findings {
            self.rec.findings.push(f);
            if self.rec.findings.len() > self.max_findings {
                self.rec.findings.pop();
            }
        }
    }

    /// The partial's result in a compact binary form, for another process to merge
    /// ([`Partial::from_bytes`]). Ids buffered for the duplicate check are included, so the
    /// size grows with the rows whose ids were not in order.
    pub fn to_bytes(mut self) -> Result<Vec<u8>> {
        self.settle();
        if let Some(e) = self.rec.errors.pop() {
            return Err(e);
        }
        let mut ids = Vec::new();
        self.ids
            .for_each(&mut |manifest, row, id| ids.push((manifest, row, id.to_string())))
            .map_err(|e| Error::io_op("reading back duplicate-id runs", &e))?;
        let frozen = Frozen {
            version: FORMAT_VERSION,
            max_findings: self.max_findings,
            groups: self.rec.groups,
            findings: self.rec.findings.into_vec(),
            labels: self.labels,
            rows: self.rows,
            has_url: self.has_url,
            hosts: self.hosts.into_iter().map(|(h, t)| (h, (t.items, t.uncovered))).collect(),
            items_with_errors: self.items_with_errors,
            components: self.components,
            component_column: self.component_column,
            ids,
            spans: self.spans.export(),
        };
        postcard::to_allocvec(&frozen)
            .map_err(|e| Error::internal(format!("cannot serialize a partial: {e}")))
    }

    /// A partial written by [`Partial::to_bytes`] (of this version of dpg-audit).
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        let frozen: Frozen = postcard::from_bytes(bytes)
            .map_err(|e| Error::usage(format!("not a dpg-audit partial (or of another version): {e}")))?;
        if frozen.version != FORMAT_VERSION {
            return Err(Error::usage(format!(
                "a dpg-audit partial of format {}, this version reads format {FORMAT_VERSION}",
                frozen.version
            )));
        }
        let mut p = Partial::new(frozen.rows.len(), frozen.max_findings);
        p.rows = frozen.rows;
        p.has_url = frozen.has_url;
        // One flag per manifest, whatever the bytes say.
        p.has_url.resize(p.rows.len(), false);
        p.items_with_errors = frozen.items_with_errors;
        p.components = frozen.components;
        p.component_column = frozen.component_column;
        for (host, (items, uncovered)) in frozen.hosts {
            p.add_host(host, HostTally { items, uncovered });
        }
        for g in frozen.groups {
            p.add_group(g);
        }
        for (label, n) in frozen.labels {
            let i = p.label(&label);
            p.labels[i].1 += n;
        }
        p.rec.findings = frozen.findings.into_iter().collect();
        for (manifest, row, id) in frozen.ids {
            p.ids.push(manifest, row, &id).map_err(|e| Error::io_op("buffering duplicate ids", &e))?;
        }
        for (manifest, start, end, first, last) in frozen.spans {
            p.spans.insert(manifest, start..end, first.as_bytes(), last.as_bytes());
        }
        Ok(p)
    }
}
