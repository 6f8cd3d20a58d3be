//! `dpg-audit init`: a first `dpg-audit.toml` for a collection, written from what its manifest
//! (or catalog) holds. It only proposes: the detected columns, the most common host as
//! `home_url`, a type guess with its reason. It never declares a license for the steward: the
//! most common one is shown in a comment, because a declared license is a statement only the
//! steward can make.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE, DpgType};
use crate::error::{Error, Result};
use crate::manifest::{self, ColumnMap, Field, ReadOptions, Unit};
use crate::portal::{self, Detected};

/// Rows read to make the guesses: enough to be representative, few enough that `init` on a
/// billion-row manifest answers in seconds. The config says when it stopped early.
const MAX_ROWS: u64 = 1_000_000;

/// URL path endings that mark an item as a work of content (an image, a recording, a document)
/// rather than data. File-format facts, not a list of hosts.
const CONTENT_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "tif", "tiff", "svg", "heic", "mp3", "wav", "ogg", "oga", "flac",
    "mp4", "m4a", "webm", "mov", "avi", "mkv", "pdf", "epub", "djvu",
];

/// Where `audit` looks for the config of `input`: inside a folder, beside a file.
pub fn default_config_path(input: &Path) -> PathBuf {
    if input.is_dir() {
        return input.join(CONFIG_FILE);
    }
    match input.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(CONFIG_FILE),
        _ => PathBuf::from(CONFIG_FILE),
    }
}

/// What the rows showed.
#[derive(Debug, Default)]
struct Tally {
    rows: u64,
    truncated: bool,
    /// `scheme://host/` -> items.
    hosts: BTreeMap<String, u64>,
    with_url: u64,
    /// Normalized expression (or the status, in brackets) -> items.
    licenses: BTreeMap<String, u64>,
    /// Items whose URL ends in a content file extension.
    content_urls: u64,
    /// Items whose license is an OSI-approved (software) license.
    software_licenses: u64,
}

