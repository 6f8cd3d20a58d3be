//! Progress on stderr, only when stderr is a terminal and the user did not ask for quiet.
//! Workers add rows as they finish batches. When every manifest is Parquet, the footers give the
//! exact total up front, which turns the counter into a bar with an ETA.

//!
//! The bar needs `indicatif`, which comes with the `cli` feature; without it (the library alone)
//! progress is never shown.

#[cfg(feature = "cli")]
use std::io::IsTerminal;
#[cfg(feature = "cli")]
use std::time::Duration;

#[cfg(feature = "cli")]
use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// Stands in for the bar when the `cli` feature is off: nothing is ever drawn.
#[cfg(not(feature = "cli"))]
#[derive(Debug)]
struct ProgressBar;

#[cfg(not(feature = "cli"))]
impl ProgressBar {
    fn set_length(&self, _: u64) {}
    fn set_position(&self, _: u64) {}
    fn inc(&self, _: u64) {}
    fn finish_and_clear(&self) {}
}

#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// `wanted`: the user did not pass `--quiet`.
    #[cfg(not(feature = "cli"))]
    pub fn new(_wanted: bool) -> Self {
        Progress { bar: None }
    }

    /// `wanted`: the user did not pass `--quiet`.
    #[cfg(feature = "cli")]
    pub fn new(wanted: bool) -> Self {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
        if let Ok(style) = ProgressStyle::with_template("{spinner} {human_pos} rows  {rate}  {elapsed}") {
            bar.set_style(style.with_key("rate", rate));
        }
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar: Some(bar) }
    }

    pub fn is_shown(&self) -> bool {
        self.bar.is_some()
    }

    /// The total rows, known up front (switches to a bar with an ETA).
    pub fn set_total(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            #[cfg(feature = "cli")]
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} {human_pos}/{human_len} rows  {rate}  ETA {eta}")
            {
                bar.set_style(style.with_key("rate", rate));
            }
            bar.set_length(rows);
        }
    }

    /// Rows evaluated.
    pub fn add(&self, rows: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(rows);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(feature = "cli")]
fn rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{} rows/s", HumanCount(state.per_sec() as u64));
}

/// A harvest's progress: pages fetched, datasets read, and (once the portal's count is known)
/// a bar with an ETA. Drawn only when stderr is a terminal, like [`Progress`].
#[derive(Debug)]
pub struct Harvesting {
    bar: Option<ProgressBar>,
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pages: std::sync::atomic::AtomicU64,
}

impl Harvesting {
    /// `wanted`: the user did not pass `--quiet`.
    pub fn new(wanted: bool) -> Self {
        let pages = std::sync::atomic::AtomicU64::new(0);
        #[cfg(feature = "cli")]
        if wanted && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} harvesting: page {msg}, {human_pos} datasets  {elapsed}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(250));
            return Harvesting { bar: Some(bar), pages };
        }
        let _ = wanted;
        Harvesting { bar: None, pages }
    }

    /// The datasets the portal counts (switches to a bar with an ETA).
    pub fn set_total(&self, datasets: u64) {
        if let Some(bar) = &self.bar {
            #[cfg(feature = "cli")]
            if bar.length().is_none()
                && let Ok(style) = ProgressStyle::with_template(
                    "{bar:30} page {msg}, {human_pos}/{human_len} datasets  ETA {eta}",
                )
            {
                bar.set_style(style);
            }
            bar.set_length(datasets);
        }
    }

    /// A page is read; `datasets` read so far.
    pub fn page(&self, datasets: u64) {
        let n = self.pages.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if let Some(bar) = &self.bar {
            #[cfg(feature = "cli")]
            bar.set_message(n.to_string());
            bar.set_position(datasets);
        }
        let _ = n;
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
