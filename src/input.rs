//! Inputs that are not regular files: `-` (standard input), a pipe (`/dev/stdin`, `<(...)`,
//! a named FIFO). They can be read only once, but format detection reads a file's head and
//! some readers read a file twice (NDJSON and JSON arrays find their columns in a first pass),
//! so such an input is first copied whole to a temporary file, and every reader then sees all
//! of its bytes. Messages and reports name the input as the user did ([`shown`]).
//!
//! Other special files (character or block devices such as `/dev/zero`, sockets) are refused:
//! they are never a manifest, and some never end.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{Error, Result};

/// How long opening a named FIFO given as an input may wait for a writer before the run gives
/// up (an open of a FIFO blocks until the other end is opened).
pub const FIFO_OPEN_WAIT: Duration = Duration::from_secs(10);

/// The most bytes copied from standard input or a pipe (64 GiB): an endless producer (`yes |`)
/// ends the run with an error naming the limit rather than filling the disk.
pub const MAX_PIPE_BYTES: u64 = 64 << 30;

/// Temporary copies and the names the user gave them.
static SPOOLED: Mutex<Vec<(PathBuf, PathBuf)>> = Mutex::new(Vec::new());

/// How a path is named to the user: a temporary copy by the input it was made from.
pub fn shown(path: &Path) -> PathBuf {
    if let Ok(list) = SPOOLED.lock() {
        for (copy, original) in list.iter() {
            if path == copy {
                return original.clone();
            }
        }
    }
    path.to_path_buf()
}

/// The inputs as files that can be read any number of times; the temporary folder holding the
/// copies lives as long as the returned value.
#[derive(Debug)]
pub struct Prepared {
    pub paths: Vec<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

/// Copies each input that is `-` or a pipe to a temporary file (named like the input, so its
/// extension still tells its format), and refuses device files. Regular files and folders
/// pass through untouched.
pub fn prepare(paths: &[PathBuf]) -> Result<Prepared> {
    let mut dir: Option<tempfile::TempDir> = None;
    let mut out = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        // A manifest at a URL: Parquet is read by ranges where it is, other formats are streamed
        // into the temporary folder (named like the URL's file, reported as the URL); any other
        // URL (a portal) passes through to whoever harvests it.
        if crate::remote::is_url(path) {
            let d = match &mut dir {
                Some(d) => d,
                None => dir.insert(
                    tempfile::Builder::new()
                        .prefix("dpg-audit-input")
                        .tempdir()
                        .map_err(|e| Error::io_op("creating a temporary folder for a remote manifest", &e))?,
                ),
            };
            let sub = d.path().join(i.to_string());
            std::fs::create_dir(&sub).map_err(|e| Error::io(&sub, &e))?;
            match crate::remote::prepare(path, &sub)? {
                crate::remote::Prepared::Ranged(p) => out.push(p),
                crate::remote::Prepared::Spooled(copy) => {
                    if let Ok(mut list) = SPOOLED.lock() {
                        list.push((copy.clone(), path.clone()));
                    }
                    out.push(copy);
                }
                crate::remote::Prepared::NotManifest => out.push(path.clone()),
            }
            continue;
        }
        let stdin = path.as_os_str() == "-";
        // A URL is fetched by whoever reads it (a portal harvest), not copied here.
        if crate::portal::harvest::is_url(path) {
            out.push(path.clone());
            continue;
        }
        if !stdin {
            let meta = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
            let kind = meta.file_type();
            if meta.is_file() || meta.is_dir() {
                out.push(path.clone());
                continue;
            }
            use std::os::unix::fs::FileTypeExt;
            if !kind.is_fifo() {
                let what = if kind.is_char_device() {
                    "a character device"
                } else if kind.is_block_device() {
                    "a block device"
                } else if kind.is_socket() {
                    "a socket"
                } else {
                    "not a regular file"
                };
                return Err(Error::input(
                    path,
                    format!("is {what}, not a file; give a file, a folder, a pipe or -"),
                ));
            }
        }
        let d = match &mut dir {
            Some(d) => d,
            None => dir.insert(
                tempfile::Builder::new()
                    .prefix("dpg-audit-input")
                    .tempdir()
                    .map_err(|e| Error::io_op("creating a temporary folder for standard input", &e))?,
            ),
        };
        let name = if stdin {
            "stdin".to_string()
        } else {
            path.file_name().map_or_else(|| "pipe".to_string(), |n| n.to_string_lossy().into_owned())
        };
        // One subfolder per input keeps two pipes of one name apart.
        let sub = d.path().join(i.to_string());
        std::fs::create_dir(&sub).map_err(|e| Error::io(&sub, &e))?;
        let copy = sub.join(name);
        let shown_as = if stdin { PathBuf::from("<stdin>") } else { path.clone() };
        let source: Box<dyn Read> =
            if stdin { Box::new(std::io::stdin()) } else { Box::new(open_fifo(path)?) };
        spool(source, &copy).map_err(|e| match e {
            SpoolError::Io(e) => Error::io(&shown_as, &e),
            SpoolError::TooLarge => Error::input(
                &shown_as,
                format!("more than {} GiB from a pipe; write it to a file first", MAX_PIPE_BYTES >> 30),
            ),
        })?;
        if let Ok(mut list) = SPOOLED.lock() {
            list.push((copy.clone(), shown_as));
        }
        out.push(copy);
    }
    Ok(Prepared { paths: out, _dir: dir })
}

/// Opens a FIFO for reading, waiting at most [`FIFO_OPEN_WAIT`] for its writer. The open runs
/// on a thread of its own; when no writer comes, the thread stays blocked until the process
/// exits (a blocked open cannot be cancelled from safe code).
fn open_fifo(path: &Path) -> Result<std::fs::File> {
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    std::thread::Builder::new()
        .name("dpg-audit-fifo-open".into())
        .spawn(move || {
            let _ = tx.send(std::fs::File::open(p));
        })
        .map_err(|e| Error::io_op("starting a thread", &e))?;
    match rx.recv_timeout(FIFO_OPEN_WAIT) {
        Ok(Ok(f)) => Ok(f),
        Ok(Err(e)) => Err(Error::io(path, &e)),
        Err(_) => {
            Err(Error::input(path, format!("a FIFO with no writer after {} s", FIFO_OPEN_WAIT.as_secs())))
        }
    }
}

enum SpoolError {
    Io(std::io::Error),
    TooLarge,
}

fn spool(source: Box<dyn Read>, copy: &Path) -> std::result::Result<(), SpoolError> {
    let mut file = std::fs::File::create(copy).map_err(SpoolError::Io)?;
    let mut limited = source.take(MAX_PIPE_BYTES + 1);
    let n = std::io::copy(&mut limited, &mut file).map_err(SpoolError::Io)?;
    if n > MAX_PIPE_BYTES {
        return Err(SpoolError::TooLarge);
    }
    Ok(())
}
