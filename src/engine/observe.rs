//! The row loop: how a [`Partial`] observes a batch of items. Every distinct value (license
//! statement, access restriction) is judged once through the auditor's shared cache and a
//! per-partial map in front of it; each row then costs a few slot lookups, and most rows only
//! count. Nothing here spawns threads or blocks: the runner (`crate::run`) decides who observes
//! what.

use arrow_array::Array;

use super::Auditor;
use super::partial::{At, LocalVerdict, Partial, RECENT_PREFIXES, RecentPrefix, count_host};
use crate::config::DpgType;
use crate::error::Error;
use crate::manifest::{self, Field, ItemBatch, TextColumn};
use crate::policy::url::UrlPrefix;
use crate::policy::{Component, FindingSpec, Rule, Severity, access, findings, quote};

/// Distinct values a partial remembers. Real license columns hold a few hundred distinct
/// strings; the cap only matters for columns of unique free text. A partial starts over between
/// batches (its slots are held for a whole batch), so it may hold up to two values per row of
/// one batch beyond its cap.
const LOCAL_CACHE_CAP: usize = 1 << 16;

/// Row slots that name no verdict: a row the reader could not read, and (in a dictionary's
/// slots) a value not judged yet.
const UNREAD: u32 = u32::MAX;
const UNJUDGED: u32 = u32::MAX - 1;

/// [`Partial::slot_bits`]: the verdict has findings; the label slot + 1 below.
const NOISY: u32 = 1 << 31;
const LABEL_BITS: u32 = NOISY - 1;

/// Whether two string arrays share their buffers (and so, while one is held, their values).
fn same_array(a: &arrow_array::StringArray, b: &arrow_array::StringArray) -> bool {
    a.len() == b.len()
        && a.offsets().inner().inner().as_ptr() == b.offsets().inner().inner().as_ptr()
        && a.values().as_ptr() == b.values().as_ptr()
        && a.nulls().map(|n| n.buffer().as_ptr()) == b.nulls().map(|n| n.buffer().as_ptr())
}

#[inline(always)]
fn get<'b>(column: &Option<TextColumn<'b>>, i: usize) -> Option<&'b str> {
    column.as_ref().and_then(|c| c.get(i))
}

/// What a cached judgement is about; the value indexes the per-column arrays
/// ([`Partial::dict_slots`], `dict_values`, `row_slots`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    License = 0,
    Access = 1,
}

