//! Panics inside the decoding crates (arrow, parquet): a malformed file must end the run with
//! exit 2 naming the file and a one-line reason, never a raw panic message. [`decode`] runs a
//! decoder under `catch_unwind` and turns a panic into an input error; the panic hook the CLI
//! installs ([`install_quiet_hook`]) stays silent for panics caught this way and prints every
//! other one as usual (those are bugs of ours).

use std::cell::Cell;
use std::path::Path;

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
}
