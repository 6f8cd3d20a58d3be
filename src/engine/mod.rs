//! The audit core, without threads: an [`Auditor`] (the policy, the rules, a shared judgement
//! cache; immutable and `Send + Sync`) and [`Partial`]s (what some rows showed; owned,
//! mergeable, serializable). Any split of a collection's rows into partials, observed on any
//! threads or machines and merged in any order, finishes into the same [`Report`].
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{RecordBatch, StringArray};
//! use dpg_audit::config::Config;
//! use dpg_audit::engine::{Auditor, Origin, Settings};
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("id", Arc::new(StringArray::from(vec!["a", "b", "c"])) as _),
//!     ("license", Arc::new(StringArray::from(vec!["CC-BY-4.0", "CC BY-NC 4.0", "CC-BY-4.0"])) as _),
//!     ("url", Arc::new(StringArray::from(vec![
//!         "https://example.org/a", "https://example.org/b", "https://example.org/c",
//!     ])) as _),
//! ])?;
//! let auditor = Auditor::new(&Config::default(), &Settings::default(), vec!["items".into()])?;
//! // Two partials, as two tasks of a distributed job would make them...
//! let (mut first, mut second) = (auditor.partial(), auditor.partial());
//! auditor.observe(&mut first, &batch.slice(0, 2), Origin { manifest: 0, first_row: 1 })?;
//! auditor.observe(&mut second, &batch.slice(2, 1), Origin { manifest: 0, first_row: 3 })?;
//! // ...sent as bytes, merged, and finished.
//! let mut all = dpg_audit::engine::Partial::from_bytes(&second.to_bytes()?)?;
//! all.merge(first)?;
//! let report = auditor.finish(all)?;
//! assert_eq!(report.verdict.as_str(), "fail");
//! assert_eq!(report.summary.by_rule["license-not-approved"], 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod observe;
mod partial;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use arrow_array::RecordBatch;

pub use partial::Partial;
pub(crate) use partial::{ChunkSink, Output};

use crate::config::{Config, DpgType};
use crate::error::{Error, Result};
use crate::manifest::{ColumnMap, Field, ItemBatch};
use crate::policy::collection::{self, HostTally};
use crate::policy::exceptions::Exceptions;
use crate::policy::profile::Profile;
use crate::policy::{Judgement, Policy, Rule, findings};
use crate::report::build::Tallies;
use crate::report::findings::{Encoder, FindingsFile};
use crate::report::{Collection, Finding, Group, Report};
use partial::At;

/// A group's example as people read it: the item's id, or `row N` for an item named by its row
/// (it has no id), so that a row number never poses as an id ("e.g. 2" read as item "2").
pub(crate) fn example_name(row: u64, item: String) -> String {
    if item.parse::<u64>() == Ok(row) { format!("row {row}") } else { item }
}

/// Distinct values remembered across partials. Real license columns hold a few hundred distinct
/// strings; the cap only matters for columns of unique free text.
const SHARED_CACHE_CAP: usize = 1 << 20;

/// What the caller decides beyond the collection's config: these win over it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--type`, winning over the config's `type`.
    pub dpg_type: Option<DpgType>,
    /// `--profile NAME|PATH`, winning over the config's `profile`.
    pub profile: Option<String>,
    /// `--column FIELD=NAME`, winning over the config's mapping.
    pub columns: Vec<(Field, String)>,
    /// Per-item findings kept in the report.
    pub max_findings: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { dpg_type: None, profile: None, columns: Vec::new(), max_findings: 1000 }
    }
}

/// Where a batch's rows are: which manifest (an index into the auditor's manifest names) and the
/// 1-based row number of its first row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub manifest: usize,
    pub first_row: u64,
}

/// Distinct values (license statements, access restrictions) seen by any partial, judged once.
#[derive(Debug, Default)]
pub(crate) struct JudgementCache {
    verdicts: Mutex<HashMap<String, Arc<Judgement>>>,
}

