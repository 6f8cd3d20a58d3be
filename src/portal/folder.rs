//! What a folder means: a folder is read for what it holds, and no file in it goes unaccounted.
//!
//! - A folder with a dataset description (`datapackage.json`, or a `README.md` whose YAML front
//!   matter makes it a Hugging Face card) is that dataset: every file below it is one of its
//!   items (inheriting the description's licence), and a file that is itself an item manifest
//!   (it has a licence column) contributes its rows as well.
//! - Portal metadata files elsewhere are catalogs: their datasets are entries of a batch.
//! - Item manifests of one folder are one collection (a folder holding only manifests is still
//!   audited as one collection, as before).
//!
//! Every other file is listed as skipped with the reason, in the report: hidden files, files
//! that are not regular (FIFOs, sockets, devices are never opened), symbolic links to folders,
//! documentation, the collection config, and files in no format the tool reads.

use std::path::{Path, PathBuf};

use super::{Detected, InputFormat, detect};
use crate::error::{Error, Result};
use crate::report::Skipped;

/// Folders nested deeper than this are listed as skipped rather than walked.
const MAX_DEPTH: usize = 64;

/// One thing to audit found under the paths.
#[derive(Debug, Clone)]
pub enum Source {
    /// A metadata file whose datasets are entries (or why it cannot be read as one).
    Catalog { path: PathBuf, format: std::result::Result<InputFormat, String> },
    /// A folder described by one metadata file: one dataset, the folder's files among its items.
    Folder { meta: PathBuf, format: InputFormat, dir: PathBuf, files: Vec<PathBuf> },
    /// The item manifests of one folder: one collection.
    Manifests { dir: PathBuf, files: Vec<PathBuf> },
    /// A live portal harvested over HTTP (`audit <URL>`).
    Harvest(std::sync::Arc<super::harvest::Harvest>),
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Scan {
    pub sources: Vec<Source>,
    pub skipped: Vec<Skipped>,
    /// Tables in a manifest format without a licence column: item manifests with a problem when
    /// the folder holds nothing else (the manifest audit then says what is missing), tables
    /// beside the metadata otherwise (listed as skipped).
    pub tables: Vec<PathBuf>,
}

impl Scan {
    fn skip(&mut self, path: &Path, reason: impl Into<String>) {
        self.skipped.push(Skipped { path: path.display().to_string(), reason: reason.into() });
    }

    /// Whether the folder holds nothing but item manifests (the manifest pipeline reads it).
    pub fn only_manifests(&self) -> bool {
        self.sources.iter().all(|s| matches!(s, Source::Manifests { .. }))
    }