/// The cache key of a value: its kind, which parts are present (value, version, license URL,
/// component), then the parts, each but the last length-prefixed. Parts are never run together,
/// so `by` + version `4.0` and `by` + license URL `4.0` are different keys (they once shared one,
/// and the second row inherited the first's verdict). The usual key (a value alone) is the kind,
/// the mask and the value: nothing to format per row.
#[inline]
pub(crate) fn cache_key(buf: &mut String, kind: Kind, parts: [Option<&str>; 4]) {
    buf.clear();
    buf.push(match kind {
        Kind::License => 'L',
        Kind::Access => 'A',
    });
    let mask = parts.iter().enumerate().fold(0u8, |m, (i, p)| m | (u8::from(p.is_some()) << i));
    buf.push(char::from(b'a' + mask));
    let last = parts.iter().rposition(Option::is_some);
    for (i, part) in parts.iter().enumerate() {
        let Some(p) = part else { continue };
        if Some(i) != last {
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut n = p.len();
            loop {
                at -= 1;
                digits[at] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            buf.push_str(std::str::from_utf8(&digits[at..]).unwrap_or("0"));
            buf.push(':');
        }
        buf.push_str(p);
    }
}

impl Partial {
    pub(crate) fn evaluate(&mut self, ax: &Auditor, batch: &ItemBatch) {
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
        self.url_memo.allow_private = ax.allow_private_hosts;
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
        // An AI system's parts follow different rules: the component is part of the statement.
        let component =
            if ax.policy.dpg_type == DpgType::AiSystem { batch.column(Field::Component) } else { None };
        if let Some(c) = &component {
            self.tally_components(c, n);
        }
        let cols = [&license, &version, &license_url, &component];
        self.fill_slots(ax, Kind::License, cols, n, &batch.problems, license_slots);
        let has_access = access_col.is_some();
        if has_access {
            self.fill_slots(
                ax,
                Kind::Access,
                [&access_col, &None, &None, &None],
                n,
                &batch.problems,
                access_slots,
            );
        }
        let [license_slots, access_slots] = &slots;
        let access_slots = has_access.then_some(access_slots.as_slice());
        match &url {
            // The usual URL column, read through a closure the compiler can inline into the row
            // loop rather than through `TextColumn::get`'s match on the layout (measured: about
            // 1% of the row loop; the id check below gained more).
            Some(TextColumn::Utf8(a)) if a.null_count() == 0 => {
                self.evaluate_rows(ax, batch, license_slots, access_slots, &url, |i| Some(a.value(i)))
            }
            _ => self.evaluate_rows(ax, batch, license_slots, access_slots, &url, |i| get(&url, i)),
        }
        self.row_slots = slots;
        let (spans, first) = (&self.spans, batch.first_row);
        let pushed = match &id {
            // The usual id column: a closure the compiler can inline into the order check that
            // runs on every row (reading through `TextColumn::get` cost a call per row).
            Some(TextColumn::Utf8(a)) if a.null_count() == 0 => {
                self.ids.push_batch(ax.summarize_ids.then_some(spans), m, first, n, |i| Some(a.value(i)))
            }
            Some(col) => self.ids.push_batch(ax.summarize_ids.then_some(spans), m, first, n, |i| col.get(i)),
            None => Ok(()),
        };
        if let Err(e) = pushed {
            self.rec.errors.push(Error::io_op("writing a temporary file for duplicate ids", &e));
        }
    }

    /// The row loop of [`evaluate`](Self::evaluate): counts, findings and URL checks per row,
    /// given each row's verdict slots (access ones when the manifest has the column) and the
    /// URL of row `i` as `url_at(i)`.
    fn evaluate_rows<'b>(
        &mut self,
        ax: &Auditor,
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
        // The label texts, lent to the findings of this batch (labels are only added while
        // slots are filled, before the row loop) and put back at its end.
        let labels = std::mem::take(&mut self.labels);
        let label_of = |bits: u32| {
            ((bits & LABEL_BITS) as usize).checked_sub(1).and_then(|l| labels.get(l)).map(|(t, _)| t.as_str())
        };
        let at = |i: usize| At {
            manifest: m,
            row: batch.first_row + i as u64,
            line: batch.lines.as_ref().and_then(|l| l.get(i).copied()),
            id: get(&id, i),
            evidence: None,
            license: None,
            license_key: None,
        };

        let has_url = url.is_some();
        // `--check-urls`: a row whose access or license URL has a problem goes the long way.
        let checks = ax.url_checks.as_deref();
        let (license_col, license_url_col) = match checks {
            Some(_) => (batch.column(Field::License), batch.column(Field::LicenseUrl)),
            None => (None, None),
        };
        let checked = |i: usize| -> [Option<&crate::remote::check::Problem>; 2] {
            let Some(c) = checks else { return [None, None] };
            let access = url_at(i).and_then(|u| c.access_problem(u));
            let license = match (get(&license_url_col, i), get(&license_col, i)) {
                (Some(lu), Some(l)) => c.license_problem(lu, l),
                _ => None,
            };
            [access, license]
        };
        let mut i = 0;
        while i < n {
            // Most rows only count: judged values without findings, and a URL with the prefix
            // of the current run of one host (or no URL column). A tight loop of their own
            // keeps the rest of the row's work out of it.
            let prefix = self.url_prefix.as_ref();
            let (mut items, mut uncovered) = (0u64, 0u64);
            while i < n {
                if checks.is_some() && checked(i).iter().any(Option::is_some) {
                    break;
                }
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
                            ax.policy.profile.severity(Rule::ManifestRowInvalid),
                            p.kind,
                            &p.message,
                        );
                        if self.rec.record(ax, g, &at(i), &p.message, None, None) {
                            self.items_with_errors += 1;
                        }
                    }
                    break 'row;
                }
                let mut has_error = false;

                // License and access restrictions: judged once per distinct value already.
                let bits = self.slot_bits[license_slot];
                let license = label_of(bits);
                let label = ((bits & LABEL_BITS) as usize).checked_sub(1);
                if let Some(label) = label {
                    self.label_rows[label][i & 3] += 1;
                }
                let license_key = label.map(|l| l as u64);
                let mut noisy = bits & NOISY != 0;
                let access_slot = access_slots.map_or(usize::MAX, |a| a[i] as usize);
                if has_access {
                    noisy |= self.slot_bits[access_slot] & NOISY != 0;
                }
                if noisy {
                    let at = At { license, license_key, ..at(i) };
                    has_error |=
                        self.record_verdict(ax, license_slot, &At { evidence: get(&evidence, i), ..at });
                    if has_access {
                        has_error |= self.record_verdict(ax, access_slot, &at);
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
                    && let Some(j) = self
                        .recent_prefixes
                        .iter()
                        .position(|r| if urls_visible { r.prefix.starts(u) } else { r.prefix.matches(u) })
                {
                    // Back to a prefix seen before: it becomes current, the current one takes
                    // its place among the recent ones.
                    self.resume_prefix(j);
                } else if url.is_some() {
                    let problem = match raw_url.map(str::trim).filter(|u| !u.is_empty()) {
                        None => Some((Rule::AccessLocationMissing, None, 8usize)),
                        Some(u) => match self.url_memo.check(u) {
                            Ok((host, path)) => {
                                let covered = ax.policy.locations.covers_path(host, path);
                                self.tally_host(host, covered);
                                if raw_url.is_some_and(|r| r.len() == u.len()) {
                                    let locations = &ax.policy.locations;
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
                                    Some((_, p)) => findings::url_invalid_group(p),
                                    None => findings::url_missing_group(),
                                };
                                let g = self.rec.group(rule, ax.policy.profile.severity(rule), key, &message);
                                // A missing URL's finding has fixed texts; an invalid one quotes it.
                                let kind = detail.is_none().then(|| self.new_kinds(1));
                                url_groups[slot] = Some((g, kind));
                                (g, kind)
                            }
                        };
                        let active = match detail {
                            Some((u, p)) => {
                                let (msg, shown) = findings::url_invalid(u, p);
                                self.rec.record(
                                    ax,
                                    g,
                                    &At { license, license_key, ..at(i) },
                                    &msg,
                                    Some(&shown),
                                    None,
                                )
                            }
                            None => {
                                let at = At { license, license_key, ..at(i) };
                                self.rec.record(ax, g, &at, findings::NO_URL, None, kind)
                            }
                        };
                        has_error |= active && ax.policy.profile.severity(rule) == Severity::Error;
                    }
                }

                // `--check-urls`: what the item's URLs answered.
                for p in checked(i).into_iter().flatten() {
                    let severity = ax.policy.profile.severity(p.rule);
                    let g = self.rec.group(p.rule, severity, &p.kind, &p.group_message());
                    let active =
                        self.rec.record(ax, g, &At { license, ..at(i) }, &p.message, Some(&p.value), None);
                    has_error |= active && severity == Severity::Error;
                }

                if has_error {
                    self.items_with_errors += 1;
                }
            }
            i += 1;
        }
        self.labels = labels;
    }

    /// Fills `out` with the verdict slot of each of the batch's `n` rows for one kind of value
    /// (`cols`: the value column, and for licenses the version and license URL columns beside
    /// it). Rows the reader could not read (`problems`, sorted by index) get [`UNREAD`] and are
    /// not judged. A dictionary column (with nothing beside it, as the verdict key is then the
    /// value alone) maps its keys through per-dictionary slots, kept while the next batch has
    /// the same dictionary: Parquet row groups hand every batch the column chunk's dictionary.
    fn fill_slots(
        &mut self,
        ax: &Auditor,
        kind: Kind,
        cols: [&Option<TextColumn>; 4],
        n: usize,
        problems: &[manifest::RowProblem],
        out: &mut Vec<u32>,
    ) {
        let which = kind as usize;
        out.clear();
        let [col, version, license_url, component] = cols;
        let dict = col
            .as_ref()
            .and_then(|c| c.dictionary())
            .filter(|_| version.is_none() && license_url.is_none() && component.is_none());
        let Some((keys, values)) = dict else {
            let mut problems = problems.iter().peekable();
            for i in 0..n {
                if problems.next_if(|p| p.index == i).is_some() {
                    out.push(UNREAD);
                    continue;
                }
                let parts = [get(col, i), get(version, i), get(license_url, i), get(component, i)];
                let slot = self.judged(ax, kind, parts);
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
                *slot = u32::try_from(self.dict_slot(ax, kind, keys.key(i), values)).unwrap_or(UNREAD);
            }
        }
    }

    /// Counts an item's host (as written; case is folded once at the end). Items of one host come
    /// in long runs, so the current run is tallied apart and flushed into the map when the host
    /// changes. Past [`HOST_CAP`] distinct hosts the rest share one entry, keeping memory bounded.
    fn tally_host(&mut self, host: &str, covered: bool) {
        if self.run_host != host {
            let old = std::mem::replace(&mut self.run_host, host.to_string());
            let run = std::mem::take(&mut self.run_tally);
            match self.url_prefix.take() {
                // The URL prefix counts into the current run: it leaves with it, as the most
                // recent one; the oldest drops off the end, its items into the host table.
                Some(prefix) => {
                    if self.recent_prefixes.len() >= RECENT_PREFIXES
                        && let Some(last) = self.recent_prefixes.pop()
                    {
                        count_host(&mut self.hosts, &last.host, last.tally);
                    }
                    self.recent_prefixes.insert(0, RecentPrefix { prefix, host: old, tally: run });
                }
                None => count_host(&mut self.hosts, &old, run),
            }
        }
        self.run_tally.items += 1;
        if !covered {
            self.run_tally.uncovered += 1;
        }
    }

    /// Makes recent prefix `j` current again and counts a row under it (see [`tally_host`]):
    /// the two swap places, host, prefix and items counted, so nothing is flushed or copied.
    fn resume_prefix(&mut self, j: usize) {
        let r = &mut self.recent_prefixes[j];
        let covered = r.prefix.covered;
        match self.url_prefix.take() {
            Some(current) => {
                std::mem::swap(&mut r.host, &mut self.run_host);
                std::mem::swap(&mut r.tally, &mut self.run_tally);
                self.url_prefix = Some(std::mem::replace(&mut r.prefix, current));
            }
            None => {
                self.flush_host_run();
                let r = self.recent_prefixes.remove(j);
                self.run_host = r.host;
                self.run_tally = r.tally;
                self.url_prefix = Some(r.prefix);
            }
        }
        self.run_tally.items += 1;
        if !covered {
            self.run_tally.uncovered += 1;
        }
    }

    /// Counts the AI-system parts a batch's rows say they are.
    /// Each distinct value is read once (a component column holds a handful); a run of one
    /// value costs a comparison per row.
    fn tally_components(&mut self, column: &TextColumn, n: usize) {
        self.component_column = true;
        let mut last: Option<(&str, Option<Component>)> = None;
        for i in 0..n {
            let Some(v) = column.get(i) else { continue };
            let c = match last {
                Some((prev, c)) if prev == v => c,
                _ => {
                    let c = match self.component_memo.get(v) {
                        Some(c) => *c,
                        None => {
                            let c = Component::parse(v);
                            if self.component_memo.len() < LOCAL_CACHE_CAP {
                                self.component_memo.insert(v.to_string(), c);
                            }
                            c
                        }
                    };
                    last = Some((v, c));
                    c
                }
            };
            if let Some(c) = c {
                self.components[c as usize] += 1;
            }
        }
    }

    /// Finds (or judges) the verdict for a value; returns its slot. The key is built in a reused
    /// buffer, so a value seen before costs one hash lookup and no allocation.
    /// `parts`: the value, and for licenses its version, license URL and (AI systems) component.
    fn judged(&mut self, ax: &Auditor, kind: Kind, parts: [Option<&str>; 4]) -> usize {
        cache_key(&mut self.key_buf, kind, parts);
        let [raw, version, url, component] = parts;
        if let Some(&slot) = self.local.get(self.key_buf.as_str()) {
            return slot;
        }
        let key = self.key_buf.clone();
        let policy = &ax.policy;
        let verdict = ax.cache.get(&key, || match kind {
            Kind::License => policy.judge_license(raw, version, url, component),
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
    fn dict_slot(
        &mut self,
        ax: &Auditor,
        kind: Kind,
        key: Option<usize>,
        values: &arrow_array::StringArray,
    ) -> usize {
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
        let slot = self.judged(ax, kind, [raw, None, None, None]);
        if let Some(s) = self.dict_slots[which].get_mut(idx) {
            *s = u32::try_from(slot).unwrap_or(UNJUDGED);
        }
        slot
    }

    /// Records the findings of a judged value for one row; returns whether one is an error.
    fn record_verdict(&mut self, ax: &Auditor, slot: usize, at: &At) -> bool {
        let lv = &self.verdicts[slot];
        let mut has_error = false;
        for ((&g, spec), kind) in lv.groups.iter().zip(&lv.verdict.findings).zip(lv.kinds..) {
            let active = self.rec.record(ax, g, at, &spec.message, lv.value.as_deref(), Some(kind));
            has_error |= active && spec.severity == Severity::Error;
        }
        has_error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_never_run_parts_together() {
        let key = |parts: [Option<&str>; 4]| {
            let mut buf = String::new();
            cache_key(&mut buf, Kind::License, parts);
            buf
        };
        assert_eq!(key([Some("by"), Some("4.0"), None, None]), "Ld2:by4.0");
        assert_eq!(key([Some("CC-BY-4.0"), None, None, None]), "LbCC-BY-4.0");
        let distinct = [
            key([Some("by"), Some("4.0"), None, None]),
            key([Some("by"), None, Some("4.0"), None]),
            key([Some("by"), None, None, Some("4.0")]),
            key([Some("by4.0"), None, None, None]),
            key([Some("by3:4.0"), None, None, None]),
            key([Some(""), None, None, None]),
            key([None, None, None, None]),
            key([Some("x".repeat(1234).as_str()), Some("1"), None, None]),
            key([Some("a"), Some("b:c"), None, None]),
            key([Some("a"), Some("b"), Some("c"), None]),
            key([Some("a1:b"), Some("c"), None, None]),
        ];
        for (i, a) in distinct.iter().enumerate() {
            for b in &distinct[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(distinct[7].starts_with("Ld1234:x"), "{}", &distinct[7][..8]);
    }
}
