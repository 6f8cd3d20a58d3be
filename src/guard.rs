//! Panics inside the decoding crates (arrow, parquet): a malformed file must end the run with
//! exit 2 naming the file and a one-line reason, never a raw panic message. [`decode`] runs a
//! decoder under `catch_unwind` and turns a panic into an input error; the panic hook the CLI
//! installs ([`install_quiet_hook`]) stays silent for panics caught this way and prints every
//! other one as usual (those are bugs of ours).

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

thread_local! {
    /// How many [`decode`] calls are active on this thread.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f`, turning a panic in it into an input error on `path`: "`what` failed on this file".
pub fn decode<T>(path: &Path, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    result.unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Error::input(path, format!("{what} failed on this file ({})", one_line(&text))))
    })
}

/// The first line of a panic message, at most 160 characters, control characters dropped.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    let mut out: String = line.chars().filter(|c| !c.is_control()).take(160).collect();
    if out.is_empty() {
        out.push_str("malformed data");
    }
    out
}

/// How long a watched decoder may go without handing over a batch (README, Limits). A decoder
/// that loops on a malformed file (arrow-rs has had such loops: a page claiming more values
/// than it holds) would otherwise hang the run; no batch of a few thousand rows takes this long.
pub const DECODE_STALL: Duration = Duration::from_secs(120);

/// Watched decoders: thread -> (file, what, last progress).
type Watches = Mutex<HashMap<std::thread::ThreadId, (PathBuf, String, Instant)>>;

fn watches() -> &'static Watches {
    static WATCHES: OnceLock<Watches> = OnceLock::new();
    WATCHES.get_or_init(|| {
        // The watchdog: a decoder with no progress for DECODE_STALL ends the process with exit
        // 2 naming the file (a looping thread cannot be stopped from safe code), after the
        // temporary output files are removed.
        let _ = std::thread::Builder::new().name("dpg-audit-watchdog".into()).spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                if let Some((path, what)) = stalled(Instant::now(), DECODE_STALL).into_iter().next() {
                    crate::output::remove_staged();
                    eprintln!(
                        "dpg-audit: error: {}: {what} made no progress for {} s (a malformed file can make it loop)",
                        crate::report::escape::visible(&path.display().to_string()),
                        DECODE_STALL.as_secs()
                    );
                    std::process::exit(2);
                }
            }
        });
        Mutex::new(HashMap::new())
    })
}

/// The watched decoders whose last progress is older than `limit` at `now`.
fn stalled(now: Instant, limit: Duration) -> Vec<(PathBuf, String)> {
    let Ok(w) = watches().lock() else { return Vec::new() };
    w.values()
        .filter(|(_, _, last)| now.duration_since(*last) > limit)
        .map(|(p, what, _)| (p.clone(), what.clone()))
        .collect()
}

/// Runs `f` as [`decode`] does, and watches it: it must call [`progress`] at least every
/// [`DECODE_STALL`].
pub fn watched<T>(path: &Path, what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let id = std::thread::current().id();
    if let Ok(mut w) = watches().lock() {
        w.insert(id, (path.to_path_buf(), what.to_string(), Instant::now()));
    }
    let result = decode(path, what, f);
    if let Ok(mut w) = watches().lock() {
        w.remove(&id);
    }
    result
}

/// The watched decoder of this thread made progress (a batch came out).
pub fn progress() {
    if let Ok(mut w) = watches().lock()
        && let Some(entry) = w.get_mut(&std::thread::current().id())
    {
        entry.2 = Instant::now();
    }
}

/// A panic hook that prints nothing for panics [`decode`] will catch, and defers to the
/// previous hook for every other.
pub fn install_quiet_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if GUARDED.with(Cell::get) > 0 {
            return;
        }
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_input_error_naming_the_file() {
        let err = decode(Path::new("bad.parquet"), "the Parquet decoder", || -> Result<()> {
            panic!("index out of bounds\nsecond line")
        })
        .expect_err("error");
        let text = err.to_string();
        assert!(text.starts_with("bad.parquet: the Parquet decoder failed"), "{text}");
        assert!(!text.contains("second line"), "{text}");
        assert_eq!(decode(Path::new("x"), "y", || Ok(3)).expect("ok"), 3);
    }

    #[test]
    fn a_decoder_without_progress_is_found() {
        let found = watched(Path::new("slow.parquet"), "the Parquet decoder", || {
            std::thread::sleep(Duration::from_millis(30));
            // Seen from the watchdog with a 10 ms limit: stalled.
            let stalled_now = stalled(Instant::now(), Duration::from_millis(10));
            progress();
            let after_progress = stalled(Instant::now(), Duration::from_millis(10));
            Ok((stalled_now, after_progress))
        })
        .expect("ok");
        let mine = |v: &Vec<(PathBuf, String)>| v.iter().any(|(p, _)| p == Path::new("slow.parquet"));
        assert!(mine(&found.0), "{found:?}");
        assert!(!mine(&found.1), "progress resets the clock: {found:?}");
    }
}