    /// In a folder that holds more than manifests, the tables without a licence column are
    /// listed as skipped.
    pub fn settle_tables(&mut self) {
        for t in std::mem::take(&mut self.tables) {
            self.skip(
                &t,
                format!(
                    "a table without a licence column (looked for: {}): not an item manifest",
                    crate::manifest::Field::License.candidates().join(", ")
                ),
            );
        }
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

/// A directory entry sorted out: a folder to walk, a regular file, or a reason to skip it.
enum Kind {
    Dir,
    File,
    Skip(&'static str),
}

fn kind(entry: &std::fs::DirEntry) -> std::io::Result<Kind> {
    // `.zenodo.json` is hidden by name only: it is the deposit metadata of a repository.
    let name = entry.file_name().to_string_lossy().into_owned();
    if name.starts_with('.') && !name.eq_ignore_ascii_case(".zenodo.json") {
        return Ok(Kind::Skip("hidden"));
    }
    let ft = entry.file_type()?;
    if ft.is_dir() {
        return Ok(Kind::Dir);
    }
    if ft.is_file() {
        return Ok(Kind::File);
    }
    if ft.is_symlink() {
        // A link to a regular file is read like the file; a link to a folder is not followed
        // (it could lead outside the folder or back into it).
        return Ok(match std::fs::metadata(entry.path()) {
            Ok(m) if m.is_file() => Kind::File,
            Ok(m) if m.is_dir() => Kind::Skip("a symbolic link to a folder: not followed"),
            Ok(_) => Kind::Skip("a symbolic link to something that is not a regular file: not opened"),
            Err(_) => Kind::Skip("a broken symbolic link"),
        });
    }
    Ok(Kind::Skip("not a regular file (a FIFO, socket or device): not opened"))
}

/// The entries of a folder, sorted by name.
fn entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))? {
        all.push(e.map_err(|e| Error::io(dir, &e))?);
    }
    all.sort_by_key(std::fs::DirEntry::file_name);
    Ok(all)
}

/// The file that makes `dir` one dataset, and its format.
fn description(dir: &Path, files: &[PathBuf], input: InputFormat) -> Result<Option<(PathBuf, InputFormat)>> {
    let named =
        |name: &str| files.iter().find(|f| f.file_name().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    if matches!(input, InputFormat::Auto | InputFormat::Frictionless)
        && let Some(p) = named("datapackage.json")
    {
        let ok = input == InputFormat::Frictionless
            || matches!(detect(p), Ok(Detected::Portal(InputFormat::Frictionless)));
        if ok {
            return Ok(Some((p.clone(), InputFormat::Frictionless)));
        }
    }
    if matches!(input, InputFormat::Auto | InputFormat::HfCard)
        && let Some(p) = named("README.md")
        && matches!(detect(p)?, Detected::Portal(InputFormat::HfCard))
    {
        return Ok(Some((p.clone(), InputFormat::HfCard)));
    }
    let _ = dir;
    Ok(None)
}

/// Walks `dir` and sorts every file under it into sources or the skipped list.
pub fn scan(dir: &Path, input: InputFormat, out: &mut Scan) -> Result<()> {
    walk(dir, input, out, 0)?;
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(())
}

fn walk(dir: &Path, input: InputFormat, out: &mut Scan, depth: usize) -> Result<()> {
    if depth > MAX_DEPTH {
        out.skip(dir, format!("nested more than {MAX_DEPTH} folders deep: not walked"));
        return Ok(());
    }
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for e in entries(dir)? {
        let path = e.path();
        match kind(&e).map_err(|err| Error::io(&path, &err))? {
            Kind::Dir => dirs.push(path),
            Kind::File => files.push(path),
            Kind::Skip(why) => out.skip(&path, why),
        }
    }
    if let Some((meta, format)) = description(dir, &files, input)? {
        let mut members = Vec::new();
        for f in files.into_iter().filter(|f| *f != meta) {
            member(&f, &meta, out, &mut members);
        }
        for d in dirs {
            collect_members(&d, &meta, out, &mut members, depth + 1)?;
        }
        out.sources.push(Source::Folder { meta, format, dir: dir.to_path_buf(), files: members });
        return Ok(());
    }
    let mut manifests = Vec::new();
    for f in files {
        if is_config(&f) {
            out.skip(&f, "the collection's config (read as settings, not audited as data)");
            continue;
        }
        match input {
            InputFormat::Auto => match detect(&f) {
                Ok(Detected::Portal(fmt)) => out.sources.push(Source::Catalog { path: f, format: Ok(fmt) }),
                Ok(Detected::Manifest) if crate::manifest::has_license_column(&f) => manifests.push(f),
                Ok(Detected::Manifest) if crate::manifest::is_manifest_file(&f) => out.tables.push(f),
                Ok(Detected::Manifest) => out.skip(&f, not_read(&f)),
                Ok(Detected::NotACard) => {
                    out.skip(&f, "Markdown without YAML front matter: documentation, not a dataset card")
                }
                Ok(Detected::UnknownJson) => out.sources.push(Source::Catalog {
                    path: f,
                    format: Err(format!(
                        "a JSON object in none of the portal formats ({})",
                        super::LOOKED_FOR
                    )),
                }),
                // A file that cannot even be told apart (broken JSON): a failed entry says why.
                Err(e) => {
                    let reason = e.to_string();
                    let prefix = format!("{}: ", f.display());
                    let reason = reason.strip_prefix(&prefix).map(str::to_string).unwrap_or(reason);
                    out.sources.push(Source::Catalog { path: f, format: Err(reason) });
                }
            },
            InputFormat::Manifest => {
                let hidden = f.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'));
                if hidden {
                    // `.zenodo.json` is walked for portal audits; a manifest audit skips it.
                    out.skip(&f, "hidden");
                } else if crate::manifest::is_manifest_file(&f) {
                    manifests.push(f);
                } else {
                    out.skip(&f, not_read(&f));
                }
            }
            forced => {
                if super::fits(&f, forced) {
                    out.sources.push(Source::Catalog { path: f, format: Ok(forced) });
                } else {
                    out.skip(&f, format!("not a {} file (by its extension; --input-format)", forced.name()));
                }
            }
        }
    }
    if !manifests.is_empty() {
        out.sources.push(Source::Manifests { dir: dir.to_path_buf(), files: manifests });
    }
    for d in dirs {
        walk(&d, input, out, depth + 1)?;
    }
    Ok(())
}

fn is_config(f: &Path) -> bool {
    f.file_name().is_some_and(|n| n == crate::config::CONFIG_FILE)
}

fn not_read(f: &Path) -> String {
    let lower = f.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") || lower.ends_with(".txt") {
        return "documentation: neither an item manifest nor portal metadata".into();
    }
    let ext =
        f.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_else(|| "no extension".into());
    format!("{ext}: neither an item manifest (Parquet, CSV/TSV, JSON, NDJSON, Arrow IPC) nor portal metadata")
}

/// Sorts one file of a dataset folder: a member (an item of the dataset), or skipped.
fn member(f: &Path, meta: &Path, out: &mut Scan, members: &mut Vec<PathBuf>) {
    let name = f.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let meta_name = meta.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    if is_config(f) {
        out.skip(f, "the collection's config (read as settings, not audited as data)");
    } else if name.ends_with(".md") || name.ends_with(".markdown") {
        out.skip(f, format!("documentation of the dataset `{meta_name}` describes"));
    } else if ["license", "licence", "copying"].iter().any(|p| name.starts_with(p)) {
        out.skip(f, format!("licence text: the dataset's licence is the one `{meta_name}` states"));
    } else {
        members.push(f.to_path_buf());
    }
}

fn collect_members(
    dir: &Path,
    meta: &Path,
    out: &mut Scan,
    members: &mut Vec<PathBuf>,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        out.skip(dir, format!("nested more than {MAX_DEPTH} folders deep: not walked"));
        return Ok(());
    }
    for e in entries(dir)? {
        let path = e.path();
        match kind(&e).map_err(|err| Error::io(&path, &err))? {
            Kind::Dir => collect_members(&path, meta, out, members, depth + 1)?,
            Kind::File => member(&path, meta, out, members),
            Kind::Skip(why) => out.skip(&path, why),
        }
    }
    Ok(())
}

/// The files under the folders among `paths` that a manifest audit does not read, with why
/// (the manifest pipeline reads the manifests; this lists the rest).
pub fn skipped_in(paths: &[PathBuf]) -> Result<Vec<Skipped>> {
    let mut scan = Scan::default();
    for p in paths.iter().filter(|p| p.is_dir()) {
        walk(p, InputFormat::Manifest, &mut scan, 0)?;
    }
    scan.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scan.skipped)
}