impl JudgementCache {
    pub(crate) fn get(&self, key: &str, judge: impl FnOnce() -> Judgement) -> Arc<Judgement> {
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

/// The policy and rules of one collection's audit, and a cache of judged values. Immutable
/// (the cache is behind a lock): one auditor serves every thread of a run.
#[derive(Debug)]
pub struct Auditor {
    pub(crate) policy: Policy,
    pub(crate) declared: Vec<String>,
    /// How reports name the manifests, by index.
    pub(crate) manifests: Vec<String>,
    pub(crate) name: Option<String>,
    pub(crate) max_findings: usize,
    pub(crate) cache: JudgementCache,
    /// Whether a batch of increasing ids is only summed up as a span (see
    /// [`crate::dedup::IdCollector::push_batch`]). Only for a runner that can read the rows
    /// again when the spans do not chain; [`Auditor::new`] keeps every id.
    pub(crate) summarize_ids: bool,
    /// Field -> column name, for [`Auditor::observe`].
    overrides: BTreeMap<Field, String>,
    /// `--allow-private-hosts`: access URLs on local and private hosts are not invalid.
    pub(crate) allow_private_hosts: bool,
    /// `--check-urls`: what checking the distinct access and license URLs found, looked up per
    /// row (see `crate::remote::check`).
    pub(crate) url_checks: Option<std::sync::Arc<crate::remote::check::UrlChecks>>,
}

impl Auditor {
    /// The auditor of a collection: its config (type, profile, declared license, home URL,
    /// mirrors, exceptions, column names), the caller's settings, and its manifests' names.
    pub fn new(config: &Config, settings: &Settings, manifests: Vec<String>) -> Result<Auditor> {
        check_rule_data()?;
        let config_path = config.path.as_deref().unwrap_or(Path::new(crate::config::CONFIG_FILE));
        let mut overrides = BTreeMap::new();
        for (key, column) in &config.columns {
            if let Some(field) = Field::from_name(key) {
                overrides.insert(field, column.clone());
            }
        }
        for (field, column) in &settings.columns {
            overrides.insert(*field, column.clone());
        }
        // --profile wins over the config's `profile`; a bad name in the config is the config's error.
        let profile = match (&settings.profile, &config.profile) {
            (Some(p), _) => Profile::load(p)?,
            (None, Some(p)) => Profile::load(p).map_err(|e| match e {
                Error::Usage(m) => Error::config(config_path, format!("key `profile`: {m}")),
                other => other,
            })?,
            (None, None) => Profile::default(),
        };
        let policy = Policy {
            dpg_type: settings.dpg_type.or(config.dpg_type).unwrap_or_default(),
            profile,
            locations: collection::Locations::from_config(config)?,
            exceptions: Exceptions::from_config(config_path, &config.exceptions)?,
        };
        Ok(Auditor {
            policy,
            declared: collection::declared_licenses(config)?,
            manifests,
            name: config.name.clone(),
            max_findings: settings.max_findings,
            cache: JudgementCache::default(),
            summarize_ids: false,
            overrides,
            allow_private_hosts: false,
            url_checks: None,
        })
    }

    /// Accepts access URLs on local and private hosts (`--allow-private-hosts`).
    pub fn allow_private_hosts(&mut self, allow: bool) {
        self.allow_private_hosts = allow;
    }

    /// The results of `--check-urls`, reported on the rows whose URLs they are about.
    pub fn set_url_checks(&mut self, checks: std::sync::Arc<crate::remote::check::UrlChecks>) {
        self.url_checks = Some(checks);
    }

    /// An auditor for a runner that can read the rows again (see `summarize_ids`).
    pub(crate) fn rereading(mut self) -> Auditor {
        self.summarize_ids = true;
        self
    }

    /// The column mapping from the config and settings (for the readers).
    pub(crate) fn overrides(&self) -> &BTreeMap<Field, String> {
        &self.overrides
    }

    /// An empty partial for this auditor's collection.
    pub fn partial(&self) -> Partial {
        Partial::new(self.manifests.len(), self.max_findings)
    }

    /// Audits a batch of items into `partial`. Columns are found by name as in manifest files
    /// (`license`, `licence`, `rights`, `url`, `accessURL`, ... or the config's mapping); only
    /// text and integer id columns are read.
    pub fn observe(&self, partial: &mut Partial, batch: &RecordBatch, origin: Origin) -> Result<()> {
        let items = self.items(batch, origin)?;
        self.observe_items(partial, &items)
    }

    /// A caller's batch as the readers make them: its columns found by name and renamed to
    /// their fields.
    pub(crate) fn items(&self, batch: &RecordBatch, origin: Origin) -> Result<ItemBatch> {
        let name = self.manifests.get(origin.manifest).ok_or_else(|| {
            Error::usage(format!(
                "manifest index {} is out of range: the auditor has {} manifest(s)",
                origin.manifest,
                self.manifests.len()
            ))
        })?;
        if origin.first_row == 0 {
            return Err(Error::usage("rows are numbered from 1: `first_row` must be at least 1"));
        }
        let path = Path::new(name);
        let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        let map = ColumnMap::resolve(path, &names, &self.overrides)?;
        let fields: Vec<(Field, String)> = map.iter().map(|(f, _, n)| (f, n.to_string())).collect();
        Ok(ItemBatch {
            manifest: origin.manifest,
            first_row: origin.first_row,
            batch: crate::manifest::parquet::rename_to_fields(path, batch, &fields)?,
            problems: Vec::new(),
            lines: None,
        })
    }

    /// Audits a batch the readers made into `partial`.
    pub(crate) fn observe_items(&self, partial: &mut Partial, batch: &ItemBatch) -> Result<()> {
        if batch.manifest >= partial.rows.len() {
            return Err(Error::internal(format!(
                "a batch of manifest {} in a partial of {}",
                batch.manifest,
                partial.rows.len()
            )));
        }
        partial.evaluate(self, batch);
        match partial.rec.errors.pop() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The report of everything `partial` observed.
    pub fn finish(&self, partial: Partial) -> Result<Report> {
        if !partial.spans.is_chain() {
            return Err(Error::internal("a partial with unchained id spans needs its rows read again"));
        }
        self.finish_with(partial, 1, None)
    }

    /// The report; duplicate ids are found on `threads` threads of the caller's pool, and every
    /// duplicate is written to `findings_file` (which is then completed) when there is one.
    pub(crate) fn finish_with(
        &self,
        mut p: Partial,
        threads: usize,
        findings_file: Option<FindingsFile>,
    ) -> Result<Report> {
        p.settle();
        if let Some(e) = p.rec.errors.pop() {
            return Err(e);
        }
        let items: u64 = p.rows.iter().sum();
        if items == 0 {
            return Err(Error::input(
                Path::new(self.manifests.first().map_or(".", String::as_str)),
                format!("no items: the manifest(s) hold no rows ({})", self.manifests.join(", ")),
            ));
        }

        // Duplicate ids, found by merging the partials' runs. Each is recorded like any item
        // finding (the one waiver path), and written to the findings file after the others.
        // (Without a file given here, an output the partial holds is the file itself: its only
        // worker wrote it directly.)
        if let Some(file) = findings_file {
            p.rec.out = Some(Output { encoder: Encoder::new(file.format()), seq: 0, sink: Box::new(file) });
        }
        let ids = std::mem::take(&mut p.ids);
        let rule = Rule::DuplicateItemId;
        let g = p.rec.group(
            rule,
            self.policy.profile.severity(rule),
            findings::DUPLICATE_KEY,
            findings::DUPLICATE_GROUP,
        );
        let rec = &mut p.rec;
        ids.finish(threads, &mut |d| {
            let first = self.manifests.get(d.first_manifest).map_or("", String::as_str);
            let at = At {
                manifest: d.manifest,
                row: d.row,
                line: None,
                id: Some(&d.id),
                evidence: None,
                license: None,
                license_key: None,
            };
            // The texts are only made when the finding is kept or written.
            if rec.wants_texts(self, d.manifest, d.row, rule) {
                let (message, value) = findings::duplicate(&d.id, d.first_row, first);
                rec.record(self, g, &at, &message, Some(&value), None);
            } else {
                rec.record(self, g, &at, "", None, None);
            }
        })
        .map_err(|e| Error::io_op("reading back the temporary files of duplicate ids", &e))?;
        if let Some(mut out) = p.rec.out.take() {
            out.send_chunk()?;
            out.sink.close()?;
        }
        if let Some(e) = p.rec.errors.pop() {
            return Err(e);
        }

        // Collection-level: a manifest without a url column cannot show a single location.
        let mut collection_findings = Vec::new();
        for (i, display) in self.manifests.iter().enumerate() {
            if p.rows.get(i).copied().unwrap_or(0) > 0 && !p.has_url.get(i).copied().unwrap_or(false) {
                let (key, message, severity) = findings::no_url_column(display, &self.policy.profile);
                let g = p.rec.group(Rule::AccessLocationMissing, severity, key, &message);
                collection_findings.push((g, Some(display.clone())));
            }
        }
        // An AI system's parts.
        if self.policy.dpg_type == DpgType::AiSystem
            && let Some((key, message, severity)) =
                findings::ai_components(p.component_column, &p.components, &self.policy.profile)
        {
            let g = p.rec.group(Rule::AiComponentMissing, severity, key, &message);
            collection_findings.push((g, None));
        }
        // Collection rules, from the merged tallies.
        let labels: BTreeMap<String, u64> = p.labels.iter().cloned().collect();
        let mut hosts: BTreeMap<String, HostTally> = BTreeMap::new();
        for (host, t) in &p.hosts {
            // Partials lowercase independently; fold again so one host is one entry.
            let e = hosts.entry(host.to_ascii_lowercase()).or_default();
            e.items += t.items;
            e.uncovered += t.uncovered;
        }
        for f in collection::judge(&labels, &hosts, &self.declared, &self.policy) {
            let g = p.rec.group(f.rule, f.severity, &f.key, &f.message);
            collection_findings.push((g, None));
        }
        let reason =
            |x: Option<usize>| x.and_then(|x| self.policy.exceptions.get(x)).map(|e| e.reason.clone());
        let collection_findings: Vec<Finding> = collection_findings
            .into_iter()
            .map(|(g, manifest)| {
                let waived = p.rec.record_collection(self, g);
                let g = &p.rec.groups[g];
                Finding {
                    waived: reason(waived),
                    ..Finding::collection(g.rule, g.severity, manifest, g.message.clone())
                }
            })
            .collect();

        let mut used = vec![false; self.policy.exceptions.len()];
        for g in p.rec.groups.iter().filter(|g| g.count > 0) {
            if let Some(x) = g.waived.and_then(|x| used.get_mut(x)) {
                *x = true;
            }
        }
        let groups: Vec<Group> = p
            .rec
            .groups
            .into_iter()
            .map(|g| Group {
                rule: g.rule,
                severity: g.severity,
                key: g.key,
                count: g.count,
                examples: g.examples.into_iter().map(|(_, row, item)| example_name(row, item)).collect(),
                waived: reason(g.waived),
                message: g.message,
                first: None,
            })
            .collect();
        let item_findings = p
            .rec
            .findings
            .into_sorted_vec()
            .into_iter()
            .map(|r| Finding {
                rule: r.rule,
                severity: r.severity,
                item: Some(r.item),
                manifest: self.manifests.get(r.manifest).cloned(),
                row: Some(r.row),
                line: r.line,
                message: r.message,
                value: r.value,
                evidence: r.evidence,
                waived: reason(r.waived),
            })
            .collect();
        Ok(crate::report::build::build(Tallies {
            collection: Collection {
                dpg_type: self.policy.dpg_type.as_str(),
                profile: self.policy.profile.name.clone(),
                manifests: self.manifests.clone(),
                items,
                name: self.name.clone(),
            },
            items_with_errors: p.items_with_errors,
            groups,
            collection_findings,
            item_findings,
            max_findings: self.max_findings,
            labels,
            hosts: hosts.into_iter().map(|(h, t)| (h, t.items)).collect(),
            unused_exceptions: self.policy.exceptions.unused(|x| used.get(x).copied().unwrap_or(false)),
        }))
    }
}

/// The embedded rule data is checked before anything is read.
pub fn check_rule_data() -> Result<()> {
    use crate::policy::{access, licenses, rules};
    rules::docs().map_err(Error::internal)?;
    licenses::check_lists().map_err(Error::internal)?;
    access::check_vocabulary().map_err(Error::internal)?;
    Ok(())
}