impl Tally {
    fn item(&mut self, license: Option<&str>, url: Option<&str>) {
        self.rows += 1;
        let n = crate::license::normalize(license.unwrap_or(""));
        let key = match &n.expression {
            Some(e) => e.clone(),
            None => format!(
                "({})",
                serde_json::to_value(n.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
        };
        if let Some(expr) = &n.expression
            && let Some(id) = expr.split([' ', '(', ')']).find(|t| !t.is_empty())
            && spdx::license_id(id).is_some_and(|l| l.is_osi_approved())
        {
            self.software_licenses += 1;
        }
        *self.licenses.entry(key).or_default() += 1;
        let Some(parsed) = url.map(str::trim).filter(|u| !u.is_empty()).and_then(|u| url::Url::parse(u).ok())
        else {
            return;
        };
        let Some(host) = parsed.host_str() else { return };
        self.with_url += 1;
        *self.hosts.entry(format!("{}://{host}/", parsed.scheme())).or_default() += 1;
        let ext = parsed.path().rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        if CONTENT_EXTENSIONS.contains(&ext.as_str()) {
            self.content_urls += 1;
        }
    }
}

/// The commented config text for `input` (a manifest, a folder of manifests or a catalog file).
pub fn config_for(input: &Path) -> Result<String> {
    let mut tally = Tally::default();
    let mut columns: Vec<(PathBuf, std::result::Result<ColumnMap, Error>, Vec<String>)> = Vec::new();
    let mut catalog: Option<&'static str> = None;
    let mut dataset_name = None;

    let detected = if input.is_file() { Some(portal::detect(input)?) } else { None };
    if let Some(Detected::Portal(format)) = detected {
        catalog = Some(format.name());
        let entries = portal::read_file(input, format)?;
        let datasets: Vec<_> = entries.into_iter().filter_map(std::result::Result::ok).collect();
        if datasets.len() == 1 {
            dataset_name = datasets[0].name.clone();
        }
        'all: for d in &datasets {
            for item in &d.items {
                if tally.rows >= MAX_ROWS {
                    tally.truncated = true;
                    break 'all;
                }
                tally.item(item.license.as_deref(), item.url.as_deref());
            }
        }
    } else {
        let manifests = manifest::expand_inputs(&[input.to_path_buf()])?;
        let opts = ReadOptions {
            overrides: BTreeMap::new(),
            batch_size: 8192,
            max_line_bytes: crate::manifest::DEFAULT_MAX_LINE_BYTES,
        };
        for (idx, m) in manifests.iter().enumerate() {
            let names = manifest::column_names(m)?;
            let map = ColumnMap::resolve(&m.path, &names, &BTreeMap::new());
            let readable = map.is_ok();
            columns.push((m.path.clone(), map, names));
            if !readable || tally.rows >= MAX_ROWS {
                continue;
            }
            let mut failed = None;
            manifest::read(idx, m, &opts, &mut |unit: Unit| {
                let r = unit.batches(opts.batch_size, &mut |batch| {
                    let license = batch.column(Field::License);
                    let url = batch.column(Field::Url);
                    for i in 0..batch.num_rows() {
                        if tally.rows >= MAX_ROWS {
                            tally.truncated = true;
                            return;
                        }
                        tally.item(
                            license.as_ref().and_then(|c| c.get(i)),
                            url.as_ref().and_then(|c| c.get(i)),
                        );
                    }
                });
                if let Err(e) = r {
                    failed = Some(e);
                    return false;
                }
                tally.rows < MAX_ROWS
            })?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
    }

    let mut out = String::new();
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let _ = writeln!(out, "# dpg-audit.toml for {}, written by `dpg-audit init`.", input.display());
    let _ = writeln!(
        out,
        "# Everything below is a proposal from {} item(s){}: check each value, then run\n# `dpg-audit audit {}`.",
        tally.rows,
        if tally.truncated { format!(" (the first {MAX_ROWS} rows)") } else { String::new() },
        input.display()
    );
    if let Some(format) = catalog {
        let _ = writeln!(
            out,
            "# Read as {format} catalog metadata: its fields are mapped by the reader, not by [columns]."
        );
    }
    let _ = writeln!(out);

    let name = dataset_name.unwrap_or_else(|| default_name(input));
    let _ = writeln!(out, "# The collection's name, shown in reports.");
    let _ = writeln!(out, "name = {}", q(&name));
    let _ = writeln!(out);

    let (guess, why) = guess_type(&tally, &columns);
    let _ = writeln!(
        out,
        "# DPG type: data, content, software or ai-system; it decides which licenses are acceptable"
    );
    let _ =
        writeln!(out, "# (`dpg-audit rules licenses --type {}` lists them). Guessed: {why}.", guess.as_str());
    let _ = writeln!(out, "type = {}", q(guess.as_str()));
    let _ = writeln!(out);

    let _ =
        writeln!(out, "# The license you declare for the whole collection; items that differ are reported.");
    let mut licenses: Vec<(&String, &u64)> = tally.licenses.iter().collect();
    licenses.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    if licenses.is_empty() {
        let _ = writeln!(out, "# No item was read, so no license was seen.");
    } else {
        let _ = writeln!(out, "# Licenses of the items (normalized to SPDX):");
        for (l, n) in licenses.iter().take(8) {
            let _ = writeln!(out, "#   {l}: {n}");
        }
        if licenses.len() > 8 {
            let _ = writeln!(out, "#   ... and {} more", licenses.len() - 8);
        }
    }
    match licenses.iter().find(|(l, _)| !l.starts_with('(')) {
        Some((l, _)) => {
            let _ = writeln!(out, "# license = {}", q(l));
        }
        None => {
            let _ = writeln!(out, "# license = \"CC-BY-4.0\"");
        }
    }
    let _ = writeln!(out);

    let _ = writeln!(
        out,
        "# The one location the collection is reached from; item URLs under it (or a mirror) count as"
    );
    let _ = writeln!(out, "# one location.");
    let mut hosts: Vec<(&String, &u64)> = tally.hosts.iter().collect();
    hosts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    match hosts.first() {
        Some((host, n)) => {
            let _ = writeln!(
                out,
                "# The most common host: {n} of {} item URL(s){}.",
                tally.with_url,
                if hosts.len() > 1 { format!("; {} hosts in all", hosts.len()) } else { String::new() }
            );
            let _ = writeln!(out, "home_url = {}", q(host));
            let others: Vec<String> =
                hosts.iter().skip(1).take(5).map(|(h, n)| format!("{h} ({n})")).collect();
            if !others.is_empty() {
                let _ = writeln!(out, "# Other hosts: {}.", others.join(", "));
                let _ = writeln!(
                    out,
                    "# mirrors = [{}]",
                    hosts.iter().skip(1).take(5).map(|(h, _)| q(h)).collect::<Vec<_>>().join(", ")
                );
            } else {
                let _ = writeln!(out, "# mirrors = []");
            }
        }
        None => {
            let _ = writeln!(out, "# No item has a URL.");
            let _ = writeln!(out, "# home_url = \"https://data.example.org/collection/\"");
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "# Policy profile: {} (or a path to a profile file).",
        crate::policy::profile::Profile::built_in_names().join(", ")
    );
    let _ = writeln!(out, "# profile = \"dpg\"");

    if !columns.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "# Which column holds which field. Detected by name; a line here maps a field to another"
        );
        let _ = writeln!(out, "# column (a field left out is detected again at each audit).");
        let _ = writeln!(out, "[columns]");
        // The first manifest's mapping: the config maps by name, for every manifest alike.
        let (path, map, names) = &columns[0];
        match map {
            Ok(map) => {
                for (field, _, column) in map.iter() {
                    let _ = writeln!(out, "{} = {}", field.name(), q(column));
                }
                for field in Field::ALL {
                    // Title and evidence are not audited; a component column is for AI systems only.
                    if matches!(field, Field::Title | Field::Evidence | Field::Component)
                        || map.columns.contains_key(&field)
                    {
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "# {} = \"COLUMN\"   # none found; names tried: {}",
                        field.name(),
                        field.candidates().join(", ")
                    );
                }
            }
            Err(_) => {
                let _ = writeln!(
                    out,
                    "# No license column found in {}; every item needs one. Columns: {}.",
                    path.display(),
                    names.join(", ")
                );
                let _ = writeln!(
                    out,
                    "license = \"COLUMN\"   # replace COLUMN with the column that holds the license"
                );
            }
        }
    }
    Ok(out)
}

/// The name proposed for the collection: the folder's name (a manifest is often `items.csv` in
/// a folder named for the collection), else the file's stem.
fn default_name(input: &Path) -> String {
    let abs = std::path::absolute(input).unwrap_or_else(|_| input.to_path_buf());
    let folder = if abs.is_dir() { Some(abs.as_path()) } else { abs.parent() };
    folder
        .and_then(Path::file_name)
        .or_else(|| abs.file_stem())
        .map_or_else(|| "collection".to_string(), |s| s.to_string_lossy().into_owned())
}

/// The DPG type the items suggest, with the reason in words.
fn guess_type(
    tally: &Tally,
    columns: &[(PathBuf, std::result::Result<ColumnMap, Error>, Vec<String>)],
) -> (DpgType, String) {
    let has_component =
        columns.iter().any(|(_, m, _)| m.as_ref().is_ok_and(|m| m.columns.contains_key(&Field::Component)));
    if has_component {
        return (DpgType::AiSystem, "the manifest has a component column (code, data, model parts)".into());
    }
    let half = |n: u64| tally.rows > 0 && n * 2 > tally.rows;
    if half(tally.software_licenses) {
        return (
            DpgType::Software,
            format!(
                "{} of {} items carry an OSI-approved software license",
                tally.software_licenses, tally.rows
            ),
        );
    }
    if half(tally.content_urls) {
        return (
            DpgType::Content,
            format!(
                "{} of {} item URLs name an image, audio, video or document file",
                tally.content_urls, tally.rows
            ),
        );
    }
    (DpgType::Data, "no sign of content files, software licenses or AI components".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_path_is_where_audit_looks() {
        assert_eq!(default_config_path(Path::new("items.csv")), PathBuf::from(CONFIG_FILE));
        assert_eq!(default_config_path(Path::new("a/items.csv")), Path::new("a").join(CONFIG_FILE));
    }

    #[test]
    fn the_type_follows_the_items() {
        let mut t = Tally::default();
        t.item(Some("MIT"), Some("https://github.com/a/b"));
        t.item(Some("Apache-2.0"), Some("https://github.com/a/c"));
        assert_eq!(guess_type(&t, &[]).0, DpgType::Software);
        let mut t = Tally::default();
        t.item(Some("CC-BY-4.0"), Some("https://images.example.org/a/photo.JPG"));
        t.item(Some("CC-BY-4.0"), Some("https://images.example.org/a/b.png?x=1"));
        assert_eq!(guess_type(&t, &[]).0, DpgType::Content);
        assert_eq!(t.hosts.get("https://images.example.org/"), Some(&2));
        let mut t = Tally::default();
        t.item(Some("CC-BY-4.0"), Some("https://data.example.org/a.csv"));
        assert_eq!(guess_type(&t, &[]).0, DpgType::Data);
    }
}
