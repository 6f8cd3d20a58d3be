//! Files the tool writes (report files, the findings file), written so that an input is never
//! touched and a run that fails or is interrupted leaves nothing at the final path:
//!
//! * [`check_outputs`] refuses, before anything is opened for writing, an output that is (or
//!   links to) an input file, or two outputs that are one file.
//! * [`Staged`] is a temporary file beside the destination (same folder, so the final rename is
//!   atomic), named with a leading dot so a folder walk of the next run skips it. It is renamed
//!   into place only by [`Staged::commit`]; dropped uncommitted, it is removed. Two runs writing
//!   the same path each write their own temporary file: the last to finish wins whole.
//! * The temporary files alive are listed in a process-wide registry, so the CLI's signal
//!   handler can remove them on SIGINT/SIGTERM ([`remove_staged`]). Only files this process
//!   created are ever removed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// Temporary files not yet committed nor removed.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file that becomes `dest` on [`Staged::commit`].
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Staged {
    /// Creates the temporary file (never an existing one: `create_new`) beside `dest` and opens
    /// it for writing.
    pub fn create(dest: &Path) -> std::io::Result<(Staged, File)> {
        let name = dest
            .file_name()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"))?;
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let mut attempt = 0;
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let tmp =
                dir.join(format!(".{}.dpg-audit-{}-{n}.tmp", name.to_string_lossy(), std::process::id()));
            // Registered before it exists: a signal between creation and registration would
            // otherwise leave it behind. Removing a path that was never created is harmless,
            // and no other process can own this name (it holds our pid).
            register(&tmp);
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp) {
                Ok(file) => return Ok((Staged { tmp, dest: dest.to_path_buf(), done: false }, file)),
                Err(e) => {
                    unregister(&tmp);
                    attempt += 1;
                    if e.kind() != std::io::ErrorKind::AlreadyExists || attempt > 16 {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// The temporary file's path.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final path.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Renames the temporary file into place (call once the file is written and closed).
    pub fn commit(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, &self.dest)?;
        self.done = true;
        unregister(&self.tmp);
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
            unregister(&self.tmp);
        }
    }
}

fn register(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.push(path.to_path_buf());
    }
}

fn unregister(path: &Path) {
    if let Ok(mut live) = LIVE.lock() {
        live.retain(|p| p != path);
    }
}

/// Removes every temporary file not yet committed: for a signal handler, before the process
/// exits. Never blocks on the registry (a thread may hold it when the signal comes).
pub fn remove_staged() {
    if let Ok(mut live) = LIVE.try_lock() {
        for p in live.drain(..) {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Writes a whole file through a [`Staged`] temporary: `write` fills it, and it is renamed into
/// place only when `write` succeeded.
pub fn write_file(
    dest: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write;
    let (staged, file) = Staged::create(dest)?;
    let mut out = std::io::BufWriter::new(file);
    write(&mut out)?;
    out.flush()?;
    drop(out);
    staged.commit()
}

/// A file's identity (device and inode), following links; None when it does not exist.
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Refuses outputs that would overwrite an input, or each other: `inputs` are the paths the
/// user gave (files, or folders whose files are all counted), `outputs` the files to write, each
/// with the option that named it. Checked by identity, so a symbolic or hard link to an input is
/// caught as well as the input's own path.
pub fn check_outputs(inputs: &[&Path], outputs: &[(&str, &Path)]) -> Result<()> {
    let mut ids: Vec<((u64, u64), PathBuf)> = Vec::new();
    for &input in inputs {
        collect_identities(input, &mut ids, 0);
    }
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for &(option, out) in outputs {
        if let Some(id) = identity(out)
            && let Some((_, input)) = ids.iter().find(|(i, _)| *i == id)
        {
            return Err(Error::usage(format!(
                "{option} {}: is the input {}; an output never overwrites an input",
                out.display(),
                input.display()
            )));
        }
        let key = normalized(out);
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == key) {
            return Err(Error::usage(format!(
                "{option} {}: also named by {other}; each output needs a file of its own",
                out.display()
            )));
        }
        seen.push((key, option));
    }
    Ok(())
}

/// The path as the file system resolves its folder (the file itself may not exist yet).
fn normalized(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            std::fs::canonicalize(dir).map(|d| d.join(name)).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// Folders are walked (to a bounded depth: links can make cycles) for the identities of the
/// files they hold.
fn collect_identities(path: &Path, out: &mut Vec<((u64, u64), PathBuf)>, depth: usize) {
    let Ok(meta) = std::fs::metadata(path) else { return };
    if meta.is_dir() {
        if depth > 32 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(path) else { return };
        for entry in entries.flatten() {
            collect_identities(&entry.path(), out, depth + 1);
        }
    } else if let Some(id) = identity(path) {
        out.push((id, path.to_path_buf()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_a_committed_one_replaces_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("out.json");
        std::fs::write(&dest, "old").expect("write");
        {
            let (staged, _file) = Staged::create(&dest).expect("create");
            assert!(staged.path().exists());
            assert_eq!(std::fs::read_to_string(&dest).expect("read"), "old");
        }
        let names: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().collect();
        assert_eq!(names.len(), 1, "the temporary file is removed when dropped");
        write_file(&dest, |w| std::io::Write::write_all(w, b"new")).expect("write");
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "new");
        let err = write_file(&dest, |_| Err(std::io::Error::other("boom")));
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&dest).expect("read"), "new", "a failed write keeps the old file");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }

    #[test]
    fn outputs_naming_an_input_or_each_other_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("items.csv");
        std::fs::write(&input, "id,license\n").expect("write");
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&input, &link).expect("symlink");
        let other = dir.path().join("report.json");
        assert!(check_outputs(&[&input], &[("--findings", &input)]).is_err());
        assert!(check_outputs(&[&input], &[("--findings", &link)]).is_err());
        assert!(check_outputs(&[dir.path()], &[("--output", &input)]).is_err());
        assert!(check_outputs(&[&input], &[("--output", &other), ("--findings", &other)]).is_err());
        assert!(check_outputs(&[&input], &[("--output", &other)]).is_ok());
    }
}
